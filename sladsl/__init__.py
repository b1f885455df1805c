"""sladsl: a small language for service level agreements, and the tools to check incident timelines against them.

The pipeline is the architecture, and each stage is a package:

    .sla text ─language→ syntax tree ─language→ model.Agreement ─┐
    timeline bytes ─timeline→ records ───────────────────────────┴─evaluation→ verdicts ─render→ text | json | html
                 └───────── language.formatter ─────────→ .sla text

`source` (spans) and `diagnostics` (problems as data) come first. `language` parses `.sla` text with Lark (the
only package that imports it) and checks it into the `model` the evaluation sees. `time` is the only package
that does clock arithmetic. `timeline` reads records, `evaluation` is the one engine that decides every figure,
and `render` makes words, JSON and pages from its data. `editor` answers an editor's questions (diagnostics,
hover, names, completion, fixes) from those stages. `run` reads user-named files, keeps work between runs and
runs worker processes; `lsp` is the language server and `cli` the command line. Only `run`, `lsp` and `cli`
print, touch the standard streams, read files, or exit.

The library's whole public surface is here:

    import sladsl

    checked = sladsl.load(agreement_text, "izy.sla")                    # or SlaError, with its diagnostics
    records = sladsl.read_timeline(timeline_bytes, "izy.timeline.jsonl")
    report = sladsl.evaluate(checked.agreement, records)                 # a Report: verdicts, awards, records
    print(sladsl.render_text(report, "izy.sla", "izy.timeline.jsonl"))
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from sladsl.diagnostics import Diagnostic, SlaError
from sladsl.model import Agreement, Checked
from sladsl.source import Source

if TYPE_CHECKING:
    from sladsl.evaluation.engine import Evaluation, evaluate
    from sladsl.evaluation.verdicts import Report
    from sladsl.language.ast import Document
    from sladsl.language.checker import check
    from sladsl.language.formatter import format_source
    from sladsl.language.parser import parse
    from sladsl.render.json import render_json
    from sladsl.render.text import render_text
    from sladsl.timeline.formats import Entry

__all__ = [
    "Agreement",
    "Checked",
    "Diagnostic",
    "Document",
    "Entry",
    "Evaluation",
    "Report",
    "SlaError",
    "Source",
    "check",
    "evaluate",
    "format_source",
    "load",
    "parse",
    "read_timeline",
    "render_json",
    "render_text",
]

# Imported when first used: a check whose agreement is kept between runs never loads the parser or Lark.
_LAZY = {
    "Document": "sladsl.language.ast",
    "parse": "sladsl.language.parser",
    "check": "sladsl.language.checker",
    "format_source": "sladsl.language.formatter",
    "Entry": "sladsl.timeline.formats",
    "Evaluation": "sladsl.evaluation.engine",
    "evaluate": "sladsl.evaluation.engine",
    "Report": "sladsl.evaluation.verdicts",
    "render_text": "sladsl.render.text",
    "render_json": "sladsl.render.json",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'sladsl' has no attribute {name!r}")
    import importlib  # noqa: PLC0415

    return getattr(importlib.import_module(module), name)


def load(text: str, name: str = "<input>") -> Checked:
    """Parse and check agreement text: the checked model and its warnings (the contract checker's proofs among
    them), or `SlaError` with every problem."""
    from sladsl.evaluation.proofs import proven  # noqa: PLC0415
    from sladsl.language.checker import check  # noqa: PLC0415
    from sladsl.language.parser import parse  # noqa: PLC0415

    return proven(check(parse(text, name)))


def read_timeline(data: bytes | str, name: str = "<timeline>") -> Iterator[Entry]:
    """The records of a timeline held in memory, for `evaluate`: JSON Lines, CSV (when `name` ends in `.csv`) or
    a JSON array (`.json`, or text that starts with `[`). A JSON Lines line that cannot be read is rejected on its
    own; a CSV file or JSON array that is not UTF-8 raises `SlaError` (E0315)."""
    from sladsl.diagnostics import decode  # noqa: PLC0415
    from sladsl.timeline.formats import entries, json_lines, kind_of, lines_of  # noqa: PLC0415

    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if kind_of(name, raw) == "lines":
        return lines_of(name, json_lines([raw]))
    source, problems = decode(name, raw, "E0315")
    if problems:
        raise SlaError(problems)
    return entries(source)
