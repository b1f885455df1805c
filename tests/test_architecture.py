"""The architecture is a test: the boundaries the package docstring states, read from the code itself.

* Only `sladsl.language.parser` and `sladsl.language.syntax_errors` import Lark.
* Only the command line (`sladsl.cli`) and the layer it shares with other front ends (`sladsl.run`) print,
  touch standard streams, open or write files, start processes, or exit. The one other read is the grammar,
  which is package data, in `sladsl.language.parser`.
* Only `sladsl.time` does time arithmetic: nothing else imports `zoneinfo` or pendulum, makes a `timedelta`,
  looks at a UTC offset or converts between zones. Nothing below the command line reads the clock.
* Imports run one way, down the pipeline, and no module reaches into another's private names (tests and
  benchmarks included: they use what the package offers).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import ROOT

PACKAGE = ROOT / "sladsl"
MODULES = sorted(PACKAGE.rglob("*.py"))

# Lowest first: a module may import from its own layer and the ones before it.
LAYERS = [
    {"sladsl.source", "sladsl.cache"},
    {"sladsl.diagnostics"},
    {"sladsl.model"},
    {"sladsl.time"},
    {"sladsl.language"},
    {"sladsl.timeline"},
    {"sladsl.evaluation"},
    {"sladsl.render"},
    {"sladsl"},  # the public API: a facade over everything above
    {"sladsl.run"},
    {"sladsl.cli", "sladsl.__main__"},
]
FRONT = ("sladsl.cli", "sladsl.run", "sladsl.__main__")


def name_of(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> int:
    """The layer of a module: that of the longest package name it falls under."""
    best, found = -1, -1
    for index, names in enumerate(LAYERS):
        for name in names:
            if (module == name or module.startswith(name + ".")) and len(name) > best:
                best, found = len(name), index
    assert found >= 0, module
    return found


def tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), str(path))


def imports(module: ast.Module) -> Iterator[tuple[str, list[str], int]]:
    """(module imported, names taken from it, line) for every import, top-level or inside a function."""
    for node in ast.walk(module):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, [], node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            yield node.module, [alias.name for alias in node.names], node.lineno


def is_front(module: str) -> bool:
    return module.startswith(FRONT)


def test_every_module_has_a_layer() -> None:
    for path in MODULES:
        layer_of(name_of(path))


def targets(imported: str, names: list[str]) -> list[str]:
    """The sladsl modules an import reaches: `from sladsl import cache` reaches `sladsl.cache`, while
    `from sladsl import load` reaches the package's facade."""
    if imported != "sladsl":
        return [imported] if imported.startswith("sladsl.") else []
    found = []
    for name in names:
        submodule = PACKAGE / name
        found.append(f"sladsl.{name}" if submodule.is_dir() or submodule.with_suffix(".py").exists() else "sladsl")
    return found


@pytest.mark.parametrize("path", MODULES, ids=name_of)
def test_imports_run_down_the_pipeline(path: Path) -> None:
    here = name_of(path)
    mine = layer_of(here)
    for imported, names, line in imports(tree(path)):
        for target in targets(imported, names):
            assert layer_of(target) <= mine, f"{here}:{line} imports {target}, a later stage"


def test_only_the_parser_imports_lark() -> None:
    allowed = {"sladsl.language.parser", "sladsl.language.syntax_errors"}
    for path in MODULES:
        for imported, _, line in imports(tree(path)):
            if imported == "lark" or imported.startswith("lark."):
                assert name_of(path) in allowed, f"{name_of(path)}:{line} imports lark"


WORLD_MODULES = {"subprocess", "multiprocessing", "tempfile", "shutil", "click", "signal"}
WORLD_CALLS = {"print", "open", "exit", "quit", "input"}
WORLD_ATTRIBUTES = {
    "stdout",
    "stderr",
    "stdin",
    "exit",
    "read_text",
    "read_bytes",
    "write_text",
    "write_bytes",
    "unlink",
    "mkdir",
    "rename",
    "replace",
    "remove",
    "rmtree",
    "chmod",
    "fork",
    "kill",
    "getsize",
}
GRAMMAR_READS = {("sladsl.language.parser", "read_text")}  # the grammar: package data, not a user's file


def world(module: ast.Module) -> Iterator[tuple[str, int]]:
    """Every place a module touches the world outside its values."""
    for imported, _, line in imports(module):
        if imported.split(".")[0] in WORLD_MODULES:
            yield f"import {imported}", line
    for node in ast.walk(module):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in WORLD_CALLS:
            yield f"{node.func.id}()", node.lineno
        if isinstance(node, ast.Attribute) and node.attr in WORLD_ATTRIBUTES:
            if node.attr == "replace" and not (isinstance(node.value, ast.Name) and node.value.id == "os"):
                continue  # str.replace, attrs.evolve-like replace: not a file
            yield f".{node.attr}", node.lineno


def test_only_the_front_ends_touch_the_world() -> None:
    found = []
    for path in MODULES:
        here = name_of(path)
        if is_front(here):
            continue
        for what, line in world(tree(path)):
            if (here, what.lstrip(".").rstrip("()")) not in GRAMMAR_READS:
                found.append(f"{here}:{line} {what}")
    assert found == []


TIME_MODULES = {"zoneinfo", "pendulum", "dateutil", "pytz"}
TIME_NAMES = {"timedelta", "utcoffset", "astimezone", "fromtimestamp", "timestamp", "tzinfo", "fold"}
CLOCK_READS = {"now", "today", "utcnow", "monotonic", "perf_counter", "time_ns"}


def test_only_the_time_package_does_time_arithmetic() -> None:
    found = []
    for path in MODULES:
        here = name_of(path)
        if here.startswith("sladsl.time"):
            continue
        module = tree(path)
        for imported, names, line in imports(module):
            if imported.split(".")[0] in TIME_MODULES or (imported == "datetime" and "timedelta" in names):
                found.append(f"{here}:{line} imports {imported}")
        for node in ast.walk(module):
            name = (
                node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else None
            )
            if name in TIME_NAMES:
                found.append(f"{here}:{node.lineno} uses {name}")
    assert found == []


def test_nothing_below_the_command_line_reads_the_clock() -> None:
    found = []
    for path in MODULES:
        here = name_of(path)
        if is_front(here):
            continue
        for node in ast.walk(tree(path)):
            if not isinstance(node, ast.Attribute):
                continue
            timing = node.attr == "time" and isinstance(node.value, ast.Name) and node.value.id == "time"
            if node.attr in CLOCK_READS or timing:
                found.append(f"{here}:{node.lineno} reads the clock ({node.attr})")
    assert found == []


@pytest.mark.parametrize("folder", ["sladsl", "tests", "bench"])
def test_no_private_name_crosses_a_module(folder: str) -> None:
    found = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        for imported, names, line in imports(tree(path)):
            if imported.startswith(("sladsl", "tests", "bench")):
                found += [f"{path.relative_to(ROOT)}:{line} {imported}.{n}" for n in names if n.startswith("_")]
    assert found == []


def test_the_rules_catch_what_they_are_for(tmp_path: Path) -> None:
    """The checks above find what they look for: a module that breaks each rule is caught."""
    bad = ast.parse(
        "import zoneinfo\n"
        "import subprocess\n"
        "from datetime import timedelta\n"
        "x = open('f')\n"
        "print(x)\n"
        "import sys\n"
        "sys.stdout.write('')\n"
        "import datetime\n"
        "datetime.datetime.now()\n"
    )
    assert {what for what, _ in world(bad)} >= {"import subprocess", "open()", "print()", ".stdout"}
    assert {n.attr for n in ast.walk(bad) if isinstance(n, ast.Attribute)} & CLOCK_READS == {"now"}
    assert layer_of("sladsl.evaluation.engine") < layer_of("sladsl.render.json") < layer_of("sladsl.cli")
