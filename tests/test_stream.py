"""The streamed check (`--format jsonl`): the same figures as the whole-file check, in memory that does not grow
with the timeline, and the same bytes whatever the number of jobs."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import signal
import subprocess
import sys
import time
import tracemalloc
import zoneinfo
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import sladsl
from bench.generate import write
from sladsl import stream
from sladsl.clock import LocalTimes, TimestampError, local, parse_instant, parse_instant_slowly
from sladsl.interpreter import evaluate
from sladsl.render import render_json
from sladsl.source import Source, Span
from sladsl.stream import CHUNK, Engine, Progress, Seen, _Open, _Shelf, check_stream, lines, parse
from sladsl.timeline import Event, Incident, read_timeline
from tests.helpers import BAD_TIMELINES, ROOT

VENDORS = ["izy", "opti-q", "isl-online", "zegal", "cloudcti"]


def agreement(vendor: str) -> Any:
    path = ROOT / "agreements" / f"{vendor}.sla"
    return sladsl.load(path.read_text(encoding="utf-8"), str(path)).agreement


def streamed(model: Any, timeline: Path, **options: Any) -> list[dict[str, Any]]:
    out = io.BytesIO()
    check_stream(model, "agreement.sla", str(timeline), out, **options)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def of_type(found: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [{k: v for k, v in line.items() if k != "type"} for line in found if line["type"] == kind]


def assert_same_as_whole_file(model: Any, timeline: Path) -> None:
    """Every figure of the streamed check equals the whole-file check's (`--format json`)."""
    records = read_timeline(Source(str(timeline), timeline.read_text(encoding="utf-8")), model)
    whole = render_json(evaluate(model, records), "agreement.sla", str(timeline), records.rejected)
    found = streamed(model, timeline)
    targets = [{k: v for k, v in t.items() if k != "notes"} for t in whole["targets"]]
    assert sorted(of_type(found, "target"), key=json.dumps) == sorted(targets, key=json.dumps)
    assert of_type(found, "kpi") == whole["kpis"]
    assert of_type(found, "availability") == whole["availability"]
    assert of_type(found, "credit") == whole["credits"]
    assert of_type(found, "total") == whole["totals"]
    summary = found[-1]
    assert summary["type"] == "summary"
    assert summary["breaches"] == whole["summary"]["breaches"]
    assert summary["records"] == {k: whole["records"][k] for k in ("read", "evaluated", "rejected")}
    assert summary["as_of"] == whole["as_of"]


@pytest.mark.parametrize("vendor", VENDORS)
def test_streamed_check_matches_the_whole_file_check(vendor: str) -> None:
    assert_same_as_whole_file(agreement(vendor), ROOT / "agreements" / f"{vendor}.timeline.jsonl")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write(tmp_path_factory.mktemp("stream") / "generated.jsonl", 3000, customers=7, years=2, seed=7)


def test_streamed_check_matches_on_a_generated_timeline(generated: Path) -> None:
    """Thousands of incidents at all hours over DST weekends and holidays, resolutions, outages."""
    assert_same_as_whole_file(agreement("izy"), generated)


@pytest.mark.parametrize("path", BAD_TIMELINES, ids=lambda p: p.stem)
def test_every_streamed_record_is_accounted_for(path: Path) -> None:
    found = streamed(agreement("izy"), path)
    records = found[-1]["records"]
    assert records["read"] == records["evaluated"] + records["rejected"]
    assert records["rejected"] == len(of_type(found, "rejected"))
    assert path.name[:5] in {d["code"] for d in of_type(found, "rejected") + of_type(found, "warning")}


def test_a_record_after_its_incident_was_decided_is_rejected_not_applied() -> None:
    path = ROOT / "tests" / "data" / "bad" / "E0316-record-after-its-incident-was-decided.jsonl"
    found = streamed(agreement("izy"), path)
    (rejected,) = of_type(found, "rejected")
    assert (rejected["code"], rejected["span"]["line"]) == ("E0316", 3)
    assert "severity_changed arrives after incident `INC-1` was decided" in rejected["message"]
    (target,) = of_type(found, "target")
    assert (target["severity"], target["status"]) == ("C", "met")  # the late change did not touch it
    # The update on line 4 is a kind Izy's agreement never uses: read and kept, as the whole-file check does.
    assert found[-1]["records"] == {"read": 4, "evaluated": 3, "rejected": 1}


def test_a_record_after_its_incident_was_decided_renders(monkeypatch: pytest.MonkeyPatch, snapshot: Any) -> None:
    """The lines a reader meets for E0316, locked: the target written before the late record, the rejection with
    its file:line:col and help, and a summary that still adds up."""
    monkeypatch.chdir(ROOT)
    out = io.BytesIO()
    name = "tests/data/bad/E0316-record-after-its-incident-was-decided.jsonl"
    check_stream(agreement("izy"), "agreements/izy.sla", name, out)
    assert out.getvalue().decode("utf-8") == snapshot


def test_a_second_report_of_a_decided_incident_is_caught(tmp_path: Path) -> None:
    path = tmp_path / "twice.jsonl"
    rows = [
        {"type": "reported", "incident": "INC-1", "severity": "A", "at": "2025-04-16T10:00:00+02:00"},
        {"type": "response", "incident": "INC-1", "at": "2025-04-16T10:30:00+02:00"},
        {"type": "reported", "incident": "INC-1", "severity": "B", "at": "2025-04-17T10:00:00+02:00"},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    found = streamed(agreement("izy"), path)
    assert [(r["code"], r["span"]["line"]) for r in of_type(found, "rejected")] == [("E0311", 3)]
    assert len(of_type(found, "target")) == 1


def test_only_undecided_incidents_are_held(generated: Path) -> None:
    """Memory follows the incidents still open, not the timeline: at no line are more held than the
    incidents reported and not yet answered (the generator answers within days, or never: 3 in 100)."""
    model = agreement("izy")
    engine = Engine(model, str(generated), lambda key, line: None, as_of=None, explain=False)
    held = []
    with generated.open("rb") as handle:
        for number, offset, body in lines(handle):
            engine.line(number, offset, body, parse(body))
            held.append(len(engine.open) + len(engine.shelved) + len(engine.waiting))
    never_answered = 3000 - sum(1 for line in generated.read_text().splitlines() if '"response"' in line)
    assert max(held) <= never_answered + 40
    assert engine.decided.count == 3000 - len(engine.open) - len(engine.shelved)


def fed(engine: Engine, timeline: Path) -> Engine:
    """The engine after every line of the timeline, before the end of input."""
    with timeline.open("rb") as handle:
        for number, offset, body in lines(handle):
            engine.line(number, offset, body, parse(body))
    return engine


def test_a_held_incident_is_small(generated: Path) -> None:
    """An incident never answered is held until the input ends, so at 10 million incidents there are 300,000
    of them: each holds no event list and no set, and shares its customer and channel strings with the rest."""
    model = agreement("izy")
    engine = fed(Engine(model, str(generated), lambda key, line: None, as_of=None, explain=False), generated)
    held = list(engine.open.values())
    assert len(held) > 50
    assert all(state.events is None and state.kinds == 0 for state in held)
    customers = {state.customer: state.customer for state in held}
    channels = {state.channel: state.channel for state in held}
    assert len(customers) == 7 and len(channels) == 2
    assert all(state.customer is customers[state.customer] for state in held)
    assert all(state.channel is channels[state.channel] for state in held)
    assert all(state.where == str(generated) for state in held)  # a whole line: the span is made again
    assert all(sys.getsizeof(state) <= 112 for state in held)  # pymalloc's 112-byte class, GC header and all
    assert all(sys.getsizeof(state.place) <= 48 for state in held)  # offset, line and length: one integer

    # Swept every 64 reports, those reported before the last sweep but one are on the shelf: one integer each,
    # which comes off it as the same incident.
    shelving = Engine(model, str(generated), lambda key, line: None, as_of=None, explain=False)
    shelving.sweep = 64
    fed(shelving, generated)
    assert shelving.open.keys() | shelving.shelved.keys() == engine.open.keys()
    assert not shelving.open.keys() & shelving.shelved.keys()
    shelved = shelving.shelved
    assert len(shelved) >= len(held) - 2 * 64
    assert len(shelving.open) <= 2 * 64  # what a sweep looks at: the last two sweeps' reports, not all held
    assert all(sys.getsizeof(packed) <= 48 for packed in shelved.values())
    assert len(shelving.shelf.profiles) <= 7 * 4 * 2  # customers, severities, channels
    for ident, packed in shelved.items():
        state, again = engine.open[ident], shelving.shelf.unpack(ident, packed)
        assert again.incident() == state.incident()
        assert attrs.astuple(again.incident().where) == attrs.astuple(state.incident().where)


@settings(max_examples=300, deadline=None)
@given(
    start=st.integers(0, 1 << 40),
    length=st.integers(0, 1 << 22),  # past what `place` packs (2**21 - 1): such a span is kept whole
    line=st.integers(1, 1 << 32),
    column=st.integers(1, 3),
    more_lines=st.integers(0, 2),
    end_column=st.integers(1, 1 << 20),
)
# At and just past the largest length and line that `place` packs.
@example(start=1 << 40, length=(1 << 21) - 1, line=(1 << 31) - 1, column=1, more_lines=0, end_column=1)
@example(start=0, length=1 << 21, line=1, column=1, more_lines=0, end_column=1)
@example(start=0, length=0, line=1 << 31, column=1, more_lines=0, end_column=1)
def test_a_held_incident_is_made_again_exactly(
    *, start: int, length: int, line: int, column: int, more_lines: int, end_column: int
) -> None:
    """Whole lines (column 1, one line, the length + 1 as end column) and any other span alike."""
    whole = Span("t.jsonl", start, start + length, line, 1, line, length + 1)
    packed = isinstance(_Open(Incident("INC-1", "cust", "A", None, "email", 0, whole)).where, str)
    assert packed == (length < 1 << 21 and line < 1 << 31)
    for where in (
        Span("t.jsonl", start, start + length, line, 1, line, length + 1),
        Span("t.jsonl", start, start + length, line, column, line + more_lines, end_column),
    ):
        incident = Incident("INC-1", "cust", "A", None, "email", 1_700_000_000, where)
        again = _Open(incident).incident()
        assert again == incident
        assert attrs.astuple(again.where) == attrs.astuple(where)


@settings(max_examples=200, deadline=None)
@given(
    start=st.integers(0, 1 << 40),
    length=st.integers(0, (1 << 21) - 1),
    line=st.integers(1, (1 << 31) - 1),
    reported=st.integers(0, (1 << 33)),  # past what the shelf packs (2**32 - 1): such an incident stays open
    customer=st.sampled_from(["cust-1", "cust-2", ""]),
    severity=st.sampled_from(["A", "B"]),
    plan=st.sampled_from([None, "gold"]),
    channel=st.sampled_from([None, "email", "phone"]),
)
@example(start=0, length=0, line=1, reported=(1 << 32) - 1, customer="c", severity="A", plan=None, channel=None)
@example(start=0, length=0, line=1, reported=1 << 32, customer="c", severity="A", plan=None, channel=None)
def test_a_shelved_incident_comes_off_the_shelf_exactly(
    *,
    start: int,
    length: int,
    line: int,
    reported: int,
    customer: str,
    severity: str,
    plan: str | None,
    channel: str | None,
) -> None:
    shelf = _Shelf("t.jsonl")
    where = Span("t.jsonl", start, start + length, line, 1, line, length + 1)
    incident = Incident("INC-1", customer, severity, plan, channel, reported, where)
    packed = shelf.pack(_Open(incident))
    assert (packed is not None) == (reported < 1 << 32)
    if packed is not None:
        assert shelf.line(packed) == line and shelf.reported(packed) == reported
        again = shelf.unpack("INC-1", packed).incident()
        assert again == incident
        assert attrs.astuple(again.where) == attrs.astuple(where)


def test_what_cannot_be_packed_stays_open() -> None:
    """An incident with an event, or whose span is not a whole line of this timeline, is left as it is."""
    shelf = _Shelf("t.jsonl")
    whole = Span("t.jsonl", 0, 10, 1, 1, 1, 11)
    assert shelf.pack(_Open(Incident("INC-1", "c", "A", None, None, 0, whole))) is not None
    other = Span("other.jsonl", 0, 10, 1, 1, 1, 11)
    assert shelf.pack(_Open(Incident("INC-1", "c", "A", None, None, 0, other))) is None
    inner = Span("t.jsonl", 3, 10, 1, 4, 1, 11)
    assert shelf.pack(_Open(Incident("INC-1", "c", "A", None, None, 0, inner))) is None
    answered = _Open(Incident("INC-1", "c", "A", None, None, 0, whole))
    answered.add(Event("INC-1", "response", 60, None, whole))
    assert shelf.pack(answered) is None


def padded(timeline: Path, folder: Path) -> Path:
    """The timeline with two unanswered incidents reported after each report, like it: every incident then waits
    through two sweeps before its first event, and is shelved when a sweep runs after every report."""
    out = []
    for line in timeline.read_text(encoding="utf-8").splitlines():
        out.append(line)
        record = json.loads(line) if line.strip() else None
        if record and record.get("type") == "reported":
            for n in (1, 2):
                out.append(json.dumps({**record, "incident": f"{record['incident']}-pad-{n}"}))
    path = folder / f"padded-{timeline.name}"
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(("vendor", "sweep"), [*((v, 1) for v in VENDORS), ("generated", 1), ("generated", 3)])
def test_shelving_changes_no_result(
    vendor: str, sweep: int, generated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a sweep after every report (or every third), incidents that wait for their first event are shelved,
    and taken off the shelf when it comes (pauses, severity changes, updates and all): the output is byte for
    byte the same."""
    model = agreement("izy" if vendor == "generated" else vendor)
    bundled = ROOT / "agreements" / f"{vendor}.timeline.jsonl"
    timeline = generated if vendor == "generated" else padded(bundled, tmp_path)

    def output() -> bytes:
        out = io.BytesIO()
        check_stream(model, "agreement.sla", str(timeline), out)
        return out.getvalue()

    expected = output()
    taken: list[tuple[str, bool]] = []  # each incident taken off the shelf, and whether the input had ended
    unpack, end_of_input = _Shelf.unpack, Engine.end_of_input

    def counted(shelf: _Shelf, ident: str, packed: int) -> _Open:
        taken.append((ident, ended[0]))
        return unpack(shelf, ident, packed)

    ended = [False]

    def end(engine: Engine, as_of: int) -> None:
        ended[0] = True
        end_of_input(engine, as_of)

    monkeypatch.setattr(stream, "SWEEP", sweep)
    monkeypatch.setattr(_Shelf, "unpack", counted)
    monkeypatch.setattr(Engine, "end_of_input", end)
    assert output() == expected
    # Incidents came off the shelf when an event came for them, not only when the input ended.
    assert any(not at_end and "-pad-" not in ident for ident, at_end in taken)


def test_a_second_report_of_a_shelved_incident_names_the_first_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "twice.jsonl"
    rows = [
        {"type": "reported", "incident": f"INC-{n}", "severity": "A", "at": f"2025-04-16T1{n}:00:00+02:00"}
        for n in (1, 2, 3, 1)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    monkeypatch.setattr(stream, "SWEEP", 1)
    found = streamed(agreement("izy"), path)
    (rejected,) = of_type(found, "rejected")
    assert (rejected["code"], rejected["span"]["line"]) == ("E0311", 4)
    assert rejected["help"] == "the first report is at line 1"


class _Discard(io.RawIOBase):
    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        return len(data)


def test_streaming_does_not_hold_its_output(generated: Path) -> None:
    """Memory, not time: the peak of Python's allocations while 3,000 incidents are streamed. The parts: the
    read chunk and its split copy (1 MB each), the output block (1 MB), held incidents, caches. Holding the
    result lines themselves (each `orjson.dumps` result pins 4 KB) took 32 MB here."""
    model = agreement("izy")
    check_stream(model, "agreement.sla", str(generated), _Discard())  # the clock compiled, the zone read
    tracemalloc.start()
    try:
        check_stream(model, "agreement.sla", str(generated), _Discard())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2 * CHUNK + (1 << 20) + 4_000_000


def test_availability_periods_are_written_not_held(tmp_path: Path) -> None:
    """A year of outages every 4 hours (2,190) that apply to all 60 customers: 131,400 outage shares over the
    customers' months. Each period is written as it is made, so the peak stays near what one job holds to read
    and write; keeping the periods whole took 19 MB here."""
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
    model = agreement("izy")
    tracemalloc.start()
    try:
        out = _Counted()
        check_stream(model, "agreement.sla", str(path), out)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert out.lines["availability"] == 60 * 12
    assert out.shares == 60 * 2190
    assert peak < 2 * CHUNK + (1 << 20) + 4_000_000


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
        return command(
            "check", "--format", "jsonl", "--jobs", str(jobs), ROOT / "agreements" / "izy.sla", generated
        )

    one, two = check(1), check(2)
    assert one.returncode == two.returncode == 1  # breaches
    assert one.stdout == two.stdout
    assert len(one.stdout.splitlines()) > 3000
    assert b"checking [" not in one.stderr + two.stderr  # progress is drawn only on a terminal


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_failure_inside_a_job_is_reported_not_hung_on(jobs: str) -> None:
    """A deadline the calendar cannot reach (E0221) stops the run with its diagnostic and exit 2, whether it
    happens in the only job or in a --jobs worker (which once left the parent waiting for ever)."""
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
    what happened. Every worker once held copies of the others' pipe ends, so the parent never saw the dead
    one's pipe close and waited for ever."""
    timeline = write(tmp_path / "big.jsonl", 60_000, seed=3)
    sla = ROOT / "agreements" / "izy.sla"
    run = subprocess.Popen(
        [sys.executable, "-m", "sladsl", "check", "--format", "jsonl", "--jobs", "2", str(sla), str(timeline)],
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
    write the same bytes."""
    rows = [
        '{"type": "customer", "id": "acme", "fee": "100", "meta": {"type": "customer"}}',
        '{"type": "reported", "incident": "INC-\\u0031", "customer": "acme", "severity": "A",'
        ' "at": "2025-04-16T10:00:00+02:00"}',
        '{"type": "response", "incident": "INC-1", "at": "2025-04-16T10:30:00+02:00"}',
        '{"type": "reported", "incident": "INC-2", "severity": "B", "at": "2025-04-16T11:00:00+02:00",'
        ' "channel": "incident"}',
        '{"type": "response", "meta": {"incident": "INC-2"}, "at": "2025-04-16T11:30:00+02:00"}',
        '{"type":"response","incident":"INC-2","at":"2025-04-16T12:30:00+02:00"}',
        '{"type": "reported", "incident": "INC-3", "incident": "INC-4", "severity": "A",'
        ' "at": "2025-04-16T12:00:00+02:00"}',
        '{"type": "response", "incident": "INC-4", "at": "2025-04-16T13:00:00+02:00"}',
        '["type", "incident"]',
        '"incident"',
        "not json",
    ]
    path = tmp_path / "odd.jsonl"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    model = agreement("izy")
    outputs = []
    for jobs in (1, 2, 3):
        out = io.BytesIO()
        check_stream(model, "izy.sla", str(path), out, jobs=jobs)
        outputs.append(out.getvalue())
    assert outputs[0] == outputs[1] == outputs[2]
    found = [json.loads(line) for line in outputs[0].splitlines()]
    assert [(t["incident"], t["status"]) for t in of_type(found, "target")] == [
        ("INC-1", "met"),  # its report names it with an escape; its response plainly
        ("INC-2", "met"),
        ("INC-4", "met"),  # the last of a duplicated key wins, as JSON parsers read it
    ]
    assert found[-1]["records"] == {"read": 11, "evaluated": 7, "rejected": 4}


def test_jobs_needs_the_streamed_format() -> None:
    result = command(
        "check", "--jobs", "2", ROOT / "agreements" / "izy.sla", ROOT / "agreements" / "izy.timeline.jsonl"
    )
    assert result.returncode == 2
    assert b"--jobs needs --format jsonl" in result.stderr


def test_period_filter_matches_the_whole_file_check() -> None:
    model = agreement("isl-online")
    timeline = ROOT / "agreements" / "isl-online.timeline.jsonl"
    records = read_timeline(Source(str(timeline), timeline.read_text(encoding="utf-8")), model)
    zone = zoneinfo.ZoneInfo("Europe/Ljubljana")
    lo = int(dt.datetime(2025, 4, 1, tzinfo=zone).timestamp())
    hi = int(dt.datetime(2025, 7, 1, tzinfo=zone).timestamp())
    whole = render_json(evaluate(model, records).within(lo, hi), "agreement.sla", str(timeline))
    found = streamed(model, timeline, window=(lo, hi))
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
    (target,) = of_type(streamed(agreement("izy"), path), "target")
    assert (target["status"], target["margin_seconds"]) == ("breached", -3600)


# -- the integer paths against their definitions ----------------------------------------------------------


@settings(max_examples=500, deadline=None)
@given(
    st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30)),
    st.integers(min_value=-14 * 3600, max_value=14 * 3600),
    st.sampled_from(["seconds", "minutes", "microseconds", "auto"]),
    st.booleans(),
)
def test_fast_timestamp_parsing_agrees_with_the_definition(
    moment: dt.datetime, offset: int, spec: str, zulu: bool
) -> None:
    text = moment.replace(tzinfo=dt.timezone(dt.timedelta(seconds=offset))).isoformat(timespec=spec)
    if zulu and offset == 0:
        text = text.replace("+00:00", "Z")

    def outcome(parse_it: Any) -> Any:
        try:
            return parse_it(text)
        except TimestampError as error:
            return (error.code, str(error))

    assert outcome(parse_instant) == outcome(parse_instant_slowly)


@pytest.mark.parametrize("zone", ["Europe/Oslo", "Australia/Lord_Howe", "Asia/Kolkata", "America/St_Johns", "UTC"])
@settings(max_examples=300, deadline=None)
@given(instant=st.integers(min_value=-2_000_000_000, max_value=4_000_000_000))
def test_local_text_agrees_with_the_zone_database(zone: str, instant: int) -> None:
    times = LocalTimes(zone)
    assert times.iso(instant) == local(instant, zone).isoformat()
    assert times.iso(instant) == local(instant, zone).isoformat()  # again, from what it remembered


def test_seen_holds_many_ids() -> None:
    seen = Seen()
    ids = [f"INC-{n}" for n in range(200_000)]
    for ident in ids[::2]:
        seen.add(ident)
    seen.add(ids[0])  # a second time: counted once
    assert seen.count == 100_000
    assert sum(len(shard) for shard in seen.shards) == 100_000
    assert all(list(shard) == sorted(shard) for shard in seen.shards)
    assert all(ident in seen for ident in ids[::2])
    assert not any(ident in seen for ident in ids[1::2])


@settings(max_examples=200, deadline=None)
@given(steps=st.lists(st.tuples(st.booleans(), st.text(max_size=6)), max_size=200))
def test_seen_answers_as_a_set_does(steps: list[tuple[bool, str]]) -> None:
    seen, plain = Seen(), set[str]()
    for adding, ident in steps:
        if adding:
            seen.add(ident)
            plain.add(ident)
        assert (ident in seen) == (ident in plain)
    assert seen.count == len(plain)


@pytest.mark.parametrize("vendor", VENDORS)
def test_standard_input_is_checked_as_the_file_is(vendor: str) -> None:
    """`-` reads the timeline from standard input: every format gives the file's output, named `<stdin>`."""
    sla, timeline = ROOT / "agreements" / f"{vendor}.sla", ROOT / "agreements" / f"{vendor}.timeline.jsonl"
    for output in ("jsonl", "json", "text"):
        from_file = command("check", "--format", output, sla, timeline)
        piped = command("check", "--format", output, sla, "-", stdin=timeline.read_bytes())
        assert piped.returncode == from_file.returncode
        assert b"<stdin>" in piped.stdout
        assert piped.stdout == from_file.stdout.replace(str(timeline).encode(), b"<stdin>")


def test_standard_input_streams_json_lines_and_reads_an_array_whole(generated: Path, tmp_path: Path) -> None:
    sla = ROOT / "agreements" / "izy.sla"
    records = [json.loads(line) for line in generated.read_text(encoding="utf-8").splitlines()]
    array = tmp_path / "generated.json"
    array.write_text("\n\n  " + json.dumps(records, indent=1), encoding="utf-8")  # white space before the `[`
    for path in (generated, array):
        from_file = command("check", "--format", "jsonl", sla, path)
        piped = command("check", "--format", "jsonl", sla, "-", stdin=path.read_bytes())
        assert from_file.returncode == 1
        assert piped.returncode == from_file.returncode
        assert piped.stdout == from_file.stdout.replace(str(path).encode(), b"<stdin>")
        assert len(piped.stdout.splitlines()) > 3000


def test_records_read_from_standard_input_are_placed_in_it() -> None:
    sla = ROOT / "agreements" / "izy.sla"
    bad = (ROOT / "tests" / "data" / "bad" / "E0304-naive-timestamp.jsonl").read_bytes()
    found = [
        json.loads(line) for line in command("check", "--format", "jsonl", sla, "-", stdin=bad).stdout.splitlines()
    ]
    rejected = of_type(found, "rejected")
    assert [(r["code"], r["span"]["file"], r["span"]["line"], r["span"]["column"]) for r in rejected] == [
        ("E0304", "<stdin>", 1, 66)
    ]
    binary = (ROOT / "tests" / "data" / "bad" / "E0315-binary-timeline.jsonl").read_bytes()
    whole = command("check", sla, "-", stdin=binary)  # the text report reads it whole: the file is refused
    assert whole.returncode == 2
    assert b"error[E0315]" in whole.stderr
    assert b"--> <stdin>:2:1" in whole.stderr


def test_standard_input_is_read_by_one_job() -> None:
    sla, timeline = ROOT / "agreements" / "izy.sla", ROOT / "agreements" / "izy.timeline.jsonl"
    result = command("check", "--format", "jsonl", "--jobs", "2", sla, "-", stdin=timeline.read_bytes())
    assert result.returncode == 2
    assert b"--jobs needs a timeline file: standard input is read by one job" in result.stderr
    assert result.stdout == b""


def test_progress_without_a_total_says_how_much_was_read(capsys: pytest.CaptureFixture[str]) -> None:
    progress = Progress(None)
    progress.on, progress.shown = True, progress.shown - 1
    progress(3_000_000)
    drawn = capsys.readouterr().err
    assert "checking  3 MB read" in drawn
    assert "[" not in drawn  # no bar: the size of standard input is not known


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_says_what_comes_after_the_input(generated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Once the bar is full, a long stream still has work to do: the incidents never answered are decided, then
    the periods. On a terminal the line says so, and is cleared at the end."""
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    check_stream(agreement("izy"), "agreement.sla", str(generated), io.BytesIO())
    records = [json.loads(line) for line in generated.read_text().splitlines()]
    reported = {r["incident"] for r in records if r["type"] == "reported"}
    answered = {r["incident"] for r in records if r["type"] == "response"}
    drawn = terminal.getvalue().split("\r")
    said = [part.strip() for part in drawn if part.strip()]
    bar = [line for line in said if line.startswith("checking [")]  # drawn at most four times a second
    assert said[len(bar) :] == [
        f"checking: deciding the {len(reported - answered):,} incidents still open",
        "checking: availability, credits and totals",
    ]
    assert drawn[-1] == "" and drawn[-2] == " " * 78  # cleared


def test_diff_and_report_read_standard_input_too(tmp_path: Path) -> None:
    sla, timeline = ROOT / "agreements" / "izy.sla", ROOT / "agreements" / "izy.timeline.jsonl"
    from_file = command("diff", sla, sla, timeline)
    piped = command("diff", sla, sla, "-", stdin=timeline.read_bytes())
    assert piped.returncode == from_file.returncode == 0
    assert piped.stdout == from_file.stdout.replace(str(timeline).encode(), b"<stdin>")
    pages = tmp_path / "file.html", tmp_path / "piped.html"
    assert command("report", sla, timeline, "--html", pages[0]).returncode == 0
    assert command("report", sla, "-", "--html", pages[1], stdin=timeline.read_bytes()).returncode == 0
    page = pages[1].read_text(encoding="utf-8")
    assert "&lt;stdin&gt;" in page
    assert page == pages[0].read_text(encoding="utf-8").replace(str(timeline), "&lt;stdin&gt;")


def test_a_closed_standard_input_is_a_usage_error() -> None:
    sla = ROOT / "agreements" / "izy.sla"
    for output in ("jsonl", "text"):
        result = subprocess.run(
            [sys.executable, "-m", "sladsl", "check", "--format", output, str(sla), "-"],
            capture_output=True,
            check=False,
            timeout=300,
            preexec_fn=lambda: os.close(0),  # the child starts with no descriptor 0
        )
        assert result.returncode == 2, result.stderr
        assert b"the timeline is `-`, but standard input is closed" in result.stderr
        assert b"Traceback" not in result.stderr
