"""The surface syntax tree: what the author wrote, with spans, comments and the units as written.

One frozen class per grammar rule in `grammar/sla.lark`, named like the rule. Rules that only list things
(`codes`, `on_plans`) become tuples, and keyword rules (`weekday`, `unit`, `target_kind`, ...) become the
keyword's text. Every node's `span` is keyword-only and left out of equality and repr, so two trees that differ
only in layout compare equal: `parse(format(src)) == parse(src)` is the formatter's safety check.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs

from sladsl.source import Span

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)


@attrs.frozen
class Name:
    """`core_hours`: a name that can be defined, referenced, and pointed at by a caret."""

    text: str
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


@attrs.frozen
class Citation:
    """`§ 5.2.1` or `§ "Definitions"`: the section of the source contract a clause encodes."""

    ref: str
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)

    @property
    def label(self) -> str:
        return f"§ {self.ref}"


@attrs.frozen
class Comment:
    """`# reading: ...`: the text after `#`, verbatim but for trailing spaces; kept for the formatter."""

    text: str
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


@attrs.frozen
class Percent:
    """`99.5%`"""

    value: Decimal
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


@attrs.frozen
class Duration:
    """`4 hours`: the amount and the unit as written."""

    amount: int
    unit: str
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


@attrs.frozen
class Date:
    """`2025-12-24`"""

    value: dt.date
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


@attrs.frozen
class AnnualDate:
    """`1 january`: the same date every year."""

    month: int
    day: int
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


@attrs.frozen
class Hours:
    """`08:00-17:00`, or `22:00-04:00` overnight; minutes after midnight, `end` past 1440 when overnight."""

    start: int
    end: int
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


# ---- header -------------------------------------------------------------------------------------------


@attrs.frozen
class Provider:
    """`provider "Izy AS"`"""

    value: str
    citation: Citation | None
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


@attrs.frozen
class Customer:
    """`customer "the Customer"`"""

    value: str
    citation: Citation | None
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


@attrs.frozen
class Service:
    """`service "Izy Standard"`"""

    value: str
    citation: Citation | None
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


@attrs.frozen
class Effective:
    """`effective 2023-04-15`"""

    date: Date
    citation: Citation | None
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


@attrs.frozen
class Zone:
    """`zone Europe/Oslo`"""

    name: Name
    citation: Citation | None
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


HeaderField = Provider | Customer | Service | Effective | Zone


@attrs.frozen
class Agreement:
    """`agreement "Title":` followed by an indented block of header fields."""

    title: str
    fields: tuple[HeaderField, ...]
    citation: Citation | None
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


# ---- calendars ----------------------------------------------------------------------------------------


@attrs.frozen
class DayRange:
    """`monday to friday`"""

    first: str
    last: str
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


@attrs.frozen
class DayList:
    """`monday, wednesday`"""

    days: tuple[str, ...]
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


@attrs.frozen
class EveryDay:
    """`every day`"""

    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


Days = DayRange | DayList | EveryDay


@attrs.frozen
class WeeklyHours:
    """`open monday to friday 08:00-12:00, 13:00-17:00`"""

    days: Days
    hours: tuple[Hours, ...]
    citation: Citation | None
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


@attrs.frozen
class OpenAlways:
    """`open always`: 24 hours a day, 7 days a week."""

    citation: Citation | None
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


@attrs.frozen
class Subdivision:
    """`subdivision "NY"`"""

    value: str
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


@attrs.frozen
class ClosedHolidays:
    """`closed on public holidays of NO subdivision "03" categories public`"""

    country: Name
    subdivision: Subdivision | None
    categories: tuple[Name, ...]
    citation: Citation | None
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


@attrs.frozen
class ClosedDays:
    """`closed on 1 january, 1 may, 2025-12-24`"""

    days: tuple[Date | AnnualDate, ...]
    citation: Citation | None
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


@attrs.frozen
class OpenDays:
    """`open on 2025-12-27 10:00-14:00`: these dates have these hours, whatever else the calendar says."""

    dates: tuple[Date, ...]
    hours: tuple[Hours, ...]
    citation: Citation | None
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


CalendarRule = Zone | WeeklyHours | OpenAlways | ClosedHolidays | ClosedDays | OpenDays


@attrs.frozen
class Calendar:
    """`calendar core_hours:` followed by an indented block of opening rules."""

    name: Name
    rules: tuple[CalendarRule, ...]
    citation: Citation | None
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


# ---- severities, plans, targets -----------------------------------------------------------------------


@attrs.frozen
class Severity:
    """`severity A "Critical": "all or most of the service is down"`"""

    code: Name
    title: str
    description: str | None
    citation: Citation | None
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


@attrs.frozen
class Plan:
    """`plan premium "Premium support"`"""

    name: Name
    title: str | None
    citation: Citation | None
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


@attrs.frozen
class Within:
    """`within 4 hours of support_hours` (business time), or `within 30 minutes` (wall-clock time)."""

    duration: Duration
    calendar: Name | None
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


@attrs.frozen
class WithinDays:
    """`within 10 business days of support_hours counting from next day`"""

    count: int
    calendar: Name
    counting: str | None
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


@attrs.frozen
class ByDayEnd:
    """`by end of same business day of support_hours`"""

    which: str
    calendar: Name
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


@attrs.frozen
class Every:
    """`every 4 hours of support_hours`: the longest allowed gap between updates."""

    duration: Duration
    calendar: Name | None
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


Deadline = Within | WithinDays | ByDayEnd | Every


@attrs.frozen
class After:
    """`after response deadline`: the clock starts when another target's deadline passes."""

    kind: str
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


@attrs.frozen
class Target:
    """`response for A, B on premium within 2 hours of core_hours`"""

    kind: str
    severities: tuple[Name, ...]
    plans: tuple[Name, ...]
    deadline: Deadline
    after: After | None
    citation: Citation | None
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


# ---- clock rules --------------------------------------------------------------------------------------


@attrs.frozen
class StartRule:
    """`outside hours start at next opening of core_hours`"""

    calendar: Name
    citation: Citation | None
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


@attrs.frozen
class PauseRule:
    """`pause while waiting on customer`"""

    citation: Citation | None
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


@attrs.frozen
class ChangeRule:
    """`on severity change keep_elapsed` (or `restart`, `retroactive`)"""

    mode: str
    citation: Citation | None
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


@attrs.frozen
class DowngradeRule:
    """`after restore severity 1 becomes 2`"""

    kind: str
    source: Name
    target: Name
    citation: Citation | None
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


ClockRule = StartRule | PauseRule | ChangeRule | DowngradeRule


@attrs.frozen
class Clock:
    """`clock:` followed by an indented block of clock rules."""

    rules: tuple[ClockRule, ...]
    citation: Citation | None
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


# ---- KPIs and availability ----------------------------------------------------------------------------


@attrs.frozen
class Period:
    """`per calendar month`, `per quarter`, `per year`"""

    unit: str
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


@attrs.frozen
class Kpi:
    """`kpi response for 1 at least 90% met per month`"""

    kind: str
    severities: tuple[Name, ...]
    plans: tuple[Name, ...]
    percent: Percent
    period: Period
    citation: Citation | None
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


@attrs.frozen
class Exclude:
    """`exclude force_majeure, ddos`: outages tagged so do not count as downtime."""

    tags: tuple[Name, ...]
    citation: Citation | None
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


@attrs.frozen
class Notice:
    """`with notice of at least 3 days`"""

    duration: Duration
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


@attrs.frozen
class OutsideCalendar:
    """`outside core_hours`"""

    calendar: Name
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


@attrs.frozen
class ExcludeMaintenance:
    """`exclude planned maintenance with notice of at least 48 hours outside core_hours`"""

    conditions: tuple[Notice | OutsideCalendar, ...]
    citation: Citation | None
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


@attrs.frozen
class Number:
    """`100`, `0.5`"""

    value: Decimal
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


@attrs.frozen
class Variable:
    """`N`: a name bound by the formula's `where`."""

    name: Name
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


@attrs.frozen
class Add:
    """`a + b`"""

    left: Expr
    right: Expr
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


@attrs.frozen
class Sub:
    """`a - b`"""

    left: Expr
    right: Expr
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


@attrs.frozen
class Mul:
    """`a * b`"""

    left: Expr
    right: Expr
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


@attrs.frozen
class Div:
    """`a / b`"""

    left: Expr
    right: Expr
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


Expr = Number | Variable | Add | Sub | Mul | Div


@attrs.frozen
class Binding:
    """`N = downtime_minutes`"""

    name: Name
    measure: str
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


@attrs.frozen
class Formula:
    """`formula (1 - (N - P) / D) * 100 where N = downtime_minutes, P = maintenance_minutes, D = period_minutes`"""

    expr: Expr
    bindings: tuple[Binding, ...]
    citation: Citation | None
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


AvailabilityRule = Exclude | ExcludeMaintenance | Formula


@attrs.frozen
class Availability:
    """`availability uptime per month at least 99%:` followed by exclusions and an optional formula."""

    name: Name
    period: Period
    percent: Percent
    rules: tuple[AvailabilityRule, ...]
    citation: Citation | None
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


# ---- credits ------------------------------------------------------------------------------------------


@attrs.frozen
class Credits:
    """`30 credits`"""

    count: Decimal
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


@attrs.frozen
class FeeShare:
    """`10% of fee`"""

    percent: Percent
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


@attrs.frozen
class Money:
    """`EUR 100`"""

    currency: str
    value: Decimal
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


Amount = Credits | FeeShare | Money


@attrs.frozen
class Above:
    """`above 99%`"""

    percent: Percent
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


@attrs.frozen
class AtLeast:
    """`at least 97%`"""

    percent: Percent
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


@attrs.frozen
class Below:
    """`below 95%`"""

    percent: Percent
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


@attrs.frozen
class AtMost:
    """`at most 98.9%`"""

    percent: Percent
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


@attrs.frozen
class Between:
    """`from 98% to 98.9%`: both ends included."""

    low: Percent
    high: Percent
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


Bound = Above | AtLeast | Below | AtMost | Between


@attrs.frozen
class Band:
    """`from 98% to 98.9% -> 10% of fee`"""

    bounds: tuple[Bound, ...]
    amount: Amount
    citation: Citation | None
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


@attrs.frozen
class Ladder:
    """`credit refund by uptime:` followed by an indented block of bands."""

    name: Name
    measure: Name
    bands: tuple[Band, ...]
    citation: Citation | None
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


@attrs.frozen
class TargetRef:
    """`response for critical on standard`: the targets a credit applies to."""

    kind: str
    severities: tuple[Name, ...]
    plans: tuple[Name, ...]
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


@attrs.frozen
class CommitmentRef:
    """`uptime`: an availability commitment a credit applies to."""

    name: Name
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


@attrs.frozen
class HourlyCredit:
    """`credit late: 1 credit per started hour late for response for critical on standard`"""

    name: Name
    amount: Amount
    rounding: str | None
    target: TargetRef
    citation: Citation | None
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


@attrs.frozen
class FlatCredit:
    """`credit yearly: 30 credits when uptime missed`"""

    name: Name
    amount: Amount
    missed: TargetRef | CommitmentRef
    citation: Citation | None
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


@attrs.frozen
class Cap:
    """`cap 30 credits per calendar year`"""

    amount: Amount
    period: Period
    citation: Citation | None
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


@attrs.frozen
class NoStacking:
    """`no stacking per month`: within one period only the largest award stands."""

    period: Period
    citation: Citation | None
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


@attrs.frozen
class Minimum:
    """`minimum award EUR 10`: smaller awards are not issued."""

    amount: Amount
    citation: Citation | None
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


@attrs.frozen
class ClaimWindow:
    """`claim within 7 business days of working_days after failure ends`"""

    kind: str
    days: int
    calendar: Name
    edge: str
    citation: Citation | None
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)


Item = (
    Agreement
    | Calendar
    | Severity
    | Plan
    | Target
    | Clock
    | Kpi
    | Availability
    | Ladder
    | HourlyCredit
    | FlatCredit
    | Cap
    | NoStacking
    | Minimum
    | ClaimWindow
)


@attrs.frozen
class Document:
    """A whole `.sla` file: its clauses in order, and its comments."""

    items: tuple[Item, ...]
    comments: tuple[Comment, ...]
    span: Span = attrs.field(kw_only=True, eq=False, repr=False)
