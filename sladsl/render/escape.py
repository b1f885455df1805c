"""Text made safe for where it is shown. Ids, names and record text come from timelines and agreements that
anyone may write, and a control character in them would reach a terminal (an escape sequence can move the
cursor, retitle the window or hide what follows) or a Markdown renderer that passes HTML through."""

from __future__ import annotations

# Every C0 control but line feed and tab, DEL, and every C1 control: each shown as its `\u` escape.
_CONTROLS = {c: f"\\u{c:04x}" for c in (*range(0x20), 0x7F, *range(0x80, 0xA0)) if c not in (0x0A, 0x09)}
_MARKDOWN = {ord("<"): "&lt;", ord(">"): "&gt;", ord("&"): "&amp;"}


def visible(text: str) -> str:
    """Text for a terminal: control characters (an escape, a bell, a carriage return) written out as `\\u001b`,
    so that they are seen and never obeyed. Line feeds and tabs are kept."""
    if text.isprintable():
        return text
    return text.translate(_CONTROLS)


def markdown(text: str) -> str:
    """Text for Markdown: `<`, `>` and `&` as HTML entities, so no string becomes a tag, and control characters
    made visible. Renderers that pass HTML through (MkDocs, Python-Markdown) then show the text as text."""
    return visible(text).translate(_MARKDOWN)
