"""Timeline records, checked one at a time against the agreement.

Record types (the `type` field) and their fields; `at`, `start`, `end`, `notice` and `reported` are timestamps
with an offset or a bracketed zone:

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

import math
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs

from sladsl import model
from sladsl.diagnostics import Diagnostic, Label, did_you_mean
from sladsl.source import Span
from sladsl.time.instants import TimestampError, parse_instant
from sladsl.time.zones import ZONE_ABBREVIATIONS, closest_zone, is_abbreviation, is_zone
from sladsl.timeline.formats import Entry, Reject

EVENT_TYPES = ("response", "restore", "resolution", "update", "severity_changed", "paused", "resumed")
INCIDENT_TYPES = frozenset(("reported", *EVENT_TYPES))
RECORD_TYPES = ("customer", "reported", *EVENT_TYPES, "outage", "claim")
DEFAULT_CUSTOMER = "customer"
SHARED = 10_000  # how many distinct customer ids, channels and tags a reader keeps one copy of
_TYPES = {t: t for t in RECORD_TYPES}

# The records are values, never changed once read. They are plain (not frozen) attrs classes because a timeline
# has millions of them and frozen construction costs three times as much. `seq` is the record's number in its
# timeline, `where` its place.


@attrs.define
class Customer:
    id: str
    plan: str | None
    fee: Decimal | None
    currency: str | None
    zone: str | None
    seq: int = attrs.field(eq=False)
    where: Span = attrs.field(eq=False)


@attrs.define
class Incident:
    """A `reported` record: an incident, its severity and who reported it when."""

    id: str
    customer: str
    severity: str
    plan: str | None
    channel: str | None
    reported: int
    seq: int = attrs.field(eq=False)
    where: Span = attrs.field(eq=False)


@attrs.define
class Event:
    """Something that happened to an incident: a response, restore, resolution, update, change of severity, or
    a pause while waiting on the customer and its end."""

    incident: str
    kind: str
    at: int
    severity: str | None
    seq: int = attrs.field(eq=False)
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
    seq: int = attrs.field(eq=False)
    where: Span = attrs.field(eq=False)


@attrs.define
class Claim:
    customer: str
    at: int
    credit: str | None
    incident: str | None
    period: str | None
    seq: int = attrs.field(eq=False)
    where: Span = attrs.field(eq=False)


Record = Customer | Incident | Event | Outage | Claim


def text(raw: Mapping[str, Any], key: str, required: bool = True) -> str | None:
    """A field's text. An empty (or blank) string is not a value: an outage for customer "" would be for no
    customer at all, and an incident "" could not be told from a missing id. (A CSV's empty cell is a field left
    out; a cell of spaces is empty.) A number is taken as its text."""
    value = raw.get(key)
    if type(value) is str:
        if value and not value.isspace():
            return value
        advice = "give it a value" if required else "give it a value, or leave the field out"
        raise Reject("E0303", f"`{key}` is empty", advice, key)
    if value is None:
        if required:
            raise Reject("E0303", f"the record has no `{key}`")
        return None
    if isinstance(value, (dict, list, bool)):
        raise Reject("E0303", f"`{key}` must be a string", key=key)
    return str(value)


def key_of(raw: Any) -> tuple[str, str] | None:
    """Whom a record concerns, as the reader will read it: `("incident", id)` for a report or an event,
    `("customer", id)` for a customer record, None for anything else (an outage, a claim, a record that names
    no one). Records with one key must be seen together before the incident or customer they describe can be
    decided."""
    if type(raw) is not dict:
        return None
    kind = raw.get("type")
    if type(kind) is not str:
        return None
    if kind == "customer":
        field = "id"
    elif kind in INCIDENT_TYPES:
        field = "incident"
    else:
        return None
    try:
        found = text(raw, field)
    except Reject:
        return None
    return None if found is None else (kind if kind == "customer" else "incident", found)


class RecordReader:
    """Checks entries against the agreement: their type, fields, timestamps, severities and plans."""

    def __init__(self, agreement: model.Agreement) -> None:
        self.agreement = agreement
        # Each maps a value to the agreement's own string, so held records share one copy of it.
        self.severities = {s.code: s.code for s in agreement.severities}
        self.plans = {p.name: p.name for p in agreement.plans}
        self.shared: dict[str, str] = {}

    def read(self, entry: Entry) -> Record:
        """The record an entry holds; `Reject` when it cannot be used."""
        raw = entry.raw
        if isinstance(raw, Reject):
            raise raw
        if not isinstance(raw, dict):
            raise Reject("E0302", "a record must be a JSON object")
        kind = raw.get("type")
        kind = _TYPES.get(kind, kind) if isinstance(kind, str) else kind  # the constant, not the record's copy
        if not isinstance(kind, str) or kind not in _TYPES:
            guess = did_you_mean(str(kind), RECORD_TYPES) if kind is not None else None
            raise Reject(
                "E0302",
                f"unknown record type `{kind}`" if kind is not None else "the record has no `type`",
                f"did you mean `{guess}`?" if guess else "types: " + ", ".join(RECORD_TYPES),
                "type" if kind is not None else None,
            )
        if kind == "customer":
            return self.customer(entry, raw)
        if kind == "reported":
            return self.incident(entry, raw)
        if kind == "outage":
            return self.outage(entry, raw)
        if kind == "claim":
            return self.claim(entry, raw)
        incident = text(raw, "incident")
        assert incident is not None
        at = self.instant(raw, "at")
        assert at is not None
        severity = self.severity(raw) if kind == "severity_changed" else None
        return Event(incident, kind, at, severity, entry.seq, entry.where)

    # -- fields ------------------------------------------------------------------------------------------

    def share(self, value: str) -> str:
        """One string object for a value that many records repeat (a customer id, a channel): a held record then
        does not keep its own copy. The first `SHARED` distinct values are kept."""
        kept = self.shared.get(value)
        if kept is not None:
            return kept
        if len(self.shared) < SHARED:
            self.shared[value] = value
        return value

    def instant(self, raw: dict[str, Any], key: str, required: bool = True) -> int | None:
        value = text(raw, key, required)
        if value is None:
            return None
        try:
            return parse_instant(value)
        except TimestampError as error:
            raise Reject(error.code, f"`{key}`: {error}", error.help, key) from None

    def severity(self, raw: dict[str, Any]) -> str:
        code = text(raw, "severity")
        assert code is not None
        if code not in self.severities:
            guess = did_you_mean(code, self.severities)
            raise Reject(
                "E0308",
                f"severity `{code}` is not in the agreement",
                f"did you mean `{guess}`?" if guess else "known: " + ", ".join(sorted(self.severities)),
                "severity",
            )
        return self.severities[code]

    def plan(self, raw: dict[str, Any]) -> str | None:
        name = text(raw, "plan", required=False)
        if name is not None and name not in self.plans:
            guess = did_you_mean(name, self.plans)
            raise Reject(
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
        name = text(raw, "zone", required=False)
        if name is None:
            return None
        if is_abbreviation(name):
            suggestion = ZONE_ABBREVIATIONS.get(name.upper())
            raise Reject(
                "E0318",
                f"`{name}` is an abbreviation, not a time zone",
                f"name the place instead, for example `{suggestion}`"
                if suggestion
                else "name the place instead, as `Area/City`",
                "zone",
            )
        if not is_zone(name):
            close = closest_zone(name)
            raise Reject(
                "E0314",
                f"time zone `{name}` is not known",
                f"did you mean `{close}`?" if close else "use an IANA name like `Europe/Oslo`",
                "zone",
            )
        return name

    def amount(self, raw: dict[str, Any], key: str) -> Decimal | None:
        value = raw.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise Reject("E0313", f"`{key}` must be a number", key=key)
        if isinstance(value, float) and not math.isfinite(value):
            raise Reject("E0313", f"`{key}` must be a finite number", key=key)
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise Reject("E0313", f"`{key}` is not a number: `{value}`", key=key) from None
        if not number.is_finite() or number < 0:
            raise Reject("E0313", f"`{key}` must be zero or more, not `{value}`", key=key)
        return number

    # -- records -----------------------------------------------------------------------------------------

    def customer(self, entry: Entry, raw: dict[str, Any]) -> Customer:
        ident = text(raw, "id")
        assert ident is not None
        return Customer(
            ident,
            self.plan(raw),
            self.amount(raw, "fee"),
            text(raw, "currency", required=False),
            self.zone(raw),
            entry.seq,
            entry.where,
        )

    def incident(self, entry: Entry, raw: dict[str, Any]) -> Incident:
        ident = text(raw, "incident")
        assert ident is not None
        at = self.instant(raw, "at")
        assert at is not None
        customer = text(raw, "customer", required=False) or DEFAULT_CUSTOMER
        severity, plan = self.severity(raw), self.plan(raw)
        channel = text(raw, "channel", required=False)
        channel = None if channel is None else self.share(channel)
        return Incident(ident, self.share(customer), severity, plan, channel, at, entry.seq, entry.where)

    def outage(self, entry: Entry, raw: dict[str, Any]) -> Outage:
        start, end = self.instant(raw, "start"), self.instant(raw, "end")
        assert start is not None and end is not None
        if end <= start:
            raise Reject("E0312", "the outage ends before it starts", "`end` must come after `start`", "end")
        tags = raw.get("tags", [])
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise Reject("E0303", "`tags` must be a list of strings")
        ident = text(raw, "id", required=False) or f"outage at line {entry.where.line}"
        customer = text(raw, "customer", required=False)
        return Outage(
            ident,
            None if customer is None else self.share(customer),
            start,
            end,
            tuple(self.share(t) for t in tags),
            self.instant(raw, "notice", required=False),
            self.instant(raw, "reported", required=False),
            entry.seq,
            entry.where,
        )

    def claim(self, entry: Entry, raw: dict[str, Any]) -> Claim:
        at = self.instant(raw, "at")
        assert at is not None
        return Claim(
            text(raw, "customer", required=False) or DEFAULT_CUSTOMER,
            at,
            text(raw, "credit", required=False),
            text(raw, "incident", required=False),
            text(raw, "period", required=False),
            entry.seq,
            entry.where,
        )


def rejection(where: Span, text: str | bytes, error: Reject) -> Diagnostic:
    """The diagnostic for a record that cannot be used: the caret on the field at fault when it can be found in
    the record's text, else on the whole record."""
    primary, label = where, "record rejected"
    found = field_span(where, text, error.key) if error.key else None
    if found is not None:
        primary, label = found, "here"
    elif error.at is not None:
        body = text.decode("utf-8", errors="replace") if isinstance(text, bytes) else text
        found = _inner(where, body, error.at, error.at + 1)
        primary, label = found, "not UTF-8" if error.code == "E0315" else "here"
    secondary = (Label(where, "record rejected"),) if found is not None and found.line != where.line else ()
    return Diagnostic(error.code, error.message, primary, label, secondary=secondary, help=error.help)


def field_span(where: Span, text: str | bytes, key: str) -> Span | None:
    """The span of a field's value inside a JSON record's text, for the smallest useful caret."""
    body = text.decode("utf-8", errors="replace") if isinstance(text, bytes) else text
    at = body.find(f'"{key}"')
    if at < 0:
        return None
    colon = body.find(":", at)
    start = colon + 1
    while start < len(body) and body[start] in " \t\r\n":
        start += 1
    if start >= len(body):
        return None
    if body[start] == '"':
        end = body.find('"', start + 1) + 1 or len(body)
    else:
        end = start
        while end < len(body) and body[end] not in ",}\r\n":
            end += 1
    return _inner(where, body, start, end)


def _inner(where: Span, body: str, start: int, end: int) -> Span:
    """A span from character `start` to `end` of a record's text (which may run over several lines)."""
    line = where.line + body.count("\n", 0, start)
    line_start = body.rfind("\n", 0, start) + 1
    column = (where.column if line == where.line else 1) + start - line_start
    end_line = where.line + body.count("\n", 0, end)
    end_start = body.rfind("\n", 0, end) + 1
    end_column = (where.column if end_line == where.line else 1) + end - end_start
    return Span(where.file, where.start + start, where.start + end, line, column, end_line, end_column)
