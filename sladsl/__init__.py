"""sladsl: a small language for service level agreements.

The pipeline is the architecture; each stage is a module:

    .sla text ─parse→ ast ─check→ model ─evaluate(timeline)→ verdicts ─render→ text | json | html
                 └──────────── format ───────────→ .sla text

`source` (spans) and `ast` come first, then `diagnostics`, then `parser` (with `syntax_errors`, the only
modules that import lark) and `checker`, which builds the `model`. `clock` is the one module that does
clock arithmetic. `timeline` reads incident records, `interpreter` evaluates them (`evaluate`), and `render`
turns the verdicts into text or JSON; `formatter` prints a syntax tree back as canonical `.sla` text. `cache`
keeps checked agreements and holiday dates between runs. `cli` is the only module that prints, reads
user-named files or exits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sladsl.diagnostics import Diagnostic, SlaError
from sladsl.model import Checked
from sladsl.source import Source

if TYPE_CHECKING:
    from sladsl.checker import check
    from sladsl.parser import parse

__all__ = ["Checked", "Diagnostic", "SlaError", "Source", "check", "load", "load_kept", "parse"]


def __getattr__(name: str) -> Any:
    # The parser (and Lark) and the checker are imported when first used: a `check` whose agreement is kept
    # in the cache never needs them.
    if name == "parse":
        from sladsl.parser import parse  # noqa: PLC0415

        return parse
    if name == "check":
        from sladsl.checker import check  # noqa: PLC0415

        return check
    raise AttributeError(f"module 'sladsl' has no attribute {name!r}")


def load(text: str, name: str = "<input>") -> Checked:
    """Parse and check agreement text: the checked model and its warnings, or `SlaError`."""
    from sladsl.checker import check  # noqa: PLC0415
    from sladsl.parser import parse  # noqa: PLC0415

    return check(parse(text, name))


def load_kept(text: str, name: str = "<input>") -> Checked:
    """`load`, read back from the cache when this text under this name was checked before by this code."""
    from sladsl import cache  # noqa: PLC0415

    key = cache.agreement_key(text, name)
    kept = cache.read(key)
    if isinstance(kept, Checked):
        return kept
    checked = load(text, name)
    cache.write(key, checked)
    return checked
