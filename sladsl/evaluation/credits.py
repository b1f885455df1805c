"""Credits: what breached targets and periods earn, and what becomes of each award.

Ladders give the larger band where bands overlap (read against the drafter) and nothing, said so, in a gap;
hourly credits count started or whole hours late (whole when the agreement does not say); flat credits pay per
breached target or missed commitment. Then, in this order: awards below the minimum are void; awards not
claimed within the claim window are void (or open while it runs); within a no-stacking period only the largest
award stands; caps cut what would exceed them, earliest award first. A share of the fee is a share of the
customer's fee for the period measured (for a target's award, a month): a quarterly fee for a quarter, a
twelfth of a yearly fee for a month.

Credits for downtime are owed for each period their commitment missed: an amount per hour of counted downtime
(whole hours unless the agreement says started), or a multiple of the fee for the time down, which is the
period's fee times the counted downtime over the period's length, rounded as the credit says.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from decimal import Decimal

from msgspec.structs import replace

from sladsl import model
from sladsl.diagnostics import Diagnostic, SlaError
from sladsl.evaluation.kpis import Periods
from sladsl.evaluation.targets import HOUR, beyond, selects
from sladsl.evaluation.verdicts import (
    AvailabilityVerdict,
    Award,
    AwardStatus,
    Basis,
    BelowMinimum,
    Capped,
    Claimed,
    ClaimedLate,
    DowntimeFee,
    DowntimeHours,
    InBand,
    LadderGap,
    LateHours,
    MissedCommitment,
    MissedTarget,
    NotClaimed,
    NotClaimedYet,
    Reason,
    Stacked,
    TargetVerdict,
)
from sladsl.source import Span
from sladsl.time.calendar import Clock, ClockError, clocks_at
from sladsl.time.instants import wall_text
from sladsl.time.periods import MONTHS, period_of
from sladsl.timeline.records import Claim, Customer

FEE_PERCENT = "fee_percent"  # the unit of a share of the fee when the customer's fee is not known


class Credits:
    """Works out every award of an agreement, given its verdicts, its customers and its claims."""

    def __init__(
        self,
        agreement: model.Agreement,
        clocks: dict[str, Clock],
        periods: Periods,
        *,
        customers: dict[str, Customer],
        claims: Sequence[Claim],
        as_of: int,
    ) -> None:
        self.agreement = agreement
        self.clocks = clocks
        self.periods = periods
        self.zone = agreement.local_zone
        self.customers = customers
        self.claims = claims
        self.as_of = as_of
        self.matched: set[int] = set()  # the claims some award matched, by their record's number
        self._placed: dict[model.Place, dict[str, Clock]] = {}  # the clocks where a customer is
        # (what, its amount, customer, award unit) -> the rule's place: a minimum in one unit, an award in another,
        # so the rule could not be applied to it (a cap is checked to be in the credits' unit by `lint`)
        self.unapplied: dict[tuple[str, str, str, str], Span | None] = {}
        self.claimed: dict[tuple[str, str | None, str | None], list[Claim]] = {}  # (customer, incident, period)
        for claim in claims:
            self.claimed.setdefault((claim.customer, claim.incident, claim.period), []).append(claim)
        # The window for claims that every award is measured by: the first the agreement gives.
        self.window = next((w for w in agreement.claim_windows if w.kind == "claim"), None)

    def creditable(self, verdict: TargetVerdict) -> bool:
        """Whether a target verdict can earn a credit: it is breached, and some credit selects it."""
        return verdict.status == "breached" and any(selects(s, verdict) for s in selectors(self.agreement))

    def value_of(
        self, customer: str, amount: model.Amount, months: int = 1, times: int = 1
    ) -> tuple[str, Decimal]:
        """An amount as a unit and a value for one customer: a share of the fee becomes money when the fee is
        known, for `months` months."""
        if amount.kind == "credits":
            return "credits", amount.value * times
        if amount.kind == "money":
            return str(amount.currency), amount.value * times
        record = self.customers.get(customer)
        fee = None if record is None else record.fee_for(months)
        if record is None or fee is None:
            return FEE_PERCENT, amount.value * months * times
        return record.currency or "fee", fee * amount.value / 100 * times

    def awards(self, targets: Iterable[TargetVerdict], availability: Iterable[AvailabilityVerdict]) -> list[Award]:
        raw: list[
            tuple[Award, int, int]
        ] = []  # with the instants its failure started and ended, for claim windows
        targets = sorted(targets, key=lambda v: (v.reported, v.incident))  # in whatever order they were decided
        periods = list(availability)
        agreement = self.agreement
        for credit in agreement.hourly_credits:
            rounding = credit.rounding or "whole"
            for verdict in targets:
                if verdict.status != "breached" or not selects(credit.targets, verdict) or verdict.margin is None:
                    continue
                late = -verdict.margin
                hours = math.ceil(late / HOUR) if rounding == "started" else late // HOUR
                if hours <= 0:
                    continue
                basis = LateHours(verdict.incident, verdict.kind, late, hours, rounding, credit.amount)
                amount = self.value_of(verdict.customer, credit.amount, times=hours)
                raw.append(self.target_award(verdict, credit.name, basis, amount, credit.citation))
        for flat in agreement.flat_credits:
            if isinstance(flat.missed, str):
                for period in periods:
                    if period.commitment.name == flat.missed and period.status == "breached":
                        basis_missed = MissedCommitment(
                            flat.missed, period.period, period.value, period.commitment.percent
                        )
                        amount = self.value_of(period.customer, flat.amount, MONTHS[period.commitment.period])
                        raw.append(self.period_award(period, flat.name, basis_missed, amount, flat.citation))
            else:
                for verdict in targets:
                    if verdict.status == "breached" and selects(flat.missed, verdict):
                        amount = self.value_of(verdict.customer, flat.amount)
                        missed = MissedTarget(verdict.incident, verdict.kind)
                        raw.append(self.target_award(verdict, flat.name, missed, amount, flat.citation))
        for downtime in agreement.downtime_credits:
            for period in periods:
                if period.commitment.name == downtime.measure and period.status == "breached":
                    found = self.downtime_award(downtime, period)
                    if found is not None:
                        raw.append(found)
        for ladder in agreement.ladders:
            # The band a value falls in (the larger where bands overlap, None in a gap), found once per value:
            # many customers' periods have the same value.
            falls_in: dict[Decimal, model.Band | None] = {}
            for period in periods:
                if period.commitment.name != ladder.measure or period.status == "pending":
                    continue
                if period.value in falls_in:
                    band = falls_in[period.value]
                else:
                    bands = [b for b in ladder.bands if b.contains(period.value)]
                    band = falls_in[period.value] = max(bands, key=lambda b: b.amount.value) if bands else None
                if band is None:  # a gap in the ladder as written: say so, never skip silently
                    unit = self.value_of(period.customer, ladder.bands[0].amount)[0] if ladder.bands else ""
                    gap = InBand(ladder.measure, period.period, period.value, None)
                    award = self.period_award(period, ladder.name, gap, (unit, Decimal(0)), ladder.citation)
                    raw.append((replace(award[0], status="void", reasons=(LadderGap(),)), *award[1:]))
                    continue
                if band.amount.value == 0:
                    continue
                basis_band = InBand(ladder.measure, period.period, period.value, band)
                amount = self.value_of(period.customer, band.amount, MONTHS[period.commitment.period])
                raw.append(
                    self.period_award(period, ladder.name, basis_band, amount, band.citation or ladder.citation)
                )
        raw.sort(key=lambda pair: (pair[0].at, pair[0].customer, pair[0].credit))
        awards = [self.claim_status(award, started, ended) for award, started, ended in raw]
        awards = self.apply_minimum(awards)
        awards = self.apply_no_stacking(awards)
        return self.apply_caps(awards)

    def downtime_award(
        self, credit: model.DowntimeCredit, period: AvailabilityVerdict
    ) -> tuple[Award, int, int] | None:
        """A credit for a missed period's counted downtime, or None when the downtime makes no whole hour."""
        months = MONTHS[period.commitment.period]
        counted = period.counted_seconds
        if counted <= 0:  # missed by a formula's reckoning with no downtime counted: nothing to pay for
            return None
        basis: Basis
        if credit.amount is not None:
            rounding = credit.rounding or "whole"
            hours = math.ceil(counted / HOUR) if rounding == "started" else counted // HOUR
            if hours <= 0:
                return None
            unit, value = self.value_of(period.customer, credit.amount, months, times=hours)
            basis = DowntimeHours(credit.measure, period.period, counted, hours, rounding, credit.amount)
        else:
            share = model.Amount("fee_share", credit.multiple * 100)
            unit, whole = self.value_of(period.customer, share, months)
            value = whole * counted / period.period_seconds
            basis = DowntimeFee(
                credit.measure, period.period, counted, period.period_seconds, credit.multiple, credit.rounded
            )
        if credit.rounded is not None and unit != FEE_PERCENT:  # the contract rounds money, not a share of it
            step = Decimal(1).scaleb(-credit.rounded.places)
            value = value.quantize(step, rounding=model.DECIMAL_ROUNDING[credit.rounded.mode])
        return self.period_award(period, credit.name, basis, (unit, value), credit.citation)

    def target_award(
        self, verdict: TargetVerdict, credit: str, basis: Basis, amount: tuple[str, Decimal], citation: str | None
    ) -> tuple[Award, int, int]:
        """An award for a breached target, earned when the late event came (or at as-of, when it has not come);
        its failure starts at the deadline and ends then."""
        ended = verdict.actual if verdict.actual is not None else self.as_of
        started = verdict.due if verdict.due is not None else ended
        return (
            Award(verdict.customer, credit, verdict.incident, None, ended, *amount, "owed", basis, (), citation),
            started,
            ended,
        )

    @staticmethod
    def period_award(
        period: AvailabilityVerdict, credit: str, basis: Basis, amount: tuple[str, Decimal], citation: str | None
    ) -> tuple[Award, int, int]:
        """An award for a period: counted in its last second, so caps and no-stacking place it in that period;
        its failure ends in that second too, so a claim window counted in days after it begins on the day after
        the period's last day (the period's end instant is already the next day). Its failure starts with the
        first second counted as down in the period, or with the period when a formula missed with none."""
        award = Award(
            period.customer, credit, None, period.period, period.end - 1, *amount, "owed", basis, (), citation
        )
        started = period.first_counted if period.first_counted is not None else period.start
        return award, started, period.end - 1

    def clock(self, window: model.ClaimWindow, customer: str) -> Clock:
        """The clock a customer's claim window is counted on: its calendar's, compiled for the customer's place
        when the calendar follows the customer."""
        spec = self.agreement.calendars[window.calendar]
        if not spec.follows_customer:
            return self.clocks[window.calendar]
        record = self.customers.get(customer)
        if record is None or record.place is None:
            raise SlaError(
                [
                    Diagnostic(
                        "E0326",
                        f"the claim window is counted on calendar `{spec.name}`, which follows the customer, and "
                        f"customer `{customer}` has no accepted record that says where it is",
                        window.span,
                        "counted where the customer is",
                        help="give the customer a `customer` record with its `zone` and `country`",
                        section=window.citation,
                    )
                ]
            )
        placed = self._placed.get(record.place)
        if placed is None:
            placed = self._placed[record.place] = clocks_at(self.agreement.calendars, self.clocks, record.place)
        return placed[window.calendar]

    def claim_status(self, award: Award, started: int, ended: int) -> Award:
        window = self.window
        if window is None:
            if self.claimed:
                self.matched.update(c.seq for c in self.claims_of(award))
            return award
        failure = started if window.edge == "starts" else ended
        try:
            closes = self.clock(window, award.customer).day_end_after(failure, window.days)
        except ClockError as error:
            when = wall_text(failure, self.zone)
            raise beyond(
                error, f"the claim window for `{award.credit}` after {when}", window.span, window.citation
            ) from None
        claims = self.claims_of(award)
        self.matched.update(c.seq for c in claims)
        on_time = [c for c in claims if c.at <= closes]
        reason: Reason
        status: AwardStatus = award.status
        if on_time:
            reason = Claimed(on_time[0].at, closes, window.citation)
        elif claims:
            reason, status = ClaimedLate(claims[0].at, claims[0].where.line, closes, window.citation), "void"
        elif self.as_of <= closes:
            reason, status = NotClaimedYet(closes, window.citation), "open"
        else:
            reason, status = NotClaimed(closes, window.citation), "void"
        return replace(award, status=status, reasons=(*award.reasons, reason))

    def claims_of(self, award: Award) -> list[Claim]:
        """The claims that claim an award: its customer's, for its incident or period, and its credit (or any)."""
        key = (award.customer, award.incident, None) if award.incident else (award.customer, None, award.period)
        return [c for c in self.claimed.get(key, ()) if c.credit is None or c.credit == award.credit]

    def unapplied_rules(self) -> list[Diagnostic]:
        """W0303 for a minimum that could not be applied to a customer's awards, as their units differ: a minimum
        in a currency against awards in a share of a fee not known, or in another currency."""
        found = []
        for (what, amount, customer, unit), span in self.unapplied.items():
            record = self.customers.get(customer)
            if unit in (FEE_PERCENT, "fee"):
                why = "its fee or currency is not known"
                fix = "give the customer's `fee` and `currency` in its `customer` record"
            else:
                why = f"its awards are in {unit}"
                fix = f"write the {what} in the customer's currency, or correct the customer's `currency`"
            found.append(
                Diagnostic(
                    "W0303",
                    f"the {what} `{amount}` is not applied to customer `{customer}`'s awards: {why}",
                    span if span is not None else (record.where if record is not None else None),
                    "not applied",
                    help=fix,
                )
            )
        return found

    def unmatched(self) -> list[Claim]:
        """The claims that no award matched, once `awards` has run."""
        return [c for c in self.claims if c.seq not in self.matched]

    def apply_minimum(self, awards: list[Award]) -> list[Award]:
        minimum = self.agreement.minimum
        if minimum is None:
            return awards
        found = []
        for award in awards:
            unit, floor = self.value_of(award.customer, minimum)
            if award.status == "owed" and award.unit != unit:
                key = ("minimum award", str(minimum), award.customer, award.unit)
                self.unapplied.setdefault(key, self.agreement.minimum_span)
            if award.status == "owed" and award.unit == unit and award.value < floor:
                found.append(replace(award, status="void", reasons=(*award.reasons, BelowMinimum(minimum))))
            else:
                found.append(award)
        return found

    def apply_no_stacking(self, awards: list[Award]) -> list[Award]:
        found = list(awards)
        for rule in self.agreement.no_stacking:
            groups: dict[tuple[str, int], list[int]] = {}
            for index, award in enumerate(found):
                if award.status == "owed":
                    start = period_of(award.at, rule.period, self.zone)[0]
                    groups.setdefault((award.customer, start), []).append(index)
            for (_, start), indices in groups.items():
                if len(indices) < 2:
                    continue
                keep = max(indices, key=lambda i: (found[i].value, -i))
                name = self.periods.of(start, rule.period)[2]
                kept = found[keep]
                for i in indices:
                    if i != keep:
                        stacked = Stacked(name, kept.credit, kept.value, kept.unit, rule.citation)
                        found[i] = replace(found[i], status="void", reasons=(*found[i].reasons, stacked))
        return found

    def apply_caps(self, awards: list[Award]) -> list[Award]:
        found = list(awards)
        for cap in self.agreement.caps:
            used: dict[tuple[str, int], Decimal] = {}
            for index, award in enumerate(found):
                unit, limit = self.value_of(award.customer, cap.amount, MONTHS[cap.period])
                if award.status != "owed" or award.unit != unit:
                    continue
                key = (award.customer, period_of(award.at, cap.period, self.zone)[0])
                spent = used.get(key, Decimal(0))
                room = max(limit - spent, Decimal(0))
                if award.value > room:
                    name = self.periods.of(key[1], cap.period)[2]
                    capped = Capped(cap, name, spent, award.value, room)
                    found[index] = replace(
                        award, value=room, status="owed" if room > 0 else "void", reasons=(*award.reasons, capped)
                    )
                used[key] = spent + min(award.value, room)
        return found


def selectors(agreement: model.Agreement) -> list[model.TargetSelector]:
    """The targets that credits pay for: the hourly credits' and the flat credits' that name targets."""
    return [c.targets for c in agreement.hourly_credits] + [
        f.missed for f in agreement.flat_credits if not isinstance(f.missed, str)
    ]
