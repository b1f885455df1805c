"""Diagnostics rendered for a terminal (in the style of rustc and Elm: the message, the place, an excerpt with a
caret, notes and help) or as JSON (the schema of `lint --format json`, documented in the README)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sladsl.diagnostics import Diagnostic
from sladsl.render.escape import visible
from sladsl.source import Source, Span


def render_text(diagnostics: Iterable[Diagnostic], sources: Mapping[str, Source]) -> str:
    """Render diagnostics for a terminal, each with a caret excerpt of the source; control characters from the
    files are shown escaped, never sent to the terminal."""
    return visible("\n".join(_render_one(d, sources) for d in diagnostics))


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
    raw = source.line_text(span.line).replace("\t", " ")
    width = (span.end_column - span.column) if span.end_line == span.line else len(raw) - span.column + 1
    width = max(width, 1)
    # The line as it will be shown, control characters escaped, and the caret moved to match.
    text = visible(raw)
    column = len(visible(raw[: span.column - 1])) + 1
    width = max(len(visible(raw[span.column - 1 : span.column - 1 + width])), 1)
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
