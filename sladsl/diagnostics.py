"""Diagnostics are data: a code, a message, spans with labels, notes, a help line, and the clause's section.

They are rendered as text (in the style of rustc and Elm) or as JSON. Codes are stable: `E01xx` syntax, `E02xx`
meaning, `E03xx` timeline data, `W02xx` warnings about an agreement. The table below is the documentation; the
README lists it and every code has a test file under `tests/data/`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from sladsl.source import Source, Span

CODES: dict[str, str] = {
    "E0101": "unexpected input: a token the grammar does not allow here",
    "E0102": "a block header is missing its `:`",
    "E0103": "a string is not closed on its line",
    "E0104": "indentation does not match any enclosing block",
    "E0105": "a tab in indentation",
    "E0106": "a percentage is missing its `%`",
    "E0107": "a time is not written as `HH:MM`",
    "E0108": "the file ends in the middle of a clause",
    "E0109": "a character that is not part of the language",
    "E0110": "a date that does not exist",
    "E0111": "a time of day that does not exist",
    "E0112": "an empty file, or one with no clauses",
    "E0113": "an agreement file that is not UTF-8 text",
    "E0114": "an expression nested too deeply",
    "E0201": "a name is defined twice",
    "E0202": "a name is used but not defined",
    "E0203": "an unknown time zone",
    "E0204": "a time zone abbreviation instead of an IANA name",
    "E0205": "an unknown holiday country, subdivision or category",
    "E0206": "a percentage outside 0-100",
    "E0207": "an opening of zero length, or longer than a day",
    "E0208": "a calendar that is never open",
    "E0209": "business time counted in days, weeks or months",
    "E0210": "an update cadence on a target other than `update`, or `every` missing on one",
    "E0211": "a target counted from another target that is not defined for the same severity",
    "E0212": "a band whose lower bound is above its upper bound",
    "E0213": "a cap smaller than one credit",
    "E0214": "amounts of different kinds that cannot be compared",
    "E0215": "a formula uses a name it does not bind, or binds one twice",
    "E0216": "the agreement header is missing or given twice",
    "E0217": "no time zone for a calendar",
    "E0218": "a clock rule given twice",
    "E0219": "a severity downgrade to the same severity",
    "E0220": "a duration or day count longer than 10 years",
    "E0221": "a deadline or window its calendar is not open enough to reach",
    "E0301": "a timeline line or record that is not valid JSON (or CSV)",
    "E0302": "a record with no `type`, or an unknown one",
    "E0303": "a record missing a field, or with a field that is empty or of the wrong kind",
    "E0304": "a timestamp with no offset or zone",
    "E0305": "a timestamp that is not one, or whose offset contradicts its zone",
    "E0306": "a local time that does not exist (the clocks skip it)",
    "E0307": "a local time that happens twice, given without an offset",
    "E0308": "a severity the agreement does not define",
    "E0309": "a plan the agreement does not define",
    "E0310": "an event for an incident that was never reported",
    "E0311": "an incident or customer given twice",
    "E0312": "an end before its start, or an event before its report",
    "E0313": "a negative, infinite or non-numeric amount",
    "E0314": "an unknown time zone in a timestamp",
    "E0315": "a timeline file that is not UTF-8 text",
    "E0316": "with --format jsonl, a record for an incident that was already decided",
    "E0317": "a timestamp before 1970 or from 2100 on",
    "E0318": "a time zone abbreviation (`CET`) in a timestamp or a customer's zone",
    "W0301": "outages that overlap but carry different tags",
    "W0201": "ladder bands leave a range of the measure uncovered",
    "W0202": "ladder bands overlap",
    "W0203": "a ladder band no value can reach",
    "W0204": "a declared severity with no target",
    "W0205": "a clause without a `§` citation",
    "W0206": "an hourly credit that does not say how a part hour counts",
    "W0207": "a cap smaller than one award it limits",
    "W0208": "overlapping openings in one day",
    "W0209": "a ladder band above 100% or below 0%",
}


@attrs.frozen
class Label:
    """A secondary span with a short message, shown under the primary one."""

    span: Span
    message: str


@attrs.frozen
class Diagnostic:
    code: str
    message: str
    span: Span | None = None
    label: str = ""
    secondary: tuple[Label, ...] = ()
    notes: tuple[str, ...] = ()
    help: str | None = None
    section: str | None = None

    @property
    def is_error(self) -> bool:
        return self.code.startswith("E")

    @property
    def level(self) -> str:
        return "error" if self.is_error else "warning"

    def sort_key(self) -> tuple[str, int, int, str]:
        if self.span is None:
            return ("", 0, 0, self.code)
        return (self.span.file, self.span.line, self.span.column, self.code)


class SlaError(Exception):
    """The one error type the library raises: it carries the diagnostics that explain it."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        self.diagnostics = sorted(diagnostics, key=Diagnostic.sort_key)
        first = self.diagnostics[0] if self.diagnostics else None
        super().__init__(f"{first.code}: {first.message}" if first else "invalid input")

    def __reduce__(self) -> tuple[type[SlaError], tuple[list[Diagnostic]]]:
        return (SlaError, (self.diagnostics,))  # so it crosses from a --jobs worker whole


def decode(name: str, raw: bytes, code: str) -> tuple[Source, list[Diagnostic]]:
    """Bytes as UTF-8 text (a byte-order mark is dropped). Bytes that are not UTF-8 give one diagnostic, `code`,
    at the first bad byte; the returned source then shows them replaced, so the excerpt can still be printed."""
    try:
        return Source(name, raw.decode("utf-8-sig")), []
    except UnicodeDecodeError as error:
        source = Source(name, raw.decode("utf-8-sig", errors="replace"))
        offset = len(raw[: error.start].decode("utf-8-sig", errors="replace"))
        what = "an agreement" if code == "E0113" else "a timeline"
        return source, [
            Diagnostic(
                code,
                f"byte {error.start} is not UTF-8 text",
                source.span(offset, offset + 1),
                "not UTF-8",
                help=f"{what} must be UTF-8 text; is this the right file?",
            )
        ]


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    """The closest candidate, if any is close enough to be a likely typo."""
    found = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return found[0] if found else None


def render_text(diagnostics: Iterable[Diagnostic], sources: Mapping[str, Source]) -> str:
    """Render diagnostics for a terminal, each with a caret excerpt of the source."""
    return "\n".join(_render_one(d, sources) for d in diagnostics)


def _render_one(d: Diagnostic, sources: Mapping[str, Source]) -> str:
    lines = [f"{d.level}[{d.code}]: {d.message}"]
    if d.span is None:
        gutter = " "
    else:
        gutter = " " * len(str(max([d.span.line] + [s.span.line for s in d.secondary])))
        lines.append(f"{gutter}--> {d.span}")
        source = sources.get(d.span.file)
        if source is not None:
            lines.append(f"{gutter} |")
            marked = [(d.span, d.label, "^")] + [(x.span, x.message, "-") for x in d.secondary]
            for span, label, mark in sorted(marked, key=lambda m: (m[0].line, m[0].column)):
                lines.extend(_excerpt(source, span, label, gutter, mark))
            lines.append(f"{gutter} |")
    for note in d.notes:
        lines.append(f"{gutter} = note: {note}")
    if d.help:
        lines.append(f"{gutter} = help: {d.help}")
    if d.section:
        lines.append(f"{gutter} = in: {d.section}")
    return "\n".join(lines) + "\n"


EXCERPT_WIDTH = 240  # longer source lines (a 10 MB record, say) are shown as a window around the caret


def _excerpt(source: Source, span: Span, label: str, gutter: str, mark: str = "^") -> list[str]:
    text = source.line_text(span.line).replace("\t", " ")
    width = (span.end_column - span.column) if span.end_line == span.line else len(text) - span.column + 1
    width = max(width, 1)
    column = span.column
    if len(text) > EXCERPT_WIDTH:
        start = max(0, min(column - 1 - 80, len(text) - EXCERPT_WIDTH))
        window = text[start : start + EXCERPT_WIDTH]
        prefix = "..." if start > 0 else ""
        suffix = "..." if start + EXCERPT_WIDTH < len(text) else ""
        text = prefix + window + suffix
        column = column - start + len(prefix)
        width = min(width, EXCERPT_WIDTH - (column - 1 - len(prefix)))
    underline = " " * (column - 1) + mark * max(width, 1)
    return [
        f"{str(span.line).rjust(len(gutter))} | {text}".rstrip(),
        f"{gutter} | {underline} {label}".rstrip(),
    ]


def to_json(d: Diagnostic) -> dict[str, Any]:
    """A diagnostic as a JSON-ready object; the schema is documented in the README."""

    def span(s: Span | None) -> dict[str, Any] | None:
        if s is None:
            return None
        return {
            "file": s.file,
            "line": s.line,
            "column": s.column,
            "end_line": s.end_line,
            "end_column": s.end_column,
        }

    return {
        "code": d.code,
        "level": d.level,
        "message": d.message,
        "span": span(d.span),
        "label": d.label,
        "secondary": [{"span": span(x.span), "message": x.message} for x in d.secondary],
        "notes": list(d.notes),
        "help": d.help,
        "section": d.section,
    }
