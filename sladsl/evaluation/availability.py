"""Availability per commitment, customer and calendar period.

Outages are clipped to the period and merged, so overlaps are never counted twice. An outage the customer
reported after a `report within` window closed does not count. An outage carrying an excluded tag is excluded;
planned maintenance (tag `maintenance`) is excluded only with enough notice and, when the agreement says so,
only outside a calendar's open hours. Where a counted outage overlaps an excluded one, the overlap counts (read
against the drafter). Without a formula, availability is (1 - counted / period) * 100; nothing is rounded.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from decimal import Decimal

from sladsl import model
from sladsl.diagnostics import Diagnostic, Label, SlaError
from sladsl.evaluation.targets import beyond
from sladsl.evaluation.verdicts import (
    AvailabilityVerdict,
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
        `first` (the earliest report or outage) to the one holding `as_of`, one at a time: with many outages
        that apply to everyone, the periods' outage shares outnumber the outages many times over."""
        if not self.agreement.availabilities or first is None:
            return
        by_customer: dict[str | None, list[tuple[int, int, Outage]]] = {}
        for index, outage in enumerate(sorted(outages, key=lambda o: (o.start, o.seq))):
            by_customer.setdefault(outage.customer, []).append((outage.start, index, outage))
        names = sorted(set(customers)) or [DEFAULT_CUSTOMER]
        for commitment in self.agreement.availabilities:
            for customer in names:
                # A sweep over the customer's outages and everyone's, in order of start: the active list holds
                # exactly the outages that overlap the period at hand, so each period sees only its own.
                pending = heapq.merge(by_customer.get(customer, []), by_customer.get(None, []))
                upcoming = next(pending, None)
                active: list[Outage] = []
                start, end = period_of(first, commitment.period, self.zone)
                while start <= as_of:
                    while upcoming is not None and upcoming[0] < end:
                        active.append(upcoming[2])
                        upcoming = next(pending, None)
                    active = [o for o in active if o.end > start]
                    yield self.period(customer, commitment, start, end, outages=active, as_of=as_of)
                    start, end = following(end, commitment.period, self.zone)

    def period(
        self,
        customer: str,
        commitment: model.Availability,
        start: int,
        end: int,
        *,
        outages: list[Outage],
        as_of: int,
    ) -> AvailabilityVerdict:
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
        counted_merged = merge(counted)
        maintenance_only = subtract(merge(maintenance), counted_merged)
        downtime = total(merge(counted_merged + maintenance_only))
        seconds = (end - start, downtime, total(maintenance_only), total(counted_merged))
        try:
            value = self.formula(commitment, seconds)
        except ZeroDivisionError:
            raise divided_by_zero(commitment, customer, label(start, commitment.period, self.zone)) from None
        status: Status = "pending" if end > as_of else ("met" if value >= commitment.percent else "breached")
        name = label(start, commitment.period, self.zone)
        return AvailabilityVerdict(customer, commitment, name, start, end, *seconds, value, status, tuple(shares))

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
