"""An agreement in plain English, for a lawyer to tick off against the contract: Markdown or self-contained HTML.

Every rule becomes a sentence (ladders become tables) that names its `§` citation and its line in the `.sla`
file. The file's own comments, where the author states the readings chosen for ambiguous clauses, are printed
as they are; so are the checker's warnings. Holiday calendars list their actual closed dates for a given year.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterable

import attrs

from sladsl import model
from sladsl.language import ast, formatter
from sladsl.model import Checked
from sladsl.render.escape import markdown, visible
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


Block = Heading | Paragraph | Bullets | Table | Quote


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
    unit = d.unit if d.amount != 1 else d.unit.rstrip("s")
    return f"{d.amount} {unit}"


def _severities(names: tuple[ast.Name, ...]) -> str:
    codes = [f"`{n.text}`" for n in names]
    text = codes[0] if len(codes) == 1 else ", ".join(codes[:-1]) + f" and {codes[-1]}"
    return f"severit{'y' if len(codes) == 1 else 'ies'} {text}"


def _plans(names: tuple[ast.Name, ...]) -> str:
    if not names:
        return ""
    return " under plan" + ("s " if len(names) > 1 else " ") + ", ".join(f"`{n.text}`" for n in names)


def deadline_text(d: ast.Deadline, after: ast.After | None) -> str:
    since = f"the {after.kind} deadline passes" if after else "the clock starts"
    if isinstance(d, ast.Within):
        if d.calendar is None:
            return f"within {_duration(d.duration)} of calendar time after {since}"
        return f"within {_duration(d.duration)} of open time of calendar `{d.calendar.text}` after {since}"
    if isinstance(d, ast.Every):
        where_ = f" of open time of calendar `{d.calendar.text}`" if d.calendar else " of calendar time"
        return f"at least every {_duration(d.duration)}{where_}"
    if isinstance(d, ast.WithinDays):
        first = "the day after" if d.counting != "same" else "the day"
        return (
            f"by the end of the {_ordinal(d.count)} business day of calendar `{d.calendar.text}`, counting "
            f"from {first} {since}"
        )
    day = f"the first business day of calendar `{d.calendar.text}` not yet over when {since}"
    if d.which == "same":
        return f"by the end of {day}"
    return f"by the end of the business day after {day}"


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
        kinds = ", ".join(c.text for c in rule.categories) or "public"
        return f"Closed on the {kinds} holidays of {rule.country.text}{extra}."
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


def closed_dates(spec: model.CalendarSpec, year: int) -> list[str] | None:
    """The dates in `year` a calendar is closed on, each with its holiday's name; None if it closes on none."""
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
    return [
        f"{day:%a %d %B}: {name}" + (" (but opened by the calendar)" if day in opened else "")
        for day, name in sorted(found.items())
    ]


def weekly_hours(spec: model.CalendarSpec) -> list[tuple[str, str]]:
    """A calendar's week, Monday first: (the day, its open hours, or `closed`)."""
    return [
        (
            day.capitalize(),
            ", ".join(f"{formatter.hhmm(i.start)}-{formatter.hhmm(i.end)}" for i in hours) or "closed",
        )
        for day, hours in zip(ast.WEEKDAYS, spec.weekly, strict=True)
    ]


def target_sentence(node: ast.Target) -> str:
    """A target in plain English: `Response for severity `A`: within 2 hours of open time of ...`"""
    return (
        f"{_KIND[node.kind]} for {_severities(node.severities)}{_plans(node.plans)}: "
        f"{deadline_text(node.deadline, node.after)}."
    )


def ladder_rows(node: ast.Ladder) -> list[tuple[str, str]]:
    """A credit ladder's bands: (the range of the measure, the amount)."""
    return [(" and ".join(_bound(b) for b in band.bounds), _amount(band.amount)) for band in node.bands]


def credit_sentence(node: object) -> str:
    """A credit, cap, minimum or claim window as a sentence."""
    if isinstance(node, ast.HourlyCredit):
        how = {"started": "each started hour", "whole": "each whole hour"}.get(
            node.rounding or "", "each whole hour (the agreement does not say how part hours count)"
        )
        t = node.target
        return (
            f"Credit `{node.name.text}`: {_amount(node.amount)} for {how} that a {t.kind} for "
            f"{_severities(t.severities)}{_plans(t.plans)} is late, counted on that target's clock."
        )
    if isinstance(node, ast.FlatCredit):
        missed = node.missed
        what = (
            f"availability `{missed.name.text}` is missed in a period"
            if isinstance(missed, ast.CommitmentRef)
            else f"a {missed.kind} for {_severities(missed.severities)}{_plans(missed.plans)} is missed"
        )
        return f"Credit `{node.name.text}`: {_amount(node.amount)} each time {what}."
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


class _Explainer:
    def __init__(self, document: ast.Document, checked: Checked, year: int) -> None:
        self.document = document
        self.checked = checked
        self.agreement = checked.agreement
        self.year = year
        self.blocks: list[Block] = []
        self.notes = self.comment_notes()

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
            self.add(
                Paragraph(f"Calendar `{node.name.text}` {self.at(node, node.citation)}, in `{spec.zone}`:"),
                Bullets(tuple(items)),
            )
            closed = closed_dates(spec, self.year)
            if closed is not None:
                self.add(
                    Paragraph(f"In {self.year}, calendar `{node.name.text}` is closed on:"),
                    Bullets(tuple(closed) or ("no dates",)),
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
            items.append(f"{target_sentence(node)} {self.at(node, node.citation)}")
        for node in kpis:
            assert isinstance(node, ast.Kpi)
            items.append(
                f"At least {formatter.percent(node.percent)} of {node.kind} targets for "
                f"{_severities(node.severities)}{_plans(node.plans)} must be met each calendar "
                f"{node.period.unit}. {self.at(node, node.citation)}"
            )
        self.add(Heading(2, "Targets"), Bullets(tuple(items)))
        covered = {t.severity for t in self.agreement.targets}  # once, not once per severity
        uncovered = [s.code for s in self.agreement.severities if s.code not in covered]
        if uncovered:
            self.add(Paragraph("No target is set for " + ", ".join(f"`{c}`" for c in uncovered) + "."))

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
                    for condition in rule.conditions:
                        if isinstance(condition, ast.Notice):
                            ahead = condition.duration
                            conditions.append(
                                "if announced before it begins"
                                if ahead is None
                                else f"if announced at least {_duration(ahead)} ahead"
                            )
                        else:
                            conditions.append(f"for the part outside calendar `{condition.calendar.text}`")
                    text = " ".join(["Planned maintenance does not count", *conditions])
                    items.append(f"{text}. {self.at(rule, cited)}")
                elif isinstance(rule, ast.UptimeRounding):
                    how = {None: "half up", "half up": "half up", "down": "down", "up": "up"}[rule.mode]
                    places = f"{rule.places} decimal{'s' if rule.places != 1 else ''}"
                    items.append(
                        f"The measured availability is rounded {how} to {places} before it is compared with the "
                        f"commitment or read against a ladder. {self.at(rule, cited)}"
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
        others = [
            i
            for i in self.document.items
            if isinstance(
                i, (ast.HourlyCredit, ast.FlatCredit, ast.Cap, ast.NoStacking, ast.Minimum, ast.ClaimWindow)
            )
        ]
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
        items = []
        for node in others:
            items.append(f"{credit_sentence(node)} {self.at(node, getattr(node, 'citation', None))}")
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
       color: #1d1d1d; }
h1 { font-size: 1.8rem; border-bottom: 2px solid #333; } h2 { font-size: 1.3rem; margin-top: 2rem; }
code { font: 0.9em Menlo, Consolas, monospace; background: #f2f2f2; padding: 0 0.2em; }
table { border-collapse: collapse; margin: 0.5rem 0; } td, th { border: 1px solid #999; padding: 0.2rem 0.6rem; }
th { background: #eee; text-align: left; }
blockquote { border-left: 4px solid #bbb; margin-left: 0; padding-left: 1rem; color: #444; white-space: pre;
             overflow-x: auto;
             font-family: Menlo, Consolas, monospace; font-size: 0.74em; }
"""


def _inline(text: str) -> str:
    """Markdown's `code` spans, escaped, as HTML."""
    parts = html.escape(text).split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


def highlight_source(text: str) -> str:
    """The agreement's source, highlighted by the `.sla` Pygments lexer, with line numbers and inline styles."""
    from pygments import highlight  # noqa: PLC0415
    from pygments.formatters import HtmlFormatter  # noqa: PLC0415

    from sladsl.language.lexer import SlaLexer  # noqa: PLC0415

    return highlight(text, SlaLexer(), HtmlFormatter(noclasses=True, linenos="inline", style="friendly"))


def render_html(blocks: Iterable[Block], title: str, source_text: str | None = None) -> str:
    """One self-contained page: inline CSS, no scripts, no links out; the source, highlighted, at the end."""
    body: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            body.append(f"<h{block.level}>{_inline(block.text)}</h{block.level}>")
        elif isinstance(block, Paragraph):
            body.append(f"<p>{_inline(block.text)}</p>")
        elif isinstance(block, Bullets):
            body.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in block.items) + "</ul>")
        elif isinstance(block, Quote):
            body.append("<blockquote>" + html.escape("\n".join(block.lines)) + "</blockquote>")
        else:
            head = "".join(f"<th>{_inline(h)}</th>" for h in block.header)
            rows = "".join("<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in row) + "</tr>" for row in block.rows)
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
    if source_text is not None:
        body.append("<h2>The agreement file</h2>")
        body.append(highlight_source(source_text))
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{_CSS}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )


def _scope_words(rule: ast.StartRule) -> str:
    """` of response and update targets for severities 2 and 3`: whom a scoped start rule covers."""
    if not rule.kinds and not rule.severities:
        return ""
    words = ""
    if rule.kinds:
        words += f" of {_and([*rule.kinds])} target{'s' if len(rule.kinds) > 1 else ''}"
    if rule.severities:
        codes = [f"`{code.text}`" for code in rule.severities]
        words += f" for severit{'ies' if len(codes) > 1 else 'y'} {_and(codes)}"
    return words


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
