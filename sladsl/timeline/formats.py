"""Timeline files to entries: JSON Lines, CSV (a header row) or a JSON array, in memory; nothing is read here.

Every entry is numbered (`seq`, from 0, in the order of the file) and placed (`where`, a span with the file's
name, line and column), and carries its own text so that a diagnostic can point at one of its fields. A record
that cannot be parsed still becomes an entry: its value is the `Reject` that says why, so it is counted and
reported like any other bad record.

A JSON Lines record of the kinds a timeline is mostly made of (reports and events) is first decoded as a `Typed`
struct, its fields' JSON types checked in C: no dict of it is made, and its span only when a diagnostic asks for
one (a line's number, offset and column are kept until then). Any record the typed decode refuses (another kind,
a field unknown or of another type, JSON that is not valid) is parsed as a dict instead, so every diagnostic is
made by the one reader (`sladsl.timeline.records`) from the same values either way.

JSON Lines are split on line feeds alone (JSON strings may hold U+2028), each line decoded on its own: one line
that is not UTF-8, or not JSON, costs that line only. Only JSON's own white space (space, tab, CR, LF) may
surround a record. The lines of a file can also be read from the end (`json_lines_backwards`), with the same
numbering; an evaluation uses that to learn which record is the last of each incident before reading forward.
"""

from __future__ import annotations

import io
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import Any, ClassVar

import msgspec
import orjson

from sladsl.source import Source, Span

BOM = b"\xef\xbb\xbf"
JSON_BLANK = b" \t\r\n"  # the white space JSON allows around a value


class Reject(Exception):
    """Why a record cannot be used: a diagnostic code, a message, help, and the field at fault (if one is)."""

    def __init__(
        self,
        code: str,
        message: str,
        help_text: str | None = None,
        key: str | None = None,
        *,
        at: int | None = None,
        end: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code, self.message, self.help, self.key = code, message, help_text, key
        # Where in the record's text the fault is, when no field names it: one character (a byte not UTF-8), or
        # up to `end` (a cell of an imported export).
        self.at, self.end = at, end


class Entry(msgspec.Struct, gc=False, eq=False):
    """One record as read: its number in the timeline, its place, its parsed value (a dict, a `Typed` struct, or
    the `Reject` saying why it has none), and its own text.

    An entry of a JSON Lines file is given its line (`json_lines`' number, offset, column and body) in place of a
    span, and makes the span when it is first asked for: most records never need one. A struct, made in C, as a
    timeline has millions of them; compared by identity, as a record is one of a kind."""

    seq: int
    _where: Span | None
    raw: Any
    text: str | bytes
    _line: tuple[str, tuple[int, int, int, bytes]] | None = None

    @property
    def where(self) -> Span:
        where = self._where
        if where is None:
            assert self._line is not None, "an entry has a span or a line"
            name, (number, offset, column, body) = self._line
            end = offset + len(body)
            where = self._where = Span(name, offset, end, number, column, number, column + len(body))
        return where

    def __repr__(self) -> str:
        return f"Entry({self.seq!r}, {self.where!r}, {self.raw!r}, {self.text!r})"


def kind_of(name: str, text: str | bytes) -> str:
    """The format of a timeline: `csv` for a `.csv` file, `array` for a `.json` file, `lines` for a `.jsonl` or
    `.ndjson` file; else `array` for text that starts with `[` (after white space and a byte-order mark) and
    `lines` for any other. A file named as JSON Lines is read a line at a time whatever its first line holds."""
    lowered = name.lower()
    if lowered.endswith(".csv"):
        return "csv"
    if lowered.endswith(".json"):
        return "array"
    if lowered.endswith((".jsonl", ".ndjson")):
        return "lines"
    head = text[:4096].encode() if isinstance(text, str) else text[:4096]
    return "array" if head.removeprefix(BOM).lstrip(JSON_BLANK).startswith(b"[") else "lines"


# -- JSON Lines -----------------------------------------------------------------------------------------------


def json_lines(chunks: Iterable[bytes], *, start: bool = True) -> Iterator[tuple[int, int, int, bytes]]:
    """(line number, byte offset, column, body) of every non-blank line, from the file's bytes in chunks of any
    size; the offset and 1-based column are where the body begins, past any white space. With `start` False the
    bytes are not the file's first (a `--jobs` worker's share), so a byte-order mark is not looked for, and lines
    and offsets count from the share's beginning."""
    number, offset, tail = 0, 0, b""
    first, pending = start, b""
    for given in chunks:
        chunk = given
        if first:  # the file's first bytes: drop a byte-order mark, even one split across chunks
            pending += given
            if len(pending) < len(BOM) and BOM.startswith(pending):
                continue
            chunk, pending, first = pending, b"", False
            if chunk.startswith(BOM):
                chunk, offset = chunk[len(BOM) :], len(BOM)
        parts = (tail + chunk).split(b"\n")
        tail = parts.pop()
        for part in parts:
            number += 1
            body = part.strip(JSON_BLANK)
            if body:
                lead = 0 if body is part else _leading(part)  # most lines have no white space to strip
                yield number, offset + lead, lead + 1, body
            offset += len(part) + 1
    if first and pending:
        tail = pending  # a file shorter than a byte-order mark, or one that is nothing but
        if tail.startswith(BOM):
            tail, offset = tail[len(BOM) :], len(BOM)
    body = tail.strip(JSON_BLANK)
    if body:
        lead = _leading(tail)
        yield number + 1, offset + lead, lead + 1, body


def _leading(part: bytes) -> int:
    return len(part) - len(part.lstrip(JSON_BLANK))


def json_lines_backwards(blocks: Iterable[bytes]) -> Iterator[bytes]:
    """The bodies of the non-blank lines, last first, from the file's bytes in blocks taken from its end (the
    last block first). The same lines as `json_lines`, in reverse."""
    head = b""  # the start of the earliest line seen so far, not yet known to be whole
    for block in blocks:
        parts = (block + head).split(b"\n")
        head = parts[0]
        for part in reversed(parts[1:]):
            body = part.strip(JSON_BLANK)
            if body:
                yield body
    body = head.removeprefix(BOM).strip(JSON_BLANK)
    if body:
        yield body


class Typed(msgspec.Struct, frozen=True, forbid_unknown_fields=True, gc=False, tag_field="type"):
    """A report or an event whose every field has the JSON type its kind expects, decoded and type-checked in C
    (a JSON `true` where a string belongs is refused here, and the record is then read as a dict, whose reader
    says why). Only the types are checked: what the values mean (a blank string, a timestamp, a severity) is
    checked by the one reader, which reads a `Typed` record's fields as it reads a dict's."""

    kind: ClassVar[str]  # the record's `type`
    incident: str
    at: str

    def get(self, key: str, default: Any = None) -> Any:
        """A field's value, as `dict.get` gives it: None for a field left out or given as `null`."""
        return self.kind if key == "type" else getattr(self, key, default)


class Reported(Typed, tag="reported", frozen=True):
    kind: ClassVar[str] = "reported"
    severity: str
    customer: str | None = None
    plan: str | None = None
    channel: str | None = None
    tags: list[str] | None = None


class Response(Typed, tag="response", frozen=True):
    kind: ClassVar[str] = "response"


class Restore(Typed, tag="restore", frozen=True):
    kind: ClassVar[str] = "restore"


class Resolution(Typed, tag="resolution", frozen=True):
    kind: ClassVar[str] = "resolution"


class Update(Typed, tag="update", frozen=True):
    kind: ClassVar[str] = "update"


class Paused(Typed, tag="paused", frozen=True):
    kind: ClassVar[str] = "paused"


class Resumed(Typed, tag="resumed", frozen=True):
    kind: ClassVar[str] = "resumed"


class SeverityChanged(Typed, tag="severity_changed", frozen=True):
    kind: ClassVar[str] = "severity_changed"
    severity: str


decode_typed = msgspec.json.Decoder(
    Reported | Response | Restore | Resolution | Update | Paused | Resumed | SeverityChanged
).decode  # a report's or an event's line to its `Typed` record; `msgspec.DecodeError` for any other line


def read_line(body: bytes) -> Any:
    """A line's value: a `Typed` record when its kind has one and its JSON types are right, else what
    `parse_line` makes of it. The typed decode accepts only valid UTF-8 JSON objects that orjson reads to the same
    values (its last duplicate key wins, as orjson's does), so the reader sees the same record either way."""
    try:
        return decode_typed(body)
    except msgspec.DecodeError:
        return parse_line(body)


def parse_line(body: bytes) -> Any:
    """A line's value, or the `Reject` that says why it has none."""
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError:
        return _slowly(body)
    if body.count(b"[") + body.count(b"{") > DEPTH and depth_of(value) > DEPTH:
        return _too_deep("line")
    return value


DEPTH = 64  # how deeply a record's arrays and objects may nest: a record needs 3 levels


def depth_of(value: Any) -> int:
    """How deeply a parsed value's arrays and objects nest (a scalar: 0), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in item if isinstance(child, (dict, list)))
    return deepest


def _too_deep(what: str) -> Reject:
    message = f"this {what} nests arrays and objects more than {DEPTH} deep"
    return Reject("E0301", message, "a record needs 3 levels at most")


def _slowly(body: bytes) -> Any:
    """What the standard library makes of a line orjson refused: a value (orjson is stricter in a few corners,
    such as a lone surrogate escape), or the reason it is not one."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        return Reject(
            "E0315",
            f"byte {error.start} of this line is not UTF-8 text",
            "a timeline must be UTF-8 text; is this the right file?",
            at=len(body[: error.start].decode("utf-8", errors="replace")),
        )
    try:
        value = json.loads(text, parse_constant=no_constant, parse_int=whole_number)
    except Reject as error:
        return error
    except json.JSONDecodeError as error:
        return Reject("E0301", f"this line is not a JSON object: {why(error)}", _stray_space(text, error))
    except RecursionError:
        return _too_deep("line")
    if depth_of(value) > DEPTH:
        return _too_deep("line")
    if _lone_surrogate(value):  # orjson refuses such an escape; the standard library reads it
        return Reject("E0315", "this line escapes half of a surrogate pair, which is not text", _PAIRS)
    return value


_PAIRS = "a `\\ud800` to `\\udfff` escape must be one of a pair; is the text cut in the middle of a character?"
_ARRAY_HELP = "write the timeline as JSON Lines, one record a line, where a wrong record costs its line alone"


def _lone_surrogate(value: Any) -> bool:
    """Whether a parsed value holds text with half of a surrogate pair, which cannot be written out again."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_lone_surrogate(k) or _lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_lone_surrogate(v) for v in value)
    return False


def _stray_space(text: str, error: json.JSONDecodeError) -> str | None:
    """Help for a record followed by a Unicode space that JSON does not count as white space (a no-break space
    pasted from a document, say)."""
    if error.msg == "Extra data" and not text[error.pos :].strip():
        found = next(c for c in text[error.pos :] if c not in " \t\r\n")
        name = unicodedata.name(found, "a space").lower()
        return f"U+{ord(found):04X} ({name}) is not white space in JSON; remove it"
    return None


def no_constant(name: str) -> Any:
    raise Reject("E0313", f"`{name}` is not a number JSON allows")


DIGITS = 100  # the most digits a whole number in a timeline may have; an amount or an id needs far fewer


def whole_number(text: str) -> int:
    """A JSON whole number, of at most `DIGITS` digits (Python refuses to read more than 4,300 at all)."""
    if len(text.lstrip("-")) > DIGITS:
        raise Reject("E0301", f"a number of {len(text.lstrip('-')):,} digits; at most {DIGITS} are read")
    return int(text)


def why(error: Exception) -> str:
    return f"{error.msg} (column {error.colno})" if isinstance(error, json.JSONDecodeError) else str(error)


def lines_of(name: str, lines: Iterable[tuple[int, int, int, bytes]]) -> Iterator[Entry]:
    """Entries from `json_lines`, numbered from 0, each line's value read as `read_line` reads it."""
    typed = decode_typed
    for seq, line in enumerate(lines):
        body = line[3]
        try:
            raw = typed(body)
        except msgspec.DecodeError:
            raw = parse_line(body)
        yield Entry(seq, None, raw, body, (name, line))


# -- CSV and JSON arrays, read whole --------------------------------------------------------------------------


def entries(source: Source) -> Iterator[Entry]:
    """Every record of a timeline held in memory as text, in file order."""
    kind = kind_of(source.name, source.text)
    if kind == "csv":
        yield from _csv_entries(source)
    elif kind == "array":
        yield from _array_entries(source)
    else:
        yield from lines_of(source.name, json_lines([source.text.encode("utf-8", "surrogatepass")]))


def _array_entries(source: Source) -> Iterator[Entry]:
    text = source.text
    decoder = json.JSONDecoder(parse_constant=no_constant, parse_int=whole_number)
    i = len(text) - len(text.lstrip(" \t\r\n"))
    seq = 0
    spaced = len(text) - len(text.lstrip())  # Unicode white space (a no-break space) is not JSON's
    if spaced > i and text.startswith("[", spaced):
        found = text[i]
        name = unicodedata.name(found, "a space").lower()
        stray = Reject(
            "E0301",
            "text before the JSON array's `[`",
            f"U+{ord(found):04X} ({name}) is not white space in JSON; remove it",
        )
        yield Entry(seq, source.span(i, spaced), stray, text[i:spaced])
        seq, i = seq + 1, spaced
    if not text.startswith("[", i):
        yield Entry(seq, source.span(i, i + 1), Reject("E0301", "a JSON timeline must be an array of records"), "")
        return
    i += 1
    read = False  # a record was just read, so a `,` or the `]` comes next
    comma = -1  # where the last `,` not yet followed by a record is
    while True:
        while i < len(text) and text[i] in " \t\r\n":
            i += 1
        if i >= len(text):  # never dropped in silence: the records after a cut are lost, so say so
            where = source.span(len(text), len(text))
            yield Entry(seq, where, Reject("E0301", "the JSON array is not closed", "end it with `]`"), "")
            return
        if text[i] == "," or (text[i] == "]" and comma >= 0):
            if comma >= 0 or not read:  # `[,`, `,,` or `,]`: a comma with no record after it
                at = comma if comma >= 0 else i
                empty = Reject("E0301", "a `,` with no record after it", "remove the extra `,`")
                yield Entry(seq, source.span(at, at + 1), empty, ",")
                seq += 1
            if text[i] == ",":
                read, comma = False, i
                i += 1
                continue
            comma = -1
        if text[i] == "]":
            rest = len(text[i + 1 :]) - len(text[i + 1 :].lstrip(" \t\r\n"))
            if i + 1 + rest < len(text):
                after = i + 1 + rest
                more = Reject("E0301", "there is more after the JSON array's `]`", "one array holds every record")
                yield Entry(seq, source.span(after, len(text)), more, text[after:])
            return
        try:
            value, end = decoder.raw_decode(text, i)
        except (Reject, json.JSONDecodeError, RecursionError) as error:
            if isinstance(error, json.JSONDecodeError):
                problem = Reject("E0301", f"this record is not valid JSON: {why(error)}")
            elif isinstance(error, RecursionError):
                problem = _too_deep("record")
            else:
                problem = error
            # The record ends where its brackets close, outside strings: the rest is read on from there. When
            # they never close, where the next record begins cannot be told, and the rest is not read.
            stop = item_end(text, i)
            if stop is None:
                problem.message += "; its brackets never close, so the array is not read past it"
                problem.help = _ARRAY_HELP
                yield Entry(seq, source.span(i, i + 1), problem, "")
                return
            yield Entry(seq, source.span(i, stop), problem, text[i:stop])
            seq += 1
            i = stop
            read, comma = True, -1
            continue
        if read:
            value = Reject("E0301", "a `,` is missing before this record", "separate an array's records by `,`")
        elif depth_of(value) > DEPTH:
            value = _too_deep("record")
        elif _lone_surrogate(value):
            value = Reject("E0315", "this record escapes half of a surrogate pair, which is not text", _PAIRS)
        yield Entry(seq, source.span(i, end), value, text[i:end])
        seq += 1
        i = end
        read, comma = True, -1


def item_end(text: str, start: int) -> int | None:
    """Where an array item that begins at `start` ends: past the bracket that closes its first one, or at the
    `,` or `]` that follows a bare value, counting brackets outside strings only. None when they never close."""
    depth, i, size = 0, start, len(text)
    while i < size:
        ch = text[i]
        if ch == '"':
            i += 1
            while i < size and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            if depth == 0:
                return i if i > start else None
            depth -= 1
            if depth == 0:
                return i + 1
        elif ch == "," and depth == 0:
            return i if i > start else i + 1
        i += 1
    return None


def _csv_entries(source: Source) -> Iterator[Entry]:
    """The rows of a CSV timeline after its header (the first row with a cell), each an entry placed on the lines
    it spans. A line ends at LF, CR LF or a lone CR (read as LF, so every place agrees); a line holding U+2028
    or a form feed is one line, as the csv module reads it. A row the csv module cannot read (a quote never
    closed, text after a closing quote, a NUL) is rejected, and reading goes on from the next line."""
    import csv  # noqa: PLC0415 (only CSV timelines need it)

    text = _LONE_CR.sub("\n", source.text)
    if text != source.text:
        source = Source(source.name, text)
    starts = source.line_starts
    header: list[str] | None = None
    seq, line = 0, 0  # the rows given; the line (from 0) the reader starts at
    while line < len(starts):
        reader = csv.reader(io.StringIO(text[starts[line] :], newline=""), strict=True)
        before = 0  # the lines read before the row at hand
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                begin = line + before  # the row at fault: rejected with its first line, and reading goes on
                where, body = _lines(source, begin, begin + 1)
                why = "a quote is never closed" if "end of data" in str(error) else str(error)
                help_text = 'a quoted field ends with `"`; inside one, write a quote as `""`'
                yield Entry(seq, where, Reject("E0301", f"this row is not CSV: {why}", help_text), body)
                seq += 1
                line = begin + 1
                break
            first, before = line + before, reader.line_num
            if not row or (header is None and not any(row)):  # a blank line; or no header yet
                continue
            if header is None:
                header = [cell.strip() for cell in row]
                continue
            yield _csv_entry(source, seq, (first, line + before), header, row)
            seq += 1


_LONE_CR = re.compile(r"\r(?!\n)")


def _lines(source: Source, first: int, last: int) -> tuple[Span, str]:
    """The span and text of lines `first` (0-based) up to `last` (exclusive), without the final line break."""
    starts = source.line_starts
    start = starts[first]
    end = starts[last] if last < len(starts) else len(source.text)
    body = source.text[start:end].rstrip("\r\n")
    return source.span(start, start + len(body)), body


def _csv_entry(source: Source, seq: int, lines: tuple[int, int], header: list[str], row: list[str]) -> Entry:
    """Row `seq`, on `lines` (from the first to before the last, counted from 0), as a record."""
    where, body = _lines(source, *lines)
    if len(row) > len(header):
        return Entry(seq, where, Reject("E0301", "this row has more fields than the header"), body)
    record: dict[str, Any] = {k: v for k, v in zip(header, row, strict=False) if k and v != ""}
    if "tags" in record:
        record["tags"] = [t.strip() for t in str(record["tags"]).split(";") if t.strip()]
    return Entry(seq, where, record, body)
