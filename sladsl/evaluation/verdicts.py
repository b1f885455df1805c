"""What an evaluation finds, as data: verdicts, the facts that explain them, and the credits they earn.

Nothing here is a sentence. A verdict holds instants (epoch seconds), durations (seconds), amounts (`Decimal`),
names and references to the agreement's clauses; each fact that explains how a figure was reached is a small
value of its own (`trace`, `treatment`, `basis`, `reasons`). The renderers in `sladsl.render` make the words,
the JSON and the pictures, and none of them reads another's output.

Each is a frozen `msgspec.Struct`, not an attrs class: Structs are built in C, so defining these three dozen
classes costs about a millisecond where attrs takes about twenty at every start of a check (it generates and
compiles each class's methods), and an evaluation makes a verdict twice as fast. `msgspec.structs.replace` is
their `attrs.evolve`.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Literal

import msgspec

from sladsl import model
from sladsl.diagnostics import Diagnostic

Status = Literal["met", "breached", "pending", "excluded"]
AwardStatus = Literal["owed", "void", "open"]

# -- how a target's figures were reached --------------------------------------------------------------------


class StartedAtOpening(msgspec.Struct, frozen=True):
    """Reported outside the `outside hours` calendar: the clock started when it next opened, at `at`."""

    calendar: str
    at: int


class CountedFrom(msgspec.Struct, frozen=True):
    """The target is counted from another target's deadline (`after response deadline`); `at` is that deadline,
    None when it has none yet (`applies`) or when that target does not apply to the incident (not `applies`)."""

    target: model.TargetKind
    at: int | None
    applies: bool


class SeverityFrom(msgspec.Struct, frozen=True):
    """The verdict is for a later severity: changed by a `severity_changed` record (`after` None), or lowered by
    a clock rule after an event of kind `after`, at `at`."""

    severity: str
    at: int
    after: model.TargetKind | None


class Paused(msgspec.Struct, frozen=True):
    """The clock stopped while waiting on the customer, from `start` to `end` (None: not resumed)."""

    start: int
    end: int | None


class OpenTime(msgspec.Struct, frozen=True):
    """The open stretches of `calendar` that a business-time target counted (only when a trace is asked for)."""

    calendar: str
    stretches: tuple[tuple[int, int], ...]

    @property
    def seconds(self) -> int:
        return sum(end - start for start, end in self.stretches)


class UpdateSince(msgspec.Struct, frozen=True):
    """An update was due counted from the response, from the clock start (no response yet), or from the update
    at `at`."""

    since: Literal["response", "clock_start", "update"]
    at: int


class ExcludedIncident(msgspec.Struct, frozen=True):
    """The incident carries `tag`, which the agreement excludes from targets of this kind: the target is not
    judged (its deadline and margin are still shown). Always in the trace of an excluded verdict."""

    tag: str
    citation: str | None


Fact = StartedAtOpening | CountedFrom | SeverityFrom | Paused | OpenTime | UpdateSince | ExcludedIncident


ClockKind = Literal["business_time", "business_days", "calendar_time"]
_CLOCK_KINDS: dict[type, ClockKind] = {
    model.BusinessTime: "business_time",
    model.BusinessDays: "business_days",
    model.DayEnd: "business_days",
    model.WallTime: "calendar_time",
}


def clock_of(target: model.Target) -> tuple[ClockKind, str | None]:
    """What a target is measured on: open time of a calendar, business days of a calendar, or calendar time
    (with no calendar)."""
    deadline = target.deadline
    return _CLOCK_KINDS[type(deadline)], getattr(deadline, "calendar", None)


class Clock(msgspec.Struct, frozen=True):
    """What a target is measured on (see `clock_of`)."""

    kind: ClockKind
    calendar: str | None

    @classmethod
    def of(cls, target: model.Target) -> Clock:
        return cls(*clock_of(target))


class TargetVerdict(msgspec.Struct, frozen=True, gc=False):
    """One target of one incident: when its clock started, when it fell due, when it was done, and the outcome.

    `margin` is in seconds on the target's own clock (business time for a business-time target, real time
    otherwise), positive when early, negative when late; None while an unresumed pause holds the deadline.

    Not tracked by the cycle collector (`gc=False`): nothing a verdict holds can lead back to it, and a check
    makes one for every target of every incident, some held to the end of input (`IncidentStage.judge`)."""

    incident: str
    customer: str
    kind: model.TargetKind
    severity: str
    plan: str | None
    target: model.Target
    reported: int
    start: int
    due: int | None
    actual: int | None
    status: Status
    margin: int | None
    trace: tuple[Fact, ...] = ()

    @property
    def clock(self) -> Clock:
        return Clock.of(self.target)


class KpiVerdict(msgspec.Struct, frozen=True):
    """A KPI for one customer and period: how many of its targets were decided (met or breached) and met."""

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


# -- availability ---------------------------------------------------------------------------------------------


class Counted(msgspec.Struct, frozen=True):
    """The outage counts as downtime."""


class Excluded(msgspec.Struct, frozen=True):
    """The outage carries a tag the commitment excludes."""

    tag: str
    citation: str | None


class ReportedLate(msgspec.Struct, frozen=True):
    """The customer reported the outage at `reported`, after the report window closed at `closes`."""

    reported: int
    closes: int
    citation: str | None


class ShortNotice(msgspec.Struct, frozen=True):
    """Planned maintenance announced at `notice` (None: never), less than `required` ahead: it counts."""

    notice: int | None
    required: model.WallTime
    citation: str | None


class Maintenance(msgspec.Struct, frozen=True):
    """Planned maintenance, excluded; when the rule allows it only outside `calendar`'s open hours, the
    `inside` seconds within them count."""

    citation: str | None
    calendar: str | None
    inside: int


Treatment = Counted | Excluded | ReportedLate | ShortNotice | Maintenance


class OutageShare(msgspec.Struct, frozen=True):
    """The part of one outage inside one period, `[start, end)` in all `seconds`, and how it was treated."""

    outage: str
    line: int
    start: int
    end: int
    seconds: int
    treatment: Treatment

    @property
    def counts(self) -> bool:
        """Whether the whole share counts as downtime."""
        return isinstance(self.treatment, (Counted, ShortNotice))


class AvailabilityVerdict(msgspec.Struct, frozen=True):
    """A commitment for one customer and period `[start, end)`: its measures in seconds and its value, from the
    parts in the period of the customer's own outages (`shares`) and of the outages for every customer
    (`shared`, one tuple for every customer's verdict of the commitment and period)."""

    customer: str
    commitment: model.Availability
    period: str
    start: int
    end: int
    period_seconds: int
    downtime_seconds: int
    maintenance_seconds: int
    counted_seconds: int
    value: Decimal
    status: Status
    shares: tuple[OutageShare, ...]
    shared: tuple[OutageShare, ...]
    budget: BudgetUse | None = None
    first_counted: int | None = None  # the first second counted as down in the period, None when none was


class BudgetUse(msgspec.Struct, frozen=True):
    """A maintenance budget in one verdict's period: `seconds` per calendar `period`, `before` of it spent
    earlier in that budget period, `excluded` spent on maintenance in this one, and `over` seconds of maintenance
    counted because it was spent."""

    seconds: int
    period: model.PeriodUnit
    before: int
    excluded: int
    over: int
    citation: str | None


# -- credits --------------------------------------------------------------------------------------------------


class LateHours(msgspec.Struct, frozen=True):
    """An hourly credit: the target was `late` seconds late, which makes `hours` hours (started or whole)."""

    incident: str
    target: model.TargetKind
    late: int
    hours: int
    rounding: Literal["started", "whole"]
    per_hour: model.Amount


class MissedTarget(msgspec.Struct, frozen=True):
    """A flat credit for a breached target."""

    incident: str
    target: model.TargetKind


class MissedCommitment(msgspec.Struct, frozen=True):
    """A flat credit for an availability commitment missed in a period."""

    commitment: str
    period: str
    value: Decimal
    required: Decimal


class InBand(msgspec.Struct, frozen=True):
    """A ladder credit: the measure's value in a period fell in `band` (None: in no band, a gap as written)."""

    measure: str
    period: str
    value: Decimal
    band: model.Band | None


class DowntimeHours(msgspec.Struct, frozen=True):
    """A credit per hour of downtime: the commitment `measure` missed in `period` with `downtime` seconds
    counted, which make `hours` hours (started or whole)."""

    measure: str
    period: str
    downtime: int
    hours: int
    rounding: Literal["started", "whole"]
    per_hour: model.Amount


class DowntimeFee(msgspec.Struct, frozen=True):
    """A credit of `multiple` times the fee for the time down: the commitment `measure` missed in `period`,
    `downtime` seconds counted of the period's `length`, the award rounded as `rounded` says (None: exact)."""

    measure: str
    period: str
    downtime: int
    length: int
    multiple: Decimal
    rounded: model.Rounding | None


Basis = LateHours | MissedTarget | MissedCommitment | InBand | DowntimeHours | DowntimeFee


class Claimed(msgspec.Struct, frozen=True):
    """Claimed at `at`, within the window that closes at `closes`."""

    at: int
    closes: int
    citation: str | None


class ClaimedLate(msgspec.Struct, frozen=True):
    """Void: claimed at `at` (the claim on `line`), after the window closed at `closes`."""

    at: int
    line: int
    closes: int
    citation: str | None


class NotClaimedYet(msgspec.Struct, frozen=True):
    """Open: not claimed yet, and the window closes at `closes`, after the as-of instant."""

    closes: int
    citation: str | None


class NotClaimed(msgspec.Struct, frozen=True):
    """Void: not claimed by `closes`, when the window closed."""

    closes: int
    citation: str | None


class LadderGap(msgspec.Struct, frozen=True):
    """Void: no band of the ladder as written covers the value, so nothing is owed."""


class BelowMinimum(msgspec.Struct, frozen=True):
    """Void: less than the agreement's minimum award."""

    minimum: model.Amount


class Stacked(msgspec.Struct, frozen=True):
    """Void: no stacking in `period`, where the larger award `kept` (`kept_value` in its unit) stands."""

    period: str
    kept: str
    kept_value: Decimal
    unit: str
    citation: str | None


class Capped(msgspec.Struct, frozen=True):
    """A cap of `cap` per period: `used` was already owed in `period`, so the award was cut from `before` to
    `after` (void when nothing is left)."""

    cap: model.Cap
    period: str
    used: Decimal
    before: Decimal
    after: Decimal


Reason = Claimed | ClaimedLate | NotClaimedYet | NotClaimed | LadderGap | BelowMinimum | Stacked | Capped


class Award(msgspec.Struct, frozen=True):
    """A credit earned for a breached target or a period, in `unit` (`credits`, `fee_percent` of the monthly
    fee, `fee` when the customer's fee has no currency, or a currency code), and what became of it."""

    customer: str
    credit: str
    incident: str | None
    period: str | None
    at: int  # when it was earned: the period's last second, or when the late event came (or as-of)
    unit: str
    value: Decimal
    status: AwardStatus
    basis: Basis
    reasons: tuple[Reason, ...]
    citation: str | None


# -- the whole ------------------------------------------------------------------------------------------------


class Records(msgspec.Struct, frozen=True):
    """How many timeline records were read, and what became of each: evaluated (kept and used) or rejected.
    They are counted apart, so `read == evaluated + rejected` fails if a record is ever dropped."""

    read: int
    evaluated: int
    rejected: int

    @property
    def balanced(self) -> bool:
        return self.read == self.evaluated + self.rejected


class Report(msgspec.Struct, frozen=True):
    """An evaluation as a whole: every verdict and award, the records' fate, and the instant it stands at."""

    agreement: model.Agreement
    as_of: int | None  # None when no record names an instant and none was given
    targets: tuple[TargetVerdict, ...]
    kpis: tuple[KpiVerdict, ...]
    availability: tuple[AvailabilityVerdict, ...]
    awards: tuple[Award, ...]
    records: Records
    rejected: tuple[Diagnostic, ...] = ()
    warnings: tuple[Diagnostic, ...] = ()
    customer_zones: dict[str, str] = msgspec.field(default_factory=dict)
    window: tuple[int, int] | None = None  # the `--period` it was narrowed to, if any

    @property
    def breaches(self) -> int:
        return count_breaches(self.targets, self.kpis, self.availability)


def count_breaches(
    targets: Iterable[TargetVerdict], kpis: Iterable[KpiVerdict], availability: Iterable[AvailabilityVerdict]
) -> int:
    """Breached targets, KPIs and availability periods, all told."""
    return (
        sum(t.status == "breached" for t in targets)
        + sum(k.status == "breached" for k in kpis)
        + sum(a.status == "breached" for a in availability)
    )


def owed(awards: Iterable[Award]) -> dict[str, dict[str, Decimal]]:
    """What is owed after caps, per customer and unit."""
    found: dict[str, dict[str, Decimal]] = {}
    for award in awards:
        if award.status == "owed":
            units = found.setdefault(award.customer, {})
            units[award.unit] = units.get(award.unit, Decimal(0)) + award.value
    return {customer: dict(sorted(units.items())) for customer, units in sorted(found.items())}
