"""`check` semantics, rule by rule. Every expected value is worked out by hand in the comment beside it."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
import os
import pty
import re
import subprocess
import sys
from decimal import Decimal
from typing import Any

import pytest
from msgspec.structs import replace

import sladsl
from sladsl import Report, evaluate, read_timeline
from sladsl.diagnostics import decode
from sladsl.evaluation.verdicts import (
    BelowMinimum,
    ClaimedLate,
    CountedFrom,
    InBand,
    LadderGap,
    ReportedLate,
    owed,
)
from sladsl.model import Amount
from sladsl.render import words
from sladsl.render.diagnostics import render_text
from sladsl.render.json import json_text, render_json
from sladsl.render.text import render_text as render_report
from sladsl.time.instants import epoch, local
from tests.helpers import BAD_TIMELINES, ROOT, VENDORS, read_against


@functools.cache
def agreement(vendor: str) -> sladsl.Checked:
    path = ROOT / "agreements" / f"{vendor}.sla"
    return sladsl.load(path.read_text(encoding="utf-8"), f"agreements/{vendor}.sla")


def run(vendor: str, jsonl: str | None = None, as_of: str | None = None, *, trace: bool = True) -> Report:
    name = f"agreements/{vendor}.timeline.jsonl"
    text = jsonl if jsonl is not None else (ROOT / name).read_text(encoding="utf-8")
    stand = epoch(dt.datetime.fromisoformat(as_of)) if as_of else None
    report = evaluate(agreement(vendor).agreement, read_timeline(text, name), as_of=stand, trace=trace)
    assert report.rejected == ()
    return report


def records(*rows: dict[str, object]) -> str:
    return "".join(json.dumps(row) + "\n" for row in rows)


def figures(report: Report) -> tuple[list[tuple[object, ...]], ...]:
    """Every number and status in a report, without the source line numbers its explanations quote."""
    return (
        [(t.incident, t.kind, t.severity, t.start, t.due, t.actual, t.status, t.margin) for t in report.targets],
        [(k.customer, k.period, k.kpi.kind, k.met, k.decided, k.status) for k in report.kpis],
        [
            (a.customer, a.commitment.name, a.period, a.downtime_seconds, a.counted_seconds, a.value, a.status)
            for a in report.availability
        ],
        [(a.customer, a.credit, a.incident, a.period, a.value, a.unit, a.status) for a in report.awards],
        [(report.records.read, report.records.evaluated, report.records.rejected)],
    )


def evaluate_inline(agreement_text: str, *rows: dict[str, object]) -> Report:
    """An agreement written in the test and records given as dicts, checked and evaluated."""
    checked = sladsl.load(agreement_text, "inline.sla")
    return evaluate(checked.agreement, read_timeline(records(*rows), "inline.jsonl"))


def target(report: Report, incident: str, kind: str = "response") -> tuple[str, str, int | None]:
    [verdict] = [t for t in report.targets if t.incident == incident and t.kind == kind]
    zone = report.agreement.zone or "UTC"
    due = local(verdict.due, zone).isoformat() if verdict.due is not None else "-"
    return due, verdict.status, verdict.margin


def test_outside_hours_report_starts_at_next_opening_across_a_dst_weekend() -> None:
    # Izy B, reported Sat 29 March 2025 23:30 (the clocks go forward that night): the clock starts Mon 31 March
    # 08:00, four core hours later is 12:00 CEST; answered 12:30, so 30 minutes of core time late.
    assert target(run("izy"), "INC-2") == ("2025-03-31T12:00:00+02:00", "breached", -30 * 60)


def test_holiday_run_over_easter() -> None:
    # Izy A, Wed 16 April 2025 16:00: one hour that day, then Maundy Thursday, Good Friday, the weekend and
    # Easter Monday are closed; the second hour ends Tue 22 April 09:00. Answered 08:45: 15 minutes to spare.
    assert target(run("izy"), "INC-1") == ("2025-04-22T09:00:00+02:00", "met", 15 * 60)


def test_wall_clock_24_hours_across_the_autumn_switch() -> None:
    # Opti-Q low, Sat 25 October 2025 10:00 CEST plus 24 real hours is Sun 26 October 09:00 CET.
    assert target(run("opti-q"), "INC-63") == ("2025-10-26T09:00:00+01:00", "breached", -30 * 60)


def test_ladder_band_edge_at_a_touching_bound() -> None:
    # Izy, March 2025 has 44,580 minutes. 891.6 minutes down gives exactly 98%: the 10% and the 15% bands both
    # include 98%, and the larger applies: 15% of EUR 1,000 is EUR 150.
    report = run(
        "izy",
        records(
            {"type": "customer", "id": "acme", "fee": "1000.00", "currency": "EUR"},
            {
                "type": "outage",
                "id": "O",
                "start": "2025-03-05T08:00:00+01:00",
                "end": "2025-03-05T22:51:36+01:00",
            },
            {"type": "claim", "customer": "acme", "at": "2025-04-02T10:00:00+02:00", "period": "2025-03"},
        ),
    )
    [march] = [a for a in report.availability if a.period == "2025-03"]
    assert march.value == Decimal(98)
    [award] = report.awards
    assert (award.value, award.unit, award.status) == (Decimal("150.00"), "EUR", "owed")


def test_ladder_gap_as_written_earns_nothing_and_says_so() -> None:
    # Izy, February 2025 (40,320 minutes) with 423 minutes down: 98.95089...%, in the gap above 98.9% and
    # below 99%.
    report = run("izy")
    [gap] = [a for a in report.awards if a.period == "2025-02"]
    assert (gap.value, gap.status) == (Decimal(0), "void")
    assert gap.basis == InBand("uptime", "2025-02", (1 - Decimal(423) / Decimal(40320)) * 100, None)
    assert gap.reasons == (LadderGap(),)
    assert words.basis(gap.basis) == "uptime 2025-02 at 98.9509%: no band covers it"


def test_izy_formula_with_maintenance() -> None:
    # Izy, March 2025: N = 840 minutes (600 counted after merging OUT-1 and OUT-3, plus 240 of maintenance),
    # P = 240, D = 44,580: (1 - 600/44580) * 100, and the 10% band: EUR 100.
    report = run("izy")
    [march] = [a for a in report.availability if a.period == "2025-03"]
    seconds = (march.period_seconds, march.downtime_seconds, march.maintenance_seconds, march.counted_seconds)
    assert seconds == (44580 * 60, 840 * 60, 240 * 60, 600 * 60)
    assert march.value == (1 - Decimal(600) / Decimal(44580)) * 100
    assert owed(report.awards) == {"acme": {"EUR": Decimal("100.00")}}


def test_cap_clips_the_yearly_award() -> None:
    # ISL: each customer's 2025 availability is 99.4064% (3,120 counted minutes of 525,600): 30 credits. The cap
    # is 30 a year: the clinic already has 3 (INC-11), the studio 6 (INC-14), the agency 8 (INC-16), so 27, 24
    # and 22.
    report = run("isl-online")
    yearly = {a.customer: a.value for a in report.awards if a.credit == "yearly_uptime"}
    assert yearly == {"agency": Decimal(22), "clinic": Decimal(27), "studio": Decimal(24)}
    totals: dict[str, Decimal] = {}
    for award in report.awards:
        if award.status == "owed":
            totals[award.customer] = totals.get(award.customer, Decimal(0)) + award.value
    assert totals == {"agency": Decimal(30), "clinic": Decimal(30), "studio": Decimal(30)}


def test_started_hours_and_no_stacking() -> None:
    # ISL INC-11, standard critical, due Fri 2 May 14:00 (1 May closed; 2 May open though a Slovenian holiday),
    # answered 16:30: 2 h 30 late, 3 started hours, 3 credits. INC-13, minor, due Tue 13 May 11:00, answered
    # 12:15: 2 credits. Both in May 2025: only the larger (3) stands.
    report = run("isl-online")
    assert target(report, "INC-11") == ("2025-05-02T14:00:00+02:00", "breached", -150 * 60)
    awards = {a.incident: (a.value, a.status) for a in report.awards if a.incident in ("INC-11", "INC-13")}
    assert awards == {"INC-11": (Decimal(3), "owed"), "INC-13": (Decimal(2), "void")}


def test_late_claim_voids_the_credit() -> None:
    # ISL INC-12: 4 hours late (Fri 26 Dec 19:00-22:00 and Mon 29 Dec 08:00-09:00), 2 credits an hour: 8. The
    # claim window runs 7 working days from Tue 30 Dec (1 January closed) to Thu 8 Jan 2026 22:00; the claim
    # came on 20 January.
    report = run("isl-online")
    [award] = [a for a in report.awards if a.incident == "INC-12"]
    assert (award.value, award.status) == (Decimal(8), "void")
    late = award.reasons[-1]
    assert isinstance(late, ClaimedLate)
    assert local(late.closes, "Europe/Ljubljana").isoformat() == "2026-01-08T22:00:00+01:00"
    assert "after the window closed 2026-01-08 22:00 Thu" in words.reason(late, "Europe/Ljubljana")


def test_severity_downgrade_after_workaround() -> None:
    # Zegal INC-31, severity 1, received Mon 6 Oct 2025 19:00, after Support Hours; Tue 7 is a holiday, so the
    # day of receipt is Wed 8 Oct. The restore (workaround) on Thu 9 Oct lowers it to 2; the resolution is then
    # judged as severity 2, still due ten business days after the day of receipt: 9, 10, 13-17, 20, 21 and 22
    # October, so Wed 22 Oct 18:00. Resolved Wed 22 Oct 11:00: 7 hours to spare (a business-day target's margin
    # is real time).
    report = run("zegal")
    restore = next(t for t in report.targets if t.incident == "INC-31" and t.kind == "restore")
    assert restore.severity == "1"
    resolution = next(t for t in report.targets if t.incident == "INC-31" and t.kind == "resolution")
    assert resolution.severity == "2"
    assert target(report, "INC-31", "resolution") == ("2025-10-22T18:00:00+08:00", "met", 7 * 3600)


PAUSE_AGREEMENT = """\
agreement "Pause test":  § 1
    zone Europe/Amsterdam
calendar support_hours:  § 2
    open monday to friday 08:30-17:00
severity 1 "Critical"  § 3
clock:  § 4
    pause while waiting on customer
response for 1 within 4 hours of support_hours  § 5
"""


def test_pause_stops_the_business_clock() -> None:
    # Reported Mon 2 June 2025 09:00; waiting on the customer 10:00-15:00 (5 hours of support time); 4 support
    # hours are used 09:00-10:00 and 15:00-17:00, then 08:30-09:30 on Tuesday.
    report = evaluate_inline(
        PAUSE_AGREEMENT,
        {"type": "reported", "incident": "P", "severity": "1", "at": "2025-06-02T09:00:00+02:00"},
        {"type": "paused", "incident": "P", "at": "2025-06-02T10:00:00+02:00"},
        {"type": "resumed", "incident": "P", "at": "2025-06-02T15:00:00+02:00"},
        {"type": "response", "incident": "P", "at": "2025-06-03T09:00:00+02:00"},
    )
    assert target(report, "P") == ("2025-06-03T09:30:00+02:00", "met", 30 * 60)


def test_kpi_at_and_below_target() -> None:
    # CloudCTI June 2025: 10 priority 1 responses, 1 late: 90%, which meets "at least 90%". July: 1 of 2: 50%.
    report = run("cloudcti")
    kpis = {(k.kpi.kind, k.period): (k.met, k.decided, k.status) for k in report.kpis}
    assert kpis[("response", "2025-06")] == (9, 10, "met")
    assert kpis[("response", "2025-07")] == (1, 2, "breached")


def test_update_cadence_and_whit_monday() -> None:
    # CloudCTI INC-41, priority 1, Fri 6 June 2025 16:00; Mon 9 June is Whit Monday. Response due Tue 10 June
    # 11:30. From the update at Tue 14:30, the next is due after 4 support hours: 2 h 30 on Tuesday and 1 h 30
    # from Wed 08:30, so Wed 10:00; it came at 10:30.
    report = run("cloudcti")
    assert target(report, "INC-41") == ("2025-06-10T11:30:00+02:00", "met", 30 * 60)
    updates = [t for t in report.targets if t.incident == "INC-41" and t.kind == "update"]
    assert [(local(u.due or 0, "Europe/Amsterdam").isoformat(), u.status) for u in updates] == [
        ("2025-06-10T15:00:00+02:00", "met"),
        ("2025-06-11T10:00:00+02:00", "breached"),
    ]


def test_mttr_counts_from_the_day_after_the_report() -> None:
    # CloudCTI INC-42, priority 2, Fri 6 June 2025: working days from Sat 7 June are Tue 10 and Wed 11 (Whit
    # Monday closed), so due Wed 11 June 17:00.
    assert target(run("cloudcti"), "INC-42", "resolution") == ("2025-06-11T17:00:00+02:00", "breached", -16 * 3600)


def test_maintenance_needs_enough_notice() -> None:
    # Opti-Q March 2025: OUT-72 was announced 2 days 8 hours ahead (under 3 days): it counts; OUT-73, 5 days
    # ahead: excluded. Counted: 240 + 180 + 60 = 480 minutes (OUT-76 counts where it overlaps the DDoS).
    report = run("opti-q")
    [march] = [a for a in report.availability if a.period == "2025-03"]
    assert march.counted_seconds == 480 * 60
    assert march.maintenance_seconds == 180 * 60


def test_shuffled_records_give_the_same_report() -> None:
    text = (ROOT / "agreements" / "isl-online.timeline.jsonl").read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    assert figures(run("isl-online", "".join(reversed(lines)))) == figures(run("isl-online", text))


@pytest.mark.parametrize("vendor", VENDORS)
def test_every_record_is_read_and_evaluated(vendor: str) -> None:
    """Records are counted as they are read, and again as they are kept: every line of a clean timeline is
    both, so a record dropped anywhere on the way would show."""
    lines = (ROOT / "agreements" / f"{vendor}.timeline.jsonl").read_text(encoding="utf-8").splitlines()
    records = run(vendor).records
    assert records.read == records.evaluated == sum(1 for line in lines if line.strip())
    assert records.rejected == 0


@pytest.mark.parametrize("path", BAD_TIMELINES, ids=lambda p: p.stem)
def test_bad_timeline_record_is_rejected_with_its_code(path, snapshot) -> None:  # type: ignore[no-untyped-def]
    """Each file is read against Izy's agreement, or the one of its name in `against/` (for a record only some
    agreements refuse); the bad record is rejected, never dropped in silence."""
    name = f"tests/data/bad/{path.name}"
    raw = path.read_bytes()
    against = read_against(path)
    checked = sladsl.load(against.read_text(encoding="utf-8"), str(against.relative_to(ROOT)))
    report = evaluate(checked.agreement, read_timeline(raw, name))
    lines = [line for line in raw.split(b"\n") if line.strip()]
    assert report.records.read == len(lines) == report.records.evaluated + report.records.rejected
    found = [*report.rejected, *report.warnings]
    assert path.name[:5] in {d.code for d in found}
    source, _ = decode(name, raw, "E0315")
    assert render_text(found, {name: source}) == snapshot


def test_csv_and_json_array_timelines_read_like_json_lines() -> None:
    text = (ROOT / "agreements" / "isl-online.timeline.jsonl").read_text(encoding="utf-8")
    rows = [json.loads(line) for line in text.splitlines()]
    columns = [
        "type",
        "id",
        "incident",
        "customer",
        "severity",
        "plan",
        "add_ons",
        "channel",
        "at",
        "start",
        "end",
        "tags",
        "notice",
        "reported",
        "fee",
        "currency",
        "credit",
        "period",
    ]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, columns)
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {**row, "tags": ";".join(row.get("tags", [])), "add_ons": ";".join(row.get("add_ons", []))}
        )
    model = agreement("isl-online").agreement
    as_csv = evaluate(model, read_timeline(buffer.getvalue(), "t.csv"))
    as_array = evaluate(model, read_timeline(json.dumps(rows, indent=1), "t.json"))
    as_lines = evaluate(model, read_timeline(text, "t.jsonl"))
    assert as_csv.rejected == as_array.rejected == ()
    assert figures(as_csv) == figures(as_lines)
    assert figures(as_array) == figures(as_lines)


@pytest.mark.parametrize("vendor", VENDORS)
def test_vendor_text_report(vendor: str, snapshot) -> None:  # type: ignore[no-untyped-def]
    report = run(vendor)
    text = render_report(report, f"agreements/{vendor}.sla", f"agreements/{vendor}.timeline.jsonl", explain=True)
    assert text == snapshot


@pytest.mark.parametrize("vendor", VENDORS)
def test_vendor_json_report(vendor: str, snapshot) -> None:  # type: ignore[no-untyped-def]
    report = run(vendor)
    document = render_json(report, f"agreements/{vendor}.sla", f"agreements/{vendor}.timeline.jsonl")
    assert set(document) == {
        "schema",
        "agreement",
        "timeline",
        "zone",
        "as_of",
        "targets",
        "kpis",
        "availability",
        "shared_outages",
        "credits",
        "totals",
        "summary",
        "records",
    }
    assert document["schema"] == "sladsl.check/3"
    assert json.dumps(document, indent=2, ensure_ascii=False) == snapshot


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sladsl", *args], capture_output=True, text=True, cwd=ROOT, check=False
    )


def test_check_exit_codes_and_records_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    breached = cli("check", "agreements/izy.sla", "agreements/izy.timeline.jsonl")
    assert breached.returncode == 1, breached.stderr
    assert "Records: 15 read = 15 evaluated + 0 rejected" in breached.stdout
    assert "agreements/izy.sla: 4 warnings; `sladsl lint agreements/izy.sla` shows them" in breached.stderr
    clean = tmp_path / "clean.jsonl"
    clean.write_text(
        records(
            {"type": "reported", "incident": "X", "severity": "A", "at": "2025-04-16T09:00:00+02:00"},
            {"type": "response", "incident": "X", "at": "2025-04-16T09:30:00+02:00"},
            {"type": "reported", "incident": "Y", "severity": "A", "at": "2025-04-16T09:00:00"},
        )
    )
    ok = cli("check", "agreements/izy.sla", str(clean))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "Records: 3 read = 2 evaluated + 1 rejected" in ok.stdout
    assert f"{clean}:3: E0304" in ok.stdout
    strict = cli("check", "--strict", "agreements/izy.sla", str(clean))
    assert strict.returncode == 2
    broken = cli("check", "tests/data/bad/E0202-undefined-calendar.sla", str(clean))
    assert broken.returncode == 2
    assert "error[E0202]" in broken.stderr and "Traceback" not in broken.stderr
    assert cli("check", "agreements/izy.sla", "missing.jsonl").returncode == 2


def test_a_timeline_that_names_no_instant_stands_at_none(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # The only report has no offset, so it is rejected (E0304); the customer record names no instant. Nothing
    # is left to say when the check stands, so every format says there is no as-of, not 1970-01-01.
    path = tmp_path / "undated.jsonl"
    path.write_text(
        records(
            {"type": "customer", "id": "acme", "fee": "100.00", "currency": "EUR"},
            {"type": "reported", "incident": "X", "severity": "A", "at": "2025-04-16T09:00:00"},
        )
    )
    text = cli("check", "agreements/izy.sla", str(path))
    assert text.returncode == 0, text.stderr
    assert f"agreements/izy.sla against {path}, with no as-of instant, as no record names one (Europe/Oslo)" in (
        text.stdout
    )
    assert "1970" not in text.stdout
    assert json.loads(cli("check", "--format", "json", "agreements/izy.sla", str(path)).stdout)["as_of"] is None
    for jobs in ("1", "2"):
        lines = cli("check", "--format", "jsonl", "--jobs", jobs, "agreements/izy.sla", str(path)).stdout
        summary = json.loads(lines.splitlines()[-1])
        assert summary["type"] == "summary" and summary["as_of"] is None, lines
        assert summary["records"] == {"read": 2, "evaluated": 1, "rejected": 1}
    # Given, it is used as ever.
    stand = "2025-05-01T00:00:00+02:00"
    given = cli("check", "--format", "json", "--as-of", stand, "agreements/izy.sla", str(path))
    assert json.loads(given.stdout)["as_of"] == stand
    page = tmp_path / "undated.html"
    assert cli("report", "agreements/izy.sla", str(path), "--html", str(page)).returncode == 0
    assert "with no as-of instant, as no record names one (Europe/Oslo)" in page.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("stand", "says"),
    [
        ("2025-03-30T02:30", "2025-03-30 02:30 does not exist in Europe/Oslo: the clocks skip it"),
        ("2025-10-26T02:30", "2025-10-26 02:30 happens twice in Europe/Oslo: the clocks go back (add the offset:"),
        ("2025-05-01T00:00[CET]", "`CET` is an abbreviation, not a time zone (name the place instead, for"),
        ("2025-05-01T00:00[Europe/Olso]", "time zone `Europe/Olso` is not known (did you mean `Europe/Oslo`?)"),
    ],
)
def test_a_bad_as_of_is_a_usage_error_with_its_help(stand: str, says: str) -> None:
    result = cli("check", "--as-of", stand, "agreements/izy.sla", "agreements/izy.timeline.jsonl")
    assert result.returncode == 2
    assert f"Error: Invalid value for --as-of: {says}" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", ["check", "diff"])
def test_an_as_of_without_an_offset_is_a_local_time_in_the_agreements_zone(command: str) -> None:
    # Izy's zone is Europe/Oslo, at +02:00 in April: 2025-04-16T10:00 there is 08:00 UTC. Written with its offset
    # it gives the same report; 10:00 UTC is 12:00 in Oslo.
    files = ["agreements/izy.sla", "agreements/izy.timeline.jsonl"]
    if command == "diff":
        files.insert(1, "tests/data/diff/izy-proposed.sla")
    local = cli(command, "--as-of", "2025-04-16T10:00", *files)
    offset = cli(command, "--as-of", "2025-04-16T10:00:00+02:00", *files)
    assert (local.returncode, local.stdout) == (offset.returncode, offset.stdout), local.stderr
    if command == "check":
        assert "as of 2025-04-16 10:00 Wed (Europe/Oslo)" in local.stdout
        utc = cli(command, "--as-of", "2025-04-16T10:00:00Z", *files)
        assert "as of 2025-04-16 12:00 Wed (Europe/Oslo)" in utc.stdout


def test_the_html_report_compiles_each_calendar_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each incident's drawing shades its calendar's open hours. Compiling the calendar again for every incident
    # took 70 s for 10,000 incidents; one compiled calendar serves them all, and the page is the same.
    from sladsl.render import html as html_report  # noqa: PLC0415
    from sladsl.time import calendar  # noqa: PLC0415

    report = run("izy")
    before = html_report.render_html(report, "izy.sla", "izy.jsonl")
    asked: list[str] = []
    made: list[str] = []

    def counted(spec: Any) -> Any:
        asked.append(spec.name)
        return calendar.clock_for(spec)

    class Counted(calendar.Clock):
        def __init__(self, spec: Any) -> None:
            made.append(spec.name)
            super().__init__(spec)

    monkeypatch.setattr(html_report, "clock_for", counted)
    monkeypatch.setattr(calendar, "Clock", Counted)
    monkeypatch.setattr(calendar, "_CLOCKS", {})
    assert html_report.render_html(report, "izy.sla", "izy.jsonl") == before
    drawn = len({t.incident for t in report.targets})
    assert drawn == 4 and asked == ["core_hours"] and made == ["core_hours"], (drawn, asked, made)


def test_a_calendar_is_compiled_once_per_process() -> None:
    """Every stage and renderer asks `clock_for`, which keeps the most recent clocks: an equal calendar gets the
    same clock, whatever agreement it came from; past the limit the least recently used is dropped."""
    from sladsl.time import calendar  # noqa: PLC0415

    spec = run("izy").agreement.calendars["core_hours"]
    assert calendar.clock_for(spec) is calendar.clock_for(replace(spec))
    others = [replace(spec, name=f"c{i}") for i in range(calendar._KEPT_CLOCKS)]
    kept = calendar.clock_for(spec)
    for other in others:
        calendar.clock_for(other)
    assert calendar.clock_for(spec) is not kept  # dropped, then made again
    assert len(calendar._CLOCKS) == calendar._KEPT_CLOCKS


def test_check_period_filter_and_json() -> None:
    result = cli(
        "check", "--format", "json", "--period", "2025-03", "agreements/izy.sla", "agreements/izy.timeline.jsonl"
    )
    document = json.loads(result.stdout)
    assert [t["incident"] for t in document["targets"]] == ["INC-2"]
    assert [a["period"] for a in document["availability"]] == ["2025-03"]
    assert [(c["credit"], c["value"], c["status"]) for c in document["credits"]] == [("refund", "100.00", "owed")]
    bad = cli("check", "--period", "March", "agreements/izy.sla", "agreements/izy.timeline.jsonl")
    assert bad.returncode == 2
    # Read alone, a narrowed report says it is one, under its title.
    text = cli("check", "--period", "2025-03", "agreements/izy.sla", "agreements/izy.timeline.jsonl").stdout
    note = "only 2025-03: the targets reported, the periods begun and the credits earned in it"
    assert text.splitlines()[2] == f"  {note}"
    whole = cli("check", "agreements/izy.sla", "agreements/izy.timeline.jsonl").stdout
    assert "only " not in whole.splitlines()[2]


def test_report_period_draws_only_that_period(tmp_path) -> None:  # type: ignore[no-untyped-def]
    page = tmp_path / "march.html"
    args = ("report", "--period", "2025-03", "agreements/izy.sla", "agreements/izy.timeline.jsonl")
    assert cli(*args, "--html", str(page)).returncode == 0
    html = page.read_text(encoding="utf-8")
    # INC-2 is the one incident reported in March 2025 (as `check --period 2025-03` lists above).
    assert set(re.findall(r'data-incident="([^"]+)"', html)) == {"INC-2"}
    assert '<p class="meta" id="period">only 2025-03: the targets reported' in html
    bad = cli("report", "--period", "March", "agreements/izy.sla", "agreements/izy.timeline.jsonl", "--html", "x")
    assert bad.returncode == 2 and "is not a period" in bad.stderr


MODES_AGREEMENT = """\
agreement "Severity change test":  § 1
    zone Europe/Amsterdam
calendar support_hours:  § 2
    open monday to friday 09:00-17:00
severity 1 "Critical"  § 3
severity 2 "High"  § 3
clock:  § 4
    on severity change {mode}
response for 1 within 2 hours of support_hours  § 5
response for 2 within 8 hours of support_hours  § 5
credit late: EUR 50 when response for 1, 2 missed  § 6
minimum award EUR 60  § 7
"""


def mode_report(mode: str) -> Report:
    return evaluate_inline(
        MODES_AGREEMENT.format(mode=mode),
        {"type": "reported", "incident": "M", "severity": "2", "at": "2025-06-02T09:00:00+02:00"},
        {"type": "severity_changed", "incident": "M", "severity": "1", "at": "2025-06-02T12:00:00+02:00"},
        {"type": "response", "incident": "M", "at": "2025-06-02T13:30:00+02:00"},
    )


@pytest.mark.parametrize(
    ("mode", "due", "status"),
    [
        # Raised from 2 to 1 at 12:00. keep_elapsed: severity 1's 2 hours count from the 09:00 report, so
        # due 11:00, already past at the change: breached. restart: 2 hours from 12:00, due 14:00: met at
        # 13:30. retroactive: severity 1 from the start, due 11:00: breached.
        ("keep_elapsed", "2025-06-02T11:00:00+02:00", "breached"),
        ("restart", "2025-06-02T14:00:00+02:00", "met"),
        ("retroactive", "2025-06-02T11:00:00+02:00", "breached"),
    ],
)
def test_severity_change_modes(mode: str, due: str, status: str) -> None:
    report = mode_report(mode)
    found = target(report, "M")
    assert (found[0], found[1]) == (due, status)


def test_flat_credit_below_the_minimum_is_void() -> None:
    # The missed response earns EUR 50, under the EUR 60 minimum award: void, and nothing is owed.
    [award] = mode_report("keep_elapsed").awards
    assert (award.value, award.unit, award.status) == (Decimal(50), "EUR", "void")
    assert award.reasons[-1] == BelowMinimum(Amount("money", Decimal(60), "EUR"))
    assert words.reason(award.reasons[-1], "Europe/Amsterdam") == "void: below the minimum award of EUR 60"


def test_outage_across_a_month_boundary_is_split() -> None:
    # Izy: 22:00 on 31 March to 02:00 on 1 April 2025 (Oslo): two hours in each month.
    report = run(
        "izy",
        records(
            {
                "type": "outage",
                "id": "O",
                "start": "2025-03-31T22:00:00+02:00",
                "end": "2025-04-01T02:00:00+02:00",
            },
            {
                "type": "outage",
                "id": "P",
                "start": "2025-05-02T10:00:00+02:00",
                "end": "2025-05-02T10:01:00+02:00",
            },
        ),
    )
    counted = {a.period: a.counted_seconds // 60 for a in report.availability}
    assert counted == {"2025-03": 120, "2025-04": 120, "2025-05": 1}


def test_outage_reported_after_the_report_window_does_not_count() -> None:
    # ISL OUT-24 started Tue 14 Oct 2025; three working days from Wed 15 end Fri 17 Oct 22:00; reported 21 Oct.
    report = run("isl-online")
    [year] = [a for a in report.availability if a.customer == "clinic" and a.period == "2025"]
    [share] = [s for s in year.shared if s.outage == "OUT-24"]  # an outage for every customer
    late = share.treatment
    assert isinstance(late, ReportedLate) and not share.counts
    zone = "Europe/Ljubljana"
    assert (words.when(late.reported, zone), words.when(late.closes, zone)) == (
        "2025-10-21 09:00 Tue",
        "2025-10-17 22:00 Fri",
    )


def test_period_range_keeps_the_amounts_of_the_whole_run() -> None:
    # Caps are applied over the whole timeline before filtering: the clinic's 2025 award stays 27, the agency's 22
    # (its 8 credits for INC-16 in March count against the cap though March is outside the window).
    lo = epoch(dt.datetime.fromisoformat("2025-12-01T00:00:00+01:00"))
    hi = epoch(dt.datetime.fromisoformat("2026-01-01T00:00:00+01:00"))
    text = (ROOT / "agreements" / "isl-online.timeline.jsonl").read_bytes()
    december = evaluate(agreement("isl-online").agreement, read_timeline(text), window=(lo, hi))
    assert sorted((a.customer, a.credit, a.value) for a in december.awards) == [
        ("agency", "yearly_uptime", Decimal(22)),
        ("clinic", "yearly_uptime", Decimal(27)),
        ("studio", "late_premium", Decimal(8)),
        ("studio", "yearly_uptime", Decimal(24)),
    ]
    assert [t.incident for t in december.targets] == ["INC-12"]


def test_json_report_matches_the_documented_schema() -> None:
    keys = {
        "targets": {
            "incident",
            "customer",
            "kind",
            "severity",
            "plan",
            "reported",
            "start",
            "due",
            "actual",
            "status",
            "margin_seconds",
            "clock",
            "citation",
            "trace",
        },
        "kpis": {
            "customer",
            "kind",
            "severities",
            "plans",
            "period",
            "decided",
            "met",
            "percent",
            "target_percent",
            "status",
            "citation",
        },
        "availability": {
            "customer",
            "commitment",
            "period",
            "start",
            "end",
            "period_seconds",
            "downtime_seconds",
            "maintenance_seconds",
            "counted_seconds",
            "value",
            "target",
            "status",
            "citation",
            "outages",
            "shared_outages",
            "maintenance_budget",
        },
        "shared_outages": {"commitment", "period", "start", "end", "outages"},
        "credits": {
            "customer",
            "credit",
            "basis",
            "incident",
            "period",
            "at",
            "unit",
            "value",
            "status",
            "reasons",
            "citation",
        },
        "totals": {"customer", "unit", "value"},
    }
    seen = set()
    for vendor in VENDORS:
        document = render_json(run(vendor), "a.sla", "t.jsonl")
        for section, expected in keys.items():
            for item in document[section]:
                assert set(item) == expected, (vendor, section)
                seen.add(section)
        for item in (*document["availability"], *document["shared_outages"]):
            for outage in item["outages"]:
                assert set(outage) == {"outage", "line", "start", "end", "seconds", "counts", "treatment"}
        assert set(document["summary"]) == {"targets", "met", "breached", "pending", "excluded", "breaches"}
        assert set(document["records"]) == {"read", "evaluated", "rejected", "diagnostics", "warnings"}
        readme = (ROOT / "README.md").read_text(encoding="utf-8")
        for expected in keys.values():
            for key in expected:
                assert f"`{key}`" in readme, key
    assert seen == set(keys)


ANCHOR_AGREEMENT = """\
agreement "Anchor order test":  § 1
    zone Europe/Amsterdam
calendar support_hours:  § 2
    open monday to friday 09:00-17:00
severity 1 "Critical"  § 3
response for 1 within 1 hour of support_hours after restore deadline  § 4
restore for 1 within 2 hours of support_hours  § 5
"""


def test_a_target_counted_from_a_later_kind_still_gets_its_verdict() -> None:
    # Reported Mon 2 June 2025 09:00. The restore is due after 2 support hours, 11:00; the response counts one
    # more hour from there: due 12:00. Answered 11:30: met, 30 minutes to spare.
    report = evaluate_inline(
        ANCHOR_AGREEMENT,
        {"type": "reported", "incident": "Q", "severity": "1", "at": "2025-06-02T09:00:00+02:00"},
        {"type": "response", "incident": "Q", "at": "2025-06-02T11:30:00+02:00"},
    )
    assert target(report, "Q") == ("2025-06-02T12:00:00+02:00", "met", 30 * 60)
    assert target(report, "Q", "restore")[0] == "2025-06-02T11:00:00+02:00"


def test_a_target_whose_anchor_is_paused_is_pending_not_dropped() -> None:
    # The restore clock stops at 10:00 and is never resumed, so the restore has no deadline; the response,
    # counted from it, cannot fall due either: both are pending, and neither disappears.
    text = ANCHOR_AGREEMENT.replace(
        'severity 1 "Critical"  § 3\n',
        'severity 1 "Critical"  § 3\nclock:  § 6\n    pause while waiting on customer\n',
    )
    report = evaluate_inline(
        text,
        {"type": "reported", "incident": "Q", "severity": "1", "at": "2025-06-02T09:00:00+02:00"},
        {"type": "paused", "incident": "Q", "at": "2025-06-02T10:00:00+02:00"},
    )
    assert [(t.kind, t.status, t.due) for t in report.targets] == [
        ("restore", "pending", None),
        ("response", "pending", None),
    ]
    [response] = [t for t in report.targets if t.kind == "response"]
    assert response.trace[-1] == CountedFrom("restore", None, applies=True)
    assert words.fact(response.trace[-1], "UTC") == "counted from the restore deadline, which has no deadline yet"


def test_a_large_timeline_read_whole_points_at_the_streamed_format(monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner  # noqa: PLC0415

    from sladsl import cli as command_line  # noqa: PLC0415

    monkeypatch.chdir(ROOT)
    arguments = ["check", "agreements/izy.sla", "agreements/izy.timeline.jsonl"]
    hint = "`--format jsonl` writes results as they are decided, in memory that follows the incidents still open"
    assert hint not in CliRunner().invoke(command_line.main, arguments).stderr
    monkeypatch.setattr(command_line, "LARGE_TIMELINE", 1000)  # the timeline is 1.5 kB: large for this test
    for extra in ([], ["--format", "json"]):
        assert hint in CliRunner().invoke(command_line.main, [*arguments, *extra]).stderr
    assert hint not in CliRunner().invoke(command_line.main, [*arguments, "--format", "jsonl"]).stderr


@pytest.mark.parametrize(
    ("text", "where"),
    [
        (
            '[{"type": "customer", "id": "acme"},\n {"type": "customer", "id": "bolt"}',
            "t.json:2:36",
        ),  # just after the last character
        ('[{"type": "customer", "id": "acme"}]\n{"type": "customer", "id": "bolt"}\n', "t.json:2:1"),
    ],
    ids=["not-closed", "more-after-it"],
)
def test_an_array_cut_short_or_followed_by_more_says_so(text: str, where: str) -> None:
    """Records after a JSON array's end, or an array that never ends, are never dropped in silence."""
    report = evaluate(agreement("izy").agreement, read_timeline(text, "t.json"))
    [problem] = report.rejected
    assert (problem.code, str(problem.span)) == ("E0301", where)
    assert report.records.read == report.records.evaluated + 1


@pytest.mark.parametrize("vendor", VENDORS)
def test_json_written_in_pieces_is_the_document_dumped_whole(vendor: str) -> None:
    report = run(vendor)
    whole = json.dumps(render_json(report, "a.sla", "t.jsonl"), indent=2, ensure_ascii=False)
    assert "".join(json_text(report, "a.sla", "t.jsonl")) == whole


def test_json_in_pieces_keeps_empty_lists_and_escapes_as_the_whole_does() -> None:
    # An id with a line feed, a tab, an escape character, a quote and a non-ASCII letter, and no KPIs or credits.
    report = evaluate_inline(
        ANCHOR_AGREEMENT,
        {"type": "reported", "incident": 'Q\n\t\x1b"ž', "severity": "1", "at": "2025-06-02T09:00:00+02:00"},
    )
    whole = json.dumps(render_json(report, "a.sla", "t.jsonl"), indent=2, ensure_ascii=False)
    assert '"kpis": [],' in whole and '\\n\\t\\u001b\\"ž' in whole
    assert "".join(json_text(report, "a.sla", "t.jsonl")) == whole


def test_zegal_business_days_skip_hong_kongs_easter_general_holidays() -> None:
    # Severity 2 received Thu 17 Apr 2025 17:00. The response is due at that day's close, 18:00. Good Friday
    # (18 Apr), the day after it (19 Apr) and Easter Monday (21 Apr) are general holidays in Hong Kong, so the
    # restore, due at the close of the business day after the response deadline, is due Tue 22 Apr 18:00 (the
    # statutory list alone made it Good Friday). The resolution counts ten business days from the next day:
    # 22, 23, 24, 25, 28, 29, 30 April, 2 May (1 May is Labour Day), 6 May (5 May is Buddha's Birthday), 7 May.
    report = run(
        "zegal",
        records(
            {"type": "reported", "incident": "E", "severity": "2", "at": "2025-04-17T17:00:00+08:00"},
        ),
        as_of="2025-04-17T17:30:00+08:00",
    )
    due = {t.kind: words.when(t.due, "Asia/Hong_Kong") for t in report.targets if t.due is not None}
    assert due == {
        "response": "2025-04-17 18:00 Thu",
        "restore": "2025-04-22 18:00 Tue",
        "resolution": "2025-05-07 18:00 Wed",
    }


def test_zegal_ten_business_days_run_from_the_day_of_receipt() -> None:
    # Severity 2 received Mon 6 Oct 2025 17:00, inside Support Hours: Monday is the day of receipt, and ten
    # business days after it (Tue 7 is a holiday) are 8-10, 13-17, 20 and 21 October. Received at 19:00, after
    # close, the request falls to the next business day, Wed 8 Oct, as one received Wednesday 09:00 does: ten
    # business days after it end Wed 22 Oct.
    report = run(
        "zegal",
        records(
            {"type": "reported", "incident": "IN", "severity": "2", "at": "2025-10-06T17:00:00+08:00"},
            {"type": "reported", "incident": "AFTER", "severity": "2", "at": "2025-10-06T19:00:00+08:00"},
            {"type": "reported", "incident": "WED", "severity": "2", "at": "2025-10-08T09:00:00+08:00"},
        ),
        as_of="2025-10-08T10:00:00+08:00",
    )
    due = {
        t.incident: words.when(t.due, "Asia/Hong_Kong")
        for t in report.targets
        if t.kind == "resolution" and t.due is not None
    }
    assert due == {"IN": "2025-10-21 18:00 Tue", "AFTER": "2025-10-22 18:00 Wed", "WED": "2025-10-22 18:00 Wed"}


def test_izy_maintenance_counts_unless_announced_before_it_begins() -> None:
    # Three maintenance outages on Saturdays of May 2025, 01:00-05:00 Oslo (+02:00), outside core hours: 240
    # minutes each. Only M1, announced the day before, is scheduled maintenance (P); M2 has no notice and M3 was
    # announced at 02:00, after it began, so both count in N. May has 44,640 minutes:
    # (1 - (720 - 240) / 44,640) * 100 = 98.924731...%.
    def outage(ident: str, day: int, notice: str | None) -> dict[str, object]:
        found: dict[str, object] = {
            "type": "outage",
            "id": ident,
            "start": f"2025-05-{day:02d}T01:00:00+02:00",
            "end": f"2025-05-{day:02d}T05:00:00+02:00",
            "tags": ["maintenance"],
        }
        if notice is not None:
            found["notice"] = notice
        return found

    report = run(
        "izy",
        records(
            outage("M1", 3, "2025-05-02T12:00:00+02:00"),
            outage("M2", 10, None),
            outage("M3", 17, "2025-05-17T02:00:00+02:00"),
        ),
        as_of="2025-06-01T00:00:00+02:00",
    )
    [may] = [a for a in report.availability if a.period == "2025-05"]  # June holds the as-of instant
    assert (may.downtime_seconds, may.maintenance_seconds, may.counted_seconds) == (720 * 60, 240 * 60, 480 * 60)
    assert str(may.value).startswith("98.92473118")
    said = [words.treatment(s.treatment, "Europe/Oslo") for s in may.shared]
    assert said == [
        "maintenance (§ Definitions)",
        "counted: maintenance with no notice (§ Definitions)",
        "counted: maintenance with notice given 2025-05-17 02:00 Sat, after it began (§ Definitions)",
    ]


def _on_a_terminal(*args: str, **env: str) -> str:
    """What a command writes to a terminal: run in a pseudo-terminal, stdout and stderr both on it."""
    leader, follower = pty.openpty()
    environment = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | env
    with subprocess.Popen(
        [sys.executable, "-m", "sladsl", *args], stdout=follower, stderr=follower, cwd=ROOT, env=environment
    ) as process:
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal closes when the command is done
                break
            if not chunk:
                break
            chunks.append(chunk)
        process.wait(timeout=60)
    os.close(leader)
    return b"".join(chunks).decode("utf-8")


def test_colour_on_a_terminal_and_never_in_a_pipe_or_with_no_color() -> None:
    files = ("agreements/izy.sla", "agreements/izy.timeline.jsonl")
    red, green, plain = "\x1b[31m\x1b[1mBREACHED", "\x1b[32m\x1b[1mmet\x1b[0m, ", "BREACHED by 30m"
    shown = _on_a_terminal("check", *files)
    assert red in shown and green in shown
    assert "\x1b[33m\x1b[1mwarning" not in shown  # check says `3 warnings` in a sentence, not a diagnostic
    assert "\x1b[" not in _on_a_terminal("check", *files, NO_COLOR="1")
    piped = cli("check", *files)
    assert plain in piped.stdout and "\x1b[" not in piped.stdout + piped.stderr
    # Diagnostics too: the code in red, in lint's output on a terminal.
    linted = _on_a_terminal("lint", "tests/data/bad/E0203-unknown-zone.sla")
    assert "\x1b[31m\x1b[1merror[E0203]\x1b[0m" in linted


def test_diff_says_on_a_terminal_which_evaluation_runs() -> None:
    shown = _on_a_terminal(
        "diff", "agreements/izy.sla", "tests/data/diff/izy-proposed.sla", "agreements/izy.timeline.jsonl"
    )
    assert "checking: 1 of 2, under agreements/izy.sla" in shown
    assert "checking: 2 of 2, under tests/data/diff/izy-proposed.sla" in shown
    piped = cli("diff", "agreements/izy.sla", "tests/data/diff/izy-proposed.sla", "agreements/izy.timeline.jsonl")
    assert "checking:" not in piped.stderr


@pytest.mark.parametrize("command", ["", "check", "lint", "fmt", "explain", "diff", "report", "import", "lsp"])
def test_every_command_takes_dash_h(command: str) -> None:
    done = cli(*command.split(), "-h")
    assert done.returncode == 0, done.stderr
    first = done.stdout.splitlines()[0]  # run as `python -m sladsl`, which names itself so
    assert first.startswith("Usage: ") and f"sladsl {command}".rstrip() + " [OPTIONS]" in first
    assert "-h, --help" in done.stdout


ROUNDED = """\
agreement "Rounding":  § 1
    zone UTC
calendar always_on:  § 2
    open always
severity A "Critical"  § 3
response for A within 1 hour  § 4
availability uptime per calendar month at least 99.9%:  § 5
    exclude force_majeure  § 5
{rounding}credit refund by uptime:  § 6
    below 99.9% -> 10% of fee
"""


@pytest.mark.parametrize(
    ("rounding", "value", "status", "refund"),
    [
        # June 2025 has 43,200 minutes; 60 of them down: (1 - 60 / 43,200) * 100 = 99.86111...%.
        ("", "99.86111111111111111111111111", "breached", "100.00"),
        ("    round half up to 1 decimal  § 5\n", "99.9", "met", None),  # 99.86 -> 99.9, at least 99.9
        ("    round to 1 decimal  § 5\n", "99.9", "met", None),  # half up when no mode is written
        ("    round down to 1 decimal  § 5\n", "99.8", "breached", "100.00"),
        ("    round up to 2 decimals  § 5\n", "99.87", "breached", "100.00"),
    ],
)
def test_a_declared_uptime_rounding_decides_the_verdict_and_the_band(
    rounding: str, value: str, status: str, refund: str | None
) -> None:
    report = evaluate_inline(
        ROUNDED.format(rounding=rounding),
        {"type": "customer", "id": "c", "fee": "1000", "currency": "EUR"},
        {"type": "outage", "id": "O", "start": "2025-06-10T10:00:00Z", "end": "2025-06-10T11:00:00Z"},
        {"type": "reported", "incident": "I", "customer": "c", "severity": "A", "at": "2025-07-01T00:00:00Z"},
    )
    [june] = [a for a in report.availability if a.period == "2025-06"]
    assert (str(june.value), june.status) == (value, status)
    owed_now = [a.value for a in report.awards if a.period == "2025-06" and a.status == "owed"]
    assert owed_now == ([Decimal(refund)] if refund else [])  # EUR 1,000 x 10%
