"""Calendars that follow the customer: each customer's zone and public holidays, from its timeline record.

Figures are worked by hand in the comments; a property test compares whole evaluations with the minute-by-minute
reference clock on a calendar written out for the customer's place."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

import sladsl
from sladsl.language.formatter import format_source
from sladsl.model import CalendarSpec, HolidaySource, Interval
from sladsl.render.explain import explain, render_markdown
from sladsl.source import Source
from sladsl.time.instants import epoch, local
from tests.helpers import examples
from tests.reference_clock import ReferenceClock
from tests.test_check import evaluate_inline
from tests.test_language import diagnostics_of

LOCAL = """\
agreement "Local support":  § 1
    zone Europe/London

calendar local_hours:  § 2
    zone of customer
    open monday to friday 09:00-17:00
    closed on public holidays of customer

calendar always:  § 2
    open always

severity P1 "Down"  § 3
severity P2 "Degraded"  § 3

response for P1 within 1 hour of always  § 4
response for P2 within 4 hours of local_hours  § 4

credit late: EUR 10 per started hour late for response for P2  § 5
claim within 2 business days of local_hours after failure ends  § 6
"""

CUSTOMERS = [
    {"type": "customer", "id": "bavaria", "zone": "Europe/Berlin", "country": "DE", "subdivision": "BY"},
    {"type": "customer", "id": "berlin", "zone": "Europe/Berlin", "country": "DE", "subdivision": "BE"},
    {"type": "customer", "id": "tokyo", "zone": "Asia/Tokyo", "country": "JPN"},  # alpha-3, read as JP
    {"type": "customer", "id": "new_york", "zone": "America/New_York", "country": "US", "subdivision": "NY"},
]


def reported(ident: str, customer: str, at: str, severity: str = "P2") -> dict[str, object]:
    return {"type": "reported", "incident": ident, "customer": customer, "severity": severity, "at": at}


def response(ident: str, at: str) -> dict[str, object]:
    return {"type": "response", "incident": ident, "at": at}


def claim(customer: str, incident: str, at: str) -> dict[str, object]:
    return {"type": "claim", "customer": customer, "credit": "late", "incident": incident, "at": at}


def due(report_: object, incident: str) -> tuple[str, str, int | None]:
    [verdict] = [t for t in report_.targets if t.incident == incident]  # type: ignore[attr-defined]
    return local(verdict.due, "UTC").isoformat(), verdict.status, verdict.margin


def test_each_customer_is_timed_in_its_own_zone_on_its_own_holidays() -> None:
    report = evaluate_inline(
        LOCAL,
        *CUSTOMERS,
        # Tue 6 January 2026, 10:00 in Germany: Epiphany is a public holiday in Bavaria, not in Berlin.
        reported("BY-1", "bavaria", "2026-01-06T10:00:00+01:00"),
        response("BY-1", "2026-01-07T12:00:00+01:00"),
        reported("BE-1", "berlin", "2026-01-06T10:00:00+01:00"),
        response("BE-1", "2026-01-07T12:00:00+01:00"),
        # The same instant is 18:00 in Tokyo, after hours.
        reported("JP-1", "tokyo", "2026-01-06T10:00:00+01:00"),
        response("JP-1", "2026-01-07T12:00:00+01:00"),
        # Fri 6 March 2026, 15:00 in New York; the clocks there go forward on Sunday 8 March, London's not until
        # 29 March.
        reported("NY-1", "new_york", "2026-03-06T15:00:00-05:00"),
        response("NY-1", "2026-03-09T10:00:00-04:00"),
        # A P1 is on the provider's 24/7 calendar, wherever the customer is.
        reported("JP-2", "tokyo", "2026-01-06T10:00:00+01:00", "P1"),
        response("JP-2", "2026-01-06T10:30:00+01:00"),
    )
    assert report.rejected == ()
    hour = 3600
    # Bavaria: the holiday is closed, so 4 hours from Wed 09:00 are due 13:00 (12:00 UTC); answered 12:00, with
    # one business hour to spare.
    assert due(report, "BY-1") == ("2026-01-07T12:00:00+00:00", "met", hour)
    # Berlin: 10:00-14:00 the same Tuesday (13:00 UTC); answered Wednesday 12:00: 14:00-17:00 Tuesday and
    # 09:00-12:00 Wednesday late, 6 business hours.
    assert due(report, "BE-1") == ("2026-01-06T13:00:00+00:00", "breached", -6 * hour)
    # Tokyo: from Wed 09:00 JST, due 13:00 JST (04:00 UTC); answered 20:00 JST, late by 13:00-17:00: 4 hours.
    assert due(report, "JP-1") == ("2026-01-07T04:00:00+00:00", "breached", -4 * hour)
    # New York: 15:00-17:00 on Friday, then Monday 09:00-11:00 EDT (15:00 UTC); answered 10:00 EDT.
    assert due(report, "NY-1") == ("2026-03-09T15:00:00+00:00", "met", hour)
    assert due(report, "JP-2") == ("2026-01-06T10:00:00+00:00", "met", hour // 2)


def test_a_claim_window_closes_at_the_end_of_the_customers_own_business_day() -> None:
    # Berlin's response came Wed 7 January 12:00 CET; two business days after it, Thursday and Friday, close
    # Fri 9 January 17:00 CET (16:00 UTC). Tokyo's came 20:00 JST the same Wednesday; its window closes Fri 17:00
    # JST (08:00 UTC). Claims made by both at 12:00 UTC on Friday: Berlin's is in time, Tokyo's is not. The
    # award is 6 started hours late for Berlin (EUR 60) and 4 for Tokyo (EUR 40).
    report = evaluate_inline(
        LOCAL,
        *CUSTOMERS,
        reported("BE-1", "berlin", "2026-01-06T10:00:00+01:00"),
        response("BE-1", "2026-01-07T12:00:00+01:00"),
        reported("JP-1", "tokyo", "2026-01-06T10:00:00+01:00"),
        response("JP-1", "2026-01-07T12:00:00+01:00"),
        claim("berlin", "BE-1", "2026-01-09T12:00:00Z"),
        claim("tokyo", "JP-1", "2026-01-09T12:00:00Z"),
    )
    found = {}
    for award in report.awards:
        [reason] = award.reasons
        found[award.customer] = (award.value, award.status, local(reason.closes, "UTC").isoformat())  # type: ignore[union-attr]
    assert found == {
        "berlin": (Decimal(60), "owed", "2026-01-09T16:00:00+00:00"),
        "tokyo": (Decimal(40), "void", "2026-01-09T08:00:00+00:00"),
    }


def test_a_customer_record_must_say_what_a_calendar_takes_from_it() -> None:
    report = evaluate_inline(
        LOCAL,
        {"type": "customer", "id": "no_zone", "country": "DE"},
        {"type": "customer", "id": "no_country", "zone": "Europe/Berlin"},
        {"type": "customer", "id": "odd_country", "zone": "Europe/Berlin", "country": "DX"},
        {"type": "customer", "id": "odd_state", "zone": "Europe/Berlin", "country": "DE", "subdivision": "BZ"},
        reported("A-1", "no_zone", "2026-01-06T10:00:00+01:00"),
        response("A-1", "2026-01-06T11:00:00+01:00"),
    )
    messages = [(d.code, d.message) for d in report.rejected]
    assert messages == [
        ("E0326", "calendar `local_hours` follows the customer's zone, and this customer names none"),
        (
            "E0326",
            "calendar `local_hours` closes on the customer's public holidays, and this customer names no country",
        ),
        ("E0325", "no public holidays are known for country `DX`"),
        ("E0325", "`DE` has no subdivision `BZ`"),
        # The incident of a customer whose record was rejected cannot be timed: it is rejected, and its events.
        ("E0326", "customer `no_zone` has no accepted record, and calendar `local_hours` follows the customer"),
        ("E0310", "the report of incident `A-1` (line 5) was rejected"),
    ]
    assert report.records.read == 6 == report.records.rejected
    assert report.records.evaluated == 0
    assert report.rejected[3].help == "known: `Augsburg`, `BB`, `BE`, `BW`, `BY`, `HB`, `HE`, `HH` and 9 more"


def test_a_timeline_with_no_customers_cannot_be_timed_on_a_customers_calendar() -> None:
    report = evaluate_inline(
        LOCAL, {"type": "reported", "incident": "A", "severity": "P2", "at": "2026-01-06T10:00:00Z"}
    )
    [rejected] = report.rejected
    assert (rejected.code, rejected.message) == (
        "E0326",
        "calendar `local_hours` follows the customer, and the timeline declares no customers",
    )


def test_a_country_is_checked_even_where_no_calendar_needs_it() -> None:
    plain = LOCAL.replace("    zone of customer\n", "").replace("    closed on public holidays of customer\n", "")
    report = evaluate_inline(
        plain,
        {"type": "customer", "id": "c", "country": "Narnia"},
        {"type": "customer", "id": "d", "subdivision": "BY"},
        {"type": "customer", "id": "e", "country": "NOR"},
    )
    assert [(d.code, d.message) for d in report.rejected] == [
        ("E0325", "no public holidays are known for country `Narnia`"),
        ("E0303", "`subdivision` is given without a `country`"),
    ]


PLACES = [
    ("Europe/Berlin", "DE", "BY"),
    ("Europe/Berlin", "DE", "BE"),
    ("Asia/Tokyo", "JP", None),
    ("America/New_York", "US", "NY"),
    ("Australia/Lord_Howe", "AU", "NSW"),  # half an hour of summer time
    ("America/St_Johns", "CA", "NL"),  # a half-hour offset
    ("Asia/Kolkata", "IN", None),
    ("Europe/Dublin", "IE", None),  # negative summer time in the zone's own rules
]


@settings(max_examples=examples(60), deadline=None)
@given(
    place=st.sampled_from(PLACES),
    minute=st.integers(0, 3 * 365 * 24 * 60),
    hours=st.integers(1, 60),
)
def test_a_deadline_on_a_customers_calendar_agrees_with_a_minute_by_minute_reference(
    place: tuple[str, str, str | None], minute: int, hours: int
) -> None:
    """The whole path (customer record, placed calendar, target) against the reference clock on the calendar
    written out for that place, around the switches of summer time and the holidays of 2025 to 2027."""
    zone, country, subdivision = place
    at = epoch(dt.datetime(2025, 1, 1, tzinfo=dt.UTC)) + 60 * minute
    agreement = LOCAL.replace("within 4 hours of local_hours", f"within {hours} hours of local_hours")
    fields = {"zone": zone, "country": country} | ({"subdivision": subdivision} if subdivision else {})
    report = evaluate_inline(
        agreement,
        {"type": "customer", "id": "c", **fields},
        reported("I-1", "c", local(at, "UTC").isoformat()),
    )
    [verdict] = report.targets
    written_out = CalendarSpec(
        "local_hours",
        zone,
        tuple((Interval(9 * 60, 17 * 60),) if day < 5 else () for day in range(7)),
        (HolidaySource(country, subdivision),),
    )
    assert verdict.due == ReferenceClock(written_out).deadline(at, hours * 3600)


def test_the_new_lines_format_as_written_and_read_aloud() -> None:
    assert format_source(Source("a.sla", LOCAL)) == LOCAL
    text = render_markdown(explain(sladsl.parse(LOCAL, "a.sla"), sladsl.load(LOCAL, "a.sla"), 2026))
    assert "Calendar `local_hours` (§ 2, line 4), in each customer's own zone:" in text
    assert "- Its hours are each customer's local time, in the zone its record names. (line 5" in text
    assert "- Closed on the public holidays of each customer's country (and subdivision), from its record." in text
    assert "Calendar `always` (§ 2, line 9), in `Europe/London`:" in text


def test_a_holiday_category_must_be_known_in_the_customers_country() -> None:
    # Japan files bank holidays; Britain files only public ones.
    banks = LOCAL.replace("public holidays of customer", "holidays of customer categories bank")
    report = evaluate_inline(
        banks,
        {"type": "customer", "id": "tokyo", "zone": "Asia/Tokyo", "country": "JP"},
        {"type": "customer", "id": "london", "zone": "Europe/London", "country": "GB"},
    )
    [rejected] = report.rejected
    assert (rejected.code, rejected.message, rejected.help) == (
        "E0325",
        "`GB` has no holiday category `bank`, which calendar `local_hours` closes on",
        "known: public",
    )
    # 31 December is a bank holiday in Japan, not a public one: reported Tue 30 December 2025 at 16:00 JST, four
    # bank-calendar hours are 16:00-17:00 that day, then 1, 2 and 3 January (bank holidays) and the weekend
    # are closed: Mon 5 January 09:00-12:00, due 12:00 JST (03:00 UTC).
    report = evaluate_inline(
        banks,
        {"type": "customer", "id": "tokyo", "zone": "Asia/Tokyo", "country": "JP"},
        reported("JP-1", "tokyo", "2025-12-30T16:00:00+09:00"),
    )
    assert due(report, "JP-1")[0] == "2026-01-05T03:00:00+00:00"


def test_windows_measured_once_for_everyone_cannot_follow_the_customer() -> None:
    text = LOCAL + "\nreport within 3 business days of local_hours after failure ends  § 7\n"
    [error] = [d for d in diagnostics_of(text, "a.sla") if d.code == "E0229"]
    assert error.message == (
        "outages are measured once for every customer, and calendar `local_hours` follows each customer's own"
    )
    assert error.notes == ("an outage for everyone is reported in time or late for all alike",)
    assert error.span is not None and (error.span.line, error.span.column) == (21, 34)
