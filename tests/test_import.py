"""Importers: each tool's fixture export read into records (a snapshot of the JSON Lines, read line by line
before it was committed), the figures those records lead to through `check`, worked out by hand in the
comments, and one bad export per diagnostic under `tests/data/import/<kind>/bad/`.

The agreement is `tests/data/import/helpdesk.sla` (America/New_York; support hours Monday to Friday 09:00-17:00;
A: response 1 hour, resolution 8 hours, wall clock; B: 4 and 16 business hours; C: 8 and 40 business hours;
pauses stop the clock; a change of severity keeps the elapsed time).
"""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import orjson
import pytest

import sladsl
from sladsl import Report, evaluate
from sladsl.diagnostics import Diagnostic, SlaError
from sladsl.importers import mapping_for, read_export, template
from sladsl.render.diagnostics import render_text
from sladsl.source import Source
from sladsl.time.instants import local
from sladsl.timeline.formats import Entry
from sladsl.timeline.records import rejection
from tests.helpers import BAD_EXPORTS, ROOT

DATA = ROOT / "tests" / "data" / "import"
AGREEMENT = "tests/data/import/helpdesk.sla"


@functools.cache
def helpdesk() -> sladsl.Agreement:
    return sladsl.load((ROOT / AGREEMENT).read_text(encoding="utf-8"), AGREEMENT).agreement


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.as_posix()


def source(path: Path) -> Source:
    return Source(rel(path), path.read_bytes().decode("utf-8-sig"))


def run_import(
    kind: str, export: Path, mapping: Path | None, history: tuple[Path, ...] = ()
) -> tuple[list[Entry], list[Diagnostic], dict[str, Source]]:
    """The entries and warnings of an import, with the sources read (for rendering diagnostics)."""
    sources = {rel(p): source(p) for p in (export, *history, *([mapping] if mapping else []))}
    found = mapping_for(kind, sources[rel(mapping)].text if mapping else None, rel(mapping) if mapping else "-")
    imported = read_export(
        kind, sources[rel(export)], found, history=[sources[rel(h)] for h in history], agreement=helpdesk()
    )
    entries = list(imported.entries)
    return entries, imported.warnings, sources


def jsonl(entries: list[Entry]) -> str:
    return "".join(orjson.dumps(e.raw).decode() + "\n" for e in entries if isinstance(e.raw, dict))


def rejected(entries: list[Entry]) -> list[Diagnostic]:
    return [rejection(e.where, e.text, e.raw) for e in entries if not isinstance(e.raw, dict)]


def checked(entries: list[Entry]) -> Report:
    return evaluate(helpdesk(), entries)


def verdict(report: Report, incident: str, kind: str) -> tuple[str, str, int | None]:
    """(due, in New York time; status; margin in seconds on the target's clock)."""
    [found] = [t for t in report.targets if t.incident == incident and t.kind == kind]
    due = local(found.due, "America/New_York").isoformat() if found.due is not None else "-"
    return due, found.status, found.margin


HOUR = 3600

# -- generic CSV -------------------------------------------------------------------------------------------


def generic(name: str) -> tuple[list[Entry], list[Diagnostic], dict[str, Source]]:
    return run_import("generic", DATA / "generic" / f"{name}.csv", DATA / "generic" / f"{name}.toml")


def test_generic_rows_per_incident_snapshot(snapshot) -> None:  # type: ignore[no-untyped-def]
    entries, warnings, _ = generic("incidents")
    assert jsonl(entries) == snapshot
    assert rejected(entries) == []
    assert [w.code for w in warnings] == ["W0402", "W0401"]  # GEN-3's repeated 01:30; GEN-4 merged


def test_generic_rows_per_incident_figures() -> None:
    report = checked(generic("incidents")[0])
    assert (report.records.read, report.records.rejected) == (8, 0)  # GEN-1 3, GEN-2 2, GEN-3 3; GEN-4 merged
    # GEN-1, A, Mon 2025-03-10 10:00 EDT (the clocks went forward on the 9th): response within 1 hour, at 10:40.
    assert verdict(report, "GEN-1", "response") == ("2025-03-10T11:00:00-04:00", "met", 20 * 60)
    # GEN-2, "Prioridad 2" = B, Fri 2025-03-07 16:00 EST: 1 business hour on Friday, 3 on Monday -> Mon 12:00 EDT.
    assert verdict(report, "GEN-2", "response") == ("2025-03-10T12:00:00-04:00", "met", 90 * 60)
    # No resolution in the export: 16 business hours are Fri 1 + Mon 8 + Tue 7 -> Tue 16:00, breached at the
    # as-of (the latest time in the timeline, GEN-3's resolution on 2025-11-05).
    assert verdict(report, "GEN-2", "resolution")[:2] == ("2025-03-11T16:00:00-04:00", "breached")
    # GEN-3, C, reported on Sunday at the first 01:30 of 2025-11-02 (EDT, the mapping says `earlier`): the clock
    # starts Mon 09:00 EST; 40 business hours are five days -> Fri 2025-11-07 17:00; resolved Wed 12:00.
    assert verdict(report, "GEN-3", "resolution")[:2] == ("2025-11-07T17:00:00-05:00", "met")
    assert report.targets[-1].reported == 1762061400  # 2025-11-02T01:30-04:00 = 05:30Z


def test_generic_rows_per_event_snapshot_and_figures(snapshot) -> None:  # type: ignore[no-untyped-def]
    entries, warnings, _ = generic("events")
    assert jsonl(entries) == snapshot
    assert warnings == [] and rejected(entries) == []
    report = checked(entries)
    # EV-1, B, Mon 2025-06-02 09:00; on hold Mon 11:00 to Tue 11:00. Response 4 business hours: Mon 09-11 (2h),
    # paused, Tue 11-13 (2h) -> Tue 13:00; replied Mon 10:00.
    assert verdict(report, "EV-1", "response")[:2] == ("2025-06-03T13:00:00-04:00", "met")
    # Priority P1 (A) from Tue 12:00, elapsed time kept: A's 8 wall-clock hours from Mon 09:00, less the 24-hour
    # pause -> Tue 17:00; solved Tue 15:00, 2 hours early.
    assert verdict(report, "EV-1", "resolution") == ("2025-06-03T17:00:00-04:00", "met", 2 * HOUR)


# -- ServiceNow --------------------------------------------------------------------------------------------

SN = DATA / "servicenow"


def servicenow(export: str = "incident.csv") -> tuple[list[Entry], list[Diagnostic], dict[str, Source]]:
    return run_import("servicenow", SN / export, SN / "mapping.toml", (SN / "sys_audit.csv",))


def test_servicenow_csv_snapshot(snapshot) -> None:  # type: ignore[no-untyped-def]
    entries, warnings, sources = servicenow()
    assert jsonl(entries) == snapshot
    # The one repeated local time (INC0010003 put on hold at 01:15 on 2025-11-02) is refused, at its cell.
    [problem] = rejected(entries)
    assert (problem.code, str(problem.span)) == ("E0408", "tests/data/import/servicenow/sys_audit.csv:14:58")
    assert [(w.code, w.span.line if w.span else 0) for w in warnings] == [("W0401", 7), ("W0403", 21)]
    assert render_text([problem, *warnings], sources) == snapshot


def test_servicenow_figures() -> None:
    report = checked(servicenow()[0])
    assert (report.records.read, report.records.evaluated, report.records.rejected) == (16, 15, 1)
    # INC0010001, 1 - Critical = A, Mon 2025-03-10 08:30: In Progress (the response) at 09:10, due 09:30.
    assert verdict(report, "INC0010001", "response") == ("2025-03-10T09:30:00-04:00", "met", 20 * 60)
    # INC0010002, B, Wed 2025-03-12 15:00, On Hold Thu 10:00-14:00: 4 business hours are Wed 15-17, Thu 09-10,
    # paused, Thu 14-15 -> Thu 15:00; In Progress Wed 16:00.
    assert verdict(report, "INC0010002", "response")[:2] == ("2025-03-13T15:00:00-04:00", "met")
    # Priority 2 -> 1 (sys_audit stores "1"; [choices] names it "1 - Critical" = A) at Thu 15:00: A's 8 hours
    # from Wed 15:00 ran out at Wed 23:00, before the pause; resolved Fri 11:00: 36 hours late.
    assert verdict(report, "INC0010002", "resolution") == ("2025-03-12T23:00:00-04:00", "breached", -36 * HOUR)
    # INC0010003 was resolved Mon 2025-11-03 10:00, reopened, and resolved again Wed 10:00: the engine counts the
    # first. C, Fri 2025-10-31 16:00: 40 business hours are Fri 1 + Mon-Thu 32 + Fri 7 -> Fri 2025-11-07 16:00.
    assert verdict(report, "INC0010003", "resolution") == ("2025-11-07T16:00:00-05:00", "met", 38 * HOUR)
    # INC0010004, "2 - Hoch" = B, Mon 2025-11-03 09:00 EST, no resolution: due Tue 17:00; at the as-of (Wed
    # 10:00) one business hour late.
    assert verdict(report, "INC0010004", "resolution") == ("2025-11-04T17:00:00-05:00", "breached", -HOUR)


def test_servicenow_json_reads_display_values_like_the_csv() -> None:
    """The Table API with `sysparm_display_value=all` gives each field as {display_value, value}; the display
    value is local time, as in the CSV (the value is UTC). The two incidents it holds import as in the CSV."""
    from_json, warnings, _ = servicenow("incident.json")
    from_csv = jsonl(servicenow()[0]).splitlines()
    mine = [line for line in from_csv if '"INC0010001"' in line or '"INC0010004"' in line]
    assert jsonl(from_json).replace('"Telefon"', '"Phone"').splitlines() == mine
    assert {w.code for w in warnings} == {"W0403"}  # the history of the incidents it does not hold


# -- Jira Service Management -------------------------------------------------------------------------------


def test_jira_snapshot_and_figures(snapshot) -> None:  # type: ignore[no-untyped-def]
    entries, warnings, _ = run_import("jira", DATA / "jira" / "issues.json", DATA / "jira" / "mapping.toml")
    assert jsonl(entries) == snapshot
    assert [w.code for w in warnings] == ["W0401"]  # HELP-103, resolved as a duplicate
    report = checked(entries)
    assert (report.records.read, report.records.rejected) == (9, 0)
    # HELP-101, High = B, Tue 2025-06-10 09:00; Waiting for customer 11:00-15:30. Response from the SLA field at
    # 09:45. Resolution 16 business hours: Tue 09-11 and 15:30-17 (3.5h), Wed 8 (11.5), Thu 4.5 -> Thu 13:30;
    # not resolved at the as-of (Thu 16:00): 2.5 business hours late.
    assert verdict(report, "HELP-101", "resolution") == ("2025-06-12T13:30:00-04:00", "breached", -9000)
    # HELP-102, "Mittel" = C, Wed 2025-06-11 14:00, raised to Highest (A) at 14:30: 8 hours from 14:00 -> 22:00.
    # Resolved 17:00, reopened Thu 10:00, resolved again 16:00: the first resolution is 5 hours early.
    assert verdict(report, "HELP-102", "resolution") == ("2025-06-11T22:00:00-04:00", "met", 5 * HOUR)


# -- Zendesk ----------------------------------------------------------------------------------------------

ZD = DATA / "zendesk"


def zendesk(*history: str) -> tuple[list[Entry], list[Diagnostic], dict[str, Source]]:
    return run_import("zendesk", ZD / "tickets.json", ZD / "mapping.toml", tuple(ZD / h for h in history))


def test_zendesk_snapshot_and_figures(snapshot) -> None:  # type: ignore[no-untyped-def]
    entries, warnings, _ = zendesk("audits.json", "ticket_metric_events.json")
    assert jsonl(entries) == snapshot
    assert [w.code for w in warnings] == ["W0401"]  # 4703, closed_by_merge into 4701
    assert rejected(entries) == []
    report = checked(entries)
    assert (report.records.read, report.records.rejected) == (14, 0)
    # 4701, high = B, Fri 2025-03-07 20:00Z = 15:00 EST; the requester's own comment is not a reply, the private
    # note is not either: the first public agent comment is 21:30Z = 16:30 EST. Pending from Mon 14:00Z (10:00
    # EDT: the clocks went forward on the 9th) to Tue 10:00 EDT. Response 4 business hours: Fri 15-17 (2h), Mon
    # 09-10 (3h), paused, Tue 10-11 (4h) -> Tue 11:00 EDT.
    assert verdict(report, "4701", "response")[:2] == ("2025-03-11T11:00:00-04:00", "met")
    # Resolution 16 business hours: 3h by Mon 10:00, paused, Tue 10-17 (10h), Wed 09-15 (16h) -> Wed 15:00;
    # solved Tue 15:00 EDT (19:00Z): Tue 15-17 and Wed 09-15 to spare, 8 hours.
    assert verdict(report, "4701", "resolution") == ("2025-03-12T15:00:00-04:00", "met", 8 * HOUR)
    # 4702 opened as normal (the audit's Create event; the ticket's `priority` is urgent now) = C, Wed 2025-06-11
    # 13:00 EDT; urgent = A from 14:00, elapsed time kept: 8 wall-clock hours from 13:00 -> 21:00. Solved 18:00,
    # reopened Thu 09:30, solved again 11:00, closed by automation Mon: the first resolution, 3 hours early.
    assert verdict(report, "4702", "resolution") == ("2025-06-11T21:00:00-04:00", "met", 3 * HOUR)
    # 4704, normal = C, from the metric events alone: Mon 2025-11-03 19:00Z = 14:00 EST (after the clocks went
    # back); pausable_update_time paused 15:00-Tue 11:00 (its first `activate`, at the opening, changes nothing).
    # 40 business hours: Mon 1h, Tue 11-17 (7h), Wed-Fri (31h), Mon 11-10 (39h), Tue 09-10 -> Tue 2025-11-11 10:00.
    # No solve in the export: still running at the as-of.
    assert verdict(report, "4704", "resolution")[:2] == ("2025-11-11T10:00:00-05:00", "pending")


def test_zendesk_without_history_reports_only() -> None:
    """Without audits the tickets give their reports alone, each at its current priority (4702 is urgent now)."""
    entries, warnings, _ = zendesk()
    assert [e.raw["type"] for e in entries if isinstance(e.raw, dict)] == ["reported"] * 3
    assert [e.raw["severity"] for e in entries if isinstance(e.raw, dict)] == ["B", "A", "C"]
    assert [w.code for w in warnings] == ["W0401"]


# -- PagerDuty --------------------------------------------------------------------------------------------

PD = DATA / "pagerduty"


def test_pagerduty_snapshot_and_figures(snapshot) -> None:  # type: ignore[no-untyped-def]
    entries, warnings, _ = run_import(
        "pagerduty", PD / "incidents.json", PD / "mapping.toml", (PD / "log_entries.json",)
    )
    assert jsonl(entries) == snapshot
    assert warnings == [] and rejected(entries) == []
    report = checked(entries)
    assert (report.records.read, report.records.rejected) == (9, 0)
    # #1201, "P1 - Kritisch" = A, triggered 2025-03-09 06:30Z = 01:30 EST, half an hour before the clocks went
    # forward. First acknowledgement 07:10Z = 03:10 EDT (the second, 07:40Z, is not another response); A's
    # 1 wall-clock hour is 07:30Z = 03:30 EDT: 20 minutes early. Resolved 12:00Z = 08:00 EDT; due 8 hours after the
    # trigger, 14:30Z = 10:30 EDT: 2.5 hours early.
    assert verdict(report, "1201", "response") == ("2025-03-09T03:30:00-04:00", "met", 20 * 60)
    assert verdict(report, "1201", "resolution") == ("2025-03-09T10:30:00-04:00", "met", 9000)
    # #1202 has no priority: its urgency is high now, and a log entry raised it from low (= C) at 15:00Z. So C from
    # Tue 2025-06-10 10:00 EDT, B from 11:00, elapsed time kept: 16 business hours are Tue 10-17 (7h), Wed (15h),
    # Thu 09-10 -> Thu 10:00. Resolved Wed 18:00Z = 14:00 EDT: Wed 14-17 and Thu 09-10 to spare, 4 hours.
    assert verdict(report, "1202", "resolution") == ("2025-06-12T10:00:00-04:00", "met", 4 * HOUR)
    # #1203, "P2 - Hoch" = B (its urgency change to low does not touch a severity that came from a priority), Mon
    # 2025-11-03 15:00Z = 10:00 EST: response within 4 business hours, by 14:00; acknowledged 10:30, 3.5 hours
    # early. Not resolved in the export: 16 business hours run to Wed 10:00, pending at the as-of.
    assert verdict(report, "1203", "response") == ("2025-11-03T14:00:00-05:00", "met", 12600)
    assert verdict(report, "1203", "resolution")[:2] == ("2025-11-05T10:00:00-05:00", "pending")


def test_pagerduty_urgency_as_the_severity(tmp_path: Path) -> None:
    """A mapping that measures every incident by its urgency follows every urgency change, priority or not."""
    mapping = tmp_path / "urgency.toml"
    text = (PD / "mapping.toml").read_text(encoding="utf-8")
    mapping.write_text(
        text.replace('customer = "service.summary"', 'customer = "service.summary"\npriority = "urgency"')
    )
    entries, _, _ = run_import("pagerduty", PD / "incidents.json", mapping, (PD / "log_entries.json",))
    severities = [(e.raw["incident"], e.raw["type"], e.raw["severity"]) for e in entries if "severity" in e.raw]
    # #1203 is low now, lowered at 15:20Z: it was triggered high, B, then C.
    assert severities == [
        ("1201", "reported", "B"),
        ("1202", "reported", "C"),
        ("1202", "severity_changed", "B"),
        ("1203", "reported", "B"),
        ("1203", "severity_changed", "C"),
    ]


# -- status page ------------------------------------------------------------------------------------------

SP = DATA / "statuspage"


def test_statuspage_snapshot_and_figures(snapshot) -> None:  # type: ignore[no-untyped-def]
    entries, warnings, _ = run_import(
        "statuspage", SP / "incidents.json", SP / "mapping.toml", (SP / "maintenances.json",)
    )
    assert jsonl(entries) == snapshot
    # The incident still `monitoring` has no end: rejected, at its status. The one of impact `none`: skipped.
    [problem] = rejected(entries)
    assert (problem.code, str(problem.span)) == ("E0411", "tests/data/import/statuspage/incidents.json:7:17")
    assert [w.code for w in warnings] == ["W0401"]
    agreement = sladsl.load((SP / "status.sla").read_text(encoding="utf-8"), "status.sla").agreement
    report = evaluate(agreement, entries)
    assert (report.records.read, report.records.rejected) == (8, 1)
    acme, globex = report.availability
    # March 2025 in New York is 31 days less the spring hour: 44,580 minutes. acme: its cluster from 01:40 EST to
    # 03:20 EDT on the 9th, 40 minutes (not 100: the clocks skipped 02:00-03:00); both clusters on the 27th, 30;
    # API and dashboard on the 20th (every customer's), 90; the patch announced on the 28th for the 29th, short of
    # 3 days' notice, 60: counted 220. The upgrade announced 10 days ahead (120 minutes) is maintenance, the SMS
    # provider's 2 hours are excluded (third_party). 1 - 220 / 44580 = 99.5065%.
    assert (acme.customer, acme.period_seconds, acme.counted_seconds) == ("acme", 44580 * 60, 220 * 60)
    assert (acme.maintenance_seconds, round(acme.value, 4)) == (120 * 60, Decimal("99.5065"))
    # globex: the same without the 40 minutes of acme's own cluster: 180; 1 - 180 / 44580 = 99.5962%.
    assert (globex.customer, globex.counted_seconds, round(globex.value, 4)) == (
        "globex",
        180 * 60,
        Decimal("99.5962"),
    )


# -- bad exports -------------------------------------------------------------------------------------------


def bad_run(path: Path) -> tuple[list[Diagnostic], dict[str, Source]]:
    """The diagnostics of a bad export (or of a bad mapping, read over the kind's fixture export)."""
    kind, folder = path.parent.parent.name, path.parent
    fixtures = {
        "generic": "generic/incidents.csv",
        "servicenow": "servicenow/incident.csv",
        "jira": "jira/issues.json",
        "zendesk": "zendesk/tickets.json",
        "pagerduty": "pagerduty/incidents.json",
        "statuspage": "statuspage/incidents.json",
    }
    if path.suffix == ".toml":
        export, mapping = DATA / fixtures[kind], path
    else:
        own = path.with_name(path.stem + ".mapping.toml")
        export, mapping = path, own if own.exists() else folder / "mapping.toml"
    history = tuple(h for h in (path.with_name(f"{path.stem}.history.{x}") for x in ("csv", "json")) if h.exists())
    sources = {rel(p): source(p) for p in (export, mapping, *history)}
    try:
        entries, warnings, sources = run_import(kind, export, mapping, history)
    except SlaError as error:
        return list(error.diagnostics), sources
    return sorted([*rejected(entries), *warnings], key=Diagnostic.sort_key), sources


@pytest.mark.parametrize("path", BAD_EXPORTS, ids=lambda p: f"{p.parent.parent.name}/{p.stem}")
def test_bad_export_gets_its_code(path: Path, snapshot) -> None:  # type: ignore[no-untyped-def]
    found, sources = bad_run(path)
    code = path.name[:5]
    assert code in {d.code for d in found}
    for diagnostic in found:
        assert diagnostic.span is not None and diagnostic.help, diagnostic  # a place, and how to mend it
    assert render_text(found, sources) == snapshot


def test_bad_export_positions_move_with_the_text(tmp_path: Path) -> None:
    """Blank lines before a CSV export's header move every reported line."""
    path = DATA / "generic" / "bad" / "E0404-unknown-priority.csv"
    before, _ = bad_run(path)
    moved = tmp_path / "generic" / "bad" / "moved.csv"
    moved.parent.mkdir(parents=True)
    moved.write_bytes(b"\n\n\n" + path.read_bytes())
    (moved.parent / "mapping.toml").write_bytes((path.parent / "mapping.toml").read_bytes())
    after, _ = bad_run(moved)
    assert [(d.code, d.span.line + 3, d.span.column) for d in before if d.span] == [
        (d.code, d.span.line, d.span.column) for d in after if d.span
    ]


def test_every_template_loads_and_names_its_tool_fields() -> None:
    for kind in ("generic", "servicenow", "jira", "zendesk", "pagerduty", "statuspage"):
        mapping = mapping_for(kind, template(kind), f"{kind}.toml")
        assert mapping.fields["incident"]
        assert mapping.priorities if kind != "statuspage" else mapping.fields["end"]  # outages have no priority
        assert mapping.zone is None  # left for the user to say: a wrong zone would be silent


# -- command line ------------------------------------------------------------------------------------------


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sladsl", *args], capture_output=True, text=True, cwd=ROOT, check=False
    )


def test_import_command_writes_what_check_from_reads(tmp_path: Path) -> None:
    out = tmp_path / "timeline.jsonl"
    args = ["--from", "servicenow", "--mapping", "tests/data/import/servicenow/mapping.toml"]
    args += ["--history", "tests/data/import/servicenow/sys_audit.csv"]
    done = cli("import", "tests/data/import/servicenow/incident.csv", *args, "-o", str(out))
    assert done.returncode == 1, done.stderr  # one history row rejected
    assert "15 records written to" in done.stderr and "1 rejected, 2 warnings" in done.stderr
    assert "error[E0408]" in done.stderr and "sys_audit.csv:14:58" in done.stderr
    assert out.read_text() == jsonl(servicenow()[0])
    direct = cli("check", "--format", "json", AGREEMENT, "tests/data/import/servicenow/incident.csv", *args)
    via = cli("check", "--format", "json", AGREEMENT, str(out))
    assert direct.returncode == via.returncode == 1
    one, two = json.loads(direct.stdout), json.loads(via.stdout)
    assert one["targets"] == two["targets"] and one["totals"] == two["totals"]
    assert one["records"]["rejected"] == 1 and two["records"]["rejected"] == 0  # rejected before the file
    streamed = cli("check", "--format", "jsonl", AGREEMENT, "tests/data/import/servicenow/incident.csv", *args)
    summary = json.loads(streamed.stdout.splitlines()[-1])
    assert summary["records"] == {"read": 16, "evaluated": 15, "rejected": 1}


def test_import_init_and_bad_exports_exit_2(tmp_path: Path) -> None:
    written = tmp_path / "jira.toml"
    assert cli("import", "--init", "--from", "jira", "-o", str(written)).returncode == 0
    assert written.read_text() == template("jira")
    bad = cli(
        "import",
        "tests/data/import/generic/bad/E0402-semicolon-delimiter.csv",
        "--from",
        "generic",
        "--mapping",
        "tests/data/import/generic/bad/mapping.toml",
    )
    assert bad.returncode == 2 and "error[E0402]" in bad.stderr and "Traceback" not in bad.stderr
    assert 'delimiter = ";"' in bad.stderr
    check = cli(
        "check",
        AGREEMENT,
        "tests/data/import/generic/bad/E0403-missing-column.csv",
        "--from",
        "generic",
        "--mapping",
        "tests/data/import/generic/bad/mapping.toml",
    )
    assert check.returncode == 2 and "error[E0403]" in check.stderr and "did you mean" in check.stderr
    unmapped = cli(
        "check",
        AGREEMENT,
        "tests/data/import/generic/incidents.csv",
        "--from",
        "generic",
        "--mapping",
        "tests/data/import/generic/bad/E0410-severity-not-in-agreement.toml",
    )
    assert unmapped.returncode == 2 and "error[E0410]" in unmapped.stderr
    assert cli("check", AGREEMENT, "x.csv", "--mapping", "m.toml").returncode == 2  # --mapping needs --from
