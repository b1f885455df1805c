"""Syntax tree back to `.sla` text, in the one canonical layout. No options.

Layout: four spaces per block level; two spaces before a trailing `§` citation and before a trailing comment;
at most one blank line between clauses, kept where the author left one; `per calendar month` spelt out; numeric
citations bare and titled ones quoted. Comments survive: a comment on a clause's line stays at the end of that
line, and a comment on a line of its own stays before the clause that follows it.

`format_source` is always safe: it checks that the result parses to the same syntax tree (comments included)
and that formatting the result again changes nothing, and raises `FormatError` otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

from sladsl.language import ast
from sladsl.source import Source

INDENT = "    "
_NUMERIC_CITATION = re.compile(r"[0-9]+(\.[0-9]+)*[a-z]?(\([a-z0-9]+\))?")


class FormatError(Exception):
    """The formatter would have changed the meaning or failed to settle: a bug, never the input's fault."""


def format_source(source: Source) -> str:
    """The canonical text of an agreement, checked for equivalence and stability (raises `FormatError`)."""
    from sladsl.language.parser import parse_source  # noqa: PLC0415 - the parser is needed only for the safety checks

    document = parse_source(source)
    formatted = format_document(document, source)
    again_source = Source(source.name, formatted)
    again = parse_source(again_source)
    if again != document:
        raise FormatError(f"formatting {source.name} would change its meaning; nothing was written")
    if format_document(again, again_source) != formatted:
        raise FormatError(f"formatting {source.name} does not settle; nothing was written")
    return formatted


def format_document(document: ast.Document, source: Source) -> str:
    return _Printer(document, source).run()


# ---- pieces -------------------------------------------------------------------------------------------------


def citation(c: ast.Citation | None) -> str:
    if c is None:
        return ""
    ref = c.ref if _NUMERIC_CITATION.fullmatch(c.ref) else f'"{c.ref}"'
    return f"  § {ref}"


def number(value: Decimal) -> str:
    return str(value)


def percent(p: ast.Percent) -> str:
    return f"{number(p.value)}%"


def hhmm(minutes: int) -> str:
    if minutes == 1440:
        return "24:00"
    minutes %= 1440
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def hours(h: ast.Hours) -> str:
    return f"{hhmm(h.start)}-{hhmm(h.end)}"


def date(d: ast.Date | ast.AnnualDate) -> str:
    if isinstance(d, ast.AnnualDate):
        return f"{d.day} {ast.MONTHS[d.month - 1]}"
    return d.value.isoformat()


def duration(d: ast.Duration) -> str:
    return f"{d.amount} {d.unit}"


def period(p: ast.Period) -> str:
    return f"per calendar {p.unit}"


def names(items: tuple[ast.Name, ...]) -> str:
    return ", ".join(n.text for n in items)


def amount(a: ast.Amount) -> str:
    if isinstance(a, ast.Credits):
        return f"{number(a.count)} credit{'' if a.count == 1 else 's'}"
    if isinstance(a, ast.FeeShare):
        return f"{percent(a.percent)} of fee"
    return f"{a.currency} {number(a.value)}"


def selector(kind: str, severities: tuple[ast.Name, ...], plans: tuple[ast.Name, ...]) -> str:
    text = f"{kind} for {names(severities)}"
    return f"{text} on {names(plans)}" if plans else text


def expr(e: ast.Expr) -> str:
    """An expression with only the parentheses its meaning needs."""
    if isinstance(e, ast.Number):
        return number(e.value)
    if isinstance(e, ast.Variable):
        return e.name.text
    op = {ast.Add: "+", ast.Sub: "-", ast.Mul: "*", ast.Div: "/"}[type(e)]
    left, right = expr(e.left), expr(e.right)
    if isinstance(e.left, (ast.Add, ast.Sub)) and op in "*/":
        left = f"({left})"
    # A right operand of the same precedence keeps its parentheses, even where the arithmetic would not change
    # (`N * (N * N)`): the text must read back to the same tree, and decimal rounding can follow the grouping.
    grouping: tuple[type, ...] = (ast.Add, ast.Sub) if op in "+-" else (ast.Add, ast.Sub, ast.Mul, ast.Div)
    if isinstance(e.right, grouping):
        right = f"({right})"
    return f"{left} {op} {right}"


def deadline(d: ast.Deadline) -> str:
    if isinstance(d, ast.Within):
        return f"within {duration(d.duration)}" + (f" of {d.calendar.text}" if d.calendar else "")
    if isinstance(d, ast.Every):
        return f"every {duration(d.duration)}" + (f" of {d.calendar.text}" if d.calendar else "")
    if isinstance(d, ast.WithinDays):
        text = f"within {d.count} {_business_days(d.count)} of {d.calendar.text}"
        return text + (f" counting from {d.counting} day" if d.counting else "")
    return f"by end of {d.which} business day of {d.calendar.text}"


def days(d: ast.Days) -> str:
    if isinstance(d, ast.EveryDay):
        return "every day"
    if isinstance(d, ast.DayRange):
        return f"{d.first} to {d.last}"
    return ", ".join(d.days)


def bound(b: ast.Bound) -> str:
    if isinstance(b, ast.Between):
        return f"from {percent(b.low)} to {percent(b.high)}"
    word = {ast.Above: "above", ast.AtLeast: "at least", ast.Below: "below", ast.AtMost: "at most"}[type(b)]
    return f"{word} {percent(b.percent)}"


def line(node: object) -> str:
    """The text of a one-line clause or rule, without citation."""
    if isinstance(node, (ast.Provider, ast.Customer, ast.Service)):
        return f'{type(node).__name__.lower()} "{node.value}"'
    if isinstance(node, ast.Effective):
        return f"effective {date(node.date)}"
    if isinstance(node, ast.Zone):
        return f"zone {node.name.text}"
    if isinstance(node, ast.WeeklyHours):
        return f"open {days(node.days)} " + ", ".join(hours(h) for h in node.hours)
    if isinstance(node, ast.OpenAlways):
        return "open always"
    if isinstance(node, ast.ClosedHolidays):
        text = f"closed on {'' if node.categories else 'public '}holidays of {node.country.text}"
        if node.subdivision is not None:
            text += f' subdivision "{node.subdivision.value}"'
        if node.categories:
            text += f" categories {names(node.categories)}"
        return text
    if isinstance(node, ast.CustomerZone):
        return "zone of customer"
    if isinstance(node, ast.CustomerHolidays):
        text = f"closed on {'' if node.categories else 'public '}holidays of customer"
        return text + (f" categories {names(node.categories)}" if node.categories else "")
    if isinstance(node, ast.ClosedDays):
        return "closed on " + ", ".join(date(d) for d in node.days)
    if isinstance(node, ast.OpenDays):
        return "open on " + ", ".join(date(d) for d in node.dates) + " " + ", ".join(hours(h) for h in node.hours)
    if isinstance(node, ast.Severity):
        text = f'severity {node.code.text} "{node.title}"'
        return text + (f': "{node.description}"' if node.description is not None else "")
    if isinstance(node, (ast.Plan, ast.AddOn)):
        keyword = "plan" if isinstance(node, ast.Plan) else "add-on"
        return f"{keyword} {node.name.text}" + (f' "{node.title}"' if node.title is not None else "")
    if isinstance(node, ast.Target):
        text = f"{selector(node.kind, node.severities, node.plans)} {deadline(node.deadline)}"
        return text + (f" after {node.after.kind} deadline" if node.after else "")
    if isinstance(node, ast.StartRule):
        scope = [*node.kinds, *(code.text for code in node.severities)]
        return f"outside hours start at next opening of {node.calendar.text}" + (
            f" for {', '.join(scope)}" if scope else ""
        )
    if isinstance(node, ast.PauseRule):
        return "pause while waiting on customer"
    if isinstance(node, ast.ChangeRule):
        return f"on severity change {node.mode}"
    if isinstance(node, ast.DowngradeRule):
        return f"after {node.kind} severity {node.source.text} becomes {node.target.text}"
    if isinstance(node, ast.Kpi):
        return (
            f"kpi {selector(node.kind, node.severities, node.plans)} at least {percent(node.percent)} met "
            f"{period(node.period)}"
        )
    if isinstance(node, ast.Exclude):
        return f"exclude {names(node.tags)}"
    if isinstance(node, ast.ExcludeMaintenance):
        parts = ["exclude planned maintenance"]
        for condition in node.conditions:
            if isinstance(condition, ast.Notice):
                ahead = condition.duration
                parts.append("with notice" if ahead is None else f"with notice of at least {duration(ahead)}")
            elif isinstance(condition, ast.Budget):
                parts.append(f"up to {duration(condition.duration)} {period(condition.period)}")
            else:
                parts.append(f"outside {condition.calendar.text}")
        return " ".join(parts)
    if isinstance(node, ast.UptimeRounding):
        mode = f" {node.mode}" if node.mode else ""
        return f"round{mode} to {node.places} decimal{'s' if node.places != 1 else ''}"
    if isinstance(node, ast.Formula):
        bindings = ", ".join(f"{b.name.text} = {b.measure}" for b in node.bindings)
        return f"formula {expr(node.expr)} where {bindings}"
    if isinstance(node, ast.Band):
        return " and ".join(bound(b) for b in node.bounds) + f" -> {amount(node.amount)}"
    if isinstance(node, ast.HourlyCredit):
        rounding = f"{node.rounding} " if node.rounding else ""
        target = node.target
        return (
            f"credit {node.name.text}: {amount(node.amount)} per {rounding}hour late for "
            f"{selector(target.kind, target.severities, target.plans)}"
        )
    if isinstance(node, ast.FlatCredit):
        missed = node.missed
        what = (
            missed.name.text
            if isinstance(missed, ast.CommitmentRef)
            else selector(missed.kind, missed.severities, missed.plans)
        )
        return f"credit {node.name.text}: {amount(node.amount)} when {what} missed"
    if isinstance(node, ast.DowntimeCredit):
        if node.amount is not None:
            rounding = f"{node.rounding} " if node.rounding else ""
            pay = f"{amount(node.amount)} per {rounding}hour of"
        else:
            pay = "fee for" if node.multiple is None else f"{node.multiple} times fee for"
        rounded = ""
        if node.rounded is not None:
            mode = f" {node.rounded.mode}" if node.rounded.mode else ""
            rounded = f" rounded{mode} to {node.rounded.places} decimal{'s' if node.rounded.places != 1 else ''}"
        return f"credit {node.name.text}: {pay} downtime of {node.measure.text}{rounded}"
    if isinstance(node, ast.Cap):
        return f"cap {amount(node.amount)} {period(node.period)}"
    if isinstance(node, ast.NoStacking):
        return f"no stacking {period(node.period)}"
    if isinstance(node, ast.Minimum):
        return f"minimum award {amount(node.amount)}"
    if isinstance(node, ast.ClaimWindow):
        return (
            f"{node.kind} within {node.days} {_business_days(node.days)} of {node.calendar.text} "
            f"after failure {node.edge}"
        )
    if isinstance(node, ast.ExcludeIncidents):
        kinds = f" from {', '.join(node.kinds)}" if node.kinds else ""
        return f"exclude incidents tagged {', '.join(t.text for t in node.tags)}{kinds}"
    raise TypeError(f"no layout for {type(node).__name__}")  # every clause type is listed above


def header(node: ast.Item) -> str:
    """The header line of a block clause, without citation."""
    if isinstance(node, ast.Agreement):
        return f'agreement "{node.title}":'
    if isinstance(node, ast.Calendar):
        return f"calendar {node.name.text}:"
    if isinstance(node, ast.Clock):
        return "clock:"
    if isinstance(node, ast.Availability):
        return f"availability {node.name.text} {period(node.period)} at least {percent(node.percent)}:"
    if isinstance(node, ast.Ladder):
        return f"credit {node.name.text} by {node.measure.text}:"
    raise TypeError(f"{type(node).__name__} is not a block")


def children(node: ast.Item) -> tuple[object, ...]:
    if isinstance(node, ast.Agreement):
        return node.fields
    if isinstance(node, (ast.Calendar, ast.Clock, ast.Availability)):
        return node.rules
    if isinstance(node, ast.Ladder):
        return node.bands
    return ()


BLOCKS = (ast.Agreement, ast.Calendar, ast.Clock, ast.Availability, ast.Ladder)


class _Printer:
    def __init__(self, document: ast.Document, source: Source) -> None:
        self.document = document
        self.source = source
        self.comments = list(document.comments)
        self.out: list[str] = []
        self.last_line = 0  # the source line of the last thing printed

    def run(self) -> str:
        for index, item in enumerate(self.document.items):
            self.leading(item.span.line, "", first=index == 0)
            if isinstance(item, BLOCKS):
                self.emit(header(item) + citation(item.citation), item.span.line, "")
                for child in children(item):
                    span = child.span  # type: ignore[attr-defined]
                    self.leading(span.line, INDENT)
                    self.emit(line(child) + citation(getattr(child, "citation", None)), span.line, INDENT)
            else:
                self.emit(line(item) + citation(item.citation), item.span.line, "")
        for comment in self.comments:  # after the last clause
            if self.blank_before(comment.span.line):
                self.out.append("")
            self.out.append(f"#{comment.text}")
            self.last_line = comment.span.line
        return "\n".join(self.out) + "\n"

    def blank_before(self, line_number: int) -> bool:
        """Whether the author left a blank line between the last printed line and this one."""
        if not self.out:
            return False
        return any(not self.source.line_text(n).strip() for n in range(self.last_line + 1, line_number))

    def leading(self, line_number: int, indent: str, first: bool = False) -> None:
        """Comments on lines of their own before a node, and the blank line the author left, if any."""
        pending = []
        while self.comments and self.comments[0].span.line < line_number:
            pending.append(self.comments.pop(0))
        for comment in pending:
            if self.blank_before(comment.span.line) and not first:
                self.out.append("")
            self.out.append(f"{indent}#{comment.text}")
            self.last_line = comment.span.line
        if self.blank_before(line_number) and not (first and not pending):
            self.out.append("")

    def emit(self, text: str, line_number: int, indent: str) -> None:
        trailing = ""
        if self.comments and self.comments[0].span.line == line_number:
            trailing = f"  #{self.comments.pop(0).text}"
        self.out.append(f"{indent}{text}{trailing}")
        self.last_line = line_number


def changed_lines(before: str, after: str) -> Iterator[str]:
    """A unified diff, for `fmt --diff`."""
    import difflib  # noqa: PLC0415

    return difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True), "before", "after"
    )


def _business_days(count: int) -> str:
    """`business day` for one, as a contract says it, else `business days`."""
    return "business day" if count == 1 else "business days"
