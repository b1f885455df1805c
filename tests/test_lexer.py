"""The Pygments lexer: registered under `sla`, covers every construct the seed agreements use, loses nothing."""

from __future__ import annotations

import pytest
from pygments.lexers import get_lexer_by_name, get_lexer_for_filename
from pygments.token import Comment, Error, Keyword, Name, Number, String, Text

from sladsl.language.lexer import SlaLexer
from sladsl.render.explain import highlight_source
from tests.helpers import AGREEMENTS


def test_registered_through_the_entry_point() -> None:
    assert isinstance(get_lexer_by_name("sla"), SlaLexer)
    assert isinstance(get_lexer_for_filename("agreement.sla"), SlaLexer)  # not Pygments' Slash lexer


@pytest.mark.parametrize("path", AGREEMENTS, ids=lambda p: p.name)
def test_every_agreement_lexes_completely(path) -> None:  # type: ignore[no-untyped-def]
    text = path.read_text(encoding="utf-8")
    tokens = list(SlaLexer().get_tokens_unprocessed(text))
    assert "".join(value for _, _, value in tokens) == text
    unknown = [value for _, kind, value in tokens if kind in (Text, Error) and value.strip()]
    assert unknown == []


def test_token_kinds() -> None:
    line = (
        'response for A within 2 hours of core_hours  § 5.1  # why\ncalendar c:  § "Title"\n    zone Europe/Oslo\n'
    )
    kinds = {value: kind for kind, value in SlaLexer().get_tokens(line)}
    assert kinds["response"] is Keyword.Type
    assert kinds["§ 5.1"] is Name.Label
    assert kinds['§ "Title"'] is Name.Label
    assert kinds["# why"] is Comment.Single
    assert kinds["Europe/Oslo"] is Name.Namespace
    assert kinds["calendar"] is Keyword.Declaration
    assert kinds["2"] is Number.Integer
    assert kinds["core_hours"] is Name
    assert String.Double not in kinds.values()


def test_html_highlighting_is_inline() -> None:
    page = highlight_source('severity A "Critical"  § 4.1\n')
    assert 'style="' in page and "class=" not in page.replace('class="highlight"', "")
