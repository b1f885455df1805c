"""Source text and spans: where every node and every diagnostic points."""

from __future__ import annotations

import bisect

import msgspec

STDIN = "-"  # a timeline named so on the command line is read from standard input
STDIN_NAME = "<stdin>"  # what spans, diagnostics and reports call it


class Span(msgspec.Struct, frozen=True):
    """A half-open range `[start, end)` of character offsets in one source, with 1-based line and column."""

    file: str
    start: int
    end: int
    line: int
    column: int
    end_line: int
    end_column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


class Source:
    """The text of one input file and the offsets where its lines start. A value: immutable, and equal to another
    source of the same name and text."""

    __slots__ = ("line_starts", "name", "text")
    name: str
    text: str
    line_starts: tuple[int, ...]

    def __init__(self, name: str, text: str) -> None:
        starts = [0]
        at = text.find("\n")
        while at >= 0:
            starts.append(at + 1)
            at = text.find("\n", at + 1)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "text", text)
        object.__setattr__(self, "line_starts", tuple(starts))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"a Source is immutable: cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"a Source is immutable: cannot delete {name!r}")

    def __reduce__(self) -> tuple[type[Source], tuple[str, str]]:
        return Source, (self.name, self.text)

    def __eq__(self, other: object) -> bool:
        if type(other) is not Source:
            return NotImplemented
        return self.name == other.name and self.text == other.text

    def __hash__(self) -> int:
        return hash((self.name, self.text))

    def __repr__(self) -> str:
        return f"Source(name={self.name!r}, text={self.text!r})"

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset; an offset at the end of input is allowed."""
        offset = max(0, min(offset, len(self.text)))
        index = bisect.bisect_right(self.line_starts, offset) - 1
        return index + 1, offset - self.line_starts[index] + 1

    def span(self, start: int, end: int) -> Span:
        line, column = self.position(start)
        end_line, end_column = self.position(end)
        return Span(self.name, start, end, line, column, end_line, end_column)

    def line_text(self, line: int) -> str:
        """The text of a 1-based line without its line break."""
        if line < 1 or line > len(self.line_starts):
            return ""
        start = self.line_starts[line - 1]
        end = self.line_starts[line] - 1 if line < len(self.line_starts) else len(self.text)
        return self.text[start:end].rstrip("\r")


def comment_column(line: str) -> int | None:
    """Where a `#` comment starts in one line of `.sla` text (a `#` inside a string does not count), or None."""
    in_string = False
    for i, ch in enumerate(line):
        if ch == '"':
            in_string = not in_string
        elif ch == "#" and not in_string:
            return i
    return None
