"""What the work on growth changed must still say the same: each rewritten function against values worked out by
hand. How fast they are is measured by `bench/scaling.py`, never here."""

from __future__ import annotations

import sladsl
from sladsl.render.explain import explain, render_markdown

HEADER = """agreement "Scaling":  § 1
    provider "P"
    zone Europe/Oslo

calendar core_hours:  § 1
    open monday to friday 08:00-17:00  § 1

"""


def markdown_of(text: str) -> str:
    return render_markdown(explain(sladsl.parse(text, "t.sla"), sladsl.load(text, "t.sla"), 2025))


# -- explain ---------------------------------------------------------------------------------------------------


def test_explain_names_the_severities_without_a_target_in_their_order() -> None:
    text = HEADER + "".join(f'severity {c} "{c}": "level {c}"  § 2\n' for c in "DCBA")
    text += "response for C within 2 hours  § 3\nresponse for A, C within 4 hours  § 3\n"
    assert "No target is set for `D`, `B`." in markdown_of(text)


def test_explain_quotes_the_comment_lines_above_a_clause_in_file_order() -> None:
    text = HEADER + (
        'severity A "A": "a"  § 2\n'
        "response for A within 2 hours  § 3\n"
        "# first\n"
        "# second\n"
        "  # third, indented\n"
        'plan gold "Gold"  § 4  # on the line\n'
    )
    [line] = [row for row in markdown_of(text).splitlines() if row.startswith("- `gold`")]
    assert line == (
        '- `gold`: Gold (§ 4, line 13) Note in the file: "first" Note in the file: "second" '
        'Note in the file: "third, indented" Note in the file: "on the line"'
    )
