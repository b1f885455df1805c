"""The formatter: one canonical layout, comments kept, always equivalent and stable."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sladsl
from sladsl.language.formatter import format_source
from sladsl.source import Source
from tests.helpers import AGREEMENTS, ROOT, examples

FMT = ROOT / "tests" / "data" / "fmt"


@pytest.mark.parametrize("path", AGREEMENTS, ids=lambda p: p.name)
def test_every_agreement_is_a_fixed_point(path) -> None:  # type: ignore[no-untyped-def]
    text = path.read_text(encoding="utf-8")
    assert format_source(Source(path.name, text)) == text


def test_messy_layout_becomes_canonical() -> None:
    # The expected file was written by hand from the layout rules in sladsl/formatter.py and read line by line.
    messy = (FMT / "messy.sla").read_text(encoding="utf-8")
    expected = (FMT / "messy.formatted.sla").read_text(encoding="utf-8")
    assert format_source(Source("messy.sla", messy)) == expected
    assert sladsl.parse(expected) == sladsl.parse(messy)


def test_comments_survive_in_order() -> None:
    text = (ROOT / "agreements" / "izy.sla").read_text(encoding="utf-8")
    spaced = text.replace("  § ", "     § ").replace("  # written", "        # written")
    formatted = format_source(Source("izy.sla", spaced))
    assert [c.text for c in sladsl.parse(formatted).comments] == [c.text for c in sladsl.parse(text).comments]
    assert formatted == text


# ---- generated agreements -----------------------------------------------------------------------------------

NAMES = st.sampled_from(["core", "support_hours", "x1", "ops"])
SPACE = st.sampled_from([" ", "  ", "   "])


@st.composite
def spaced(draw: st.DrawFn, *words: str) -> str:
    """Words joined by one to three spaces each."""
    out = words[0]
    for word in words[1:]:
        out += draw(SPACE) + word
    return out


@st.composite
def trailing(draw: st.DrawFn) -> str:
    cite = draw(st.sampled_from(["", "  § 4.1", ' § "Service Levels"', "   §5"]))
    note = draw(st.sampled_from(["", "  # why", "   #reading: A", "\t# tab before"]))
    return cite + note


@st.composite
def documents(draw: st.DrawFn) -> str:
    indent = " " * draw(st.integers(1, 8))
    lines = [
        "# generated",
        draw(spaced("agreement", '"Generated":')) + draw(trailing()),
        indent + draw(spaced("zone", "Europe/Oslo")),
    ]
    calendar = draw(NAMES)
    lines.append(draw(st.sampled_from(["", "\n", "# calendars"])))
    lines.append(draw(spaced("calendar", f"{calendar}:")) + draw(trailing()))
    hours = draw(st.sampled_from(["08:00-17:00", "22:00-04:00", "00:00-24:00", "08:00-12:00, 13:00-17:00"]))
    lines.append(indent + draw(spaced("open", "monday", "to", "friday", hours)) + draw(trailing()))
    if draw(st.booleans()):
        lines.append(indent + "# closed days")
        lines.append(indent + draw(spaced("closed", "on", "1", "january,", "2025-12-24")) + draw(trailing()))
    if draw(st.booleans()):
        lines.append(indent + draw(spaced("closed", "on", "public", "holidays", "of", "NO")))
    codes = draw(st.lists(st.sampled_from(["1", "2", "A", "high"]), min_size=1, max_size=3, unique=True))
    for code in codes:
        lines.append(draw(spaced("severity", code, f'"Title {code}"')) + draw(trailing()))
        amount = draw(st.integers(1, 72))
        clock = draw(st.sampled_from([f" of {calendar}", ""]))
        lines.append(
            draw(spaced("response", "for", code, "within", str(amount), "hours")) + clock + draw(trailing())
        )
        if draw(st.booleans()):
            lines.append(
                draw(
                    spaced(
                        "resolution",
                        "for",
                        code,
                        "within",
                        "10",
                        "business",
                        "days",
                        "of",
                        calendar,
                        "counting",
                        "from",
                        "next",
                        "day",
                    )
                )
                + draw(trailing())
            )
    if draw(st.booleans()):
        lines.append(
            draw(spaced("availability", "up", "per", "month", "at", "least", "99.5%:")) + draw(trailing())
        )
        lines.append(indent + draw(spaced("exclude", "force_majeure,", "ddos")) + draw(trailing()))
        lines.append(draw(spaced("credit", "refund", "by", "up:")))
        lines.append(indent + draw(spaced("at", "least", "99%", "->", "0%", "of", "fee")))
        lines.append(indent + draw(spaced("below", "99%", "->", "10%", "of", "fee")) + draw(trailing()))
        lines.append(draw(spaced("cap", "50%", "of", "fee", "per", "calendar", "year")) + draw(trailing()))
    if draw(st.booleans()):
        lines.append("")
    lines.append(draw(st.sampled_from(["", "# the end", "   # indented end"])))
    return "\n".join(lines) + draw(st.sampled_from(["\n", "", "\n\n"]))


@settings(max_examples=examples(300), deadline=None)
@given(documents())
def test_generated_agreements_format_safely_and_stably(text: str) -> None:
    formatted = format_source(Source("generated.sla", text))  # raises if the tree or the comments changed
    assert sladsl.parse(formatted) == sladsl.parse(text)
    assert format_source(Source("generated.sla", formatted)) == formatted


# ---- the command --------------------------------------------------------------------------------------------


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sladsl", *args], capture_output=True, text=True, cwd=ROOT, check=False
    )


def test_fmt_check_diff_and_rewrite(tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert cli("fmt", "--check", *[str(p) for p in AGREEMENTS]).returncode == 0
    messy = tmp_path / "messy.sla"
    messy.write_text((FMT / "messy.sla").read_text(encoding="utf-8"), encoding="utf-8")
    check = cli("fmt", "--check", str(messy))
    assert check.returncode == 1
    assert f"would reformat {messy}" in check.stderr
    diff = cli("fmt", "--diff", str(messy))
    assert diff.returncode == 1
    assert "\n-calendar   c :  §  2\n" in diff.stdout
    assert "\n+calendar c:  § 2\n" in diff.stdout
    assert messy.read_text(encoding="utf-8") == (FMT / "messy.sla").read_text(encoding="utf-8")  # untouched
    rewrite = cli("fmt", str(messy))
    assert rewrite.returncode == 0
    assert messy.read_text(encoding="utf-8") == (FMT / "messy.formatted.sla").read_text(encoding="utf-8")
    broken = cli("fmt", "tests/data/bad/E0102-missing-colon.sla")
    assert broken.returncode == 2
    assert "error[E0102]" in broken.stderr


MESSY = 'agreement  "T" :  § 1\n    zone   Europe/Oslo\ncalendar c:  § 2\n    open monday 09:00-17:00\n'
TIDY = 'agreement "T":  § 1\n    zone Europe/Oslo\ncalendar c:  § 2\n    open monday 09:00-17:00\n'


def test_fmt_of_standard_input_writes_standard_output(tmp_path: Path) -> None:
    def fmt(*args: str, stdin: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "sladsl", "fmt", *args],
            input=stdin,
            capture_output=True,
            text=True,
            cwd=tmp_path,  # nothing may be written here, least of all a file named `-`
            check=False,
        )

    done = fmt("-", stdin=MESSY)
    assert (done.returncode, done.stdout) == (0, TIDY)
    assert "reformatted <stdin>" in done.stderr
    assert fmt("-", stdin=TIDY).stdout == TIDY  # already tidy: written back whole all the same
    checked = fmt("--check", "-", stdin=MESSY)
    assert (checked.returncode, checked.stdout) == (1, "")
    shown = fmt("--diff", "-", stdin=MESSY)
    assert shown.returncode == 1 and "--- <stdin>" in shown.stdout and '+agreement "T":  § 1' in shown.stdout
    assert fmt("-", "-", stdin=MESSY).returncode == 2
    assert list(tmp_path.iterdir()) == []


def test_lint_of_standard_input_names_it() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "sladsl", "lint", "-"],
        input=TIDY.replace("Europe/Oslo", "Europe/Olso"),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert "error[E0203]: time zone `Europe/Olso` is not known\n --> <stdin>:2:10" in done.stderr
