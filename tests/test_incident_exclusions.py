"""Incidents excused from targets by a tag on their report (`exclude incidents tagged ...`): the targets are
shown as excluded, earn no credit and leave KPIs alone. Every expected figure is worked out by hand beside it."""

from __future__ import annotations

import json
from decimal import Decimal

from click.testing import CliRunner

import sladsl
from sladsl.cli import main
from sladsl.evaluation.verdicts import ExcludedIncident
from sladsl.language.formatter import format_source
from sladsl.source import Source
from tests.helpers import ROOT
from tests.test_check import evaluate_inline, run, target

AGREEMENT = """\
agreement "Exclusions":  § 1
    zone UTC

severity 1 "Critical"  § 2
response for 1 within 1 hour  § 2
resolution for 1 within 8 hours  § 2
kpi response for 1 at least 90% met per calendar month  § 2

exclude incidents tagged force_majeure  § 3
exclude incidents tagged customer_cause from resolution  § 3

credit late: EUR 10 per started hour late for response for 1  § 4
credit fix: EUR 50 when resolution for 1 missed  § 4
"""


def incident(key: str, day: int, tags: list[str] | None, response: str, done: str) -> list[dict[str, object]]:
    report: dict[str, object] = {
        "type": "reported",
        "incident": key,
        "customer": "c",
        "severity": "1",
        "at": f"2025-03-{day:02d}T09:00:00Z",
    }
    if tags is not None:
        report["tags"] = tags
    return [
        report,
        {"type": "response", "incident": key, "at": f"2025-03-{day:02d}T{response}:00Z"},
        {"type": "resolution", "incident": key, "at": f"2025-03-{day:02d}T{done}:00Z"},
    ]


ROWS = [
    {"type": "customer", "id": "c", "fee": "1000", "currency": "EUR"},
    *incident("A", 3, ["force_majeure"], "12:00", "20:00"),  # both targets late, both excused
    *incident("B", 5, ["customer_cause"], "11:30", "20:00"),  # response late and held; resolution excused
    *incident("C", 7, None, "09:30", "12:00"),  # both met
]


def test_a_tagged_incident_is_excused_from_the_kinds_its_tag_names() -> None:
    report = evaluate_inline(AGREEMENT, *ROWS)
    # A: due 10:00 and 17:00, done 12:00 and 20:00; both excluded, the margins still shown (2 h and 3 h late).
    assert target(report, "A") == ("2025-03-03T10:00:00+00:00", "excluded", -7200)
    assert target(report, "A", "resolution") == ("2025-03-03T17:00:00+00:00", "excluded", -3 * 3600)
    # B: only the resolution is excused; the response, due 10:00 and done 11:30, is breached by 90 minutes.
    assert target(report, "B") == ("2025-03-05T10:00:00+00:00", "breached", -90 * 60)
    assert target(report, "B", "resolution")[1] == "excluded"
    assert target(report, "C")[1] == target(report, "C", "resolution")[1] == "met"
    [why] = [f for t in report.targets if t.incident == "A" and t.kind == "response" for f in t.trace]
    assert why == ExcludedIncident("force_majeure", "§ 3")
    # Credits: B's response, 90 minutes late, is 2 started hours at EUR 10; no resolution was missed and held.
    assert [(a.credit, a.incident, a.value) for a in report.awards] == [("late", "B", Decimal(20))]
    # The KPI counts B (breached) and C (met) only: 1 of 2, 50%.
    [kpi] = report.kpis
    assert (kpi.decided, kpi.met) == (2, 1)


def test_without_the_tags_the_same_incidents_are_judged() -> None:
    untagged = [{k: v for k, v in row.items() if k != "tags"} for row in ROWS]
    report = evaluate_inline(AGREEMENT, *untagged)
    # A's response 2 h late (EUR 20) and its resolution missed (EUR 50); B's response (EUR 20) and resolution
    # (3 h late: EUR 50); KPI: 1 of 3 met.
    owed = sorted((a.credit, a.incident, a.value) for a in report.awards)
    assert owed == [
        ("fix", "A", Decimal(50)),
        ("fix", "B", Decimal(50)),
        ("late", "A", Decimal(20)),
        ("late", "B", Decimal(20)),
    ]
    [kpi] = report.kpis
    assert (kpi.decided, kpi.met) == (3, 1)


def test_the_summary_counts_excluded_targets_in_every_format(tmp_path) -> None:  # type: ignore[no-untyped-def]
    agreement = tmp_path / "a.sla"
    agreement.write_text(AGREEMENT, encoding="utf-8")
    timeline = tmp_path / "t.jsonl"
    timeline.write_text("".join(json.dumps(row) + "\n" for row in ROWS), encoding="utf-8")
    runner = CliRunner()
    text = runner.invoke(main, ["check", str(agreement), str(timeline)]).output
    summary = "Summary: 6 targets: 2 met, 1 breached, 0 pending, 3 excluded; 2 breaches in all (1 target, 1 KPI)"
    assert summary in text
    assert "EXCLUDED: tagged `force_majeure` (§ 3)" in text
    document = json.loads(runner.invoke(main, ["check", "--format", "json", str(agreement), str(timeline)]).output)
    assert document["summary"] == {
        "targets": 6,
        "met": 2,
        "breached": 1,
        "pending": 0,
        "excluded": 3,
        "breaches": 2,
    }
    lines = runner.invoke(main, ["check", "--format", "jsonl", str(agreement), str(timeline)]).output.splitlines()
    summary = json.loads(lines[-1])
    assert (summary["targets"], summary["excluded"]) == (6, 3)
    two = runner.invoke(main, ["check", "--format", "jsonl", "--jobs", "2", str(agreement), str(timeline)])
    assert two.output.splitlines() == lines


def test_a_tag_that_is_not_a_list_of_strings_is_rejected() -> None:
    rows = [*ROWS[:1], {**ROWS[1], "tags": "force_majeure"}]
    report = evaluate_inline(AGREEMENT, *rows)
    assert [d.code for d in report.rejected] == ["E0303"]


def test_izy_and_zegal_excuse_the_causes_their_exceptions_name() -> None:
    # Izy INC-4 (A, 10:00 Thursday 24 April, 2 core hours: due 12:00) was answered at 15:00, but its cause is a
    # third party's: excluded, where it would have been 3 hours late.
    assert target(run("izy"), "INC-4") == ("2025-04-24T12:00:00+02:00", "excluded", -3 * 3600)
    # Zegal INC-34 (severity 1, customer cause): response, restore and resolution all excluded.
    statuses = [t.status for t in run("zegal").targets if t.incident == "INC-34"]
    assert statuses == ["excluded", "excluded", "excluded"]


def test_the_line_formats_as_written_and_is_explained() -> None:
    assert format_source(Source("a.sla", AGREEMENT)) == AGREEMENT
    checked = sladsl.load(AGREEMENT, "a.sla")
    assert [(e.tag, sorted(e.kinds)) for e in checked.agreement.incident_exclusions] == [
        ("force_majeure", []),
        ("customer_cause", ["resolution"]),
    ]
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "exclude incidents tagged" in text


def test_a_tag_the_agreement_does_not_exclude_incidents_for_is_e0331_and_its_help_lists_those_it_does() -> None:
    rows = [*ROWS[:1], {**ROWS[1], "tags": ["weather"]}]
    [rejected] = evaluate_inline(AGREEMENT, *rows).rejected
    assert rejected.code == "E0331"
    assert rejected.message == "tag `weather` is not one the agreement excludes incidents for"
    assert rejected.help == "tags: `customer_cause`, `force_majeure`"


def test_a_tag_on_a_report_when_the_agreement_excludes_no_incidents_is_e0331_and_its_help_says_so() -> None:
    agreement = "".join(line for line in AGREEMENT.splitlines(keepends=True) if not line.startswith("exclude "))
    assert "exclude" not in agreement
    [rejected] = evaluate_inline(agreement, *ROWS[:2]).rejected
    assert rejected.code == "E0331"
    assert rejected.message == "tag `force_majeure` is not one the agreement excludes incidents for"
    assert rejected.help == "the agreement has no `exclude incidents tagged`"
