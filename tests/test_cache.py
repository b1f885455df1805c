"""What is kept between runs never changes a result: a checked agreement or a year's holidays read back from the
cache equals one computed afresh, and a changed text, a damaged file or an unusable folder means fresh work."""

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
from sladsl import cache, clock
from sladsl.model import HolidaySource
from tests.helpers import AGREEMENTS, ROOT


@pytest.fixture
def kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A cache folder of this test's own."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("SLADSL_CACHE", raising=False)
    cache.folder.cache_clear()
    clock._kept_holidays.cache_clear()
    yield tmp_path / "sladsl"
    cache.folder.cache_clear()
    clock._kept_holidays.cache_clear()


@pytest.mark.parametrize("path", AGREEMENTS, ids=lambda p: p.stem)
def test_a_kept_agreement_equals_a_fresh_one(kept: Path, path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    fresh = sladsl.load(text, path.name)
    first = sladsl.load_kept(text, path.name)  # computed, then written
    assert len(list(kept.glob("agreement-*.pickle"))) == 1
    again = sladsl.load_kept(text, path.name)  # read back
    assert first == again == fresh
    assert [(w.code, w.message, w.span) for w in again.warnings] == [
        (w.code, w.message, w.span) for w in fresh.warnings
    ]


def test_changed_text_or_name_is_checked_afresh(kept: Path) -> None:
    text = (ROOT / "agreements" / "izy.sla").read_text(encoding="utf-8")
    sladsl.load_kept(text, "izy.sla")
    changed = sladsl.load_kept(text.replace("within 2 hours", "within 3 hours"), "izy.sla")
    renamed = sladsl.load_kept(text, "other.sla")
    assert len(list(kept.glob("agreement-*.pickle"))) == 3
    assert changed != sladsl.load(text, "izy.sla")
    assert {w.span.file for w in renamed.warnings if w.span} == {"other.sla"}  # spans name the file as given


def test_a_damaged_file_is_ignored_and_replaced(kept: Path) -> None:
    text = (ROOT / "agreements" / "zegal.sla").read_text(encoding="utf-8")
    sladsl.load_kept(text, "zegal.sla")
    (pickled,) = kept.glob("agreement-*.pickle")
    pickled.write_bytes(b"not a pickle")
    assert sladsl.load_kept(text, "zegal.sla") == sladsl.load(text, "zegal.sla")
    assert isinstance(pickle.loads(pickled.read_bytes()), sladsl.Checked)


def test_a_folder_others_can_write_is_not_used(kept: Path) -> None:
    kept.mkdir(mode=0o700)
    os.chmod(kept, 0o777)
    cache.folder.cache_clear()
    text = (ROOT / "agreements" / "zegal.sla").read_text(encoding="utf-8")
    assert sladsl.load_kept(text, "zegal.sla") == sladsl.load(text, "zegal.sla")
    assert list(kept.iterdir()) == []


def test_turned_off_nothing_is_written(kept: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLADSL_CACHE", "off")
    cache.folder.cache_clear()
    text = (ROOT / "agreements" / "zegal.sla").read_text(encoding="utf-8")
    sladsl.load_kept(text, "zegal.sla")
    assert not kept.exists()


@pytest.mark.parametrize(
    "source", [HolidaySource("NO"), HolidaySource("SI"), HolidaySource("US", "NY"), HolidaySource("GB", "ENG")]
)
def test_kept_holiday_dates_equal_the_library(kept: Path, source: HolidaySource) -> None:
    years = [1970, 2025, 2026, 2099]
    computed = [clock._holiday_dates(source, year) for year in years]
    clock._kept_holidays.cache_clear()  # a new process: everything now comes from the file
    for year, dates in zip(years, computed, strict=True):
        library = holidays.country_holidays(
            source.country, subdiv=source.subdivision, categories=source.categories, years=year
        )
        assert clock._holiday_dates(source, year) == dates == frozenset(library.keys())


def test_a_kept_check_needs_neither_the_parser_nor_the_holidays_package(kept: Path) -> None:
    """The second `check` of an agreement reads it back whole: Lark, the checker and `holidays` stay unloaded."""
    probe = (
        "import sys, runpy\n"
        "sys.argv = ['sladsl', 'check', 'agreements/izy.sla', 'agreements/izy.timeline.jsonl']\n"
        "try:\n"
        "    runpy.run_module('sladsl', run_name='__main__')\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in ('lark', 'sladsl.checker', 'sladsl.parser', 'holidays') if m in sys.modules))\n"
    )
    environment = {**os.environ, "XDG_CACHE_HOME": str(kept.parent)}

    def loaded() -> str:
        result = subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, env=environment, check=True
        )
        return result.stdout.splitlines()[-1]

    assert loaded() == "['holidays', 'lark', 'sladsl.checker', 'sladsl.parser']"  # the first time
    assert loaded() == "[]"


def test_the_oldest_files_go_past_the_limit(kept: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "KEEP", 3)
    text = (ROOT / "agreements" / "izy.sla").read_text(encoding="utf-8")
    seen: set[Path] = set()
    for n in range(5):
        sladsl.load_kept(text, f"izy-{n}.sla")
        (new,) = set(kept.glob("agreement-*.pickle")) - seen
        os.utime(new, ns=(n * 10**9, n * 10**9))  # written in this order, a second apart
        seen.add(new)
    left = sorted(pickle.loads(p.read_bytes()).warnings[0].span.file for p in kept.glob("agreement-*.pickle"))
    assert left == ["izy-2.sla", "izy-3.sla", "izy-4.sla"]
