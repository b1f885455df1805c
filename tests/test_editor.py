"""The answers behind the language server, asked directly: names, hover, completion and fixes on the seeds."""

from __future__ import annotations

import pytest

from sladsl import editor
from tests.helpers import AGREEMENTS

# Agreements whose names are only defined, never used: GitHub's commitment has no credit (its formula was not in
# the text seen), so nothing refers to it.
DEFINED_ONLY: set[str] = set()


@pytest.mark.parametrize("path", AGREEMENTS, ids=lambda p: p.stem)
def test_every_name_used_in_a_seed_leads_to_its_one_definition(path) -> None:
    analysis = editor.analyse(path.read_text(encoding="utf-8"), path.name)
    assert analysis.document is not None and analysis.checked is not None
    found = list(editor.symbols(analysis.document))
    assert any(not s.is_definition for s in found) == (path.stem not in DEFINED_ONLY)
    for symbol in found:
        [defined] = editor.definition(analysis, symbol.name.span.start)
        assert analysis.source.text[defined.start : defined.end] == symbol.name.text
        uses = editor.references(analysis, symbol.name.span.start)
        assert symbol.name.span in uses and defined in uses
        shown = editor.hover(analysis, symbol.name.span.end, 2025)
        assert shown is not None and f"`{symbol.name.text}`" in shown.markdown


@pytest.mark.parametrize("path", AGREEMENTS, ids=lambda p: p.stem)
def test_every_target_hovers_with_its_explain_sentence(path) -> None:
    from sladsl.language import ast  # noqa: PLC0415
    from sladsl.render.explain import target_sentence  # noqa: PLC0415

    analysis = editor.analyse(path.read_text(encoding="utf-8"), path.name)
    assert analysis.document is not None and analysis.checked is not None
    calendars = analysis.checked.agreement.calendars  # the hover names a day's closing time, as explain does
    add_ons = {p.name for p in analysis.checked.agreement.add_ons}
    for item in analysis.document.items:
        if isinstance(item, ast.Target):
            shown = editor.hover(analysis, item.span.start, 2025)
            assert shown is not None and shown.markdown.startswith(target_sentence(item, calendars, add_ons))


TEXT = """agreement "A":  § 1
    zone Europe/Oslo
calendar office:  § 2
    open monday to friday 09:00-17:00
calendar night:  § 2
    open every day 22:00-06:00
severity high "High"  § 3
severity low "Low"  § 3
plan gold "Gold"  § 4
"""


@pytest.mark.parametrize(
    ("typed", "offered"),
    [
        ("", {"agreement", "calendar", "response", "credit", "severity", "clock"}),
        ("response ", {"for"}),
        ("response for ", {"high", "low"}),
        ("response for high, ", {"high", "low"}),
        ("response for high ", {"by", "every", "on", "within"}),
        ("response for high on ", {"gold"}),
        ("response for high within 4 hours of ", {"office", "night"}),
        ("calendar ", set()),
        ("calendar x:\n    open ", {"always", "every", "monday", "on", "sunday"}),
    ],
)
def test_completion_offers_what_the_grammar_accepts_and_the_names_that_fit(typed: str, offered: set[str]) -> None:
    text = TEXT + typed
    labels = {c.label for c in editor.complete(editor.analyse(text, "a.sla"), len(text))}
    assert offered <= labels
    names = {"office", "night", "high", "low", "gold"}
    assert labels & names == offered & names  # no name of the wrong kind


def test_completion_of_a_text_that_does_not_parse_offers_every_keyword_and_name() -> None:
    text = TEXT + "response for high within within "
    labels = {c.label for c in editor.complete(editor.analyse(text, "a.sla"), len(text))}
    assert {"calendar", "within", "office", "high", "gold"} <= labels


@pytest.mark.parametrize("typed", ['severity x "Crit', "# a note on response ", 'plan y "Gold" # of '])
def test_nothing_is_offered_in_a_comment_or_a_string(typed: str) -> None:
    text = TEXT + typed
    assert editor.complete(editor.analyse(text, "a.sla"), len(text)) == []


def test_a_half_typed_word_is_completed_from_its_start() -> None:
    text = TEXT + "response for high within 4 hours of off"
    labels = [c.label for c in editor.complete(editor.analyse(text, "a.sla"), len(text))]
    assert set(labels) == {"office", "night"}


def test_hover_shows_a_calendars_week_even_while_the_agreement_has_errors() -> None:
    text = TEXT + "response for high within 4 hours of offise  § 5\n"
    analysis = editor.analyse(text, "a.sla")
    assert analysis.checked is None
    shown = editor.hover(analysis, text.index("night"), 2025)
    assert shown is not None
    assert "| Monday | 22:00-06:00 |" in shown.markdown
    [fix] = editor.fixes(analysis, text.index("offise"), text.index("offise"))
    assert (fix.replacement, fix.diagnostic.code) == ("office", "E0202")


def test_hover_shows_the_authors_text_as_text() -> None:
    text = TEXT.replace('"High"', '"<b>High</b> & \x1b[31m"')
    analysis = editor.analyse(text, "a.sla")
    shown = editor.hover(analysis, text.index("high"), 2025)
    assert shown is not None
    assert shown.markdown.startswith("**severity `high`**: &lt;b&gt;High&lt;/b&gt; &amp; \\u001b[31m")


def test_format_text_is_the_formatters_and_none_for_a_syntax_error() -> None:
    from sladsl import format_source  # noqa: PLC0415
    from sladsl.source import Source  # noqa: PLC0415

    messy = TEXT.replace("    open monday", "  open monday")
    assert editor.format_text(editor.analyse(messy, "a.sla")) == format_source(Source("a.sla", messy))
    assert editor.format_text(editor.analyse(messy + "response for\n", "a.sla")) is None
