"""Contract terms beyond the seeds (scoped clock rules, proportional credits, exclusion budgets, fees per
quarter and year). Every expected figure is worked out by hand in the comment beside it."""

from __future__ import annotations

import pytest

import sladsl
from sladsl.diagnostics import SlaError
from sladsl.language.formatter import format_source
from sladsl.source import Source
from tests.test_check import evaluate_inline, target

SCOPED = """\
agreement "Scoped":  § 1
    zone Europe/London

calendar support_hours:  § 2
    open monday to friday 09:00-17:00  § 2

severity 1 "Critical"  § 3
severity 2 "High"  § 3
severity 3 "Normal"  § 3

clock:  § 4
    outside hours start at next opening of support_hours for 2, 3  § 4

response for 1 within 15 minutes  § 5
response for 2 within 1 hour of support_hours  § 5
response for 3 within 4 hours  § 5
resolution for 1, 2 within 3 days  § 5
"""


def reported(incident: str, severity: str, at: str) -> dict[str, object]:
    return {"type": "reported", "incident": incident, "customer": "c", "severity": severity, "at": at}


def test_a_start_rule_scoped_to_severities_leaves_a_24_7_target_alone() -> None:
    report = evaluate_inline(
        SCOPED,
        reported("p1", "1", "2025-03-01T02:10:00+00:00"),  # Saturday 02:10
        reported("p2", "2", "2025-03-01T02:10:00+00:00"),
        reported("p3", "3", "2025-03-01T02:10:00+00:00"),
        {"type": "response", "incident": "p1", "at": "2025-03-01T02:20:00+00:00"},
        {"type": "response", "incident": "p2", "at": "2025-03-03T09:50:00+00:00"},
        {"type": "response", "incident": "p3", "at": "2025-03-03T12:00:00+00:00"},
    )
    # P1 is not covered: 15 wall minutes from Sat 02:10 is 02:25; answered 02:20, 5 minutes to spare.
    assert target(report, "p1") == ("2025-03-01T02:25:00+00:00", "met", 5 * 60)
    # P2 starts Mon 09:00 (the next opening), one open hour: 10:00; answered 09:50, 10 minutes to spare.
    assert target(report, "p2") == ("2025-03-03T10:00:00+00:00", "met", 10 * 60)
    # P3 also starts Mon 09:00, then 4 wall hours: 13:00; answered 12:00, one hour to spare.
    assert target(report, "p3") == ("2025-03-03T13:00:00+00:00", "met", 3600)
    # P1's resolution is counted from the report, P2's from Monday's opening (rule covers severity 2 for every
    # kind): 3 days after Sat 02:10 is Tue 02:10; 3 days after Mon 09:00 is Thu 09:00. Both open, no as-of.
    assert target(report, "p1", "resolution")[0] == "2025-03-04T02:10:00+00:00"
    assert target(report, "p2", "resolution")[0] == "2025-03-06T09:00:00+00:00"


def test_a_start_rule_scoped_to_target_kinds() -> None:
    text = SCOPED.replace("for 2, 3  § 4", "for response  § 4")
    report = evaluate_inline(
        text,
        reported("p1", "1", "2025-03-01T02:10:00+00:00"),
        {"type": "response", "incident": "p1", "at": "2025-03-03T09:10:00+00:00"},
    )
    # Every response waits for Monday 09:00 now: P1's 15 minutes end 09:15, answered 09:10.
    assert target(report, "p1") == ("2025-03-03T09:15:00+00:00", "met", 5 * 60)
    # The resolution is not covered: 3 days from the report, Tue 02:10.
    assert target(report, "p1", "resolution")[0] == "2025-03-04T02:10:00+00:00"


def test_a_scoped_start_rule_beside_an_unscoped_one() -> None:
    text = SCOPED.replace(
        "    outside hours start at next opening of support_hours for 2, 3  § 4\n",
        "    outside hours start at next opening of support_hours  § 4\n"
        "    outside hours start at next opening of always_open for 1  § 4\n",
    ).replace("severity 1", "calendar always_open:  § 2\n    open always  § 2\n\nseverity 1", 1)
    report = evaluate_inline(
        text,
        reported("p1", "1", "2025-03-01T02:10:00+00:00"),
        reported("p3", "3", "2025-03-01T02:10:00+00:00"),
    )
    # P1 follows its own rule on a calendar that is always open: due 02:25 on the Saturday.
    assert target(report, "p1")[0] == "2025-03-01T02:25:00+00:00"
    # P3 follows the unscoped rule: Monday 09:00 plus 4 hours.
    assert target(report, "p3")[0] == "2025-03-03T13:00:00+00:00"


SECOND = "    outside hours start at next opening of support_hours "


@pytest.mark.parametrize(
    ("rules", "says"),
    [
        ("for 2, 3  § 4\n" + SECOND + "for 3", "(3)"),
        ("for response  § 4\n" + SECOND + "for response, 2", "(response, 2)"),
        ("for response  § 4\n" + SECOND + "for 2", "(response, 2)"),
    ],
)
def test_two_start_rules_that_cover_one_target_are_refused(rules: str, says: str) -> None:
    with pytest.raises(SlaError) as error:
        sladsl.load(SCOPED.replace("for 2, 3  § 4", rules), "two.sla")
    [problem] = error.value.diagnostics
    assert problem.code == "E0218"
    assert problem.message == f"two clock start rules cover the same targets {says}"
    assert problem.span is not None and problem.span.line == 13


def test_a_scoped_start_rule_names_a_severity_that_exists() -> None:
    with pytest.raises(SlaError) as error:
        sladsl.load(SCOPED.replace("for 2, 3  § 4", "for 2, 5  § 4"), "unknown.sla")
    [problem] = error.value.diagnostics
    assert problem.code == "E0202"
    assert "`5`" in problem.message


def test_a_scoped_start_rule_is_formatted_as_written() -> None:
    assert format_source(Source("scoped.sla", SCOPED)) == SCOPED
