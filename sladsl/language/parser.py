"""`.sla` text to syntax tree. The only module (with `syntax_errors`) that imports lark.

Literals are converted here, once: percentages and amounts to `Decimal`, dates to `datetime.date`, times to
minutes after midnight. Durations keep the unit the author wrote. A date or time that does not exist is reported
with its span; all such errors in a file are collected before the parse fails.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import hashlib
import re
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar, TypeVar, cast

import attrs
import lark
from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, VisitError
from lark.grammar import Rule
from lark.indenter import DedentError, Indenter
from lark.lexer import PatternStr, TerminalDef

from sladsl import cache
from sladsl.diagnostics import Diagnostic, SlaError
from sladsl.language import ast
from sladsl.language.syntax_errors import describe_syntax_error
from sladsl.source import Source, Span, comment_column

T = TypeVar("T")


class SlaIndenter(Indenter):
    """Indentation as Lark's `_INDENT` and `_DEDENT` tokens; spaces only (a tab is refused before parsing)."""

    NL_type = "_NL"
    OPEN_PAREN_types: ClassVar[list[str]] = []
    CLOSE_PAREN_types: ClassVar[list[str]] = []
    INDENT_type = "_INDENT"
    DEDENT_type = "_DEDENT"
    tab_len = 8


def grammar_text() -> str:
    """The grammar, from inside the installed package or from `grammar/` in a source checkout."""
    packaged = resources.files("sladsl").joinpath("grammar/sla.lark")
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    return (Path(__file__).resolve().parents[2] / "grammar" / "sla.lark").read_text(encoding="utf-8")


_OPTIONS = {"propagate_positions": True}  # given again when tables kept from an earlier run are loaded


@functools.cache
def lark_parser() -> Lark:
    """The LALR parser, its tables kept between runs through `sladsl.cache` (building them takes a while)."""
    text = grammar_text()
    key = hashlib.sha256(f"{lark.__version__}\0{text}".encode()).hexdigest()
    kept = cache.read("grammar", key)
    if isinstance(kept, dict):
        try:
            # Lark's own loader for tables it serialized, as its file cache uses it.
            loaded = Lark._load_from_dict(  # type: ignore[no-untyped-call]
                kept["data"], kept["memo"], postlex=SlaIndenter(), **_OPTIONS
            )
            return cast(Lark, loaded)
        except Exception:  # tables from another release of Lark, or damaged: build them again
            pass
    parser = Lark(
        text,
        parser="lalr",
        start="document",
        postlex=SlaIndenter(),
        maybe_placeholders=False,
        **_OPTIONS,
    )
    data, memo = parser.memo_serialize([TerminalDef, Rule])
    data["options"] = {k: v for k, v in data["options"].items() if k not in ("postlex", *_OPTIONS)}
    cache.write("grammar", key, {"data": data, "memo": memo})
    return parser


def parse(text: str, name: str = "<input>") -> ast.Document:
    """Parse `.sla` text into a syntax tree, or raise `SlaError` with every problem found."""
    source = Source(name, text)
    return parse_source(source)


def parse_source(source: Source) -> ast.Document:
    problems = _tab_indentation(source) + _too_deep(source)
    if problems:
        raise SlaError(problems)
    if not source.text.endswith("\n"):
        source = Source(source.name, source.text + "\n")  # the last clause needs its line break
    text = source.text
    if not text.strip() or all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines()):
        raise SlaError(
            [
                Diagnostic(
                    "E0112",
                    "the file has no clauses",
                    source.span(0, 0),
                    help=('an agreement starts with `agreement "Title":` and its header'),
                )
            ]
        )
    parser = lark_parser()
    try:
        tree = parser.parse(text)
    except (UnexpectedInput, DedentError) as error:
        raise SlaError(_syntax_errors(source, describe_syntax_error(error, source, parser))) from None
    builder = _Builder(source)
    try:
        document: ast.Document = builder.transform(tree)
    except VisitError as error:  # raised inside a builder method: unwrap to the real cause
        raise error.orig_exc from None
    if builder.problems:
        raise SlaError(builder.problems)
    return document


# ---- what may come next: for an editor's completion ------------------------------------------------------

_WORD = re.compile(r"[a-z][a-z_]*(-[a-z]+)?")  # `add-on` is one keyword
_END_MARK = "\x00"  # no terminal matches it: the lexer stops there, with the parser in the state the text leaves


def keywords() -> tuple[str, ...]:
    """Every keyword of the grammar, sorted."""
    return tuple(sorted(_keyword_of().values()))


@functools.cache
def _keyword_of() -> dict[str, str]:
    """Terminal name to keyword, for the terminals that are keywords (`CALENDAR` -> `calendar`)."""
    found = {}
    for terminal in lark_parser().terminals:
        if isinstance(terminal.pattern, PatternStr) and _WORD.fullmatch(terminal.pattern.value):
            found[terminal.name] = terminal.pattern.value
    return found


def next_words(text: str) -> tuple[tuple[str, ...], bool] | None:
    """What the grammar accepts right after `text`: its keywords, and whether a name (or a severity code) may
    come. `text` ends where the next word would start; None when it has a syntax error before that point.

    The parser reads `text` and a character no terminal matches, so the indentation the text ends with is
    taken as it stands: no block is closed because the input ran out."""
    interactive = lark_parser().parse_interactive(text + _END_MARK)
    try:
        interactive.exhaust_lexer()
    except UnexpectedCharacters as error:
        if error.pos_in_stream != len(text):
            return None
    except (UnexpectedInput, DedentError):
        return None
    else:
        return None
    try:
        accepted = set(interactive.accepts())  # type: ignore[no-untyped-call]
    except (UnexpectedInput, DedentError):
        return None
    keyword_of = _keyword_of()
    words = tuple(sorted(keyword_of[name] for name in accepted if name in keyword_of))
    return words, "NAME" in accepted


MAX_SYNTAX_ERRORS = 10


def _syntax_errors(source: Source, first: Diagnostic) -> list[Diagnostic]:
    """The first syntax error, and those of the other top-level blocks: the block at fault is blanked out (its
    characters turned to spaces, so every offset stays) and the text parsed again, up to MAX_SYNTAX_ERRORS. The
    parser cannot say where to resume inside a block, but a block that starts in the first column is a clause
    of its own, and an error after one reported is rarely a consequence of it."""
    found = [first]
    text = source.text
    parser = lark_parser()
    while len(found) < MAX_SYNTAX_ERRORS:
        span = found[-1].span
        if span is None:
            break
        blanked = _blank_block(text, span.start)
        if blanked is None:
            break
        text = blanked
        try:
            parser.parse(text)
        except (UnexpectedInput, DedentError) as error:
            found.append(describe_syntax_error(error, Source(source.name, text), parser))
            continue
        break
    return sorted(found, key=Diagnostic.sort_key)


def _blank_block(text: str, offset: int) -> str | None:
    """The text with the top-level block holding `offset` turned to spaces: from the last line before it that
    starts in the first column with a clause to the next such line. None when that is the file's first clause
    (what follows may need it) or when nothing is left to blank."""
    lines = text.splitlines(keepends=True)
    starts, at = [], 0
    for line in lines:
        starts.append(at)
        at += len(line)
    index = max(0, min(len(lines) - 1, _line_index(starts, offset)))

    def opens(i: int) -> bool:
        line = lines[i]
        return bool(line.strip()) and not line[0].isspace() and not line.startswith("#")

    first = index
    while first > 0 and not opens(first):
        first -= 1
    if not any(opens(i) for i in range(first)):
        return None  # the first clause, the header, is what the rest is read against
    last = index + 1
    while last < len(lines) and not opens(last):
        last += 1
    block = "".join(lines[first:last])
    if not block.strip():
        return None
    spaced = "".join(" " if ch not in "\r\n" else ch for ch in block)
    return text[: starts[first]] + spaced + text[starts[first] + len(block) :]


def _line_index(starts: list[int], offset: int) -> int:
    return bisect.bisect_right(starts, offset) - 1


def _tab_indentation(source: Source) -> list[Diagnostic]:
    found = []
    offset = 0
    for line in source.text.splitlines(keepends=True):
        indent = len(line) - len(line.lstrip(" \t"))
        if "\t" in line[:indent] and line.strip():
            tab = offset + line.index("\t")
            found.append(
                Diagnostic(
                    "E0105",
                    "tab in indentation",
                    source.span(tab, tab + 1),
                    "tab here",
                    help="indent with spaces only; four per level is the canonical layout",
                )
            )
        offset += len(line)
    return found


MAX_NESTING = 32  # parentheses in a formula
MAX_TERMS = 100  # the operators of one formula, plus one
MAX_DIGITS = 18  # the digits of a number: any count, duration or amount a contract needs, and a 64-bit integer


def _too_deep(source: Source) -> list[Diagnostic]:
    """What no contract needs and the parser or the tree builder could not take: parentheses nested past
    MAX_NESTING (E0114), a formula of more than MAX_TERMS terms (E0114; the tree builder would recurse too far),
    and a number of more than MAX_DIGITS digits (E0115; Python will not read 4,300 at all, and a date or a
    duration takes a 64-bit number). One pass over the text, outside strings and comments."""
    found: list[Diagnostic] = []
    depth = terms = 0
    in_string = in_comment = False
    formula = _FORMULA.match(source.text) is not None
    text = source.text
    digits_from = -1  # where the run of digits being read began (-1: none)
    for offset, ch in enumerate(text):
        if digits_from >= 0 and not "0" <= ch <= "9":
            if offset - digits_from > MAX_DIGITS:
                found.append(_long_number(source, digits_from, offset))
            digits_from = -1
        if ch == "\n":
            in_string = in_comment = False
            formula = _FORMULA.match(text, offset + 1) is not None
            terms = 0
        elif in_comment:
            continue
        elif ch == "#" and not in_string:
            in_comment = True
        elif ch == '"':
            in_string = not in_string
        elif in_string:
            continue
        elif "0" <= ch <= "9":
            if digits_from < 0 and not (offset and (text[offset - 1].isalnum() or text[offset - 1] == "_")):
                digits_from = offset
        elif ch == "(":
            depth += 1
            if depth > MAX_NESTING:
                found.append(
                    Diagnostic(
                        "E0114",
                        f"parentheses nested more than {MAX_NESTING} deep",
                        source.span(offset, offset + 1),
                        "too deep",
                        help="write the formula with fewer parentheses",
                    )
                )
                return found
        elif ch == ")":
            depth = max(0, depth - 1)
        elif formula and ch in "+-*/":
            terms += 1
            if terms + 1 > MAX_TERMS:
                found.append(
                    Diagnostic(
                        "E0114",
                        f"a formula of more than {MAX_TERMS} terms",
                        source.span(offset, offset + 1),
                        "too many",
                        help="an availability formula needs a handful of terms; bind a measure to a name once",
                    )
                )
                return found
    if digits_from >= 0 and len(text) - digits_from > MAX_DIGITS:
        found.append(_long_number(source, digits_from, len(text)))
    return found


_FORMULA = re.compile(r"[ ]*formula\b")


def _long_number(source: Source, start: int, end: int) -> Diagnostic:
    return Diagnostic(
        "E0115",
        f"a number of {end - start:,} digits",
        source.span(start, end),
        "too long",
        help=f"a number has at most {MAX_DIGITS} digits; no count, duration or amount needs more",
    )


def comments_of(source: Source) -> tuple[ast.Comment, ...]:
    """Every `#` comment outside a string, with its span."""
    found = []
    offset = 0
    for line in source.text.splitlines(keepends=True):
        column = comment_column(line)
        if column is not None:
            body = line[column:].rstrip("\r\n")
            start = offset + column
            found.append(ast.Comment(body[1:].rstrip(), span=source.span(start, start + len(body))))
        offset += len(line)
    return tuple(found)


def _first(children: list[Any], kind: type[T]) -> T | None:
    for child in children:
        if isinstance(child, kind):
            return child
    return None


def _one(children: list[Any], *kinds: type) -> Any:
    """The first child of one of these node types; the grammar guarantees there is one."""
    for child in children:
        if isinstance(child, kinds):
            return child
    raise AssertionError(f"the grammar guarantees one of {kinds}")


def _all(children: list[Any], *kinds: type) -> tuple[Any, ...]:
    return tuple(c for c in children if isinstance(c, kinds))


def _unquote(token: Token) -> str:
    return str(token)[1:-1]


class _Plans(tuple[ast.Name, ...]):
    """The names after `on`, kept apart from the severity codes before it."""


class _Codes(tuple[ast.Name, ...]):
    """The severity codes after `for`."""


@attrs.frozen
class _PerHour:
    """`5% of fee per started hour of`: the pay of a credit per hour of downtime, before its measure is known."""

    amount: ast.Amount
    rounding: str | None


@attrs.frozen
class _FeeFor:
    """`10 times fee for`: the pay of a credit for the fee of the time down."""

    multiple: Decimal | None


class _Kinds(tuple[str, ...]):
    """The target kinds an exclusion of incidents names after `from`."""


class _Scope(tuple[str | ast.Name, ...]):
    """What a clock rule's `for` names: target kinds (plain str) and severity codes (names)."""


@v_args(meta=True)
class _Builder(Transformer[Token, Any]):
    def __init__(self, source: Source) -> None:
        super().__init__()
        self.source = source
        self.problems: list[Diagnostic] = []

    # -- helpers ---------------------------------------------------------------------------------------------

    def _span(self, meta: Any) -> Span:
        """The node's span without the line break, indentation or comment that close its last line."""
        text = self.source.text
        end = meta.end_pos
        while end > meta.start_pos and text[end - 1] in " \t\r\n":
            end -= 1
        line_start = text.rfind("\n", meta.start_pos, end) + 1 or meta.start_pos
        hash_at = comment_column(text[line_start:end])
        if hash_at is not None:
            end = line_start + hash_at
            while end > meta.start_pos and text[end - 1] in " \t":
                end -= 1
        return self.source.span(meta.start_pos, end)

    def _tspan(self, token: Token) -> Span:
        assert token.start_pos is not None and token.end_pos is not None
        return self.source.span(token.start_pos, token.end_pos)

    def _tokens(self, children: list[Any], kind: str) -> list[Token]:
        return [c for c in children if isinstance(c, Token) and c.type == kind]

    def _percent(self, token: Token) -> ast.Percent:
        return ast.Percent(Decimal(str(token)[:-1]), span=self._tspan(token))

    def _string(self, children: list[Any]) -> str:
        return _unquote(self._tokens(children, "STRING")[0])

    # -- document and header ---------------------------------------------------------------------------------

    def document(self, meta: Any, children: list[Any]) -> ast.Document:
        return ast.Document(
            tuple(children), comments_of(self.source), span=self.source.span(0, len(self.source.text))
        )

    def agreement(self, meta: Any, ch: list[Any]) -> ast.Agreement:
        fields = tuple(
            c for c in ch if isinstance(c, (ast.Provider, ast.Customer, ast.Service, ast.Effective, ast.Zone))
        )
        return ast.Agreement(self._string(ch), fields, _first(ch, ast.Citation), span=self._span(meta))

    def provider(self, meta: Any, ch: list[Any]) -> ast.Provider:
        return ast.Provider(self._string(ch), _first(ch, ast.Citation), span=self._span(meta))

    def customer(self, meta: Any, ch: list[Any]) -> ast.Customer:
        return ast.Customer(self._string(ch), _first(ch, ast.Citation), span=self._span(meta))

    def service(self, meta: Any, ch: list[Any]) -> ast.Service:
        return ast.Service(self._string(ch), _first(ch, ast.Citation), span=self._span(meta))

    def effective(self, meta: Any, ch: list[Any]) -> ast.Effective:
        date = _first(ch, ast.Date)
        assert date is not None
        return ast.Effective(date, _first(ch, ast.Citation), span=self._span(meta))

    def zone(self, meta: Any, ch: list[Any]) -> ast.Zone:
        token = self._tokens(ch, "ZONE_NAME")[0]
        return ast.Zone(
            ast.Name(str(token), span=self._tspan(token)), _first(ch, ast.Citation), span=self._span(meta)
        )

    # -- calendars ---------------------------------------------------------------------------------------

    def calendar(self, meta: Any, ch: list[Any]) -> ast.Calendar:
        name = _first(ch, ast.Name)
        assert name is not None
        rules = tuple(c for c in ch if not isinstance(c, (ast.Name, ast.Citation)))
        return ast.Calendar(name, rules, _first(ch, ast.Citation), span=self._span(meta))

    def weekly_hours(self, meta: Any, ch: list[Any]) -> ast.WeeklyHours:
        days = _one(ch, ast.DayRange, ast.DayList, ast.EveryDay)
        return ast.WeeklyHours(days, _all(ch, ast.Hours), _first(ch, ast.Citation), span=self._span(meta))

    def open_always(self, meta: Any, ch: list[Any]) -> ast.OpenAlways:
        return ast.OpenAlways(_first(ch, ast.Citation), span=self._span(meta))

    def closed_holidays(self, meta: Any, ch: list[Any]) -> ast.ClosedHolidays:
        token = self._tokens(ch, "COUNTRY")[0]
        categories = next((c for c in ch if isinstance(c, tuple) and not isinstance(c, ast.Name)), ())
        return ast.ClosedHolidays(
            ast.Name(str(token), span=self._tspan(token)),
            _first(ch, ast.Subdivision),
            categories,
            _first(ch, ast.Citation),
            span=self._span(meta),
        )

    def customer_zone(self, meta: Any, ch: list[Any]) -> ast.CustomerZone:
        return ast.CustomerZone(_first(ch, ast.Citation), span=self._span(meta))

    def customer_holidays(self, meta: Any, ch: list[Any]) -> ast.CustomerHolidays:
        categories = next((c for c in ch if isinstance(c, tuple) and not isinstance(c, ast.Name)), ())
        return ast.CustomerHolidays(categories, _first(ch, ast.Citation), span=self._span(meta))

    def subdivision(self, meta: Any, ch: list[Any]) -> ast.Subdivision:
        return ast.Subdivision(self._string(ch), span=self._span(meta))

    def categories(self, meta: Any, ch: list[Any]) -> tuple[ast.Name, ...]:
        return tuple(ch)

    def closed_days(self, meta: Any, ch: list[Any]) -> ast.ClosedDays:
        return ast.ClosedDays(_all(ch, ast.Date, ast.AnnualDate), _first(ch, ast.Citation), span=self._span(meta))

    def open_days(self, meta: Any, ch: list[Any]) -> ast.OpenDays:
        return ast.OpenDays(
            _all(ch, ast.Date), _all(ch, ast.Hours), _first(ch, ast.Citation), span=self._span(meta)
        )

    def day_range(self, meta: Any, ch: list[Any]) -> ast.DayRange:
        return ast.DayRange(ch[0], ch[1], span=self._span(meta))

    def day_list(self, meta: Any, ch: list[Any]) -> ast.DayList:
        return ast.DayList(tuple(ch), span=self._span(meta))

    def every_day(self, meta: Any, ch: list[Any]) -> ast.EveryDay:
        return ast.EveryDay(span=self._span(meta))

    def hours(self, meta: Any, ch: list[Any]) -> ast.Hours:
        start = self._time(ch[0], allow_24=False)
        end = self._time(ch[1], allow_24=True)
        if end < start:
            end += 1440  # overnight: 22:00-04:00 ends on the next day (08:00-08:00 is empty: see E0207)
        return ast.Hours(start, end, span=self._span(meta))

    def _time(self, token: Token, allow_24: bool) -> int:
        hours, minutes = (int(part) for part in str(token).split(":"))
        if minutes > 59 or hours > 24 or (hours == 24 and (minutes or not allow_24)):
            hint = (
                "24:00 may only close an opening"
                if hours == 24 and not minutes
                else "hours run 00-23, minutes 00-59"
            )
            self.problems.append(
                Diagnostic(
                    "E0111", f"`{token}` is not a time of day", self._tspan(token), "no such time", help=hint
                )
            )
            return 0
        return hours * 60 + minutes

    def date(self, meta: Any, ch: list[Any]) -> ast.Date:
        token = ch[0]
        try:
            value = dt.date.fromisoformat(str(token))
        except ValueError:
            self.problems.append(
                Diagnostic(
                    "E0110",
                    f"`{token}` is not a date",
                    self._tspan(token),
                    "no such date",
                    help="dates are written YYYY-MM-DD",
                )
            )
            value = dt.date(1970, 1, 1)
        return ast.Date(value, span=self._span(meta))

    def annual_date(self, meta: Any, ch: list[Any]) -> ast.AnnualDate:
        day, month = int(ch[0]), ast.MONTHS.index(ch[1]) + 1
        try:
            dt.date(2024, month, day)  # a leap year: 29 february exists
        except ValueError:
            self.problems.append(
                Diagnostic("E0110", f"`{ch[0]} {ch[1]}` is not a date", self._span(meta), "no such date")
            )
        return ast.AnnualDate(month, day, span=self._span(meta))

    # -- severities, plans, targets ----------------------------------------------------------------------

    def severity(self, meta: Any, ch: list[Any]) -> ast.Severity:
        strings = [_unquote(t) for t in self._tokens(ch, "STRING")]
        code = _first(ch, ast.Name)
        assert code is not None
        return ast.Severity(
            code,
            strings[0],
            strings[1] if len(strings) > 1 else None,
            _first(ch, ast.Citation),
            span=self._span(meta),
        )

    def plan(self, meta: Any, ch: list[Any]) -> ast.Plan:
        strings = [_unquote(t) for t in self._tokens(ch, "STRING")]
        name = _first(ch, ast.Name)
        assert name is not None
        return ast.Plan(name, strings[0] if strings else None, _first(ch, ast.Citation), span=self._span(meta))

    def add_on(self, meta: Any, ch: list[Any]) -> ast.AddOn:
        strings = [_unquote(t) for t in self._tokens(ch, "STRING")]
        name = _first(ch, ast.Name)
        assert name is not None
        return ast.AddOn(name, strings[0] if strings else None, _first(ch, ast.Citation), span=self._span(meta))

    def codes(self, meta: Any, ch: list[Any]) -> _Codes:
        return _Codes(ch)

    def on_plans(self, meta: Any, ch: list[Any]) -> _Plans:
        return _Plans(ch)

    def target(self, meta: Any, ch: list[Any]) -> ast.Target:
        deadline = _one(ch, ast.Within, ast.WithinDays, ast.ByDayEnd, ast.Every)
        return ast.Target(
            ch[0],
            tuple(_first(ch, _Codes) or ()),
            tuple(_first(ch, _Plans) or ()),
            deadline,
            _first(ch, ast.After),
            _first(ch, ast.Citation),
            span=self._span(meta),
        )

    def within(self, meta: Any, ch: list[Any]) -> ast.Within:
        duration = _first(ch, ast.Duration)
        assert duration is not None
        return ast.Within(duration, _first(ch, ast.Name), span=self._span(meta))

    def within_days(self, meta: Any, ch: list[Any]) -> ast.WithinDays:
        calendar = _first(ch, ast.Name)
        assert calendar is not None
        counting = next((c for c in ch if isinstance(c, str) and not isinstance(c, Token)), None)
        return ast.WithinDays(int(ch[0]), calendar, counting, span=self._span(meta))

    def by_day_end(self, meta: Any, ch: list[Any]) -> ast.ByDayEnd:
        return ast.ByDayEnd(ch[0], ch[1], span=self._span(meta))

    def every(self, meta: Any, ch: list[Any]) -> ast.Every:
        duration = _first(ch, ast.Duration)
        assert duration is not None
        return ast.Every(duration, _first(ch, ast.Name), span=self._span(meta))

    def after(self, meta: Any, ch: list[Any]) -> ast.After:
        return ast.After(ch[0], span=self._span(meta))

    def duration(self, meta: Any, ch: list[Any]) -> ast.Duration:
        return ast.Duration(int(ch[0]), ch[1], span=self._span(meta))

    # -- clock rules -------------------------------------------------------------------------------------

    def clock(self, meta: Any, ch: list[Any]) -> ast.Clock:
        rules: tuple[ast.ClockRule, ...] = tuple(c for c in ch if not isinstance(c, ast.Citation))
        return ast.Clock(rules, _first(ch, ast.Citation), span=self._span(meta))

    def start_rule(self, meta: Any, ch: list[Any]) -> ast.StartRule:
        scope = _first(ch, _Scope) or ()
        return ast.StartRule(
            ch[0],
            tuple(item for item in scope if isinstance(item, str)),
            tuple(item for item in scope if isinstance(item, ast.Name)),
            _first(ch, ast.Citation),
            span=self._span(meta),
        )

    def clock_scope(self, meta: Any, ch: list[Any]) -> _Scope:
        return _Scope(ch)

    def pause_rule(self, meta: Any, ch: list[Any]) -> ast.PauseRule:
        return ast.PauseRule(_first(ch, ast.Citation), span=self._span(meta))

    def change_rule(self, meta: Any, ch: list[Any]) -> ast.ChangeRule:
        return ast.ChangeRule(ch[0], _first(ch, ast.Citation), span=self._span(meta))

    def downgrade_rule(self, meta: Any, ch: list[Any]) -> ast.DowngradeRule:
        return ast.DowngradeRule(ch[0], ch[1], ch[2], _first(ch, ast.Citation), span=self._span(meta))

    # -- KPIs and availability ---------------------------------------------------------------------------

    def period(self, meta: Any, ch: list[Any]) -> ast.Period:
        return ast.Period(ch[-1], span=self._span(meta))

    def kpi(self, meta: Any, ch: list[Any]) -> ast.Kpi:
        period = _first(ch, ast.Period)
        assert period is not None
        return ast.Kpi(
            ch[0],
            tuple(_first(ch, _Codes) or ()),
            tuple(_first(ch, _Plans) or ()),
            self._percent(self._tokens(ch, "PERCENT")[0]),
            period,
            _first(ch, ast.Citation),
            span=self._span(meta),
        )

    def availability(self, meta: Any, ch: list[Any]) -> ast.Availability:
        name, period = _first(ch, ast.Name), _first(ch, ast.Period)
        assert name is not None and period is not None
        rules = _all(ch, ast.Exclude, ast.ExcludeMaintenance, ast.Formula, ast.UptimeRounding)
        return ast.Availability(
            name,
            period,
            self._percent(self._tokens(ch, "PERCENT")[0]),
            rules,
            _first(ch, ast.Citation),
            span=self._span(meta),
        )

    def exclude(self, meta: Any, ch: list[Any]) -> ast.Exclude:
        return ast.Exclude(_all(ch, ast.Name), _first(ch, ast.Citation), span=self._span(meta))

    def exclude_maintenance(self, meta: Any, ch: list[Any]) -> ast.ExcludeMaintenance:
        return ast.ExcludeMaintenance(
            _all(ch, ast.Notice, ast.OutsideCalendar, ast.Budget), _first(ch, ast.Citation), span=self._span(meta)
        )

    def budget(self, meta: Any, ch: list[Any]) -> ast.Budget:
        return ast.Budget(ch[0], ch[1], span=self._span(meta))

    def notice(self, meta: Any, ch: list[Any]) -> ast.Notice:
        return ast.Notice(ch[0] if ch else None, span=self._span(meta))

    def outside_calendar(self, meta: Any, ch: list[Any]) -> ast.OutsideCalendar:
        return ast.OutsideCalendar(ch[0], span=self._span(meta))

    def uptime_rounding(self, meta: Any, ch: list[Any]) -> ast.UptimeRounding:
        mode = next((c for c in ch if isinstance(c, str) and not isinstance(c, Token)), None)
        places = self._tokens(ch, "INT")[0]
        return ast.UptimeRounding(mode, int(places), _first(ch, ast.Citation), span=self._span(meta))

    def round_mode(self, meta: Any, ch: list[Any]) -> str:
        return " ".join(str(t) for t in ch)

    def formula(self, meta: Any, ch: list[Any]) -> ast.Formula:
        return ast.Formula(ch[0], _all(ch, ast.Binding), _first(ch, ast.Citation), span=self._span(meta))

    def binding(self, meta: Any, ch: list[Any]) -> ast.Binding:
        return ast.Binding(ch[0], ch[1], span=self._span(meta))

    def add(self, meta: Any, ch: list[Any]) -> ast.Add:
        return ast.Add(ch[0], ch[1], span=self._span(meta))

    def sub(self, meta: Any, ch: list[Any]) -> ast.Sub:
        return ast.Sub(ch[0], ch[1], span=self._span(meta))

    def mul(self, meta: Any, ch: list[Any]) -> ast.Mul:
        return ast.Mul(ch[0], ch[1], span=self._span(meta))

    def div(self, meta: Any, ch: list[Any]) -> ast.Div:
        return ast.Div(ch[0], ch[1], span=self._span(meta))

    def number(self, meta: Any, ch: list[Any]) -> ast.Number:
        return ast.Number(Decimal(str(ch[0])), span=self._span(meta))

    def variable(self, meta: Any, ch: list[Any]) -> ast.Variable:
        return ast.Variable(ch[0], span=self._span(meta))

    # -- credits -----------------------------------------------------------------------------------------

    def ladder(self, meta: Any, ch: list[Any]) -> ast.Ladder:
        names = _all(ch, ast.Name)
        return ast.Ladder(names[0], names[1], _all(ch, ast.Band), _first(ch, ast.Citation), span=self._span(meta))

    def band(self, meta: Any, ch: list[Any]) -> ast.Band:
        bounds = _all(ch, ast.Above, ast.AtLeast, ast.Below, ast.AtMost, ast.Between)
        amount = _one(ch, ast.Credits, ast.FeeShare, ast.Money)
        return ast.Band(bounds, amount, _first(ch, ast.Citation), span=self._span(meta))

    def above(self, meta: Any, ch: list[Any]) -> ast.Above:
        return ast.Above(self._percent(ch[0]), span=self._span(meta))

    def at_least(self, meta: Any, ch: list[Any]) -> ast.AtLeast:
        return ast.AtLeast(self._percent(ch[0]), span=self._span(meta))

    def below(self, meta: Any, ch: list[Any]) -> ast.Below:
        return ast.Below(self._percent(ch[0]), span=self._span(meta))

    def at_most(self, meta: Any, ch: list[Any]) -> ast.AtMost:
        return ast.AtMost(self._percent(ch[0]), span=self._span(meta))

    def between(self, meta: Any, ch: list[Any]) -> ast.Between:
        return ast.Between(self._percent(ch[0]), self._percent(ch[1]), span=self._span(meta))

    def hourly_credit(self, meta: Any, ch: list[Any]) -> ast.HourlyCredit:
        name, target = _first(ch, ast.Name), _first(ch, ast.TargetRef)
        assert name is not None and target is not None
        amount = _one(ch, ast.Credits, ast.FeeShare, ast.Money)
        rounding = next((c for c in ch if isinstance(c, str) and not isinstance(c, Token)), None)
        return ast.HourlyCredit(name, amount, rounding, target, _first(ch, ast.Citation), span=self._span(meta))

    def flat_credit(self, meta: Any, ch: list[Any]) -> ast.FlatCredit:
        name = _first(ch, ast.Name)
        assert name is not None
        amount = _one(ch, ast.Credits, ast.FeeShare, ast.Money)
        missed = _one(ch, ast.TargetRef, ast.CommitmentRef)
        return ast.FlatCredit(name, amount, missed, _first(ch, ast.Citation), span=self._span(meta))

    def downtime_credit(self, meta: Any, ch: list[Any]) -> ast.DowntimeCredit:
        name, measure = _all(ch, ast.Name)
        pay = _one(ch, _PerHour, _FeeFor)
        amount, rounding = (pay.amount, pay.rounding) if isinstance(pay, _PerHour) else (None, None)
        multiple = pay.multiple if isinstance(pay, _FeeFor) else None
        rounded = _first(ch, ast.CreditRounding)
        return ast.DowntimeCredit(
            name, amount, rounding, multiple, measure, rounded, _first(ch, ast.Citation), span=self._span(meta)
        )

    def per_downtime_hour(self, meta: Any, ch: list[Any]) -> _PerHour:
        amount = _one(ch, ast.Credits, ast.FeeShare, ast.Money)
        rounding = next((c for c in ch if isinstance(c, str) and not isinstance(c, Token)), None)
        return _PerHour(amount, rounding)

    def fee_for(self, meta: Any, ch: list[Any]) -> _FeeFor:
        return _FeeFor(ch[0] if ch else None)

    def multiple(self, meta: Any, ch: list[Any]) -> Decimal:
        return Decimal(str(ch[0]))

    def credit_rounding(self, meta: Any, ch: list[Any]) -> ast.CreditRounding:
        mode = next((c for c in ch if isinstance(c, str) and not isinstance(c, Token)), None)
        places = self._tokens(ch, "INT")[0]
        return ast.CreditRounding(mode, int(places), span=self._span(meta))

    def target_ref(self, meta: Any, ch: list[Any]) -> ast.TargetRef:
        return ast.TargetRef(
            ch[0], tuple(_first(ch, _Codes) or ()), tuple(_first(ch, _Plans) or ()), span=self._span(meta)
        )

    def commitment_ref(self, meta: Any, ch: list[Any]) -> ast.CommitmentRef:
        return ast.CommitmentRef(ch[0], span=self._span(meta))

    def credits(self, meta: Any, ch: list[Any]) -> ast.Credits:
        return ast.Credits(Decimal(str(ch[0])), span=self._span(meta))

    def fee_share(self, meta: Any, ch: list[Any]) -> ast.FeeShare:
        return ast.FeeShare(self._percent(ch[0]), span=self._span(meta))

    def money(self, meta: Any, ch: list[Any]) -> ast.Money:
        return ast.Money(str(ch[0]), Decimal(str(ch[1])), span=self._span(meta))

    def cap(self, meta: Any, ch: list[Any]) -> ast.Cap:
        return ast.Cap(ch[0], ch[1], _first(ch, ast.Citation), span=self._span(meta))

    def no_stacking(self, meta: Any, ch: list[Any]) -> ast.NoStacking:
        return ast.NoStacking(ch[0], _first(ch, ast.Citation), span=self._span(meta))

    def minimum(self, meta: Any, ch: list[Any]) -> ast.Minimum:
        return ast.Minimum(ch[0], _first(ch, ast.Citation), span=self._span(meta))

    def exclude_incidents(self, meta: Any, ch: list[Any]) -> ast.ExcludeIncidents:
        kinds = _first(ch, _Kinds) or _Kinds()
        return ast.ExcludeIncidents(
            _all(ch, ast.Name), tuple(kinds), _first(ch, ast.Citation), span=self._span(meta)
        )

    def excluded_kinds(self, meta: Any, ch: list[Any]) -> _Kinds:
        return _Kinds(ch)

    def claim_window(self, meta: Any, ch: list[Any]) -> ast.ClaimWindow:
        return ast.ClaimWindow(ch[0], int(ch[1]), ch[2], ch[3], _first(ch, ast.Citation), span=self._span(meta))

    # -- names, citations, keywords ----------------------------------------------------------------------

    def name(self, meta: Any, ch: list[Any]) -> ast.Name:
        return ast.Name(str(ch[0]), span=self._tspan(ch[0]))

    def code(self, meta: Any, ch: list[Any]) -> ast.Name:
        return ast.Name(str(ch[0]), span=self._tspan(ch[0]))

    def citation(self, meta: Any, ch: list[Any]) -> ast.Citation:
        ref = re.sub(r"^§[ \t]*", "", str(ch[0])).strip('"')
        return ast.Citation(ref, span=self._span(meta))

    def _keyword(self, meta: Any, ch: list[Any]) -> str:
        return str(ch[0])  # a plain str, never a Token: that is how builders tell keywords from literals

    def unit(self, meta: Any, ch: list[Any]) -> str:
        return " ".join(str(c) for c in ch)  # `working day` is two words, kept as written

    month_name = weekday = period_unit = rounding = measure = change_mode = _keyword
    day_ref = failure_edge = window_kind = target_kind = _keyword
