"""Tickets to timeline records: the one place where an export's values become the records the engine reads.

Every importer reads its tool's export into `Ticket`s (a ticket's own fields, and the changes its history
records) or, for a generic CSV of events, into rows; `Bridge` turns them into entries of the record types the
engine already understands, and nothing else:

* the ticket's number, priority and opening time make a `reported` record; its priority becomes a severity
  (and a plan) through the mapping's [priorities];
* a time in one of the ticket's own fields (a first response, a resolution) makes that record;
* its history, in time order: entering a `pause` status makes `paused`, leaving one `resumed`; entering a
  `resolution` status makes `resolution` each time the ticket is resolved (again after a reopening: the engine
  decides which one counts); the first entry into a `response` status makes `response`; a `restore` status
  makes `restore`; a change of priority makes `severity_changed`;
* a history entry that is itself a record (a first public reply, a metric that pauses or fulfils) makes that
  record: `response` the first time, `paused` only when the clock runs and `resumed` only when it is paused;
* a record the ticket's fields and its history both give at the same instant is written once.

An outage (a status page's incident or maintenance) makes `outage` records: its start and end, the tags the
importer found for it, and a customer for each customer it names (none: every customer's).

Nothing is dropped in silence. A row that cannot be mapped (no id, an unknown priority, a time that names no
instant) is an entry whose value is the `Reject` saying why, counted and reported like any rejected record; a
ticket the mapping's [skip] names (merged into another) is left out with a warning (`W0401`) naming it; a
repeated local time placed by the mapping's `ambiguous` rule is kept with a warning (`W0402`) naming the rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import attrs

from sladsl.diagnostics import Diagnostic, did_you_mean
from sladsl.importers.exports import Place, Value
from sladsl.importers.mapping import Mapping, Severity
from sladsl.source import Span
from sladsl.time.instants import LocalTimes, TimestampError, read_export_time
from sladsl.timeline.formats import Entry, Reject
from sladsl.timeline.records import span_within


@attrs.define
class Change:
    """A change a ticket's history records: its `field` (`status` or `priority`), the value it changed to, and
    when; or, with `field` `record`, a history entry that is itself a record, the record type in `to`."""

    field: str
    to: Value
    at: Value | None
    place: Place
    when: str = "at"  # the name of the field `at` was read from, for diagnostics


@attrs.define
class Ticket:
    place: Place
    id: Value | None
    priority: Value | None
    opened: Value | None
    customer: Value | None = None
    channel: Value | None = None
    plan: Value | None = None
    stamps: list[tuple[str, Value]] = attrs.field(factory=list)  # (record type, time) from its own fields
    changes: list[Change] = attrs.field(factory=list)
    skip: Value | None = None


STAMPS = ("response", "restore", "resolution", "update")  # record types a ticket's own field may time


class _Mapped:
    """The default of `ticket_of`'s overrides: read the field the mapping names."""


MAPPED = _Mapped()


def ticket_of(
    place: Place,
    get: Callable[[str | None], Value | None],
    mapping: Mapping,
    *,
    priority: Value | _Mapped | None = MAPPED,
    skip: Value | _Mapped | None = MAPPED,
) -> Ticket:
    """A ticket from the fields the mapping names in one row or object (`get` reads a field by name); an
    importer that knows better gives the `priority` it opened with, or what marks it to `skip`."""
    ticket = Ticket(
        place,
        get(mapping.field("incident")),
        get(mapping.field("priority")) if isinstance(priority, _Mapped) else priority,
        get(mapping.field("reported")),
        customer=get(mapping.field("customer")),
        channel=get(mapping.field("channel")),
        plan=get(mapping.field("plan")),
        skip=get(mapping.skip_field) if isinstance(skip, _Mapped) else skip,
    )
    for kind in STAMPS:
        stamp = get(mapping.field(kind))
        if stamp is not None:
            ticket.stamps.append((kind, stamp))
    return ticket


def span_in(place: Place, value: Value) -> Span:
    """The span of a value inside a place (a cell of a row, a field of an object)."""
    where, text = place.where, place.text
    start, end = value.start - where.start, value.end - where.start
    if not 0 <= start <= len(text):
        return where
    return span_within(where, text, start, end)


def _some(names: Sequence[str], most: int = 8) -> str:
    shown = ", ".join(f"`{n}`" for n in names[:most])
    return shown if len(names) <= most else f"{shown} and {len(names) - most} more"


class Bridge:
    """Makes entries from tickets and event rows, numbered in the order they are made."""

    def __init__(self, mapping: Mapping, severities: Sequence[str] | None = None) -> None:
        self.mapping = mapping
        self.severities = severities  # the agreement's, when one is given: named in an unmapped priority's help
        self.seq = 0
        self.warnings: list[Diagnostic] = []
        self.times = LocalTimes(mapping.zone or "UTC")

    # -- entries --------------------------------------------------------------------------------------------

    def entry(self, place: Place, raw: dict[str, Any] | Reject) -> Entry:
        made = Entry(self.seq, place.where, raw, place.text)
        self.seq += 1
        return made

    def warn(self, code: str, message: str, place: Place, value: Value | None, help_text: str | None) -> None:
        span = span_in(place, value) if value is not None else place.where
        self.warnings.append(Diagnostic(code, message, span, "here", help=help_text))

    # -- values ---------------------------------------------------------------------------------------------

    def time(self, place: Place, value: Value, field: str) -> str:
        """A timestamp as a record writes it: in the mapping's zone (UTC when it names none), with its offset."""
        return self.times.iso(self.instant(place, value, field))

    def instant(self, place: Place, value: Value, field: str) -> int:
        mapping = self.mapping
        try:
            placed = read_export_time(value.text, mapping.zone, mapping.formats, mapping.ambiguous)
        except TimestampError as error:
            raise place.reject(error.code, f"`{field}`: {error}", error.help, value) from None
        if placed.rule is not None:
            self.warn("W0402", placed.rule, place, value, "export times with offsets to leave no doubt")
        return placed.instant

    def severity(self, place: Place, value: Value, field: str) -> Severity:
        priorities = self.mapping.priorities
        if priorities is None:
            return Severity(value.text, None)
        found = priorities.get(value.text)
        if found is not None:
            return found
        mapped = list(priorities)
        guess = did_you_mean(value.text, mapped)
        advice = f"did you mean `{guess}`? " if guess else ""
        advice += f'add it under [priorities] in the mapping, as `"{value.text}" = "..."`'
        if self.severities is not None:
            advice += "; the agreement's severities: " + _some(list(self.severities))
        if mapped:
            advice += "; mapped: " + _some(mapped)
        raise place.reject("E0404", f"`{field}` `{value.text}` is not mapped to a severity", advice, value)

    def customer(self, place: Place, value: Value | None) -> str | None:
        mapping = self.mapping
        if value is None:
            return mapping.default_customer
        if not mapping.customers:
            return value.text
        found = mapping.customers.get(value.text)
        if found is not None:
            return found
        if mapping.default_customer is not None:
            return mapping.default_customer
        names = list(mapping.customers)
        guess = did_you_mean(value.text, names)
        raise place.reject(
            "E0412",
            f"customer `{value.text}` is not mapped",
            (f"did you mean `{guess}`? " if guess else "")
            + f"add it under [customers.names] in the mapping, or give a `default`; mapped: {_some(names)}",
            value,
        )

    def required(self, place: Place, value: Value | None, field: str) -> Value:
        if value is not None:
            return value
        column = self.mapping.field(field) or field
        said = f"`{column}`" if column == field else f"`{column}` (the record's `{field}`)"
        raise place.reject(
            "E0411",
            f"this {_row_word(place)} has no {said}",
            "every ticket needs its id, priority and opening time; fill it in the tool and export again"
            if field in ("incident", "priority", "reported")
            else f"every {_row_word(place)} needs it; fill it in the tool and export again",
        )

    # -- tickets --------------------------------------------------------------------------------------------

    def ticket(self, ticket: Ticket) -> Iterator[Entry]:
        """The entries of one ticket: its report, then its events in time order."""
        place = ticket.place
        mapping = self.mapping
        if ticket.skip is not None and ticket.skip.text in mapping.skip_values:
            ident = ticket.id.text if ticket.id is not None else "this ticket"
            self.warn(
                "W0401",
                f"`{ident}` is not imported: its `{mapping.skip_field}` is `{ticket.skip.text}`",
                place,
                ticket.skip,
                "the mapping's [skip] leaves out tickets merged into another; remove the value there to import it",
            )
            return
        try:
            ident = self.required(place, ticket.id, "incident").text
            opened = self.required(place, ticket.opened, "reported")
            priority = self.required(place, ticket.priority, "priority")
            severity = self.severity(place, priority, mapping.field("priority") or "priority")
            at = self.time(place, opened, mapping.field("reported") or "reported")
            customer = self.customer(place, ticket.customer)
        except Reject as error:
            if ticket.changes:
                error.message += f"; its {len(ticket.changes)} history entries are not imported either"
            yield self.entry(place, error)
            return
        report: dict[str, Any] = {"type": "reported", "incident": ident}
        if customer is not None:
            report["customer"] = customer
        report["severity"] = severity.severity
        plan = severity.plan or (ticket.plan.text if ticket.plan is not None else None)
        if plan is not None:
            report["plan"] = plan
        if ticket.channel is not None:
            report["channel"] = ticket.channel.text
        report["at"] = at
        yield self.entry(place, report)
        events: list[tuple[int, int, Place, dict[str, Any]]] = []  # (instant, order, place, record)
        seen: set[tuple[str, int]] = set()  # (type, instant): a record the fields and the history both give
        for kind, stamp in ticket.stamps:
            try:
                instant = self.instant(place, stamp, mapping.field(kind) or kind)
            except Reject as error:
                yield self.entry(place, error)
                continue
            seen.add((kind, instant))
            events.append((instant, len(events), place, {"type": kind, "incident": ident}))
        for problem in self.history(ident, ticket, seen, events):
            yield self.entry(*problem)
        events.sort(key=lambda event: (event[0], event[1]))
        for instant, _, where, record in events:
            record["at"] = self.times.iso(instant)
            yield self.entry(where, record)

    def history(
        self,
        ident: str,
        ticket: Ticket,
        seen: set[tuple[str, int]],
        events: list[tuple[int, int, Place, dict[str, Any]]],
    ) -> Iterator[tuple[Place, Reject]]:
        """The records a ticket's history makes, added to `events`; the changes that cannot be read."""
        mapping = self.mapping
        timed: list[tuple[int, int, Change]] = []
        for order, change in enumerate(ticket.changes):
            try:
                when = self.required(change.place, change.at, change.when)
                instant = self.instant(change.place, when, change.when)
            except Reject as error:
                yield change.place, error
                continue
            timed.append((instant, order, change))
        timed.sort(key=lambda item: (item[0], item[1]))  # by instant; the history's own order among equal times
        paused = responded = False
        inside = {"restore": False, "resolution": False}
        for instant, _, change in timed:
            place = change.place
            if change.field == "record":
                kind = change.to.text
                if (kind == "paused" and paused) or (kind == "resumed" and not paused):
                    continue  # a pause while paused, or a start of a clock that runs: nothing changes
                if kind == "response" and responded:
                    continue
                paused = (kind == "paused") or (paused and kind != "resumed")
                responded = responded or kind == "response"
                if (kind, instant) not in seen:
                    seen.add((kind, instant))
                    events.append((instant, len(events), place, {"type": kind, "incident": ident}))
                continue
            if change.field == "priority":
                stored = change.to
                to = Value(mapping.choice("priority", stored.text), stored.start, stored.end)
                try:
                    severity = self.severity(place, to, "priority")
                except Reject as error:
                    yield place, error
                    continue
                record = {"type": "severity_changed", "incident": ident, "severity": severity.severity}
                events.append((instant, len(events), place, record))
                continue
            status = mapping.choice("status", change.to.text)
            kinds = []
            if mapping.status_in("pause", status):
                if not paused:
                    kinds.append("paused")
                paused = True
            elif paused:
                kinds.append("resumed")
                paused = False
            if mapping.status_in("response", status) and not responded:
                kinds.append("response")
                responded = True
            for kind in ("restore", "resolution"):  # each time the ticket enters such a status, reopened or not
                now_in = mapping.status_in(kind, status)
                if now_in and not inside[kind]:
                    kinds.append(kind)
                inside[kind] = now_in
            for kind in kinds:
                if (kind, instant) not in seen:
                    seen.add((kind, instant))
                    events.append((instant, len(events), place, {"type": kind, "incident": ident}))

    # -- outages (status pages) -----------------------------------------------------------------------------

    def outage(
        self,
        place: Place,
        ident: Value | None,
        start: Value | None,
        end: Value | None,
        *,
        tags: Sequence[str] = (),
        customers: Sequence[str | None] = (None,),
        notice: Value | None = None,
    ) -> Iterator[Entry]:
        """The `outage` records of one outage: one per customer (None: every customer), each with its tags."""
        mapping = self.mapping
        try:
            name = self.required(place, ident, "incident").text
            times = {}
            for field, value in (("start", start), ("end", end), ("notice", notice)):
                if field == "notice" and value is None:
                    continue
                column = mapping.field(field) or field
                times[field] = self.time(place, self.required(place, value, field), column)
        except Reject as error:
            yield self.entry(place, error)
            return
        for customer in customers:
            record: dict[str, Any] = {
                "type": "outage",
                "id": name if len(customers) == 1 else f"{name}/{customer}",
            }
            if customer is not None:
                record["customer"] = customer
            record["start"], record["end"] = times["start"], times["end"]
            if tags:
                record["tags"] = list(tags)
            if "notice" in times:
                record["notice"] = times["notice"]
            yield self.entry(place, record)

    # -- event rows (generic CSV) ---------------------------------------------------------------------------

    def event(self, place: Place, cells: dict[str, Value]) -> Entry:
        """One record from a row of a generic CSV with a row per event."""
        mapping = self.mapping
        try:
            kind_value = self.required(place, cells.get(mapping.field("event") or ""), "event")
            kind = mapping.events.get(kind_value.text)
            if kind is None:
                known = list(mapping.events)
                guess = did_you_mean(kind_value.text, known)
                raise place.reject(
                    "E0413",
                    f"event `{kind_value.text}` is not mapped to a record type",
                    (f"did you mean `{guess}`? " if guess else "")
                    + f'add it under [events] in the mapping, as `"{kind_value.text}" = "response"`; mapped: '
                    + _some(known),
                    kind_value,
                )
            ident = self.required(place, cells.get(mapping.field("incident") or ""), "incident").text
            when = self.required(place, cells.get(mapping.field("at") or ""), "at")
            at = self.time(place, when, mapping.field("at") or "at")
            record: dict[str, Any] = {"type": kind, "incident": ident}
            if kind == "reported":
                customer = self.customer(place, cells.get(mapping.field("customer") or ""))
                if customer is not None:
                    record["customer"] = customer
            if kind in ("reported", "severity_changed"):
                priority = self.required(place, cells.get(mapping.field("priority") or ""), "priority")
                severity = self.severity(place, priority, mapping.field("priority") or "priority")
                record["severity"] = severity.severity
                plan = cells.get(mapping.field("plan") or "")
                if kind == "reported" and (severity.plan or plan):
                    record["plan"] = severity.plan or (plan.text if plan else None)
            channel = cells.get(mapping.field("channel") or "")
            if kind == "reported" and channel is not None:
                record["channel"] = channel.text
            record["at"] = at
        except Reject as error:
            return self.entry(place, error)
        return self.entry(place, record)


def _row_word(place: Place) -> str:
    return "object" if place.text.lstrip().startswith("{") else "row"
