"""Incident timelines: JSON Lines, CSV or a JSON array of records, read into checked records.

Every record keeps the place it came from, so a diagnostic can say `timeline.jsonl:12`. A record that cannot
be used is rejected with a coded diagnostic (`E03xx`) and the rest are read on: the caller always learns how many
records were read, how many were kept and which were rejected, and why. Records may come in any order.

Record types (the `type` field) and their fields; `at`, `start`, `end` and `notice` are timestamps with an
offset or a bracketed zone:

* `customer`: `id`, optional `plan`, `fee` (per calendar month, a decimal string or number), `currency`, and
  `zone` (the customer's own, for showing times as the customer saw them)
* `reported`: `incident`, `at`, `severity`, optional `customer`, `plan` (else the customer's), `channel`
* `response`, `restore`, `resolution`, `update`: `incident`, `at`
* `severity_changed`: `incident`, `at`, `severity`
* `paused`, `resumed`: `incident`, `at` (waiting on the customer)
* `outage`: `start`, `end`, optional `id`, `customer` (else every customer), `tags` (a list), `notice` (when
  planned maintenance was announced), `reported` (when the customer reported it, for a `report within` window)
* `claim`: `customer`, `at`, and `credit` (a credit's name) with `incident` or `period` (`2025`, `2025-06`)
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs

from sladsl import model
from sladsl.clock import TimestampError, parse_instant
from sladsl.diagnostics import Diagnostic, Label, did_you_mean
from sladsl.source import Source, Span

# The records below are values, never changed once read. They are plain (not frozen) attrs classes because a
# timeline has millions of them and frozen construction costs three times as much.

EVENT_TYPES = ("response", "restore", "resolution", "update", "severity_changed", "paused", "resumed")
RECORD_TYPES = ("customer", "reported", *EVENT_TYPES, "outage", "claim")
DEFAULT_CUSTOMER = "customer"
SHARED = 10_000  # how many distinct customer ids and channels a reader keeps one copy of
_TYPES = {t: t for t in RECORD_TYPES}


@attrs.define
class Customer:
    id: str
    plan: str | None
    fee: Decimal | None
    currency: str | None
    zone: str | None
    where: Span = attrs.field(eq=False)


@attrs.define
class Incident:
    id: str
    customer: str
    severity: str
    plan: str | None
    channel: str | None
    reported: int
    where: Span = attrs.field(eq=False)


@attrs.define
class Event:
    incident: str
    kind: str
    at: int
    severity: str | None
    where: Span = attrs.field(eq=False)


@attrs.define
class Outage:
    id: str
    customer: str | None
    start: int
    end: int
    tags: tuple[str, ...]
    notice: int | None
    reported: int | None
    where: Span = attrs.field(eq=False)


@attrs.define
class Claim:
    customer: str
    at: int
    credit: str | None
    incident: str | None
    period: str | None
    where: Span = attrs.field(eq=False)


@attrs.frozen
class Timeline:
    customers: dict[str, Customer]
    incidents: dict[str, Incident]
    events: tuple[Event, ...]
    outages: tuple[Outage, ...]
    claims: tuple[Claim, ...]
    read: int
    rejected: tuple[Diagnostic, ...]
    warnings: tuple[Diagnostic, ...] = ()

    @property
    def kept(self) -> int:
        return self.read - len(self.rejected)


class _Reject(Exception):
    def __init__(self, code: str, message: str, help_text: str | None = None, key: str | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.help, self.key = code, message, help_text, key


def read_timeline(source: Source, agreement: model.Agreement) -> Timeline:
    """Read every record of a timeline; reject the unusable ones with a diagnostic each."""
    reader = _Reader(source, agreement)
    for where, raw in _records(source):
        reader.take(where, raw)
    return reader.finish()


def _records(source: Source) -> Iterator[tuple[Span, Any]]:
    """(place, raw object or a _Reject) for every record, in file order."""
    text = source.text
    name = source.name.lower()
    if name.endswith(".csv"):
        yield from _csv_records(source)
    elif name.endswith(".json") or text.lstrip().startswith("["):
        yield from _array_records(source)
    else:
        offset = 0
        for line in text.split("\n"):  # only a line feed ends a record: JSON strings may hold U+2028
            body = line.strip()
            if body:
                where = source.span(offset, offset + len(line.rstrip("\r")))
                try:
                    yield where, json.loads(body, parse_constant=_no_constant)
                except _Reject as error:
                    yield where, error
                except json.JSONDecodeError as error:
                    yield where, _Reject("E0301", f"this line is not a JSON object: {_why(error)}")
            offset += len(line) + 1


def _no_constant(name: str) -> Any:
    raise _Reject("E0313", f"`{name}` is not a number JSON allows")


def _why(error: Exception) -> str:
    return f"{error.msg} (column {error.colno})" if isinstance(error, json.JSONDecodeError) else str(error)


def _array_records(source: Source) -> Iterator[tuple[Span, Any]]:
    text = source.text
    decoder = json.JSONDecoder(parse_constant=_no_constant)
    i = len(text) - len(text.lstrip())
    if not text.startswith("[", i):
        yield source.span(i, i + 1), _Reject("E0301", "a JSON timeline must be an array of records")
        return
    i += 1
    while True:
        while i < len(text) and text[i] in " \t\r\n,":
            i += 1
        if i >= len(text) or text[i] == "]":
            return
        try:
            value, end = decoder.raw_decode(text, i)
        except _Reject as error:
            yield source.span(i, i + 1), error
            return
        except json.JSONDecodeError as error:
            yield source.span(i, i + 1), _Reject("E0301", f"this record is not valid JSON: {_why(error)}")
            return
        yield source.span(i, end), value
        i = end


def _csv_records(source: Source) -> Iterator[tuple[Span, Any]]:
    lines = source.text.splitlines(keepends=True)
    reader = csv.DictReader(io.StringIO(source.text))
    for row in reader:
        line = reader.line_num
        start = sum(len(x) for x in lines[: line - 1])
        where = source.span(start, start + len(lines[line - 1].rstrip("\r\n")) if line - 1 < len(lines) else start)
        if None in row:
            yield where, _Reject("E0301", "this row has more fields than the header")
            continue
        record: dict[str, Any] = {k: v for k, v in row.items() if k and v not in ("", None)}
        if "tags" in record:
            record["tags"] = [t.strip() for t in str(record["tags"]).split(";") if t.strip()]
        yield where, record


class _Reader:
    def __init__(self, source: Source, agreement: model.Agreement) -> None:
        self.source = source
        self.agreement = agreement
        # Each maps a value to the agreement's own string, so held records share one copy of it.
        self.severities = {s.code: s.code for s in agreement.severities}
        self.plans = {p.name: p.name for p in agreement.plans}
        self.shared: dict[str, str] = {}
        self.read = 0
        self.rejected: list[Diagnostic] = []
        self.customers: dict[str, Customer] = {}
        self.incidents: dict[str, Incident] = {}
        self.events: list[Event] = []
        self.outages: list[Outage] = []
        self.claims: list[Claim] = []

    def reject(
        self, where: Span, code: str, message: str, help_text: str | None = None, key: str | None = None
    ) -> None:
        primary, label = where, "record rejected"
        found = self.field_span(where, key) if key else None
        if found is not None:
            primary, label = found, "here"
        secondary = (Label(where, "record rejected"),) if found is not None and found.line != where.line else ()
        self.rejected.append(Diagnostic(code, message, primary, label, secondary=secondary, help=help_text))

    def record_text(self, where: Span) -> str:
        """The text of the record at `where` (a subclass that reads line by line keeps only the current one)."""
        return self.source.text[where.start : where.end]

    def inner_span(self, where: Span, start: int, end: int) -> Span:
        """A span from `start` to `end`, character offsets into the record at `where`."""
        return self.source.span(where.start + start, where.start + end)

    def field_span(self, where: Span, key: str) -> Span | None:
        """The span of a field's value inside a JSON record, for the smallest useful caret."""
        text = self.record_text(where)
        at = text.find(f'"{key}"')
        if at < 0:
            return None
        colon = text.find(":", at)
        start = colon + 1
        while start < len(text) and text[start] in " \t\r\n":
            start += 1
        if start >= len(text):
            return None
        if text[start] == '"':
            end = text.find('"', start + 1) + 1 or len(text)
        else:
            end = start
            while end < len(text) and text[end] not in ",}\r\n":
                end += 1
        return self.inner_span(where, start, end)

    def take(self, where: Span, raw: Any) -> None:
        self.read += 1
        try:
            if isinstance(raw, _Reject):
                raise raw
            self.record(where, raw)
        except _Reject as error:
            self.reject(where, error.code, error.message, error.help, error.key)

    # -- fields ------------------------------------------------------------------------------------------

    def text(self, raw: dict[str, Any], key: str, required: bool = True) -> str | None:
        """A field's text. An empty (or blank) string is not a value: an outage for customer "" would be for no
        customer at all, and an incident "" could not be told from a missing id. (A CSV's empty cell is a field
        left out; a cell of spaces is empty.)"""
        value = raw.get(key)
        if type(value) is str:
            if value and not value.isspace():
                return value
            advice = "give it a value" if required else "give it a value, or leave the field out"
            raise _Reject("E0303", f"`{key}` is empty", advice, key)
        if value is None:
            if required:
                raise _Reject("E0303", f"the record has no `{key}`")
            return None
        if isinstance(value, (dict, list, bool)):
            raise _Reject("E0303", f"`{key}` must be a string", key=key)
        return str(value)

    def share(self, value: str) -> str:
        """One string object for a value that many records repeat (a customer id, a channel): a held incident
        then does not keep its own copy. The first `SHARED` distinct values are kept."""
        kept = self.shared.get(value)
        if kept is not None:
            return kept
        if len(self.shared) < SHARED:
            self.shared[value] = value
        return value

    def instant(self, raw: dict[str, Any], key: str, required: bool = True) -> int | None:
        value = self.text(raw, key, required)
        if value is None:
            return None
        try:
            return parse_instant(value)
        except TimestampError as error:
            raise _Reject(error.code, f"`{key}`: {error}", error.help, key) from None

    def severity(self, raw: dict[str, Any]) -> str:
        code = self.text(raw, "severity")
        assert code is not None
        if code not in self.severities:
            guess = did_you_mean(code, self.severities)
            raise _Reject(
                "E0308",
                f"severity `{code}` is not in the agreement",
                f"did you mean `{guess}`?" if guess else "known: " + ", ".join(sorted(self.severities)),
                "severity",
            )
        return self.severities[code]

    def plan(self, raw: dict[str, Any]) -> str | None:
        name = self.text(raw, "plan", required=False)
        if name is not None and name not in self.plans:
            guess = did_you_mean(name, self.plans)
            raise _Reject(
                "E0309",
                f"plan `{name}` is not in the agreement",
                f"did you mean `{guess}`?"
                if guess
                else ("known: " + ", ".join(sorted(self.plans)))
                if self.plans
                else "the agreement has no plans",
                "plan",
            )
        return None if name is None else self.plans[name]

    def zone(self, raw: dict[str, Any]) -> str | None:
        name = self.text(raw, "zone", required=False)
        if name is not None:
            try:
                parse_instant(f"2000-01-01T00:00:00+00:00[{name}]")
            except TimestampError as error:
                raise _Reject(error.code, str(error), error.help, "zone") from None
        return name

    def amount(self, raw: dict[str, Any], key: str) -> Decimal | None:
        value = raw.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise _Reject("E0313", f"`{key}` must be a number", key=key)
        if isinstance(value, float) and not math.isfinite(value):
            raise _Reject("E0313", f"`{key}` must be a finite number", key=key)
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise _Reject("E0313", f"`{key}` is not a number: `{value}`", key=key) from None
        if not number.is_finite() or number < 0:
            raise _Reject("E0313", f"`{key}` must be zero or more, not `{value}`", key=key)
        return number

    # -- records -----------------------------------------------------------------------------------------

    def record(self, where: Span, raw: Any) -> None:
        if not isinstance(raw, dict):
            raise _Reject("E0302", "a record must be a JSON object")
        kind = raw.get("type")
        kind = _TYPES.get(kind, kind) if isinstance(kind, str) else kind  # the constant, not the record's copy
        if kind not in RECORD_TYPES:
            guess = did_you_mean(str(kind), RECORD_TYPES) if kind is not None else None
            raise _Reject(
                "E0302",
                f"unknown record type `{kind}`" if kind is not None else "the record has no `type`",
                f"did you mean `{guess}`?" if guess else "types: " + ", ".join(RECORD_TYPES),
                "type" if kind is not None else None,
            )
        if kind == "customer":
            self.customer(where, raw)
        elif kind == "reported":
            self.incident(where, raw)
        elif kind == "outage":
            self.outage(where, raw)
        elif kind == "claim":
            self.claim(where, raw)
        else:
            incident = self.text(raw, "incident")
            assert incident is not None
            at = self.instant(raw, "at")
            assert at is not None
            severity = self.severity(raw) if kind == "severity_changed" else None
            self.add_event(Event(incident, kind, at, severity, where))

    def customer(self, where: Span, raw: dict[str, Any]) -> None:
        ident = self.text(raw, "id")
        assert ident is not None
        if ident in self.customers:
            raise _Reject(
                "E0311",
                f"customer `{ident}` is given twice",
                f"the first is at line {self.customers[ident].where.line}",
                "id",
            )
        self.customers[ident] = Customer(
            ident,
            self.plan(raw),
            self.amount(raw, "fee"),
            self.text(raw, "currency", required=False),
            self.zone(raw),
            where,
        )

    def incident(self, where: Span, raw: dict[str, Any]) -> None:
        ident = self.text(raw, "incident")
        assert ident is not None
        self.check_new_incident(ident)
        at = self.instant(raw, "at")
        assert at is not None
        customer = self.text(raw, "customer", required=False) or DEFAULT_CUSTOMER
        severity, plan = self.severity(raw), self.plan(raw)
        channel = self.text(raw, "channel", required=False)
        channel = None if channel is None else self.share(channel)
        self.add_incident(Incident(ident, self.share(customer), severity, plan, channel, at, where))

    # -- where records go: a subclass that streams keeps less ---------------------------------------------

    def check_new_incident(self, ident: str) -> None:
        if ident in self.incidents:
            raise _Reject(
                "E0311",
                f"incident `{ident}` is reported twice",
                f"the first report is at line {self.incidents[ident].where.line}",
                "incident",
            )

    def add_incident(self, incident: Incident) -> None:
        self.incidents[incident.id] = incident

    def add_event(self, event: Event) -> None:
        self.events.append(event)

    def outage(self, where: Span, raw: dict[str, Any]) -> None:
        start, end = self.instant(raw, "start"), self.instant(raw, "end")
        assert start is not None and end is not None
        if end <= start:
            raise _Reject("E0312", "the outage ends before it starts", "`end` must come after `start`", "end")
        tags = raw.get("tags", [])
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise _Reject("E0303", "`tags` must be a list of strings")
        ident = self.text(raw, "id", required=False) or f"outage at line {where.line}"
        customer = self.text(raw, "customer", required=False)
        self.outages.append(
            Outage(
                ident,
                None if customer is None else self.share(customer),
                start,
                end,
                tuple(self.share(t) for t in tags),
                self.instant(raw, "notice", required=False),
                self.instant(raw, "reported", required=False),
                where,
            )
        )

    def claim(self, where: Span, raw: dict[str, Any]) -> None:
        at = self.instant(raw, "at")
        assert at is not None
        self.claims.append(
            Claim(
                self.text(raw, "customer", required=False) or DEFAULT_CUSTOMER,
                at,
                self.text(raw, "credit", required=False),
                self.text(raw, "incident", required=False),
                self.text(raw, "period", required=False),
                where,
            )
        )

    # -- cross-record checks -----------------------------------------------------------------------------

    def conflicting_outages(self) -> list[Diagnostic]:
        return list(conflicting_outages(self.outages))

    def vet(self, event: Event, incident: Incident | None, known: Iterable[str]) -> bool:
        """Whether an event can be kept: its incident was reported (`known` holds the ids a typo may be of),
        and not after the event. Rejects it when not."""
        if incident is None:
            guess = did_you_mean(event.incident, known)
            self.reject(
                event.where,
                "E0310",
                f"incident `{event.incident}` was never reported",
                f"did you mean `{guess}`?" if guess else "add a `reported` record for it",
                "incident",
            )
            return False
        return self.after_report(event, incident.id, incident.reported, incident.where.line)

    def after_report(self, event: Event, ident: str, reported: int, line: int) -> bool:
        """Whether an event comes no earlier than its incident's report (at `line`). Rejects it when not."""
        if event.at < reported:
            self.reject(
                event.where,
                "E0312",
                f"this {event.kind} comes before incident `{ident}` was reported",
                f"the report is at line {line}",
                "at",
            )
            return False
        return True

    def finish(self) -> Timeline:
        kept = [e for e in self.events if self.vet(e, self.incidents.get(e.incident), self.incidents)]
        kept.sort(key=lambda e: (e.at, e.where.line))
        warnings = self.conflicting_outages()
        self.rejected.sort(key=Diagnostic.sort_key)
        return Timeline(
            self.customers,
            self.incidents,
            tuple(kept),
            tuple(sorted(self.outages, key=lambda o: (o.start, o.where.line))),
            tuple(sorted(self.claims, key=lambda c: (c.at, c.where.line))),
            self.read,
            tuple(self.rejected),
            tuple(warnings),
        )


def conflicting_outages(outages: Iterable[Outage]) -> Iterator[Diagnostic]:
    """Outages for the same customer that overlap in time but are tagged differently (W0301), one at a time."""
    active: list[Outage] = []  # a sweep: only outages still running when the next one starts can overlap it
    for later in sorted(outages, key=lambda o: (o.start, o.where.line)):
        active = [o for o in active if o.end > later.start]
        for earlier in active:
            same_scope = earlier.customer is None or later.customer is None or earlier.customer == later.customer
            if same_scope and set(earlier.tags) != set(later.tags):
                yield Diagnostic(
                    "W0301",
                    f"outages `{earlier.id}` and `{later.id}` overlap but are tagged differently",
                    later.where,
                    "this outage",
                    secondary=(Label(earlier.where, "overlaps this one"),),
                    notes=("where a counted outage overlaps an excluded one, the overlap counts as downtime",),
                    help="split the outages at the change of cause, or give them the same tags",
                )
                break
        active.append(later)
