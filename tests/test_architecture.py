"""The architecture is a test: the boundaries the package docstring states, read from the code itself.

* Only `sladsl.language.parser` and `sladsl.language.syntax_errors` import Lark.
* Only the command line (`sladsl.cli`), the layer it shares with other front ends (`sladsl.run`) and the
  language server (`sladsl.lsp`, which talks to an editor on the standard streams) print, touch standard
  streams, open or write files, start processes, or exit. The server's answers come from `sladsl.editor`,
  which is held to the library's rules. The one other read is the grammar,
  which is package data, in `sladsl.language.parser`.
* Only `sladsl.time` does time arithmetic: nothing else imports `zoneinfo` or pendulum, makes a `timedelta`,
  looks at a UTC offset or converts between zones. Nothing below the command line reads the clock.
* Imports run one way, down the pipeline, and no module reaches into another's private names (tests and
  benchmarks included: they use what the package offers).
* `sladsl check` loads only what a check needs: the importers, the parser, the pages, the language server and
  Dask are imported by the commands and formats that use them, so that they do not slow every check's start.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sladsl.cli import IMPORT_KINDS
from sladsl.importers import KINDS
from tests.helpers import ROOT

PACKAGE = ROOT / "sladsl"
MODULES = sorted(PACKAGE.rglob("*.py"))

# Lowest first: a module may import from its own layer and the ones before it.
LAYERS = [
    {"sladsl.source", "sladsl.value", "sladsl.cache"},
    {"sladsl.diagnostics"},
    {"sladsl.model"},
    {"sladsl.time"},
    {"sladsl.language"},
    {"sladsl.timeline"},
    {"sladsl.importers"},  # exports to timeline records
    {"sladsl.evaluation"},
    {"sladsl.render"},
    {"sladsl.editor"},  # an editor's questions, answered from the stages above: pure, like them
    {"sladsl"},  # the public API: a facade over everything above
    {"sladsl.run", "sladsl.dask"},  # `sladsl.dask` is the public name of a front end in `run`: it only re-exports
    {"sladsl.lsp"},  # the language server: a front end that talks to an editor on stdin and stdout
    {"sladsl.cli", "sladsl.__main__"},
]
FRONT = ("sladsl.cli", "sladsl.run", "sladsl.lsp", "sladsl.__main__")


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


def imports(module: ast.Module, here: str = "") -> Iterator[tuple[str, list[str], int]]:
    """(module imported, names taken from it, line) for every import, top-level or inside a function; a relative
    import is resolved against `here`, the importing module's name."""
    for node in ast.walk(module):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, [], node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                package = here.split(".")
                base = package[: len(package) - node.level] if node.level <= len(package) else []
                name = ".".join([*base, *([node.module] if node.module else [])])
            else:
                name = node.module or ""
            yield name, [alias.name for alias in node.names], node.lineno


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
    for imported, names, line in imports(tree(path), here if path.name != "__init__.py" else here + ".x"):
        for target in targets(imported, names):
            assert layer_of(target) <= mine, f"{here}:{line} imports {target}, a later stage"


def test_only_the_parser_imports_lark() -> None:
    allowed = {"sladsl.language.parser", "sladsl.language.syntax_errors"}
    for path in MODULES:
        for imported, _, line in imports(tree(path)):
            if imported == "lark" or imported.startswith("lark."):
                assert name_of(path) in allowed, f"{name_of(path)}:{line} imports lark"


WORLD_MODULES = {"subprocess", "multiprocessing", "tempfile", "shutil", "click", "signal", "socket", "mmap"}
WORLD_MODULES |= {"logging", "warnings", "urllib", "http", "ftplib", "smtplib", "sqlite3", "webbrowser"}
WORLD_CALLS = {"print", "open", "exit", "quit", "input", "breakpoint"}
WORLD_NAMES = {"SystemExit", "KeyboardInterrupt", "stdout", "stderr", "stdin"}  # raised or imported by name
WORLD_ATTRIBUTES = {
    "stdout",
    "stderr",
    "stdin",
    "exit",
    "fdopen",
    "read_text",
    "read_bytes",
    "write_text",
    "write_bytes",
    "touch",
    "unlink",
    "mkdir",
    "makedirs",
    "rmdir",
    "rename",
    "remove",
    "rmtree",
    "chmod",
    "chdir",
    "getsize",
    "environ",
    "getenv",
    "putenv",
}
OS_CALLS = {"write", "open", "system", "popen", "spawnv", "execv", "_exit", "fork", "kill"}  # `os.NAME(...)`
OPENERS = {"open"}  # `anything.open(...)`: `Path.open`, `io.open`, `gzip.open`
GRAMMAR_READS = {("sladsl.language.parser", "read_text")}  # the grammar: package data, not a user's file


def world(module: ast.Module, here: str = "") -> Iterator[tuple[str, int]]:
    """Every place a module touches the world outside its values."""
    for imported, names, line in imports(module, here):
        if imported.split(".")[0] in WORLD_MODULES:
            yield f"import {imported}", line
        if imported in ("sys", "os") and set(names) & (WORLD_NAMES | WORLD_ATTRIBUTES):
            yield f"from {imported} import {', '.join(names)}", line
        if imported == "io" and "open" in names:
            yield "from io import open", line
    for node in ast.walk(module):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in WORLD_CALLS:
            yield f"{node.func.id}()", node.lineno
        if isinstance(node, ast.Name) and node.id in WORLD_NAMES:
            yield node.id, node.lineno
        if isinstance(node, ast.Attribute) and node.attr in WORLD_ATTRIBUTES:
            yield f".{node.attr}", node.lineno
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            called, on = node.func.attr, node.func.value
            if called in OPENERS or (called in OS_CALLS and isinstance(on, ast.Name) and on.id == "os"):
                yield f".{called}", node.lineno


def test_only_the_front_ends_touch_the_world() -> None:
    found = []
    for path in MODULES:
        here = name_of(path)
        if is_front(here):
            continue
        for what, line in world(tree(path), here):
            if (here, what.lstrip(".").rstrip("()")) not in GRAMMAR_READS:
                found.append(f"{here}:{line} {what}")
    assert found == []


TIME_MODULES = {"zoneinfo", "pendulum", "dateutil", "pytz", "time", "calendar"}
TIME_NAMES = {"timedelta", "timezone", "utcoffset", "astimezone", "fromtimestamp", "utcfromtimestamp", "timestamp"}
TIME_NAMES |= {"tzinfo", "fold", "localtime", "gmtime", "mktime", "strftime", "UTC"}
CLOCK_READS = {"now", "today", "utcnow", "monotonic", "perf_counter", "time_ns", "process_time"}


def time_arithmetic(module: ast.Module, here: str = "") -> Iterator[tuple[str, int]]:
    """Every place a module works with zones, offsets or the clock's fields: imports, names, keywords."""
    for imported, names, line in imports(module, here):
        if imported == "time" and is_front(here):
            continue  # a front end may time itself (a progress bar's rate); instants are not its business
        if imported.split(".")[0] in TIME_MODULES or (imported == "datetime" and set(names) & TIME_NAMES):
            yield f"imports {imported}", line
    for node in ast.walk(module):
        name = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else None
        if isinstance(node, ast.keyword):
            name = node.arg
        if name in TIME_NAMES:
            yield f"uses {name}", getattr(node, "lineno", 0) or 0


def test_only_the_time_package_does_time_arithmetic() -> None:
    found = []
    for path in MODULES:
        here = name_of(path)
        if here.startswith("sladsl.time"):
            continue
        found += [f"{here}:{line} {what}" for what, line in time_arithmetic(tree(path), here)]
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


# What a check of a kept agreement (`sladsl.run.store`) never needs: each is imported where it is used.
NOT_FOR_A_CHECK = (
    "sladsl.importers",  # `import` and `check --from`
    "sladsl.run.imports",
    "sladsl.language",  # the parser and checker: the agreement is read back checked
    "lark",
    "holidays",  # the holiday dates are kept too
    "sladsl.render.html",  # `report --html`
    "sladsl.render.explain",  # `explain`
    "sladsl.render.compare",  # `diff`
    "sladsl.editor",  # `lsp`
    "sladsl.lsp",
    "pygls",
    "pygments",
    "sladsl.dask",  # `check --scheduler`
    "sladsl.run.dask",
    "dask",
    "distributed",
    "sladsl.run.jobs",  # `check --jobs`
    "hypothesis",
    "attrs",  # the syntax tree and the importers' classes: a check's values are Structs, defined in C at import
    "attr",
    "difflib",  # a suggestion in a diagnostic
    "csv",  # CSV timelines
)
LOADED_BY_A_CHECK = """
import json, sys
from click.testing import CliRunner
from sladsl.cli import main
name = sys.argv[1]
result = CliRunner().invoke(main, ["check", f"agreements/{name}.sla", f"agreements/{name}.timeline.jsonl"])
print(json.dumps([result.exit_code, sorted(sys.modules)]))
"""


# Izy; and Canonical, whose calendars follow the customer, so its customers name their countries, which are
# checked against the holidays package once and then kept.
@pytest.mark.parametrize("name", ["izy", "canonical-ubuntu-pro-support"])
def test_a_check_loads_only_what_it_needs(tmp_path: Path, name: str) -> None:
    environment = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    environment.pop("SLADSL_CACHE", None)

    def loaded() -> list[str]:
        result = subprocess.run(
            [sys.executable, "-c", LOADED_BY_A_CHECK, name],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=environment,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        code, modules = json.loads(result.stdout)
        assert code == 1  # both timelines breach targets
        return [
            m for m in modules if m in NOT_FOR_A_CHECK or m.startswith(tuple(n + "." for n in NOT_FOR_A_CHECK))
        ]

    assert "lark" in loaded()  # the first check parses the agreement, and keeps it
    assert loaded() == []


def test_the_command_line_names_every_importer() -> None:
    """The command line lists the import kinds itself, so as not to load the importers to offer `--from`."""
    assert tuple(sorted(KINDS)) == IMPORT_KINDS


BREAKS_THE_RULES = """
import zoneinfo
import subprocess
from datetime import timedelta
from sys import stdout
from ..run.files import read_bytes
import os, io, time, logging
x = open('f')
print(x)
stdout.write('')
os.write(1, b'hi')
os.system('true')
io.open('f', 'w')
Path('f').open('w')
logging.warning('x')
d = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
d.replace(tzinfo=None)
time.mktime(time.localtime(0))
datetime.datetime.now()
raise SystemExit(3)
"""


def test_the_rules_catch_what_they_are_for() -> None:
    """The checks above find what they look for: a module that breaks each rule, in the ways a review found
    that an earlier version of this test let through, is caught."""
    bad = ast.parse(BREAKS_THE_RULES)
    touched = {what for what, _ in world(bad, "sladsl.evaluation.engine")}
    assert touched >= {
        "import subprocess",
        "import logging",
        "from sys import stdout",
        "open()",
        "print()",
        "stdout",
        ".write",
        ".system",
        ".open",
        "SystemExit",
    }, touched
    timed = {what for what, _ in time_arithmetic(bad, "sladsl.evaluation.engine")}
    assert timed >= {"imports zoneinfo", "imports datetime", "imports time", "uses tzinfo", "uses timezone"}
    assert timed >= {"uses mktime", "uses localtime"}, timed
    assert {n.attr for n in ast.walk(bad) if isinstance(n, ast.Attribute)} & CLOCK_READS == {"now"}
    relative = [targets(name, names) for name, names, _ in imports(bad, "sladsl.evaluation.engine")]
    assert ["sladsl.run.files"] in relative  # so a relative import is held to the layers too
    assert layer_of("sladsl.run.files") > layer_of("sladsl.evaluation.engine")
    assert layer_of("sladsl.evaluation.engine") < layer_of("sladsl.render.json") < layer_of("sladsl.cli")
