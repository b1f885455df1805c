"""What an editor asks about an agreement it holds in memory, answered from the library's own stages.

The language server (`sladsl.lsp`) is a thin protocol layer over this module: here are the answers, as values,
with positions as character offsets into the text; there they become LSP messages, with lines and UTF-16 code
units. Nothing here checks anything the checker does not: `analyse` is `lint` (parse, then check) on text.

* `analyse`: the syntax tree, the checked model and the diagnostics, exactly those `sladsl lint` shows.
* `symbols`, `definition`, `references`: the names of calendars, severities, plans (and add-ons), availability
  commitments and credits, where they are defined and where used, by the spans of the syntax tree's `Name` nodes.
* `hover`: a calendar's weekly hours and closed dates, a target's sentence from `explain`, a ladder's bands.
* `complete`: the keywords the grammar accepts at a point, and the defined names that fit there.
* `fixes`: the replacements that diagnostics suggest (`help: did you mean ...`).
* `format_text`: the formatter's canonical text.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Literal

import attrs

from sladsl.diagnostics import Diagnostic, SlaError
from sladsl.evaluation.proofs import proven
from sladsl.language import ast, formatter
from sladsl.language.checker import check
from sladsl.language.formatter import FormatError, format_source
from sladsl.language.parser import keywords, next_words, parse_source
from sladsl.model import CalendarSpec, Checked
from sladsl.render import explain
from sladsl.render.escape import markdown
from sladsl.source import Source, Span, comment_column

Kind = Literal["calendar", "severity", "plan", "availability", "credit"]


@attrs.frozen
class Analysis:
    """One version of an agreement's text: its syntax tree (None if it does not parse), its checked model (None
    if it has errors) and the diagnostics `lint` would show for it, sorted by place."""

    source: Source
    document: ast.Document | None
    checked: Checked | None
    diagnostics: tuple[Diagnostic, ...]


def analyse(text: str, name: str) -> Analysis:
    """Parse and check `text`, as `sladsl lint` does; never raises for bad input."""
    source = Source(name, text)
    try:
        document = parse_source(source)
    except SlaError as error:
        return Analysis(source, None, None, tuple(error.diagnostics))
    try:
        checked = proven(check(document))
    except SlaError as error:
        return Analysis(source, document, None, tuple(error.diagnostics))
    return Analysis(source, document, checked, tuple(sorted(checked.warnings, key=Diagnostic.sort_key)))


# ---- names --------------------------------------------------------------------------------------------------


@attrs.frozen
class Symbol:
    """One occurrence of a defined kind of name: its definition (`calendar core_hours:`) or a use of it."""

    kind: Kind
    name: ast.Name
    is_definition: bool
    item: ast.Item  # the clause it is written in


def symbols(document: ast.Document) -> Iterator[Symbol]:
    """Every definition and use of a calendar, severity, plan, availability commitment or credit, in order."""
    for item in document.items:
        for kind, name, defines in _names_in(item):
            yield Symbol(kind, name, defines, item)


_USES_A_CALENDAR = (
    ast.Within,
    ast.Every,
    ast.WithinDays,
    ast.ByDayEnd,
    ast.StartRule,
    ast.OutsideCalendar,
    ast.ClaimWindow,
)


def _names_in(item: ast.Item) -> Iterator[tuple[Kind, ast.Name, bool]]:
    if isinstance(item, ast.Calendar):
        yield "calendar", item.name, True
    elif isinstance(item, ast.Severity):
        yield "severity", item.code, True
    elif isinstance(item, (ast.Plan, ast.AddOn)):  # an add-on is named where plans are (`on ...`)
        yield "plan", item.name, True
    elif isinstance(item, ast.Availability):
        yield "availability", item.name, True
    elif isinstance(item, (ast.Ladder, ast.HourlyCredit, ast.FlatCredit, ast.DowntimeCredit)):
        yield "credit", item.name, True
    if isinstance(item, (ast.Ladder, ast.DowntimeCredit)):
        yield "availability", item.measure, False
    for node in item.walk():
        if isinstance(node, (ast.Target, ast.Kpi, ast.TargetRef)):
            yield from (("severity", code, False) for code in node.severities)
            yield from (("plan", plan, False) for plan in node.plans)
        elif isinstance(node, ast.DowngradeRule):
            yield "severity", node.source, False
            yield "severity", node.target, False
        elif isinstance(node, _USES_A_CALENDAR):
            if node.calendar is not None:  # `within 30 minutes` counts wall-clock time
                yield "calendar", node.calendar, False
            if isinstance(node, ast.StartRule):
                yield from (("severity", code, False) for code in node.severities)
        elif isinstance(node, ast.CommitmentRef):
            yield "availability", node.name, False


def symbol_at(analysis: Analysis, offset: int) -> Symbol | None:
    """The name under the cursor; a cursor just after a name's last character is on it too."""
    if analysis.document is None:
        return None
    for symbol in symbols(analysis.document):
        if symbol.name.span.start <= offset <= symbol.name.span.end:
            return symbol
    return None


def _same(a: Symbol, b: Symbol) -> bool:
    return a.kind == b.kind and a.name.text == b.name.text


def definition(analysis: Analysis, offset: int) -> list[Span]:
    """Where the name under the cursor is defined (more than once, if the author defined it twice)."""
    here = symbol_at(analysis, offset)
    if here is None or analysis.document is None:
        return []
    return [s.name.span for s in symbols(analysis.document) if s.is_definition and _same(s, here)]


def references(analysis: Analysis, offset: int, include_definition: bool = True) -> list[Span]:
    """Every use of the name under the cursor, and its definition if asked."""
    here = symbol_at(analysis, offset)
    if here is None or analysis.document is None:
        return []
    return [
        s.name.span
        for s in symbols(analysis.document)
        if _same(s, here) and (include_definition or not s.is_definition)
    ]


# ---- hover --------------------------------------------------------------------------------------------------


@attrs.frozen
class Hover:
    """Markdown about what is under the cursor, and the span it is about."""

    markdown: str
    span: Span


def hover(analysis: Analysis, offset: int, year: int) -> Hover | None:
    """What is under the cursor, in words: a name is described by its definition, a clause by `explain`'s
    sentence for it. `year` picks the closed dates listed for a calendar. Titles and descriptions are the
    author's text: no `<` in them becomes a tag, and no control character reaches the editor."""
    document = analysis.document
    if document is None:
        return None
    here = symbol_at(analysis, offset)
    if here is not None:
        defined = [s.item for s in symbols(document) if s.is_definition and _same(s, here)]
        if not defined:
            return Hover(f"{here.kind} `{here.name.text}` is not defined", here.name.span)
        return Hover(markdown(_describe(defined[0], analysis, year)), here.name.span)
    for item in document.items:
        if item.span.start <= offset < item.span.end:
            text = _describe(item, analysis, year)
            return Hover(markdown(text), item.span) if text else None
    return None


def _describe(item: ast.Item, analysis: Analysis, year: int) -> str:
    if isinstance(item, ast.Calendar):
        return _calendar(item, analysis, year)
    if isinstance(item, ast.Severity):
        title = f"**severity `{item.code.text}`**: {item.title}"
        return title + (f"\n\n{item.description}" if item.description else "") + _cited(item.citation)
    if isinstance(item, (ast.Plan, ast.AddOn)):
        word = "plan" if isinstance(item, ast.Plan) else "add-on, held beside a plan"
        return f"**{word} `{item.name.text}`**" + (f": {item.title}" if item.title else "") + _cited(item.citation)
    if isinstance(item, ast.Target):
        add_ons = (
            {i.name.text for i in analysis.document.items if isinstance(i, ast.AddOn)}
            if analysis.document
            else set()
        )
        calendars = analysis.checked.agreement.calendars if analysis.checked is not None else None
        return explain.target_sentence(item, calendars, add_ons) + _cited(item.citation)
    if isinstance(item, ast.Ladder):
        rows = explain.ladder_rows(item)
        table = [f"| {item.measure.text} | credit |", "|---|---|", *(f"| {r} | {a} |" for r, a in rows)]
        head = f"**credit `{item.name.text}`** by availability `{item.measure.text}`, each period"
        return head + "\n\n" + "\n".join(table) + _cited(item.citation)
    if isinstance(item, ast.Availability):
        return (
            f"**availability `{item.name.text}`**: at least {formatter.percent(item.percent)} each calendar "
            f"{item.period.unit}" + _cited(item.citation)
        )
    if isinstance(item, ast.ExcludeIncidents):
        return explain.exclusion_sentence(item) + _cited(item.citation)
    if isinstance(item, ast.CreditLine):
        return explain.credit_sentence(item) + _cited(item.citation)
    return ""


def _cited(citation: ast.Citation | None) -> str:
    return f"\n\n{citation.label}" if citation is not None else ""


def _calendar(item: ast.Calendar, analysis: Analysis, year: int) -> str:
    spec = _calendar_spec(item, analysis)
    where = "" if spec is None else " in each customer's zone" if spec.zone_of_customer else f" in `{spec.zone}`"
    lines = [f"**calendar `{item.name.text}`**{where}"]
    if spec is not None:
        lines += ["", "| day | open |", "|---|---|", *(f"| {d} | {h} |" for d, h in explain.weekly_hours(spec))]
    lines += ["", *(f"- {explain.calendar_rule_text(rule)}" for rule in item.rules)]
    closed = explain.closed_dates(spec, year) if spec is not None else None
    if closed:
        lines += ["", f"Closed in {year}:", "", *(f"- {day}" for day in closed)]
    return "\n".join(lines) + _cited(item.citation)


def _calendar_spec(item: ast.Calendar, analysis: Analysis) -> CalendarSpec | None:
    """The checked calendar. While the agreement has errors elsewhere, the checker is asked about this calendar
    and the header alone (which gives its zone), so the hours still show as the author types."""
    if analysis.checked is not None:
        return analysis.checked.agreement.calendars.get(item.name.text)
    assert analysis.document is not None
    header = [i for i in analysis.document.items if isinstance(i, ast.Agreement)]
    alone = ast.Document(items=(*header[:1], item), comments=(), span=analysis.document.span)
    try:
        return check(alone).agreement.calendars.get(item.name.text)
    except SlaError:
        return None


# ---- completion ---------------------------------------------------------------------------------------------


@attrs.frozen
class Completion:
    """A word to offer: a keyword, or a defined name and what it names."""

    label: str
    kind: Literal["keyword"] | Kind


_NAME_AFTER: dict[str, Kind] = {
    "of": "calendar",
    "outside": "calendar",
    "for": "severity",
    "severity": "severity",
    "becomes": "severity",
    "on": "plan",
    "by": "availability",
    "when": "availability",
}
# After these a new name comes (or a holiday category), not one defined in the agreement.
_DEFINES = {"calendar", "plan", "add-on", "credit", "availability", "where", "categories"}


def word_start(text: str, offset: int) -> int:
    """Where the word that ends at `offset` starts (`offset` itself when there is none)."""
    start = offset
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
        start -= 1
    return start


def complete(analysis: Analysis, offset: int, known: Sequence[Symbol] = ()) -> list[Completion]:
    """What may be written at `offset`: the keywords the grammar accepts there and, where a name may come, the
    defined names of the kind the preceding keyword asks for. When the text before the cursor does not parse,
    every keyword and name. `known` gives the definitions of an earlier version, for when this one does not
    parse at all."""
    text = analysis.source.text
    start = word_start(text, offset)
    line, column = analysis.source.position(start)
    if _in_comment_or_string(analysis.source.line_text(line)[: column - 1]):
        return []
    document = analysis.document or _without_line(analysis.source, offset)
    defined = [s for s in symbols(document) if s.is_definition] if document is not None else list(known)
    expected = next_words(text[:start])
    if expected is None:
        words, name_kind = keywords(), None
        names = defined
    else:
        words, takes_name = expected
        previous = _previous_word(text, start)
        name_kind = _NAME_AFTER.get(previous) if takes_name else None
        if takes_name and previous in _DEFINES:
            names = []
        elif takes_name and name_kind is None:
            names = defined
        else:
            names = [s for s in defined if s.kind == name_kind]
    found = [Completion(w, "keyword") for w in words]
    seen = set()
    for symbol in names:
        if (symbol.kind, symbol.name.text) not in seen:
            seen.add((symbol.kind, symbol.name.text))
            found.append(Completion(symbol.name.text, symbol.kind))
    return found


def _in_comment_or_string(before: str) -> bool:
    """Whether the end of `before`, the start of a line up to the cursor, is in a comment or a string."""
    return comment_column(before) is not None or before.count('"') % 2 == 1


def _without_line(source: Source, offset: int) -> ast.Document | None:
    """The syntax tree of the text without the line being typed, which is seldom finished, or None."""
    line, _ = source.position(offset)
    start = source.line_starts[line - 1]
    end = source.line_starts[line] if line < len(source.line_starts) else len(source.text)
    try:
        return parse_source(Source(source.name, source.text[:start] + source.text[end:]))
    except SlaError:
        return None


def _previous_word(text: str, start: int) -> str:
    """The last word before `start` that is not an item of a list: `for A, B, ` asks for what `for` asks for."""
    at = start
    while True:
        gap_end = at
        while at > 0 and text[at - 1] in " \t,":
            at -= 1
        end = at
        at = word_start(text, at)
        word = text[at:end]
        if not word or "," not in text[end:gap_end]:
            return "add-on" if word == "on" and text[:at].endswith("add-") else word  # one keyword, hyphenated


# ---- fixes and formatting -----------------------------------------------------------------------------------


@attrs.frozen
class Fix:
    """A suggested edit: put `replacement` in place of `span`, as diagnostic `diagnostic` suggests."""

    title: str
    span: Span
    replacement: str
    diagnostic: Diagnostic


def fixes(analysis: Analysis, start: int, end: int) -> list[Fix]:
    """The suggested replacements of the diagnostics whose span meets `[start, end]`."""
    found = []
    for d in analysis.diagnostics:
        if d.replacement is None or d.span is None:
            continue
        if d.span.start <= end and start <= d.span.end:
            written = analysis.source.text[d.span.start : d.span.end]
            found.append(Fix(f"replace `{written}` with `{d.replacement}`", d.span, d.replacement, d))
    return found


def format_text(analysis: Analysis) -> str | None:
    """The canonical text of the agreement, or None when it cannot be formatted (it has a syntax error)."""
    if analysis.document is None:
        return None
    try:
        return format_source(analysis.source)
    except (SlaError, FormatError):
        return None
