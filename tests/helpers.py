"""Small helpers shared by the tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import attrs
from hypothesis import settings

ROOT = Path(__file__).resolve().parent.parent
AGREEMENTS = sorted((ROOT / "agreements").glob("*.sla"))
BAD = sorted((ROOT / "tests" / "data" / "bad").glob("*.sla"))
BAD_TIMELINES = sorted((ROOT / "tests" / "data" / "bad").glob("*.jsonl"))
# Bad exports and mappings for the importers, one per code; `X.mapping.toml` and `X.history.csv` go with `X`.
BAD_EXPORTS = sorted(
    p
    for p in (ROOT / "tests" / "data" / "import").glob("*/bad/[EW]04*")
    if not p.name.endswith((".mapping.toml", ".history.csv", ".history.json"))
)
VENDORS = ["opti-q", "izy", "isl-online", "zegal", "cloudcti"]


def read_against(bad_timeline: Path) -> Path:
    """The agreement a bad timeline is read against: Izy's, or the one of its name in `against/`, for a record
    only some agreements refuse."""
    own = bad_timeline.parent / "against" / f"{bad_timeline.stem}.sla"
    return own if own.exists() else ROOT / "agreements" / "izy.sla"


def examples(full: int) -> int:
    """How many examples a property test runs: `full` under the default profile (as CI runs), a tenth of it
    under `--hypothesis-profile=quick`."""
    return full if settings.default.max_examples >= 100 else max(10, full // 10)


def dump(value: object, indent: int = 0) -> str:
    """An indented, span-free rendering of a syntax tree, one field per line, for snapshots."""
    pad = "  " * indent
    if attrs.has(type(value)):
        fields = [f for f in attrs.fields(type(value)) if f.eq]
        simple = all(
            not attrs.has(type(getattr(value, f.name))) and not isinstance(getattr(value, f.name), tuple)
            for f in fields
        )
        if simple:
            inner = ", ".join(f"{f.name}={_leaf(getattr(value, f.name))}" for f in fields)
            return f"{pad}{type(value).__name__}({inner})"
        lines = [f"{pad}{type(value).__name__}"]
        for f in fields:
            child = getattr(value, f.name)
            if attrs.has(type(child)) or isinstance(child, tuple):
                lines.append(f"{pad}  {f.name}:")
                lines.append(dump(child, indent + 2))
            else:
                lines.append(f"{pad}  {f.name}: {_leaf(child)}")
        return "\n".join(lines)
    if isinstance(value, tuple):
        if not value:
            return f"{pad}()"
        return "\n".join(dump(item, indent) for item in value)
    return f"{pad}{_leaf(value)}"


def _leaf(value: object) -> str:
    if isinstance(value, (Decimal, dt.date)):
        return str(value)
    return repr(value)
