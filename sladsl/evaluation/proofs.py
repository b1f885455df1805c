"""The contract checker: properties of an agreement proved by running the one engine on probe incidents.

The checker in `sladsl.language.checker` reads clauses one at a time. Some contradictions only show when the
clock runs: a less severe incident that falls due before a more severe one reported at the same moment, or a
start rule that holds a round-the-clock target until business hours open. Each is searched for here by
reporting probe incidents (no events) at instants across one reference year and reading their deadlines from
`Targets`, exactly as `check` would decide them; a warning carries the first instant that shows the problem.

The instants tried lie in a reference year (the year of `effective`, else `REFERENCE_YEAR`): every hour of its
first week; every opening and closing of the agreement's calendars in its first two weeks, and within two days
of every day whose hours differ from those of most days of its weekday (holidays, dates with hours of their
own), each also a minute before and after. Deadlines only change how they move with the report time at those
edges, so a contradiction that holds for a stretch of report times in an ordinary fortnight, or around a
holiday, is met at one of them.

Severities are read in the order they are declared, the most severe first.

A claim window counted from when the failure starts is tried against each period of the reference year that a
period's credit is awarded for: a failure can start in a period's first second, and the window counted from it
must not close before the period ends and its figure is known. A credit per hour late fails at the deadline, and
its figure is known only when the late event comes, however late: any window counted from the deadline can
close first, and a probe incident reported as the reference year begins is the witness.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator, Sequence

import msgspec
from msgspec.structs import replace

from sladsl import model
from sladsl.diagnostics import Diagnostic, Label, SlaError
from sladsl.evaluation.targets import Targets
from sladsl.evaluation.verdicts import TargetVerdict
from sladsl.source import Span
from sladsl.time.calendar import Clock, ClockError, clock_for
from sladsl.time.instants import day_start, local_date, wall_text
from sladsl.time.periods import following, label, period_bounds

REFERENCE_YEAR = 2025
_MINUTE = 60
_HOUR = 60 * _MINUTE
_FIRST_WEEKS = 14 * 86400


class _Probe(msgspec.Struct, frozen=True):
    """A reported incident with no events: what `Targets.incident` needs to decide its deadlines."""

    id: str
    customer: str
    severity: str
    reported: int
    tags: tuple[str, ...] = ()


def prove(agreement: model.Agreement) -> list[Diagnostic]:
    """Warnings for what the agreement's clocks contradict, each with an instant that shows it."""
    clocks = {name: clock_for(spec) for name, spec in agreement.calendars.items()}
    found: list[Diagnostic] = []
    # A calendar too sparse for a deadline is not a contradiction: `check` reports it where it happens (E0221).
    with contextlib.suppress(ClockError, SlaError):
        found.extend(_short_claim_windows(agreement, clocks))
    if agreement.targets:
        instants = _instants(agreement, clocks)
        with contextlib.suppress(ClockError, SlaError):
            found.extend(_severity_order(agreement, clocks, instants))
            found.extend(_held_targets(agreement, clocks, instants))
    return found


def _year(agreement: model.Agreement) -> int:
    return agreement.effective.year if agreement.effective is not None else REFERENCE_YEAR


def _instants(agreement: model.Agreement, clocks: dict[str, Clock]) -> list[int]:
    zone = agreement.local_zone
    year = _year(agreement)
    first = day_start(dt.date(year, 1, 1), zone)
    last = day_start(dt.date(year + 1, 1, 1), zone)
    found = set(range(first, first + _FIRST_WEEKS // 2, _HOUR))
    start = dt.date(year, 1, 1).toordinal()
    for clock in clocks.values():
        openings = clock.open_intervals(first, last)
        near = _near_unusual_days(openings, zone, year)
        for opening, closing in openings:
            if opening < first + _FIRST_WEEKS or local_date(opening, zone).toordinal() - start in near:
                for edge in (opening, closing):
                    found.update((edge - _MINUTE, edge, edge + _MINUTE))
    return sorted(t for t in found if first <= t < last)


def _near_unusual_days(openings: Sequence[tuple[int, int]], zone: str, year: int) -> set[int]:
    """The days of the year (counted from 1 January as 0) within two days of one whose hours differ from those
    most days of its weekday have: holidays, and dates with hours of their own."""
    start = dt.date(year, 1, 1).toordinal()
    hours: dict[int, list[tuple[int, int]]] = {}
    for opening, closing in openings:
        day = local_date(opening, zone)
        hours.setdefault(day.toordinal() - start, []).append((opening - day_start(day, zone), closing - opening))
    length = dt.date(year + 1, 1, 1).toordinal() - start
    usual: dict[int, tuple[tuple[int, int], ...]] = {}
    for weekday in range(7):
        patterns = [
            tuple(hours.get(d, ())) for d in range(length) if dt.date.fromordinal(start + d).weekday() == weekday
        ]
        usual[weekday] = max(set(patterns), key=patterns.count)
    unusual = [
        d for d in range(length) if tuple(hours.get(d, ())) != usual[dt.date.fromordinal(start + d).weekday()]
    ]
    return {d + shift for d in unusual for shift in range(-2, 3)}


def _plans(agreement: model.Agreement) -> list[str | None]:
    return [None, *(plan.name for plan in agreement.plans)]


def _deadlines(
    targets: Targets, severity: str, plan: str | None, at: int
) -> dict[model.TargetKind, TargetVerdict]:
    """The first verdict of each kind for a probe incident of `severity` under `plan`, reported at `at`."""
    found: dict[model.TargetKind, TargetVerdict] = {}
    for verdict in targets.incident(_Probe("probe", "probe", severity, at), [], plan, at):
        found.setdefault(verdict.kind, verdict)
    return found


def _severity_order(
    agreement: model.Agreement, clocks: dict[str, Clock], instants: Sequence[int]
) -> Iterator[Diagnostic]:
    """W0211: a less severe target of one kind and plan that falls due before a more severe one reported at the
    same instant. Each less severe clause is warned of once, against the more severe target that is due last at
    the first such instant. Severities whose targets are written alike are probed once."""
    targets = Targets(agreement, clocks)
    order = [severity.code for severity in agreement.severities]
    zone = agreement.local_zone
    found: dict[Span | None, Diagnostic] = {}
    for plan in _plans(agreement):
        alike: dict[tuple[object, ...], list[str]] = {}
        for severity in order:
            alike.setdefault(_signature(agreement, targets, severity, plan), []).append(severity)
        for at in instants:
            due: dict[str, list[tuple[int, model.Target]]] = {}
            for group in alike.values():
                decided = _deadlines(targets, group[0], plan, at)
                for severity in group:
                    due[severity] = [
                        (verdict.due, target)
                        for kind, verdict in decided.items()
                        if verdict.due is not None and (target := targets.target_for(kind, severity, plan))
                    ]
            latest: dict[model.TargetKind, tuple[int, model.Target]] = {}  # due last among the more severe
            for severity in order:
                for instant, target in due[severity]:
                    worst = latest.get(target.kind)
                    if worst is not None and instant < worst[0] and target.span not in found:
                        found[target.span] = _inverted(worst, (instant, target), at, plan=plan, zone=zone)
                    if worst is None or instant > worst[0]:
                        latest[target.kind] = (instant, target)
    yield from found.values()


def _signature(
    agreement: model.Agreement, targets: Targets, severity: str, plan: str | None
) -> tuple[object, ...]:
    """What decides a probe incident's deadlines: each kind's target clause as written and its start rule."""
    kinds: tuple[model.TargetKind, ...] = ("response", "restore", "resolution", "update")
    found: list[object] = []
    for kind in kinds:
        target = targets.target_for(kind, severity, plan)
        if target is not None:
            found.append(
                (kind, target.deadline, target.after, target.cadence, agreement.clock.start_for(kind, severity))
            )
    return tuple(found)


def _inverted(
    high: tuple[int, model.Target], low: tuple[int, model.Target], at: int, *, plan: str | None, zone: str
) -> Diagnostic:
    """W0211 for a more severe target due at `high`'s instant, after a less severe one (`low`), both reported
    at `at`."""
    (late, graver), (soon, lesser) = high, low
    return Diagnostic(
        "W0211",
        f"a `{lesser.severity}` {lesser.kind} can fall due before a `{graver.severity}` one reported at the same "
        "moment",
        lesser.span,
        "less severe, due sooner",
        secondary=(Label(graver.span, "more severe"),) if graver.span is not None else (),
        notes=(
            f"reported {wall_text(at, zone)}{_on(plan)}: `{lesser.severity}` is due {wall_text(soon, zone)}, "
            f"`{graver.severity}` only {wall_text(late, zone)}",
            "severities are read in the order they are declared, the most severe first",
        ),
        help="give both the same clock, or say in the file's header why the contract means it",
        section=lesser.citation,
    )


def _on(plan: str | None) -> str:
    return "" if plan is None else f" on plan `{plan}`"


def _held_targets(
    agreement: model.Agreement, clocks: dict[str, Clock], instants: Sequence[int]
) -> Iterator[Diagnostic]:
    """W0214: a start rule that makes a target counted on the wall clock (or on a calendar open when the rule's
    calendar is closed) wait for the rule's calendar to open, at the first instant that shows it."""
    rules = agreement.clock
    if rules.start_calendar is None and not rules.scoped:
        return
    held = Targets(agreement, clocks)
    free = Targets(replace(agreement, clock=replace(rules, start_calendar=None, scoped=())), clocks)
    zone = agreement.local_zone
    seen: set[tuple[Span | None, Span | None]] = set()
    for target in agreement.targets:
        if target.after is not None or target.cadence:
            continue  # counted from another deadline, or from the last update: the start rule reaches it there
        calendar = rules.start_for(target.kind, target.severity)
        if calendar is None or _counted_on(target) == calendar:
            continue
        rule = next((r for r in rules.scoped if r.covers(target.kind, target.severity)), None)
        rule_span = rule.span if rule is not None else rules.start_span
        if (rule_span, target.span) in seen:
            continue
        clock = clocks[calendar]
        counted = _counted_on(target)
        for at in instants:
            if clock.is_open(at) or (counted is not None and not clocks[counted].is_open(at)):
                continue
            late = _deadlines(held, target.severity, target.plan, at).get(target.kind)
            early = _deadlines(free, target.severity, target.plan, at).get(target.kind)
            if late is None or early is None or late.due is None or early.due is None or late.due <= early.due:
                continue
            seen.add((rule_span, target.span))
            yield Diagnostic(
                "W0214",
                f"the clock rule holds {target.kind} for `{target.severity}` until `{calendar}` opens, though "
                "its deadline runs while it is closed",
                rule_span,
                "delays it",
                secondary=(Label(target.span, "this target"),) if target.span is not None else (),
                notes=(
                    f"reported {wall_text(at, zone)}{_on(target.plan)}: due {wall_text(late.due, zone)}, "
                    f"not {wall_text(early.due, zone)}",
                ),
                help=f"scope the rule: `outside hours start at next opening of {calendar} for ...` naming only "
                "the targets that wait",
                section=rule.citation if rule is not None else None,
            )
            break


def _period_credits(agreement: model.Agreement) -> dict[str, list[str]]:
    """The credits awarded for a commitment's periods, by the commitment they read."""
    found: dict[str, list[str]] = {}
    for ladder in agreement.ladders:
        found.setdefault(ladder.measure, []).append(ladder.name)
    for downtime in agreement.downtime_credits:
        found.setdefault(downtime.measure, []).append(downtime.name)
    for flat in agreement.flat_credits:
        if isinstance(flat.missed, str):
            found.setdefault(flat.missed, []).append(flat.name)
    return found


def _short_claim_windows(agreement: model.Agreement, clocks: dict[str, Clock]) -> Iterator[Diagnostic]:
    """W0217: a claim window counted from when the failure starts that can close before the figure it claims
    exists. A credit for a period is known only when the period ends, and a failure can start in its first
    second; the periods of the reference year are tried in order, and the first whose window closes before the
    period ends is the witness."""
    windows = [w for w in agreement.claim_windows if w.kind == "claim" and w.edge == "starts"]
    if not windows:
        return
    window = windows[0]  # the one `check` applies
    zone = agreement.local_zone
    year = _year(agreement)
    commitments = {c.name: c for c in agreement.availabilities}
    for measure, credits in _period_credits(agreement).items():
        commitment = commitments.get(measure)
        if commitment is None:
            continue
        start, end = period_bounds(dt.date(year, 1, 1), commitment.period, zone)
        while local_date(start, zone).year == year:
            closes = clocks[window.calendar].day_end_after(start, window.days)
            if closes < end:
                names = ", ".join(f"`{name}`" for name in credits)
                yield Diagnostic(
                    "W0217",
                    f"the claim window, counted from when the failure starts, can close before the figure of "
                    f"{names} is known",
                    window.span,
                    "too early",
                    notes=(
                        f"a failure that starts {wall_text(start, zone)} and misses `{measure}` for "
                        f"{label(start, commitment.period, zone)} can be claimed until {wall_text(closes, zone)}, "
                        f"but the period's figure is known only when it ends, {wall_text(end, zone)}",
                    ),
                    help="count the window from when the failure ends (`after failure ends`), or say in the "
                    "file's header why the contract means it",
                    section=window.citation,
                )
                break
            start, end = following(end, commitment.period, zone)
    yield from _late_hours_outlast(agreement, clocks, window)


def _late_hours_outlast(
    agreement: model.Agreement, clocks: dict[str, Clock], window: model.ClaimWindow
) -> Iterator[Diagnostic]:
    """W0217 for a credit per hour late: its failure starts at the deadline, and how many hours late is known
    only once the late event comes, which can be after any window counted from the deadline closes. The witness
    is a probe incident reported when the reference year begins, late past the window's close."""
    zone = agreement.local_zone
    targets = Targets(agreement, clocks)
    at = day_start(dt.date(_year(agreement), 1, 1), zone)
    for credit in agreement.hourly_credits:
        selector = credit.targets
        plan = selector.plans[0] if selector.plans else None
        severity = selector.severities[0]
        verdict = _deadlines(targets, severity, plan, at).get(selector.kind)
        if verdict is None or verdict.due is None:
            continue
        closes = clocks[window.calendar].day_end_after(verdict.due, window.days)
        yield Diagnostic(
            "W0217",
            f"the claim window, counted from when the failure starts, can close before the hours late of "
            f"`{credit.name}` are known",
            window.span,
            "too early",
            notes=(
                f"a `{severity}` {selector.kind} reported {wall_text(at, zone)}{_on(plan)} is due "
                f"{wall_text(verdict.due, zone)} and can be claimed until {wall_text(closes, zone)}; if it comes "
                "later, how many hours late it was is not known while the window is open",
            ),
            help="count the window from when the failure ends (`after failure ends`), or say in the file's "
            "header why the contract means it",
            section=window.citation,
        )


def _counted_on(target: model.Target) -> str | None:
    """The calendar a target's deadline is counted on (None: the wall clock)."""
    deadline = target.deadline
    return None if isinstance(deadline, model.WallTime) else deadline.calendar


def proven(checked: model.Checked) -> model.Checked:
    """A checked agreement with the warnings of `prove` added, in the order diagnostics are shown."""
    found = prove(checked.agreement)
    if not found:
        return checked
    return replace(checked, warnings=tuple(sorted((*checked.warnings, *found), key=Diagnostic.sort_key)))
