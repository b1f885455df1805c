"""The one evaluation engine: records in, in any order; verdicts out, each as soon as it is final.

    entries ─IncidentStage→ Decided, Rejected  ·  Partial ─PeriodStage→ KPIs, availability, awards, Summary

`IncidentStage` reads entries one at a time, keeps what each incident needs, and decides an incident (every
target verdict of it) when its records are all in: at the end of input, or, given a `Finality` learned by reading
the timeline backwards, right after its last record. A verdict that depends on the instant the evaluation stands
at (a target not done yet) waits for the end of input, when that instant is known, unless `--as-of` fixed it.
Either way an incident is decided once, from all of its records, so the figures never depend on when they were
emitted. What the periods need (counts for the KPIs, the verdicts that can earn credits, customers, outages and
claims) goes into a `Partial`; `PeriodStage` turns one or more partials (one per `--jobs` worker) into the KPI,
availability and credit verdicts and the summary. `Evaluation` is the two together in one process, and
`evaluate` runs one to the end and gathers a `Report`. Every way of running takes its entries through
`in_batches`: the same steps as one entry at a time, each over a batch of entries before the next, which keeps
each step's code in the processor's caches; the items are the same, in the same order.

Every output item carries a key: where in the stream of records it was decided, so that the output of several
workers, merged by key, is the output of one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import islice, repeat
from typing import Any, NamedTuple

import msgspec
from msgspec.structs import replace

from sladsl import model
from sladsl.diagnostics import Diagnostic
from sladsl.evaluation.availability import Availability, conflicting
from sladsl.evaluation.credits import Credits, selectors
from sladsl.evaluation.finality import Finality, bucket_of
from sladsl.evaluation.kpis import Counts, KpiTally, Periods
from sladsl.evaluation.targets import Targets, resolved_at, selects, waits
from sladsl.evaluation.verdicts import (
    AvailabilityVerdict,
    Award,
    KpiVerdict,
    Records,
    Report,
    TargetVerdict,
    count_breaches,
)
from sladsl.source import Span
from sladsl.time.calendar import clock_for
from sladsl.timeline.formats import Entry, Reject
from sladsl.timeline.records import (
    Claim,
    Customer,
    Event,
    Incident,
    Outage,
    Record,
    RecordReader,
    key_of,
    rejection,
)

END = 1 << 62  # the key of what is decided at the end of input: after every record
Key = tuple[int, int, int, str]  # (record after which it was decided, 0 rejection | 1 incident, then an order)


class Decided(msgspec.Struct):
    """Every target verdict of one incident (shown: reported inside the window, when there is one)."""

    key: Key
    incident: str
    verdicts: tuple[TargetVerdict, ...]


class Rejected(msgspec.Struct, frozen=True):
    """A record that cannot be used, and why."""

    key: Key
    diagnostic: Diagnostic


class Warned(msgspec.Struct, frozen=True):
    """Records kept, with a caution (outages that overlap but are tagged differently)."""

    diagnostic: Diagnostic


class Summary(msgspec.Struct, frozen=True):
    """The last item: the instant the evaluation stood at, the shown targets' outcomes, breaches of every kind,
    and what became of the records."""

    as_of: int | None
    met: int
    breached: int
    pending: int
    breaches: int
    records: Records
    excluded: int = 0  # targets an incident's tag excused it from

    @property
    def targets(self) -> int:
        return self.met + self.breached + self.pending + self.excluded


Item = Decided | Rejected | Warned | KpiVerdict | AvailabilityVerdict | Award | Summary


class Partial(msgspec.Struct):
    """What the periods need from one share of the incidents, and how that share's records fared."""

    read: int
    evaluated: int
    rejected: int
    statuses: dict[str, int]
    kpis: dict[tuple[int, str, str], Counts]
    creditable: list[TargetVerdict]
    customers: dict[str, Customer]
    names: set[str]
    first: int | None
    latest: int | None
    outages: list[Outage]
    claims: list[Claim]


def owner(raw: Any, workers: int) -> int | None:
    """Which of `workers` shares a record belongs to: a report or event goes by its incident's bucket; anything
    else belongs to share 0, except a customer record, which every share reads (None) and share 0 counts."""
    key = key_of(raw)
    if key is None:
        return 0
    if key[0] == "customer":
        return None
    return bucket_of(key[1]) % workers


class _State(msgspec.Struct, gc=False):
    """An incident not decided yet: its report once read, its events, and events read before the report. The
    lists are made when first needed: an incident never answered is held to the end of input with neither. A
    struct, made in C, as one is made for every incident."""

    incident: Incident | None = None
    events: list[Event] | None = None
    early: list[tuple[Event, str | bytes]] | None = None  # with their text, to point at a field
    refused: int | None = None  # the line of a report of it that was rejected


class _Held(NamedTuple):
    """An incident whose records are all in: its report's facts, the plan that applies to it, and its events in
    time order: what its targets are decided from. A tuple, made once per incident."""

    id: str
    customer: str
    severity: str
    reported: int
    plan: str | None
    events: tuple[Event, ...]
    add_ons: tuple[str, ...] = ()  # the customer's, each with targets of its own beside the plan's
    tags: tuple[str, ...] = ()  # the report's, which may excuse it from targets
    place: model.Place | None = None  # the customer's, when a calendar follows the customer


class _Waiting(msgspec.Struct, gc=False):
    """An incident with events, decided but for the as-of instant, which some of its verdicts wait for: held to the
    end of input, when the instant is known, and then settled (`Targets.settle`)."""

    verdicts: tuple[TargetVerdict, ...]  # at least one, each naming the incident and its report
    resolved: int | None  # the incident's first resolution, where an update cadence stops
    targets: Targets  # the targets it was decided by (its customer's calendars)


class IncidentStage:
    """Decides incidents from a stream of entries (of all of a timeline's incidents, or of one share of them)."""

    def __init__(
        self,
        agreement: model.Agreement,
        *,
        as_of: int | None = None,
        window: tuple[int, int] | None = None,
        trace: bool = False,
        finality: Finality,
    ) -> None:
        self.agreement = agreement
        self.reader = RecordReader(agreement, finality.customers)
        self.clocks = {name: clock_for(spec) for name, spec in agreement.calendars.items()}
        self.targets = Targets(agreement, self.clocks)
        self.tally = KpiTally(agreement, Periods(agreement.local_zone))
        self.selectors = selectors(agreement)
        self.fixed = as_of
        self.standing = as_of  # the as-of instant when it is known: given, or once every record is in
        self.window = window
        self.trace = trace
        self.finality = finality
        self.plans_matter = bool(agreement.plans)
        self.add_ons_matter = bool(agreement.add_ons)  # a customer's add-ons come only from its own record
        self.places_matter = bool(agreement.follows_customer)  # so does the zone such a calendar follows
        self.open: dict[str, _State] = {}
        self.held: list[_Waiting | _Held] = []  # decided but for the as-of instant: see `judge`
        self.awaiting: dict[str, list[str]] = {}  # customer -> incidents whose last record is in, but not theirs
        self.ready: list[tuple[_Held, int]] = []  # incidents decided after record `seq`, to judge: `judge_ready`
        self.read = self.evaluated = self.rejected = 0
        self.statuses = {"met": 0, "breached": 0, "pending": 0, "excluded": 0}
        self.creditable: list[TargetVerdict] = []
        self.customers: dict[str, Customer] = {}
        self.names: set[str] = set()
        self.first: int | None = None
        self.latest: int | None = None
        self.outages: list[Outage] = []
        self.outage_ids: dict[str, int] = {}  # an outage's id -> the line it is given on
        self.claims: list[Claim] = []

    # -- reading -----------------------------------------------------------------------------------------

    def feed(self, entry: Entry, *, counted: bool = True) -> list[Item]:
        """Read one entry; what it let be decided. With `counted` False (a customer record read by a `--jobs`
        worker that does not own it), the record is used but neither counted nor reported."""
        out = self.take(entry, self.record_of(entry), counted=counted)
        self.judge_ready(out)
        if len(out) > 1:
            out.sort(key=_key)
        return out

    def record_of(self, entry: Entry) -> Record | Reject:
        """The record an entry holds, or why it cannot be used. It depends on the entry and the agreement alone,
        never on the entries taken before it, so entries can be read ahead of being taken (`in_batches`)."""
        try:
            return self.reader.read(entry)
        except Reject as error:
            return error

    def take(self, entry: Entry, record: Record | Reject, *, counted: bool = True) -> list[Item]:
        """`feed`, given the entry's record (`record_of`), but the incidents it lets be decided are only made
        ready (`judge_ready` judges them), and what it rejects is in the order it was rejected, not sorted."""
        out: list[Item] = []
        if counted:
            self.read += 1
        seq = entry.seq
        if isinstance(record, Reject):
            if counted:
                self.reject(out, (seq, 0, seq, ""), rejection(entry.where, entry.text, record))
            key = key_of(entry.raw)
            if key is not None:
                if key[0] == "customer":
                    self.release(key[1], seq, out)
                    return out
                if counted and entry.raw.get("type") == "reported":  # its events are rejected: say why
                    state = self.open.get(key[1])
                    if state is None:
                        state = self.open[key[1]] = _State()
                    if state.refused is None:
                        state.refused = entry.where.line
                if self.finality.is_last(seq):
                    self.complete(key[1], seq, out)
            return out
        if isinstance(record, Event):
            self.event(record, entry, out)
            if self.finality.is_last(seq):
                self.complete(record.incident, seq, out)
        elif isinstance(record, Incident):
            self.report(record, entry, out)
            if self.finality.is_last(seq):
                self.complete(record.id, seq, out)
        elif isinstance(record, Customer):
            self.customer(record, entry, out, counted)
            self.release(record.id, seq, out)
        elif isinstance(record, Outage):
            self.outage(record, entry, out)
        else:
            self.claims.append(record)
            self.kept(record.at)
        return out

    def reject(self, out: list[Item], key: Key, diagnostic: Diagnostic) -> None:
        self.rejected += 1
        out.append(Rejected(key, diagnostic))

    def kept(self, instant: int) -> None:
        """A record is kept and will be evaluated; the latest instant kept is the default as-of."""
        self.evaluated += 1
        if self.latest is None or instant > self.latest:
            self.latest = instant

    def saw(self, instant: int, customer: str | None) -> None:
        """A report or an outage: periods are measured from the earliest, for every customer named."""
        if self.first is None or instant < self.first:
            self.first = instant
        if customer is not None:
            self.names.add(customer)

    def customer(self, record: Customer, entry: Entry, out: list[Item], counted: bool) -> None:
        first = self.customers.get(record.id)
        if first is not None:
            if counted:
                self.reject(
                    out,
                    (entry.seq, 0, entry.seq, ""),
                    rejection(
                        entry.where,
                        entry.text,
                        Reject(
                            "E0311",
                            f"customer `{record.id}` is given twice",
                            f"the first is at line {first.where.line}",
                            "id",
                        ),
                    ),
                )
            return
        self.customers[record.id] = record
        if counted:
            self.evaluated += 1
            self.names.add(record.id)

    def outage(self, record: Outage, entry: Entry, out: list[Item]) -> None:
        first = self.outage_ids.get(record.id)
        if first is not None:
            message = Reject(
                "E0311", f"outage `{record.id}` is given twice", f"the first is at line {first}", "id"
            )
            self.reject(out, (entry.seq, 0, entry.seq, ""), rejection(entry.where, entry.text, message))
            return
        self.outage_ids[record.id] = entry.where.line
        self.outages.append(record)
        self.kept(record.end)
        self.saw(record.start, record.customer)

    def release(self, customer: str, seq: int, out: list[Item]) -> None:
        """Decide the incidents that waited for their customer's records, once record `seq` was the last."""
        if customer in self.awaiting and self.finality.customer_done(customer, seq):
            for ident in self.awaiting.pop(customer):
                self.decide(ident, self.open.pop(ident), seq, out)

    def report(self, incident: Incident, entry: Entry, out: list[Item]) -> None:
        state = self.open.get(incident.id)
        if state is None:
            state = self.open[incident.id] = _State()
        elif state.incident is not None:
            first = state.incident.where.line
            message = Reject(
                "E0311",
                f"incident `{incident.id}` is reported twice",
                f"the first report is at line {first}",
                "incident",
            )
            self.reject(out, (entry.seq, 0, entry.seq, ""), rejection(entry.where, entry.text, message))
            return
        state.incident = incident
        self.kept(incident.reported)
        self.saw(incident.reported, incident.customer)
        for event, text in state.early or ():
            self.vet(state, event, text, entry.seq, out)
        state.early = None

    def event(self, event: Event, entry: Entry, out: list[Item]) -> None:
        state = self.open.get(event.incident)
        if state is None:
            state = self.open[event.incident] = _State()
        if state.incident is None:
            if state.early is None:
                state.early = []
            state.early.append((event, entry.text))
        else:
            self.vet(state, event, entry.text, entry.seq, out)

    def vet(self, state: _State, event: Event, text: str | bytes, seq: int, out: list[Item]) -> None:
        """Keep an event of a reported incident, unless it comes before the report (then rejected after record
        `seq`, the event itself or the report that came after it)."""
        incident = state.incident
        assert incident is not None
        if event.at < incident.reported:
            message = Reject(
                "E0312",
                f"this {event.kind} comes before incident `{incident.id}` was reported",
                f"the report is at line {incident.where.line}",
                "at",
            )
            self.reject(out, (seq, 0, event.seq, ""), rejection(event.where, text, message))
            return
        if state.events is None:
            state.events = []
        state.events.append(event)
        self.kept(event.at)

    # -- deciding ----------------------------------------------------------------------------------------

    def complete(self, ident: str, seq: int, out: list[Item]) -> None:
        """Every record of the incident has been read (record `seq` was its last): decide it."""
        state = self.open.get(ident)
        if state is None:
            return  # only rejected records named it
        incident = state.incident
        if incident is None:
            del self.open[ident]
            for event, text in state.early or ():
                message = (
                    Reject(
                        "E0310",
                        f"incident `{ident}` was never reported",
                        "add a `reported` record for it, or correct the id",
                        "incident",
                    )
                    if state.refused is None
                    else Reject(
                        "E0310",
                        f"the report of incident `{ident}` (line {state.refused}) was rejected",
                        "correct that report, and its events are kept",
                        "incident",
                    )
                )
                self.reject(out, (seq, 0, event.seq, ""), rejection(event.where, text, message))
            return
        if (
            self.add_ons_matter or self.places_matter or (self.plans_matter and incident.plan is None)
        ) and not self.finality.customer_done(incident.customer, seq):
            self.awaiting.setdefault(incident.customer, []).append(ident)  # its plan comes from a later record
            return
        self.decide(ident, self.open.pop(ident), seq, out)

    def decide(self, ident: str, state: _State, seq: int, out: list[Item]) -> None:
        """Every record of the incident is in: its verdicts, now or (when they wait for the as-of instant) at the
        end of input."""
        incident = state.incident
        assert incident is not None
        kept = state.events or []
        plan = incident.plan
        needed = plan is None or self.add_ons_matter or self.places_matter
        found = self.customers.get(incident.customer) if needed else None
        if plan is None:
            plan = found.plan if found is not None else None
        add_ons = found.add_ons if found is not None else ()
        place = found.place if found is not None else None
        if self.places_matter and place is None:
            self.unplaced(incident, kept, seq, out)
            return
        events = tuple(sorted(kept, key=_event_order) if len(kept) > 1 else kept)
        held = _Held(
            ident,
            incident.customer,
            incident.severity,
            incident.reported,
            plan,
            events,
            add_ons,
            incident.tags,
            place,
        )
        self.ready.append((held, seq))

    def unplaced(self, incident: Incident, events: list[Event], seq: int, out: list[Item]) -> None:
        """A calendar follows the customer, and the incident's customer has no record that says where it is (its
        record was rejected): the report is rejected, and its events with it, as they cannot be timed."""
        self.evaluated -= 1 + len(events)  # counted as kept when read
        calendar = self.agreement.follows_customer[0].name
        message = Reject(
            "E0326",
            f"customer `{incident.customer}` has no accepted record, and calendar `{calendar}` follows the "
            "customer",
            "correct its `customer` record, and the incident is timed",
            "customer",
        )
        self.reject(out, (seq, 0, incident.seq, ""), rejection(incident.where, incident.entry.text, message))
        for event in events:
            refused = Reject(
                "E0310",
                f"the report of incident `{incident.id}` (line {incident.where.line}) was rejected",
                "correct that report, and its events are kept",
                "incident",
            )
            self.reject(out, (seq, 0, event.seq, ""), rejection(event.where, event.entry.text, refused))

    def judge_ready(self, out: list[Item]) -> None:
        """Judge the incidents made ready since the last call, in the order they were made ready: their verdicts
        go to `out`, or wait for the as-of instant. Deciding which incidents are ready and judging them are two
        steps, so that a batch of entries can be taken before any is judged (`in_batches`)."""
        ready, self.ready = self.ready, []
        judge, standing = self.judge, self.standing
        for incident, seq in ready:
            judge(incident, seq, out, standing)

    def judge(self, incident: _Held, seq: int, out: list[Item], as_of: int | None) -> None:
        targets = self.targets if incident.place is None else self.targets.at(incident.place)
        verdicts = targets.incident(
            incident, incident.events, incident.plan, as_of, self.trace, add_ons=incident.add_ons
        )
        if as_of is None and any(waits(verdict) for verdict in verdicts):
            # Held to the end of input in the smaller form: an incident with events as its verdicts, settled then;
            # one with none (3 in 100 incidents of a busy timeline: never answered) as its report's facts, judged
            # again then, which is quick with no events: one severity, no pauses.
            if incident.events:
                self.held.append(_Waiting(tuple(verdicts), resolved_at(incident.events), targets))
            else:
                self.held.append(incident)
            return
        self.record(incident.id, incident.reported, verdicts, seq, out)

    def record(self, ident: str, reported: int, verdicts: list[TargetVerdict], seq: int, out: list[Item]) -> None:
        """An incident's verdicts, final: counted, and decided after record `seq`."""
        if self.tally.kpis:
            for verdict in verdicts:
                self.tally.add(verdict)  # KPIs, caps and no-stacking count every incident; a window only filters
        if self.selectors:
            for verdict in verdicts:
                if verdict.status == "breached" and any(selects(s, verdict) for s in self.selectors):
                    self.creditable.append(verdict)
        window = self.window
        if window is None or window[0] <= reported < window[1]:
            for verdict in verdicts:
                self.statuses[verdict.status] += 1
            out.append(Decided((seq, 1, reported, ident), ident, tuple(verdicts)))

    def finish(self, as_of: int | None) -> list[Item]:
        """Decide what is still open once every record has been read, standing at `as_of` (the instant the
        evaluation stands at; None only when no record named one, and then nothing is open)."""
        out: list[Item] = []
        stand = self.fixed if self.fixed is not None else as_of
        self.standing = stand
        self.awaiting.clear()  # those incidents are open still, and decided with the rest
        for ident in list(self.open):
            self.complete(ident, END, out)
        self.judge_ready(out)
        held, self.held = self.held, []
        for waiting in held:
            assert stand is not None  # a held incident has a report, which names an instant
            if isinstance(waiting, _Held):
                self.judge(waiting, END, out, stand)
                continue
            verdicts = waiting.targets.settle(waiting.verdicts, waiting.resolved, stand)
            self.record(verdicts[0].incident, verdicts[0].reported, verdicts, END, out)
        out.sort(key=_key)
        return out

    def partial(self, *, customers: bool = True) -> Partial:
        return Partial(
            self.read,
            self.evaluated,
            self.rejected,
            dict(self.statuses),
            self.tally.counts,
            self.creditable,
            self.customers if customers else {},
            self.names,
            self.first,
            self.latest,
            self.outages,
            self.claims,
        )


class PeriodStage:
    """KPIs, availability and credits, per customer and period, from the partials of every share."""

    def __init__(
        self,
        agreement: model.Agreement,
        partials: Sequence[Partial],
        as_of: int | None,
        *,
        window: tuple[int, int] | None = None,
    ) -> None:
        self.agreement = agreement
        self.partials = partials
        self.as_of = as_of
        self.window = window

    def run(self) -> Iterator[Item]:
        agreement, partials, window = self.agreement, self.partials, self.window
        stand = 0 if self.as_of is None else self.as_of
        lo, hi = window if window is not None else (-END, END)
        clocks = {name: clock_for(spec) for name, spec in agreement.calendars.items()}
        periods = Periods(agreement.local_zone)
        customers: dict[str, Customer] = {}
        names: set[str] = set()
        for partial in partials:
            customers.update(partial.customers)
            names |= partial.names
        outages = sorted((o for p in partials for o in p.outages), key=lambda o: (o.start, o.seq))
        claims = sorted((c for p in partials for c in p.claims), key=lambda c: (c.at, c.seq))
        firsts = [p.first for p in partials if p.first is not None]
        for warning in conflicting(outages):
            yield Warned(warning)
        tally = KpiTally(agreement, periods)
        for partial in partials:
            tally.merge(partial.kpis)
        kpis = [k for k in tally.verdicts(stand) if lo <= k.start < hi]
        yield from kpis
        # Each period is yielded as it is made and kept without its outage shares, which only its own lines show.
        kept: list[AvailabilityVerdict] = []
        shown_breaches = 0
        for period in Availability(agreement, clocks).verdicts(outages, names, min(firsts, default=None), stand):
            if lo <= period.start < hi:
                shown_breaches += period.status == "breached"
                yield period
            kept.append(replace(period, shares=(), shared=()) if period.shares or period.shared else period)
        creditable = [v for p in partials for v in p.creditable]
        credits = Credits(agreement, clocks, periods, customers=customers, claims=claims, as_of=stand)
        for award in credits.awards(creditable, kept):
            if lo <= award.at < hi:
                yield award
        for claim in credits.unmatched():
            yield Warned(unclaimed(claim))
        for warning in credits.unapplied_rules():
            yield Warned(warning)
        met, breached, pending, excluded = (
            sum(p.statuses[s] for p in partials) for s in ("met", "breached", "pending", "excluded")
        )
        records = Records(
            sum(p.read for p in partials), sum(p.evaluated for p in partials), sum(p.rejected for p in partials)
        )
        breaches = breached + count_breaches((), kpis, ()) + shown_breaches
        yield Summary(self.as_of, met, breached, pending, breaches, records, excluded)


def unclaimed(claim: Claim) -> Diagnostic:
    """The warning for a claim that no award matched: it changes nothing, which its writer should know."""
    what = f"incident `{claim.incident}`" if claim.incident is not None else f"period {claim.period}"
    credit = f"credit `{claim.credit}`" if claim.credit is not None else "any credit"
    return Diagnostic(
        "W0302",
        f"this claim matches no award: customer `{claim.customer}` earned no {credit} for {what}",
        claim.where,
        "claim",
        help="a claim counts only for an award its customer earned; check its credit, customer and "
        + ("incident" if claim.incident is not None else "period"),
    )


def final_as_of(fixed: int | None, latest: Iterable[int | None]) -> int | None:
    """The instant an evaluation stands at: the one given, else the latest any record names (None if none)."""
    if fixed is not None:
        return fixed
    return max((t for t in latest if t is not None), default=None)


class Evaluation:
    """The engine in one process: `feed` entries in any order, then `finish`.

    Given a `finality` (see `sladsl.evaluation.finality`: where each incident's last record is, and which
    customers the timeline declares), `feed` returns each incident's verdicts as soon as its last record is in.
    Without one, `feed` only keeps the entries, and `finish` learns the finality from them, read last to first,
    before it runs them through: a record is always checked against the whole timeline's customers, so the
    figures are the same either way."""

    def __init__(
        self,
        agreement: model.Agreement,
        *,
        as_of: int | None = None,
        window: tuple[int, int] | None = None,
        trace: bool = False,
        finality: Finality | None = None,
    ) -> None:
        self.agreement = agreement
        self.fixed = as_of
        self.window = window
        self.trace = trace
        self.kept: list[Entry] | None = None if finality is not None else []
        self.incidents = IncidentStage(
            agreement, as_of=as_of, window=window, trace=trace, finality=finality or Finality(0)
        )
        # Read one entry, and return what it let be decided. Which of the two it does is known now, not asked
        # again for every record: with a finality, the entry goes straight to the incident stage.
        self.feed: Callable[[Entry], list[Item]] = self._keep if finality is None else self.incidents.feed

    def feed_all(self, entries: Iterable[Entry]) -> Iterator[list[Item]]:
        """`feed` for every entry in turn, what they decided a list at a time (`in_batches`)."""
        if self.kept is not None:
            self.kept.extend(entries)
            return
        yield from in_batches(zip(entries, repeat(True)), self.incidents)

    def _keep(self, entry: Entry) -> list[Item]:
        """Without a finality: the entry is kept for `finish`, and nothing is decided yet."""
        assert self.kept is not None
        self.kept.append(entry)
        return []

    def finish(self) -> Iterator[Item]:
        """What is still open, then the KPIs, availability, awards, and last the `Summary`."""
        if self.kept is not None:
            found, self.kept = self.kept, None
            self.incidents = IncidentStage(
                self.agreement,
                as_of=self.fixed,
                window=self.window,
                trace=self.trace,
                finality=finality_of(found),
            )
            self.feed = self.incidents.feed
            for decided in in_batches(zip(found, repeat(True)), self.incidents):
                yield from decided
        as_of = final_as_of(self.fixed, [self.incidents.latest])
        yield from self.incidents.finish(as_of)
        yield from PeriodStage(self.agreement, [self.incidents.partial()], as_of, window=self.window).run()


BATCH = 256  # entries taken at a time: see `in_batches`


def in_batches(
    entries: Iterable[tuple[Entry, bool]], stage: IncidentStage, size: int = BATCH
) -> Iterator[list[Item]]:
    """What `stage.feed(entry, counted=counted)` decides for each `(entry, counted)` in turn, a list for every
    `size` entries, in the order one entry at a time gives.

    A batch goes through one step at a time: its entries are parsed, then their records read (`record_of`),
    then taken, then the incidents they completed judged (`judge_ready`), and its items are handed on to be
    written, rather than each entry through every step. Each step then runs long enough for its code and data
    to stay in the processor's caches: a check of Izy's generated timeline takes about a fifth less time, of
    the mixed one a tenth less (`bench/README.md`). A failure in any step stops the run with nothing of its
    batch handed on: what was written before it is what the batches before it decided."""
    source = iter(entries)
    record_of, take, judge_ready = stage.record_of, stage.take, stage.judge_ready
    while True:
        batch = list(islice(source, size))
        if not batch:
            return
        records = [record_of(entry) for entry, _ in batch]
        decided: list[Item] = []
        for (entry, counted), record in zip(batch, records, strict=True):
            decided += take(entry, record, counted=counted)
        judge_ready(decided)
        if len(decided) > 1:
            # In the order `feed` gives: by entry, then by key among one entry's items, all of which begin with
            # its number. When the numbers rise through the batch, as they do in a file, that is by key alone.
            numbers = [entry.seq for entry, _ in batch]
            if numbers == sorted(set(numbers)):
                decided.sort(key=_key)
            else:
                position = {number: index for index, number in enumerate(numbers)}
                decided.sort(key=lambda item: (position[(key := _key(item))[0]], key))
        yield decided


def finality_of(entries: Sequence[Entry]) -> Finality:
    """The finality of entries held in memory, learned by reading them last to first."""
    finality = Finality(64 * len(entries))
    finality.add(entry.raw for entry in reversed(entries))
    finality.done()
    return finality


def evaluate(
    agreement: model.Agreement,
    records: Iterable[Entry | Mapping[str, Any]],
    *,
    as_of: int | None = None,
    window: tuple[int, int] | None = None,
    trace: bool = False,
    finality: Finality | None = None,
) -> Report:
    """Evaluate every target, KPI and commitment of the agreement over the records, and the credits owed.

    `records` are entries read from a timeline (`sladsl.read_timeline`) or plain mappings, one per record, in any
    order. `as_of` is the instant to stand at (default: the latest the records name); `window`, `[start, end)`,
    keeps the targets reported, the periods begun and the awards earned in it (caps and no-stacking still count
    everything); `trace` adds the open time each business-time target counted. `finality`, when the caller has
    learned it by reading the same records backwards, lets the records be read once and not held: otherwise
    they are held until the last is in."""
    found = (record if isinstance(record, Entry) else plain(seq, record) for seq, record in enumerate(records))
    evaluation = Evaluation(agreement, as_of=as_of, window=window, trace=trace, finality=finality)
    gathered = Gathered(agreement, window)
    for decided in evaluation.feed_all(found):
        gathered.add(decided)
    gathered.add(evaluation.finish())
    return gathered.report(evaluation.incidents.customers)


def plain(seq: int, record: Mapping[str, Any]) -> Entry:
    """An entry for a record that comes from no file: placed by its number, `<records>:N`."""
    where = Span("<records>", 0, 0, seq + 1, 1, seq + 1, 1)
    return Entry(seq, where, dict(record), "")


class Gathered:
    """The items of an evaluation, gathered into a `Report`: targets in order of report, then id."""

    def __init__(self, agreement: model.Agreement, window: tuple[int, int] | None) -> None:
        self.agreement = agreement
        self.window = window
        self.decided: list[Decided] = []
        self.rejected: list[Diagnostic] = []
        self.warnings: list[Diagnostic] = []
        self.kpis: list[KpiVerdict] = []
        self.availability: list[AvailabilityVerdict] = []
        self.awards: list[Award] = []
        self.summary: Summary | None = None

    def add(self, items: Iterable[Item]) -> None:
        for item in items:
            if isinstance(item, Decided):
                self.decided.append(item)
            elif isinstance(item, Rejected):
                self.rejected.append(item.diagnostic)
            elif isinstance(item, Warned):
                self.warnings.append(item.diagnostic)
            elif isinstance(item, KpiVerdict):
                self.kpis.append(item)
            elif isinstance(item, AvailabilityVerdict):
                self.availability.append(item)
            elif isinstance(item, Award):
                self.awards.append(item)
            else:
                self.summary = item

    def report(self, customers: Mapping[str, Customer]) -> Report:
        summary = self.summary
        assert summary is not None, "an evaluation ends with its summary"
        targets = tuple(v for d in sorted(self.decided, key=_by_report) for v in d.verdicts)
        return Report(
            self.agreement,
            summary.as_of,
            targets,
            tuple(self.kpis),
            tuple(self.availability),
            tuple(self.awards),
            summary.records,
            tuple(sorted(self.rejected, key=Diagnostic.sort_key)),
            tuple(self.warnings),
            {c.id: c.zone for c in customers.values() if c.zone is not None},
            self.window,
        )


def _by_report(decided: Decided) -> tuple[int, str]:
    return decided.key[2], decided.incident


def _key(item: Item) -> Key:
    assert isinstance(item, (Decided, Rejected))
    return item.key


def _event_order(event: Event) -> tuple[int, int]:
    return event.at, event.seq
