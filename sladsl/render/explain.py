"""An agreement in plain English, for a lawyer to tick off against the contract: Markdown or self-contained HTML.

Every rule becomes a sentence (ladders become tables) that names its `§` citation and its line in the `.sla`
file. The file's own comments, where the author states the readings chosen for ambiguous clauses, are printed
as they are; so are the checker's warnings. Holiday calendars list their actual closed dates for a given year.
The HTML page also draws each calendar's week and each credit ladder (`pictures`), and links every `line N` to
that line of the highlighted source.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Collection, Iterable, Mapping

import attrs

from sladsl import model
from sladsl.language import ast, formatter
from sladsl.language.checker import LadderCoverage, ladder_coverage
from sladsl.model import Checked
from sladsl.render import pictures
from sladsl.render.escape import markdown, visible
from sladsl.render.words import rounded_to
from sladsl.time.calendar import week_openings
from sladsl.time.holidays import holiday_names
from sladsl.time.zones import has_summer_time

_KIND = {"response": "Response", "restore": "Restoration", "resolution": "Resolution", "update": "Updates"}


@attrs.frozen
class Heading:
    level: int
    text: str


@attrs.frozen
class Paragraph:
    text: str


@attrs.frozen
class Bullets:
    items: tuple[str, ...]


@attrs.frozen
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@attrs.frozen
class Quote:
    lines: tuple[str, ...]


@attrs.frozen
class Closure:
    """A date a calendar is closed on, and why: a holiday's name, or the rule that closes it."""

    day: dt.date
    name: str
    reopened: bool  # the calendar opens it after all, with hours of its own

    def text(self) -> str:
        return f"{self.day:%a %d %B}: {self.name}" + (" (but opened by the calendar)" if self.reopened else "")


@attrs.frozen
class Closures:
    """The dates a calendar is closed on in the year explained, as a list."""

    calendar: str
    items: tuple[Closure, ...]


@attrs.frozen
class Week:
    """A calendar's open hours in an ordinary week, drawn in HTML as a grid. The Markdown has them as rules."""

    calendar: str
    zone: str | None  # None: each customer's own
    days: tuple[tuple[model.Interval, ...], ...]  # Monday first, as `week_openings` gives them


@attrs.frozen
class LadderChart:
    """A credit ladder and how its bands cover the measure, drawn in HTML as a step chart. The Markdown has the
    table and lint's warnings."""

    ladder: model.Ladder
    coverage: LadderCoverage


Block = Heading | Paragraph | Bullets | Table | Quote | Closures | Week | LadderChart


def explain(document: ast.Document, checked: Checked, year: int) -> list[Block]:
    """The blocks of the plain-language rendering; `year` picks the holiday dates to list."""
    return _Explainer(document, checked, year).run()


def where(node: object, cited: ast.Citation | None) -> str:
    span = getattr(node, "span", None)
    place = f"line {span.line}" if span is not None else ""
    if cited is None:
        return f"({place}; no section cited)"
    return f"({cited.label}, {place})"


def _duration(d: ast.Duration) -> str:
    """The duration in the unit the author wrote: `8 hours`, `1 working day`."""
    unit = d.unit if d.amount != 1 else d.unit.rstrip("s")
    return f"{d.amount} {unit}"


def _severities(names: tuple[ast.Name, ...]) -> str:
    codes = [f"`{n.text}`" for n in names]
    text = codes[0] if len(codes) == 1 else ", ".join(codes[:-1]) + f" and {codes[-1]}"
    return f"severit{'y' if len(codes) == 1 else 'ies'} {text}"


def _plans(names: tuple[ast.Name, ...], add_ons: Collection[str] = ()) -> str:
    """` under plan `standard``, ` under add-on `round_the_clock``: whose target it is."""
    if not names:
        return ""
    plans = [f"`{n.text}`" for n in names if n.text not in add_ons]
    extras = [f"`{n.text}`" for n in names if n.text in add_ons]
    parts = []
    if plans:
        parts.append("plan" + ("s " if len(plans) > 1 else " ") + _and(plans))
    if extras:
        parts.append("add-on" + ("s " if len(extras) > 1 else " ") + _and(extras))
    return " under " + " and ".join(parts)


def closing_time(spec: model.CalendarSpec | None) -> str | None:
    """`17:00` when every open day of the calendar's week closes then (and none runs past midnight)."""
    if spec is None:
        return None
    ends = {day[-1].end for day in spec.weekly if day}
    if len(ends) != 1:
        return None
    end = ends.pop()
    return formatter.hhmm(end) if end < 1440 else None


def _always_open(spec: model.CalendarSpec) -> bool:
    whole = (model.Interval(0, 1440),)
    closes = spec.holidays or spec.closed_dates or spec.closed_annual or spec.opened
    return not closes and all(day == whole for day in spec.weekly)


def _day_length(spec: model.CalendarSpec | None) -> str:
    """`8 hours 30 minutes`: the open time of one of the calendar's days (the checker made them all alike)."""
    minutes = next((sum(i.end - i.start for i in day) for day in spec.weekly if day), 0) if spec else 0
    hours, rest = divmod(minutes, 60)
    parts = [f"{hours} hour{'s' if hours != 1 else ''}"] if hours else []
    parts += [f"{rest} minute{'s' if rest != 1 else ''}"] if rest else []
    return " ".join(parts) or "the hours"


def deadline_text(
    d: ast.Deadline, after: ast.After | None, calendars: Mapping[str, model.CalendarSpec] | None = None
) -> str:
    """A deadline as a lawyer would read it aloud, in the units the author wrote; `calendars` (when known) let
    it name the hour a business day closes."""
    since = f"the {after.kind} deadline passes" if after else "the clock starts"
    on = f"on which the {after.kind} deadline passes" if after else "on which the clock starts"
    spec = (calendars or {}).get(d.calendar.text) if d.calendar is not None else None
    if isinstance(d, (ast.Within, ast.Every)):
        if isinstance(d, ast.Within):
            amount = f"within {_duration(d.duration)}"
        elif (d.duration.amount, d.duration.unit) == (1, "hour"):
            amount = "at least once every hour"
        else:
            amount = f"at least once every {_duration(d.duration)}"
        tail = f" after {since}" if isinstance(d, ast.Within) else ""
        if d.calendar is None:
            return f"{amount}{tail}, counted around the clock"
        if spec is not None and _always_open(spec):
            return f"{amount} of `{d.calendar.text}`{tail}: that calendar is always open, so around the clock"
        day = (
            f" (one working day being its {_day_length(spec)} of open time)"
            if d.duration.unit.startswith("working")
            else ""
        )
        return f"{amount} of `{d.calendar.text}`{day}{tail}, counting only the time that calendar is open"
    closes = closing_time(spec)
    close = f"the close ({closes})" if closes else "the close"
    moment = f"a {after.kind} deadline that passes" if after else "a clock that starts"
    late = f"; {moment} at or after closing time, or on a closed day, counts from the next business day"
    if isinstance(d, ast.WithinDays):
        if d.counting == "same":
            return (
                f"by {close} of the {_ordinal(d.count)} business day of `{d.calendar.text}`, counting the "
                f"business day {on} as the first{late}"
            )
        days = "business day" if d.count == 1 else f"{_ordinal(d.count)} business day"
        return f"by {close} of the {days} of `{d.calendar.text}` after the day {on}"
    if d.which == "same":
        return f"by {close} of the business day of `{d.calendar.text}` {on}{late}"
    return f"by {close} of the next business day of `{d.calendar.text}` after the one {on}{late}"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _amount(a: ast.Amount) -> str:
    return formatter.amount(a)


def _bound(b: ast.Bound) -> str:
    return formatter.bound(b)


def calendar_rule_text(rule: ast.CalendarRule) -> str:
    """One opening rule of a calendar as a sentence: `Open Monday to Friday, 08:00-17:00.`"""
    if isinstance(rule, ast.WeeklyHours):
        hours = ", ".join(formatter.hours(h) for h in rule.hours)
        overnight = " (ending the next morning)" if any(h.end > 1440 for h in rule.hours) else ""
        return f"Open {days_text(rule.days)}, {hours}{overnight}."
    if isinstance(rule, ast.OpenAlways):
        return "Open around the clock, every day of the year."
    if isinstance(rule, ast.ClosedHolidays):
        extra = f", subdivision {rule.subdivision.value}" if rule.subdivision else ""
        if not rule.categories:
            return f"Closed on the public holidays of {rule.country.text}{extra}."
        kinds = _and([f"`{c.text}`" for c in rule.categories])
        which = "category" if len(rule.categories) == 1 else "categories"
        filed = f"that the `holidays` package files under {which} {kinds}"
        return f"Closed on the holidays of {rule.country.text}{extra} {filed}."
    if isinstance(rule, ast.CustomerHolidays):
        if not rule.categories:
            return "Closed on the public holidays of each customer's country (and subdivision), from its record."
        kinds = _and([f"`{c.text}`" for c in rule.categories])
        which = "category" if len(rule.categories) == 1 else "categories"
        return (
            "Closed on the holidays of each customer's country (and subdivision), from its record, that the "
            f"`holidays` package files under {which} {kinds}."
        )
    if isinstance(rule, ast.CustomerZone):
        return "Its hours are each customer's local time, in the zone its record names."
    if isinstance(rule, ast.ClosedDays):
        return "Closed on " + ", ".join(_day(d) for d in rule.days) + "."
    if isinstance(rule, ast.OpenDays):
        dates = ", ".join(f"{d.value:%d %B %Y}" for d in rule.dates)
        return f"On {dates}, open " + ", ".join(formatter.hours(h) for h in rule.hours) + " instead."
    return f"Its own zone is `{rule.name.text}`."


def days_text(d: ast.Days) -> str:
    if isinstance(d, ast.EveryDay):
        return "every day"
    if isinstance(d, ast.DayRange):
        return f"{d.first.capitalize()} to {d.last.capitalize()}"
    return ", ".join(x.capitalize() for x in d.days)


def _day(d: ast.Date | ast.AnnualDate) -> str:
    if isinstance(d, ast.AnnualDate):
        return f"{d.day} {dt.date(2024, d.month, 1):%B} every year"
    return f"{d.value:%d %B %Y}"


def closures(spec: model.CalendarSpec, year: int) -> list[Closure] | None:
    """The dates in `year` a calendar is closed on, in order, each with its holiday's name; None if the calendar
    closes on no date at all."""
    if not (spec.holidays or spec.closed_dates or spec.closed_annual):
        return None
    found: dict[dt.date, str] = {}
    for source in spec.holidays:
        for day, name in holiday_names(source, year):
            found.setdefault(day, name)
    for month, day_of_month in spec.closed_annual:
        found.setdefault(dt.date(year, month, day_of_month), "closed every year")
    for closed in spec.closed_dates:
        if closed.year == year:
            found.setdefault(closed, "closed on this date")
    opened = dict(spec.opened)
    return [Closure(day, name, day in opened) for day, name in sorted(found.items())]


def closed_dates(spec: model.CalendarSpec, year: int) -> list[str] | None:
    """The dates in `year` a calendar is closed on, each with its holiday's name; None if it closes on none."""
    found = closures(spec, year)
    return None if found is None else [closure.text() for closure in found]


def weekly_hours(spec: model.CalendarSpec) -> list[tuple[str, str]]:
    """A calendar's week, Monday first: (the day, its open hours, or `closed`)."""
    return [
        (
            day.capitalize(),
            ", ".join(f"{formatter.hhmm(i.start)}-{formatter.hhmm(i.end)}" for i in hours) or "closed",
        )
        for day, hours in zip(ast.WEEKDAYS, spec.weekly, strict=True)
    ]


def target_sentence(
    node: ast.Target,
    calendars: Mapping[str, model.CalendarSpec] | None = None,
    add_ons: Collection[str] = (),
) -> str:
    """A target in plain English: `Response for severity `A`: within 2 hours of `core_hours` after ...`"""
    return (
        f"{_KIND[node.kind]} for {_severities(node.severities)}{_plans(node.plans, add_ons)}: "
        f"{deadline_text(node.deadline, node.after, calendars)}."
    )


def ladder_rows(node: ast.Ladder) -> list[tuple[str, str]]:
    """A credit ladder's bands: (the range of the measure, the amount)."""
    return [(" and ".join(_bound(b) for b in band.bounds), _amount(band.amount)) for band in node.bands]


def credit_sentence(node: object, add_ons: Collection[str] = ()) -> str:
    """A credit, cap, minimum or claim window as a sentence."""
    if isinstance(node, ast.HourlyCredit):
        how = {"started": "each started hour", "whole": "each whole hour"}.get(
            node.rounding or "", "each whole hour (the agreement does not say how part hours count)"
        )
        t = node.target
        return (
            f"Credit `{node.name.text}`: {_amount(node.amount)} for {how} that a {t.kind} for "
            f"{_severities(t.severities)}{_plans(t.plans, add_ons)} is late, counted on that target's clock."
        )
    if isinstance(node, ast.FlatCredit):
        missed = node.missed
        what = (
            f"availability `{missed.name.text}` is missed in a period"
            if isinstance(missed, ast.CommitmentRef)
            else f"a {missed.kind} for {_severities(missed.severities)}{_plans(missed.plans, add_ons)} is missed"
        )
        return f"Credit `{node.name.text}`: {_amount(node.amount)} each time {what}."
    if isinstance(node, ast.DowntimeCredit):
        return downtime_sentence(node)
    if isinstance(node, ast.Cap):
        return f"All credits together are capped at {_amount(node.amount)} per calendar {node.period.unit}."
    if isinstance(node, ast.NoStacking):
        return f"Within one calendar {node.period.unit}, only the largest award stands."
    if isinstance(node, ast.Minimum):
        return f"Awards smaller than {_amount(node.amount)} are not issued."
    assert isinstance(node, ast.ClaimWindow)
    edge = "starts" if node.edge == "starts" else "ends"
    if node.kind == "claim":
        return (
            f"A credit must be claimed within {node.days} business days of calendar "
            f"`{node.calendar.text}` after the failure {edge}; a late claim voids it."
        )
    return (
        f"A failure must be reported within {node.days} business days of calendar "
        f"`{node.calendar.text}` after it {edge}."
    )


def exclusion_sentence(node: ast.ExcludeIncidents) -> str:
    """`Incidents tagged `force_majeure` are not held to response or resolution targets: ...`"""
    tags = " or ".join(f"`{t.text}`" for t in node.tags)
    kinds = " or ".join(node.kinds) + " targets" if node.kinds else "any target"
    return (
        f"An incident tagged {tags} is not held to {kinds}: those targets are shown, but are neither met nor "
        "missed, earn no credit and do not count towards a KPI."
    )


def downtime_sentence(node: ast.DowntimeCredit) -> str:
    """A credit for downtime as a sentence: what a missed period earns for the downtime it counted."""
    measure = node.measure.text
    if node.amount is not None:
        how = {"started": "each started hour", "whole": "each whole hour"}.get(
            node.rounding or "", "each whole hour (the agreement does not say how part hours count)"
        )
        pay = f"{_amount(node.amount)} for {how} of downtime that `{measure}` counted"
    else:
        times = "the fee" if node.multiple in (None, 1) else f"{node.multiple.normalize():f} times the fee"
        pay = (
            f"{times} for the time the service was down: the period's fee times the downtime `{measure}` counted, "
            "over the length of the period"
        )
    rounded = " The award is not rounded (the agreement does not say how)."
    if node.rounded is not None:
        how = {None: "half up", "half up": "half up", "down": "down", "up": "up"}[node.rounded.mode]
        rounded = f" The award is {rounded_to(how, node.rounded.places)}."
    elif node.amount is not None:
        rounded = ""
    return (
        f"Credit `{node.name.text}`: for each period in which availability `{measure}` is missed, {pay}.{rounded}"
    )


class _Explainer:
    def __init__(self, document: ast.Document, checked: Checked, year: int) -> None:
        self.document = document
        self.checked = checked
        self.agreement = checked.agreement
        self.year = year
        self.blocks: list[Block] = []
        self.notes = self.comment_notes()
        self.add_on_names = frozenset(p.name for p in self.agreement.add_ons)

    def comment_notes(self) -> dict[int, list[str]]:
        """Comments that belong to a clause: on its line, or on the lines just above it (header notes aside)."""
        first = self.document.items[0].span.line if self.document.items else 0
        by_line = {c.span.line: c for c in self.document.comments if c.span.line >= first}
        clause_lines = {item.span.line for item in self.document.items}
        for item in self.document.items:
            for child in (*getattr(item, "rules", ()), *getattr(item, "bands", ()), *getattr(item, "fields", ())):
                clause_lines.add(child.span.line)
        found: dict[int, list[str]] = {}
        for line in sorted(clause_lines):
            texts: list[str] = []  # gathered upwards, then turned round: inserting at the front is quadratic
            above = line - 1
            while above in by_line and above not in clause_lines and by_line[above].span.column <= 9:
                texts.append(by_line[above].text.strip())
                above -= 1
            texts.reverse()
            if line in by_line:
                texts.append(by_line[line].text.strip())
            if texts:
                found[line] = texts
        return found

    def at(self, node: object, cited: ast.Citation | None) -> str:
        """`where`, followed by the file's own notes on that clause, quoted."""
        text = where(node, cited)
        span = getattr(node, "span", None)
        notes = self.notes.get(span.line, []) if span is not None else []
        return text + "".join(f' Note in the file: "{note}"' for note in notes)

    def add(self, *blocks: Block) -> None:
        self.blocks.extend(blocks)

    def of(self, kind: type) -> list[object]:
        return [i for i in self.document.items if isinstance(i, kind)]

    def run(self) -> list[Block]:
        self.header()
        self.readings()
        self.calendars()
        self.severities_and_plans()
        self.clock()
        self.targets()
        self.availability()
        self.credits()
        self.warnings()
        return self.blocks

    def header(self) -> None:
        a = self.agreement
        self.add(Heading(1, a.title))
        facts = []
        if a.provider:
            facts.append(f"Provider: {a.provider}.")
        if a.customer:
            facts.append(f"Customer: {a.customer}.")
        if a.services:
            facts.append("Services covered: " + "; ".join(a.services) + ".")
        if a.effective:
            facts.append(f"In force from {a.effective:%d %B %Y}.")
        if a.zone:
            summer = ", summer time included" if has_summer_time(a.zone, self.year) else ""
            facts.append(f"Times are local times in `{a.zone}`{summer}.")
        for node in self.of(ast.Agreement):
            assert isinstance(node, ast.Agreement)
            facts.append(f"Header {self.at(node, node.citation)}.")
        self.add(Paragraph(" ".join(facts)))

    def readings(self) -> None:
        """The comments before the first clause: the author's readings and what was left unencoded."""
        first = self.document.items[0].span.line if self.document.items else 10**9
        lines = tuple(c.text.rstrip() for c in self.document.comments if c.span.line < first)
        if lines:
            self.add(
                Heading(2, "Readings and notes in the agreement file"),
                Paragraph("The author of the `.sla` file wrote these notes, verbatim:"),
                Quote(tuple(line[1:] if line.startswith(" ") else line for line in lines)),
            )

    def calendars(self) -> None:
        calendars = self.of(ast.Calendar)
        if not calendars:
            return
        self.add(Heading(2, "Calendars"))
        for node in calendars:
            assert isinstance(node, ast.Calendar)
            spec = self.agreement.calendars[node.name.text]
            items = []
            for rule in node.rules:
                text = calendar_rule_text(rule)
                if text:
                    items.append(f"{text} {self.at(rule, rule.citation)}")
            zone = None if spec.zone_of_customer else spec.zone
            where = "in each customer's own zone" if zone is None else f"in `{zone}`"
            self.add(
                Paragraph(f"Calendar `{node.name.text}` {self.at(node, node.citation)}, {where}:"),
                Bullets(tuple(items)),
                Week(spec.name, zone, week_openings(spec)),
            )
            closed = closures(spec, self.year)
            if closed is not None:
                self.add(
                    Paragraph(f"In {self.year}, calendar `{node.name.text}` is closed on:"),
                    Closures(spec.name, tuple(closed)),
                )

    def severities_and_plans(self) -> None:
        severities = self.of(ast.Severity)
        if severities:
            rows = []
            for node in severities:
                assert isinstance(node, ast.Severity)
                rows.append(
                    (
                        f"`{node.code.text}`",
                        node.title,
                        node.description or "",
                        node.citation.label if node.citation else "",
                        str(node.span.line),
                    )
                )
            self.add(
                Heading(2, "Severities"),
                Table(("code", "title", "meaning (paraphrased)", "section", "line"), tuple(rows)),
            )
        plans = self.of(ast.Plan)
        if plans:
            items = []
            for node in plans:
                assert isinstance(node, ast.Plan)
                items.append(
                    f"`{node.name.text}`"
                    + (f": {node.title}" if node.title else "")
                    + f" {self.at(node, node.citation)}"
                )
            self.add(Heading(2, "Plans"), Bullets(tuple(items)))
        add_ons = self.of(ast.AddOn)
        if add_ons:
            items = []
            for node in add_ons:
                assert isinstance(node, ast.AddOn)
                items.append(
                    f"`{node.name.text}`"
                    + (f": {node.title}" if node.title else "")
                    + f" {self.at(node, node.citation)}"
                )
            self.add(
                Heading(2, "Add-ons"),
                Paragraph(
                    "A customer may hold an add-on beside its plan. Every target of the plan still applies, and "
                    "each target set under the add-on applies as well, checked on its own: where both set a "
                    "target for the same severity, each must be met."
                ),
                Bullets(tuple(items)),
            )

    def clock(self) -> None:
        items = []
        for block in self.of(ast.Clock):
            assert isinstance(block, ast.Clock)
            for rule in block.rules:
                cited = rule.citation or block.citation
                if isinstance(rule, ast.StartRule):
                    text = (
                        f"A report made while calendar `{rule.calendar.text}` is closed starts the clock"
                        f"{_scope_words(rule)} when it next opens."
                    )
                elif isinstance(rule, ast.PauseRule):
                    text = "The clock stops while the provider waits on the customer."
                elif isinstance(rule, ast.ChangeRule):
                    text = {
                        "restart": "When the severity changes, the clock starts again from the change.",
                        "keep_elapsed": "When the severity changes, the new severity's targets apply, measured "
                        "from the original clock start.",
                        "retroactive": "When the severity changes, the final severity applies from the start.",
                    }[rule.mode]
                else:
                    text = (
                        f"After a {rule.kind}, severity `{rule.source.text}` becomes severity "
                        f"`{rule.target.text}`."
                    )
                items.append(f"{text} {self.at(rule, cited)}")
        if self.agreement.clock.start_calendar is None:
            if self.agreement.clock.scoped:
                items.append("For every other target, the clock starts when the incident is reported.")
            else:
                items.insert(0, "The clock starts when the incident is reported.")
        self.add(Heading(2, "How the clock runs"))
        for block in self.of(ast.Clock):
            assert isinstance(block, ast.Clock)
            self.add(Paragraph(f"Clock rules {self.at(block, block.citation)}:"))
        self.add(Bullets(tuple(items)))

    def targets(self) -> None:
        targets = self.of(ast.Target)
        kpis = self.of(ast.Kpi)
        if not targets and not kpis:
            return
        items = []
        for node in targets:
            assert isinstance(node, ast.Target)
            sentence = target_sentence(node, self.agreement.calendars, self.add_on_names)
            if self.anchored_at_close(node):
                assert node.after is not None
                sentence += (
                    f" The {node.after.kind} deadline always falls at closing time, so this is the close of the "
                    "following business day."
                )
            items.append(f"{sentence} {self.at(node, node.citation)}")
        for node in kpis:
            assert isinstance(node, ast.Kpi)
            items.append(
                f"At least {formatter.percent(node.percent)} of {node.kind} targets for "
                f"{_severities(node.severities)}{_plans(node.plans, self.add_on_names)} must be met each calendar "
                f"{node.period.unit}. {self.at(node, node.citation)}"
            )
        for node in self.of(ast.ExcludeIncidents):
            assert isinstance(node, ast.ExcludeIncidents)
            items.append(f"{exclusion_sentence(node)} {self.at(node, node.citation)}")
        self.add(Heading(2, "Targets"), Bullets(tuple(items)))
        covered = {t.severity for t in self.agreement.targets}  # once, not once per severity
        uncovered = [s.code for s in self.agreement.severities if s.code not in covered]
        if uncovered:
            self.add(Paragraph("No target is set for " + ", ".join(f"`{c}`" for c in uncovered) + "."))

    def anchored_at_close(self, node: ast.Target) -> bool:
        """Whether a same-day target counted from another's deadline always lands on the next business day: every
        target it counts from, for its severities, falls due at a close of business of the same calendar."""
        d = node.deadline
        if node.after is None or not isinstance(d, ast.ByDayEnd) or d.which != "same":
            return False
        codes = {c.text for c in node.severities}
        anchors = [
            t
            for t in self.of(ast.Target)
            if isinstance(t, ast.Target) and t.kind == node.after.kind and codes & {c.text for c in t.severities}
        ]
        return bool(anchors) and all(
            isinstance(t.deadline, (ast.ByDayEnd, ast.WithinDays)) and t.deadline.calendar.text == d.calendar.text
            for t in anchors
        )

    def availability(self) -> None:
        for node in self.of(ast.Availability):
            assert isinstance(node, ast.Availability)
            self.add(
                Heading(2, f"Availability: `{node.name.text}`"),
                Paragraph(
                    f"Availability must be at least {formatter.percent(node.percent)} each calendar "
                    f"{node.period.unit}, measured around the clock. {self.at(node, node.citation)}"
                ),
            )
            items = []
            for rule in node.rules:
                cited = rule.citation or node.citation
                if isinstance(rule, ast.Exclude):
                    tags = ", ".join(f"`{t.text}`" for t in rule.tags)
                    items.append(f"Outages tagged {tags} do not count. {self.at(rule, cited)}")
                elif isinstance(rule, ast.ExcludeMaintenance):
                    conditions = []
                    budget = ""
                    for condition in rule.conditions:
                        if isinstance(condition, ast.Notice):
                            ahead = condition.duration
                            conditions.append(
                                "if announced before it begins"
                                if ahead is None
                                else f"if announced at least {_duration(ahead)} ahead"
                            )
                        elif isinstance(condition, ast.Budget):
                            budget = (
                                f", for up to {_duration(condition.duration)} in each calendar "
                                f"{condition.period.unit} (the earliest first); maintenance beyond that counts as "
                                "downtime"
                            )
                        else:
                            conditions.append(f"for the part outside calendar `{condition.calendar.text}`")
                    text = " ".join(["Planned maintenance does not count", *conditions]) + budget
                    items.append(f"{text}. {self.at(rule, cited)}")
                elif isinstance(rule, ast.UptimeRounding):
                    how = {None: "half up", "half up": "half up", "down": "down", "up": "up"}[rule.mode]
                    items.append(
                        f"The measured availability is {rounded_to(how, rule.places)} before it is compared with "
                        f"the commitment or read against a ladder. {self.at(rule, cited)}"
                    )
                else:
                    names = {
                        "period_minutes": "the minutes in the period",
                        "downtime_minutes": "the minutes of downtime not excluded by cause",
                        "maintenance_minutes": "the minutes of qualifying planned maintenance",
                        "counted_minutes": "the minutes that count as unavailable",
                    }
                    meaning = "; ".join(f"{b.name.text} is {names[b.measure]}" for b in rule.bindings)
                    items.append(
                        f"Availability is computed as {formatter.expr(rule.expr)}, where {meaning}. "
                        f"{self.at(rule, cited)}"
                    )
            if not any(isinstance(r, ast.Formula) for r in node.rules):
                rounded = any(isinstance(r, ast.UptimeRounding) for r in node.rules)
                items.append(
                    "Availability is (1 - counted minutes / minutes in the period) * 100"
                    + ("." if rounded else ", unrounded.")
                )
            self.add(Bullets(tuple(items)))

    def credits(self) -> None:
        ladders = self.of(ast.Ladder)
        others = [i for i in self.document.items if isinstance(i, ast.CreditLine)]
        if not ladders and not others:
            self.add(Heading(2, "Credits"), Paragraph("The agreement grants no credits or refunds."))
            return
        self.add(Heading(2, "Credits"))
        for node in ladders:
            assert isinstance(node, ast.Ladder)
            self.add(
                Paragraph(
                    f"Credit `{node.name.text}` depends on availability `{node.measure.text}` each period "
                    f"{self.at(node, node.citation)}. Where two bands overlap, the larger amount applies."
                ),
                self.ladder_table(node),
            )
            checked = next((ladder for ladder in self.agreement.ladders if ladder.name == node.name.text), None)
            if checked is not None:
                self.add(LadderChart(checked, ladder_coverage(checked.bands)))
        items = []
        for node in others:
            sentence = credit_sentence(node, self.add_on_names)
            items.append(f"{sentence} {self.at(node, getattr(node, 'citation', None))}")
        if items:
            self.add(Bullets(tuple(items)))

    def ladder_table(self, node: ast.Ladder) -> Table:
        rows = [
            (measure, amount, str(band.span.line), "; ".join(self.notes.get(band.span.line, [])))
            for band, (measure, amount) in zip(node.bands, ladder_rows(node), strict=True)
        ]
        if any(row[3] for row in rows):
            return Table((node.measure.text, "credit", "line", "note in the file"), tuple(rows))
        return Table((node.measure.text, "credit", "line"), tuple(row[:3] for row in rows))

    def warnings(self) -> None:
        if not self.checked.warnings:
            return
        items = [
            f"{d.code}: {d.message} (line {d.span.line})" if d.span else f"{d.code}: {d.message}"
            for d in self.checked.warnings
        ]
        self.add(
            Heading(2, "Warnings from `sladsl lint`"),
            Paragraph("Places where the agreement as written is open to question:"),
            Bullets(tuple(items)),
        )


# ---- renderers --------------------------------------------------------------------------------------------------


def render_markdown(blocks: Iterable[Block]) -> str:
    """The blocks as Markdown. Every text comes, in part, from the agreement, so none may become HTML: outside
    `code` spans (which Markdown shows as they are) `<`, `>` and `&` are written as entities."""
    out: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            out.append(f"{'#' * block.level} {_md(block.text)}")
        elif isinstance(block, Paragraph):
            out.append(_md(block.text))
        elif isinstance(block, Bullets):
            out.append("\n".join(f"- {_md(item)}" for item in block.items))
        elif isinstance(block, Quote):
            out.append("\n".join(f"> {markdown(line)}".rstrip() for line in block.lines))
        elif isinstance(block, Closures):
            out.append("\n".join(f"- {_md(item.text())}" for item in block.items) or "- no dates")
        elif isinstance(block, (Week, LadderChart)):
            continue  # pictures: the rules and the ladder's table above say the same in words
        else:
            cells = [block.header, tuple("---" for _ in block.header), *block.rows]
            out.append(
                "\n".join("| " + " | ".join(_md(c).replace("|", "\\|") for c in row) + " |" for row in cells)
            )
        out.append("")
    return "\n".join(out)


def _md(text: str) -> str:
    """Markdown text with its `code` spans kept as written and the rest escaped."""
    parts = text.split("`")
    return "`".join(visible(p) if i % 2 else markdown(p) for i, p in enumerate(parts))


_CSS = """
body { font: 16px/1.5 Georgia, 'Times New Roman', serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem;
       color: #1d1d1d; overflow-wrap: anywhere; }
h1 { font-size: 1.8rem; border-bottom: 2px solid #333; } h2 { font-size: 1.3rem; margin-top: 2rem; }
code { font: 0.9em Menlo, Consolas, monospace; background: #f2f2f2; padding: 0 0.2em; }
table { border-collapse: collapse; margin: 0.5rem 0; } td, th { border: 1px solid #999; padding: 0.2rem 0.6rem; }
th { background: #eee; text-align: left; overflow-wrap: normal; }
blockquote { border-left: 4px solid #bbb; margin-left: 0; padding-left: 1rem; color: #444; white-space: pre-wrap;
             font-family: Menlo, Consolas, monospace; font-size: 0.74em; }
a { color: #1a4f8a; }
.highlight pre { white-space: pre-wrap; padding: 0.5rem; font: 0.8rem/1.4 Menlo, Consolas, monospace; }
.highlight span[id^="line-"]:target { background: #ffe98a; }
figure { margin: 0.8rem 0 1rem; } figcaption { font-size: 0.85rem; color: #444; }
svg { display: block; max-width: 48rem; font: 11px Menlo, Consolas, monospace; }
svg.week rect.closed { fill: #f4f4f4; } svg.week rect.open { fill: #4f8fd0; }
svg.week line { stroke: #fff; stroke-width: 0.5; } svg.week line.hour { stroke: #c9c9c9; }
svg.week line.six { stroke: #888; stroke-width: 1; } svg.week line.row { stroke: #888; stroke-width: 1; }
svg.week text { fill: #333; }
svg.ladder line.axis, svg.ladder line.tick { stroke: #333; } svg.ladder line.level { stroke: #ddd; }
svg.ladder text { fill: #333; } svg.ladder text.axis { font-style: italic; }
svg.ladder g.step line { stroke: #1a4f8a; stroke-width: 3; }
svg.ladder g.step circle { stroke: #1a4f8a; stroke-width: 2; } svg.ladder circle.in { fill: #1a4f8a; }
svg.ladder circle.out { fill: #fff; } svg.ladder g.unreachable line { stroke-dasharray: 6 4; }
svg.ladder g.gap rect { fill: #d62728; fill-opacity: 0.18; } svg.ladder g.gap line { stroke: #d62728;
  stroke-width: 3; } svg.ladder g.gap text { fill: #b01d1e; font-weight: bold; }
svg.ladder g.overlap rect { fill: #ff9f1c; fill-opacity: 0.3; } svg.ladder g.overlap line { stroke: #ff9f1c;
  stroke-width: 3; } svg.ladder g.overlap text { fill: #a85e00; font-weight: bold; }
ul.closed { columns: 2 18rem; }
"""

_LINE_REFERENCE = re.compile(r"\bline (\d+)(?=[;)])")  # as `where` and the warnings write it: `line 12)`


class _Page:
    """The HTML of each block; `lines` is how many lines the source listing at the end has (0: no listing), so
    a reference to a line becomes a link to it only where there is something to link to."""

    def __init__(self, lines: int) -> None:
        self.lines = lines

    def link(self, line: int) -> str:
        return f"#line-{line}" if 1 <= line <= self.lines else ""

    def inline(self, text: str) -> str:
        """Markdown's `code` spans, escaped, as HTML; outside them, each `line N` a link to that line."""
        parts = html.escape(text).split("`")
        return "".join(f"<code>{p}</code>" if i % 2 else self.linked(p) for i, p in enumerate(parts))

    def linked(self, text: str) -> str:
        def to_line(found: re.Match[str]) -> str:
            href = self.link(int(found.group(1)))
            return f'<a href="{href}">{found.group(0)}</a>' if href else found.group(0)

        return _LINE_REFERENCE.sub(to_line, text)

    def block(self, block: Block) -> str:
        if isinstance(block, Heading):
            return f"<h{block.level}>{self.inline(block.text)}</h{block.level}>"
        if isinstance(block, Paragraph):
            return f"<p>{self.inline(block.text)}</p>"
        if isinstance(block, Bullets):
            return "<ul>" + "".join(f"<li>{self.inline(i)}</li>" for i in block.items) + "</ul>"
        if isinstance(block, Quote):
            return "<blockquote>" + html.escape("\n".join(block.lines)) + "</blockquote>"
        if isinstance(block, Closures):
            return self.closures(block)
        if isinstance(block, Week):
            return self.week(block)
        if isinstance(block, LadderChart):
            return self.ladder(block)
        head = "".join(f"<th>{self.inline(h)}</th>" for h in block.header)
        line_column = block.header.index("line") if "line" in block.header else -1
        rows = "".join(
            "<tr>"
            + "".join(
                f"<td>{self.cell(c) if k == line_column else self.inline(c)}</td>" for k, c in enumerate(row)
            )
            + "</tr>"
            for row in block.rows
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"

    def cell(self, text: str) -> str:
        """A table's `line` cell: the number, linked."""
        href = self.link(int(text)) if text.isdigit() else ""
        return f'<a href="{href}">{html.escape(text)}</a>' if href else html.escape(text)

    def closures(self, block: Closures) -> str:
        items = "".join(
            f'<li data-date="{c.day.isoformat()}" data-name="{html.escape(c.name, quote=True)}"'
            + (' data-reopened="true"' if c.reopened else "")
            + f">{self.inline(c.text())}</li>"
            for c in block.items
        )
        return (
            f'<ul class="closed" data-calendar="{html.escape(block.calendar, quote=True)}">'
            + (items or "<li>no dates</li>")
            + "</ul>"
        )

    def week(self, block: Week) -> str:
        step = pictures.grid_step(block.days)
        columns = f"{step} minutes" if step != 60 else "an hour"
        zone = "customer" if block.zone is None else block.zone
        local = "each customer's local time" if block.zone is None else f"local time in `{block.zone}`"
        return (
            f'<figure class="week" data-calendar="{html.escape(block.calendar, quote=True)}" '
            f'data-zone="{html.escape(zone, quote=True)}">'
            + pictures.week_svg(block.calendar, block.days)
            + "<figcaption>"
            + self.inline(
                f"Calendar `{block.calendar}` in an ordinary week (no holiday and no change of the clocks), in "
                f"{local}; shaded: open. Each column is {columns}."
            )
            + "</figcaption></figure>"
        )

    def ladder(self, block: LadderChart) -> str:
        drawing, words = pictures.ladder_svg(block.ladder, block.coverage, self.link)
        marks = "<ul>" + "".join(f"<li>{w}</li>" for w in words) + "</ul>" if words else ""
        return (
            f'<figure class="ladder" data-ladder="{html.escape(block.ladder.name, quote=True)}">'
            + drawing
            + "<figcaption>"
            + self.inline(
                f"Credit `{block.ladder.name}` by `{block.ladder.measure}`: each band a step at its amount; a "
                "filled dot is a bound the band includes, a hollow one a bound it leaves out."
            )
            + marks
            + "</figcaption></figure>"
        )


def highlight_source(text: str) -> str:
    """The agreement's source, highlighted by the `.sla` Pygments lexer, with line numbers and inline styles;
    each line a `span` with the id `line-N`, the target of the page's references to it."""
    from pygments import highlight  # noqa: PLC0415
    from pygments.formatters import HtmlFormatter  # noqa: PLC0415

    from sladsl.language.lexer import SlaLexer  # noqa: PLC0415

    formatter_ = HtmlFormatter(noclasses=True, linenos="inline", style="friendly", linespans="line")
    return highlight(text, SlaLexer(), formatter_)


def render_html(blocks: Iterable[Block], title: str, source_text: str | None = None) -> str:
    """One self-contained page: inline CSS and SVG, no scripts, no links out; the source, highlighted, at the end,
    and every `line N` in the text a link to that line of it."""
    lines = len(source_text.splitlines()) if source_text is not None else 0
    page = _Page(lines)
    body = [page.block(block) for block in blocks]
    if source_text is not None:
        body.append("<h2>The agreement file</h2>")
        body.append(highlight_source(source_text))
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{html.escape(title)}</title>'
        f"<style>{_CSS}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )


def _scope_words(rule: ast.StartRule) -> str:
    """` of response and update targets for severities 2 and 3`: whom a scoped start rule covers."""
    if not rule.kinds and not rule.severities:
        return ""
    words = ""
    if rule.kinds:
        words += f" of {_and([*rule.kinds])} targets"
    if rule.severities:
        codes = [f"`{code.text}`" for code in rule.severities]
        words += f" for severit{'ies' if len(codes) > 1 else 'y'} {_and(codes)}"
    return words


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
