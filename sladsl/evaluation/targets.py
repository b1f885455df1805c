"""Targets: an incident's report and events in, one verdict per target that applies.

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
* Add-ons: a customer's add-ons are held beside its plan, and every target of the plan and every target set
  `on` an add-on applies, each its own verdict (whose `plan` is the add-on's name). Where both set a target of
  one kind for one severity, both are checked: the add-on's is a separate promise, not a replacement. An
  add-on's target counted from another's deadline uses the add-on's own target of that kind, else the plan's.
* Update cadence: from the response (or the clock start) to each update, and from the last update to the
  resolution (or the as-of instant), no gap may exceed the cadence. Updates after the resolution do not count.

A verdict whose target has not been done depends on the instant the evaluation stands at (breached once the
deadline has passed, else pending). When that instant is not known yet, everything else about the verdict is
decided all the same: it `waits`, says pending with no margin, and `Targets.settle` gives it its status and
margin once the instant is known, so nothing about the incident is worked out twice. Every other verdict is final
as soon as the incident's records are in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple, Protocol, cast

import msgspec
from msgspec.structs import replace

from sladsl import model
from sladsl.diagnostics import Diagnostic, SlaError
from sladsl.evaluation.verdicts import (
    CountedFrom,
    ExcludedIncident,
    Fact,
    OpenTime,
    Paused,
    SeverityFrom,
    StartedAtOpening,
    Status,
    TargetVerdict,
    UpdateSince,
)
from sladsl.source import Span
from sladsl.time.calendar import Clock, ClockError, Pause, clocks_at, real_deadline
from sladsl.time.instants import add_wall, wall_text
from sladsl.timeline.records import Event

HOUR = 3600
_LOWERED_BY = ("restore", "response", "resolution", "update")
WAITING: tuple[Status, int | None] = ("pending", None)  # a verdict's status and margin while it `waits`

Stretch = tuple[int, str, Event | None]  # from, severity, the event that began it (None: the report)


class _Case(msgspec.Struct):
    """One incident being decided: its report, plan, events in time order, severity stretches and pauses, and
    the instant the evaluation stands at (None: not known yet)."""

    incident: Reported
    plan: str | None  # the plan, or (with `add_on`) the add-on whose targets are being decided
    events: Sequence[Event]
    stretches: list[Stretch]
    pauses: list[Pause]
    start: int  # the clock start
    started: tuple[Fact, ...]  # why it is not the report, if it is not
    as_of: int | None
    trace: bool
    rules: _Rules  # the plan's targets (or the add-on's), compiled: see `Targets.rules`
    firsts: dict[str, int]  # the instant of the first event of each kind
    add_on: bool = False


class Reported(Protocol):
    """What the targets need of an incident's report: a `timeline.records.Incident`, or the engine's compact
    form of one."""

    @property
    def id(self) -> str: ...

    @property
    def customer(self) -> str: ...

    @property
    def severity(self) -> str: ...

    @property
    def reported(self) -> int: ...

    @property
    def tags(self) -> tuple[str, ...]: ...


class Rule(NamedTuple):
    """A target compiled once per agreement (and per calendar place): how its deadline is found from a clock start
    and the pauses, and how time is measured on its own clock."""

    target: model.Target
    deadline: Callable[[int, Sequence[Pause]], tuple[int | None, tuple[Pause, ...]]]
    measure: Callable[[int, int], int]


class _Rules(dict[tuple[str, str], "Rule | None"]):
    """The rule of each (kind, severity) under one plan or add-on, found the first time it is asked for."""

    def __init__(self, find: Callable[[model.TargetKind, str], Rule | None]) -> None:
        super().__init__()
        self.find = find

    def __missing__(self, key: tuple[str, str]) -> Rule | None:
        found = self[key] = self.find(cast(model.TargetKind, key[0]), key[1])
        return found


class Targets:
    """The agreement's targets, with its compiled calendars: decides every target of one incident at a time."""

    def __init__(self, agreement: model.Agreement, clocks: dict[str, Clock]) -> None:
        self.agreement = agreement
        self.clocks = clocks
        self.zone = agreement.local_zone
        self.kinds = {t.kind for t in agreement.targets}
        self.order = [k for k in _evaluation_order(agreement.targets) if k in self.kinds]
        self.updates = "update" in self.kinds
        self.downgrades: dict[tuple[str, str], str] = {(k, s): d for k, s, d in agreement.clock.downgrades}
        self.mode = agreement.clock.on_change or "keep_elapsed"
        self.pausing = agreement.clock.pause_on_customer
        self.start_calendar = agreement.clock.start_calendar
        self.scoped = bool(agreement.clock.scoped)
        self._targets: dict[tuple[str, str, str | None], model.Target | None] = {}
        self._own: dict[tuple[str, str, str], model.Target | None] = {}
        self.add_ons = {t.plan for t in agreement.targets} & {p.name for p in agreement.add_ons}  # with targets
        self.exclusions = agreement.incident_exclusions
        self._placed: dict[model.Place, Targets] = {}
        self._compiled: dict[int, Rule] = {}  # by the id of a target of the agreement, which outlives this
        self._rules: dict[tuple[str | None, bool], _Rules] = {}
        self._opened: dict[tuple[str, int], tuple[Fact, ...]] = {}  # see `clock_start`

    def at(self, place: model.Place) -> Targets:
        """The same targets for a customer at `place`: the calendars that follow the customer compiled for its
        zone and holidays (once per place), the others shared."""
        found = self._placed.get(place)
        if found is None:
            clocks = clocks_at(self.agreement.calendars, self.clocks, place)
            found = self._placed[place] = Targets(self.agreement, clocks)
        return found

    def target_for(self, kind: model.TargetKind, severity: str, plan: str | None) -> model.Target | None:
        """The target of a kind for a severity under a plan: the plan's own, else the one for every plan."""
        key = (kind, severity, plan)
        if key not in self._targets:
            generic = None
            for target in self.agreement.targets:
                if target.kind == kind and target.severity == severity:
                    if target.plan is not None and target.plan == plan:
                        generic = target
                        break
                    if target.plan is None:
                        generic = target
            self._targets[key] = generic
        return self._targets[key]

    def add_on_target(self, kind: model.TargetKind, severity: str, add_on: str) -> model.Target | None:
        """The target an add-on sets of a kind for a severity: its own only, as a target for every plan applies
        once, through the plan."""
        key = (kind, severity, add_on)
        if key not in self._own:
            self._own[key] = next(
                (
                    t
                    for t in self.agreement.targets
                    if t.kind == kind and t.severity == severity and t.plan == add_on
                ),
                None,
            )
        return self._own[key]

    def lookup(self, case: _Case, kind: model.TargetKind, severity: str) -> model.Target | None:
        """The target that applies in a case: the plan's (or every plan's), or the add-on's."""
        if case.add_on:
            return self.add_on_target(kind, severity, case.plan or "")
        return self.target_for(kind, severity, case.plan)

    def rules(self, plan: str | None, add_on: bool) -> _Rules:
        """The rules under a plan (or, with `add_on`, an add-on's own), by kind and severity: `lookup`'s target of
        each, compiled."""
        found = self._rules.get((plan, add_on))
        if found is None:
            if add_on:
                found = _Rules(
                    lambda kind, severity: self.compiled(self.add_on_target(kind, severity, plan or ""))
                )
            else:
                found = _Rules(lambda kind, severity: self.compiled(self.target_for(kind, severity, plan)))
            self._rules[(plan, add_on)] = found
        return found

    def compiled(self, target: model.Target | None) -> Rule | None:
        """A target's rule, compiled once."""
        if target is None:
            return None
        found = self._compiled.get(id(target))
        if found is None:
            deadline = target.deadline
            if isinstance(deadline, model.BusinessTime):
                measure = self.clocks[deadline.calendar].elapsed
            else:
                measure = _real_time
            found = self._compiled[id(target)] = Rule(target, self.deadline_of(deadline), measure)
        return found

    def stretches(self, incident: Reported, events: Sequence[Event]) -> list[Stretch]:
        """Each stretch of constant severity, the first from the report."""
        found: list[Stretch] = [(incident.reported, incident.severity, None)]
        downgrades = self.downgrades
        for event in events:
            current = found[-1][1]
            if event.kind == "severity_changed" and event.severity and event.severity != current:
                found.append((event.at, event.severity, event))
            elif downgrades and event.kind in _LOWERED_BY:
                lowered = downgrades.get((event.kind, current))
                if lowered is not None:
                    found.append((event.at, lowered, event))
        return found

    def pauses(self, events: Iterable[Event]) -> list[Pause]:
        if not self.pausing:
            return []
        found: list[Pause] = []
        for event in events:
            if event.kind == "paused" and (not found or found[-1][1] is not None):
                found.append((event.at, None))
            elif event.kind == "resumed" and found and found[-1][1] is None:
                found[-1] = (found[-1][0], event.at)
        return found

    def clock_start(self, incident: Reported, calendar: str | None) -> tuple[int, tuple[Fact, ...]]:
        """When the clock starts under the start rule of `calendar` (None: at the report), and why."""
        if calendar is None:
            return incident.reported, ()
        start = self.clocks[calendar].next_opening(incident.reported)
        if start == incident.reported:
            return start, ()
        why = self._opened.get((calendar, start))
        if why is None:  # one per opening of the calendar, shared by every incident reported before it
            why = self._opened[(calendar, start)] = (StartedAtOpening(calendar, start),)
        return start, why

    def start_of(self, case: _Case, kind: model.TargetKind, severity: str) -> tuple[int, tuple[Fact, ...]]:
        """The clock start of one target: the incident's, unless a scoped start rule covers the target."""
        if not self.scoped:
            return case.start, case.started
        return self.clock_start(case.incident, self.agreement.clock.start_for(kind, severity))

    def deadline_of(
        self, deadline: model.Deadline
    ) -> Callable[[int, Sequence[Pause]], tuple[int | None, tuple[Pause, ...]]]:
        """How a deadline is found from a clock start and the pauses: the instant (None while an unresumed pause
        holds it), and the pauses that held it back. Decided once per target, not once per incident."""
        if isinstance(deadline, model.BusinessTime):
            clock, seconds = self.clocks[deadline.calendar], deadline.seconds

            def business(start: int, pauses: Sequence[Pause]) -> tuple[int | None, tuple[Pause, ...]]:
                if not pauses:  # the common case
                    return clock.deadline(start, seconds), ()
                return clock.deadline_paused(start, seconds, pauses)

            return business
        if isinstance(deadline, model.WallTime):
            amount, unit, zone = deadline.amount, deadline.unit, self.zone
            if unit in ("minute", "hour"):
                seconds = amount * (60 if unit == "minute" else HOUR)
                return lambda start, pauses: real_deadline(start, seconds, pauses)
            return lambda start, pauses: (add_wall(start, amount, unit, zone), ())
        clock = self.clocks[deadline.calendar]
        if isinstance(deadline, model.BusinessDays):
            count = deadline.count
            if deadline.from_next_day:
                return lambda start, pauses: (clock.day_end_after(start, count), ())
            return lambda start, pauses: (clock.day_end(start, count), ())
        days = 2 if deadline.next_day else 1
        return lambda start, pauses: (clock.day_end(start, days), ())

    def incident(
        self,
        incident: Reported,
        events: Sequence[Event],
        plan: str | None,
        as_of: int | None,
        trace: bool = False,
        *,
        add_ons: Sequence[str] = (),
    ) -> list[TargetVerdict]:
        """Every target verdict of one incident, from its events sorted by time; `plan` is the incident's own
        or its customer's, and `add_ons` the customer's. With `trace`, business-time verdicts also list the open
        time they counted. With `as_of` None (not known yet), a verdict that `waits` for it says pending, with no
        margin, until `settle` decides it."""
        stretches = self.stretches(incident, events)
        start, started = self.clock_start(incident, self.start_calendar)
        firsts: dict[str, int] = {}
        for event in events:
            if event.kind not in firsts:
                firsts[event.kind] = event.at
        pauses = self.pauses(events) if self.pausing else []
        rules = self.rules(plan, False)
        case = _Case(incident, plan, events, stretches, pauses, start, started, as_of, trace, rules, firsts)
        decided: dict[str, TargetVerdict] = {}
        found = self.case_verdicts(case, decided)
        for add_on in add_ons:
            if add_on in self.add_ons:
                own = self.rules(add_on, True)
                held = _Case(
                    incident, add_on, events, stretches, pauses, start, started, as_of, trace, own, firsts, True
                )
                found.extend(self.case_verdicts(held, dict(decided)))
        if incident.tags and self.exclusions:
            found = [self.excluded(verdict, incident.tags) for verdict in found]
        return found

    def settle(self, verdicts: Iterable[TargetVerdict], resolved: int | None, as_of: int) -> list[TargetVerdict]:
        """An incident's verdicts, decided (`incident`) before the as-of instant was known, once it is: each that
        `waits` takes the status and margin `outcome` gives at `as_of`, as if the instant had been known all
        along (an excluded one stays excluded). `resolved` is the incident's first resolution, where an update
        cadence's measure stops. A measure answers for any two instants (a clock compiles the years it is asked
        about), so settling raises nothing."""
        found = []
        for verdict in verdicts:
            if not waits(verdict):
                found.append(verdict)
                continue
            rule = self.compiled(verdict.target)
            assert rule is not None
            settled = outcome(rule, verdict.due, None, as_of, resolved if verdict.kind == "update" else None)
            assert settled is not None
            status, margin = settled
            found.append(
                replace(verdict, status="excluded" if verdict.status == "excluded" else status, margin=margin)
            )
        return found

    def excluded(self, verdict: TargetVerdict, tags: tuple[str, ...]) -> TargetVerdict:
        """The verdict, marked excluded when the incident carries a tag the agreement excludes from its kind
        (the first such exclusion in the agreement's order)."""
        rule = next((e for e in self.exclusions if e.tag in tags and e.covers(verdict.kind)), None)
        if rule is None:
            return verdict
        fact = ExcludedIncident(rule.tag, rule.citation)
        return replace(verdict, status="excluded", trace=(*verdict.trace, fact))

    def case_verdicts(self, case: _Case, decided: dict[str, TargetVerdict]) -> list[TargetVerdict]:
        """The verdicts of the plan's targets, or of one add-on's; `decided` holds the anchors already known."""
        found: list[TargetVerdict] = []
        for kind in self.order:  # a target counted from another's deadline comes after that one
            try:
                verdict = self.target_verdict(case, kind, decided)
            except ClockError as error:
                raise self.unanswerable(error, case, kind) from None
            if verdict is not None:
                decided[kind] = verdict
                found.append(verdict)
        if self.updates:
            try:
                found.extend(self.update_verdicts(case, decided))
            except ClockError as error:
                raise self.unanswerable(error, case, "update") from None
        return found

    def unanswerable(self, error: ClockError, case: _Case, kind: model.TargetKind) -> SlaError:
        """E0221 for a target whose deadline its calendar cannot reach, pointing at the target's clause."""
        incident = case.incident
        target = next(
            (t for _, severity, _ in case.stretches if (t := self.lookup(case, kind, severity)) is not None), None
        )
        when = wall_text(incident.reported, self.zone)
        return beyond(
            error,
            f"incident `{incident.id}` (reported {when}): its {kind} deadline",
            target.span if target is not None else None,
            target.citation if target is not None else None,
        )

    def target_verdict(
        self, case: _Case, kind: model.TargetKind, decided: dict[str, TargetVerdict]
    ) -> TargetVerdict | None:
        incident, plan, stretches, pauses = case.incident, case.plan, case.stretches, case.pauses
        mode = self.mode
        if mode == "retroactive":
            stretches = [(incident.reported, stretches[-1][1], None)]
        actual = case.firsts.get(kind)
        rules = case.rules
        last: tuple[Rule, int, int | None, tuple[Fact, ...]] | None = None
        for index, (since, severity, cause) in enumerate(stretches):
            rule = rules[kind, severity]
            if rule is None:
                continue
            target = rule.target
            until = stretches[index + 1][0] if index + 1 < len(stretches) else None
            start, facts = (
                self.start_of(case, kind, target.severity) if self.scoped else (case.start, case.started)
            )
            if mode == "restart" and index > 0:
                start = since
            if target.after is not None:
                anchor = decided.get(target.after)
                if anchor is None or anchor.due is None:
                    # Never dropped: without its anchor's deadline the target cannot fall due yet.
                    last = (rule, start, None, (*facts, CountedFrom(target.after, None, anchor is not None)))
                    continue
                start = anchor.due
                facts = (*facts, CountedFrom(target.after, start, True))
            if cause is not None:
                after = None if cause.kind == "severity_changed" else cast(model.TargetKind, cause.kind)
                facts = (*facts, SeverityFrom(severity, since, after))
            due, held = rule.deadline(start, pauses)
            if held:
                facts = (*facts, *(Paused(a, b) for a, b in held))
            if case.trace and due is not None and isinstance(target.deadline, model.BusinessTime):
                stop = min(due, actual) if actual is not None else due
                calendar = target.deadline.calendar
                facts = (*facts, OpenTime(calendar, tuple(self.clocks[calendar].open_time(start, stop, pauses))))
            last = (rule, start, due, facts)
            if actual is not None and (until is None or actual <= until):
                break  # answered while this stretch held (an event that itself changes the severity counts here)
            if due is not None and (until is None or due < until):
                break  # the deadline passed (or will pass) while this stretch held
        if last is None:
            return None
        rule, start, due, facts_found = last
        target = rule.target
        status, margin = outcome(rule, due, actual, case.as_of) or WAITING
        return TargetVerdict(
            incident.id,
            incident.customer,
            kind,
            target.severity,
            plan,
            target,
            incident.reported,
            start,
            due,
            actual,
            status,
            margin,
            facts_found,
        )

    def update_verdicts(self, case: _Case, decided: dict[str, TargetVerdict]) -> list[TargetVerdict]:
        incident, plan, events, stretches, pauses = (
            case.incident,
            case.plan,
            case.events,
            case.stretches,
            case.pauses,
        )
        rule = case.rules["update", stretches[-1][1]]
        if rule is None:
            return []
        target = rule.target
        start, started = self.start_of(case, "update", target.severity)
        response = decided.get("response")
        responded = response is not None and response.actual is not None
        points = [response.actual] if response is not None and response.actual is not None else [start]
        points += [e.at for e in events if e.kind == "update" and e.at > points[0]]
        stop = resolved_at(events)  # the resolution target's actual, when it has one
        points = [p for p in points if stop is None or p < stop]  # updates after the resolution do not count
        found = []
        for index, point in enumerate(points):
            due, _ = rule.deadline(point, pauses)
            answered = points[index + 1] if index + 1 < len(points) else None
            if answered is None and stop is not None and due is not None and stop <= due:
                break  # resolved before another update was due
            if index > 0:
                since = UpdateSince("update", point)
            else:
                since = UpdateSince("response" if responded else "clock_start", point)
            status, margin = outcome(rule, due, answered, case.as_of, until=stop) or WAITING
            found.append(
                TargetVerdict(
                    incident.id,
                    incident.customer,
                    "update",
                    target.severity,
                    plan,
                    target,
                    incident.reported,
                    point,
                    due,
                    answered,
                    status,
                    margin,
                    (since, *started),
                )
            )
            if answered is None:
                break
        return found


def outcome(
    rule: Rule, due: int | None, done: int | None, as_of: int | None, until: int | None = None
) -> tuple[Status, int | None] | None:
    """Status and margin of a target due at `due` and done at `done`, measured on the target's own clock: when it
    has not been done, as of `as_of` (or `until`, when that comes first: an update cadence ends at the
    resolution). None when that needs `as_of` and it is not known yet."""
    if due is None:
        return "pending", None
    if done is not None:
        if done <= due:
            return "met", rule.measure(done, due)
        return "breached", -rule.measure(due, done)
    if as_of is None:
        return None
    if as_of > due:
        return "breached", -rule.measure(due, as_of if until is None else min(as_of, until))
    return "pending", rule.measure(as_of, due)


def resolved_at(events: Iterable[Event]) -> int | None:
    """When an incident was first resolved, from its events in time order; None while it is not."""
    return next((event.at for event in events if event.kind == "resolution"), None)


def waits(verdict: TargetVerdict) -> bool:
    """Whether a verdict decided before the as-of instant was known waits for it: it fell due and was not done,
    so it is breached or pending by then (`Targets.settle`)."""
    return verdict.due is not None and verdict.actual is None


def beyond(error: ClockError, what: str, span: Span | None, citation: str | None) -> SlaError:
    """E0221: a deadline or window that its calendar is not open enough to reach."""
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


def _real_time(a: int, b: int) -> int:
    return b - a


def selects(selector: model.TargetSelector, verdict: TargetVerdict) -> bool:
    """Whether a credit's selector picks a verdict: its kind, severity and (when it names any) plan."""
    return (
        verdict.kind == selector.kind
        and verdict.severity in selector.severities
        and (not selector.plans or verdict.plan in selector.plans)
    )


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
