"""Availability per commitment, customer and calendar period.

Outages are clipped to the period and merged, so overlaps are never counted twice. An outage the customer
reported after a `report within` window closed does not count. An outage carrying an excluded tag is excluded;
planned maintenance (tag `maintenance`) is excluded only with enough notice and, when the agreement says so,
only outside a calendar's open hours and only while its budget lasts: each customer's budget per calendar
period is used up by its excluded maintenance in order of time, and maintenance beyond it counts. Where a
counted outage overlaps an excluded one, the overlap counts (read against the drafter). Without a formula,
availability is (1 - counted / period) * 100; it is rounded only as the commitment's `round` line says.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal

import msgspec
from msgspec.structs import replace

from sladsl import model
from sladsl.diagnostics import Diagnostic, Label, SlaError
from sladsl.evaluation.targets import beyond
from sladsl.evaluation.verdicts import (
    AvailabilityVerdict,
    BudgetUse,
    Counted,
    Excluded,
    Maintenance,
    OutageShare,
    ReportedLate,
    ShortNotice,
    Status,
    Treatment,
)
from sladsl.time.calendar import Clock, ClockError
from sladsl.time.instants import add_wall, wall_text
from sladsl.time.intervals import clip, merge, subtract, total
from sladsl.time.periods import following, label, period_of
from sladsl.timeline.records import DEFAULT_CUSTOMER, MAINTENANCE_TAG, Outage

MEASURES = ("period_minutes", "downtime_minutes", "maintenance_minutes", "counted_minutes")


class Availability:
    """Measures every availability commitment of an agreement over the outages of a timeline."""

    def __init__(self, agreement: model.Agreement, clocks: dict[str, Clock]) -> None:
        self.agreement = agreement
        self.clocks = clocks
        self.zone = agreement.local_zone
        windows = [w for w in agreement.claim_windows if w.kind == "report"]
        self.report_window = windows[0] if windows else None

    def verdicts(
        self, outages: Iterable[Outage], customers: Iterable[str], first: int | None, as_of: int
    ) -> Iterator[AvailabilityVerdict]:
        """Every commitment's verdict for every customer (in name order) and every period from the one holding
        `first` (the earliest report or outage) to the one holding `as_of`, one at a time.

        The outages for everyone are treated once per period, and every customer's verdict of that period holds
        the one tuple of their shares (`shared`); its own outages are its `shares`. A period in which a customer
        has no outage of its own has the verdict every such customer has, decided once and given to each, so the
        work and the memory grow with the periods and the outages, not with customers times outages."""
        if not self.agreement.availabilities or first is None:
            return
        everyone: list[_Placed] = []
        by_customer: dict[str, list[_Placed]] = {}
        for index, outage in enumerate(sorted(outages, key=lambda o: (o.start, o.seq))):
            placed = (outage.start, index, outage)
            if outage.customer is None:
                everyone.append(placed)
            else:
                by_customer.setdefault(outage.customer, []).append(placed)
        names = sorted(set(customers)) or [DEFAULT_CUSTOMER]
        for commitment in self.agreement.availabilities:
            periods = list(_sweep(everyone, first, commitment.period, self.zone, as_of))
            shared: list[Treated | None] = [None] * len(periods)  # each period's outages for everyone, treated
            common: list[AvailabilityVerdict | None] = [None] * len(periods)
            common_used: list[dict[tuple[tuple[int, int], ...], tuple[AvailabilityVerdict, Used]]] = [
                {} for _ in periods
            ]  # with a budget: each period's verdict for customers with no outage of their own, by budget used
            for customer in names:
                # A sweep over the customer's own outages in order of start, beside the periods' outages for
                # everyone: `mine` holds exactly its own outages that overlap the period at hand.
                pending = iter(by_customer.get(customer, ()))
                upcoming = next(pending, None)
                mine: list[_Placed] = []
                used: Used = {}  # the customer's budget used so far, by the start of each budget period
                for k, (start, end, name, active) in enumerate(periods):
                    while upcoming is not None and upcoming[0] < end:
                        mine.append(upcoming)
                        upcoming = next(pending, None)
                    if mine:
                        mine = [placed for placed in mine if placed[2].end > start]
                    for_everyone = shared[k]
                    if for_everyone is None:
                        for_everyone = self.treat(commitment, start, end, [o for _, _, o in active])
                        shared[k] = for_everyone
                    if mine:
                        own = self.treat(commitment, start, end, [o for _, _, o in mine])
                        yield self.measure(
                            customer,
                            commitment,
                            start,
                            end,
                            own=own,
                            everyone=for_everyone,
                            as_of=as_of,
                            name=name,
                            used=used,
                        )
                        continue
                    if _budget(commitment) is not None:  # verdicts differ by how much budget is left
                        key = tuple(sorted(used.items()))
                        known = common_used[k].get(key)
                        if known is None:
                            before = dict(used)
                            verdict = self.measure(
                                customer,
                                commitment,
                                start,
                                end,
                                own=NOTHING,
                                everyone=for_everyone,
                                as_of=as_of,
                                name=name,
                                used=used,
                            )
                            common_used[k][tuple(sorted(before.items()))] = (verdict, dict(used))
                            yield verdict
                        else:
                            used.clear()
                            used.update(known[1])
                            yield replace(known[0], customer=customer)
                        continue
                    alone = common[k]
                    if alone is None:  # decided when first needed, so a failure comes where it always came
                        alone = self.measure(  # its customer the first to need it, whom an E0222 names
                            customer,
                            commitment,
                            start,
                            end,
                            own=NOTHING,
                            everyone=for_everyone,
                            as_of=as_of,
                            name=name,
                        )
                        common[k] = alone
                    yield replace(alone, customer=customer)

    def treat(self, commitment: model.Availability, start: int, end: int, outages: list[Outage]) -> Treated:
        """How each outage's part in `[start, end)` is treated: counted, excluded or maintenance. Nothing here
        depends on the customer, so the outages for everyone are treated once per period."""
        excluded_tags = dict(commitment.excluded)
        counted: list[tuple[int, int]] = []
        maintenance: list[tuple[int, int]] = []
        shares: list[OutageShare] = []
        for outage in outages:
            parts = clip([(outage.start, outage.end)], start, end)
            if not parts:
                continue
            treatment: Treatment
            hit = next((t for t in outage.tags if t in excluded_tags), None)
            late = self.reported_late(outage)
            if late is not None:
                treatment = late
            elif hit is not None:
                treatment = Excluded(hit, excluded_tags[hit])
            elif MAINTENANCE_TAG in outage.tags and commitment.maintenance is not None:
                rule = commitment.maintenance
                if rule.notice is not None and (
                    outage.notice is None
                    or add_wall(outage.notice, rule.notice.amount, rule.notice.unit, self.zone) > outage.start
                ):
                    counted.extend(parts)
                    treatment = ShortNotice(outage.notice, rule.notice, rule.citation)
                elif rule.outside is not None:
                    inside = self.clocks[rule.outside].open_intervals(parts[0][0], parts[-1][1])
                    counted.extend(inside)
                    maintenance.extend(subtract(parts, inside))
                    treatment = Maintenance(rule.citation, rule.outside, total(inside))
                else:
                    maintenance.extend(parts)
                    treatment = Maintenance(rule.citation, None, 0)
            else:
                counted.extend(parts)
                treatment = Counted()
            shares.append(
                OutageShare(outage.id, outage.where.line, parts[0][0], parts[-1][1], total(parts), treatment)
            )
        return Treated(tuple(shares), tuple(counted), tuple(maintenance))

    def measure(
        self,
        customer: str,
        commitment: model.Availability,
        start: int,
        end: int,
        *,
        own: Treated,
        everyone: Treated,
        as_of: int,
        name: str,
        used: Used | None = None,
    ) -> AvailabilityVerdict:
        """The verdict from the treated outages: overlaps are merged, so no second counts twice, and where a
        counted outage overlaps maintenance the overlap counts. With a budget, the maintenance left is excluded
        while the customer's budget lasts (`used`, updated), and counts beyond it."""
        counted_merged = merge(own.counted + everyone.counted)
        maintenance_only = subtract(merge(own.maintenance + everyone.maintenance), counted_merged)
        downtime = total(merge(counted_merged + maintenance_only))
        budget = _budget(commitment)
        use = None
        if budget is not None:
            assert commitment.maintenance is not None
            before = (used or {}).get(period_of(start, budget.period, self.zone)[0], 0)
            maintenance_only, over = self.spend(budget, maintenance_only, {} if used is None else used)
            counted_merged = merge(counted_merged + over)
            use = BudgetUse(
                budget.seconds,
                budget.period,
                before,
                total(maintenance_only),
                total(over),
                commitment.maintenance.citation,
            )
        seconds = (end - start, downtime, total(maintenance_only), total(counted_merged))
        try:
            value = self.formula(commitment, seconds)
        except ZeroDivisionError:
            raise divided_by_zero(commitment, customer, label(start, commitment.period, self.zone)) from None
        rounding = commitment.rounding
        if rounding is not None:  # the rounded value is the one compared, read against ladders and shown
            value = value.quantize(
                Decimal(1).scaleb(-rounding.places), rounding=model.DECIMAL_ROUNDING[rounding.mode]
            )
        status: Status = "pending" if end > as_of else ("met" if value >= commitment.percent else "breached")
        return AvailabilityVerdict(
            customer,
            commitment,
            name,
            start,
            end,
            *seconds,
            value,
            status,
            own.shares,
            everyone.shares,
            use,
            counted_merged[0][0] if counted_merged else None,
        )

    def spend(
        self, budget: model.Budget, maintenance: list[tuple[int, int]], used: Used
    ) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        """Maintenance (merged, in order) split into what the budget still excludes and what lies beyond it,
        earliest first, each budget period on its own; `used` is updated."""
        excluded: list[tuple[int, int]] = []
        over: list[tuple[int, int]] = []
        for first, end in maintenance:
            at = first
            while at < end:
                opened, closes = period_of(at, budget.period, self.zone)
                piece_end = min(end, closes)
                take = max(0, min(budget.seconds - used.get(opened, 0), piece_end - at))
                if take:
                    excluded.append((at, at + take))
                    used[opened] = used.get(opened, 0) + take
                if at + take < piece_end:
                    over.append((at + take, piece_end))
                at = piece_end
        return excluded, over

    def reported_late(self, outage: Outage) -> ReportedLate | None:
        """Why an outage does not count because the customer reported it too late, or None. An outage with no
        `reported` instant was found by the provider's own monitoring, and counts."""
        window = self.report_window
        if window is None or outage.reported is None:
            return None
        failure = outage.start if window.edge == "starts" else outage.end
        try:
            closes = self.clocks[window.calendar].day_end_after(failure, window.days)
        except ClockError as error:
            when = wall_text(failure, self.zone)
            raise beyond(
                error, f"outage `{outage.id}`: the report window after {when}", window.span, window.citation
            ) from None
        if outage.reported <= closes:
            return None
        return ReportedLate(outage.reported, closes, window.citation)

    def formula(self, commitment: model.Availability, seconds: tuple[int, int, int, int]) -> Decimal:
        """The commitment's value from the period's measures in seconds: period, downtime, maintenance and
        counted downtime, which a formula names in minutes."""
        minutes = dict(zip(MEASURES, (Decimal(s) / 60 for s in seconds), strict=True))
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
            if op == "/":
                if not b:
                    raise ZeroDivisionError
                return a / b
            results: dict[str, Decimal] = {"+": a + b, "-": a - b, "*": a * b}
            return results[op]

        return run(commitment.formula.expr)


def divided_by_zero(commitment: model.Availability, customer: str, period: str) -> SlaError:
    """E0222: a formula that divides by zero in a period (lint warns of it as W0210), which leaves the
    commitment without a value there: the check stops rather than guess one."""
    formula = commitment.formula
    assert formula is not None
    return SlaError(
        [
            Diagnostic(
                "E0222",
                f"the formula of `{commitment.name}` divides by zero for customer `{customer}` in {period}",
                formula.span,
                "divides by zero",
                notes=(f"the formula: {formula.text}",),
                help="say in the formula what the contract means when the divisor is zero; "
                "`sladsl lint` warns of every divisor that can be",
                section=commitment.citation,
            )
        ]
    )


class Treated(msgspec.Struct, frozen=True):
    """Outages' parts in one period: their shares, in order of start, and the intervals they add to counted
    downtime and to maintenance."""

    shares: tuple[OutageShare, ...]
    counted: tuple[tuple[int, int], ...]
    maintenance: tuple[tuple[int, int], ...]


NOTHING = Treated((), (), ())

_Placed = tuple[int, int, Outage]  # an outage's start, its place among all outages in order of start, the outage


def _sweep(
    placed: list[_Placed], first: int, unit: model.PeriodUnit, zone: str, as_of: int
) -> Iterator[tuple[int, int, str, list[_Placed]]]:
    """Each period from the one holding `first` to the one holding `as_of`: its start, end and label, and the
    outages (in order of start) that overlap it."""
    pending = iter(placed)
    upcoming = next(pending, None)
    active: list[_Placed] = []
    start, end = period_of(first, unit, zone)
    while start <= as_of:
        while upcoming is not None and upcoming[0] < end:
            active.append(upcoming)
            upcoming = next(pending, None)
        active = [p for p in active if p[2].end > start]
        yield start, end, label(start, unit, zone), active
        start, end = following(end, unit, zone)


Used = dict[int, int]  # maintenance budget used, in seconds, by the start of its budget period


def _budget(commitment: model.Availability) -> model.Budget | None:
    return None if commitment.maintenance is None else commitment.maintenance.budget


def conflicting(outages: Iterable[Outage]) -> Iterator[Diagnostic]:
    """Outages for the same customer that overlap in time but are tagged differently (W0301), one at a time."""
    active: list[Outage] = []  # a sweep: only outages still running when the next one starts can overlap it
    for later in sorted(outages, key=lambda o: (o.start, o.seq)):
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
