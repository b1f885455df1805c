"""Checked agreement + timeline → verdicts: targets, KPIs, availability and the credits they earn.

The interpreter never re-validates the agreement; it trusts the model. All clock arithmetic goes through
`sladsl.clock`. The caller passes `as_of`, the instant the evaluation stands at: a target still open then is
pending, or breached if its deadline has passed; a period that has not ended then earns nothing yet.

Semantics, in the order a reader meets them in a report:

* A target's clock starts at the report, or at the next opening of the `outside hours` calendar when the
  agreement has that rule. `after response deadline` starts it at that target's deadline instead.
* Pauses (`paused`/`resumed` events) stop business-time and wall-clock-hour clocks when the agreement says
  `pause while waiting on customer`; day-counted deadlines do not pause. An unresumed pause leaves the target
  pending.
* Severity changes (explicit events, or `after restore severity 1 becomes 2`) split an incident into stretches.
  In each stretch the target of that stretch's severity applies; a deadline that passes unanswered inside a
  stretch is a breach that a later change cannot undo. `keep_elapsed` (the default) measures every stretch from
  the original clock start, `restart` from the change, and `retroactive` applies the final severity throughout.
* A target is met when its event comes at or before the deadline instant. Margins are on the target's own
  clock: business time for business-time targets, real time otherwise.
* Update cadence: from the response (or the clock start) to each update, and from the last update to the
  resolution (or `as_of`), no gap may exceed the cadence.
* KPIs count the decided (met or breached) targets reported in each period.
* Availability per period: outages are clipped to the period and merged, so overlaps are never counted twice.
  An outage carrying an excluded tag is excluded; planned maintenance is excluded only with enough notice and,
  when the agreement says so, only outside a calendar's open hours. An outage the customer reported after a
  `report within` window closed is excluded. Where a counted outage overlaps an excluded
  one, the overlap counts (read against the drafter). Without a formula, availability is
  (1 - counted / period) * 100; nothing is rounded.
* Credits: ladders (the larger band where bands overlap), hourly credits (started or whole hours late; whole
  when the agreement does not say), flat credits. Then, in this order: awards below the minimum are void; awards
  not claimed within the claim window are void (or open while it runs); within a no-stacking period only the
  largest award stands; caps clip what would exceed them, earliest award first. Fee shares use the customer's
  monthly fee, times the months in the period.
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
from collections import defaultdict
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Literal

import attrs

from sladsl import model
from sladsl.clock import (
    Clock,
    ClockError,
    add_wall,
    clip,
    local,
    local_date,
    merge,
    period_bounds,
    period_of,
    total,
)
from sladsl.diagnostics import Diagnostic, SlaError
from sladsl.source import Span
from sladsl.timeline import DEFAULT_CUSTOMER, Claim, Customer, Event, Incident, Outage, Timeline

Status = Literal["met", "breached", "pending"]
HOUR = 3600


@attrs.frozen
class TargetVerdict:
    incident: str
    customer: str
    kind: model.TargetKind
    severity: str
    plan: str | None
    target: model.Target
    start: int
    due: int | None
    actual: int | None
    status: Status
    margin: int | None  # seconds on the target's clock, positive when early, negative when late
    clock: str
    notes: tuple[str, ...]
    reported: int


@attrs.frozen
class KpiVerdict:
    customer: str
    kpi: model.Kpi
    period: str
    start: int
    decided: int
    met: int
    status: Status

    @property
    def percent(self) -> Decimal | None:
        return Decimal(self.met) * 100 / Decimal(self.decided) if self.decided else None


@attrs.frozen
class OutageShare:
    outage: str
    line: int
    seconds: int
    treatment: str
    start: int  # the part of the outage inside the period
    end: int


@attrs.frozen
class AvailabilityVerdict:
    customer: str
    commitment: model.Availability
    period: str
    start: int
    end: int
    measures: dict[str, int]  # period_minutes, downtime_minutes, maintenance_minutes, counted_minutes (seconds)
    value: Decimal
    status: Status
    shares: tuple[OutageShare, ...]


@attrs.frozen
class Award:
    customer: str
    credit: str
    basis: str
    incident: str | None
    period: str | None
    at: int
    unit: str
    value: Decimal
    status: Literal["owed", "void", "open"]
    reasons: tuple[str, ...]
    citation: str | None


@attrs.frozen
class Report:
    agreement: model.Agreement
    as_of: int | None  # None when no record names an instant and none was given
    targets: tuple[TargetVerdict, ...]
    kpis: tuple[KpiVerdict, ...]
    availability: tuple[AvailabilityVerdict, ...]
    awards: tuple[Award, ...]
    read: int
    evaluated: int
    rejected: int
    customer_zones: dict[str, str] = attrs.field(factory=dict)

    @property
    def breaches(self) -> int:
        return (
            sum(t.status == "breached" for t in self.targets)
            + sum(k.status == "breached" for k in self.kpis)
            + sum(a.status == "breached" for a in self.availability)
        )

    def within(self, lo: int, hi: int) -> Report:
        """Only what belongs to `[lo, hi)`: targets by report, periods by start, awards by when earned. Caps and
        no-stacking were applied over the whole timeline first, so a filtered report shows the same amounts."""
        return attrs.evolve(
            self,
            targets=tuple(t for t in self.targets if lo <= t.reported < hi),
            kpis=tuple(k for k in self.kpis if lo <= k.start < hi),
            availability=tuple(a for a in self.availability if lo <= a.start < hi),
            awards=tuple(a for a in self.awards if lo <= a.at < hi),
        )

    def totals(self) -> dict[str, Decimal]:
        found: dict[str, Decimal] = defaultdict(Decimal)
        for award in self.awards:
            if award.status == "owed":
                found[award.unit] += award.value
        return dict(found)


def default_as_of(timeline: Timeline) -> int | None:
    """The latest instant the timeline mentions: what it can vouch for. None when it mentions none (no record
    was kept, or only customer records): then there is nothing to evaluate, and no instant to name."""
    instants = [i.reported for i in timeline.incidents.values()] + [e.at for e in timeline.events]
    instants += [o.end for o in timeline.outages] + [c.at for c in timeline.claims]
    return max(instants, default=None)


@attrs.define
class Population:
    """What the per-period passes need besides each incident's verdicts: customer records, every customer
    named anywhere, the earliest report or outage, outages and claims. Small next to the incidents."""

    customers: dict[str, Customer] = attrs.field(factory=dict)
    names: set[str] = attrs.field(factory=set)
    first: int | None = None
    outages: list[Outage] = attrs.field(factory=list)
    claims: list[Claim] = attrs.field(factory=list)

    def saw(self, instant: int) -> None:
        if self.first is None or instant < self.first:
            self.first = instant

    @classmethod
    def of(cls, timeline: Timeline) -> Population:
        found = cls(dict(timeline.customers), set(timeline.customers), None, list(timeline.outages))
        found.claims = list(timeline.claims)
        for incident in timeline.incidents.values():
            found.names.add(incident.customer)
            found.saw(incident.reported)
        for outage in timeline.outages:
            if outage.customer is not None:
                found.names.add(outage.customer)
            found.saw(outage.start)
        return found


def evaluate(agreement: model.Agreement, timeline: Timeline, as_of: int | None = None) -> Report:
    """Evaluate every target, KPI and commitment of the agreement over the timeline, and the credits owed."""
    stand = default_as_of(timeline) if as_of is None else as_of
    run = Run(agreement, Population.of(timeline), 0 if stand is None else stand)
    events: dict[str, list[Event]] = defaultdict(list)
    for event in timeline.events:
        events[event.incident].append(event)
    targets: list[TargetVerdict] = []
    for incident in sorted(timeline.incidents.values(), key=lambda i: (i.reported, i.id)):
        targets.extend(run.incident_verdicts(incident, events.get(incident.id, [])))
    tally = KpiTally(run)
    for verdict in targets:
        tally.add(verdict)
    kpis = tally.verdicts()
    availability = run.availability()
    awards = run.awards(targets, availability)
    zones = {c.id: c.zone for c in timeline.customers.values() if c.zone is not None}
    return Report(
        agreement,
        stand,
        tuple(targets),
        tuple(kpis),
        tuple(availability),
        tuple(awards),
        timeline.read,
        timeline.kept,
        len(timeline.rejected),
        zones,
    )


def describe_seconds(seconds: int) -> str:
    """`2d 3h 05m` style, for margins and lateness."""
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = []
    if days:
        parts.append(f"{days}d")
    if hours or days:
        parts.append(f"{hours}h")
    parts.append(f"{minutes:02d}m" if (hours or days) else f"{minutes}m")
    if secs:
        parts.append(f"{secs:02d}s")
    return sign + " ".join(parts)


class Run:
    """One evaluation: the agreement's compiled clocks and lookup tables, the population, and `as_of`.

    `incident_verdicts` decides one incident from its own events (sorted by time), so a caller may feed
    incidents one at a time, as `sladsl.stream` does. With `notes=False` the verdicts carry no explanatory
    notes, which are most of the cost of a verdict; the figures are the same."""

    def __init__(
        self, agreement: model.Agreement, population: Population, as_of: int, *, notes: bool = True
    ) -> None:
        self.agreement = agreement
        self.population = population
        self.as_of = as_of
        self.notes = notes
        self.zone = agreement.local_zone
        self.clocks = {name: Clock(spec) for name, spec in agreement.calendars.items()}
        self.order = _evaluation_order(agreement.targets)
        self.downgrades: dict[tuple[str, str], str] = {(k, src): dst for k, src, dst in agreement.clock.downgrades}
        self.kinds = {t.kind for t in agreement.targets}
        self._targets: dict[tuple[str, str, str | None], model.Target | None] = {}
        self._periods: dict[tuple[str, dt.date], tuple[int, int, str]] = {}

    def when(self, instant: int) -> str:
        return local(instant, self.zone).strftime("%Y-%m-%d %H:%M %a")

    # -- targets -----------------------------------------------------------------------------------------

    def plan_of(self, incident: Incident) -> str | None:
        return self.plan_for(incident.plan, incident.customer)

    def plan_for(self, plan: str | None, customer: str) -> str | None:
        """The incident's own plan, or else its customer's."""
        if plan is not None:
            return plan
        found = self.population.customers.get(customer)
        return found.plan if found else None

    def target_for(self, kind: model.TargetKind, severity: str, plan: str | None) -> model.Target | None:
        key = (kind, severity, plan)
        if key not in self._targets:
            self._targets[key] = self._find_target(kind, severity, plan)
        return self._targets[key]

    def _find_target(self, kind: model.TargetKind, severity: str, plan: str | None) -> model.Target | None:
        generic = None
        for target in self.agreement.targets:
            if target.kind == kind and target.severity == severity:
                if target.plan is not None and target.plan == plan:
                    return target
                if target.plan is None:
                    generic = target
        return generic

    def stretches(self, incident: Incident, events: list[Event]) -> list[tuple[int, str, str]]:
        """(from, severity, why) for each stretch of constant severity, first at the report."""
        found = [(incident.reported, incident.severity, "reported")]
        downgrades = self.downgrades
        for event in events:
            current = found[-1][1]
            if event.kind == "severity_changed" and event.severity and event.severity != current:
                found.append((event.at, event.severity, f"changed at {self.when(event.at)}" if self.notes else ""))
            elif downgrades and event.kind in ("restore", "response", "resolution", "update"):
                dst = downgrades.get((event.kind, current))
                if dst is not None:
                    why = f"lowered after {event.kind} at {self.when(event.at)}" if self.notes else ""
                    found.append((event.at, dst, why))
        return found

    def pauses(self, events: list[Event]) -> list[tuple[int, int | None]]:
        if not self.agreement.clock.pause_on_customer:
            return []
        found: list[tuple[int, int | None]] = []
        for event in events:
            if event.kind == "paused" and (not found or found[-1][1] is not None):
                found.append((event.at, None))
            elif event.kind == "resumed" and found and found[-1][1] is None:
                found[-1] = (found[-1][0], event.at)
        return found

    def clock_start(self, incident: Incident) -> tuple[int, list[str]]:
        start_calendar = self.agreement.clock.start_calendar
        if start_calendar is None:
            return incident.reported, []
        start = self.clocks[start_calendar].next_opening(incident.reported)
        if start == incident.reported or not self.notes:
            return start, []
        return start, [f"reported outside {start_calendar}: the clock starts at {self.when(start)}"]

    def deadline(
        self, deadline: model.Deadline, start: int, pauses: list[tuple[int, int | None]]
    ) -> tuple[int | None, list[str]]:
        """The deadline instant (None while an open pause holds it) and notes on how it was reached."""
        notes: list[str] = []
        if not pauses and isinstance(deadline, model.BusinessTime):  # the common case, without the walk below
            return self.clocks[deadline.calendar].deadline(start, deadline.seconds), notes
        if isinstance(deadline, (model.BusinessTime, model.WallTime)) and (
            isinstance(deadline, model.BusinessTime) or deadline.unit in ("minute", "hour")
        ):
            if isinstance(deadline, model.BusinessTime):
                clock = self.clocks[deadline.calendar]
                remaining = deadline.seconds

                def elapsed(a: int, b: int) -> int:
                    return clock.elapsed(a, b)

                def forward(a: int, s: int) -> int:
                    return clock.deadline(a, s)
            else:
                remaining = deadline.amount * (60 if deadline.unit == "minute" else HOUR)

                def elapsed(a: int, b: int) -> int:
                    return b - a

                def forward(a: int, s: int) -> int:
                    return a + s

            cursor = start
            for paused_at, pause_end in pauses:
                if pause_end is not None and pause_end <= cursor:
                    continue
                pause_start = max(paused_at, cursor)
                available = elapsed(cursor, pause_start)
                if available >= remaining:
                    break
                remaining -= available
                if pause_end is None:
                    if self.notes:
                        notes.append(f"paused at {self.when(pause_start)} and not resumed: the clock is stopped")
                    return None, notes
                if self.notes:
                    notes.append(f"paused {self.when(pause_start)} to {self.when(pause_end)}")
                cursor = pause_end
            return forward(cursor, remaining), notes
        if isinstance(deadline, model.WallTime):
            return add_wall(start, deadline.amount, deadline.unit, self.zone), notes
        if isinstance(deadline, model.BusinessDays):
            clock = self.clocks[deadline.calendar]
            if deadline.from_next_day:
                first = local_date(start, clock.spec.zone) + dt.timedelta(days=1)
                return clock.day_end_from(first, deadline.count), notes
            return clock.day_end(start, deadline.count), notes
        clock = self.clocks[deadline.calendar]
        return clock.day_end(start, 2 if deadline.next_day else 1), notes

    def counted_time(self, calendar: str, start: int, stop: int, pauses: list[tuple[int, int | None]]) -> str:
        """The open stretches a business-time target counted, for --explain (the first eight)."""
        held = [(a, b if b is not None else stop) for a, b in pauses]
        stretches = _subtract(self.clocks[calendar].open_intervals(start, stop), held) if stop > start else []
        shown = [f"{self.when(a)}-{local(b, self.zone):%H:%M}" for a, b in stretches[:8]]
        more = f" and {len(stretches) - 8} more" if len(stretches) > 8 else ""
        return f"open time counted: {', '.join(shown) or 'none'}{more} ({describe_seconds(total(stretches))})"

    def measure(self, target: model.Target, a: int, b: int) -> int:
        """Time from `a` to `b` on the target's own clock."""
        deadline = target.deadline
        if isinstance(deadline, model.BusinessTime):
            return self.clocks[deadline.calendar].elapsed(a, b)
        return b - a

    def clock_name(self, target: model.Target) -> str:
        deadline = target.deadline
        if isinstance(deadline, model.BusinessTime):
            return f"business time of {deadline.calendar}"
        if isinstance(deadline, (model.BusinessDays, model.DayEnd)):
            return f"business days of {deadline.calendar}"
        return "calendar time"

    def incident_verdicts(self, incident: Incident, events: list[Event]) -> list[TargetVerdict]:
        """Every target verdict of one incident, from its events sorted by time."""
        found: list[TargetVerdict] = []
        decided: dict[str, TargetVerdict] = {}
        stretches = self.stretches(incident, events)
        pauses = self.pauses(events)
        for kind in self.order:  # a target counted from another's deadline comes after that one
            if kind not in self.kinds:
                continue
            try:
                verdict = self.target_verdict(
                    incident, kind, decided, events=events, stretches=stretches, pauses=pauses
                )
            except ClockError as error:
                raise self.unanswerable(error, incident, kind, stretches) from None
            if verdict is not None:
                decided[kind] = verdict
                found.append(verdict)
        if "update" in self.kinds:
            try:
                found.extend(
                    self.update_verdicts(incident, decided, events=events, stretches=stretches, pauses=pauses)
                )
            except ClockError as error:
                raise self.unanswerable(error, incident, "update", stretches) from None
        return found

    def unanswerable(
        self, error: ClockError, incident: Incident, kind: model.TargetKind, stretches: list[tuple[int, str, str]]
    ) -> SlaError:
        """E0221 for a target whose deadline its calendar cannot reach, pointing at the target's clause."""
        plan = self.plan_of(incident)
        target = next(
            (t for _, severity, _ in stretches if (t := self.target_for(kind, severity, plan)) is not None), None
        )
        return _beyond(
            error,
            f"incident `{incident.id}` (reported {self.when(incident.reported)}): its {kind} deadline",
            target.span if target is not None else None,
            target.citation if target is not None else None,
        )

    def target_verdict(
        self,
        incident: Incident,
        kind: model.TargetKind,
        decided: dict[str, TargetVerdict],
        *,
        events: list[Event],
        stretches: list[tuple[int, str, str]],
        pauses: list[tuple[int, int | None]],
    ) -> TargetVerdict | None:
        plan = self.plan_of(incident)
        mode = self.agreement.clock.on_change or "keep_elapsed"
        if mode == "retroactive":
            stretches = [(incident.reported, stretches[-1][1], "the final severity applies throughout")]
        actual = next((e.at for e in events if e.kind == kind), None)
        base_start, notes = self.clock_start(incident)
        last: tuple[model.Target, int, int | None, list[str]] | None = None
        for index, (since, severity, why) in enumerate(stretches):
            until = stretches[index + 1][0] if index + 1 < len(stretches) else None
            target = self.target_for(kind, severity, plan)
            if target is None:
                continue
            start = base_start if mode != "restart" or index == 0 else since
            here = list(notes)
            anchored_due: int | None = None
            if target.after is not None:
                anchor = decided.get(target.after)
                if anchor is None or anchor.due is None:
                    # Never dropped: without its anchor's deadline the target cannot fall due yet.
                    why_not = "has no deadline yet" if anchor is not None else "does not apply to this incident"
                    here.append(f"counted from the {target.after} deadline, which {why_not}")
                    last = (target, start, None, here)
                    continue
                anchored_due = anchor.due
                start = anchored_due
                if self.notes:
                    here.append(f"counted from the {target.after} deadline, {self.when(start)}")
            if index > 0 and self.notes:
                here.append(f"severity {severity} ({why})")
            due, pause_notes = self.deadline(target.deadline, start, pauses)
            here.extend(pause_notes)
            if self.notes and isinstance(target.deadline, model.BusinessTime) and due is not None:
                here.append(self.counted_time(target.deadline.calendar, start, min(due, actual or due), pauses))
            last = (target, start, due, here)
            if actual is not None and (until is None or actual <= until):
                break  # answered while this stretch held (an event that itself changes the severity counts here)
            if due is not None and (until is None or due < until):
                break  # the deadline passed (or will pass) while this stretch held
        if last is None:
            return None
        target, start, due, here = last
        severity = target.severity
        if due is None:
            status: Status = "pending"
            margin = None
        elif actual is not None:
            status = "met" if actual <= due else "breached"
            margin = self.measure(target, actual, due) if actual <= due else -self.measure(target, due, actual)
        elif self.as_of > due:
            status, margin = "breached", -self.measure(target, due, self.as_of)
        else:
            status, margin = "pending", self.measure(target, self.as_of, due)
        return TargetVerdict(
            incident.id,
            incident.customer,
            kind,
            severity,
            plan,
            target,
            start,
            due,
            actual,
            status,
            margin,
            self.clock_name(target),
            tuple(here),
            incident.reported,
        )

    def update_verdicts(
        self,
        incident: Incident,
        decided: dict[str, TargetVerdict],
        *,
        events: list[Event],
        stretches: list[tuple[int, str, str]],
        pauses: list[tuple[int, int | None]],
    ) -> list[TargetVerdict]:
        plan = self.plan_of(incident)
        target = self.target_for("update", stretches[-1][1], plan)
        if target is None:
            return []
        start, notes = self.clock_start(incident)
        response = decided.get("response")
        points = [response.actual] if response and response.actual is not None else [start]
        points += [e.at for e in events if e.kind == "update" and e.at > points[0]]
        resolution = decided.get("resolution")
        stop = resolution.actual if resolution and resolution.actual is not None else None
        if stop is None:
            stop = next((e.at for e in events if e.kind == "resolution"), None)
        points = [p for p in points if stop is None or p < stop]  # updates after the resolution do not count
        found = []
        for index, point in enumerate(points):
            due, _ = self.deadline(target.deadline, point, pauses)
            answered = points[index + 1] if index + 1 < len(points) else None
            if answered is None and stop is not None and due is not None and stop <= due:
                break  # resolved before another update was due
            since = (
                ""
                if not self.notes
                else "the response"
                if index == 0 and response and response.actual is not None
                else ("the clock start" if index == 0 else f"the update at {self.when(point)}")
            )
            if due is None:
                status: Status = "pending"
                margin = None
            elif answered is not None:
                status = "met" if answered <= due else "breached"
                margin = (
                    self.measure(target, answered, due)
                    if answered <= due
                    else -self.measure(target, due, answered)
                )
            elif self.as_of > due:
                status, margin = "breached", -self.measure(target, due, min(self.as_of, stop or self.as_of))
            else:
                status, margin = "pending", self.measure(target, self.as_of, due)
            found.append(
                TargetVerdict(
                    incident.id,
                    incident.customer,
                    "update",
                    target.severity,
                    plan,
                    target,
                    point,
                    due,
                    answered,
                    status,
                    margin,
                    self.clock_name(target),
                    (f"next update due after {since}", *notes) if self.notes else (),
                    incident.reported,
                )
            )
            if answered is None:
                break
        return found

    # -- periods -----------------------------------------------------------------------------------------

    def period_label(self, start: int, unit: model.PeriodUnit) -> str:
        day = local_date(start, self.zone)
        if unit == "month":
            return f"{day.year}-{day.month:02d}"
        if unit == "quarter":
            return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
        return f"{day.year}"

    def period(self, instant: int, unit: model.PeriodUnit) -> tuple[int, int, str]:
        """`[start, end)` and label of the period holding an instant, remembered per local date."""
        key = (unit, local_date(instant, self.zone))
        found = self._periods.get(key)
        if found is None:
            start, end = period_of(instant, unit, self.zone)
            found = self._periods[key] = (start, end, self.period_label(start, unit))
        return found

    # -- availability ------------------------------------------------------------------------------------

    def availability(self) -> list[AvailabilityVerdict]:
        return list(self.each_availability())

    def each_availability(self) -> Iterator[AvailabilityVerdict]:
        """Every commitment's verdict for every customer and period, one at a time: with many outages that
        apply to everyone, the periods' outage shares outnumber the outages many times over."""
        population = self.population
        if not self.agreement.availabilities or population.first is None:
            return
        outages: dict[str | None, list[tuple[int, int, Outage]]] = defaultdict(list)
        for index, outage in enumerate(sorted(population.outages, key=lambda o: o.start)):
            outages[outage.customer].append((outage.start, index, outage))
        for commitment in self.agreement.availabilities:
            for customer in sorted(population.names) or [DEFAULT_CUSTOMER]:
                # A sweep over the customer's outages and everyone's, in order of start: the active list holds
                # exactly the outages that overlap the period at hand, so each period sees only its own.
                pending = heapq.merge(outages.get(customer, []), outages.get(None, []))
                upcoming = next(pending, None)
                active: list[Outage] = []
                start, end = period_of(population.first, commitment.period, self.zone)
                while start <= self.as_of:
                    while upcoming is not None and upcoming[0] < end:
                        active.append(upcoming[2])
                        upcoming = next(pending, None)
                    active = [o for o in active if o.end > start]
                    yield self.period_availability(customer, commitment, start, end, active)
                    following = local_date(end, self.zone)
                    start, end = period_bounds(following, commitment.period, self.zone)

    def period_availability(
        self, customer: str, commitment: model.Availability, start: int, end: int, outages: list[Outage]
    ) -> AvailabilityVerdict:
        excluded_tags = {tag: cited for tag, cited in commitment.excluded}
        counted: list[tuple[int, int]] = []
        maintenance: list[tuple[int, int]] = []
        excluded: list[tuple[int, int]] = []
        shares: list[OutageShare] = []
        for outage in outages:
            parts = clip([(outage.start, outage.end)], start, end)
            if not parts:
                continue

            def record(treatment: str, outage: Outage = outage, parts: list[tuple[int, int]] = parts) -> None:
                shares.append(
                    OutageShare(outage.id, outage.where.line, total(parts), treatment, parts[0][0], parts[-1][1])
                )

            hit = next((t for t in outage.tags if t in excluded_tags), None)
            late = self.late_report(outage)
            if late is not None:
                excluded.extend(parts)
                record(late)
            elif hit is not None:
                excluded.extend(parts)
                record(f"excluded: `{hit}` ({excluded_tags[hit]})")
            elif "maintenance" in outage.tags and commitment.maintenance is not None:
                rule = commitment.maintenance
                if rule.notice is not None and (
                    outage.notice is None
                    or add_wall(outage.notice, rule.notice.amount, rule.notice.unit, self.zone) > outage.start
                ):
                    counted.extend(parts)
                    given = "no notice" if outage.notice is None else f"notice given {self.when(outage.notice)}"
                    record(
                        f"counted: maintenance with {given}, less than "
                        f"{rule.notice.amount} {rule.notice.unit}s ahead ({rule.citation})",
                    )
                elif rule.outside is not None:
                    inside = self.clocks[rule.outside].open_intervals(parts[0][0], parts[-1][1])
                    outside_parts = _subtract(parts, inside)
                    counted.extend(inside)
                    maintenance.extend(outside_parts)
                    note = f"maintenance ({rule.citation})"
                    if inside:
                        note += f"; {describe_seconds(total(inside))} inside {rule.outside} counted"
                    record(note)
                else:
                    maintenance.extend(parts)
                    record(f"maintenance ({rule.citation})")
            else:
                counted.extend(parts)
                record("counted")
        counted_merged = merge(counted)
        maintenance_only = _subtract(merge(maintenance), counted_merged)
        period_seconds = end - start
        measures = {
            "period_minutes": period_seconds,
            "downtime_minutes": total(merge(counted_merged + maintenance_only)),
            "maintenance_minutes": total(maintenance_only),
            "counted_minutes": total(counted_merged),
        }
        value = self.formula(commitment, measures)
        if end > self.as_of:
            status: Status = "pending"
        else:
            status = "met" if value >= commitment.percent else "breached"
        return AvailabilityVerdict(
            customer,
            commitment,
            self.period_label(start, commitment.period),
            start,
            end,
            measures,
            value,
            status,
            tuple(shares),
        )

    def late_report(self, outage: Outage) -> str | None:
        """Why an outage does not count because the customer reported it too late, or None.

        An outage with no `reported` instant was found by the provider's own monitoring and counts."""
        windows = [w for w in self.agreement.claim_windows if w.kind == "report"]
        if not windows or outage.reported is None:
            return None
        window = windows[0]
        clock = self.clocks[window.calendar]
        failure = outage.start if window.edge == "starts" else outage.end
        try:
            closes = clock.day_end_from(local_date(failure, clock.spec.zone) + dt.timedelta(days=1), window.days)
        except ClockError as error:
            what = f"outage `{outage.id}`: the report window after {self.when(failure)}"
            raise _beyond(error, what, window.span, window.citation) from None
        if outage.reported <= closes:
            return None
        return (
            f"excluded: reported {self.when(outage.reported)}, after the report window closed "
            f"{self.when(closes)} ({window.citation})"
        )

    def formula(self, commitment: model.Availability, measures: dict[str, int]) -> Decimal:
        minutes = {k: Decimal(v) / 60 for k, v in measures.items()}
        if commitment.formula is None:
            return (1 - minutes["counted_minutes"] / minutes["period_minutes"]) * 100

        def run(e: object) -> Decimal:
            if isinstance(e, Decimal):
                return e
            if isinstance(e, str):
                return minutes[e]
            assert isinstance(e, tuple)
            op, left, right = e
            a, b = run(left), run(right)
            results: dict[str, Decimal] = {"+": a + b, "-": a - b, "*": a * b}
            return results[op] if op != "/" else a / b

        return run(commitment.formula.expr)

    # -- credits -----------------------------------------------------------------------------------------

    def fee_value(self, customer: str, percent: Decimal, months: int) -> tuple[str, Decimal]:
        record = self.population.customers.get(customer)
        if record is None or record.fee is None:
            return "% of monthly fee", percent * months
        return record.currency or "fee", record.fee * months * percent / 100

    def value_of(
        self, customer: str, amount: model.Amount, months: int = 1, times: int = 1
    ) -> tuple[str, Decimal]:
        if amount.kind == "credits":
            return "credits", amount.value * times
        if amount.kind == "money":
            return str(amount.currency), amount.value * times
        unit, value = self.fee_value(customer, amount.value, months)
        return unit, value * times

    def target_award(
        self, verdict: TargetVerdict, credit: str, basis: str, amount: tuple[str, Decimal], citation: str | None
    ) -> tuple[Award, int]:
        """An award for a breached target; its failure ends when the late event came (or at as-of)."""
        ended = verdict.actual if verdict.actual is not None else self.as_of
        unit, value = amount
        award = Award(
            verdict.customer, credit, basis, verdict.incident, None, ended, unit, value, "owed", (), citation
        )
        return award, ended

    @staticmethod
    def period_award(
        period: AvailabilityVerdict,
        credit: str,
        basis: str,
        amount: tuple[str, Decimal],
        citation: str | None,
        *,
        status: Literal["owed", "void"] = "owed",
        reasons: tuple[str, ...] = (),
    ) -> tuple[Award, int]:
        """An award for a period: counted in its last second, so caps and no-stacking place it in that period;
        its failure ends when the period does."""
        unit, value = amount
        award = Award(
            period.customer,
            credit,
            basis,
            None,
            period.period,
            period.end - 1,
            unit,
            value,
            status,
            reasons,
            citation,
        )
        return award, period.end

    def awards(self, targets: list[TargetVerdict], availability: list[AvailabilityVerdict]) -> list[Award]:
        raw: list[tuple[Award, int]] = []  # with the instant the failure ended, for claim windows
        targets = sorted(targets, key=lambda v: (v.reported, v.incident))  # in whatever order they were decided
        for credit in self.agreement.hourly_credits:
            for verdict in targets:
                if verdict.status != "breached" or not _selects(credit.targets, verdict) or verdict.margin is None:
                    continue
                late = -verdict.margin
                hours = math.ceil(late / HOUR) if credit.rounding == "started" else late // HOUR
                if hours <= 0:
                    continue
                basis = (
                    f"{verdict.incident} {verdict.kind} {describe_seconds(late)} late: {hours} "
                    f"{'started' if credit.rounding == 'started' else 'whole'} hour"
                    f"{'s' if hours != 1 else ''} x {credit.amount}"
                )
                amount = self.value_of(verdict.customer, credit.amount, times=hours)
                raw.append(self.target_award(verdict, credit.name, basis, amount, credit.citation))
        for flat in self.agreement.flat_credits:
            if isinstance(flat.missed, str):
                for period in availability:
                    if period.commitment.name == flat.missed and period.status == "breached":
                        basis = (
                            f"{flat.missed} {period.period}: {_pct(period.value)} below "
                            f"{_pct(period.commitment.percent)}"
                        )
                        amount = self.value_of(period.customer, flat.amount, _months(period.commitment.period))
                        raw.append(self.period_award(period, flat.name, basis, amount, flat.citation))
            else:
                for verdict in targets:
                    if verdict.status == "breached" and _selects(flat.missed, verdict):
                        basis = f"{verdict.incident} {verdict.kind} missed"
                        amount = self.value_of(verdict.customer, flat.amount)
                        raw.append(self.target_award(verdict, flat.name, basis, amount, flat.citation))
        for ladder in self.agreement.ladders:
            for period in availability:
                if period.commitment.name != ladder.measure or period.status == "pending":
                    continue
                bands = [b for b in ladder.bands if b.contains(period.value)]
                if not bands:  # a gap in the ladder as written: say so, never skip silently
                    unit, _ = self.value_of(period.customer, ladder.bands[0].amount) if ladder.bands else ("", 0)
                    basis = f"{ladder.measure} {period.period} at {_pct(period.value)}: no band covers it"
                    reason = "void: the ladder as written has a gap here, so nothing is owed"
                    raw.append(
                        self.period_award(
                            period,
                            ladder.name,
                            basis,
                            (unit, Decimal(0)),
                            ladder.citation,
                            status="void",
                            reasons=(reason,),
                        )
                    )
                    continue
                band = max(bands, key=lambda b: b.amount.value)
                if band.amount.value == 0:
                    continue
                basis = (
                    f"{ladder.measure} {period.period} at {_pct(period.value)}: band "
                    f"{_band_text(band)} -> {band.amount}"
                )
                amount = self.value_of(period.customer, band.amount, _months(period.commitment.period))
                raw.append(self.period_award(period, ladder.name, basis, amount, band.citation or ladder.citation))
        raw.sort(key=lambda pair: (pair[0].at, pair[0].customer, pair[0].credit))
        awards = [self.claim_status(award, ended) for award, ended in raw]
        awards = self.apply_minimum(awards)
        awards = self.apply_no_stacking(awards)
        return self.apply_caps(awards)

    def claim_status(self, award: Award, ended: int) -> Award:
        windows = [w for w in self.agreement.claim_windows if w.kind == "claim"]
        if not windows:
            return award
        window = windows[0]
        clock = self.clocks[window.calendar]
        try:
            closes = clock.day_end_from(local_date(ended, clock.spec.zone) + dt.timedelta(days=1), window.days)
        except ClockError as error:
            what = f"the claim window for `{award.credit}` after {self.when(ended)}"
            raise _beyond(error, what, window.span, window.citation) from None
        claims = [
            c
            for c in self.population.claims
            if c.customer == award.customer
            and (c.credit is None or c.credit == award.credit)
            and (c.incident == award.incident if award.incident else c.period == award.period)
        ]
        on_time = [c for c in claims if c.at <= closes]
        if on_time:
            return attrs.evolve(
                award,
                reasons=(
                    *award.reasons,
                    f"claimed {self.when(on_time[0].at)}, "
                    f"within the window closing {self.when(closes)} ({window.citation})",
                ),
            )
        if claims:
            return attrs.evolve(
                award,
                status="void",
                reasons=(
                    *award.reasons,
                    f"void: claimed {self.when(claims[0].at)} (line {claims[0].where.line}), after the "
                    f"window closed {self.when(closes)} ({window.citation})",
                ),
            )
        if self.as_of <= closes:
            return attrs.evolve(
                award,
                status="open",
                reasons=(
                    *award.reasons,
                    f"not claimed yet: the window closes {self.when(closes)} ({window.citation})",
                ),
            )
        return attrs.evolve(
            award,
            status="void",
            reasons=(*award.reasons, f"void: not claimed by {self.when(closes)} ({window.citation})"),
        )

    def apply_minimum(self, awards: list[Award]) -> list[Award]:
        minimum = self.agreement.minimum
        if minimum is None:
            return awards
        found = []
        for award in awards:
            unit, floor = self.value_of(award.customer, minimum)
            if award.status == "owed" and award.unit == unit and award.value < floor:
                reason = f"void: below the minimum award of {minimum}"
                found.append(attrs.evolve(award, status="void", reasons=(*award.reasons, reason)))
            else:
                found.append(award)
        return found

    def apply_no_stacking(self, awards: list[Award]) -> list[Award]:
        found = list(awards)
        for rule in self.agreement.no_stacking:
            groups: dict[tuple[str, int], list[int]] = defaultdict(list)
            for index, award in enumerate(found):
                if award.status == "owed":
                    groups[(award.customer, period_of(award.at, rule.period, self.zone)[0])].append(index)
            for (_, start), indices in groups.items():
                if len(indices) < 2:
                    continue
                keep = max(indices, key=lambda i: (found[i].value, -i))
                label = self.period_label(start, rule.period)
                for i in indices:
                    if i != keep:
                        found[i] = attrs.evolve(
                            found[i],
                            status="void",
                            reasons=(
                                *found[i].reasons,
                                f"void: no stacking in {label}; the larger award `{found[keep].credit}` "
                                f"({found[keep].value} {found[keep].unit}) stands ({rule.citation})",
                            ),
                        )
        return found

    def apply_caps(self, awards: list[Award]) -> list[Award]:
        found = list(awards)
        for cap in self.agreement.caps:
            used: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
            for index, award in enumerate(found):
                unit, limit = self.value_of(award.customer, cap.amount, _months(cap.period))
                if award.status != "owed" or award.unit != unit:
                    continue
                key = (award.customer, period_of(award.at, cap.period, self.zone)[0])
                room = max(limit - used[key], Decimal(0))
                if award.value > room:
                    label = self.period_label(key[1], cap.period)
                    reason = (
                        f"cap {cap.amount} per {cap.period} ({cap.citation}): {used[key]} already owed in "
                        f"{label}, so {award.value} is cut to {room}"
                    )
                    found[index] = attrs.evolve(
                        award, value=room, status="owed" if room > 0 else "void", reasons=(*award.reasons, reason)
                    )
                used[key] += min(award.value, room)
        return found


class KpiTally:
    """Counts, per KPI, customer and period, how many targets were decided, met and seen, one verdict at a
    time: all a KPI verdict needs, so the verdicts themselves need not be kept."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.counts: dict[tuple[int, str, str], list[int]] = {}  # -> [decided, met, seen, start, end]

    def add(self, verdict: TargetVerdict) -> None:
        for index, kpi in enumerate(self.run.agreement.kpis):
            if (
                verdict.kind == kpi.kind
                and verdict.severity in kpi.severities
                and (not kpi.plans or verdict.plan in kpi.plans)
            ):
                start, end, label = self.run.period(verdict.reported, kpi.period)
                counts = self.counts.setdefault((index, verdict.customer, label), [0, 0, 0, start, end])
                counts[0] += verdict.status != "pending"
                counts[1] += verdict.status == "met"
                counts[2] += 1

    def verdicts(self) -> list[KpiVerdict]:
        found = []
        for (index, customer, label), (decided, met, seen, start, end) in sorted(self.counts.items()):
            kpi = self.run.agreement.kpis[index]
            if not decided:
                status: Status = "pending"
            elif Decimal(met) * 100 >= kpi.percent * decided:
                status = "met" if end <= self.run.as_of or decided == seen else "pending"
            else:
                status = "breached"
            found.append(KpiVerdict(customer, kpi, label, start, decided, met, status))
        return found


def _evaluation_order(targets: Iterable[model.Target]) -> list[model.TargetKind]:
    """Response, restore and resolution, each after the kinds it is counted from (the checker rules out
    circles), so an anchored target always finds its anchor's deadline."""
    kinds: list[model.TargetKind] = ["response", "restore", "resolution"]
    needs = {kind: {t.after for t in targets if t.kind == kind and t.after is not None} for kind in kinds}
    order: list[model.TargetKind] = []
    while len(order) < len(kinds):
        ready = [k for k in kinds if k not in order and needs[k] <= set(order)]
        order.extend(ready or [k for k in kinds if k not in order])  # a circle cannot pass the checker
    return order


def _subtract(parts: list[tuple[int, int]], minus: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """The parts of `parts` not covered by `minus` (both sorted and disjoint)."""
    found = []
    holes = merge(minus)
    for start, end in parts:
        cursor = start
        for hole_start, hole_end in holes:
            if hole_end <= cursor or hole_start >= end:
                continue
            if hole_start > cursor:
                found.append((cursor, hole_start))
            cursor = max(cursor, hole_end)
        if cursor < end:
            found.append((cursor, end))
    return found


def _selects(selector: model.TargetSelector, verdict: TargetVerdict) -> bool:
    return (
        verdict.kind == selector.kind
        and verdict.severity in selector.severities
        and (not selector.plans or verdict.plan in selector.plans)
    )


def _beyond(error: ClockError, what: str, span: Span | None, citation: str | None) -> SlaError:
    return SlaError(
        [
            Diagnostic(
                "E0221",
                f"{what} is never reached: {error}",
                span,
                "counted on that calendar",
                help="check the duration against the calendar's hours; a deadline must fall before 2200",
                section=citation,
            )
        ]
    )


def _months(unit: model.PeriodUnit) -> int:
    return {"month": 1, "quarter": 3, "year": 12}[unit]


def _pct(value: Decimal) -> str:
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return f"{text}%"


def _band_text(band: model.Band) -> str:
    parts = []
    if band.low is not None:
        parts.append(f"{'at least' if band.low_closed else 'above'} {_pct(band.low)}")
    if band.high is not None:
        parts.append(f"{'at most' if band.high_closed else 'below'} {_pct(band.high)}")
    return " and ".join(parts) or "any value"
