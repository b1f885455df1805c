"""An export's text to rows and objects that remember where each value is, so that every diagnostic points at
the cell or field at fault. Nothing is read from a file here: the text is given.

* CSV: a header row, then one row per line (a quoted cell may span lines). The delimiter is the mapping's; an
  export whose header splits on another one (`;` from a spreadsheet set to a European locale) is refused with
  `E0402`, a column the mapping names that the header lacks with `E0403`.
* JSON: parsed into `Node`s that keep their offsets, so a field deep in a ticket's history can be pointed at.
"""

from __future__ import annotations

import csv
import io
import json.decoder
import re
from collections.abc import Callable, Sequence
from json.scanner import NUMBER_RE
from typing import Any, cast

import attrs

from sladsl.diagnostics import Diagnostic, SlaError, did_you_mean
from sladsl.source import Source, Span
from sladsl.timeline.formats import DEPTH, Reject

DELIMITERS = (",", ";", "\t", "|")


@attrs.define
class Value:
    """A value read from an export, as text, and where it is: offsets `[start, end)` in the export's text."""

    text: str
    start: int
    end: int


@attrs.define
class Place:
    """Where a row or object of an export is, and its text: what a record made from it points at."""

    where: Span
    text: str

    def reject(self, code: str, message: str, help_text: str | None = None, value: Value | None = None) -> Reject:
        """A rejection with its caret on `value` (a cell or field inside this place), or on the whole place."""
        if value is None or not self.where.start <= value.start <= self.where.end:
            return Reject(code, message, help_text)
        return Reject(
            code, message, help_text, at=value.start - self.where.start, end=value.end - self.where.start
        )


# -- CSV --------------------------------------------------------------------------------------------------------


@attrs.define
class Row:
    """A CSV row after the header: its place and its cells by column (an empty cell is left out), or the
    `Reject` saying why it cannot be read."""

    place: Place
    cells: dict[str, Value]
    problem: Reject | None = None

    def get(self, column: str | None) -> Value | None:
        return None if column is None else self.cells.get(column)


@attrs.define
class Table:
    header: list[str]
    rows: list[Row]


_LONE_CR = re.compile(r"\r(?!\n)")


def read_csv(source: Source, delimiter: str, columns: Sequence[str], what: str = "export") -> Table:
    """The rows of a CSV export. `columns` are those the mapping names: each must be in the header."""
    text = _LONE_CR.sub("\n", source.text)
    if text != source.text:
        source = Source(source.name, text)
    starts = source.line_starts
    header: list[str] | None = None
    header_span: Span | None = None
    rows: list[Row] = []
    line = 0
    while line < len(starts):
        reader = csv.reader(io.StringIO(text[starts[line] :], newline=""), delimiter=delimiter, strict=True)
        before = 0
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                line = len(starts)
                break
            except csv.Error as error:
                begin = line + before
                place = _place(source, begin, begin + 1)
                why = "a quote is never closed" if "end of data" in str(error) else str(error)
                help = 'inside a quoted cell, write a quote as `""`'
                if header is None:  # the header itself: perhaps another separator, else the row says why
                    _separated_otherwise(
                        place.text, [place.text], list(columns), place.where, delimiter, what=what
                    )
                    unread = Diagnostic(
                        "E0401", f"the header row is not CSV: {why}", place.where, "header", help=help
                    )
                    raise SlaError([unread]) from None
                rows.append(Row(place, {}, Reject("E0401", f"this row is not CSV: {why}", help)))
                line = begin + 1
                break
            first, before = line + before, reader.line_num
            if not cells or (header is None and not any(c.strip() for c in cells)):
                continue
            place = _place(source, first, line + before)
            if header is None:
                header = [c.strip().removeprefix("\ufeff") for c in cells]
                header_span = place.where
                _check_header(source, header, header_span, delimiter=delimiter, columns=columns, what=what)
                continue
            rows.append(_row(place, header, cells, delimiter))
    if header is None:
        raise SlaError(
            [
                Diagnostic(
                    "E0401",
                    f"the {what} has no header row",
                    source.span(0, 0),
                    "empty",
                    help="export it with the column names in its first row",
                )
            ]
        )
    return Table(header, rows)


def _check_header(
    source: Source, header: list[str], span: Span, *, delimiter: str, columns: Sequence[str], what: str
) -> None:
    missing = [c for c in dict.fromkeys(columns) if c not in header]
    if not missing:
        return
    _separated_otherwise(source.line_text(span.line), header, missing, span, delimiter, what=what)
    found = []
    lowered = {h.lower(): h for h in header}
    for column in missing:
        guess = lowered.get(column.lower()) or did_you_mean(column, header)
        found.append(
            Diagnostic(
                "E0403",
                f"column `{column}` is not in the {what}'s header",
                span,
                "header",
                help=f"did you mean `{guess}`? the mapping names columns exactly as the header writes them"
                if guess
                else "add the column to the export, or name another under [fields] in the mapping; columns: "
                + ", ".join(f"`{h}`" for h in header[:12])
                + (f" and {len(header) - 12} more" if len(header) > 12 else ""),
            )
        )
    raise SlaError(found)


def _separated_otherwise(
    line: str, header: list[str], missing: list[str], span: Span, delimiter: str, *, what: str
) -> None:
    """E0402 when the header row, split by another separator, holds the columns it seemed to lack: most of them,
    or any when it read as one column."""
    for other in DELIMITERS:
        if other != delimiter and other in line:
            split = [c.strip().strip('"') for c in line.split(other)]
            found = sum(c in split for c in missing)
            if found > len(missing) / 2 or (found and len(header) == 1):
                shown = "\\t" if other == "\t" else other
                mine = "\\t" if delimiter == "\t" else delimiter
                raise SlaError(
                    [
                        Diagnostic(
                            "E0402",
                            f"the {what}'s columns are separated by `{shown}`, not `{mine}`",
                            span,
                            "one column, as read",
                            help=f'say so under [source] in the mapping: `delimiter = "{shown}"`',
                        )
                    ]
                )


def _place(source: Source, first: int, last: int) -> Place:
    starts = source.line_starts
    start = starts[first]
    end = starts[last] if last < len(starts) else len(source.text)
    body = source.text[start:end].rstrip("\r\n")
    return Place(source.span(start, start + len(body)), body)


def _row(place: Place, header: list[str], cells: list[str], delimiter: str) -> Row:
    if len(cells) > len(header):
        problem = Reject(
            "E0401",
            f"this row has {len(cells)} cells, and the header {len(header)}",
            "quote a cell that holds the delimiter",
        )
        return Row(place, {}, problem)
    spans = _cell_spans(place.text, delimiter)
    if len(spans) != len(cells):
        spans = [(0, len(place.text))] * len(cells)  # a row laid out oddly: point at all of it
    base = place.where.start
    found = {
        column: Value(cell.strip(), base + a, base + b)
        for column, cell, (a, b) in zip(header, cells, spans, strict=False)
        if column and cell.strip()
    }
    return Row(place, found)


def _cell_spans(text: str, delimiter: str) -> list[tuple[int, int]]:
    """Where each cell of a CSV row's text is, quotes included."""
    spans, i, size = [], 0, len(text)
    while True:
        start = i
        if i < size and text[i] == '"':
            i += 1
            while i < size:
                if text[i] == '"':
                    if i + 1 < size and text[i + 1] == '"':
                        i += 2
                        continue
                    i += 1
                    break
                i += 1
        while i < size and text[i] != delimiter:
            i += 1
        spans.append((start, i))
        if i >= size:
            return spans
        i += 1


# -- JSON ---------------------------------------------------------------------------------------------------


@attrs.define
class Node:
    """A JSON value and where it is: an object's members and an array's items are nodes too."""

    value: Any  # dict[str, Node] | list[Node] | str | int | float | bool | None
    start: int
    end: int

    def get(self, path: str | None) -> Node | None:
        """The node at a dotted path (`fields.priority.name`, `items.0.toString`), or None."""
        if path is None:
            return None
        node: Node | None = self
        for part in path.split("."):
            if node is None:
                return None
            if isinstance(node.value, dict):
                node = node.value.get(part)
            elif isinstance(node.value, list) and part.isdigit() and int(part) < len(node.value):
                node = node.value[int(part)]
            else:
                return None
        return node

    def text(self, path: str | None) -> Value | None:
        """The text of the value at a path: a string, a number as written; an object with a `display_value`
        (ServiceNow's `sysparm_display_value=all`) or a `name` (Jira's priority, status) gives that. Empty,
        null or missing is None."""
        node = self.get(path)
        if node is not None and isinstance(node.value, dict):
            node = node.value.get("display_value") or node.value.get("name")
        if node is None or node.value is None or isinstance(node.value, (dict, list)):
            return None
        if isinstance(node.value, bool):
            return Value("true" if node.value else "false", node.start, node.end)
        found = str(node.value).strip()
        return Value(found, node.start, node.end) if found else None

    def items(self, path: str | None = None) -> list[Node]:
        node = self.get(path) if path else self
        return node.value if node is not None and isinstance(node.value, list) else []


# The standard library's string scanner (C when it can), which typeshed does not declare.
_scan = cast("Callable[[str, int, bool], tuple[str, int]]", json.decoder.scanstring)  # type: ignore[attr-defined]
_SPACE = re.compile(r"[ \t\n\r]*")


def read_json(source: Source, what: str = "export") -> Node:
    """The located value of a JSON export; `E0401` with its place when it is not JSON."""
    text = source.text
    try:
        node, end = _value(text, _SPACE.match(text, 0).end(), 0)  # type: ignore[union-attr]
        end = _SPACE.match(text, end).end()  # type: ignore[union-attr]
        if end != len(text):
            raise _Bad("more text after the JSON value", end)
    except _Bad as error:
        at = min(error.at, len(text))
        raise SlaError(
            [
                Diagnostic(
                    "E0401",
                    f"the {what} is not JSON: {error.why}",
                    source.span(at, at + 1),
                    "here",
                    help="export the tool's JSON as it is, or choose its CSV export",
                )
            ]
        ) from None
    return node


class _Bad(Exception):
    def __init__(self, why: str, at: int) -> None:
        super().__init__(why)
        self.why, self.at = why, at


def _value(text: str, i: int, depth: int) -> tuple[Node, int]:
    if depth > DEPTH:
        raise _Bad(f"arrays and objects nest more than {DEPTH} deep", i)
    if i >= len(text):
        raise _Bad("it ends too soon", i)
    ch = text[i]
    if ch == '"':
        try:
            found, end = _scan(text, i + 1, True)
        except ValueError:
            raise _Bad("a string is not closed", i) from None
        return Node(found, i, end), end
    if ch == "{":
        members: dict[str, Node] = {}
        j = _SPACE.match(text, i + 1).end()  # type: ignore[union-attr]
        if text.startswith("}", j):
            return Node(members, i, j + 1), j + 1
        while True:
            if not text.startswith('"', j):
                raise _Bad("expected a member name in quotes", j)
            key, j = _scan(text, j + 1, True)
            j = _SPACE.match(text, j).end()  # type: ignore[union-attr]
            if not text.startswith(":", j):
                raise _Bad("expected `:`", j)
            member, j = _value(text, _SPACE.match(text, j + 1).end(), depth + 1)  # type: ignore[union-attr]
            members[key] = member
            j = _SPACE.match(text, j).end()  # type: ignore[union-attr]
            if text.startswith("}", j):
                return Node(members, i, j + 1), j + 1
            if not text.startswith(",", j):
                raise _Bad("expected `,` or `}`", j)
            j = _SPACE.match(text, j + 1).end()  # type: ignore[union-attr]
    if ch == "[":
        items: list[Node] = []
        j = _SPACE.match(text, i + 1).end()  # type: ignore[union-attr]
        if text.startswith("]", j):
            return Node(items, i, j + 1), j + 1
        while True:
            item, j = _value(text, j, depth + 1)
            items.append(item)
            j = _SPACE.match(text, j).end()  # type: ignore[union-attr]
            if text.startswith("]", j):
                return Node(items, i, j + 1), j + 1
            if not text.startswith(",", j):
                raise _Bad("expected `,` or `]`", j)
            j = _SPACE.match(text, j + 1).end()  # type: ignore[union-attr]
    for word, constant in (("true", True), ("false", False), ("null", None)):
        if text.startswith(word, i):
            return Node(constant, i, i + len(word)), i + len(word)
    number = NUMBER_RE.match(text, i)
    if number is None or number.end() == i:
        raise _Bad(f"unexpected `{ch}`", i)
    whole, fraction, exponent = number.groups()
    if len(whole) > 40:
        raise _Bad("a number of more than 40 digits", i)
    value: Any = float(number.group()) if fraction or exponent else int(whole)
    return Node(value, i, number.end()), number.end()


def place_of(source: Source, node: Node) -> Place:
    return Place(source.span(node.start, node.end), source.text[node.start : node.end])


def rows_of(source: Source, node: Node, keys: Sequence[str], what: str) -> list[Node]:
    """The records of a JSON export: the array itself, or the array under one of `keys` of the top object
    (`records` for ServiceNow's JSONv2, `result` for its Table API, `issues` for Jira)."""
    if isinstance(node.value, list):
        return node.value
    if isinstance(node.value, dict):
        for key in keys:
            found = node.value.get(key)
            if found is not None and isinstance(found.value, list):
                return found.value
    said = " or ".join(f"`{k}`" for k in keys)
    raise SlaError(
        [
            Diagnostic(
                "E0401",
                f"the {what} is not a list of records",
                source.span(node.start, node.start + 1),
                "here",
                help=f"a JSON export is an array, or an object with the array under {said}",
            )
        ]
    )
