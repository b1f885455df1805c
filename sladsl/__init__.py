"""sladsl: a small language for service level agreements.

The pipeline is the architecture; each stage is a module:

    .sla text ─parse→ ast ─check→ model ─evaluate(timeline)→ verdicts ─render→ text | json | html
                 └──────────── format ───────────→ .sla text

`source` (spans) and `ast` come first, then `diagnostics`, then `parser` (with `syntax_errors`, the only
modules that import lark) and `checker`, which builds the `model`. `clock` is the one module that does
clock arithmetic. `timeline` reads incident records, `interpreter` evaluates them (`evaluate`), and `render`
turns the verdicts into text or JSON; `formatter` prints a syntax tree back as canonical `.sla` text. `cli` is
the only module that prints, reads user-named files or exits.
"""

from __future__ import annotations

from sladsl.checker import Checked, check
from sladsl.diagnostics import Diagnostic, SlaError
from sladsl.parser import parse
from sladsl.source import Source

__all__ = ["Checked", "Diagnostic", "SlaError", "Source", "check", "load", "parse"]


def load(text: str, name: str = "<input>") -> Checked:
    """Parse and check agreement text: the checked model and its warnings, or `SlaError`."""
    return check(parse(text, name))
