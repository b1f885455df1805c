"""The surface syntax tree: what the author wrote, with spans, comments and the units as written.

One frozen class per grammar rule in `grammar/sla.lark`, named like the rule. Rules that only list things
(`codes`, `on_plans`) become tuples, and keyword rules (`weekday`, `unit`, `target_kind`, ...) become the
keyword's text. Every node derives from `Node`, whose `span` is keyword-only and left out of equality and repr, so
two trees that differ only in layout compare equal: `parse(format(src)) == parse(src)` is the formatter's safety
check. `Node.walk` visits a node and everything inside it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
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
class Node:
    """The base of every syntax node: where it was written, kept out of equality and repr, and its children."""

    span: Span = attrs.field(kw_only=True, eq=False, repr=False)

    def children(self) -> Iterator[Node]:
        """The nodes directly inside this one, in field order (tuples of nodes are looked into)."""
        for field in attrs.fields(type(self)):
            value = getattr(self, field.name)
            if isinstance(value, Node):
                yield value
            elif isinstance(value, tuple):
                yield from (item for item in value if isinstance(item, Node))

    def walk(self) -> Iterator[Node]:
        """This node and every node inside it, depth first."""
        yield self
        for child in self.children():
            yield from child.walk()


@attrs.frozen
class Name(Node):
    """`core_hours`: a name that can be defined, referenced, and pointed at by a caret."""

    text: str


@attrs.frozen
class Citation(Node):
    """`§ 5.2.1` or `§ "Definitions"`: the section of the source contract a clause encodes."""

    ref: str

    @property
    def label(self) -> str:
        return f"§ {self.ref}"


@attrs.frozen
class Comment(Node):
    """`# reading: ...`: the text after `#`, verbatim but for trailing spaces; kept for the formatter."""

    text: str


@attrs.frozen
class Percent(Node):
    """`99.5%`"""

    value: Decimal


@attrs.frozen
class Duration(Node):
    """`4 hours`: the amount and the unit as written."""

    amount: int
    unit: str


@attrs.frozen
class Date(Node):
    """`2025-12-24`"""

    value: dt.date


@attrs.frozen
class AnnualDate(Node):
    """`1 january`: the same date every year."""

    month: int
    day: int


@attrs.frozen
class Hours(Node):
    """`08:00-17:00`, or `22:00-04:00` overnight; minutes after midnight, `end` past 1440 when overnight."""

    start: int
    end: int


# ---- header -------------------------------------------------------------------------------------------


@attrs.frozen
class Provider(Node):
    """`provider "Izy AS"`"""

    value: str
    citation: Citation | None


@attrs.frozen
class Customer(Node):
    """`customer "the Customer"`"""

    value: str
    citation: Citation | None


@attrs.frozen
class Service(Node):
    """`service "Izy Standard"`"""

    value: str
    citation: Citation | None


@attrs.frozen
class Effective(Node):
    """`effective 2023-04-15`"""

    date: Date
    citation: Citation | None


@attrs.frozen
class Zone(Node):
    """`zone Europe/Oslo`"""

    name: Name
    citation: Citation | None


HeaderField = Provider | Customer | Service | Effective | Zone


@attrs.frozen
class Agreement(Node):
    """`agreement "Title":` followed by an indented block of header fields."""

    title: str
    fields: tuple[HeaderField, ...]
    citation: Citation | None


# ---- calendars ----------------------------------------------------------------------------------------


@attrs.frozen
class DayRange(Node):
    """`monday to friday`"""

    first: str
    last: str


@attrs.frozen
class DayList(Node):
    """`monday, wednesday`"""

    days: tuple[str, ...]


@attrs.frozen
class EveryDay(Node):
    """`every day`"""


Days = DayRange | DayList | EveryDay


@attrs.frozen
class WeeklyHours(Node):
    """`open monday to friday 08:00-12:00, 13:00-17:00`"""

    days: Days
    hours: tuple[Hours, ...]
    citation: Citation | None


@attrs.frozen
class OpenAlways(Node):
    """`open always`: 24 hours a day, 7 days a week."""

    citation: Citation | None


@attrs.frozen
class CustomerZone(Node):
    """`zone of customer`: each customer's own zone, from its record in the timeline."""

    citation: Citation | None


@attrs.frozen
class CustomerHolidays(Node):
    """`closed on public holidays of customer`: those of the country (and subdivision) its record names."""

    categories: tuple[Name, ...]
    citation: Citation | None


@attrs.frozen
class Subdivision(Node):
    """`subdivision "NY"`"""

    value: str


@attrs.frozen
class ClosedHolidays(Node):
    """`closed on public holidays of NO subdivision "03" categories public`"""

    country: Name
    subdivision: Subdivision | None
    categories: tuple[Name, ...]
    citation: Citation | None


@attrs.frozen
class ClosedDays(Node):
    """`closed on 1 january, 1 may, 2025-12-24`"""

    days: tuple[Date | AnnualDate, ...]
    citation: Citation | None


@attrs.frozen
class OpenDays(Node):
    """`open on 2025-12-27 10:00-14:00`: these dates have these hours, whatever else the calendar says."""

    dates: tuple[Date, ...]
    hours: tuple[Hours, ...]
    citation: Citation | None


CalendarRule = (
    Zone | CustomerZone | WeeklyHours | OpenAlways | ClosedHolidays | CustomerHolidays | ClosedDays | OpenDays
)


@attrs.frozen
class Calendar(Node):
    """`calendar core_hours:` followed by an indented block of opening rules."""

    name: Name
    rules: tuple[CalendarRule, ...]
    citation: Citation | None


# ---- severities, plans, targets -----------------------------------------------------------------------


@attrs.frozen
class Severity(Node):
    """`severity A "Critical": "all or most of the service is down"`"""

    code: Name
    title: str
    description: str | None
    citation: Citation | None


@attrs.frozen
class Plan(Node):
    """`plan premium "Premium support"`"""

    name: Name
    title: str | None
    citation: Citation | None


@attrs.frozen
class AddOn(Node):
    """`add-on round_the_clock "24/7 support"`: held beside a plan, its targets apply as well as the plan's"""

    name: Name
    title: str | None
    citation: Citation | None


@attrs.frozen
class Within(Node):
    """`within 4 hours of support_hours` (business time), or `within 30 minutes` (wall-clock time)."""

    duration: Duration
    calendar: Name | None


@attrs.frozen
class WithinDays(Node):
    """`within 10 business days of support_hours counting from next day`"""

    count: int
    calendar: Name
    counting: str | None


@attrs.frozen
class ByDayEnd(Node):
    """`by end of same business day of support_hours`"""

    which: str
    calendar: Name


@attrs.frozen
class Every(Node):
    """`every 4 hours of support_hours`: the longest allowed gap between updates."""

    duration: Duration
    calendar: Name | None


Deadline = Within | WithinDays | ByDayEnd | Every


@attrs.frozen
class After(Node):
    """`after response deadline`: the clock starts when another target's deadline passes."""

    kind: str


@attrs.frozen
class Target(Node):
    """`response for A, B on premium within 2 hours of core_hours`"""

    kind: str
    severities: tuple[Name, ...]
    plans: tuple[Name, ...]
    deadline: Deadline
    after: After | None
    citation: Citation | None


# ---- clock rules --------------------------------------------------------------------------------------


@attrs.frozen
class StartRule(Node):
    """`outside hours start at next opening of core_hours`, optionally `for response, 3, 4`: only for those
    target kinds and severities (either list may be empty: every kind, every severity)."""

    calendar: Name
    kinds: tuple[str, ...]
    severities: tuple[Name, ...]
    citation: Citation | None


@attrs.frozen
class PauseRule(Node):
    """`pause while waiting on customer`"""

    citation: Citation | None


@attrs.frozen
class ChangeRule(Node):
    """`on severity change keep_elapsed` (or `restart`, `retroactive`)"""

    mode: str
    citation: Citation | None


@attrs.frozen
class DowngradeRule(Node):
    """`after restore severity 1 becomes 2`"""

    kind: str
    source: Name
    target: Name
    citation: Citation | None


ClockRule = StartRule | PauseRule | ChangeRule | DowngradeRule


@attrs.frozen
class Clock(Node):
    """`clock:` followed by an indented block of clock rules."""

    rules: tuple[ClockRule, ...]
    citation: Citation | None


# ---- KPIs and availability ----------------------------------------------------------------------------


@attrs.frozen
class Period(Node):
    """`per calendar month`, `per quarter`, `per year`"""

    unit: str


@attrs.frozen
class Kpi(Node):
    """`kpi response for 1 at least 90% met per month`"""

    kind: str
    severities: tuple[Name, ...]
    plans: tuple[Name, ...]
    percent: Percent
    period: Period
    citation: Citation | None


@attrs.frozen
class Exclude(Node):
    """`exclude force_majeure, ddos`: outages tagged so do not count as downtime."""

    tags: tuple[Name, ...]
    citation: Citation | None


@attrs.frozen
class Notice(Node):
    """`with notice of at least 3 days`, or `with notice`: announced before it begins"""

    duration: Duration | None


@attrs.frozen
class OutsideCalendar(Node):
    """`outside core_hours`"""

    calendar: Name


@attrs.frozen
class Budget(Node):
    """`up to 10 hours per calendar year`: at most this much maintenance is excluded in each such period"""

    duration: Duration
    period: Period


@attrs.frozen
class ExcludeMaintenance(Node):
    """`exclude planned maintenance with notice of at least 48 hours outside core_hours up to 10 hours per year`"""

    conditions: tuple[Notice | OutsideCalendar | Budget, ...]
    citation: Citation | None


@attrs.frozen
class Number(Node):
    """`100`, `0.5`"""

    value: Decimal


@attrs.frozen
class Variable(Node):
    """`N`: a name bound by the formula's `where`."""

    name: Name


@attrs.frozen
class Add(Node):
    """`a + b`"""

    left: Expr
    right: Expr


@attrs.frozen
class Sub(Node):
    """`a - b`"""

    left: Expr
    right: Expr


@attrs.frozen
class Mul(Node):
    """`a * b`"""

    left: Expr
    right: Expr


@attrs.frozen
class Div(Node):
    """`a / b`"""

    left: Expr
    right: Expr


Expr = Number | Variable | Add | Sub | Mul | Div


@attrs.frozen
class Binding(Node):
    """`N = downtime_minutes`"""

    name: Name
    measure: str


@attrs.frozen
class Formula(Node):
    """`formula (1 - (N - P) / D) * 100 where N = downtime_minutes, P = maintenance_minutes, D = period_minutes`"""

    expr: Expr
    bindings: tuple[Binding, ...]
    citation: Citation | None


@attrs.frozen
class UptimeRounding(Node):
    """`round half up to 1 decimal`, `round down to 2 decimals`: how the measured value is rounded"""

    mode: str | None  # `half up`, `down` or `up` as written; None when not written (half up)
    places: int
    citation: Citation | None


AvailabilityRule = Exclude | ExcludeMaintenance | Formula | UptimeRounding


@attrs.frozen
class Availability(Node):
    """`availability uptime per month at least 99%:` followed by exclusions and an optional formula."""

    name: Name
    period: Period
    percent: Percent
    rules: tuple[AvailabilityRule, ...]
    citation: Citation | None


# ---- credits ------------------------------------------------------------------------------------------


@attrs.frozen
class Credits(Node):
    """`30 credits`"""

    count: Decimal


@attrs.frozen
class FeeShare(Node):
    """`10% of fee`"""

    percent: Percent


@attrs.frozen
class Money(Node):
    """`EUR 100`"""

    currency: str
    value: Decimal


Amount = Credits | FeeShare | Money


@attrs.frozen
class Above(Node):
    """`above 99%`"""

    percent: Percent


@attrs.frozen
class AtLeast(Node):
    """`at least 97%`"""

    percent: Percent


@attrs.frozen
class Below(Node):
    """`below 95%`"""

    percent: Percent


@attrs.frozen
class AtMost(Node):
    """`at most 98.9%`"""

    percent: Percent


@attrs.frozen
class Between(Node):
    """`from 98% to 98.9%`: both ends included."""

    low: Percent
    high: Percent


Bound = Above | AtLeast | Below | AtMost | Between


@attrs.frozen
class Band(Node):
    """`from 98% to 98.9% -> 10% of fee`"""

    bounds: tuple[Bound, ...]
    amount: Amount
    citation: Citation | None


@attrs.frozen
class Ladder(Node):
    """`credit refund by uptime:` followed by an indented block of bands."""

    name: Name
    measure: Name
    bands: tuple[Band, ...]
    citation: Citation | None


@attrs.frozen
class TargetRef(Node):
    """`response for critical on standard`: the targets a credit applies to."""

    kind: str
    severities: tuple[Name, ...]
    plans: tuple[Name, ...]


@attrs.frozen
class CommitmentRef(Node):
    """`uptime`: an availability commitment a credit applies to."""

    name: Name


@attrs.frozen
class HourlyCredit(Node):
    """`credit late: 1 credit per started hour late for response for critical on standard`"""

    name: Name
    amount: Amount
    rounding: str | None
    target: TargetRef
    citation: Citation | None


@attrs.frozen
class FlatCredit(Node):
    """`credit yearly: 30 credits when uptime missed`"""

    name: Name
    amount: Amount
    missed: TargetRef | CommitmentRef
    citation: Citation | None


@attrs.frozen
class CreditRounding(Node):
    """`rounded half up to 2 decimals`: how an award worked out from downtime is rounded"""

    mode: str | None  # `half up`, `down` or `up` as written; None when not written (half up)
    places: int


@attrs.frozen
class DowntimeCredit(Node):
    """`credit back: 10 times fee for downtime of uptime` or `credit back: 5% of fee per started hour of
    downtime of uptime`: an award for a period its commitment missed, in proportion to the downtime it counted"""

    name: Name
    amount: Amount | None  # per hour of downtime; None for a multiple of the fee for the time down
    rounding: str | None  # `started` or `whole` hours, for an amount per hour
    multiple: Decimal | None  # `10 times fee`; None when not written (once the fee)
    measure: Name
    rounded: CreditRounding | None
    citation: Citation | None


@attrs.frozen
class Cap(Node):
    """`cap 30 credits per calendar year`"""

    amount: Amount
    period: Period
    citation: Citation | None


@attrs.frozen
class NoStacking(Node):
    """`no stacking per month`: within one period only the largest award stands."""

    period: Period
    citation: Citation | None


@attrs.frozen
class Minimum(Node):
    """`minimum award EUR 10`: smaller awards are not issued."""

    amount: Amount
    citation: Citation | None


@attrs.frozen
class ExcludeIncidents(Node):
    """`exclude incidents tagged force_majeure, customer_cause from response, resolution`: an incident carrying
    one of the tags is not held to those targets (to any target when no kind is named)"""

    tags: tuple[Name, ...]
    kinds: tuple[str, ...]
    citation: Citation | None


@attrs.frozen
class ClaimWindow(Node):
    """`claim within 7 business days of working_days after failure ends`"""

    kind: str
    days: int
    calendar: Name
    edge: str
    citation: Citation | None


# A clause about credits written on one line: a credit other than a ladder (whose bands are a block of their own),
# or a cap, a rule against stacking, a minimum award or a claim window.
CreditLine = HourlyCredit | FlatCredit | DowntimeCredit | Cap | NoStacking | Minimum | ClaimWindow


Item = (
    Agreement
    | Calendar
    | Severity
    | Plan
    | AddOn
    | Target
    | Clock
    | Kpi
    | Availability
    | Ladder
    | HourlyCredit
    | FlatCredit
    | DowntimeCredit
    | Cap
    | NoStacking
    | Minimum
    | ClaimWindow
    | ExcludeIncidents
)


@attrs.frozen
class Document(Node):
    """A whole `.sla` file: its clauses in order, and its comments."""

    items: tuple[Item, ...]
    comments: tuple[Comment, ...]
