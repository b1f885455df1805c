"""The syntax-error catalogue: Lark's errors turned into coded diagnostics that never name an internal terminal.

Known mistakes (a missing `:`, a percentage without `%`, a time without minutes, an unclosed string, a file that
stops mid-clause, a misspelt keyword) get their own message and help line. Anything else is described by the
token found and the words that would have been accepted, in the language's own terms.
"""

from __future__ import annotations

import contextlib

from lark import Lark, Token
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken
from lark.indenter import DedentError
from lark.lexer import PatternStr

from sladsl.diagnostics import Diagnostic, did_you_mean
from sladsl.source import Source, Span, comment_column

_NAMED = {
    "NAME": "a name",
    "STRING": 'a quoted string like "Critical"',
    "INT": "a whole number",
    "DECIMAL": "a number",
    "PERCENT": "a percentage like `99.5%`",
    "TIME": "a time like `08:00`",
    "DATE": "a date like `2025-01-31`",
    "CITATION": 'a citation like `§ 5.1` or `§ "Definitions"`',
    "COUNTRY": "a country code like `NO`",
    "CURRENCY": "a currency code like `EUR`",
    "ZONE_NAME": "a time zone like `Europe/Oslo`",
    "_NL": "the end of the line",
    "_INDENT": "an indented block",
    "_DEDENT": "the end of the block",
    "$END": "the end of the file",
}
_WORDLIKE = {"NAME", "ZONE_NAME", "COUNTRY", "CURRENCY"}


def _words(parser: Lark, expected: set[str]) -> tuple[list[str], list[str]]:
    """Human descriptions of expected terminals, and the keywords among them."""
    described: set[str] = set()
    keywords: set[str] = set()
    for name in expected:
        if name in _NAMED:
            described.add(_NAMED[name])
            continue
        try:
            pattern = parser.get_terminal(name).pattern
        except KeyError:
            continue
        if isinstance(pattern, PatternStr):
            described.add(f"`{pattern.value}`")
            if pattern.value.isalpha() or "_" in pattern.value:
                keywords.add(pattern.value)
    return sorted(described), sorted(keywords)


def _found(token: Token, parser: Lark) -> str:
    if token.type in ("_NL", "$END", "_INDENT", "_DEDENT"):
        return _NAMED[token.type]
    if token.type in _NAMED:
        return f"{_NAMED[token.type].split(' like')[0]} `{token}`"
    return f"`{token}`"


def _end_of_content(source: Source, offset: int) -> int:
    """The offset just after the last token before `offset` (skipping spaces, line breaks and comments)."""
    text = source.text
    i = min(offset, len(text))
    while i > 0:
        line_start = text.rfind("\n", 0, i) + 1
        line = text[line_start:i]
        hash_at = comment_column(line)
        content = (line[:hash_at] if hash_at is not None else line).rstrip()
        if content:
            return line_start + len(content)
        i = line_start - 1
    return 0


def _expected(expected: list[str]) -> tuple[str, ...]:
    """The note listing what the parser would have accepted, when it would have accepted anything."""
    return (f"expected {_list(expected)}",) if expected else ()


def _point(source: Source, offset: int) -> Span:
    return source.span(offset, offset + 1)


def _next_content(text: str, start: int) -> int:
    """The first character at or after `start` that is neither white space nor in a comment."""
    i = start
    while i < len(text):
        if text[i] in " \t\r\n":
            i += 1
        elif text[i] == "#":
            end = text.find("\n", i)
            i = len(text) if end < 0 else end
        else:
            return i
    return start


def _list(items: list[str]) -> str:
    if len(items) > 6:
        items = [*items[:6], "..."]
    return ", ".join(items)


def describe_syntax_error(error: UnexpectedInput | DedentError, source: Source, parser: Lark) -> Diagnostic:
    if isinstance(error, DedentError):
        # The indenter has no position; the first line whose indentation matches no open block is the culprit.
        offset = _unaligned_line(source)
        return Diagnostic(
            "E0104",
            "indentation does not match any enclosing block",
            _point(source, offset),
            "this line",
            help="indent a block's lines by the same amount, four spaces per level",
        )
    if isinstance(error, UnexpectedCharacters):
        return _unexpected_character(error, source, parser)
    if isinstance(error, UnexpectedEOF):
        end = _end_of_content(source, len(source.text))
        return Diagnostic(
            "E0108", "the file ends in the middle of a clause", _point(source, end), "more expected here"
        )
    assert isinstance(error, UnexpectedToken)
    return _unexpected_token(error, source, parser)


def _unaligned_line(source: Source) -> int:
    stack = [0]
    offset = 0
    for line in source.text.splitlines(keepends=True):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            indent = len(line) - len(line.lstrip(" "))
            if indent > stack[-1]:
                stack.append(indent)
            else:
                while indent < stack[-1]:
                    stack.pop()
                if indent != stack[-1]:
                    return offset + indent
        offset += len(line)
    return 0


def _unexpected_character(error: UnexpectedCharacters, source: Source, parser: Lark) -> Diagnostic:
    pos = error.pos_in_stream or 0
    ch = source.text[pos] if pos < len(source.text) else ""
    if ch == '"':
        line_end = source.text.find("\n", pos)
        line_end = len(source.text) if line_end < 0 else line_end
        return Diagnostic(
            "E0103",
            "this string is not closed",
            source.span(pos, max(line_end, pos + 1)),
            "no closing quote on this line",
            help='end the string with `"` on the same line',
        )
    expected, keywords = _words(parser, set(error.allowed or ()))
    word_end = pos
    while word_end < len(source.text) and (source.text[word_end].isalnum() or source.text[word_end] in "_%:.-/"):
        word_end += 1
    word = source.text[pos:word_end]
    if word and (ch.isalnum() or ch == "_"):
        return _unexpected_word(word, source.span(pos, word_end), expected, keywords)
    if ch in ("\r", "\n", ""):
        return Diagnostic(
            "E0108",
            "the line ends in the middle of a clause",
            _point(source, _end_of_content(source, pos + 1)),
            "more expected here",
            notes=_expected(expected),
        )
    printable = ch if ch.isprintable() else f"U+{ord(ch):04X}"
    return Diagnostic(
        "E0109",
        f"`{printable}` is not part of the language here",
        _point(source, pos),
        "unexpected character",
        notes=_expected(expected),
    )


def _unexpected_word(word: str, span: Span, expected: list[str], keywords: list[str]) -> Diagnostic:
    guess = did_you_mean(word, keywords)
    return Diagnostic(
        "E0101",
        f"unexpected `{word}`",
        span,
        "not allowed here",
        notes=_expected(expected),
        help=f"did you mean `{guess}`?" if guess else None,
        replacement=guess,
    )


def _unexpected_token(error: UnexpectedToken, source: Source, parser: Lark) -> Diagnostic:
    token = error.token
    expected_names = set(error.expected)
    if error.interactive_parser is not None:
        # LALR merges states, so `expected` can list tokens that would fail one step later; ask the parser
        # which tokens it really accepts here.
        with contextlib.suppress(Exception):  # a better list is a nicety; the plain set still works
            expected_names = set(error.interactive_parser.accepts()) or expected_names  # type: ignore[no-untyped-call]
    expected, keywords = _words(parser, expected_names)
    start = token.start_pos if token.start_pos is not None else len(source.text)
    at_end = token.type == "$END" or not source.text[start:].strip()
    if "COLON" in expected_names and (
        token.type in ("_NL", "$END", "_DEDENT", "CITATION") or expected_names <= {"COLON", "CITATION"}
    ):
        end = start if token.type == "CITATION" else _end_of_content(source, start + (token.type != "_NL"))
        return Diagnostic(
            "E0102",
            "expected `:` at the end of this block header",
            _point(source, end),
            "`:` missing",
            help="a block header ends with `:` (before any `§` citation) and its lines follow, indented",
        )
    if token.type in ("INT", "DECIMAL") and "PERCENT" in expected_names:
        return Diagnostic(
            "E0106",
            f"`{token}` needs a `%` to be a percentage",
            _tspan(source, token),
            "percent sign missing",
            help=f"write `{token}%`",
            replacement=f"{token}%",
        )
    if token.type == "INT" and "TIME" in expected_names:
        return Diagnostic(
            "E0107",
            f"`{token}` is not a time of day",
            _tspan(source, token),
            "hours and minutes needed",
            help=f"write times as `HH:MM`, like `{int(token):02d}:00`",
        )
    if token.type == "_INDENT":  # placed at the line break before it: point at the indented line itself
        return Diagnostic(
            "E0104",
            "unexpected indentation",
            _point(source, _next_content(source.text, start)),
            "this line is indented",
            help="only the lines of a block (after a header ending in `:`) are indented",
        )
    if at_end or token.type in ("_DEDENT", "_NL"):
        end = _end_of_content(source, min(start + (0 if token.type == "_NL" else 1), len(source.text)))
        what = "the file ends" if at_end else "the line ends"
        return Diagnostic(
            "E0108",
            f"{what} in the middle of a clause",
            _point(source, end),
            "more expected here",
            notes=_expected(expected),
        )
    if token.type in _WORDLIKE or str(token).isalpha():
        return _unexpected_word(str(token), _tspan(source, token), expected, keywords)
    return Diagnostic(
        "E0101",
        f"unexpected {_found(token, parser)}",
        _tspan(source, token),
        "not allowed here",
        notes=_expected(expected),
    )


def _tspan(source: Source, token: Token) -> Span:
    start = token.start_pos or 0
    end = token.end_pos if token.end_pos is not None else start + len(str(token))
    return source.span(start, max(end, start + 1))
