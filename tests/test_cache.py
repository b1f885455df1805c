"""What is kept between runs never changes a result: a checked agreement or a year's holidays read back from the
store equals one computed afresh, and a changed text, a damaged file or an unusable folder means fresh work. The
library keeps nothing at all unless its front end gives it a store."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import holidays
import pytest

import sladsl
from sladsl import cache
from sladsl.model import HolidaySource
from sladsl.run import store
from sladsl.time.holidays import holiday_dates, kept_dates
from tests.helpers import AGREEMENTS, ROOT


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Where this test's cache folder goes; no store in use yet."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("SLADSL_CACHE", raising=False)
    kept_dates.cache_clear()
    yield tmp_path / "sladsl"
    cache.use(None)
    kept_dates.cache_clear()


@pytest.fixture
def kept(home: Path) -> Path:
    """A cache folder of this test's own, in use as the command line uses it."""
    store.use_folder()
    return home


@pytest.mark.parametrize("path", AGREEMENTS, ids=lambda p: p.stem)
def test_a_kept_agreement_equals_a_fresh_one(kept: Path, path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    fresh = sladsl.load(text, path.name)
    first = store.load_kept(text, path.name)  # computed, then written
    assert len(list(kept.glob("agreement-*.pickle"))) == 1
    again = store.load_kept(text, path.name)  # read back
    assert first == again == fresh
    assert [(w.code, w.message, w.span) for w in again.warnings] == [
        (w.code, w.message, w.span) for w in fresh.warnings
    ]


def test_changed_text_or_name_is_checked_afresh(kept: Path) -> None:
    text = (ROOT / "agreements" / "izy.sla").read_text(encoding="utf-8")
    store.load_kept(text, "izy.sla")
    changed = store.load_kept(text.replace("within 2 hours", "within 3 hours"), "izy.sla")
    renamed = store.load_kept(text, "other.sla")
    assert len(list(kept.glob("agreement-*.pickle"))) == 3
    assert changed != sladsl.load(text, "izy.sla")
    assert {w.span.file for w in renamed.warnings if w.span} == {"other.sla"}  # spans name the file as given


def test_a_damaged_file_is_ignored_and_replaced(kept: Path) -> None:
    text = (ROOT / "agreements" / "zegal.sla").read_text(encoding="utf-8")
    store.load_kept(text, "zegal.sla")
    (pickled,) = kept.glob("agreement-*.pickle")
    pickled.write_bytes(b"not a pickle")
    assert store.load_kept(text, "zegal.sla") == sladsl.load(text, "zegal.sla")
    assert isinstance(pickle.loads(pickled.read_bytes()), sladsl.Checked)


def test_a_folder_others_can_write_is_not_used(home: Path) -> None:
    kept = home
    kept.mkdir(mode=0o700)
    os.chmod(kept, 0o777)
    store.use_folder()
    text = (ROOT / "agreements" / "zegal.sla").read_text(encoding="utf-8")
    assert store.load_kept(text, "zegal.sla") == sladsl.load(text, "zegal.sla")
    assert list(kept.iterdir()) == []


def test_turned_off_nothing_is_written(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kept = home
    monkeypatch.setenv("SLADSL_CACHE", "off")
    store.use_folder()
    text = (ROOT / "agreements" / "zegal.sla").read_text(encoding="utf-8")
    store.load_kept(text, "zegal.sla")
    assert not kept.exists()


def test_the_library_alone_keeps_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With no store in use (an embedding program's case), loading, checking and evaluating write no file."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    kept_dates.cache_clear()
    text = (ROOT / "agreements" / "izy.sla").read_text(encoding="utf-8")
    timeline = (ROOT / "agreements" / "izy.timeline.jsonl").read_bytes()
    sladsl.evaluate(sladsl.load(text, "izy.sla").agreement, sladsl.read_timeline(timeline))
    holiday_dates(HolidaySource("NO"), 2031)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "source", [HolidaySource("NO"), HolidaySource("SI"), HolidaySource("US", "NY"), HolidaySource("GB", "ENG")]
)
def test_kept_holiday_dates_equal_the_library(kept: Path, source: HolidaySource) -> None:
    years = [1970, 2025, 2026, 2099]
    computed = [holiday_dates(source, year) for year in years]
    kept_dates.cache_clear()  # as in a new process: everything now comes from the file
    for year, dates in zip(years, computed, strict=True):
        library = holidays.country_holidays(
            source.country, subdiv=source.subdivision, categories=source.categories, years=year
        )
        assert holiday_dates(source, year) == dates == frozenset(library.keys())


def test_a_change_anywhere_in_the_package_is_new_code(tmp_path: Path) -> None:
    """A module in a sub-package counts as much as one at the top: editing either means agreements are checked
    again, not read back as the old code checked them."""
    package = tmp_path / "pkg"
    (package / "deep" / "deeper").mkdir(parents=True)
    top, nested = package / "top.py", package / "deep" / "deeper" / "nested.py"
    top.write_text("A = 1\n")
    nested.write_text("B = 1\n")
    before = store.tree_stamp(package)
    nested.write_text("B = 22\n")
    assert store.tree_stamp(package) != before
    again = store.tree_stamp(package)
    top.write_text("A = 333\n")
    assert store.tree_stamp(package) != again


def test_a_kept_check_needs_neither_the_parser_nor_the_holidays_package(kept: Path) -> None:
    """The second `check` of an agreement reads it back whole: Lark, the checker and `holidays` stay unloaded."""
    probe = (
        "import sys, runpy\n"
        "sys.argv = ['sladsl', 'check', 'agreements/izy.sla', 'agreements/izy.timeline.jsonl']\n"
        "try:\n"
        "    runpy.run_module('sladsl', run_name='__main__')\n"
        "except SystemExit:\n"
        "    pass\n"
        "names = ('lark', 'sladsl.language.checker', 'sladsl.language.parser', 'holidays')\n"
        "print(sorted(m for m in names if m in sys.modules))\n"
    )
    environment = {**os.environ, "XDG_CACHE_HOME": str(kept.parent)}

    def loaded() -> str:
        result = subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, env=environment, check=True
        )
        return result.stdout.splitlines()[-1]

    assert (
        loaded() == "['holidays', 'lark', 'sladsl.language.checker', 'sladsl.language.parser']"
    )  # the first time
    assert loaded() == "[]"


def test_the_oldest_files_go_past_the_limit(kept: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "KEEP", 3)
    text = (ROOT / "agreements" / "izy.sla").read_text(encoding="utf-8")
    seen: set[Path] = set()
    for n in range(5):
        store.load_kept(text, f"izy-{n}.sla")
        (new,) = set(kept.glob("agreement-*.pickle")) - seen
        os.utime(new, ns=(n * 10**9, n * 10**9))  # written in this order, a second apart
        seen.add(new)
    left = sorted(pickle.loads(p.read_bytes()).warnings[0].span.file for p in kept.glob("agreement-*.pickle"))
    assert left == ["izy-2.sla", "izy-3.sla", "izy-4.sla"]


def test_kept_parse_tables_parse_as_fresh_ones(kept: Path) -> None:
    """Lark's tables kept by one run and loaded by the next build the same trees."""
    from sladsl.language import parser  # noqa: PLC0415

    parser.lark_parser.cache_clear()
    fresh = [sladsl.parse(p.read_text(encoding="utf-8"), p.name) for p in AGREEMENTS]  # tables built, kept
    assert len(list(kept.glob("grammar-*.pickle"))) == 1
    parser.lark_parser.cache_clear()
    again = [sladsl.parse(p.read_text(encoding="utf-8"), p.name) for p in AGREEMENTS]  # tables loaded
    parser.lark_parser.cache_clear()
    assert again == fresh
