"""Streaming `check`: a JSON Lines timeline in, one JSON line per result out, in memory that follows the
incidents still open (and 8 bytes for each one decided).

Records are read a chunk at a time and validated by the same reader as the whole-file path. Each incident is
held only until it is *decided*: its report is in, an event has arrived for every target kind that applies to
it (and the resolution, when it has an update cadence), no pause is open, and its plan is known. It is then
evaluated by the same `Run` as the whole-file path, its verdicts are written at once, and all that is kept is
a fingerprint of its id (to catch a second report), its KPI counts, and the verdicts that may earn a credit.
Incidents still open at the end of input are decided then, as of the final instant.

What streaming asks of a timeline, beyond what the whole-file formats accept: a record for an incident that
was already decided, of a kind the agreement uses, is rejected (E0316) rather than silently changing a result
already written. Records of kinds the agreement never uses are accepted, as the whole-file path accepts them.

`--jobs N` runs N workers over the same file. A record that names an incident belongs to the worker that its
id hashes to; every other record belongs to worker 0, and all workers read customer records for plans. Each
worker writes its lines with a sort key (the line that decided them), the parent merges them in key order and
then computes the per-period results from the workers' counts. The output is byte for byte that of one job.
A timeline named `-` is standard input: JSON Lines are streamed by one job, a JSON array is read whole.

Line kinds (`type`): `header`, `target`, `rejected`, `warning`, `kpi`, `availability`, `credit`, `total` and a
final `summary`. Schema `sladsl.check-lines/1`, documented in the README.
"""

from __future__ import annotations

import array
import bisect
import contextlib
import heapq
import json
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

import attrs
import orjson

from sladsl import model
from sladsl.clock import LocalTimes
from sladsl.diagnostics import Diagnostic, decode
from sladsl.diagnostics import to_json as diagnostic_json
from sladsl.interpreter import KpiTally, Population, Report, Run, TargetVerdict, _selects
from sladsl.render import availability_json, award_json, kpi_json, target_json, totals_json
from sladsl.source import STDIN, STDIN_NAME, Source, Span
from sladsl.timeline import (
    EVENT_TYPES,
    Event,
    Incident,
    _no_constant,
    _Reader,
    _records,
    _Reject,
    _why,
    conflicting_outages,
)

SCHEMA = "sladsl.check-lines/1"
CHUNK = 1 << 20
SWEEP = 1 << 16  # reports between two sweeps that shelve the incidents still waiting for an event
STDIN_ONE_JOB = "--jobs needs a timeline file: standard input is read by one job"
_AFTER_INPUT = 1 << 62  # sort keys of what is decided at the end of input come after every line
_TARGET_KINDS: tuple[model.TargetKind, ...] = ("response", "restore", "resolution")
Key = tuple[int, int, str]
Emit = Callable[[Key, bytes], None]


class Seen:
    """A set of strings kept as their 64-bit fingerprints, in 4,096 sorted arrays chosen by the fingerprint's
    low bits: 8.5 bytes an id where a set of strings takes about 100, and no moment when the whole set is held
    twice (as when a hash table doubles). Two ids with the same fingerprint would be taken for one; among 10
    million ids the chance of that is about 3 in a million."""

    SHARDS = 1 << 12

    def __init__(self) -> None:
        self.shards = [array.array("q") for _ in range(self.SHARDS)]
        self.count = 0

    def __contains__(self, key: str) -> bool:
        fingerprint = hash(key)
        shard = self.shards[fingerprint & (self.SHARDS - 1)]
        i = bisect.bisect_left(shard, fingerprint)
        return i < len(shard) and shard[i] == fingerprint

    def add(self, key: str) -> None:
        fingerprint = hash(key)
        shard = self.shards[fingerprint & (self.SHARDS - 1)]
        i = bisect.bisect_left(shard, fingerprint)
        if i == len(shard) or shard[i] != fingerprint:
            shard.insert(i, fingerprint)
            self.count += 1


_BIT = {kind: 1 << i for i, kind in enumerate(EVENT_TYPES)}  # the kinds of an incident's events, as bits
_CHANGED = _BIT["severity_changed"]


def _bits(kinds: Iterable[str]) -> int:
    return sum(_BIT[k] for k in set(kinds))


_LENGTH_BITS, _LINE_BITS = 21, 31  # a held record's place: its offset, line and length in one integer
_LENGTH_MASK, _LINE_MASK = (1 << _LENGTH_BITS) - 1, (1 << _LINE_BITS) - 1


def _line_of(place: int) -> int:
    """The line number that a packed place holds."""
    return place >> _LENGTH_BITS & _LINE_MASK


class _Open:
    """An incident not decided yet. Many are held at once (every incident that is never answered is held
    until the input ends: 300,000 of 10 million in the benchmark), so it is one small object: the report's
    fields; no list until its first event; its event kinds as bits; and where its record is. For the usual
    whole line, `where` is only the file's name and `place` packs the line's offset, number and length into
    one integer (48 bytes, where three took 96); the span is made again when the incident is decided. Ten
    slots fit pymalloc's 112-byte class. One that waits long for its first event goes on the `_Shelf`."""

    __slots__ = ("channel", "customer", "events", "id", "kinds", "place", "plan", "reported", "severity", "where")

    def __init__(self, incident: Incident) -> None:
        self.id, self.customer, self.severity = incident.id, incident.customer, incident.severity
        self.plan, self.channel, self.reported = incident.plan, incident.channel, incident.reported
        where = incident.where
        line, length = where.line, where.end - where.start
        whole_line = where.column == 1 and where.end_line == line and where.end_column == length + 1
        if whole_line and length <= _LENGTH_MASK and line <= _LINE_MASK:
            self.where: Span | str = where.file
            self.place = ((where.start << _LINE_BITS | line) << _LENGTH_BITS) | length
        else:
            self.where, self.place = where, 0
        self.events: list[Event] | None = None
        self.kinds = 0

    @property
    def line(self) -> int:
        where = self.where
        return where.line if isinstance(where, Span) else _line_of(self.place)

    def incident(self) -> Incident:
        """The incident as the reader made it (its span equal in every field)."""
        where = self.where
        if isinstance(where, str):
            start, line, length = self.place >> (_LINE_BITS + _LENGTH_BITS), self.line, self.place & _LENGTH_MASK
            where = Span(where, start, start + length, line, 1, line, length + 1)
        return Incident(self.id, self.customer, self.severity, self.plan, self.channel, self.reported, where)

    def add(self, event: Event) -> None:
        if self.events is None:
            self.events = [event]
        else:
            self.events.append(event)
        self.kinds |= _BIT[event.kind]

    def in_order(self) -> list[Event]:
        return sorted(self.events, key=_event_order) if self.events else []


_PROFILE_BITS, _REPORTED_BITS = 24, 32  # a shelved incident: its place, report instant and profile's index
_PROFILE_MASK, _REPORTED_MASK = (1 << _PROFILE_BITS) - 1, (1 << _REPORTED_BITS) - 1
_PLACE_SHIFT = _REPORTED_BITS + _PROFILE_BITS


class _Shelf:
    """Incidents held a long time with nothing but their report, each packed into one integer: most of them
    are never answered and stay until the input ends. An `_Open` with its id costs about 290 bytes; a packed
    incident about 150 (the id, its entry in the table of shelved incidents, and a 48-byte integer holding the
    record's place, the report's instant and the index of its profile). A profile is a customer, severity, plan
    and channel together; there are few of them, and each is kept once. An incident comes off the shelf as an
    `_Open` again when an event arrives for it, or when it is decided at the end of input."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.profiles: list[tuple[str, str, str | None, str | None]] = []
        self.index: dict[tuple[str, str, str | None, str | None], int] = {}

    def pack(self, state: _Open) -> int | None:
        """The incident as one integer, or None when it cannot be packed: it has events, its span is not a
        whole line of this timeline, or its instant or profile does not fit."""
        where = state.where
        if state.events is not None or not isinstance(where, str) or where != self.name:
            return None
        if not 0 <= state.reported <= _REPORTED_MASK:
            return None
        profile = (state.customer, state.severity, state.plan, state.channel)
        found = self.index.get(profile)
        if found is None:
            if len(self.profiles) > _PROFILE_MASK:
                return None
            found = self.index[profile] = len(self.profiles)
            self.profiles.append(profile)
        return (state.place << _REPORTED_BITS | state.reported) << _PROFILE_BITS | found

    def unpack(self, ident: str, packed: int) -> _Open:
        state = _Open.__new__(_Open)
        state.id, state.where = ident, self.name
        state.customer, state.severity, state.plan, state.channel = self.profiles[packed & _PROFILE_MASK]
        state.reported = self.reported(packed)
        state.place = packed >> _PLACE_SHIFT
        state.events, state.kinds = None, 0
        return state

    @staticmethod
    def line(packed: int) -> int:
        return _line_of(packed >> _PLACE_SHIFT)

    @staticmethod
    def reported(packed: int) -> int:
        return packed >> _PROFILE_BITS & _REPORTED_MASK


class _LineReader(_Reader):
    """The timeline reader, fed one line at a time; where records go is the engine's business."""

    def __init__(self, agreement: model.Agreement, name: str, engine: Engine) -> None:
        super().__init__(Source(name, ""), agreement)
        self.engine = engine
        self.line = b""
        self.quiet = False  # a customer record read by a worker that does not own it: no count, no diagnostic

    def record_text(self, where: Span) -> str:
        return self.line.decode("utf-8", errors="replace").strip()

    def inner_span(self, where: Span, start: int, end: int) -> Span:
        return Span(where.file, where.start + start, where.start + end, where.line, start + 1, where.line, end + 1)

    def reject(
        self, where: Span, code: str, message: str, help_text: str | None = None, key: str | None = None
    ) -> None:
        if self.quiet:
            return
        super().reject(where, code, message, help_text, key)
        self.engine.rejected(self.rejected.pop())

    def check_new_incident(self, ident: str) -> None:
        if ident in self.engine.decided:
            raise _Reject(
                "E0311",
                f"incident `{ident}` is reported twice",
                "the first report was read and decided earlier",
                "incident",
            )
        super().check_new_incident(ident)

    def add_incident(self, incident: Incident) -> None:
        self.engine.incident(incident)

    def add_event(self, event: Event) -> None:
        self.engine.event(event)


class Engine:
    """One worker's share of a streamed check: reads lines, decides incidents, emits their lines."""

    def __init__(
        self,
        agreement: model.Agreement,
        name: str,
        emit: Emit,
        *,
        as_of: int | None,
        explain: bool,
        window: tuple[int, int] | None = None,
        worker: int = 0,
        workers: int = 1,
    ) -> None:
        self.agreement = agreement
        self.window = window
        self.name = name
        self.emit = emit
        self.explain = explain
        self.worker, self.workers = worker, workers
        self.fixed_as_of = as_of
        self.latest: int | None = None  # the latest instant of any kept record: the default as-of
        self.reader = _LineReader(agreement, name, self)
        self.population = Population(self.reader.customers)
        self.run = Run(agreement, self.population, as_of if as_of is not None else 0, notes=explain)
        self.iso = LocalTimes(self.run.zone).iso
        self.open: dict[str, _Open] = {}
        self.shelf = _Shelf(name)
        self.shelved: dict[str, int] = {}  # open incidents on the shelf, each packed into one integer
        self.sweep = SWEEP
        self.reports = 0
        self.horizon = 0  # the line of the last sweep
        self.waiting: dict[str, list[Event]] = {}  # events that came before their incident's report
        self.decided = Seen()
        self.tally = KpiTally(self.run)
        self.creditable: list[TargetVerdict] = []
        self.statuses = {"met": 0, "breached": 0, "pending": 0}
        self.key: Key = (0, 0, "")  # where what is emitted now goes in the merged output
        self.rejections = 0
        self.ended = False
        clock = agreement.clock
        self.used = {k for k in ("response", "restore", "resolution", "update") if self.uses(k)}
        if clock.pause_on_customer:
            self.used |= {"paused", "resumed"}
        if agreement.targets:
            self.used.add("severity_changed")
        self.plans_matter = bool(agreement.plans)
        self.simple = not clock.downgrades  # no event can change an incident's severity but `severity_changed`
        self.pausing = clock.pause_on_customer
        self._needs: dict[tuple[str, str | None], int] = {}
        self.selectors = [c.targets for c in agreement.hourly_credits] + [
            f.missed for f in agreement.flat_credits if not isinstance(f.missed, str)
        ]

    def uses(self, kind: str) -> bool:
        """Whether an event of this kind can change any verdict."""
        targets = {t.kind for t in self.agreement.targets}
        lowered_by = {k for k, _, _ in self.agreement.clock.downgrades}
        # An update cadence runs from the response, through each update, to the resolution.
        return kind in targets | lowered_by or ("update" in targets and kind in ("response", "resolution"))

    # -- input -------------------------------------------------------------------------------------------

    def saw(self, instant: int) -> None:
        if self.latest is None or instant > self.latest:
            self.latest = instant

    def rejected(self, diagnostic: Diagnostic) -> None:
        self.rejections += 1
        self.emit(self.key, orjson.dumps({"type": "rejected", **diagnostic_json(diagnostic)}))

    def line(self, number: int, offset: int, body: bytes, raw: Any, *, quiet: bool = False) -> None:
        """One non-blank line of the timeline, and what `parse` made of it."""
        self.reader.line = body
        where = Span(self.name, offset, offset + len(body), number, 1, number, len(body) + 1)
        self.record(where, raw, quiet=quiet)

    def record(self, where: Span, raw: Any, *, quiet: bool = False) -> None:
        """One record, parsed (or the reason it could not be)."""
        reader = self.reader
        reader.quiet = quiet
        self.key = (where.line, 0, "")
        outages, claims = len(reader.outages), len(reader.claims)
        reader.take(where, raw)
        if quiet:
            reader.read -= 1
            del reader.outages[outages:], reader.claims[claims:]
            return
        if len(reader.outages) > outages:
            outage = reader.outages[-1]
            self.saw(outage.end)
            self.population.saw(outage.start)
            if outage.customer is not None:
                self.population.names.add(outage.customer)
        if len(reader.claims) > claims:
            self.saw(reader.claims[-1].at)

    def incident(self, incident: Incident) -> None:
        held = self.open.get(incident.id)
        if held is not None:
            first: int | None = held.line
        else:
            packed = self.shelved.get(incident.id)
            first = None if packed is None else _Shelf.line(packed)
        if first is not None:
            raise _Reject(
                "E0311",
                f"incident `{incident.id}` is reported twice",
                f"the first report is at line {first}",
                "incident",
            )
        state = self.open[incident.id] = _Open(incident)
        self.saw(incident.reported)
        self.population.saw(incident.reported)
        self.population.names.add(incident.customer)
        for event in self.waiting.pop(incident.id, []):
            self.keep(state, event)
        self.try_decide(state)
        self.reports += 1
        if self.reports % self.sweep == 0:
            self.shelve(incident.where.line)

    def shelve(self, line: int) -> None:
        """Shelve every incident reported before the last sweep that still has no event (see `_Shelf`). Those
        reported since are left alone: most of them are about to be answered. Only the incidents off the shelf
        are looked at, so a sweep takes time in proportion to them, not to all that are held."""
        horizon, self.horizon = self.horizon, line
        packed = []
        for ident, state in self.open.items():
            if state.events is None and state.line < horizon:
                found = self.shelf.pack(state)
                if found is not None:
                    packed.append((ident, found))
        for ident, found in packed:
            del self.open[ident]
            self.shelved[ident] = found

    def unshelve(self, ident: str) -> _Open | None:
        """The incident taken off the shelf and open again, or None when it is not on the shelf."""
        packed = self.shelved.pop(ident, None)
        if packed is None:
            return None
        state = self.open[ident] = self.shelf.unpack(ident, packed)
        return state

    def event(self, event: Event) -> None:
        state = self.open.get(event.incident)
        if state is None and self.shelved:
            state = self.unshelve(event.incident)
        if state is not None:
            self.keep(state, event)
            self.try_decide(state)
        elif event.incident in self.decided:
            if event.kind in self.used:
                raise _Reject(
                    "E0316",
                    f"this {event.kind} arrives after incident `{event.incident}` was decided",
                    "a streamed check writes an incident's results when its last target's event arrives; "
                    "put each incident's records in time order, or check with --format text or json",
                    "incident",
                )
            self.saw(event.at)  # a kind the agreement never uses: kept, and changes nothing
        else:
            self.waiting.setdefault(event.incident, []).append(event)

    def keep(self, state: _Open, event: Event) -> None:
        if self.reader.after_report(event, state.id, state.reported, state.line):
            state.add(event)
            self.saw(event.at)

    # -- deciding ----------------------------------------------------------------------------------------

    def needs(self, severities: Iterable[str], final: str, plan: str | None) -> int:
        """The event kinds (as bits) an incident must have before it is decided: one for each target kind that
        applies in any of its severities, and the resolution when its final severity has an update cadence."""
        run = self.run
        found = [k for k in _TARGET_KINDS for s in severities if run.target_for(k, s, plan) is not None]
        if run.target_for("update", final, plan) is not None:
            found.append("resolution")
        return _bits(found)

    def try_decide(self, state: _Open) -> None:
        run = self.run
        if self.plans_matter and state.plan is None and state.customer not in self.population.customers:
            return  # its plan comes from a customer record not read yet
        plan = run.plan_for(state.plan, state.customer)
        events: list[Event] | None = None
        if self.simple and not state.kinds & _CHANGED:  # one severity throughout: ask once per kind
            key = (state.severity, plan)
            needed = self._needs.get(key)
            if needed is None:
                needed = self._needs[key] = self.needs((state.severity,), state.severity, plan)
        else:
            events = state.in_order()
            stretches = run.stretches(state.incident(), events)
            needed = self.needs([s for _, s, _ in stretches], stretches[-1][1], plan)
        if needed & ~state.kinds:
            return  # an event it needs has not come yet
        if events is None:
            events = state.in_order()
        if self.pausing:
            pauses = run.pauses(events)
            if pauses and pauses[-1][1] is None:
                return
        self.decide(state, events, self.key)

    def decide(self, state: _Open, events: list[Event], key: Key) -> None:
        incident = state.incident()
        if self.fixed_as_of is None and self.latest is not None and not self.ended:
            self.run.as_of = self.latest  # the verdicts of an incident decided mid-stream do not depend on it
        window = self.window
        shown = window is None or window[0] <= incident.reported < window[1]
        for verdict in self.run.incident_verdicts(incident, events):
            self.tally.add(verdict)  # KPIs, caps and no-stacking count every incident; --period only filters
            if verdict.status == "breached" and any(_selects(s, verdict) for s in self.selectors):
                self.creditable.append(verdict)
            if shown:
                self.statuses[verdict.status] += 1
                self.emit(key, orjson.dumps({"type": "target", **target_json(verdict, self.iso, self.explain)}))
        del self.open[incident.id]
        self.decided.add(incident.id)

    def end_of_input(self, as_of: int | None) -> None:
        """Decide what is still open, as of `as_of`, and reject events whose incident never came. `as_of` is None
        only when no record named an instant, and then no incident is open."""
        self.run.as_of = 0 if as_of is None else as_of
        self.ended = True
        # In order of report, then id: two stable sorts, so no key tuple is made for each held incident.
        held = sorted([*self.open, *self.shelved])
        held.sort(key=self._reported)
        for ident in held:
            state = self.open.get(ident) or self.unshelve(ident)
            assert state is not None
            key = (_AFTER_INPUT, state.reported, state.id)
            self.decide(state, state.in_order(), key)
        orphans = sorted((e for events in self.waiting.values() for e in events), key=lambda e: e.where.line)
        self.waiting.clear()
        for event in orphans:
            self.key = (_AFTER_INPUT + 1, event.where.line, "")
            self.reader.vet(event, None, ())

    def held(self) -> int:
        """How many incidents are open: those on the shelf and those off it."""
        return len(self.open) + len(self.shelved)

    def _reported(self, ident: str) -> int:
        state = self.open.get(ident)
        return state.reported if state is not None else _Shelf.reported(self.shelved[ident])

    def share(self) -> dict[str, Any]:
        """What the parent needs from a worker to finish: counts, and the records kept for the periods."""
        return {
            "read": self.reader.read,
            "rejected": self.rejections,
            "statuses": self.statuses,
            "kpis": self.tally.counts,
            "creditable": self.creditable,
            "customers": self.reader.customers if self.worker == 0 else {},
            "names": self.population.names,
            "first": self.population.first,
            "outages": self.reader.outages,
            "claims": self.reader.claims,
            "latest": self.latest,
        }


def _event_order(event: Event) -> tuple[int, int]:
    return event.at, event.where.line


def parse(body: bytes) -> Any:
    """A line's value, or the reason it has none (a `_Reject`)."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return _slow_json(body)


def _slow_json(body: bytes) -> Any:
    """What the whole-file reader makes of a line orjson refused: a value, or the reason it is not one."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        return _Reject(
            "E0315", f"byte {error.start} of this line is not UTF-8 text", "a timeline must be UTF-8 text"
        )
    try:
        return json.loads(text, parse_constant=_no_constant)
    except _Reject as error:
        return error
    except json.JSONDecodeError as error:
        return _Reject("E0301", f"this line is not a JSON object: {_why(error)}")


# -- reading -----------------------------------------------------------------------------------------------


def lines(
    handle: IO[bytes], progress: Callable[[int], None] | None = None, head: bytes = b""
) -> Iterator[tuple[int, int, bytes]]:
    """(line number, byte offset, stripped body) of every non-blank line, `head` (bytes already read from the
    handle) first; only a line feed ends a line."""
    number, offset, tail = 0, 0, b""
    first = True
    while True:
        chunk, head = (head, b"") if head else (handle.read(CHUNK), b"")
        if progress is not None:
            progress(offset + len(tail))
        if not chunk:
            break
        if first and chunk.startswith(b"\xef\xbb\xbf"):
            chunk, offset = chunk[3:], 3
        first = False
        parts = (tail + chunk).split(b"\n")
        tail = parts.pop()
        for part in parts:
            number += 1
            body = part.strip()
            if body:
                yield number, offset, body
            offset += len(part) + 1
    body = tail.strip()
    if body:
        yield number + 1, offset, body


BROADCAST = -1


def owner(raw: Any, workers: int) -> int:
    """The worker a parsed line belongs to: a record that names an incident goes by the incident's id (as the
    reader will read it); a customer record to every worker (worker 0 counts it); anything else to worker 0."""
    if not isinstance(raw, dict):
        return 0
    if raw.get("type") == "customer":
        return BROADCAST
    ident = raw.get("incident")
    if ident is None or isinstance(ident, (dict, list, bool)):
        return 0
    return zlib.crc32(str(ident).encode("utf-8", "surrogatepass")) % workers


# -- running -----------------------------------------------------------------------------------------------


class Progress:
    """A one-line progress bar on stderr, drawn only when stderr is a terminal; with no total (standard
    input), how much has been read."""

    def __init__(self, total: int | None) -> None:
        self.total = None if total is None else max(total, 1)
        self.on = self.terminal = sys.stderr.isatty()
        self.started = self.shown = time.monotonic()

    def __call__(self, done: int) -> None:
        now = time.monotonic()
        if not self.on or now - self.shown < 0.25:
            return
        self.shown = now
        rate = done / (now - self.started) / 1e6
        if self.total is None:
            sys.stderr.write(f"\r  checking  {done / 1e6:,.0f} MB read  {rate:,.1f} MB/s")
        else:
            share = min(done / self.total, 1.0)
            bar = "#" * int(share * 30)
            sys.stderr.write(
                f"\r  checking [{bar:<30}] {share:4.0%}  {done / 1e6:,.0f} of {self.total / 1e6:,.0f} MB  "
                f"{rate:,.1f} MB/s"
            )
        sys.stderr.flush()

    def say(self, text: str) -> None:
        """What is being done once the input is read, in place of the bar."""
        if self.on:
            sys.stderr.write(f"\r  checking: {text}"[:79].ljust(79))
            sys.stderr.flush()

    def close(self) -> None:
        if self.on:
            sys.stderr.write("\r" + " " * 78 + "\r")
            sys.stderr.flush()


@attrs.frozen
class Job:
    """One streamed check: the agreement, the timeline's path, the as-of instant (None: the timeline's latest)
    and whether verdicts carry their notes."""

    agreement: model.Agreement
    path: str
    as_of: int | None
    explain: bool
    window: tuple[int, int] | None

    @property
    def name(self) -> str:
        """The timeline's name in spans and the header."""
        return STDIN_NAME if self.path == STDIN else self.path


def check_stream(
    agreement: model.Agreement,
    agreement_file: str,
    timeline_file: str,
    out: IO[bytes],
    *,
    as_of: int | None = None,
    explain: bool = False,
    jobs: int = 1,
    window: tuple[int, int] | None = None,
) -> dict[str, int]:
    """Check a timeline, writing result lines to `out`; returns the summary's counts. JSON Lines are streamed
    (and shared among `jobs` workers); a CSV file or a JSON array is read whole, then fed record by record.
    A timeline named `-` is standard input, JSON Lines (streamed by one job) or a JSON array."""
    if timeline_file == STDIN and jobs > 1:
        raise ValueError(STDIN_ONE_JOB)
    job = Job(agreement, timeline_file, as_of, explain, window)
    header = {
        "type": "header",
        "schema": SCHEMA,
        "agreement": {"title": agreement.title, "file": agreement_file},
        "timeline": job.name,
        "zone": Run(agreement, Population(), 0).zone,
    }
    out.write(orjson.dumps(header) + b"\n")
    progress = Progress(None if timeline_file == STDIN else os.path.getsize(timeline_file))
    try:
        if timeline_file == STDIN:
            head, streamed = _stdin_head(sys.stdin.buffer)
            shares = [_single(job, out, progress, head) if streamed else _whole(job, out, head)]
        elif not _is_json_lines(timeline_file):
            shares = [_whole(job, out)]
        elif jobs <= 1:
            shares = [_single(job, out, progress)]
        else:
            shares = _parallel(job, out, jobs, progress)
        progress.say("availability, credits and totals")
        return _finish(job, shares, out)
    finally:
        progress.close()


_BLANK = b"\xef\xbb\xbf \t\r\n"  # what may come before a JSON array's `[` (a byte-order mark, white space)


def _is_json_lines(path: str) -> bool:
    if path.lower().endswith((".csv", ".json")):
        return False
    with open(path, "rb") as handle:
        return not handle.read(4096).lstrip(_BLANK).startswith(b"[")


def _stdin_head(handle: IO[bytes]) -> tuple[bytes, bool]:
    """Standard input's first bytes, read as far as its first that is not white space (it cannot be read
    twice), and whether it is JSON Lines rather than a JSON array."""
    head = b""
    while True:
        more = handle.read1(CHUNK)  # type: ignore[attr-defined]
        head += more
        start = head.lstrip(_BLANK)
        if start or not more:
            return head, not start.startswith(b"[")


@contextlib.contextmanager
def _opened(job: Job) -> Iterator[IO[bytes]]:
    """The timeline as a binary handle; standard input is left open."""
    if job.path == STDIN:
        yield sys.stdin.buffer
    else:
        with open(job.path, "rb") as handle:
            yield handle


class _Buffered:
    """Result lines collected and written in blocks of about a megabyte. The lines are copied into one buffer
    rather than kept: each `orjson.dumps` result holds a 4 KB allocation whatever its length."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.block = bytearray()

    def __call__(self, key: Key, line: bytes) -> None:
        block = self.block
        block += line
        block += b"\n"
        if len(block) >= 1 << 20:
            self.flush()

    def flush(self) -> None:
        if self.block:
            self.out.write(self.block)
            self.block.clear()


def _single(job: Job, out: IO[bytes], progress: Progress, head: bytes = b"") -> dict[str, Any]:
    emit = _Buffered(out)
    engine = Engine(job.agreement, job.name, emit, as_of=job.as_of, explain=job.explain, window=job.window)
    with _opened(job) as handle:
        for number, offset, body in lines(handle, progress, head):
            engine.line(number, offset, body, parse(body))
    progress.say(f"deciding the {engine.held():,} incidents still open")
    engine.end_of_input(_final_as_of(job.as_of, [engine.latest]))
    emit.flush()
    return engine.share()


def _whole(job: Job, out: IO[bytes], head: bytes = b"") -> dict[str, Any]:
    """A CSV file or a JSON array: read whole (as `--format json` reads it), then fed record by record."""
    with _opened(job) as handle:
        source, problems = decode(job.name, head + handle.read(), "E0315")
    if problems:
        raise TimelineUnreadable(problems, source)
    emit = _Buffered(out)
    engine = Engine(job.agreement, job.name, emit, as_of=job.as_of, explain=job.explain, window=job.window)
    for where, raw in _records(source):
        engine.reader.line = source.text[where.start : where.end].encode()
        engine.record(where, raw)
    engine.end_of_input(_final_as_of(job.as_of, [engine.latest]))
    emit.flush()
    return engine.share()


class TimelineUnreadable(Exception):
    """A CSV or JSON-array timeline that is not UTF-8: the whole file is refused, as `--format json` does."""

    def __init__(self, problems: list[Diagnostic], source: Source) -> None:
        super().__init__(problems[0].message)
        self.problems, self.source = problems, source


def _final_as_of(fixed: int | None, latest: list[int | None]) -> int | None:
    """The instant the check stands at: the one given, else the latest any worker saw (None if none saw one)."""
    if fixed is not None:
        return fixed
    return max((t for t in latest if t is not None), default=None)


def _worker(job: Job, index: int, workers: int, spool: str, conn: Any, *, others: list[Any]) -> None:
    """One of N workers: its own lines, spooled with their sort keys; its counts sent back at the end. Whatever
    stops it is sent to the parent, which stops the run and reports it as one job would. It first closes its
    copies of the other pipes' ends (`others`): while it held them, the parent could not see a worker that died
    without a word, and waited for it."""
    for end in others:
        end.close()
    try:
        _work(job, index, workers, spool, conn)
    except Exception as error:
        try:
            conn.send(("failed", error))
        except Exception:  # an exception that cannot be pickled is sent as its text
            conn.send(("failed", RuntimeError(f"{type(error).__name__}: {error}")))
    finally:
        conn.close()


def _work(job: Job, index: int, workers: int, spool: str, conn: Any) -> None:
    with open(spool, "wb") as sink:

        def emit(key: Key, line: bytes) -> None:
            sink.write(b"%d\t%d\t%s\t%s\n" % (key[0], key[1], orjson.dumps(key[2]), line))

        engine = Engine(
            job.agreement,
            job.name,
            emit,
            as_of=job.as_of,
            explain=job.explain,
            window=job.window,
            worker=index,
            workers=workers,
        )
        progress = Progress(os.path.getsize(job.path)) if index == 0 else None
        with open(job.path, "rb") as handle:
            for number, offset, body in lines(handle, progress):
                raw = parse(body)
                belongs = owner(raw, workers)
                if belongs == index or (belongs == BROADCAST and index == 0):
                    engine.line(number, offset, body, raw)
                elif belongs == BROADCAST:
                    engine.line(number, offset, body, raw, quiet=True)
        if progress is not None:
            progress.say("deciding the incidents still open")
        conn.send(("ok", engine.latest))
        engine.end_of_input(conn.recv())
    conn.send(("ok", engine.share()))


def _parallel(job: Job, out: IO[bytes], jobs: int, progress: Progress) -> list[dict[str, Any]]:
    """N worker processes over the same file; their spooled lines merged in key order, which is the order
    one job writes them in."""
    methods = multiprocessing.get_all_start_methods()
    context: Any = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    progress.on = False  # worker 0 draws it
    with tempfile.TemporaryDirectory(prefix="sladsl-") as folder:
        spools = [os.path.join(folder, f"worker-{i}.lines") for i in range(jobs)]
        pipes = [context.Pipe() for _ in range(jobs)]
        ends = [end for pair in pipes for end in pair]
        processes = [
            context.Process(
                target=_worker,
                args=(job, i, jobs, spools[i], pipes[i][1]),
                kwargs={"others": [end for end in ends if end is not pipes[i][1]]},
                daemon=True,
            )
            for i in range(jobs)
        ]
        for process in processes:
            process.start()
        for _, child in pipes:
            child.close()  # the workers hold their ends: a worker that dies unheard gives EOFError, not a hang
        try:
            latest = [_receive(parent) for parent, _ in pipes]
            final = _final_as_of(job.as_of, latest)
            for parent, _ in pipes:
                parent.send(final)
            shares = [_receive(parent) for parent, _ in pipes]
        except WorkerLost as error:
            # Which worker ended, and how: its exit status is there once its process is reaped.
            ended = multiprocessing.connection.wait([p.sentinel for p in processes], timeout=5)
            lost = []
            for index, process in enumerate(processes):
                if process.sentinel in ended:
                    process.join()
                    if process.exitcode:
                        lost.append((index, process.exitcode))
            for process in processes:
                process.terminate()
            raise WorkerLost(_how_it_ended(*lost[0]) if lost else str(error)) from None
        except BaseException:
            for process in processes:
                process.terminate()
            raise
        finally:
            for process in processes:
                process.join()
            progress.on = progress.terminal  # the workers are done: the line is the parent's to say or clear
        failed = [p.exitcode for p in processes if p.exitcode != 0]
        if failed:
            raise RuntimeError(f"a --jobs worker failed (exit code {failed[0]})")
        progress.say(f"merging {jobs} workers' lines")
        handles = [open(spool, "rb") for spool in spools]  # noqa: SIM115 - closed below
        try:
            for _, line in heapq.merge(*(_keyed(h) for h in handles)):
                out.write(line)
        finally:
            for handle in handles:
                handle.close()
    return shares


def _receive(conn: Any) -> Any:
    """A worker's next message; what stopped it, raised here."""
    try:
        status, payload = conn.recv()
    except EOFError:
        raise WorkerLost("a --jobs worker stopped before it finished") from None
    if status == "failed":
        raise payload
    return payload


class WorkerLost(Exception):
    """A `--jobs` worker that ended without a word: killed by a signal (the kernel's out-of-memory killer sends
    SIGKILL), or exited on its own. Its results are lost, so the run stops."""


def _how_it_ended(index: int, code: int) -> str:
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = "an unknown signal"
        return f"--jobs worker {index} was killed by signal {-code} ({name}) before it finished"
    return f"--jobs worker {index} exited with code {code} before it finished"


def _keyed(handle: IO[bytes]) -> Iterator[tuple[Key, bytes]]:
    for row in handle:
        first, second, third, line = row.split(b"\t", 3)
        yield (int(first), int(second), "" if third == b'""' else orjson.loads(third)), line


def _finish(job: Job, shares: list[dict[str, Any]], out: IO[bytes]) -> dict[str, int]:
    """The per-period results from every worker's counts and kept records, then the summary."""
    agreement = job.agreement
    final = _final_as_of(job.as_of, [s["latest"] for s in shares])
    population = Population(shares[0]["customers"])
    for share in shares:
        population.names |= share["names"]
        if share["first"] is not None:
            population.saw(share["first"])
        population.outages.extend(share["outages"])
        population.claims.extend(share["claims"])
    population.outages.sort(key=lambda o: (o.start, o.where.line))
    population.claims.sort(key=lambda c: (c.at, c.where.line))
    run = Run(agreement, population, 0 if final is None else final, notes=job.explain)
    write = out.write
    for warning in conflicting_outages(population.outages):
        write(orjson.dumps({"type": "warning", **diagnostic_json(warning)}) + b"\n")
    tally = KpiTally(run)
    for share in shares:
        for key, counts in share["kpis"].items():
            mine = tally.counts.setdefault(key, [0, 0, 0, counts[3], counts[4]])
            for i in range(3):
                mine[i] += counts[i]
    kpis = tally.verdicts()
    read = sum(s["read"] for s in shares)
    rejected = sum(s["rejected"] for s in shares)
    zones = {c.id: c.zone for c in population.customers.values() if c.zone is not None}
    lo, hi = job.window if job.window is not None else (-_AFTER_INPUT, _AFTER_INPUT)
    kpis = [k for k in kpis if lo <= k.start < hi]
    for kpi in kpis:
        write(orjson.dumps({"type": "kpi", **kpi_json(kpi)}) + b"\n")
    # Each period is written as it is made and kept without its outage shares, which only its line shows:
    # with outages that apply to every customer, the shares would outnumber the outages many times over.
    # Rendering a period reads only the report's agreement.
    shell = Report(agreement, final, (), (), (), (), read, read - rejected, rejected, zones)
    availability = []
    for period in run.each_availability():
        if lo <= period.start < hi:
            write(orjson.dumps({"type": "availability", **availability_json(shell, period)}) + b"\n")
        availability.append(attrs.evolve(period, shares=()))
    creditable = [v for share in shares for v in share["creditable"]]
    awards = [a for a in run.awards(creditable, availability) if lo <= a.at < hi]
    shown = tuple(a for a in availability if lo <= a.start < hi)
    report = attrs.evolve(shell, kpis=tuple(kpis), availability=shown, awards=tuple(awards))
    for award in awards:
        write(orjson.dumps({"type": "credit", **award_json(report, award)}) + b"\n")
    for total in totals_json(report):
        write(orjson.dumps({"type": "total", **total}) + b"\n")
    statuses = {k: sum(s["statuses"][k] for s in shares) for k in ("met", "breached", "pending")}
    breaches = statuses["breached"] + report.breaches
    summary = {
        "type": "summary",
        "as_of": None if final is None else LocalTimes(run.zone).iso(final),
        "targets": sum(statuses.values()),
        **statuses,
        "breaches": breaches,
        "records": {"read": read, "evaluated": read - rejected, "rejected": rejected},
    }
    write(orjson.dumps(summary) + b"\n")
    return {"breaches": breaches, "read": read, "rejected": rejected}
