"""Contract terms beyond the seeds (scoped clock rules, proportional credits, exclusion budgets, fees per
quarter and year). Every expected figure is worked out by hand in the comment beside it."""

from __future__ import annotations

import pytest

import sladsl
from sladsl.diagnostics import SlaError
from sladsl.language.formatter import format_source
from sladsl.source import Source
from sladsl.time.instants import local
from tests.helpers import ROOT
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


# ---- the contract checker: proofs with witnesses ---------------------------------------------------------


def warnings_of(text: str, code: str) -> list[sladsl.Diagnostic]:
    return [d for d in sladsl.load(text, "proof.sla").warnings if d.code == code]


def test_opti_q_medium_can_fall_due_before_high() -> None:
    # Opti-Q § 4.1: High within 1 support hour (Mon-Fri 09:00-17:00), Medium and Low within 24 wall hours. The
    # file is in force from 2020; the first instant tried that shows it is Fri 3 January 2020 16:59: High has one
    # open minute that day and 59 on Monday, so it is due Mon 6 January 09:59; Medium is due Sat 16:59.
    text = (ROOT / "agreements" / "opti-q.sla").read_text(encoding="utf-8")
    [warning] = warnings_of(text, "W0211")
    assert warning.message == "a `medium` response can fall due before a `high` one reported at the same moment"
    assert warning.notes[0] == (
        "reported 2020-01-03 16:59 Fri: `medium` is due 2020-01-04 16:59 Sat, `high` only 2020-01-06 09:59 Mon"
    )
    assert warning.span is not None and warning.span.line == 52  # `response for medium, low within 24 hours`


def test_izy_gap_contradicts_its_overlap_rule() -> None:
    # Izy's refund table: 98%-98.9% pays 10%, above 99% pays 0%, nothing covers (98.9%, 99%]; bands touch at
    # 98% and 97%, where the larger refund applies. A month at 98.95% (the gap's middle) earns nothing.
    text = (ROOT / "agreements" / "izy.sla").read_text(encoding="utf-8")
    [warning] = warnings_of(text, "W0212")
    assert warning.message == (
        "`refund` reads its overlaps for the customer but its gap against them: 98.95% earns nothing, 98.9% "
        "earns 10% of fee"
    )


def test_a_ladder_without_overlaps_may_keep_its_gap() -> None:
    text = (ROOT / "tests" / "data" / "bad" / "W0212-gap-against-overlaps.sla").read_text(encoding="utf-8")
    assert warnings_of(text, "W0212")
    # Make 98% belong to one band only: the overlap is gone, the gap stays (W0201) and is no contradiction.
    assert not warnings_of(text.replace("from 95% to 98% ->", "at least 95% and below 98% ->"), "W0212")


def test_a_cap_no_awards_can_reach() -> None:
    text = (ROOT / "tests" / "data" / "bad" / "W0213-cap-never-reached.sla").read_text(encoding="utf-8")
    # The worst month pays EUR 250; twelve months pay at most EUR 3000, below the EUR 5000 cap.
    [warning] = warnings_of(text, "W0213")
    assert warning.message == "no awards can reach the cap (EUR 5000): at most EUR 3000 in a calendar year"
    # A cap of EUR 3000 can be reached by twelve bad months; a cap per quarter of EUR 700 cannot (3 x 250).
    assert not warnings_of(text.replace("EUR 5000", "EUR 3000"), "W0213")
    [quarter] = warnings_of(text.replace("EUR 5000 per calendar year", "EUR 800 per calendar quarter"), "W0213")
    assert quarter.message.endswith("at most EUR 750 in a calendar quarter")
    # An hourly credit has no bound, so no cap of its kind is out of reach.
    hourly = text + "credit late: EUR 10 per started hour late for response for 1  § 9\n"
    hourly = hourly.replace(
        "    zone Europe/London\n",
        '    zone Europe/London\nseverity 1 "Critical"  § 2\nresponse for 1 within 1 hour  § 2\n',
        1,
    )
    assert not warnings_of(hourly, "W0213")


def test_a_start_rule_that_holds_a_24_7_target_and_its_fix() -> None:
    text = (ROOT / "tests" / "data" / "bad" / "W0214-start-rule-holds-a-24-7-target.sla").read_text(
        encoding="utf-8"
    )
    # 2025 starts on a Wednesday at midnight, with the office closed: 15 wall minutes would end 00:15, but the
    # clock waits for 09:00 and the response is due 09:15.
    [warning] = warnings_of(text, "W0214")
    assert warning.notes[0] == "reported 2025-01-01 00:00 Wed: due 2025-01-01 09:15 Wed, not 2025-01-01 00:15 Wed"
    assert warning.span is not None and warning.span.line == 8  # the rule
    # Scoping the rule to severity 2, whose target is counted on the office calendar anyway, removes it.
    assert not warnings_of(text.replace("opening of office  § 4", "opening of office for 2  § 4"), "W0214")


def test_a_claim_window_from_the_failure_start_that_closes_before_the_months_figure() -> None:
    text = (ROOT / "tests" / "data" / "bad" / "W0217-claim-window-from-failure-start.sla").read_text(
        encoding="utf-8"
    )
    # A failure can start at 00:00 on 1 January 2025; counted from the next day, 10 office days in Norway are
    # 2, 3, 6-10, 13, 14 and 15 January (1 January is a holiday, weekends closed): the window closes 15 January
    # 16:00, long before January's uptime is known on 1 February.
    [warning] = warnings_of(text, "W0217")
    assert warning.notes[0] == (
        "a failure that starts 2025-01-01 00:00 Wed and misses `uptime` for 2025-01 can be claimed until "
        "2025-01-15 16:00 Wed, but the period's figure is known only when it ends, 2025-02-01 00:00 Sat"
    )
    # Counted from when the failure ends (the period's last second), the window always follows the figure.
    assert not warnings_of(text.replace("after failure starts", "after failure ends"), "W0217")
    # January has 22 office days from the 2nd: a window of 22 closes 31 January 16:00, before the month ends; 23
    # reach 3 February. With 23, every month of 2025 ends before its window closes (counted by hand from the
    # holidays of Norway: July and October also have 22 office days from the 2nd, and their 23rd is in the next
    # month).
    [tight] = warnings_of(text.replace("within 10 business", "within 22 business"), "W0217")
    assert "can be claimed until 2025-01-31 16:00 Fri" in tight.notes[0]
    assert not warnings_of(text.replace("within 10 business", "within 23 business"), "W0217")


HOURS_LATE = """\
agreement "Test agreement":  § 1
    zone Europe/Oslo

calendar office:  § 2
    open monday to friday 08:00-16:00  § 2
    closed on public holidays of NO  § 2

severity A "Critical"  § 3
response for A within 4 hours of office  § 3

credit late: EUR 10 per started hour late for response for A  § 4

claim within 10 business days of office after failure {edge}  § 5
"""


def test_a_claim_window_from_the_deadline_closes_before_the_hours_late_are_known() -> None:
    # Reported 00:00 on 1 January 2025, a Norwegian holiday: 4 office hours from Thu 2 January 08:00 end 12:00.
    # Counted from the next office day, 10 are 3, 6-10 and 13-16 January: the window closes Thu 16 January 16:00.
    # A response after that has hours late that nobody can claim in time.
    [warning] = warnings_of(HOURS_LATE.format(edge="starts"), "W0217")
    assert warning.message == (
        "the claim window, counted from when the failure starts, can close before the hours late of `late` are "
        "known"
    )
    assert warning.notes[0] == (
        "a `A` response reported 2025-01-01 00:00 Wed is due 2025-01-02 12:00 Thu and can be claimed until "
        "2025-01-16 16:00 Thu; if it comes later, how many hours late it was is not known while the window is open"
    )
    assert not warnings_of(HOURS_LATE.format(edge="ends"), "W0217")


@pytest.mark.parametrize("vendor", ["cloudcti", "isl-online", "zegal"])
def test_the_checker_finds_nothing_false_on_the_other_seeds(vendor: str) -> None:
    text = (ROOT / "agreements" / f"{vendor}.sla").read_text(encoding="utf-8")
    codes = {"W0211", "W0212", "W0213", "W0214", "W0217"}
    assert [d.code for d in sladsl.load(text, vendor).warnings if d.code in codes] == []


CLAIMS = """\
agreement "Claims":  § 1
    zone UTC

calendar every_day:  § 2
    open always  § 2

severity 1 "Critical"  § 3
response for 1 within 1 hour  § 3

availability uptime per calendar month at least 99.9%:  § 4
    exclude force_majeure  § 4

credit refund by uptime:  § 5
    at least 99.9% -> 0% of fee
    below 99.9% -> 10% of fee
credit late: EUR 10 per started hour late for response for 1  § 5

claim within 40 business days of every_day after failure {edge}  § 6
"""


def claims_report(edge: str, refund_claimed: str, late_claimed: str) -> list[tuple[str, str, str]]:
    report = evaluate_inline(
        CLAIMS.format(edge=edge),
        {"type": "customer", "id": "c", "fee": "1000", "currency": "EUR"},
        reported("I-1", "1", "2025-03-03T09:00:00+00:00"),
        {"type": "response", "incident": "I-1", "at": "2025-03-05T10:00:00+00:00"},
        {
            "type": "outage",
            "id": "O-1",
            "start": "2025-03-10T10:00:00Z",
            "end": "2025-03-10T12:00:00Z",
            "tags": [],
        },
        {
            "type": "outage",
            "id": "O-2",
            "start": "2025-06-01T00:00:00Z",
            "end": "2025-06-01T00:01:00Z",
            "tags": [],
        },
        {"type": "claim", "customer": "c", "credit": "refund", "period": "2025-03", "at": refund_claimed},
        {"type": "claim", "customer": "c", "credit": "late", "incident": "I-1", "at": late_claimed},
    )
    found = []
    for award in report.awards:
        [reason] = award.reasons
        closes = local(reason.closes, "UTC").isoformat()  # type: ignore[union-attr]
        found.append((award.credit, award.status, closes))
    return sorted(found)


def test_a_claim_window_counted_from_when_the_failure_starts() -> None:
    # March's uptime fails with the outage at 10:00 on 10 March; counted from the next day, 40 days end with
    # 19 April: the window closes 20 April 00:00. The response was due 3 March 10:00 and came 5 March 10:00:
    # from 4 March, 40 days end with 12 April. A claim of the refund on 19 April 23:00 is in time; one of the
    # hourly credit on 14 April 12:00 is late.
    assert claims_report("starts", "2025-04-19T23:00:00Z", "2025-04-14T12:00:00Z") == [
        ("late", "void", "2025-04-13T00:00:00+00:00"),
        ("refund", "owed", "2025-04-20T00:00:00+00:00"),
    ]
    assert claims_report("starts", "2025-04-20T00:30:00Z", "2025-04-12T12:00:00Z") == [
        ("late", "owed", "2025-04-13T00:00:00+00:00"),
        ("refund", "void", "2025-04-20T00:00:00+00:00"),
    ]
    # Counted from when they end: March's last second (from 1 April, 40 days end with 10 May) and the response
    # on 5 March (from 6 March, 40 days end with 14 April): both claims are in time.
    assert claims_report("ends", "2025-04-20T00:30:00Z", "2025-04-14T12:00:00Z") == [
        ("late", "owed", "2025-04-15T00:00:00+00:00"),
        ("refund", "owed", "2025-05-11T00:00:00+00:00"),
    ]
