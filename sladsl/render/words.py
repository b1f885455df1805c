"""The phrasings every renderer shares: local times, durations, percentages, amounts, and the sentences that
explain a verdict (`fact`, `treatment`, `basis`, `reason`)."""

from __future__ import annotations

from decimal import Decimal, localcontext

from sladsl import model
from sladsl.evaluation.verdicts import (
    Basis,
    BelowMinimum,
    BudgetUse,
    Capped,
    Claimed,
    ClaimedLate,
    Clock,
    Counted,
    CountedFrom,
    DowntimeFee,
    DowntimeHours,
    Excluded,
    ExcludedIncident,
    Fact,
    InBand,
    LadderGap,
    LateHours,
    Maintenance,
    MissedCommitment,
    MissedTarget,
    NotClaimed,
    NotClaimedYet,
    OpenTime,
    Paused,
    Reason,
    ReportedLate,
    SeverityFrom,
    ShortNotice,
    Stacked,
    StartedAtOpening,
    TargetVerdict,
    Treatment,
    UpdateSince,
)
from sladsl.time.instants import local, wall_text

FEE_PERCENT = "fee_percent"


def when(instant: int | None, zone: str) -> str:
    """`2025-04-16 16:00 Wed`, in the zone; `-` for no instant."""
    return "-" if instant is None else wall_text(instant, zone)


def iso(instant: int | None, zone: str) -> str | None:
    """ISO 8601 with the zone's offset, or None."""
    return None if instant is None else local(instant, zone).isoformat()


def duration(seconds: int) -> str:
    """`2d 3h 05m`, `45m`, `1h 00m 30s`: for margins and lateness (exact: seconds are shown when there are any).
    A fixed, compact form of our own, which reads the same in every row of a report."""
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


def percent(value: Decimal | None) -> str:
    """`99.5%`, to at most four places, exact digits otherwise; `-` for none."""
    if value is None:
        return "-"
    return f"{value:.4f}".rstrip("0").rstrip(".") + "%"


def percent_beside(value: Decimal | None, bound: Decimal) -> str:
    """A measured percentage shown beside the bound it is compared with: as `percent`, with more places where four
    would round it onto the bound or across it (`99.94998%`, never `99.95%`, for a miss of a 99.95% target)."""
    if value is None or value == bound or not value.is_finite():
        return percent(value)
    with localcontext() as context:  # room for the digits left of the point too, however large the value
        context.prec = max(context.prec, value.adjusted() + 30)
        for places in range(4, 29):
            shown = value.quantize(Decimal(1).scaleb(-places))
            if shown != bound and (shown > bound) == (value > bound):
                return f"{shown:f}".rstrip("0").rstrip(".") + "%"
    return f"{value:f}%"


def amount(unit: str, value: Decimal) -> str:
    """An award's value in its unit: `3 credits`, `10% of the monthly fee`, `EUR 150.00`."""
    if unit == "credits":
        return f"{value} credit{'s' if value != 1 else ''}"
    if unit == FEE_PERCENT:
        return f"{value}% of the monthly fee"
    return f"{unit} {value}"


def unit_name(unit: str) -> str:
    return "% of monthly fee" if unit == FEE_PERCENT else unit


def clause_amount(written: model.Amount) -> str:
    """An amount as the agreement writes it: `2 credits`, `10% of fee`, `EUR 100`."""
    return str(written)


def clock(target: model.Target) -> str:
    """What a target is measured on: `business time of core_hours`, `business days of ...`, `calendar time`."""
    found = Clock.of(target)
    if found.kind == "business_time":
        return f"business time of {found.calendar}"
    if found.kind == "business_days":
        return f"business days of {found.calendar}"
    return "calendar time"


def _cited(citation: str | None) -> str:
    return citation or "no section cited"


def fact(found: Fact, zone: str) -> str:
    """One step of how a target's figures were reached."""
    if isinstance(found, StartedAtOpening):
        return f"reported outside {found.calendar}: the clock starts at {when(found.at, zone)}"
    if isinstance(found, CountedFrom):
        if found.at is not None:
            return f"counted from the {found.target} deadline, {when(found.at, zone)}"
        why = "has no deadline yet" if found.applies else "does not apply to this incident"
        return f"counted from the {found.target} deadline, which {why}"
    if isinstance(found, SeverityFrom):
        if found.after is None:
            return f"severity {found.severity} (changed at {when(found.at, zone)})"
        return f"severity {found.severity} (lowered after {found.after} at {when(found.at, zone)})"
    if isinstance(found, Paused):
        if found.end is None:
            return f"paused at {when(found.start, zone)} and not resumed: the clock is stopped"
        return f"paused {when(found.start, zone)} to {when(found.end, zone)}"
    if isinstance(found, OpenTime):
        shown = [f"{when(a, zone)}-{local(b, zone):%H:%M}" for a, b in found.stretches[:8]]
        more = f" and {len(found.stretches) - 8} more" if len(found.stretches) > 8 else ""
        return f"open time counted: {', '.join(shown) or 'none'}{more} ({duration(found.seconds)})"
    if isinstance(found, UpdateSince):
        if found.since == "update":
            return f"next update due after the update at {when(found.at, zone)}"
        return f"next update due after the {'response' if found.since == 'response' else 'clock start'}"
    if isinstance(found, ExcludedIncident):
        return f"not judged: the incident is tagged `{found.tag}` ({_cited(found.citation)})"
    raise TypeError(found)


def excluded_by(verdict: TargetVerdict) -> ExcludedIncident:
    """Why an excluded target was not judged."""
    return next(f for f in verdict.trace if isinstance(f, ExcludedIncident))


def treatment(found: Treatment, zone: str) -> str:
    """How an outage was treated in a period."""
    if isinstance(found, Counted):
        return "counted"
    if isinstance(found, Excluded):
        return f"excluded: `{found.tag}` ({_cited(found.citation)})"
    if isinstance(found, ReportedLate):
        return (
            f"excluded: reported {when(found.reported, zone)}, after the report window closed "
            f"{when(found.closes, zone)} ({_cited(found.citation)})"
        )
    if isinstance(found, ShortNotice):
        given = "no notice" if found.notice is None else f"notice given {when(found.notice, zone)}"
        required = found.required
        if not required.amount:
            late = "" if found.notice is None else ", after it began"
            return f"counted: maintenance with {given}{late} ({_cited(found.citation)})"
        return (
            f"counted: maintenance with {given}, less than {required.amount} {required.unit}s ahead "
            f"({_cited(found.citation)})"
        )
    if isinstance(found, Maintenance):
        said = f"maintenance ({_cited(found.citation)})"
        if found.inside:
            said += f"; {duration(found.inside)} inside {found.calendar} counted"
        return said
    raise TypeError(found)


def band(found: model.Band) -> str:
    """`at least 98% and below 99%`."""
    parts = []
    if found.low is not None:
        parts.append(f"{'at least' if found.low_closed else 'above'} {percent(found.low)}")
    if found.high is not None:
        parts.append(f"{'at most' if found.high_closed else 'below'} {percent(found.high)}")
    return " and ".join(parts) or "any value"


def rounded_to(mode: str, places: int) -> str:
    """`rounded half up to 2 decimals`: how a figure is rounded, given the mode in words."""
    return f"rounded {mode} to {places} decimal{'s' if places != 1 else ''}"


def budget_use(use: BudgetUse, period: str) -> str:
    """`maintenance budget 10h 00m per calendar year: 3h 00m used before 2025-Q3, 7h 00m excluded, 4h 00m beyond
    it counted`."""
    over = f", {duration(use.over)} beyond it counted" if use.over else ""
    return (
        f"maintenance budget {duration(use.seconds)} per calendar {use.period}: "
        f"{duration(use.before)} used before {period}, {duration(use.excluded)} excluded{over}"
        f"  {use.citation or ''}"
    ).rstrip()


def basis(found: Basis) -> str:
    """What an award was earned for."""
    if isinstance(found, LateHours):
        plural = "s" if found.hours != 1 else ""
        return (
            f"{found.incident} {found.target} {duration(found.late)} late: {found.hours} {found.rounding} "
            f"hour{plural} x {clause_amount(found.per_hour)}"
        )
    if isinstance(found, MissedTarget):
        return f"{found.incident} {found.target} missed"
    if isinstance(found, MissedCommitment):
        shown = percent_beside(found.value, found.required)
        return f"{found.commitment} {found.period}: {shown} below {percent(found.required)}"
    if isinstance(found, InBand):
        if found.band is None:
            return f"{found.measure} {found.period} at {percent(found.value)}: no band covers it"
        bounds = [b for b in (found.band.low, found.band.high) if b is not None]
        shown = max((percent_beside(found.value, b) for b in bounds), key=len, default=percent(found.value))
        return (
            f"{found.measure} {found.period} at {shown}: band {band(found.band)} -> "
            f"{clause_amount(found.band.amount)}"
        )
    if isinstance(found, DowntimeHours):
        plural = "s" if found.hours != 1 else ""
        return (
            f"{found.measure} {found.period} missed, {duration(found.downtime)} down: {found.hours} "
            f"{found.rounding} hour{plural} x {clause_amount(found.per_hour)}"
        )
    if isinstance(found, DowntimeFee):
        times = "the fee" if found.multiple == 1 else f"{found.multiple.normalize():f} times the fee"
        rounded = ""
        if found.rounded is not None:
            rounded = ", " + rounded_to(found.rounded.mode.replace("_", " "), found.rounded.places)
        return (
            f"{found.measure} {found.period} missed, {duration(found.downtime)} down of "
            f"{duration(found.length)}: {times} for the time down{rounded}"
        )
    raise TypeError(found)


def reason(found: Reason, zone: str) -> str:
    """What became of an award, and why."""
    if isinstance(found, Claimed):
        return (
            f"claimed {when(found.at, zone)}, within the window closing {when(found.closes, zone)} "
            f"({_cited(found.citation)})"
        )
    if isinstance(found, ClaimedLate):
        return (
            f"void: claimed {when(found.at, zone)} (line {found.line}), after the window closed "
            f"{when(found.closes, zone)} ({_cited(found.citation)})"
        )
    if isinstance(found, NotClaimedYet):
        return f"not claimed yet: the window closes {when(found.closes, zone)} ({_cited(found.citation)})"
    if isinstance(found, NotClaimed):
        return f"void: not claimed by {when(found.closes, zone)} ({_cited(found.citation)})"
    if isinstance(found, LadderGap):
        return "void: no band of the ladder as written covers this figure (a gap in its table), so none applies"
    if isinstance(found, BelowMinimum):
        return f"void: below the minimum award of {clause_amount(found.minimum)}"
    if isinstance(found, Stacked):
        return (
            f"void: no stacking in {found.period}; the larger award `{found.kept}` ({found.kept_value} "
            f"{unit_name(found.unit)}) stands ({_cited(found.citation)})"
        )
    if isinstance(found, Capped):
        cap = found.cap
        return (
            f"cap {clause_amount(cap.amount)} per {cap.period} ({_cited(cap.citation)}): {found.used} already "
            f"owed in {found.period}, so {found.before} is cut to {found.after}"
        )
    raise TypeError(found)


def changes_the_award(found: Reason) -> bool:
    """Whether a reason voided, opened or cut an award (shown always), rather than confirmed it (shown with
    `--explain`)."""
    return not isinstance(found, Claimed)
