"""The plain-language rendering: every clause appears with its § and line, holidays are real dates."""

from __future__ import annotations

import re

import pytest

import sladsl
from sladsl.render.explain import explain, render_html, render_markdown
from tests.helpers import AGREEMENTS


def rendering(path, year: int = 2025) -> tuple[str, list[object]]:  # type: ignore[no-untyped-def]
    text = path.read_text(encoding="utf-8")
    document = sladsl.parse(text, path.name)
    blocks = explain(document, sladsl.load(text, path.name), year)
    return render_markdown(blocks), blocks


@pytest.mark.parametrize("path", AGREEMENTS, ids=lambda p: p.name)
def test_markdown_rendering(path, snapshot) -> None:  # type: ignore[no-untyped-def]
    markdown, _ = rendering(path)
    assert markdown == snapshot


@pytest.mark.parametrize("path", AGREEMENTS, ids=lambda p: p.name)
def test_every_clause_is_rendered_with_its_line(path) -> None:  # type: ignore[no-untyped-def]
    """A lawyer can tick off each clause: every clause and rule line of the file is named in the rendering."""
    markdown, _ = rendering(path)
    document = sladsl.parse(path.read_text(encoding="utf-8"), path.name)
    lines = set()
    for item in document.items:
        lines.add(item.span.line)
        for child in getattr(item, "rules", ()) + getattr(item, "bands", ()):
            lines.add(child.span.line)
    cited = {int(n) for n in re.findall(r"line (\d+)[;)]", markdown)}
    cited |= {int(n) for n in re.findall(r"\| (\d+) \|", markdown)}
    assert lines <= cited


def test_isl_lists_only_its_three_closed_dates() -> None:
    [path] = [p for p in AGREEMENTS if p.name == "isl-online.sla"]
    markdown, _ = rendering(path, 2026)
    closed = re.findall(r"^- (\w{3} \d{2} \w+): closed every year$", markdown, re.MULTILINE)
    assert closed == ["Thu 01 January", "Fri 01 May", "Fri 25 December"]
    assert "Prešeren" not in markdown


def test_norway_lists_easter_2026() -> None:
    # Easter Sunday 2026 is 5 April: Maundy Thursday 2 April, Good Friday 3 April, Easter Monday 6 April.
    [path] = [p for p in AGREEMENTS if p.name == "izy.sla"]
    markdown, _ = rendering(path, 2026)
    for line in (
        "- Thu 02 April: Maundy Thursday",
        "- Fri 03 April: Good Friday",
        "- Mon 06 April: Easter Monday",
    ):
        assert line in markdown


def test_html_is_self_contained() -> None:
    [path] = [p for p in AGREEMENTS if p.name == "izy.sla"]
    _, blocks = rendering(path)
    page = render_html(blocks, "Izy")  # type: ignore[arg-type]
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page and "http://" not in page and "https://" not in page
    assert "<table>" in page and "<code>core_hours</code>" in page
    assert "&lt;95%" not in page and "below 95%" in page


def test_summer_time_is_mentioned_only_where_the_zone_has_it() -> None:
    by_name = {p.name: p for p in AGREEMENTS}
    assert "`Europe/Oslo`, summer time included." in rendering(by_name["izy.sla"])[0]
    assert "`Asia/Hong_Kong`." in rendering(by_name["zegal.sla"])[0]  # Hong Kong keeps one offset all year
