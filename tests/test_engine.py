"""One engine, however it is run: whole-file, streamed, shared among workers, from a file or standard input.

The engine decides an incident once all of its records are in; a streamed check learns where each incident's last
record is by reading the timeline backwards first, so it can write verdicts as it goes without ever deciding too
early. These tests hold every way of running to the same figures (and, for `--jobs`, the same bytes), on the
seed timelines, on generated ones, and on Hypothesis-generated timelines of every record kind in any order.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from msgspec.structs import replace

import sladsl
from bench.generate import write
from sladsl import model, read_timeline
from sladsl.cli import main
from sladsl.diagnostics import Diagnostic
from sladsl.evaluation.engine import (
    BATCH,
    Decided,
    Evaluation,
    IncidentStage,
    Item,
    PeriodStage,
    Rejected,
    Summary,
    final_as_of,
    in_batches,
    owner,
)
from sladsl.evaluation.finality import BUCKETS, Finality, bucket_of
from sladsl.evaluation.verdicts import AvailabilityVerdict, Award, ClaimedLate, OutageShare, SeverityFrom
from sladsl.render.json import Lines, availability_json, award_json, render_json, target_json
from sladsl.run.check import Options, report, stream
from sladsl.run.progress import Progress
from sladsl.source import Span
from sladsl.timeline.formats import Entry, json_lines, json_lines_backwards
from sladsl.timeline.records import Customer, Event, Incident, RecordReader, key_of
from tests.helpers import BAD_TIMELINES, ROOT, VENDORS, examples, read_against
from tests.strategies import timelines

FEATURES = ROOT / "tests" / "data" / "engine" / "all-features.sla"
AGREEMENT_FILES = {**{v: ROOT / "agreements" / f"{v}.sla" for v in VENDORS}, "all-features": FEATURES}


def agreement(name: str) -> model.Agreement:
    path = AGREEMENT_FILES[name]
    return sladsl.load(path.read_text(encoding="utf-8"), str(path)).agreement


MODELS = {name: agreement(name) for name in AGREEMENT_FILES}


def streamed(agreement_model: model.Agreement, timeline: Path, **options: Any) -> list[dict[str, Any]]:
    out = io.BytesIO()
    stream(agreement_model, "agreement.sla", str(timeline), out, Options(**options))
    return [json.loads(line) for line in out.getvalue().splitlines()]


def of_type(found: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [{k: v for k, v in line.items() if k != "type"} for line in found if line["type"] == kind]


def assert_same_as_whole_file(agreement_model: model.Agreement, timeline: Path) -> None:
    """Every figure of the streamed check equals the whole-file check's (`--format json`)."""
    whole = render_json(report(agreement_model, str(timeline), Options()), "agreement.sla", str(timeline))
    found = streamed(agreement_model, timeline)
    assert sorted(of_type(found, "target"), key=json.dumps) == sorted(whole["targets"], key=json.dumps)
    assert of_type(found, "kpi") == whole["kpis"]
    assert of_type(found, "availability") == whole["availability"]
    assert of_type(found, "credit") == whole["credits"]
    assert of_type(found, "total") == whole["totals"]
    rejected = sorted(of_type(found, "rejected"), key=json.dumps)
    assert rejected == sorted(whole["records"]["diagnostics"], key=json.dumps)
    summary = found[-1]
    assert summary["type"] == "summary"
    assert summary["breaches"] == whole["summary"]["breaches"]
    assert summary["records"] == {k: whole["records"][k] for k in ("read", "evaluated", "rejected")}
    assert summary["as_of"] == whole["as_of"]


@pytest.mark.parametrize("vendor", VENDORS)
def test_streamed_check_matches_the_whole_file_check(vendor: str) -> None:
    assert_same_as_whole_file(MODELS[vendor], ROOT / "agreements" / f"{vendor}.timeline.jsonl")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write(tmp_path_factory.mktemp("engine") / "generated.jsonl", 3000, customers=7, years=2, seed=7)


def test_streamed_check_matches_on_a_generated_timeline(generated: Path) -> None:
    """Thousands of incidents at all hours over DST weekends and holidays, resolutions, outages."""
    assert_same_as_whole_file(MODELS["izy"], generated)


@pytest.mark.parametrize("path", BAD_TIMELINES, ids=lambda p: p.stem)
def test_every_streamed_record_is_accounted_for(path: Path) -> None:
    against = read_against(path)
    found = streamed(sladsl.load(against.read_text(encoding="utf-8"), str(against)).agreement, path)
    records = found[-1]["records"]
    lines = [line for line in path.read_bytes().split(b"\n") if line.strip()]
    assert records["read"] == len(lines) == records["evaluated"] + records["rejected"]
    assert records["rejected"] == len(of_type(found, "rejected"))
    assert path.name[:5] in {d["code"] for d in of_type(found, "rejected") + of_type(found, "warning")}


# -- any order: a record is never too late ------------------------------------------------------------------


def test_a_severity_change_after_the_response_is_applied() -> None:
    # INC-1, severity C, is reported Wed 16 April 2025 16:00 and answered 16:20; the record after the response
    # raises it to A from 16:10. Keep-elapsed: A's 2 core hours run from 16:00: 16:00-17:00, then Thursday,
    # Good Friday and Easter Monday are Norwegian holidays, so Tue 22 April 08:00-09:00: due 09:00. Answered
    # 16:20: met, with 16:20-17:00 and 08:00-09:00 to spare: 100 minutes of core time. Every way of running
    # applies the change; none rejects the record that comes after the response.
    path = ROOT / "tests" / "data" / "order" / "severity-change-after-the-response.jsonl"
    found = streamed(MODELS["izy"], path)
    assert of_type(found, "rejected") == []
    (target,) = of_type(found, "target")
    assert (target["severity"], target["status"], target["due"]) == ("A", "met", "2025-04-22T09:00:00+02:00")
    assert target["margin_seconds"] == 100 * 60
    assert target["trace"] == [
        {"kind": "severity_from", "severity": "A", "at": "2025-04-16T16:10:00+02:00", "after": None}
    ]
    assert found[-1]["records"] == {"read": 4, "evaluated": 4, "rejected": 0}
    whole = report(MODELS["izy"], str(path), Options())
    assert [(t.severity, t.status, t.margin) for t in whole.targets] == [("A", "met", 100 * 60)]
    assert whole.targets[0].trace[0] == SeverityFrom("A", whole.targets[0].trace[0].at, None)  # type: ignore[union-attr]


def test_a_second_report_is_caught_wherever_it_comes(tmp_path: Path) -> None:
    path = tmp_path / "twice.jsonl"
    rows = [
        {"type": "reported", "incident": "INC-1", "severity": "A", "at": "2025-04-16T10:00:00+02:00"},
        {"type": "response", "incident": "INC-1", "at": "2025-04-16T10:30:00+02:00"},
        {"type": "reported", "incident": "INC-1", "severity": "B", "at": "2025-04-17T10:00:00+02:00"},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    found = streamed(MODELS["izy"], path)
    assert [(r["code"], r["span"]["line"], r["help"]) for r in of_type(found, "rejected")] == [
        ("E0311", 3, "the first report is at line 1")
    ]
    assert len(of_type(found, "target")) == 1


def test_time_ordered_records_are_never_refused(tmp_path: Path) -> None:
    """A time-ordered export where severities change after the response (Zegal's workaround rule lowers them
    too): the streamed check once refused 1,167 of such records (E0316) and wrote fewer targets than the whole
    report. Now both give every target, and nothing is rejected."""
    lines = []
    base = dt.datetime(2025, 1, 6, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    for n in range(400):
        at = base + dt.timedelta(hours=7 * n)
        ident = f"Z-{n}"
        lines.append(
            {"type": "reported", "incident": ident, "customer": "firm", "severity": str(n % 4 + 1), "at": at}
        )
        lines.append({"type": "response", "incident": ident, "at": at + dt.timedelta(hours=1)})
        lines.append(
            {"type": "severity_changed", "incident": ident, "severity": "1", "at": at + dt.timedelta(hours=2)}
        )
        lines.append({"type": "restore", "incident": ident, "at": at + dt.timedelta(hours=3)})
        lines.append({"type": "resolution", "incident": ident, "at": at + dt.timedelta(days=4)})
    lines.sort(key=lambda r: r["at"])
    path = tmp_path / "ordered.jsonl"
    path.write_text("".join(json.dumps({**r, "at": r["at"].isoformat()}) + "\n" for r in lines), encoding="utf-8")
    found = streamed(MODELS["zegal"], path)
    whole = report(MODELS["zegal"], str(path), Options())
    assert of_type(found, "rejected") == [] and whole.rejected == ()
    # Each incident is raised to severity 1 two hours in, so a response, a restore and a resolution apply.
    assert len(of_type(found, "target")) == len(whole.targets) == 3 * 400
    assert_same_as_whole_file(MODELS["zegal"], path)


def test_a_customer_named_only_in_its_own_record_is_owed_in_every_format(tmp_path: Path) -> None:
    # Izy, March 2025 (44,580 minutes): an outage for every customer of 600 minutes, no exclusion: uptime
    # 98.6541%, the 10% band. `acme` has a fee of EUR 1,000 and no incident: it is owed EUR 100 whether the
    # report is written whole or streamed (the streamed check once left it out).
    path = tmp_path / "customer.jsonl"
    rows = [
        {"type": "customer", "id": "acme", "fee": "1000.00", "currency": "EUR"},
        {"type": "outage", "id": "O", "start": "2025-03-12T08:00:00+01:00", "end": "2025-03-12T18:00:00+01:00"},
        {"type": "outage", "id": "P", "start": "2025-04-01T10:00:00+02:00", "end": "2025-04-01T10:01:00+02:00"},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    whole = render_json(report(MODELS["izy"], str(path), Options()), "izy.sla", str(path))
    lines = streamed(MODELS["izy"], path)
    assert whole["totals"] == of_type(lines, "total") == [{"customer": "acme", "unit": "EUR", "value": "100.00"}]


@pytest.mark.parametrize(
    ("line", "code"),
    [
        (b'{"type": "response", "incident": "INC-1", "at": "2025-04-16T17:00:00+02:00", "x": "\xff"}', "E0315"),
        (b'{"type": "response", "incident": "INC-1", "at": "2025-04-16T17:00:00+02:00"}\xc2\xa0', "E0301"),
    ],
    ids=["not-utf-8", "no-break-space-after-the-record"],
)
def test_a_bad_line_costs_that_line_in_every_format(tmp_path: Path, line: bytes, code: str) -> None:
    """A byte that is not UTF-8, or a no-break space after a record, is one rejected line whatever the format:
    the same diagnostic, the same counts, the same exit code (0: nothing breached, the line listed)."""
    path = tmp_path / "one-bad-line.jsonl"
    report_line = b'{"type": "reported", "incident": "INC-1", "severity": "A", "at": "2025-04-16T16:00:00+02:00"}'
    path.write_bytes(report_line + b"\n" + line + b"\n")
    runner = CliRunner()
    outcomes = {}
    for output in ("text", "json", "jsonl"):
        result = runner.invoke(main, ["check", "--format", output, str(AGREEMENT_FILES["izy"]), str(path)])
        outcomes[output] = result.exit_code
    assert outcomes == {"text": 0, "json": 0, "jsonl": 0}
    whole = report(MODELS["izy"], str(path), Options())
    lines = streamed(MODELS["izy"], path)
    assert [(d.code, d.span.line if d.span else None) for d in whole.rejected] == [(code, 2)]
    assert [(d["code"], d["span"]["line"]) for d in of_type(lines, "rejected")] == [(code, 2)]
    assert lines[-1]["records"] == {"read": 2, "evaluated": 1, "rejected": 1}
    if code == "E0301":
        assert (
            of_type(lines, "rejected")[0]["help"]
            == "U+00A0 (no-break space) is not white space in JSON; remove it"
        )


# -- every way of running, on generated timelines of every kind ---------------------------------------------


def entries_of(text: str) -> list[Entry]:
    return list(read_timeline(text.encode("utf-8", "surrogatepass"), "t.jsonl"))


def learned(found: list[Entry], share: tuple[int, int] = (0, 1)) -> Finality:
    finality = Finality(sum(len(e.where.file) + 100 for e in found), share)
    finality.add(entry.raw for entry in reversed(found))
    finality.done()
    return finality


def streamed_items(agreement_model: model.Agreement, found: list[Entry]) -> list[Item]:
    """One process, deciding each incident as soon as its last record is in."""
    evaluation = Evaluation(agreement_model, finality=learned(found))
    items: list[Item] = []
    for entry in found:
        items.extend(evaluation.feed(entry))
    items.extend(evaluation.finish())
    return items


def batched_items(agreement_model: model.Agreement, found: list[Entry], size: int) -> list[Item]:
    """`streamed_items`, the entries taken `size` at a time (`in_batches`), as a check takes them."""
    evaluation = Evaluation(agreement_model, finality=learned(found))
    taken = in_batches(((entry, True) for entry in found), evaluation.incidents, size)
    items: list[Item] = [item for batch in taken for item in batch]
    items.extend(evaluation.finish())
    return items


def shared_items(agreement_model: model.Agreement, found: list[Entry], workers: int) -> list[Item]:
    """What `--jobs` does, in one process: each share read by its own stage, the decided items merged by their
    keys, then the period stage over every share's partial."""
    stages = [IncidentStage(agreement_model, finality=learned(found, (w, workers))) for w in range(workers)]
    keyed: list[tuple[Any, Item]] = []
    for entry in found:
        belongs = owner(entry.raw, workers)  # None: a customer record, which every worker reads and 0 counts
        for index, stage in enumerate(stages):
            if belongs == index or belongs is None:
                counted = index in (belongs, 0)
                keyed += [(i.key, i) for i in stage.feed(entry, counted=counted)]  # type: ignore[union-attr]
    as_of = final_as_of(None, [s.latest for s in stages])
    for stage in stages:
        keyed += [(i.key, i) for i in stage.finish(as_of)]  # type: ignore[union-attr]
    keyed.sort(key=lambda pair: pair[0])
    partials = [s.partial(customers=index == 0) for index, s in enumerate(stages)]
    return [item for _, item in keyed] + list(PeriodStage(agreement_model, partials, as_of).run())


def rendered(agreement_model: model.Agreement, items: list[Item]) -> bytes:
    lines = Lines(agreement_model)
    return b"\n".join(line for item in items for line in lines.render(item))


def figures(items: list[Item]) -> dict[str, Any]:
    """Every figure the items carry, in an order that does not depend on when they were decided."""
    targets = sorted(
        (v.incident, v.kind, v.severity, v.plan, v.start, v.due, v.actual, v.status, v.margin, repr(v.trace))
        for item in items
        if isinstance(item, Decided)
        for v in item.verdicts
    )
    rejected = sorted(
        (i.diagnostic.code, i.diagnostic.message, i.diagnostic.help, str(i.diagnostic.span))
        for i in items
        if isinstance(i, Rejected)
    )
    rest = [repr(i) for i in items if not isinstance(i, (Decided, Rejected))]
    return {"targets": targets, "rejected": rejected, "rest": rest}


@settings(max_examples=examples(150), deadline=None)
@given(st.sampled_from(sorted(MODELS)), st.data())
def test_every_way_of_running_gives_the_same_figures(name: str, data: st.DataObject) -> None:
    """Whole-file (decided at the end), streamed (decided as soon as possible), and shared among two and three
    workers: the same figures, records in any order; the lines streamed in batches and the workers' merged lines
    are the lines streamed one entry at a time, byte for byte; and every record read is evaluated or
    rejected."""
    agreement_model = MODELS[name]
    found = entries_of(data.draw(timelines(agreement_model)))
    whole = Evaluation(agreement_model)
    items: list[Item] = []
    for entry in found:
        items.extend(whole.feed(entry))
    items.extend(whole.finish())
    one = streamed_items(agreement_model, found)
    assert figures(one) == figures(items)
    summary = one[-1]
    assert isinstance(summary, Summary)
    assert summary.records.read == len(found)
    assert summary.records.balanced, summary.records
    bytes_of_one = rendered(agreement_model, one)
    for size in (1, 2, 5):
        assert rendered(agreement_model, batched_items(agreement_model, found, size)) == bytes_of_one
    for workers in (2, 3):
        assert rendered(agreement_model, shared_items(agreement_model, found, workers)) == bytes_of_one


def assert_lines_as_defined(agreement_model: model.Agreement, items: list[Item]) -> None:
    """Every target, availability and credit line `Lines` encodes without a dict is, byte for byte, its dict
    (`target_json`, `availability_json`, `award_json`) encoded by orjson."""
    lines = Lines(agreement_model)
    iso = lines.iso
    for item in items:
        found = lines.render(item)
        if isinstance(item, Decided):
            assert found == [orjson.dumps(target_json(v, iso, line=True)) for v in item.verdicts]
        elif isinstance(item, AvailabilityVerdict):
            assert found[-1] == orjson.dumps({"type": "availability", **availability_json(item, iso)})
        elif isinstance(item, Award):
            assert found == [orjson.dumps({"type": "credit", **award_json(item, iso)})]


@settings(max_examples=examples(150), deadline=None)
@given(st.sampled_from(sorted(MODELS)), st.data())
def test_lines_encoded_without_a_dict_are_the_dicts_encoded(name: str, data: st.DataObject) -> None:
    agreement_model = MODELS[name]
    assert_lines_as_defined(
        agreement_model, streamed_items(agreement_model, entries_of(data.draw(timelines(agreement_model))))
    )


def test_lines_encoded_without_a_dict_are_the_dicts_encoded_on_every_timeline(tmp_path: Path) -> None:
    """Every bundled agreement's timeline (Slack's uses a maintenance budget), and a generated one for every
    feature (outages for everyone and a customer's own, awards with reasons) whose customer ids JSON must
    escape."""
    cases = []
    for path in sorted((ROOT / "agreements").glob("*.sla")):
        timeline = path.with_name(f"{path.stem}.timeline.jsonl")
        cases.append(
            (sladsl.load(path.read_text(encoding="utf-8"), str(path)).agreement, timeline.read_text("utf-8"))
        )
    mixed = write(tmp_path / "mixed.jsonl", 400, mixed=True).read_text(encoding="utf-8")
    odd = 'cust "é\\\u0007'  # a quote, a letter that is not ASCII, a backslash and a control character
    cases.append((MODELS["all-features"], mixed.replace('"cust-0', json.dumps(odd)[:-1])))
    kinds: set[str] = set()
    for agreement_model, text in cases:
        items = streamed_items(agreement_model, entries_of(text))
        assert_lines_as_defined(agreement_model, items)
        kinds |= {type(item).__name__ for item in items}
        kinds |= {"budget" for i in items if isinstance(i, AvailabilityVerdict) and i.budget is not None}
        kinds |= {"own outages" for i in items if isinstance(i, AvailabilityVerdict) and i.shares}
        kinds |= {"reasons" for i in items if isinstance(i, Award) and i.reasons}
        kinds |= {"escaped" for i in items if isinstance(i, Award) and i.customer.startswith(odd)}
    assert {"Decided", "AvailabilityVerdict", "Award", "budget", "own outages", "reasons", "escaped"} <= kinds


def test_a_ladder_basis_is_written_for_its_own_period_and_value() -> None:
    """Izy's refunds, where the text of a band's basis is kept for the awards that share it: two customers in
    one band in January with different uptimes (B also had an outage of its own), and in May (as long as
    January, with no clock change) the very uptime January's outage for everyone gave. Each line says its own
    period and value: 1,000 minutes down of 44,640 is 97.7598...%, and 1,100 is 97.5358...%."""
    text = "\n".join(
        json.dumps(record)
        for record in [
            {"type": "customer", "id": "A", "fee": "1000.00", "currency": "EUR"},
            {"type": "customer", "id": "B", "fee": "1000.00", "currency": "EUR"},
            {
                "type": "outage",
                "id": "O1",
                "start": "2025-01-10T10:00:00+01:00",
                "end": "2025-01-11T02:40:00+01:00",
            },
            {
                "type": "outage",
                "id": "O2",
                "start": "2025-01-20T10:00:00+01:00",
                "end": "2025-01-20T11:40:00+01:00",
                "customer": "B",
            },
            {
                "type": "outage",
                "id": "O3",
                "start": "2025-05-10T10:00:00+02:00",
                "end": "2025-05-11T02:40:00+02:00",
            },
            {
                "type": "outage",
                "id": "O4",
                "start": "2025-06-02T10:00:00+02:00",
                "end": "2025-06-02T10:01:00+02:00",
            },
        ]
    )
    items = streamed_items(MODELS["izy"], entries_of(text))
    assert_lines_as_defined(MODELS["izy"], items)
    lines = Lines(MODELS["izy"])
    credits = [json.loads(line) for item in items if isinstance(item, Award) for line in lines.render(item)]
    found = [(c["customer"], c["basis"]["period"], c["basis"]["value"][:7], c["value"]) for c in credits]
    assert found == [
        ("A", "2025-01", "97.7598", "150.00"),
        ("B", "2025-01", "97.5358", "150.00"),
        ("A", "2025-05", "97.7598", "150.00"),
        ("B", "2025-05", "97.7598", "150.00"),
    ]
    assert len({json.dumps(c["basis"]["band"]) for c in credits}) == 1  # one band: 97% to 98%, 15% of the fee


@settings(max_examples=examples(100), deadline=None)
@given(st.sampled_from(sorted(MODELS)), st.data())
def test_the_report_does_not_depend_on_the_order_of_records(name: str, data: st.DataObject) -> None:
    agreement_model = MODELS[name]
    text = data.draw(timelines(agreement_model, invalid=False))
    lines = text.splitlines()
    shuffled = data.draw(st.permutations(lines))
    first = sladsl.evaluate(agreement_model, read_timeline("\n".join(lines)))
    second = sladsl.evaluate(agreement_model, read_timeline("\n".join(shuffled)))
    assert first.targets == second.targets
    assert first.kpis == second.kpis
    assert without_lines(first) == without_lines(second)


@settings(max_examples=examples(150), deadline=None)
@given(st.sampled_from(sorted(MODELS)), st.data())
def test_a_verdict_settled_at_the_end_is_the_one_decided_knowing_the_instant(
    name: str, data: st.DataObject
) -> None:
    """Without `--as-of`, an incident that waits for the instant the evaluation stands at is decided at its last
    record and settled once every record is in (`sladsl.evaluation.targets.settle`). Given that same instant from
    the start, nothing waits: every verdict, KPI, period and award is the same. Exclusions, add-ons and update
    cadences that end at the resolution are among the agreements drawn."""
    agreement_model = MODELS[name]
    text = data.draw(timelines(agreement_model))
    found = sladsl.evaluate(agreement_model, read_timeline(text))
    if found.as_of is None:  # no record named an instant: nothing was decided
        assert not found.targets
        return
    known = sladsl.evaluate(agreement_model, read_timeline(text), as_of=found.as_of)
    assert sorted(found.targets, key=repr) == sorted(known.targets, key=repr)
    assert found.kpis == known.kpis
    assert found.availability == known.availability
    assert found.awards == known.awards


def settled_and_known(name: str, rows: list[dict[str, Any]]) -> tuple[sladsl.Report, sladsl.Report]:
    """The report of `rows` without `--as-of` (its waiting verdicts settled at the end), and with the instant it
    stood at given from the start."""
    text = "".join(json.dumps(row) + "\n" for row in rows)
    found = sladsl.evaluate(MODELS[name], read_timeline(text))
    assert found.as_of is not None
    return found, sladsl.evaluate(MODELS[name], read_timeline(text), as_of=found.as_of)


def test_an_update_cadence_left_open_is_measured_to_the_resolution_when_settled() -> None:
    """All-features `update for 2 every 1 day` (wall time): answered at 11:00 on Monday, no update, resolved at
    10:00 on Thursday; a later report sets the as-of to the next Monday. The update fell due at 11:00 on Tuesday
    and is breached by the time to the resolution, not to the as-of: 2 days less an hour."""
    rows = [
        {"type": "reported", "incident": "INC-1", "severity": "2", "at": "2025-03-03T10:00:00+01:00"},
        {"type": "response", "incident": "INC-1", "at": "2025-03-03T11:00:00+01:00"},
        {"type": "resolution", "incident": "INC-1", "at": "2025-03-06T10:00:00+01:00"},
        {"type": "reported", "incident": "INC-2", "severity": "3", "at": "2025-03-10T10:00:00+01:00"},
    ]
    found, known = settled_and_known("all-features", rows)
    update = [v for v in found.targets if v.incident == "INC-1" and v.kind == "update"]
    assert [(v.status, v.margin) for v in update] == [("breached", -(2 * 86400 - 3600))]
    assert sorted(found.targets, key=repr) == sorted(known.targets, key=repr)


def test_an_excluded_verdict_that_waited_stays_excluded_and_takes_its_margin() -> None:
    """Izy: an incident tagged `force_majeure` is resolved but never answered; its response target is excluded,
    and its margin (how late it stands at the as-of instant) is the one known when the instant is given."""
    rows = [
        {
            "type": "reported",
            "incident": "INC-1",
            "severity": "A",
            "at": "2025-03-03T10:00:00+01:00",
            "tags": ["force_majeure"],
        },
        {"type": "resolution", "incident": "INC-1", "at": "2025-03-04T10:00:00+01:00"},
        {"type": "reported", "incident": "INC-2", "severity": "C", "at": "2025-03-10T10:00:00+01:00"},
    ]
    found, known = settled_and_known("izy", rows)
    (verdict,) = [v for v in found.targets if v.incident == "INC-1"]
    assert verdict.status == "excluded"
    assert verdict.margin is not None and verdict.margin < 0
    assert sorted(found.targets, key=repr) == sorted(known.targets, key=repr)


def test_an_add_on_verdict_that_waited_is_settled_beside_the_plan() -> None:
    """ISL Online: a critical incident of a customer holding the 24/7 add-on, resolved but never answered: the
    plan's target and the add-on's each wait, and each is settled as if the instant had been known."""
    rows = [
        {"type": "customer", "id": "clinic", "plan": "standard", "add_ons": ["round_the_clock"]},
        {
            "type": "reported",
            "incident": "INC-1",
            "customer": "clinic",
            "severity": "critical",
            "at": "2025-04-30T20:00:00+02:00",
        },
        {"type": "resolution", "incident": "INC-1", "at": "2025-05-02T10:00:00+02:00"},
        {
            "type": "reported",
            "incident": "INC-2",
            "customer": "clinic",
            "severity": "minor",
            "at": "2025-05-12T09:00:00+02:00",
        },
    ]
    found, known = settled_and_known("isl-online", rows)
    plans = sorted((v.plan, v.status) for v in found.targets if v.incident == "INC-1" and v.kind == "response")
    assert plans == [("round_the_clock", "breached"), ("standard", "breached")]
    assert sorted(found.targets, key=repr) == sorted(known.targets, key=repr)
    assert found.awards == known.awards


def without_lines(found: sladsl.Report) -> tuple[object, ...]:
    """Availability and awards, less the line numbers their explanations quote and the order of outages that
    begin together (both follow the file)."""

    def unordered(shares: tuple[OutageShare, ...]) -> tuple[OutageShare, ...]:
        return tuple(sorted((replace(s, line=0) for s in shares), key=repr))

    periods = [replace(a, shares=unordered(a.shares), shared=unordered(a.shared)) for a in found.availability]
    awards = [
        replace(a, reasons=tuple(replace(r, line=0) if isinstance(r, ClaimedLate) else r for r in a.reasons))
        for a in found.awards
    ]
    return tuple(periods), tuple(awards)


# -- feeding in batches -----------------------------------------------------------------------------------------

NOWHERE = Span("t.jsonl", 0, 0, 1, 1, 1, 1)


class Steps:
    """A stand-in for `IncidentStage` that notes each step of each entry in the order they come. An entry's raw
    value `(rejects, completes)` makes its `take` reject that many records and make that many incidents ready,
    each in the reverse of key order, so that only sorting puts them right. `failing` names a step and an entry
    number at which that step raises."""

    def __init__(self, failing: tuple[str, int] | None = None) -> None:
        self.steps: list[tuple[str, int]] = []
        self.failing = failing
        self.ready: list[tuple[int, int]] = []

    def step(self, name: str, number: int) -> None:
        if (name, number) == self.failing:
            raise ValueError(f"{name} {number}")
        self.steps.append((name, number))

    def record_of(self, entry: Entry) -> Entry:
        self.step("read", entry.seq)
        return entry

    def take(self, entry: Entry, record: Entry, *, counted: bool) -> list[Item]:
        assert record is entry
        self.step("take", entry.seq)
        rejects, completes = entry.raw
        why = Diagnostic("E0302", f"counted: {counted}", NOWHERE)
        self.ready += [(entry.seq, n) for n in reversed(range(completes))]
        return [Rejected((entry.seq, 0, n, ""), why) for n in reversed(range(rejects))]

    def judge_ready(self, out: list[Item]) -> None:
        for seq, n in self.ready:
            self.step("judge", seq)
            out.append(Decided((seq, 1, n, f"I{seq}-{n}"), f"I{seq}-{n}", ()))
        self.ready = []

    def feed(self, entry: Entry, *, counted: bool) -> list[Item]:
        """What `IncidentStage.feed` does with the three steps: one entry at a time, its items sorted."""
        out = self.take(entry, self.record_of(entry), counted=counted)
        self.judge_ready(out)
        return sorted(out, key=lambda item: item.key)  # type: ignore[union-attr]


def stand_in_entries(drawn: list[tuple[int, int, bool]], numbers: list[int]) -> list[tuple[Entry, bool]]:
    return [
        (Entry(number, NOWHERE, (rejects, completes), ""), counted)
        for number, (rejects, completes, counted) in zip(numbers, drawn, strict=True)
    ]


@settings(max_examples=examples(300), deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3), st.booleans()), max_size=40),
    st.integers(1, 9),
    st.randoms(use_true_random=False),
    st.booleans(),
)
def test_feeding_in_batches_decides_what_one_entry_at_a_time_does(
    drawn: list[tuple[int, int, bool]], size: int, rng: Any, shuffled: bool
) -> None:
    """Whatever the batch size, and whether the entries' numbers rise (as in a file) or not (as records given
    to `evaluate` in any order may)."""
    numbers = list(range(len(drawn)))
    if shuffled:
        rng.shuffle(numbers)
    entries = stand_in_entries(drawn, numbers)
    one_at_a_time = [item for entry, counted in entries for item in Steps().feed(entry, counted=counted)]
    stage = Steps()
    batches = list(in_batches(entries, stage, size))  # type: ignore[arg-type]
    assert [item for batch in batches for item in batch] == one_at_a_time
    assert len(batches) == -(-len(entries) // size)  # a list per `size` entries, the last perhaps short
    # Each step of a batch over all of its entries before the next step begins, entries in order.
    for first in range(0, len(entries), size):
        part = [entry.seq for entry, _ in entries[first : first + size]]
        judged = [n for n in part for _ in range(entries[numbers.index(n)][0].raw[1])]
        expected = [("read", n) for n in part] + [("take", n) for n in part] + [("judge", n) for n in judged]
        assert stage.steps[: len(expected)] == expected
        del stage.steps[: len(expected)]


@pytest.mark.parametrize("step", ["read", "take", "judge"])
@pytest.mark.parametrize("number", [3, 4, 5])  # the first, second and last entry of the second batch of 3
def test_a_failure_hands_on_the_batches_before_it_and_nothing_of_its_own(step: str, number: int) -> None:
    entries = stand_in_entries([(1, 1, True)] * 9, list(range(9)))
    got: list[Any] = []
    with pytest.raises(ValueError, match=f"{step} {number}"):
        for batch in in_batches(entries, Steps((step, number)), 3):  # type: ignore[arg-type]
            got += batch
    assert [item.key[0] for item in got] == [0, 0, 1, 1, 2, 2]


def test_a_failure_while_parsing_hands_on_the_batches_before_it() -> None:
    def parse() -> Iterator[tuple[Entry, bool]]:
        yield from stand_in_entries([(1, 0, True)] * 5, list(range(5)))
        raise OSError("the disk went away")

    got: list[Any] = []
    with pytest.raises(OSError, match="the disk went away"):
        for batch in in_batches(parse(), Steps(), 3):  # type: ignore[arg-type]
            got += batch
    assert [item.key[0] for item in got] == [0, 1, 2]


# -- when an incident's records are all in ----------------------------------------------------------------------


@settings(max_examples=examples(300), deadline=None)
@given(st.lists(st.one_of(st.none(), st.sampled_from(["A", "B", "C", "D", "É", "x" * 40])), max_size=60))
def test_a_record_is_marked_last_only_when_no_later_record_names_its_incident(ids: list[str | None]) -> None:
    raws = [None if i is None else {"type": "response", "incident": i} for i in ids]
    for workers in (1, 2, 3):
        for worker in range(workers):
            finality = Finality(0, (worker, workers))
            finality.add(reversed(raws))
            for seq, ident in enumerate(ids):
                if finality.is_last(seq):
                    assert ident is not None and ident not in ids[seq + 1 :]
                    assert bucket_of(ident) % workers == worker


def test_most_incidents_are_decided_at_their_last_record(generated: Path) -> None:
    """The filter may take an incident for one seen again, and hold it to the end: that costs memory, never a
    figure. On 3,000 incidents it happens to a handful at most."""
    found = list(read_timeline(generated.read_bytes(), str(generated)))
    finality = learned(found)
    last: dict[str, int] = {}
    for entry in found:
        key = key_of(entry.raw)
        if key is not None and key[0] == "incident":
            last[key[1]] = entry.seq
    missed = sum(not finality.is_last(seq) for seq in last.values())
    assert missed <= len(last) // 200


def test_buckets_spread_the_incidents() -> None:
    counts = [0] * BUCKETS
    for n in range(64_000):
        counts[bucket_of(f"INC-{n:08d}")] += 1
    assert min(counts) > 800 and max(counts) < 1200


@settings(max_examples=examples(300), deadline=None)
@given(st.binary(max_size=200), st.lists(st.integers(1, 50), max_size=6))
def test_lines_read_backwards_are_the_lines_read_forwards(data: bytes, cuts: list[int]) -> None:
    blocks, at = [], 0
    for size in cuts:
        blocks.append(data[at : at + size])
        at += size
    blocks.append(data[at:])
    forwards = [body for *_, body in json_lines(blocks)]
    assert list(json_lines_backwards(reversed(blocks))) == forwards[::-1]
    assert [body for *_, body in json_lines([data])] == forwards


@settings(max_examples=examples(300), deadline=None)
@given(st.sampled_from(sorted(MODELS)), st.data())
def test_whom_a_record_concerns_is_what_the_reader_reads(name: str, data: st.DataObject) -> None:
    reader = RecordReader(MODELS[name])
    for entry in entries_of(data.draw(timelines(MODELS[name]))):
        try:
            record = reader.read(entry)
        except Exception:
            continue
        key = key_of(entry.raw)
        if isinstance(record, Incident):
            assert key == ("incident", record.id)
        elif isinstance(record, Event):
            assert key == ("incident", record.incident)
        elif isinstance(record, Customer):
            assert key == ("customer", record.id)
        else:
            assert key is None


def test_only_the_incidents_still_open_are_held(generated: Path) -> None:
    """Memory follows the incidents between their first and last records, and those never answered (whose
    verdicts wait for the as-of instant): not the size of the timeline."""
    found = list(read_timeline(generated.read_bytes(), str(generated)))
    first: dict[str, int] = {}
    last: dict[str, int] = {}
    answered: set[str] = set()
    for entry in found:
        key = key_of(entry.raw)
        if key is not None and key[0] == "incident":
            first.setdefault(key[1], entry.seq)
            last[key[1]] = entry.seq
            if entry.raw.get("type") == "response":
                answered.add(key[1])
    evaluation = Evaluation(MODELS["izy"], finality=learned(found))
    stage = evaluation.incidents
    worst = 0
    for entry in found:
        evaluation.feed(entry)
        between = sum(1 for i in first if first[i] <= entry.seq < last[i])
        held = len(stage.open) + len(stage.held)
        worst = max(worst, held)
        assert held <= between + len(set(first) - answered) + len(first) // 200
    assert worst < len(first) // 5


class _Discard(io.RawIOBase):
    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        return len(data)


def test_streaming_does_not_hold_its_output(generated: Path) -> None:
    """Memory, not time: the peak of Python's allocations while 3,000 incidents are streamed. The parts: the
    read chunk and its split copy (1 MB each), the output block (1 MB), held incidents, caches, and the batch of
    entries being taken (`BATCH` of them, with their records and what they decided: under 1 KB each)."""
    agreement_model = MODELS["izy"]
    stream(agreement_model, "a.sla", str(generated), _Discard(), Options())  # the clock compiled, the zone read
    tracemalloc.start()
    try:
        stream(agreement_model, "a.sla", str(generated), _Discard(), Options())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 3 * (1 << 20) + 4_000_000 + BATCH * 1_000


def test_availability_periods_are_written_not_held(tmp_path: Path) -> None:
    """A year of outages every 4 hours (2,190) that apply to all 60 customers: each is listed once, in its month's
    `shared_outages` line, not in each of the 60 customers' verdicts (131,400 shares). Each period is written as
    it is made, so the peak stays near what one job holds to read and write; keeping the periods whole took
    19 MB."""
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    records: list[dict[str, Any]] = [
        {"type": "reported", "incident": f"I{n}", "customer": f"c{n}", "severity": "C", "at": start.isoformat()}
        for n in range(60)
    ]
    for n in range(2190):
        begins = start + dt.timedelta(hours=4 * n)
        ends = begins + dt.timedelta(minutes=10)
        records.append({"type": "outage", "id": f"O{n}", "start": begins.isoformat(), "end": ends.isoformat()})
    path = tmp_path / "outages.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    tracemalloc.start()
    try:
        out = _Counted()
        stream(MODELS["izy"], "a.sla", str(path), out, Options())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (out.lines["availability"], out.lines["shared_outages"]) == (60 * 12, 12)
    assert out.shares == 2190
    assert peak < 3 * (1 << 20) + 4_000_000


class _Counted(_Discard):
    """Counts the lines of each type, and the outage shares the availability lines list."""

    def __init__(self) -> None:
        self.lines: dict[str, int] = {}
        self.shares = 0

    def write(self, data: Any) -> int:
        for line in bytes(data).splitlines():
            found = json.loads(line)
            self.lines[found["type"]] = self.lines.get(found["type"], 0) + 1
            self.shares += len(found.get("outages", ()))
        return len(data)


# -- worker processes -----------------------------------------------------------------------------------------


def command(*args: str | Path, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    """`sladsl ARGS` in a fresh process (workers are forked as on the command line); a hang fails it."""
    return subprocess.run(
        [sys.executable, "-m", "sladsl", *map(str, args)],
        input=stdin,
        capture_output=True,
        check=False,
        timeout=300,
    )


def test_two_jobs_write_exactly_what_one_job_writes(generated: Path) -> None:
    def check(jobs: int) -> subprocess.CompletedProcess[bytes]:
        return command("check", "--format", "jsonl", "--jobs", str(jobs), AGREEMENT_FILES["izy"], generated)

    one, two = check(1), check(2)
    assert one.returncode == two.returncode == 1  # breaches
    assert one.stdout == two.stdout
    assert len(one.stdout.splitlines()) > 3000
    assert b"checking [" not in one.stderr + two.stderr  # progress is drawn only on a terminal


@pytest.mark.parametrize("jobs", [1, 2, 3])
def test_jobs_write_the_same_bytes_for_every_feature(tmp_path: Path, jobs: int) -> None:
    """The all-features agreement over a fixed generated timeline (plans, pauses, changes of severity, claims):
    one job's bytes, from every number of jobs, with the worker processes real."""
    path = tmp_path / "features.jsonl"
    path.write_text(_fixed_timeline(), encoding="utf-8")
    one = command("check", "--format", "jsonl", FEATURES, path)
    many = command("check", "--format", "jsonl", "--jobs", str(jobs), FEATURES, path)
    assert many.returncode == one.returncode
    assert many.stdout == one.stdout
    assert len(one.stdout.splitlines()) > 100


def _fixed_timeline() -> str:
    """A timeline for the all-features agreement, the same on every run: 60 incidents of every shape."""
    import random  # noqa: PLC0415

    rng = random.Random(17)
    zone = "Europe/Oslo"
    from tests.strategies import stamp  # noqa: PLC0415

    rows: list[dict[str, Any]] = [
        {"type": "customer", "id": "acme", "plan": "gold", "fee": "1000.00", "currency": "EUR"},
        {"type": "customer", "id": "bolt", "plan": "basic"},
    ]
    for n in range(60):
        at = rng.randrange(0, 60 * 24 * 70)
        ident = f"F-{n}"
        rows.append(
            {
                "type": "reported",
                "incident": ident,
                "customer": rng.choice(["acme", "bolt", "core"]),
                "severity": rng.choice("123"),
                "at": stamp(at, zone),
            }
        )
        for _ in range(rng.randrange(0, 6)):
            kind = rng.choice(
                ["response", "restore", "resolution", "update", "severity_changed", "paused", "resumed"]
            )
            row: dict[str, Any] = {
                "type": kind,
                "incident": ident,
                "at": stamp(at + rng.randrange(0, 60 * 24 * 8), zone),
            }
            if kind == "severity_changed":
                row["severity"] = rng.choice("123")
            rows.append(row)
    for n in range(6):
        at = rng.randrange(0, 60 * 24 * 70)
        rows.append({"type": "outage", "id": f"O-{n}", "start": stamp(at, zone), "end": stamp(at + 600, zone)})
    rows.append(
        {
            "type": "claim",
            "customer": "acme",
            "credit": "late",
            "period": "2025-04",
            "at": stamp(60 * 24 * 40, zone),
        }
    )
    rng.shuffle(rows)
    return "".join(json.dumps(r) + "\n" for r in rows)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_failure_inside_a_job_is_reported_not_hung_on(jobs: str) -> None:
    """A deadline the calendar cannot reach (E0221) stops the run with its diagnostic and exit 2, whether it
    happens in the only job or in a --jobs worker."""
    result = command(
        "check",
        "--format",
        "jsonl",
        "--jobs",
        jobs,
        ROOT / "tests" / "data" / "bad" / "E0221-calendar-too-sparse-for-its-deadline.sla",
        ROOT / "agreements" / "izy.timeline.jsonl",
    )
    assert result.returncode == 2, result.stderr
    assert b"error[E0221]: incident `INC-1`" in result.stderr
    assert b"Traceback" not in result.stderr


def _failing_timeline(path: Path) -> Path:
    """Forty incidents of severity A, each answered on the next line: under the E0221 agreement every one of
    them fails, as soon as its response is read."""
    with path.open("w", encoding="utf-8") as out:
        for i in range(40):
            day = f"2025-04-{1 + i % 28:02d}"
            report = {"type": "reported", "incident": f"INC-{i}", "customer": "acme", "severity": "A"}
            out.write(json.dumps({**report, "at": f"{day}T10:00:00+02:00"}) + "\n")
            out.write(
                json.dumps({"type": "response", "incident": f"INC-{i}", "at": f"{day}T11:00:00+02:00"}) + "\n"
            )
    return path


@pytest.mark.parametrize("jobs", [1, 2, 3])
def test_when_many_incidents_fail_the_same_one_is_reported_every_time(tmp_path: Path, jobs: int) -> None:
    """Workers take shares in whatever order they are free, and stop at the first of theirs that fails. The run
    reports the failure of the first share that fails, whichever worker took it: each share's first failing
    incident is the first of its incidents in the file, and the first share that fails is always taken, as
    shares are taken in order. One job reports the first incident of all."""
    from sladsl.run.jobs import share_plan  # noqa: PLC0415

    timeline = _failing_timeline(tmp_path / "fails.jsonl")
    ids = [f"INC-{i}" for i in range(40)]
    if jobs == 1:
        expected = "INC-0"
    else:
        plan = share_plan(jobs)
        shares = [plan[bucket_of(ident)] for ident in ids]
        expected = ids[shares.index(min(shares))]
        assert expected != "INC-0"  # the first share's first incident is not the file's: the test tells them apart
    agreement = ROOT / "tests" / "data" / "bad" / "E0221-calendar-too-sparse-for-its-deadline.sla"
    runs = [command("check", "--format", "jsonl", "--jobs", str(jobs), agreement, timeline) for _ in range(3)]
    for run in runs:
        assert run.returncode == 2, run.stderr
        assert f"error[E0221]: incident `{expected}` (reported".encode() in run.stderr
        assert run.stderr == runs[0].stderr
        assert run.stdout == runs[0].stdout


@pytest.mark.parametrize("workers", [2, 3, 4, 7, 16, 64])
def test_shares_shrink_from_a_2n_th_of_the_buckets_to_one(workers: int) -> None:
    """Every bucket is in one share; the shares are runs of buckets, numbered in order, never growing, the
    first a 2N-th of all (rounded up) and each after it a 2N-th of those left; the last is one bucket."""
    from sladsl.run.jobs import share_plan  # noqa: PLC0415

    plan = share_plan(workers)
    assert len(plan) == BUCKETS
    assert list(plan) == sorted(plan) and plan[0] == 0
    sizes = [plan.count(share) for share in range(plan[-1] + 1)]
    assert all(size > 0 for size in sizes)
    assert sizes == sorted(sizes, reverse=True) and sizes[-1] == 1
    for share, size in enumerate(sizes):
        left = BUCKETS - sum(sizes[:share])
        assert size == -(-left // (2 * workers))


def _take_all(counters: Any, shares: int, out: Any) -> None:
    """A stand-in worker: takes shares until there are none, and sends back those it took."""
    from sladsl.run.jobs import NEXT_SHARE, take  # noqa: PLC0415

    taken = []
    while (share := take(counters, NEXT_SHARE, shares)) is not None:
        taken.append(share)
        time.sleep(0.0005)  # as a worker reads a share: the others take theirs meanwhile
    out.send(taken)
    out.close()


def test_each_share_is_taken_once_in_order_by_whichever_worker_asks() -> None:
    import multiprocessing  # noqa: PLC0415

    from sladsl.run.jobs import NEXT_PART, NEXT_SHARE  # noqa: PLC0415

    context = multiprocessing.get_context()
    counters = context.Array("q", 4)
    pipes = [context.Pipe(duplex=False) for _ in range(3)]
    workers = [context.Process(target=_take_all, args=(counters, 64, sent)) for _, sent in pipes]
    for worker in workers:
        worker.start()
    taken = [heard.recv() for heard, _ in pipes]
    for worker in workers:
        worker.join(timeout=60)
    assert sorted(share for shares in taken for share in shares) == list(range(64))
    assert all(shares == sorted(shares) for shares in taken)
    assert counters[NEXT_SHARE] == 64 and counters[NEXT_PART] == 0


class _Said:
    """A worker's end of a pipe, with one message said on it; or, with none, one that must not be read."""

    def __init__(self, *message: Any) -> None:
        self.message = message

    def recv(self) -> Any:
        assert self.message, "read from a worker after a failure that stops the run at once"
        return self.message


def test_the_failure_of_the_first_share_is_raised_whichever_worker_took_it() -> None:
    from sladsl.run.jobs import gather  # noqa: PLC0415

    said = [
        ("share failed", (5, ValueError("five"))),
        ("ok", [7]),
        ("share failed", (3, ValueError("three"))),
        ("share failed", (6, ValueError("six"))),
    ]
    for first in range(len(said)):
        turned = said[first:] + said[:first]
        with pytest.raises(ValueError, match="three"):
            gather([(_Said(*message), None) for message in turned])
    assert gather([(_Said("ok", [1]), None), (_Said("ok", [2]), None)]) == [[1], [2]]
    # A failure outside a share (reading a worker's Nth, merging) stops the run at once.
    with pytest.raises(OSError, match="disk"):
        gather([(_Said("ok", [1]), None), (_Said("failed", OSError("disk full")), None), (_Said(), None)])


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid`, read from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == pid:
                    found.append(int(entry.name))
    return sorted(found)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds the workers through /proc")
def test_a_worker_killed_mid_run_is_reported_not_waited_for(tmp_path: Path) -> None:
    """A worker that dies without a word (the out-of-memory killer sends SIGKILL) ends the run with exit 2 and
    what happened, rather than leaving the parent waiting for ever."""
    timeline = write(tmp_path / "big.jsonl", 60_000, seed=3)
    run = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sladsl",
            "check",
            "--format",
            "jsonl",
            "--jobs",
            "2",
            str(AGREEMENT_FILES["izy"]),
            str(timeline),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        started = time.monotonic()
        while len(workers := _children(run.pid)) < 2 and time.monotonic() - started < 60:
            time.sleep(0.01)
        assert len(workers) == 2
        os.kill(workers[1], signal.SIGKILL)
        _, errors = run.communicate(timeout=300)
    finally:
        run.kill()
    assert run.returncode == 2, errors
    assert errors.decode().splitlines()[-1] == (
        "error: --jobs worker 1 was killed by signal 9 (SIGKILL) before it finished; "
        "its results are lost, so no more lines were written"
    )


def test_jobs_agree_on_odd_lines(tmp_path: Path) -> None:
    """Lines a router could misread: escaped ids, keys inside nested objects, keys as values, a customer whose
    type is written twice, a duplicated key, and lines that are not objects at all. One, two and three jobs
    write the same bytes, in a file with a byte-order mark and blank lines for the workers to cut."""
    rows = [
        '{"type": "customer", "id": "acme", "fee": "100", "meta": {"type": "customer"}}',
        '{"type": "reported", "incident": "INC-\\u0031", "customer": "acme", "severity": "A",'
        ' "at": "2025-04-16T10:00:00+02:00"}',
        '{"type": "response", "incident": "INC-1", "at": "2025-04-16T10:30:00+02:00"}',
        '{"type": "reported", "incident": "INC-2", "severity": "B", "at": "2025-04-16T11:00:00+02:00",'
        ' "channel": "incident", "customer": "acme"}',
        '{"type": "response", "meta": {"incident": "INC-2"}, "at": "2025-04-16T11:30:00+02:00"}',
        '{"type":"response","incident":"INC-2","at":"2025-04-16T12:30:00+02:00"}',
        '{"type": "reported", "incident": "INC-3", "incident": "INC-4", "severity": "A",'
        ' "at": "2025-04-16T12:00:00+02:00", "customer": "acme"}',
        '{"type": "response", "incident": "INC-4", "at": "2025-04-16T13:00:00+02:00"}',
        '["type", "incident"]',
        '"incident"',
        "not json",
    ]
    path = tmp_path / "odd.jsonl"
    # A byte-order mark, blank lines and CR LF line ends too: the workers cut the file at line starts.
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n\n".join(rows).encode() + b"\r\n")
    outputs = []
    for jobs in (1, 2, 3):
        out = io.BytesIO()
        stream(MODELS["izy"], "izy.sla", str(path), out, Options(), jobs=jobs)
        outputs.append(out.getvalue())
    assert outputs[0] == outputs[1] == outputs[2]
    found = [json.loads(line) for line in outputs[0].splitlines()]
    assert sorted((t["incident"], t["status"]) for t in of_type(found, "target")) == [
        ("INC-1", "met"),  # its report names it with an escape; its response plainly
        ("INC-2", "met"),
        ("INC-4", "met"),  # the last of a duplicated key wins, as JSON parsers read it
    ]
    assert found[-1]["records"] == {"read": 11, "evaluated": 7, "rejected": 4}


def test_jobs_needs_the_streamed_format() -> None:
    result = CliRunner().invoke(
        main,
        ["check", "--jobs", "2", str(AGREEMENT_FILES["izy"]), str(ROOT / "agreements" / "izy.timeline.jsonl")],
    )
    assert result.exit_code == 2
    assert "--jobs needs --format jsonl" in result.stderr


def test_period_filter_matches_the_whole_file_check() -> None:
    agreement_model = MODELS["isl-online"]
    timeline = ROOT / "agreements" / "isl-online.timeline.jsonl"
    lo = int(dt.datetime(2025, 4, 1, tzinfo=dt.timezone(dt.timedelta(hours=2))).timestamp())
    hi = int(dt.datetime(2025, 7, 1, tzinfo=dt.timezone(dt.timedelta(hours=2))).timestamp())
    whole = render_json(report(agreement_model, str(timeline), Options(window=(lo, hi))), "a.sla", str(timeline))
    found = streamed(agreement_model, timeline, window=(lo, hi))
    assert len(of_type(found, "target")) == len(whole["targets"]) > 0
    assert of_type(found, "availability") == whole["availability"]
    assert of_type(found, "credit") == whole["credits"]


def test_a_csv_timeline_is_streamed_record_by_record(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(
        "type,incident,severity,at\n"
        "reported,INC-1,A,2025-04-16T10:00:00+02:00\n"
        "response,INC-1,,2025-04-16T13:00:00+02:00\n",
        encoding="utf-8",
    )
    (target,) = of_type(streamed(MODELS["izy"], path), "target")
    assert (target["status"], target["margin_seconds"]) == ("breached", -3600)


# -- standard input -------------------------------------------------------------------------------------------


def invoke(*args: str | Path, stdin: bytes | None = None) -> Any:
    return CliRunner().invoke(main, [str(a) for a in args], input=stdin)


@pytest.mark.parametrize("vendor", VENDORS)
def test_standard_input_is_checked_as_the_file_is(vendor: str) -> None:
    """`-` reads the timeline from standard input: every format gives the file's output, named `<stdin>`."""
    sla, timeline = AGREEMENT_FILES[vendor], ROOT / "agreements" / f"{vendor}.timeline.jsonl"
    for output in ("jsonl", "json", "text"):
        from_file = invoke("check", "--format", output, sla, timeline)
        piped = invoke("check", "--format", output, sla, "-", stdin=timeline.read_bytes())
        assert piped.exit_code == from_file.exit_code
        assert b"<stdin>" in piped.stdout_bytes
        assert piped.stdout_bytes == from_file.stdout_bytes.replace(str(timeline).encode(), b"<stdin>")


def test_standard_input_is_shared_among_jobs_too(generated: Path, tmp_path: Path) -> None:
    """Standard input is kept in a temporary file, so it can be read backwards and shared among workers: JSON
    Lines or a JSON array, one job or two, the file's bytes."""
    sla = AGREEMENT_FILES["izy"]
    records = [json.loads(line) for line in generated.read_text(encoding="utf-8").splitlines()]
    array = tmp_path / "generated.json"
    array.write_text("\n\n  " + json.dumps(records, indent=1), encoding="utf-8")  # white space before the `[`
    for path in (generated, array):
        from_file = command("check", "--format", "jsonl", sla, path)
        for jobs in ("1", "2"):
            piped = command("check", "--format", "jsonl", "--jobs", jobs, sla, "-", stdin=path.read_bytes())
            assert from_file.returncode == piped.returncode == 1
            assert piped.stdout == from_file.stdout.replace(str(path).encode(), b"<stdin>")
        assert len(from_file.stdout.splitlines()) > 3000


def test_records_read_from_standard_input_are_placed_in_it() -> None:
    sla = AGREEMENT_FILES["izy"]
    bad = (ROOT / "tests" / "data" / "bad" / "E0304-naive-timestamp.jsonl").read_bytes()
    found = [
        json.loads(line) for line in invoke("check", "--format", "jsonl", sla, "-", stdin=bad).stdout.splitlines()
    ]
    rejected = of_type(found, "rejected")
    assert [(r["code"], r["span"]["file"], r["span"]["line"], r["span"]["column"]) for r in rejected] == [
        ("E0304", "<stdin>", 1, 66)
    ]
    binary = (ROOT / "tests" / "data" / "bad" / "E0315-binary-timeline.jsonl").read_bytes()
    text = invoke("check", sla, "-", stdin=binary)  # the line that is not UTF-8 is rejected, as in a file
    assert "<stdin>:2: E0315 byte 0 of this line is not UTF-8 text" in text.stdout


def test_a_closed_standard_input_is_a_usage_error() -> None:
    for output in ("jsonl", "text"):
        result = subprocess.run(
            [sys.executable, "-m", "sladsl", "check", "--format", output, str(AGREEMENT_FILES["izy"]), "-"],
            capture_output=True,
            check=False,
            timeout=300,
            preexec_fn=lambda: os.close(0),  # the child starts with no descriptor 0
        )
        assert result.returncode == 2, result.stderr
        assert b"the timeline is `-`, but standard input is closed" in result.stderr
        assert b"Traceback" not in result.stderr


def test_diff_and_report_read_standard_input_too(tmp_path: Path) -> None:
    sla, timeline = AGREEMENT_FILES["izy"], ROOT / "agreements" / "izy.timeline.jsonl"
    from_file = invoke("diff", sla, sla, timeline)
    piped = invoke("diff", sla, sla, "-", stdin=timeline.read_bytes())
    assert piped.exit_code == from_file.exit_code == 0
    assert piped.stdout == from_file.stdout.replace(str(timeline), "<stdin>")
    pages = tmp_path / "file.html", tmp_path / "piped.html"
    assert invoke("report", sla, timeline, "--html", pages[0]).exit_code == 0
    assert invoke("report", sla, "-", "--html", pages[1], stdin=timeline.read_bytes()).exit_code == 0
    page = pages[1].read_text(encoding="utf-8")
    assert "&lt;stdin&gt;" in page
    assert page == pages[0].read_text(encoding="utf-8").replace(str(timeline), "&lt;stdin&gt;")


# -- progress -----------------------------------------------------------------------------------------------------


def test_progress_without_a_total_says_how_much_was_read(capsys: pytest.CaptureFixture[str]) -> None:
    progress = Progress(None, "reading standard input")
    progress.on, progress.shown = True, progress.shown - 1
    progress(3_000_000)
    drawn = capsys.readouterr().err
    assert "reading standard input  3 MB read" in drawn
    assert "[" not in drawn  # no bar: the size of standard input is not known


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_says_what_comes_after_the_input(generated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A long stream is read twice, backwards then forwards, then has work left: the incidents never answered
    are decided, then the periods. On a terminal the line says so, and is cleared at the end."""
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    progress = Progress(generated.stat().st_size)
    progress.started -= 1
    try:
        stream(MODELS["izy"], "a.sla", str(generated), io.BytesIO(), Options(), progress=progress)
    finally:
        progress.close()
    records = [json.loads(line) for line in generated.read_text().splitlines()]
    reported = {r["incident"] for r in records if r["type"] == "reported"}
    answered = {r["incident"] for r in records if r["type"] == "response"}
    drawn = terminal.getvalue().split("\r")
    said = [part.strip() for part in drawn if part.strip()]
    assert (
        said[-1] == f"checking: deciding the {len(reported - answered):,} incidents still open; then the periods"
    )
    assert drawn[-1] == "" and drawn[-2] == " " * 78  # cleared


@settings(max_examples=examples(300), deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 2**62),
            st.integers(0, 1),
            st.integers(0, 4_102_444_800),
            st.text(max_size=6),  # lone surrogates too: a JSON escape can make one
        ),
        min_size=2,
        max_size=20,
    )
)
def test_the_workers_keys_sort_as_bytes_as_they_sort_as_keys(keys: list[tuple[int, int, int, str]]) -> None:
    """The parent merges the workers' lines by comparing bytes: their encoded keys sort as the keys do."""
    from sladsl.run.jobs import sortable  # noqa: PLC0415

    assert sorted(keys, key=sortable) == sorted(keys)


def test_the_whole_report_shows_progress_too(generated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`--format text` and `json` read a long timeline with a bar as well, then say what is left."""
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    progress = Progress(generated.stat().st_size)
    progress.started -= 1
    try:
        report(MODELS["izy"], str(generated), Options(), progress)
    finally:
        progress.close()
    said = [part.strip() for part in terminal.getvalue().split("\r") if part.strip()]
    assert said[-1] == "checking: deciding the incidents; then the periods"


def _through_a_pipe(path: Path, folder: Path) -> tuple[Path, threading.Thread]:
    """A named pipe that gives the file's bytes once, as `<(cat file)` does."""
    fifo = folder / "pipe"
    os.mkfifo(fifo)

    def feed() -> None:
        with open(fifo, "wb") as out:
            out.write(path.read_bytes())

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    return fifo, writer


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
@pytest.mark.parametrize("output", ["text", "json", "jsonl"])
def test_a_pipe_is_read_once_and_whole(tmp_path: Path, generated: Path, output: str) -> None:
    """A timeline named by a pipe (`<(...)`, a FIFO) can be read only once: it is read whole (or, for JSON Lines
    lines, kept in a temporary file to be read twice), never missing its first bytes."""
    sla = AGREEMENT_FILES["izy"]
    from_file = invoke("check", "--format", output, sla, generated)
    fifo, writer = _through_a_pipe(generated, tmp_path)
    piped = invoke("check", "--format", output, sla, fifo)
    writer.join(timeout=60)
    assert piped.exit_code == from_file.exit_code == 1, piped.output
    assert piped.stdout == from_file.stdout.replace(str(generated), str(fifo))


@pytest.mark.parametrize("jobs", ["1", "2", "3"])
def test_an_empty_timeline_is_checked_by_any_number_of_jobs(tmp_path: Path, jobs: str) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    result = invoke("check", "--format", "jsonl", "--jobs", jobs, AGREEMENT_FILES["izy"], empty)
    assert result.exit_code == 2, result.output  # nothing evaluated is trouble, not a clean bill
    assert result.stderr.splitlines()[-1] == "error: nothing was evaluated: the timeline holds no records"
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["type"] for line in lines] == ["header", "summary"]
    assert lines[-1]["records"] == {"read": 0, "evaluated": 0, "rejected": 0}


def test_a_run_stopped_by_an_error_wrote_the_same_for_any_number_of_jobs() -> None:
    outputs = {
        jobs: command(
            "check",
            "--format",
            "jsonl",
            "--jobs",
            jobs,
            ROOT / "tests" / "data" / "bad" / "E0221-calendar-too-sparse-for-its-deadline.sla",
            ROOT / "agreements" / "izy.timeline.jsonl",
        ).stdout
        for jobs in ("1", "2")
    }
    assert outputs["1"] == outputs["2"]
    assert json.loads(outputs["1"])["type"] == "header"


@pytest.mark.parametrize(
    ("text", "name", "says"),
    [
        (
            '{"type": "reported", "incident": "a\\ud800", "severity": "A", "at": "2025-04-16T10:00:00+02:00"}',
            "t.jsonl",
            "this line escapes half of a surrogate pair, which is not text",
        ),
        (
            '[{"type": "customer", "id": "a\\udc00"}, {"type": "customer", "id": "b"}]',
            "t.json",
            "this record escapes half of a surrogate pair, which is not text",
        ),
    ],
    ids=["line", "array"],
)
def test_half_a_surrogate_pair_is_a_rejected_record_not_a_crash(text: str, name: str, says: str) -> None:
    found = sladsl.evaluate(MODELS["izy"], read_timeline(text, name))
    assert [(d.code, d.message) for d in found.rejected] == [("E0315", says)]
    # The lines a streamed check writes, and the text, can be written (the record never reaches them).
    render_json(found, "izy.sla", name)


def test_a_broken_record_in_an_array_costs_that_record_only() -> None:
    """The reader finds where a broken record ends by its brackets, and reads on from there; only when they never
    close can it not tell where the next record begins, and then it says the rest is not read."""
    text = '[{"type": "customer", "id": "a"}, {"x": NaN}, {"type": "customer", "id": "b"}]'
    found = sladsl.evaluate(MODELS["izy"], read_timeline(text, "t.json"))
    [problem] = found.rejected
    assert problem.message == "`NaN` is not a number JSON allows"
    assert (problem.span.line, problem.span.column) == (1, 35)  # type: ignore[union-attr]
    assert (found.records.read, found.records.evaluated) == (3, 2)
    text = '[{"type": "customer", "id": "a"}, {"x": [1, 2}, {"type": "customer", "id": "b"}'
    found = sladsl.evaluate(MODELS["izy"], read_timeline(text, "t.json"))
    [problem] = found.rejected
    assert problem.message.endswith("; its brackets never close, so the array is not read past it")
    assert problem.help is not None and "JSON Lines" in problem.help
    assert (found.records.read, found.records.evaluated) == (2, 1)
