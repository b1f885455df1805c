"""The checked model: names resolved, durations normalised, zones validated.

The checker builds it from the syntax tree; the interpreter and the time engine see nothing else. Nothing here
re-validates: an instance of these classes is correct by construction of the checker.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal
from typing import TYPE_CHECKING, Literal

import msgspec
from msgspec.structs import replace

from sladsl.source import Span
from sladsl.value import Value

if TYPE_CHECKING:
    from sladsl.diagnostics import Diagnostic

TargetKind = Literal["response", "restore", "resolution", "update"]
PeriodUnit = Literal["month", "quarter", "year"]
WallUnit = Literal["minute", "hour", "day", "week", "month"]


class HolidaySource(msgspec.Struct, frozen=True):
    """Public holidays of one country (and optionally one subdivision), from the `holidays` package."""

    country: str
    subdivision: str | None = None
    categories: tuple[str, ...] = ("public",)


class Interval(msgspec.Struct, frozen=True):
    """An opening on a local day, in minutes after that day's midnight; `end` may pass 1440 (overnight)."""

    start: int
    end: int


class Place(msgspec.Struct, frozen=True):
    """Where a customer is, as its timeline record says: its zone, and the country (and subdivision) whose public
    holidays a calendar that follows the customer closes on. Each is None when the record does not say."""

    zone: str | None = None
    country: str | None = None
    subdivision: str | None = None


class CalendarSpec(Value, frozen=True):
    """A business calendar: weekly hours in a zone, minus holidays and closed dates, plus opened dates.

    Every opening belongs to the local date it starts on: a Friday 22:00-04:00 shift is closed when Friday is a
    holiday, whatever Saturday is.

    A calendar may follow the customer: its zone (`zone_of_customer`), its holidays (`customer_holidays`, the
    categories of the customer's country), or both. Such a spec is compiled per customer (`at`); as it stands,
    `zone` is a stand-in (the agreement's zone, else UTC) for what needs one shape for everyone: the contract
    checker's proofs and the pictures of `explain`.
    """

    __unequal__ = frozenset({"span"})
    name: str
    zone: str
    weekly: tuple[tuple[Interval, ...], ...]  # seven entries, Monday first
    holidays: tuple[HolidaySource, ...] = ()
    closed_dates: frozenset[dt.date] = frozenset()
    closed_annual: frozenset[tuple[int, int]] = frozenset()  # (month, day), every year
    opened: tuple[tuple[dt.date, tuple[Interval, ...]], ...] = ()  # replaces that date's hours
    span: Span | None = None
    zone_of_customer: bool = False
    customer_holidays: tuple[str, ...] | None = None  # the categories of the customer's country's holidays

    @property
    def follows_customer(self) -> bool:
        return self.zone_of_customer or self.customer_holidays is not None

    def at(self, place: Place) -> CalendarSpec:
        """This calendar for a customer at `place`, which gives what the calendar takes from the customer."""
        if not self.follows_customer:
            return self
        holidays = self.holidays
        if self.customer_holidays is not None:
            assert place.country is not None, "the timeline reader asks for the country"
            holidays = (*holidays, HolidaySource(place.country, place.subdivision, self.customer_holidays))
        zone = self.zone
        if self.zone_of_customer:
            assert place.zone is not None, "the timeline reader asks for the zone"
            zone = place.zone
        return replace(self, zone=zone, holidays=holidays, zone_of_customer=False, customer_holidays=None)


class Amount(msgspec.Struct, frozen=True):
    """A credit amount: `credits` (service credits), `fee_share` (percent of the period's fee) or `money`."""

    kind: Literal["credits", "fee_share", "money"]
    value: Decimal
    currency: str | None = None

    def __str__(self) -> str:
        if self.kind == "credits":
            return f"{self.value} credit{'' if self.value == 1 else 's'}"
        if self.kind == "fee_share":
            return f"{self.value}% of fee"
        return f"{self.currency} {self.value}"


class BusinessTime(msgspec.Struct, frozen=True):
    """N business seconds on a calendar's open hours."""

    calendar: str
    seconds: int


class WallTime(msgspec.Struct, frozen=True):
    """A wall-clock amount: minutes and hours are real time, days and longer keep the local clock time."""

    amount: int
    unit: WallUnit


class BusinessDays(msgspec.Struct, frozen=True):
    """The end of the N-th business day, counting from the clock start's business day or the day after it."""

    calendar: str
    count: int
    from_next_day: bool


class DayEnd(msgspec.Struct, frozen=True):
    """The end of the same (or the next) business day."""

    calendar: str
    next_day: bool


Deadline = BusinessTime | WallTime | BusinessDays | DayEnd


class Target(Value, frozen=True):
    """One target for one severity under one plan (None: every plan). `cadence` marks an update target."""

    __unequal__ = frozenset({"span"})
    kind: TargetKind
    severity: str
    plan: str | None
    deadline: Deadline
    after: TargetKind | None
    cadence: bool
    citation: str | None
    span: Span | None = None


class Severity(msgspec.Struct, frozen=True):
    code: str
    title: str
    description: str | None
    citation: str | None


class Plan(msgspec.Struct, frozen=True):
    """A plan, or an add-on: a customer holds one plan and any add-ons, and the targets of each apply."""

    name: str
    title: str | None
    citation: str | None


class ScopedStart(Value, frozen=True):
    """`outside hours start at next opening of CALENDAR for KINDS, SEVERITIES`: an empty tuple is every one."""

    __unequal__ = frozenset({"span"})
    calendar: str
    kinds: tuple[TargetKind, ...]
    severities: tuple[str, ...]
    citation: str | None
    span: Span | None = None

    def covers(self, kind: TargetKind, severity: str) -> bool:
        return (not self.kinds or kind in self.kinds) and (not self.severities or severity in self.severities)


class ClockRules(Value, frozen=True):
    """How clocks start, pause and react to a change of severity. Defaults: start at the report, no pauses.

    `start_calendar` is the start rule for every target; a `scoped` rule replaces it for the targets it covers
    (no two scoped rules cover the same kind and severity)."""

    __unequal__ = frozenset({"start_span"})
    start_calendar: str | None = None
    pause_on_customer: bool = False
    on_change: Literal["restart", "keep_elapsed", "retroactive"] | None = None
    downgrades: tuple[tuple[TargetKind, str, str], ...] = ()  # (event kind, from severity, to severity)
    scoped: tuple[ScopedStart, ...] = ()
    start_span: Span | None = None

    def start_for(self, kind: TargetKind, severity: str) -> str | None:
        """The calendar whose next opening starts the clock of a target of this kind and severity reported
        while it is closed (None: the clock starts at the report)."""
        for rule in self.scoped:
            if rule.covers(kind, severity):
                return rule.calendar
        return self.start_calendar


class Kpi(msgspec.Struct, frozen=True):
    kind: TargetKind
    severities: tuple[str, ...]
    plans: tuple[str, ...]
    percent: Decimal
    period: PeriodUnit
    citation: str | None


class Budget(msgspec.Struct, frozen=True):
    """At most `seconds` of planned maintenance excluded in each calendar `period`, used up earliest first."""

    seconds: int
    period: PeriodUnit


class Maintenance(msgspec.Struct, frozen=True):
    """Planned maintenance excluded from downtime: with at least this much notice, only outside a calendar, and
    only while a budget lasts."""

    notice: WallTime | None
    outside: str | None
    citation: str | None
    budget: Budget | None = None


class Formula(Value, frozen=True):
    """An availability formula: `expr` is nested tuples ("+", a, b) over Decimals and measure names."""

    __unequal__ = frozenset({"span"})
    expr: object
    text: str
    span: Span | None = None


class Availability(msgspec.Struct, frozen=True):
    name: str
    period: PeriodUnit
    percent: Decimal
    excluded: tuple[tuple[str, str | None], ...]  # (tag, citation)
    maintenance: Maintenance | None
    formula: Formula | None
    citation: str | None
    rounding: Rounding | None = None


RoundingMode = Literal["half_up", "down", "up"]
DECIMAL_ROUNDING: dict[RoundingMode, str] = {"half_up": ROUND_HALF_UP, "down": ROUND_DOWN, "up": ROUND_UP}


class Rounding(msgspec.Struct, frozen=True):
    """How a measured availability is rounded before it is compared or read against a ladder."""

    mode: RoundingMode
    places: int
    citation: str | None


class Band(Value, frozen=True):
    """A range of the measure, each end open or closed (None: unbounded), and the amount owed inside it."""

    __unequal__ = frozenset({"span"})
    low: Decimal | None
    low_closed: bool
    high: Decimal | None
    high_closed: bool
    amount: Amount
    citation: str | None
    span: Span | None = None

    def contains(self, value: Decimal) -> bool:
        if self.low is not None and (value < self.low or (value == self.low and not self.low_closed)):
            return False
        return not (self.high is not None and (value > self.high or (value == self.high and not self.high_closed)))


class Ladder(msgspec.Struct, frozen=True):
    """Bands over an availability measure. Where bands overlap, the larger amount applies (read against the
    drafter); the checker warns about every overlap and gap."""

    name: str
    measure: str
    bands: tuple[Band, ...]
    citation: str | None


class TargetSelector(msgspec.Struct, frozen=True):
    kind: TargetKind
    severities: tuple[str, ...]
    plans: tuple[str, ...]  # empty: every plan


class HourlyCredit(msgspec.Struct, frozen=True):
    name: str
    amount: Amount
    rounding: Literal["started", "whole"] | None
    targets: TargetSelector
    citation: str | None


class FlatCredit(msgspec.Struct, frozen=True):
    name: str
    amount: Amount
    missed: TargetSelector | str  # a selector, or the name of an availability commitment
    citation: str | None


class DowntimeCredit(msgspec.Struct, frozen=True):
    """An award for each period its commitment `measure` missed, in proportion to the downtime it counted: an
    `amount` per hour of downtime (started or whole hours), or, with no amount, `multiple` times the fee for
    the time down (the period's fee times counted downtime over the period's length). `rounded` rounds the
    award."""

    name: str
    measure: str
    amount: Amount | None
    rounding: Literal["started", "whole"] | None
    multiple: Decimal
    rounded: Rounding | None
    citation: str | None

    @property
    def unit_amount(self) -> Amount:
        """The kind of amount it awards: its amount per hour, or a share of the fee."""
        return self.amount if self.amount is not None else Amount("fee_share", self.multiple * 100)


class Cap(msgspec.Struct, frozen=True):
    amount: Amount
    period: PeriodUnit
    citation: str | None


class NoStacking(msgspec.Struct, frozen=True):
    period: PeriodUnit
    citation: str | None


class IncidentExclusion(msgspec.Struct, frozen=True):
    """An incident whose report carries `tag` is not held to targets of `kinds` (of every kind when empty)."""

    tag: str
    kinds: frozenset[TargetKind]
    citation: str | None

    def covers(self, kind: TargetKind) -> bool:
        return not self.kinds or kind in self.kinds


class ClaimWindow(Value, frozen=True):
    __unequal__ = frozenset({"span"})
    kind: Literal["claim", "report"]
    days: int
    calendar: str
    edge: Literal["starts", "ends"]
    citation: str | None
    span: Span | None = None


class Agreement(Value, frozen=True):
    """The checked agreement: everything the interpreter needs, nothing it must re-validate."""

    __unequal__ = frozenset({"minimum_span"})
    title: str
    provider: str | None
    customer: str | None
    services: tuple[str, ...]
    effective: dt.date | None
    zone: str | None
    calendars: dict[str, CalendarSpec]
    severities: tuple[Severity, ...]
    plans: tuple[Plan, ...]
    targets: tuple[Target, ...]
    clock: ClockRules
    kpis: tuple[Kpi, ...]
    availabilities: tuple[Availability, ...]
    ladders: tuple[Ladder, ...]
    hourly_credits: tuple[HourlyCredit, ...]
    flat_credits: tuple[FlatCredit, ...]
    caps: tuple[Cap, ...]
    no_stacking: tuple[NoStacking, ...]
    minimum: Amount | None
    claim_windows: tuple[ClaimWindow, ...]
    minimum_span: Span | None = None
    downtime_credits: tuple[DowntimeCredit, ...] = ()
    # Held beside a plan: an add-on's targets apply as well as the plan's, each its own verdict. A target `on` an
    # add-on is the add-on's alone; a target for every plan is not repeated for an add-on.
    add_ons: tuple[Plan, ...] = ()
    incident_exclusions: tuple[IncidentExclusion, ...] = ()

    @property
    def local_zone(self) -> str:
        """The zone its instants are shown and its periods counted in: its own, else its first calendar's, else
        UTC."""
        if self.zone:
            return self.zone
        fixed = (c.zone for c in self.calendars.values() if not c.zone_of_customer)
        return next(fixed, "UTC")

    @property
    def follows_customer(self) -> tuple[CalendarSpec, ...]:
        """The calendars that take their zone or their holidays from each customer's record."""
        return tuple(c for c in self.calendars.values() if c.follows_customer)


class Checked(msgspec.Struct, frozen=True):
    """The result of checking: the model and the warnings that came with it."""

    agreement: Agreement
    warnings: tuple[Diagnostic, ...]
