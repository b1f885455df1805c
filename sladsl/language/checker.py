"""Syntax tree to checked model, in ordered passes that collect every diagnostic they can.

Passes: header and zone; declarations (duplicates); calendars; severities, plans and targets; clock rules;
KPIs; availability; credits, ladders and caps; completeness (citations, severities without targets). Errors
stop the model from being built; warnings travel with it.
"""

from __future__ import annotations

import bisect
import datetime as dt
import heapq
import itertools
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, cast

import attrs
from msgspec.structs import replace

from sladsl import model
from sladsl.diagnostics import Diagnostic, Label, SlaError, did_you_mean
from sladsl.language import ast
from sladsl.language.formatter import expr as format_expr
from sladsl.model import Checked
from sladsl.source import Span
from sladsl.time.zones import ZONE_ABBREVIATIONS, is_abbreviation, is_zone, zone_names

MOST_PLACES = 10  # decimals an uptime may be rounded to: finer is noise, and Decimal keeps 28 digits

_UNIT = {
    "minute": "minute",
    "minutes": "minute",
    "hour": "hour",
    "hours": "hour",
    "day": "day",
    "days": "day",
    "week": "week",
    "weeks": "week",
    "month": "month",
    "months": "month",
    "working day": "working_day",
    "working days": "working_day",
}
_SECONDS = {"minute": 60, "hour": 3600}
# The seconds each unit spans at most (a month as 31 days), to hold every duration to `_LONGEST` (10 years).
_MOST_SECONDS = {
    "minute": 60,
    "hour": 3600,
    "day": 86400,
    "week": 7 * 86400,
    "month": 31 * 86400,
    "working_day": 86400,
}
_LONGEST = 3650 * 86400


def _first_few(names: Sequence[str], shown: int) -> str:
    """`names` joined with commas, the first `shown` of them, and how many more there are if any."""
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def check(document: ast.Document) -> Checked:
    """Check a syntax tree. Raise `SlaError` with every diagnostic if any is an error."""
    checker = _Checker(document)
    agreement = checker.run()
    diagnostics = sorted(checker.diagnostics, key=Diagnostic.sort_key)
    if any(d.is_error for d in diagnostics) or agreement is None:
        raise SlaError(diagnostics)
    return Checked(agreement, tuple(diagnostics))


def _cite(citation: ast.Citation | None) -> str | None:
    return citation.label if citation is not None else None


class _Checker:
    def __init__(self, document: ast.Document) -> None:
        self.document = document
        self.diagnostics: list[Diagnostic] = []
        self.items = document.items
        self.section: str | None = None  # the citation of the clause being checked, for `= in:` lines
        self.minimum_span: Span | None = None
        self.availability_periods: dict[str, model.PeriodUnit] = {}  # each commitment's period, for caps

    # -- reporting ---------------------------------------------------------------------------------------

    def report(self, code: str, message: str, span: Span | None, label: str = "", **extra: Any) -> None:
        extra.setdefault("section", self.section)
        self.diagnostics.append(Diagnostic(code, message, span, label, **extra))

    def of(self, kind: type[Any]) -> list[Any]:
        return [item for item in self.items if isinstance(item, kind)]

    def undefined(self, what: str, name: ast.Name, known: dict[str, Any]) -> None:
        guess = did_you_mean(name.text, known)
        help_text = None
        if guess is not None:
            where = getattr(known[guess], "span", None)
            help_text = f"did you mean `{guess}`" + (f" (defined at line {where.line})?" if where else "?")
        elif known:
            help_text = "defined: " + ", ".join(f"`{k}`" for k in sorted(known))
        else:
            help_text = f"no {what} is defined in this agreement"
        self.report(
            "E0202",
            f"{what} `{name.text}` is not defined",
            name.span,
            "not defined",
            help=help_text,
            replacement=guess,
        )

    # -- the passes --------------------------------------------------------------------------------------

    def run(self) -> model.Agreement | None:
        header = self.check_header()
        declared = self.check_declarations()
        zone = header.get("zone")
        calendars = self.check_calendars(zone, header.get("zone_declared", False))
        severities, plans = self.check_severities_and_plans()
        add_ons = self.check_add_ons()
        targets = self.check_targets(calendars, declared["severity"], declared["plan"])
        clock = self.check_clock(calendars, declared["severity"])
        kpis = self.check_kpis(declared["severity"], declared["plan"])
        availabilities = self.check_availabilities(calendars)
        self.availability_periods = {a.name: a.period for a in availabilities}
        ladders, hourly, flat, downtime = self.check_credits(declared, targets)
        caps, stacking, minimum, claims = self.check_limits(calendars, ladders, hourly, flat, downtime)
        incident_exclusions = self.check_incident_exclusions(targets)
        self.check_completeness(targets)
        self.check_lengths()
        self.check_working_days()
        if any(d.is_error for d in self.diagnostics):
            return None
        return model.Agreement(
            title=header.get("title", ""),
            provider=header.get("provider"),
            customer=header.get("customer"),
            services=tuple(header.get("services", ())),
            effective=header.get("effective"),
            zone=zone,
            calendars=calendars,
            severities=severities,
            plans=plans,
            targets=targets,
            clock=clock,
            kpis=kpis,
            availabilities=availabilities,
            ladders=ladders,
            hourly_credits=hourly,
            flat_credits=flat,
            caps=caps,
            no_stacking=stacking,
            minimum=minimum,
            minimum_span=self.minimum_span,
            claim_windows=claims,
            downtime_credits=downtime,
            add_ons=add_ons,
            incident_exclusions=incident_exclusions,
        )

    def check_header(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        headers = self.of(ast.Agreement)
        if not headers:
            self.report(
                "E0216",
                "the file has no `agreement` header",
                self.document.span and Span(self.document.span.file, 0, 0, 1, 1, 1, 1),
                "header expected",
                help='start the file with `agreement "Title":` and an indented `zone Area/City` line',
            )
            return found
        for extra in headers[1:]:
            self.report(
                "E0216",
                "the agreement header is given twice",
                extra.span,
                "second header",
                secondary=(Label(headers[0].span, "first header"),),
            )
        header = headers[0]
        self.section = _cite(header.citation)
        found["title"] = header.title
        services = []
        for field in header.fields:
            if isinstance(field, ast.Provider):
                found["provider"] = field.value
            elif isinstance(field, ast.Customer):
                found["customer"] = field.value
            elif isinstance(field, ast.Service):
                services.append(field.value)
            elif isinstance(field, ast.Effective):
                found["effective"] = field.date.value
            elif isinstance(field, ast.Zone):
                found["zone"] = self.check_zone(field.name)
                found["zone_declared"] = True
        found["services"] = services
        self.section = None
        return found

    def check_zone(self, name: ast.Name) -> str | None:
        text = name.text
        if text == "UTC" or ("/" in text and is_zone(text)):
            return text  # the common case, without listing every zone on disk
        if is_abbreviation(text):
            suggestion = ZONE_ABBREVIATIONS.get(text.upper())
            self.report(
                "E0204",
                f"`{text}` is an abbreviation, not a time zone",
                name.span,
                "abbreviation",
                notes=("an abbreviation names one offset, but local time follows the zone's summer-time rules",),
                help=f"name the place instead, for example `{suggestion}`"
                if suggestion
                else "name the place instead, as `Area/City`",
                replacement=suggestion,
            )
            return None
        guess = did_you_mean(text, zone_names())
        self.report(
            "E0203",
            f"time zone `{text}` is not known",
            name.span,
            "unknown zone",
            help=f"did you mean `{guess}`?" if guess else "use an IANA name like `Europe/Oslo`",
            replacement=guess,
        )
        return None

    def check_declarations(self) -> dict[str, dict[str, Any]]:
        """Every name that can be referred to, by kind; duplicates reported once each."""
        kinds: dict[str, dict[str, Any]] = {
            k: {} for k in ("calendar", "severity", "plan", "commitment", "credit")
        }
        spans: dict[str, dict[str, ast.Name]] = {k: {} for k in kinds}

        def declare(kind: str, name: ast.Name, node: Any, word: str | None = None) -> None:
            first = spans[kind].get(name.text)
            if first is not None:
                self.report(
                    "E0201",
                    f"{word or kind} `{name.text}` is defined twice",
                    name.span,
                    "defined again here",
                    secondary=(Label(first.span, "first defined here"),),
                    section=_cite(getattr(node, "citation", None)),
                )
                return
            spans[kind][name.text] = name
            kinds[kind][name.text] = name

        for item in self.items:
            if isinstance(item, ast.Calendar):
                declare("calendar", item.name, item)
            elif isinstance(item, ast.Severity):
                declare("severity", item.code, item)
            elif isinstance(item, ast.Plan):
                declare("plan", item.name, item)
            elif isinstance(item, ast.AddOn):  # named where plans are (`on ...`), so one name is one or the other
                declare("plan", item.name, item, "add-on")
            elif isinstance(item, ast.Availability):
                declare("commitment", item.name, item)
            elif isinstance(item, (ast.Ladder, ast.HourlyCredit, ast.FlatCredit, ast.DowntimeCredit)):
                declare("credit", item.name, item)
        return kinds

    # -- calendars ---------------------------------------------------------------------------------------

    def check_calendars(self, agreement_zone: str | None, zone_declared: bool) -> dict[str, model.CalendarSpec]:
        found: dict[str, model.CalendarSpec] = {}
        for calendar in self.of(ast.Calendar):
            self.section = _cite(calendar.citation)
            spec = self.check_calendar(calendar, agreement_zone, zone_declared)
            if spec is not None and calendar.name.text not in found:
                found[calendar.name.text] = spec
        self.section = None
        return found

    def check_calendar(
        self, calendar: ast.Calendar, agreement_zone: str | None, zone_declared: bool
    ) -> model.CalendarSpec | None:
        zone: str | None = agreement_zone
        zone_rules = [r for r in calendar.rules if isinstance(r, (ast.Zone, ast.CustomerZone))]
        of_customer = [r for r in calendar.rules if isinstance(r, ast.CustomerHolidays)]
        for twice in (zone_rules[1:2], of_customer[1:2]):
            for again in twice:
                what = "its zone" if isinstance(again, (ast.Zone, ast.CustomerZone)) else "the customer's holidays"
                self.report(
                    "E0228",
                    f"calendar `{calendar.name.text}` states {what} twice",
                    again.span,
                    "stated again",
                    help="keep one",
                )
        for zone_rule in zone_rules[:1]:  # a zone that follows the customer has the agreement's as a stand-in
            zone = self.check_zone(zone_rule.name) if isinstance(zone_rule, ast.Zone) else agreement_zone or "UTC"
        zone_of_customer = any(isinstance(r, ast.CustomerZone) for r in zone_rules[:1])
        if zone_of_customer and not zone_declared:
            self.report(
                "W0219",
                f"calendar `{calendar.name.text}` follows each customer's zone, and the agreement names no zone",
                zone_rules[0].span,
                "periods counted in UTC",
                notes=("months, quarters and years, and the times shown, are counted in the agreement's zone",),
                help="add `zone Area/City` to the agreement header: the zone the provider counts periods in",
            )
        customer_holidays = (
            None if not of_customer else tuple(c.text for c in of_customer[0].categories) or ("public",)
        )
        weekly: list[list[model.Interval]] = [[] for _ in range(7)]
        holidays: list[model.HolidaySource] = []
        closed_dates: set[dt.date] = set()
        closed_annual: set[tuple[int, int]] = set()
        opened: dict[dt.date, tuple[model.Interval, ...]] = {}
        has_hours = False
        for rule in calendar.rules:
            section = _cite(rule.citation) or self.section
            if isinstance(rule, ast.WeeklyHours):
                intervals = self.intervals(rule.hours, section)
                for day in self.weekdays(rule.days):
                    weekly[day].extend(intervals)
                has_hours = has_hours or bool(intervals)
            elif isinstance(rule, ast.OpenAlways):
                for day in range(7):
                    weekly[day].append(model.Interval(0, 1440))
                has_hours = True
            elif isinstance(rule, ast.ClosedHolidays):
                source = self.holiday_source(rule, section)
                if source is not None:
                    holidays.append(source)
            elif isinstance(rule, ast.ClosedDays):
                for day_node in rule.days:
                    if isinstance(day_node, ast.Date):
                        closed_dates.add(day_node.value)
                    else:
                        closed_annual.add((day_node.month, day_node.day))
            elif isinstance(rule, ast.OpenDays):
                intervals = self.intervals(rule.hours, section)
                for date in rule.dates:
                    opened[date.value] = _union(intervals)
                has_hours = has_hours or bool(intervals)
        for day, intervals in enumerate(weekly):
            self.check_overlaps(calendar, ast.WEEKDAYS[day], intervals)
        if not has_hours:
            self.report(
                "E0208",
                f"calendar `{calendar.name.text}` is never open",
                calendar.name.span,
                "no opening hours",
                help="add `open monday to friday 09:00-17:00` or `open always`",
            )
            return None
        if zone is None:
            if not zone_rules and not zone_declared:  # a zone that was written but is wrong is reported already
                self.report(
                    "E0217",
                    f"calendar `{calendar.name.text}` has no time zone",
                    calendar.name.span,
                    "zone unknown",
                    help="add `zone Area/City` to the agreement header or to the calendar",
                )
            return None
        return model.CalendarSpec(
            calendar.name.text,
            zone,
            tuple(_union(day) for day in weekly),
            tuple(holidays),
            frozenset(closed_dates),
            frozenset(closed_annual),
            tuple(sorted(opened.items())),
            span=calendar.name.span,
            zone_of_customer=zone_of_customer,
            customer_holidays=customer_holidays,
        )

    def weekdays(self, days: ast.Days) -> list[int]:
        if isinstance(days, ast.EveryDay):
            return list(range(7))
        if isinstance(days, ast.DayList):
            return [ast.WEEKDAYS.index(d) for d in days.days]
        first, last = ast.WEEKDAYS.index(days.first), ast.WEEKDAYS.index(days.last)
        return [(first + i) % 7 for i in range((last - first) % 7 + 1)]

    def intervals(self, hours: Sequence[ast.Hours], section: str | None) -> list[model.Interval]:
        found = []
        for h in hours:
            if h.end == h.start:
                self.report(
                    "E0207",
                    "this opening has no length",
                    h.span,
                    "opens and closes at once",
                    help="write `00:00-24:00` for a whole day",
                    section=section,
                )
                continue
            found.append(model.Interval(h.start, h.end))
        return found

    def check_overlaps(self, calendar: ast.Calendar, day: str, intervals: list[model.Interval]) -> None:
        ordered = sorted(intervals, key=lambda i: i.start)
        for before, after in itertools.pairwise(ordered):
            if after.start < before.end:
                self.report(
                    "W0208",
                    f"openings on {day} overlap in calendar `{calendar.name.text}`",
                    calendar.name.span,
                    "overlapping hours",
                    notes=(
                        f"{_hhmm(before.start)}-{_hhmm(before.end)} and "
                        f"{_hhmm(after.start)}-{_hhmm(after.end)}; the union is used",
                    ),
                )
                return

    def holiday_source(self, rule: ast.ClosedHolidays, section: str | None) -> model.HolidaySource | None:
        import holidays  # noqa: PLC0415 - loaded only when an agreement names holidays

        country = rule.country.text
        try:  # the one country asked for: listing all of them imports several hundred modules
            found = holidays.country_holidays(country)
        except NotImplementedError:
            supported = holidays.list_supported_countries(include_aliases=True)
            guess = did_you_mean(country, [c for c in supported if len(c) == len(country)])
            self.report(
                "E0205",
                f"no public holidays are known for country `{country}`",
                rule.country.span,
                "unknown country",
                help=f"did you mean `{guess}`?"
                if guess
                else "use an ISO 3166 code, alpha-2 like `NO` or alpha-3 like `NOR`",
                section=section,
                replacement=guess,
            )
            return None
        subdivisions = list(found.subdivisions)
        subdivision = rule.subdivision.value if rule.subdivision else None
        if subdivision is not None and subdivision not in subdivisions:
            guess = did_you_mean(subdivision, subdivisions)
            assert rule.subdivision is not None
            self.report(
                "E0205",
                f"`{country}` has no subdivision `{subdivision}`",
                rule.subdivision.span,
                "unknown subdivision",
                help=f"did you mean `{guess}`?" if guess else "known: " + _first_few(subdivisions, 12),
                section=section,
                replacement=f'subdivision "{guess}"' if guess else None,  # the span is the whole `subdivision "…"`
            )
            return None
        categories = tuple(c.text for c in rule.categories) or ("public",)
        known = found.supported_categories
        for category in rule.categories:
            if category.text not in known:
                self.report(
                    "E0205",
                    f"`{country}` has no holiday category `{category.text}`",
                    category.span,
                    "unknown category",
                    help="known: " + ", ".join(known),
                    section=section,
                )
                return None
        return model.HolidaySource(found.country, subdivision, categories)  # alpha-3 read as its alpha-2

    # -- severities, plans, targets ----------------------------------------------------------------------

    def check_severities_and_plans(self) -> tuple[tuple[model.Severity, ...], tuple[model.Plan, ...]]:
        severities = {
            s.code.text: model.Severity(s.code.text, s.title, s.description, _cite(s.citation))
            for s in reversed(self.of(ast.Severity))
        }
        plans = {
            p.name.text: model.Plan(p.name.text, p.title, _cite(p.citation)) for p in reversed(self.of(ast.Plan))
        }
        order_s = list(dict.fromkeys(s.code.text for s in self.of(ast.Severity)))
        order_p = list(dict.fromkeys(p.name.text for p in self.of(ast.Plan)))
        return tuple(severities[c] for c in order_s), tuple(plans[p] for p in order_p)

    def check_add_ons(self) -> tuple[model.Plan, ...]:
        """The add-ons, in order; a name that is also a plan's was reported as defined twice."""
        plans = {p.name.text for p in self.of(ast.Plan)}
        found: dict[str, model.Plan] = {}
        for node in self.of(ast.AddOn):
            if node.name.text not in plans and node.name.text not in found:
                found[node.name.text] = model.Plan(node.name.text, node.title, _cite(node.citation))
        return tuple(found.values())

    def resolve(self, names: Iterable[ast.Name], known: dict[str, Any], what: str) -> list[str]:
        found = []
        for name in names:
            if name.text in known:
                found.append(name.text)
            else:
                self.undefined(what, name, known)
        return found

    def check_calendar_ref(
        self, name: ast.Name, calendars: dict[str, model.CalendarSpec], declared: dict[str, Any] | None = None
    ) -> str | None:
        if name.text in calendars:
            return name.text
        # A calendar that is declared but has errors of its own (an unknown zone, say) was reported there: its
        # uses are not reported again as undefined.
        known = {c.name.text: c for c in self.of(ast.Calendar)} if declared is None else declared
        if name.text not in known:
            self.undefined("calendar", name, {c.name.text: c.name for c in self.of(ast.Calendar)})
        return None

    def one_place_calendar(
        self, name: ast.Name, calendars: dict[str, model.CalendarSpec], what: str, alike: str
    ) -> str | None:
        """A calendar named where one place is needed for every customer (`what` is measured once for all, an
        outage for everyone being `alike`): E0229 for one that follows the customer."""
        calendar = self.check_calendar_ref(name, calendars)
        if calendar is None or not calendars[calendar].follows_customer:
            return calendar
        self.report(
            "E0229",
            f"{what} once for every customer, and calendar `{calendar}` follows each customer's own",
            name.span,
            "differs by customer",
            notes=(f"an outage for everyone is {alike}",),
            help="name a calendar with a fixed zone and holidays: the provider's own",
        )
        return None

    def check_lengths(self) -> None:
        """No duration or day count may reach past 10 years: a mistyped `99999999 hours` would otherwise send the
        business clocks searching for millennia, or past the last date the calendar can name."""
        for item in self.items:
            citation = getattr(item, "citation", None)
            self.section = _cite(citation) if isinstance(citation, ast.Citation) else None
            for node in item.walk():
                if isinstance(node, ast.Duration):
                    seconds = node.amount * _MOST_SECONDS[_UNIT[node.unit]]
                    written = f"{node.amount} {node.unit}"
                elif isinstance(node, (ast.WithinDays, ast.ClaimWindow)):
                    days = node.count if isinstance(node, ast.WithinDays) else node.days
                    seconds, written = days * 86400, f"{days} business days"
                else:
                    continue
                if seconds > _LONGEST:
                    self.report(
                        "E0220",
                        f"`{written}` is longer than the 10 years a target, cadence or window may span",
                        node.span,
                        "too long",
                        help="check the number; deadlines are counted up to 10 years (3,650 days) ahead",
                    )

    def working_day(self, duration: ast.Duration, spec: model.CalendarSpec) -> int | None:
        """The seconds of open time in one working day of a calendar: every open day of its week must have the
        same, so that `1 working day` means one length (CloudCTI's 08:30-17:00 is 8 hours 30 minutes)."""
        lengths = sorted({sum(i.end - i.start for i in day) for day in spec.weekly if day})
        if len(lengths) == 1:
            return lengths[0] * 60
        shown = ", ".join(f"{minutes // 60}h {minutes % 60:02d}m" for minutes in lengths)
        self.report(
            "E0231",
            f"calendar `{spec.name}` has open days of different lengths, so a working day has no one length",
            duration.span,
            "which day's length?",
            notes=(f"its open days last {shown}",),
            help="write the time in hours or minutes, or count whole days with `within N business days of ...`",
        )
        return None

    def check_working_days(self) -> None:
        """`working day` is business time: it needs a calendar, on a target's deadline or an update's cadence."""
        for item in self.items:
            allowed = set()
            for node in item.walk():
                if isinstance(node, (ast.Within, ast.Every)) and node.calendar is not None:
                    allowed.add(id(node.duration))
            for node in item.walk():
                if isinstance(node, ast.Duration) and node.unit.startswith("working") and id(node) not in allowed:
                    citation = getattr(item, "citation", None)
                    self.report(
                        "E0231",
                        "a working day is open time of a calendar, and none is named here",
                        node.span,
                        "working day of which calendar?",
                        help="name the calendar (`within 1 working day of support_hours`), or write `1 day` for "
                        "calendar time",
                        section=_cite(citation) if isinstance(citation, ast.Citation) else None,
                    )

    def deadline(self, target: ast.Target, calendars: dict[str, model.CalendarSpec]) -> model.Deadline | None:
        d = target.deadline
        if isinstance(d, (ast.Within, ast.Every)):
            unit = _UNIT[d.duration.unit]
            if d.calendar is None:
                if unit == "working_day":
                    return None  # reported by `check_working_days`
                return model.WallTime(d.duration.amount, cast(model.WallUnit, unit))
            calendar = self.check_calendar_ref(d.calendar, calendars)
            if unit == "working_day":
                day = self.working_day(d.duration, calendars[calendar]) if calendar is not None else None
                return None if day is None else model.BusinessTime(calendar or "", d.duration.amount * day)
            if unit not in _SECONDS:
                self.report(
                    "E0209",
                    f"business time is counted in minutes or hours, not {d.duration.unit}",
                    d.duration.span,
                    "not a business-time unit",
                    help=f"write `within {d.duration.amount} business days of {d.calendar.text}` for whole "
                    "business days, or drop `of ...` for calendar time",
                )
                return None
            if calendar is None:
                return None
            return model.BusinessTime(calendar, d.duration.amount * _SECONDS[unit])
        calendar = self.check_calendar_ref(d.calendar, calendars)
        if calendar is None:
            return None
        if isinstance(d, ast.WithinDays):
            return model.BusinessDays(calendar, d.count, d.counting != "same")
        return model.DayEnd(calendar, d.which == "next")

    def check_targets(
        self, calendars: dict[str, model.CalendarSpec], severities: dict[str, Any], plans: dict[str, Any]
    ) -> tuple[model.Target, ...]:
        found: list[model.Target] = []
        targets = self.of(ast.Target)
        for target in targets:
            self.section = _cite(target.citation)
            codes = self.resolve(target.severities, severities, "severity")
            plan_names = self.resolve(target.plans, plans, "plan")
            is_every = isinstance(target.deadline, ast.Every)
            if is_every != (target.kind == "update"):
                message = (
                    "an update target needs a cadence: `every N hours`"
                    if target.kind == "update"
                    else f"`every` gives an update cadence, but this is a {target.kind} target"
                )
                self.report(
                    "E0210",
                    message,
                    target.deadline.span,
                    "cadence here" if is_every else "deadline here",
                    help="write `update for ... every 4 hours of calendar`"
                    if is_every
                    else "use `within`, or make it an `update` target",
                )
            deadline = self.deadline(target, calendars)
            if deadline is None:
                continue
            for code in codes:
                plans_or_all: list[str | None] = [*plan_names] or [None]
                for plan in plans_or_all:
                    found.append(
                        model.Target(
                            cast(model.TargetKind, target.kind),
                            code,
                            plan,
                            deadline,
                            target.after.kind if target.after else None,
                            is_every,
                            _cite(target.citation),
                            span=target.span,
                        )
                    )
        # A target counted from another target's deadline needs that target for the same severity and plan.
        keys = {(t.kind, t.severity, t.plan) for t in found}
        for target in targets:
            if target.after is None:
                continue
            self.section = _cite(target.citation)
            for code in target.severities:
                plans_here: list[str | None] = [p.text for p in target.plans] or [None]
                if not any(
                    (target.after.kind, code.text, p) in keys or (target.after.kind, code.text, None) in keys
                    for p in plans_here
                ):
                    self.report(
                        "E0211",
                        f"no {target.after.kind} target for severity `{code.text}` to count from",
                        target.after.span,
                        f"needs a {target.after.kind} target",
                        help=f"add `{target.after.kind} for {code.text} ...`, or drop `after ...`",
                    )
        self.check_anchor_circles(targets)
        self.section = None
        return tuple(found)

    def check_anchor_circles(self, targets: list[ast.Target]) -> None:
        """`after ... deadline` must not go round in a circle; an update cadence has no deadline to count from."""
        anchors: dict[str, set[str]] = {}
        for target in targets:
            if target.after is None:
                continue
            self.section = _cite(target.citation)
            if target.after.kind == "update":
                self.report(
                    "E0211",
                    "an update cadence has no single deadline to count from",
                    target.after.span,
                    "not a deadline",
                    help="count from the response, restore or resolution deadline",
                )
                continue
            anchors.setdefault(target.kind, set()).add(target.after.kind)
        for target in targets:
            if target.after is None or target.after.kind == "update":
                continue
            seen, todo = set(), [target.after.kind]
            while todo:
                kind = todo.pop()
                if kind == target.kind:
                    self.section = _cite(target.citation)
                    self.report(
                        "E0211",
                        f"the {target.kind} target is counted, in a circle, from itself",
                        target.after.span,
                        "circular",
                        help="one of the targets must count from the clock start",
                    )
                    break
                if kind not in seen:
                    seen.add(kind)
                    todo.extend(anchors.get(kind, ()))

    # -- clock rules -------------------------------------------------------------------------------------

    def check_clock(
        self, calendars: dict[str, model.CalendarSpec], severities: dict[str, Any]
    ) -> model.ClockRules:
        start: str | None = None
        start_span: Span | None = None
        scoped: list[model.ScopedStart] = []
        pause = False
        change: str | None = None
        downgrades: list[tuple[model.TargetKind, str, str]] = []
        seen: dict[type, ast.ClockRule] = {}
        for block in self.of(ast.Clock):
            for rule in block.rules:
                self.section = _cite(rule.citation) or _cite(block.citation)
                if isinstance(rule, ast.StartRule) and (rule.kinds or rule.severities):
                    found = self.scoped_start(rule, calendars, severities, scoped)
                    if found is not None:
                        scoped.append(found)
                    continue
                if not isinstance(rule, ast.DowngradeRule):
                    if type(rule) in seen:
                        self.report(
                            "E0218",
                            "this clock rule is given twice",
                            rule.span,
                            "second time",
                            secondary=(Label(seen[type(rule)].span, "first time"),),
                        )
                        continue
                    seen[type(rule)] = rule
                if isinstance(rule, ast.StartRule):
                    start = self.check_calendar_ref(rule.calendar, calendars)
                    start_span = rule.span
                elif isinstance(rule, ast.PauseRule):
                    pause = True
                elif isinstance(rule, ast.ChangeRule):
                    change = rule.mode
                else:
                    codes = self.resolve([rule.source, rule.target], severities, "severity")
                    if len(codes) == 2 and codes[0] == codes[1]:
                        self.report(
                            "E0219",
                            f"severity `{codes[0]}` cannot become itself",
                            rule.target.span,
                            "same severity",
                        )
                    elif len(codes) == 2:
                        downgrades.append((cast(model.TargetKind, rule.kind), codes[0], codes[1]))
        self.section = None
        return model.ClockRules(start, pause, cast(Any, change), tuple(downgrades), tuple(scoped), start_span)

    def scoped_start(
        self,
        rule: ast.StartRule,
        calendars: dict[str, model.CalendarSpec],
        severities: dict[str, Any],
        earlier: list[model.ScopedStart],
    ) -> model.ScopedStart | None:
        """A start rule for some target kinds or severities; E0218 when it covers a target an earlier one does."""
        calendar = self.check_calendar_ref(rule.calendar, calendars)
        codes = self.resolve(rule.severities, severities, "severity")
        if calendar is None or len(codes) != len(rule.severities):
            return None
        kinds = tuple(dict.fromkeys(cast(model.TargetKind, kind) for kind in rule.kinds))
        found = model.ScopedStart(calendar, kinds, tuple(dict.fromkeys(codes)), self.section, rule.span)
        for other in earlier:
            kinds_met = _meet(kinds, other.kinds)
            codes_met = _meet(found.severities, other.severities)
            if kinds_met is not None and codes_met is not None:
                both = ", ".join([*kinds_met, *codes_met]) or "every target"
                self.report(
                    "E0218",
                    f"two clock start rules cover the same targets ({both})",
                    rule.span,
                    "second rule",
                    secondary=(Label(other.span, "first rule"),) if other.span is not None else (),
                )
                return None
        return found

    # -- KPIs and availability ---------------------------------------------------------------------------

    def percent(self, p: ast.Percent) -> Decimal:
        if not Decimal(0) <= p.value <= Decimal(100):
            self.report("E0206", f"{p.value}% is not between 0% and 100%", p.span, "out of range")
        return p.value

    def check_kpis(self, severities: dict[str, Any], plans: dict[str, Any]) -> tuple[model.Kpi, ...]:
        found = []
        for kpi in self.of(ast.Kpi):
            self.section = _cite(kpi.citation)
            codes = self.resolve(kpi.severities, severities, "severity")
            plan_names = self.resolve(kpi.plans, plans, "plan")
            found.append(
                model.Kpi(
                    cast(model.TargetKind, kpi.kind),
                    tuple(codes),
                    tuple(plan_names),
                    self.percent(kpi.percent),
                    cast(model.PeriodUnit, kpi.period.unit),
                    _cite(kpi.citation),
                )
            )
        self.section = None
        return tuple(found)

    def check_availabilities(self, calendars: dict[str, model.CalendarSpec]) -> tuple[model.Availability, ...]:
        found = []
        for item in self.of(ast.Availability):
            self.section = _cite(item.citation)
            percent = self.percent(item.percent)
            excluded: list[tuple[str, str | None]] = []
            maintenance = None
            formula = None
            rounding: model.Rounding | None = None
            for rule in item.rules:
                cited = _cite(rule.citation) or self.section
                if isinstance(rule, ast.Exclude):
                    excluded.extend((tag.text, cited) for tag in rule.tags)
                elif isinstance(rule, ast.ExcludeMaintenance):
                    notice = None
                    outside = None
                    budget = None
                    for condition in rule.conditions:
                        if isinstance(condition, ast.Budget):
                            budget = self.check_budget(condition, budget)
                        elif isinstance(condition, ast.Notice):
                            ahead = condition.duration
                            notice = (  # a bare `with notice`: announced, however shortly, before it begins
                                model.WallTime(0, "minute")
                                if ahead is None
                                else model.WallTime(ahead.amount, cast(model.WallUnit, _UNIT[ahead.unit]))
                            )
                        else:
                            outside = self.one_place_calendar(
                                condition.calendar,
                                calendars,
                                "maintenance is measured",
                                "maintenance or downtime for all alike",
                            )
                    maintenance = model.Maintenance(notice, outside, cited, budget)
                elif isinstance(rule, ast.UptimeRounding):
                    rounding = self.check_rounding(item, rule, rounding, cited)
                else:
                    formula = self.check_formula(rule)
            found.append(
                model.Availability(
                    item.name.text,
                    cast(model.PeriodUnit, item.period.unit),
                    percent,
                    tuple(excluded),
                    maintenance,
                    formula,
                    _cite(item.citation),
                    rounding,
                )
            )
        self.section = None
        return tuple(found)

    def check_budget(self, budget: ast.Budget, earlier: model.Budget | None) -> model.Budget | None:
        """A maintenance budget: stated once (E0225), in minutes, hours, days or weeks (E0225), and no longer
        than its period can hold (W0215)."""
        unit = _UNIT[budget.duration.unit]
        if earlier is not None or unit == "month":
            self.report(
                "E0225",
                "the maintenance budget is stated twice"
                if earlier is not None
                else "a maintenance budget is counted in minutes, hours, days or weeks, not months",
                budget.span,
                "second budget" if earlier is not None else "not a length of time",
                help="keep the budget the contract states"
                if earlier is not None
                else "write the budget as the contract counts it, for example `up to 10 hours per calendar year`",
            )
            return earlier
        period = cast(model.PeriodUnit, budget.period.unit)
        seconds = budget.duration.amount * _MOST_SECONDS[unit]
        shortest = {"month": 28, "quarter": 90, "year": 365}[period] * 86400
        if seconds >= shortest:
            self.report(
                "W0215",
                f"a budget of {budget.duration.amount} {budget.duration.unit} can hold all the time in a "
                f"calendar {period}",
                budget.span,
                "never used up",
                notes=("every period's maintenance would be excluded, as if there were no budget",),
                help="check the budget's amount and period against the contract",
            )
        return model.Budget(seconds, period)

    def check_rounding(
        self, item: ast.Availability, rule: ast.UptimeRounding, earlier: model.Rounding | None, cited: str | None
    ) -> model.Rounding | None:
        """A commitment's rounding: stated once (E0223), to at most `MOST_PLACES` decimals (E0224)."""
        if earlier is not None:
            self.report(
                "E0223",
                f"`{item.name.text}` states its rounding twice",
                rule.span,
                "second rounding",
                help="keep the one the contract states",
            )
            return earlier
        if rule.places > MOST_PLACES:
            self.report(
                "E0224",
                f"a rounding to {rule.places} decimals is finer than sladsl measures",
                rule.span,
                f"at most {MOST_PLACES} decimals",
                help=f"round to at most {MOST_PLACES} decimals; a contract rarely states more than two",
            )
            return None
        mode = {None: "half_up", "half up": "half_up", "down": "down", "up": "up"}[rule.mode]
        return model.Rounding(cast(model.RoundingMode, mode), rule.places, cited)

    def check_formula(self, formula: ast.Formula) -> model.Formula | None:
        bound: dict[str, str] = {}
        ok = True
        for binding in formula.bindings:
            if binding.name.text in bound:
                self.report("E0215", f"`{binding.name.text}` is bound twice", binding.name.span, "bound again")
                ok = False
            bound[binding.name.text] = binding.measure

        def convert(e: ast.Expr) -> object:
            nonlocal ok
            if isinstance(e, ast.Number):
                return e.value
            if isinstance(e, ast.Variable):
                if e.name.text not in bound:
                    self.report(
                        "E0215",
                        f"the formula uses `{e.name.text}` but does not bind it",
                        e.name.span,
                        "not bound",
                        help=f"add `{e.name.text} = downtime_minutes` (or another measure) after `where`",
                    )
                    ok = False
                    return Decimal(0)
                return bound[e.name.text]
            op = {ast.Add: "+", ast.Sub: "-", ast.Mul: "*", ast.Div: "/"}[type(e)]
            return (op, convert(e.left), convert(e.right))

        expr = convert(formula.expr)
        if not ok:
            return None
        self.check_divisors(formula.expr, bound)
        return model.Formula(expr, format_expr(formula.expr), formula.span)

    def check_divisors(self, expr: ast.Expr, bound: dict[str, str]) -> None:
        """W0210 for each division by something that can be zero: a measure other than the period's length,
        or a sum or difference. In a period where it is zero, the check stops with E0222."""
        stack = [expr]
        while stack:
            e = stack.pop()
            if isinstance(e, (ast.Add, ast.Sub, ast.Mul, ast.Div)):
                stack += (e.left, e.right)
            if isinstance(e, ast.Div) and not _never_zero(e.right, bound):
                self.report(
                    "W0210",
                    f"the formula divides by `{format_expr(e.right)}`, which can be zero",
                    e.right.span,
                    "can be zero",
                    notes=("a period where it is zero stops the check with E0222",),
                    help="divide by `period_minutes`, which is never zero, or say what a zero means in the "
                    "contract's terms and write the formula so",
                )

    # -- credits -----------------------------------------------------------------------------------------

    def amount(self, node: ast.Amount) -> model.Amount:
        if isinstance(node, ast.Credits):
            return model.Amount("credits", node.count)
        if isinstance(node, ast.FeeShare):
            return model.Amount("fee_share", self.percent(node.percent))
        return model.Amount("money", node.value, node.currency)

    def selector(self, ref: ast.TargetRef, declared: dict[str, dict[str, Any]]) -> model.TargetSelector:
        codes = self.resolve(ref.severities, declared["severity"], "severity")
        plans = self.resolve(ref.plans, declared["plan"], "plan")
        return model.TargetSelector(cast(model.TargetKind, ref.kind), tuple(codes), tuple(plans))

    def check_credits(
        self, declared: dict[str, dict[str, Any]], targets: tuple[model.Target, ...]
    ) -> tuple[
        tuple[model.Ladder, ...],
        tuple[model.HourlyCredit, ...],
        tuple[model.FlatCredit, ...],
        tuple[model.DowntimeCredit, ...],
    ]:
        ladders, hourly, flat, downtime = [], [], [], []
        commitments = declared["commitment"]
        for item in self.items:
            if isinstance(item, ast.Ladder):
                self.section = _cite(item.citation)
                if item.measure.text not in commitments:
                    self.undefined("availability commitment", item.measure, commitments)
                ladders.append(self.check_ladder(item))
            elif isinstance(item, ast.HourlyCredit):
                self.section = _cite(item.citation)
                if item.rounding is None:
                    self.report(
                        "W0206",
                        f"credit `{item.name.text}` does not say how a part hour counts",
                        item.span,
                        "part hours unclear",
                        notes=("read as whole hours: a part hour earns nothing",),
                        help="write `per started hour` or `per whole hour`",
                    )
                hourly.append(
                    model.HourlyCredit(
                        item.name.text,
                        self.amount(item.amount),
                        cast(Any, item.rounding),
                        self.selector(item.target, declared),
                        _cite(item.citation),
                    )
                )
            elif isinstance(item, ast.FlatCredit):
                self.section = _cite(item.citation)
                missed: model.TargetSelector | str
                if isinstance(item.missed, ast.CommitmentRef):
                    if item.missed.name.text not in commitments:
                        self.undefined("availability commitment", item.missed.name, commitments)
                    missed = item.missed.name.text
                else:
                    missed = self.selector(item.missed, declared)
                flat.append(
                    model.FlatCredit(item.name.text, self.amount(item.amount), missed, _cite(item.citation))
                )
            elif isinstance(item, ast.DowntimeCredit):
                self.section = _cite(item.citation)
                found = self.check_downtime_credit(item, commitments)
                if found is not None:
                    downtime.append(found)
        self.section = None
        return tuple(ladders), tuple(hourly), tuple(flat), tuple(downtime)

    def check_downtime_credit(
        self, item: ast.DowntimeCredit, commitments: dict[str, Any]
    ) -> model.DowntimeCredit | None:
        """A credit for downtime: its commitment defined, a multiple above zero (E0226), part hours (W0206) and
        its rounding (W0216) said, and a rounding no finer than sladsl keeps (E0224)."""
        if item.measure.text not in commitments:
            self.undefined("availability commitment", item.measure, commitments)
        multiple = item.multiple if item.multiple is not None else Decimal(1)
        if item.amount is None and multiple <= 0:
            self.report(
                "E0226",
                f"credit `{item.name.text}` pays {multiple} times the fee, which is nothing",
                item.span,
                "no multiple",
                help="write the multiple the contract states, such as `10 times fee`",
            )
        if item.amount is not None and item.rounding is None:
            self.report(
                "W0206",
                f"credit `{item.name.text}` does not say how a part hour counts",
                item.span,
                "part hours unclear",
                notes=("read as whole hours: a part hour of downtime earns nothing",),
                help="write `per started hour` or `per whole hour`",
            )
        if item.amount is None and item.rounded is None:
            self.report(
                "W0216",
                f"credit `{item.name.text}` does not say how its award is rounded",
                item.span,
                "rounding unclear",
                notes=("the award is kept to 28 significant digits, unrounded",),
                help="end the line with how the contract rounds, such as `rounded half up to 2 decimals`",
            )
        rounded = None
        if item.rounded is not None:
            if item.rounded.places > MOST_PLACES:
                self.report(
                    "E0224",
                    f"a rounding to {item.rounded.places} decimals is finer than sladsl measures",
                    item.rounded.span,
                    f"at most {MOST_PLACES} decimals",
                    help=f"round to at most {MOST_PLACES} decimals; a contract rarely states more than two",
                )
            else:
                mode = {None: "half_up", "half up": "half_up", "down": "down", "up": "up"}[item.rounded.mode]
                rounded = model.Rounding(cast(model.RoundingMode, mode), item.rounded.places, None)
        return model.DowntimeCredit(
            item.name.text,
            item.measure.text,
            None if item.amount is None else self.amount(item.amount),
            cast(Any, item.rounding),
            multiple,
            rounded,
            _cite(item.citation),
        )

    def check_ladder(self, ladder: ast.Ladder) -> model.Ladder:
        bands: list[model.Band] = []
        kinds = set()
        for band in ladder.bands:
            low: Decimal | None = None
            high: Decimal | None = None
            low_closed = high_closed = True
            for bound in band.bounds:
                value = bound.low.value if isinstance(bound, ast.Between) else bound.percent.value
                if isinstance(bound, ast.Between):
                    low, high = bound.low.value, bound.high.value
                    self.bound_range(bound.low)
                    self.bound_range(bound.high)
                else:
                    self.bound_range(bound.percent)
                    if isinstance(bound, (ast.Above, ast.AtLeast)):
                        low, low_closed = value, isinstance(bound, ast.AtLeast)
                    else:
                        high, high_closed = value, isinstance(bound, ast.AtMost)
            amount = self.amount(band.amount)
            kinds.add((amount.kind, amount.currency))
            modelled = model.Band(low, low_closed, high, high_closed, amount, _cite(band.citation), span=band.span)
            if (
                low is not None
                and high is not None
                and (low > high or (low == high and not (low_closed and high_closed)))
            ):
                self.report(
                    "E0212",
                    "no value can fall in this band",
                    band.span,
                    "empty band",
                    help="the lower bound must come before the upper one",
                )
                continue
            bands.append(modelled)
        if len(kinds) > 1:
            self.report(
                "E0214",
                f"ladder `{ladder.name.text}` mixes kinds of amount",
                ladder.name.span,
                "mixed amounts",
                help="use one of credits, `% of fee` or one currency in every band",
            )
        else:
            self.check_coverage(ladder, bands)
        return model.Ladder(ladder.name.text, ladder.measure.text, tuple(bands), _cite(ladder.citation))

    def bound_range(self, percent: ast.Percent) -> None:
        if not Decimal(0) <= percent.value <= Decimal(100):
            self.report("W0209", f"no availability can be {percent.value}%", percent.span, "outside 0-100%")

    def check_coverage(self, ladder: ast.Ladder, bands: list[model.Band]) -> None:
        """Gaps, overlaps and unreachable bands over 0%..100%, as `ladder_coverage` finds them."""
        coverage = ladder_coverage(bands)
        for gap in coverage.gaps:
            self.report(
                "W0201",
                f"no band of `{ladder.name.text}` covers {stretch_text(gap)}",
                ladder.name.span,
                "gap in the bands",
                notes=("a period whose measure falls there earns no credit",),
                help="extend a neighbouring band's bound, or add a band for this range",
            )
        if coverage.overlaps:
            self.check_gap_against_overlaps(ladder, bands, coverage.pieces, coverage.winners)
        for overlap in coverage.overlaps:
            first, second = bands[overlap.first], bands[overlap.second]
            shared = ", ".join(stretch_text(where) for where in overlap.where)
            higher = bands[overlap.applies]
            assert first.span is not None and second.span is not None
            self.report(
                "W0202",
                f"bands overlap at {shared}",
                second.span,
                "overlaps",
                secondary=(Label(first.span, "this band"),),
                notes=(f"where bands overlap the larger amount applies: {higher.amount}",),
                help="make one bound exclusive (`above`/`below`) to say which band applies",
            )
        for i, band in enumerate(bands):
            if not coverage.reachable[i]:
                assert band.span is not None
                self.report(
                    "W0203",
                    "no value can reach this band",
                    band.span,
                    "unreachable",
                    notes=("every value in it falls in a band with a larger amount, or outside 0-100%",),
                )

    def check_gap_against_overlaps(
        self,
        ladder: ast.Ladder,
        bands: list[model.Band],
        pieces: Sequence[tuple[Decimal, Decimal, bool]],
        winners: Sequence[int | None],
    ) -> None:
        """W0212: where bands overlap, the larger amount applies, reading the ladder for the customer; a gap just
        above a band that pays something reads it against them, as a slightly better measure earns nothing while
        a worse one earns that band. The witness is a value inside the gap and the bound of the band below."""
        for piece in range(1, len(pieces)):
            below = winners[piece - 1]
            if winners[piece] is not None or below is None or bands[below].amount.value <= 0:
                continue
            start, end, is_point = pieces[piece]
            inside = start if is_point else (start + end) / 2
            worse = pieces[piece - 1][0] if pieces[piece - 1][2] else (pieces[piece - 1][0] + start) / 2
            band = bands[below]
            assert band.span is not None
            self.report(
                "W0212",
                f"`{ladder.name.text}` reads its overlaps for the customer but its gap against them: "
                f"{_pct(inside)} earns nothing, {_pct(worse)} earns {band.amount}",
                ladder.name.span,
                "gap above a paying band",
                secondary=(Label(band.span, "the band below the gap"),),
                notes=(
                    "where bands overlap the larger amount applies (the table is read against its drafter); a "
                    "measure in a gap earns nothing",
                ),
                help="extend the band below up to the next band, or say in the file's header why the gap stands",
            )

    def check_limits(
        self,
        calendars: dict[str, model.CalendarSpec],
        ladders: tuple[model.Ladder, ...],
        hourly: tuple[model.HourlyCredit, ...],
        flat: tuple[model.FlatCredit, ...],
        downtime: tuple[model.DowntimeCredit, ...],
    ) -> tuple[
        tuple[model.Cap, ...], tuple[model.NoStacking, ...], model.Amount | None, tuple[model.ClaimWindow, ...]
    ]:
        awards = (
            [c.amount for c in hourly]
            + [c.amount for c in flat]
            + [c.unit_amount for c in downtime]
            + [b.amount for ladder in ladders for b in ladder.bands if b.amount.value > 0]
        )
        caps, stacking, claims = [], [], []
        minimum = None
        for item in self.items:
            if isinstance(item, ast.Cap):
                self.section = _cite(item.citation)
                cap = self.amount(item.amount)
                if cap.kind == "credits" and cap.value < 1:
                    self.report(
                        "E0213",
                        f"a cap of {cap.value} credits is smaller than one credit",
                        item.amount.span,
                        "less than one credit",
                        help="caps count whole credits; write at least `1 credit`",
                    )
                same_kind = [a for a in awards if (a.kind, a.currency) == (cap.kind, cap.currency)]
                if awards and not same_kind:
                    self.report(
                        "E0214",
                        f"the cap is in {_kind_text(cap)} but no credit is",
                        item.amount.span,
                        "different kind",
                        help="cap the same kind of amount the credits award",
                    )
                smallest = min((a for a in same_kind if a.value > 0), key=lambda a: a.value, default=None)
                if (
                    smallest is not None
                    and cap.value < smallest.value
                    and not (cap.kind == "credits" and cap.value < 1)
                ):
                    self.report(
                        "W0207",
                        f"the cap ({cap}) is smaller than one award ({smallest})",
                        item.span,
                        "cap below one award",
                        notes=("every such award will be clipped by the cap",),
                    )
                period = cast(model.PeriodUnit, item.period.unit)
                most = _most_awarded(
                    cap,
                    period,
                    ladders=ladders,
                    hourly=hourly,
                    flat=flat,
                    downtime=downtime,
                    measured=self.availability_periods,
                )
                if most is not None and most < cap.value:
                    self.report(
                        "W0213",
                        f"no awards can reach the cap ({cap}): at most {replace(cap, value=most)} in a "
                        f"calendar {period}",
                        item.span,
                        "never reached",
                        notes=(
                            "the most every credit of this kind can award in one period, counting each ladder's "
                            "largest band once per period it measures, is below the cap",
                        ),
                        help="check the cap's amount and period against the contract",
                    )
                caps.append(model.Cap(cap, period, _cite(item.citation)))
            elif isinstance(item, ast.NoStacking):
                stacking.append(model.NoStacking(cast(model.PeriodUnit, item.period.unit), _cite(item.citation)))
            elif isinstance(item, ast.Minimum):
                self.section = _cite(item.citation)
                minimum = self.amount(item.amount)
                self.minimum_span = item.span
            elif isinstance(item, ast.ClaimWindow):
                self.section = _cite(item.citation)
                if item.kind == "report":
                    calendar = self.one_place_calendar(
                        item.calendar, calendars, "outages are measured", "reported in time or late for all alike"
                    )
                else:
                    calendar = self.check_calendar_ref(item.calendar, calendars)
                if calendar is not None:
                    claims.append(
                        model.ClaimWindow(
                            cast(Any, item.kind),
                            item.days,
                            calendar,
                            cast(Any, item.edge),
                            _cite(item.citation),
                            span=item.span,
                        )
                    )
        self.section = None
        return tuple(caps), tuple(stacking), minimum, tuple(claims)

    # -- incidents not held to targets --------------------------------------------------------------------

    def check_incident_exclusions(self, targets: tuple[model.Target, ...]) -> tuple[model.IncidentExclusion, ...]:
        """`exclude incidents tagged ...`: each tag excluded once for a kind (E0227), and each kind named one the
        agreement sets a target of (W0218: the exclusion would change nothing)."""
        found: list[model.IncidentExclusion] = []
        seen: dict[tuple[str, model.TargetKind], ast.Name] = {}
        set_kinds = {t.kind for t in targets}
        for item in self.of(ast.ExcludeIncidents):
            self.section = _cite(item.citation)
            kinds = cast(frozenset[model.TargetKind], frozenset(item.kinds))
            for kind in sorted(kinds - set_kinds):
                self.report(
                    "W0218",
                    f"incidents are excluded from {kind} targets, but the agreement sets none",
                    item.span,
                    "no such target",
                    help="name the kinds of target the contract excuses, or remove the line",
                )
            covered = kinds or frozenset(_TARGET_KINDS)
            for tag in item.tags:
                again = next((seen[tag.text, k] for k in sorted(covered) if (tag.text, k) in seen), None)
                if again is not None:
                    self.report(
                        "E0227",
                        f"incidents tagged `{tag.text}` are excluded twice from one kind of target",
                        tag.span,
                        "again",
                        secondary=(Label(again.span, "first excluded here"),),
                        help="name each tag once for each kind of target",
                    )
                seen.update({(tag.text, k): tag for k in covered})
                found.append(model.IncidentExclusion(tag.text, kinds, _cite(item.citation)))
        self.section = None
        return tuple(found)

    # -- completeness ------------------------------------------------------------------------------------

    def check_completeness(self, targets: tuple[model.Target, ...]) -> None:
        covered = {code.text for t in self.of(ast.Target) for code in t.severities}
        for severity in self.of(ast.Severity):
            if severity.code.text not in covered:
                self.report(
                    "W0204",
                    f"severity `{severity.code.text}` has no target",
                    severity.code.span,
                    "no target",
                    section=_cite(severity.citation),
                    help="add a target for it, or say in a comment why the contract sets none",
                )
        for item in self.items:
            if item.citation is None and not _cited_inside(item):
                keyword = _KEYWORD.get(type(item)) or str(getattr(item, "kind", ""))
                self.report(
                    "W0205",
                    f"this {_clause_word(item)} cites no section of the contract",
                    _first_line(item.span, keyword),
                    "no `§`",
                    section=None,
                    help='end the line with the section it encodes, like `§ 5.1` or `§ "Definitions"`',
                )


def _cited_inside(item: ast.Item) -> bool:
    inner: Iterable[Any] = getattr(item, "rules", ()) or getattr(item, "bands", ()) or getattr(item, "fields", ())
    return any(getattr(rule, "citation", None) is not None for rule in inner)


def _clause_word(item: ast.Item) -> str:
    return {
        ast.Agreement: "header",
        ast.Calendar: "calendar",
        ast.Severity: "severity",
        ast.Plan: "plan",
        ast.AddOn: "add-on",
        ast.Target: "target",
        ast.Clock: "clock block",
        ast.Kpi: "KPI",
        ast.Availability: "availability commitment",
        ast.Ladder: "credit ladder",
        ast.HourlyCredit: "credit",
        ast.FlatCredit: "credit",
        ast.DowntimeCredit: "credit",
        ast.Cap: "cap",
        ast.NoStacking: "no-stacking rule",
        ast.Minimum: "minimum",
        ast.ClaimWindow: "window",
        ast.ExcludeIncidents: "exclusion",
    }[type(item)]


def _first_line(span: Span, keyword: str) -> Span:
    """The clause's first word: the smallest span that still says which clause is meant."""
    return Span(
        span.file,
        span.start,
        span.start + len(keyword),
        span.line,
        span.column,
        span.line,
        span.column + len(keyword),
    )


_TARGET_KINDS: tuple[model.TargetKind, ...] = ("response", "restore", "resolution", "update")

_KEYWORD = {
    ast.Agreement: "agreement",
    ast.Calendar: "calendar",
    ast.Severity: "severity",
    ast.Plan: "plan",
    ast.AddOn: "add-on",
    ast.Clock: "clock",
    ast.Kpi: "kpi",
    ast.Availability: "availability",
    ast.Ladder: "credit",
    ast.HourlyCredit: "credit",
    ast.FlatCredit: "credit",
    ast.DowntimeCredit: "credit",
    ast.Cap: "cap",
    ast.NoStacking: "no",
    ast.Minimum: "minimum",
    ast.ExcludeIncidents: "exclude",
}


@attrs.frozen
class Stretch:
    """A range of a ladder's measure, from `low` to `high`, each end in it or not; `low == high` is one value."""

    low: Decimal
    high: Decimal
    low_closed: bool
    high_closed: bool


@attrs.frozen
class Overlap:
    """Where two bands (by their index in the ladder, `first` before `second`) both cover the measure, and the
    one of them that applies there: the larger amount, then the earlier band."""

    first: int
    second: int
    where: tuple[Stretch, ...]
    applies: int


@attrs.frozen
class LadderCoverage:
    """How a ladder's bands cover 0%..100%: where none does, where two do, and which bands can ever apply."""

    gaps: tuple[Stretch, ...]
    overlaps: tuple[Overlap, ...]
    reachable: tuple[bool, ...]
    # The pieces the bounds cut 0%..100% into, in order (from, to, is a single value), and the band that applies
    # on each (None: a gap).
    pieces: tuple[tuple[Decimal, Decimal, bool], ...]
    winners: tuple[int | None, ...]


def ladder_coverage(bands: Sequence[model.Band]) -> LadderCoverage:
    """Gaps, overlaps and unreachable bands over 0%..100%, exact at every bound: the one rule behind lint's
    W0201-W0203 and the ladder's drawing in `explain --html`.

    The bounds cut 0%..100% into pieces: each bound, and the open stretch between neighbours. Each band covers
    a run of consecutive pieces, so one sweep over the pieces, adding a band where its run begins and
    dropping it where it ends, knows at every piece which band wins (the largest amount, then the earliest).
    Checking every band at every piece would take bands x pieces steps, quadratic in the ladder."""
    points = sorted(
        {Decimal(0), Decimal(100)}
        | {b.low for b in bands if b.low is not None}
        | {b.high for b in bands if b.high is not None}
    )
    points = [p for p in points if Decimal(0) <= p <= Decimal(100)]
    # Pieces in order: point k is piece 2k, the open stretch between points k and k+1 is piece 2k+1.
    pieces: list[tuple[Decimal, Decimal, bool]] = []  # (from, to, is_point)
    for i, p in enumerate(points):
        pieces.append((p, p, True))
        if i + 1 < len(points):
            pieces.append((p, points[i + 1], False))
    starting: list[list[int]] = [[] for _ in pieces]  # the bands whose run of pieces begins at each piece
    ending: list[list[int]] = [[] for _ in pieces]  # ... and ends at each piece
    for i, band in enumerate(bands):
        begins, ends = _piece_run(band, points)
        if begins <= ends:
            starting[begins].append(i)
            ending[ends].append(i)
    uncovered: list[tuple[Decimal, Decimal, bool, bool]] = []  # (from, to, from_closed, to_closed)
    reachable = [False] * len(bands)
    winners: list[int | None] = []  # the band that applies at each piece
    covering: list[tuple[Decimal, int]] = []  # a heap of (-amount, band) with bands that ended still in it
    active = [False] * len(bands)
    for piece, (start, end, is_point) in enumerate(pieces):
        for i in starting[piece]:
            active[i] = True
            heapq.heappush(covering, (-bands[i].amount.value, i))
        while covering and not active[covering[0][1]]:
            heapq.heappop(covering)
        winner = covering[0][1] if covering else None
        winners.append(winner)
        for i in ending[piece]:
            active[i] = False
        if winner is None:
            if uncovered and uncovered[-1][1] == start and (is_point or uncovered[-1][3]):
                uncovered[-1] = (uncovered[-1][0], end, uncovered[-1][2], is_point)
            else:
                uncovered.append((start, end, is_point, is_point))
            continue
        reachable[winner] = True
    overlaps = _overlaps(pieces, winners, starting, ending, reachable)
    return LadderCoverage(
        tuple(Stretch(*gap) for gap in uncovered),
        tuple(
            Overlap(
                i,
                j,
                tuple(Stretch(low, high, True, True) for low, high, _ in where),
                i if (bands[i].amount.value, -i) >= (bands[j].amount.value, -j) else j,
            )
            for (i, j), where in overlaps.items()
        ),
        tuple(reachable),
        tuple(pieces),
        tuple(winners),
    )


def _piece_run(band: model.Band, points: list[Decimal]) -> tuple[int, int]:
    """The first and last of the pieces (see `ladder_coverage`) that a band covers; first > last when none.

    A bound inside 0%..100% is one of the points; one outside them covers all or none of that side."""
    last_piece = 2 * (len(points) - 1)
    if band.low is None or band.low < points[0]:
        first = 0
    elif band.low > points[-1]:
        return 1, 0
    else:
        k = bisect.bisect_left(points, band.low)
        first = 2 * k if band.low_closed else 2 * k + 1
    if band.high is None or band.high > points[-1]:
        last = last_piece
    elif band.high < points[0]:
        return 1, 0
    else:
        k = bisect.bisect_left(points, band.high)
        last = 2 * k if band.high_closed else 2 * k - 1
    return first, last


def _overlaps(
    pieces: list[tuple[Decimal, Decimal, bool]],
    winners: list[int | None],
    starting: list[list[int]],
    ending: list[list[int]],
    reachable: list[bool],
) -> dict[tuple[int, int], list[tuple[Decimal, Decimal, bool]]]:
    """Where each two bands that can both apply overlap: (earlier band, later band) to the ranges they share
    with the one of them that applies there, in the order the pairs are first met, bands in file order within a
    piece. Adjacent ranges of a pair join (even across a single point where a third band applies).

    A sweep: while the winning band stays the same, a band comes into or leaves the overlap with it in one step;
    only when the winner changes are all the covering bands visited, and each of those starts or ends a range
    that is reported. A band that can never apply is left out: it is reported once, as unreachable."""
    ranges: dict[tuple[int, int], list[tuple[Decimal, Decimal, bool]]] = {}
    first_met: dict[tuple[int, int], tuple[int, int]] = {}
    present: set[int] = set()  # the reachable bands covering the piece at hand
    since: dict[int, Decimal] = {}  # band -> where its overlap with `current`, the winner, began
    current: int | None = None
    previous_end = Decimal(0)

    def close(other: int, began: Decimal, ended: Decimal) -> None:
        assert current is not None
        key = (min(other, current), max(other, current))
        found = ranges.setdefault(key, [])
        if found and found[-1][1] == began:
            found[-1] = (found[-1][0], ended, found[-1][2])
        else:
            found.append((began, ended, True))

    def open_(other: int, value: Decimal, piece: int) -> None:
        assert current is not None
        since[other] = value
        first_met.setdefault((min(other, current), max(other, current)), (piece, other))

    for piece, (start, end, _) in enumerate(pieces):
        arrived = [i for i in starting[piece] if reachable[i]]
        present.update(arrived)
        winner = winners[piece]
        if winner != current:
            for other, began in since.items():
                close(other, began, previous_end)
            since.clear()
            current = winner
            if current is not None:
                for other in sorted(present - {current}):
                    open_(other, start, piece)
        else:
            for other in sorted(arrived):
                if other != current:
                    open_(other, start, piece)
        for i in ending[piece]:
            present.discard(i)
            if i in since:
                close(i, since.pop(i), end)
        previous_end = end
    for other, began in since.items():
        close(other, began, previous_end)
    return {key: ranges[key] for key in sorted(ranges, key=first_met.__getitem__)}


def _most_awarded(
    cap: model.Amount,
    period: model.PeriodUnit,
    *,
    ladders: Iterable[model.Ladder],
    hourly: Sequence[model.HourlyCredit],
    flat: Sequence[model.FlatCredit],
    downtime: Sequence[model.DowntimeCredit],
    measured: dict[str, model.PeriodUnit],
) -> Decimal | None:
    """The most the credits of a cap's kind can award in one of its periods, or None when that has no bound
    (credits per late hour or per missed target, one for each incident, or per hour of downtime) or is not a
    fixed amount (a share of a fee, which each customer's fee sets)."""
    if cap.kind == "fee_share":
        return None
    same = {(cap.kind, cap.currency)}
    if any((c.amount.kind, c.amount.currency) in same for c in hourly):
        return None
    if any((c.unit_amount.kind, c.unit_amount.currency) in same for c in downtime):
        return None
    if any((c.amount.kind, c.amount.currency) in same and not isinstance(c.missed, str) for c in flat):
        return None
    months = {"month": 1, "quarter": 3, "year": 12}

    def times(commitment: str) -> int:
        each = months[measured.get(commitment, "month")]
        return max(1, months[period] // each)

    most = Decimal(0)
    for credit in flat:
        if (credit.amount.kind, credit.amount.currency) in same and isinstance(credit.missed, str):
            most += credit.amount.value * times(credit.missed)
    for ladder in ladders:
        largest = max(
            (b.amount.value for b in ladder.bands if (b.amount.kind, b.amount.currency) in same), default=None
        )
        if largest is not None:
            most += largest * times(ladder.measure)
    return most


def _meet(ours: tuple[str, ...], theirs: tuple[str, ...]) -> tuple[str, ...] | None:
    """What two scopes of one kind share (an empty scope is every value): None when they share nothing, and
    the empty tuple when both are every value."""
    if not ours or not theirs:
        return ours or theirs
    shared = tuple(value for value in ours if value in theirs)
    return shared or None


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60 % 24:02d}:{minutes % 60:02d}" if minutes != 1440 else "24:00"


def _pct(value: Decimal) -> str:
    return f"{value.normalize():f}%"


def stretch_text(stretch: Stretch) -> str:
    """A range of the measure in the contract's words: `exactly 98%`, `above 98.9% and at most 99%`."""
    if stretch.low == stretch.high:
        return f"exactly {_pct(stretch.low)}"
    low = f"{'at least' if stretch.low_closed else 'above'} {_pct(stretch.low)}"
    high = f"{'at most' if stretch.high_closed else 'below'} {_pct(stretch.high)}"
    return f"{low} and {high}"


def _kind_text(amount: model.Amount) -> str:
    return {"credits": "credits", "fee_share": "% of fee", "money": str(amount.currency)}[amount.kind]


def _never_zero(expr: ast.Expr, bound: dict[str, str]) -> bool:
    """Whether a divisor is never zero: a number other than 0, the period's length, or a product of those."""
    if isinstance(expr, ast.Number):
        return expr.value != 0
    if isinstance(expr, ast.Variable):
        return bound.get(expr.name.text) == "period_minutes"
    if isinstance(expr, ast.Mul):
        return _never_zero(expr.left, bound) and _never_zero(expr.right, bound)
    return False


def _union(intervals: Iterable[model.Interval]) -> tuple[model.Interval, ...]:
    """A day's openings in order, those that overlap made one (W0208 warns of them; the union is what counts),
    so an opening written a thousand times is compiled once."""
    merged: list[model.Interval] = []
    for interval in sorted(intervals, key=lambda i: (i.start, i.end)):
        if merged and interval.start < merged[-1].end:
            if interval.end > merged[-1].end:
                merged[-1] = model.Interval(merged[-1].start, interval.end)
        else:
            merged.append(interval)
    return tuple(merged)
