"""Hand-computed cases for each seed calendar, and the DST rules. Every expected value is worked out in the
comment above it from the contract's hours and the year's holidays, not taken from the engine."""

from __future__ import annotations

import datetime as dt
import functools
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

import sladsl
from sladsl.model import CalendarSpec, Interval
from sladsl.time.calendar import Clock, ClockError
from sladsl.time.instants import TimestampError, add_wall, epoch, local, parse_instant
from sladsl.time.intervals import clip, merge
from sladsl.time.periods import period_of
from tests.helpers import ROOT

HOUR = 3600


@functools.cache
def clock(agreement: str, calendar: str) -> Clock:
    text = (ROOT / "agreements" / f"{agreement}.sla").read_text(encoding="utf-8")
    return Clock(sladsl.load(text, agreement).agreement.calendars[calendar])


def at(text: str) -> int:
    return epoch(dt.datetime.fromisoformat(text))


def show(instant: int, zone: str) -> str:
    return local(instant, zone).isoformat()


def test_izy_easter_in_norway() -> None:
    # Reported Wed 16 April 2025 16:00. One core hour is left that day. Thu 17 (Maundy Thursday), Fri 18 (Good
    # Friday) and Mon 21 (Easter Monday) are Norwegian holidays, so the second hour runs Tue 22 08:00-09:00.
    core = clock("izy", "core_hours")
    due = core.deadline(at("2025-04-16T16:00+02:00"), 2 * HOUR)
    assert show(due, "Europe/Oslo") == "2025-04-22T09:00:00+02:00"
    # Reported on Easter Sunday: the clock starts at the next opening, Tue 22 April 08:00.
    assert show(core.next_opening(at("2025-04-20T11:00+02:00")), "Europe/Oslo") == "2025-04-22T08:00:00+02:00"
    # Severity C, "next business day", from a Saturday report: same business day Monday... Easter Monday is a
    # holiday, so the first business day is Tue 22, the next one Wed 23, ending 17:00.
    assert show(core.day_end(at("2025-04-19T10:00+02:00"), 2), "Europe/Oslo") == "2025-04-23T17:00:00+02:00"


def test_izy_ends_exactly_at_closing() -> None:
    # Two hours from Mon 3 March 2025 15:00 run out at 17:00 sharp: the deadline is the closing instant.
    due = clock("izy", "core_hours").deadline(at("2025-03-03T15:00+01:00"), 2 * HOUR)
    assert show(due, "Europe/Oslo") == "2025-03-03T17:00:00+01:00"


def test_cloudcti_whit_monday_in_the_netherlands() -> None:
    support = clock("cloudcti", "support_hours")
    # Priority 1, 4 support hours, reported Fri 6 June 2025 16:00: one hour on Friday; Mon 9 June is Whit Monday
    # (Tweede Pinksterdag); three more hours from Tue 10 June 08:30 end at 11:30.
    due = support.deadline(at("2025-06-06T16:00+02:00"), 4 * HOUR)
    assert show(due, "Europe/Amsterdam") == "2025-06-10T11:30:00+02:00"
    # MTTR for priority 2, 2 working days counted from the day after the report (Sat 7 June): Tue 10 and Wed 11.
    assert show(support.day_end_from(dt.date(2025, 6, 7), 2), "Europe/Amsterdam") == "2025-06-11T17:00:00+02:00"
    # Business time elapsed Fri 6 June 16:00 to Tue 10 June 10:00: 1 h on Friday + 1 h 30 on Tuesday.
    assert support.elapsed(at("2025-06-06T16:00+02:00"), at("2025-06-10T10:00+02:00")) == int(2.5 * HOUR)


def test_zegal_day_after_mid_autumn_in_hong_kong() -> None:
    support = clock("zegal", "support_hours")
    # Received Mon 6 October 2025 19:00, after Support Hours. Tue 7 October is "the day following Mid-Autumn
    # Festival", a Hong Kong holiday, so the same business day is Wed 8 October, ending 18:00.
    level1 = support.day_end(at("2025-10-06T19:00+08:00"))
    assert show(level1, "Asia/Hong_Kong") == "2025-10-08T18:00:00+08:00"
    # Level 2: the same business day after Level 1 has elapsed, which is Thu 9 October.
    assert show(support.day_end(level1), "Asia/Hong_Kong") == "2025-10-09T18:00:00+08:00"
    # Level 3: ten business days from the day after receipt (Tue 7, a holiday):
    # 8, 9, 10, 13, 14, 15, 16, 17, 20, 21 October.
    assert show(support.day_end_from(dt.date(2025, 10, 7), 10), "Asia/Hong_Kong") == "2025-10-21T18:00:00+08:00"


def test_isl_closes_only_its_three_named_dates() -> None:
    hours = clock("isl-online", "working_hours")
    # Standard critical, 8 working hours, reported Wed 30 April 2025 20:00: 2 hours that evening; 1 May closed;
    # Fri 2 May is a Slovenian holiday but ISL is open, so 6 hours from 08:00 end at 14:00.
    due = hours.deadline(at("2025-04-30T20:00+02:00"), 8 * HOUR)
    assert show(due, "Europe/Ljubljana") == "2025-05-02T14:00:00+02:00"
    # Reported Wed 24 December 2025 21:00: 1 hour that evening; 25 December closed; Fri 26 December (Slovenia's
    # Independence and Unity Day) is open, so 7 hours from 08:00 end at 15:00.
    due = hours.deadline(at("2025-12-24T21:00+01:00"), 8 * HOUR)
    assert show(due, "Europe/Ljubljana") == "2025-12-26T15:00:00+01:00"
    # Prešeren Day, 8 February 2027, is a Monday and a Slovenian holiday; ISL is open 08:00-22:00 that day.
    assert hours.elapsed(at("2027-02-08T00:00+01:00"), at("2027-02-09T00:00+01:00")) == 14 * HOUR


def test_opti_q_phone_line_runs_through_the_spring_switch() -> None:
    # Critical, 30 minutes on the 24/7 line, reported Sun 30 March 2025 01:50 CET. The clocks jump from 02:00 to
    # 03:00, so 30 real minutes later the local clock shows 03:20 CEST.
    due = clock("opti-q", "phone_line").deadline(at("2025-03-30T01:50+01:00"), 30 * 60)
    assert show(due, "Europe/Ljubljana") == "2025-03-30T03:20:00+02:00"


NIGHTS = CalendarSpec("nights", "Europe/Oslo", tuple((Interval(22 * 60, 28 * 60),) for _ in range(7)))


@pytest.mark.parametrize(("night", "hours"), [("2025-03-29", 5), ("2025-10-25", 7), ("2025-06-14", 6)])
def test_overnight_shift_across_dst(night: str, hours: int) -> None:
    # A 22:00-04:00 shift is 6 hours, 5 when the clocks go forward inside it, 7 when they go back.
    start = dt.date.fromisoformat(night)
    lo = at(f"{start}T12:00+00:00")
    hi = at(f"{start + dt.timedelta(days=1)}T12:00+00:00")
    assert Clock(NIGHTS).elapsed(lo, hi) == hours * HOUR


def test_opening_inside_the_spring_gap_opens_at_the_switch() -> None:
    # 02:30-05:00 on 30 March 2025 in Oslo: 02:30 never shows; the clock jumps to 03:00, so it opens at 03:00.
    spec = CalendarSpec("gap", "Europe/Oslo", tuple((Interval(150, 300),) for _ in range(7)))
    [(start, end)] = Clock(spec).open_intervals(at("2025-03-30T00:00+01:00"), at("2025-03-31T00:00+02:00"))
    assert show(start, "Europe/Oslo") == "2025-03-30T03:00:00+02:00"
    assert show(end, "Europe/Oslo") == "2025-03-30T05:00:00+02:00"


def test_lord_howe_half_hour_switch() -> None:
    # Lord Howe Island moves its clocks by 30 minutes (02:00 -> 01:30 on 6 April 2025). A 00:00-04:00 opening
    # that night is 4 h 30 min long.
    spec = CalendarSpec("lh", "Australia/Lord_Howe", tuple((Interval(0, 240),) for _ in range(7)))
    day = Clock(spec)
    assert day.elapsed(at("2025-04-05T12:00+00:00"), at("2025-04-06T12:00+00:00")) == int(4.5 * HOUR)


def test_wall_clock_days_keep_local_time_and_hours_do_not() -> None:
    saturday = at("2025-03-29T10:00+01:00")
    assert show(add_wall(saturday, 1, "day", "Europe/Oslo"), "Europe/Oslo") == "2025-03-30T10:00:00+02:00"
    assert show(add_wall(saturday, 24, "hour", "Europe/Oslo"), "Europe/Oslo") == "2025-03-30T11:00:00+02:00"
    # A month after 31 January is the last day of February.
    assert show(add_wall(at("2024-01-31T09:00+01:00"), 1, "month", "Europe/Oslo"), "Europe/Oslo") == (
        "2024-02-29T09:00:00+01:00"
    )


@pytest.mark.parametrize(
    ("zone", "help_text"),
    [
        ("CET", "for example `Europe/Ljubljana`"),
        ("cet", "for example `Europe/Ljubljana`"),
        ("EST", "for example `America/New_York`"),
        ("Japan", "as `Area/City`"),  # in the tz database, but a country, not a place
    ],
)
def test_a_zone_abbreviation_in_a_timestamp_is_refused_with_a_suggestion(zone: str, help_text: str) -> None:
    with pytest.raises(TimestampError) as caught:
        parse_instant(f"2025-07-16T16:00:00[{zone}]")
    assert caught.value.code == "E0318"
    assert str(caught.value) == f"`{zone}` is an abbreviation, not a time zone"
    assert caught.value.help is not None and caught.value.help.endswith(help_text)


def test_utc_and_area_city_zones_in_a_timestamp_are_taken() -> None:
    # 16:00 in July: Ljubljana keeps summer time (+02:00, so 14:00Z); Etc/GMT-1 is a fixed +01:00 (15:00Z).
    assert parse_instant("2025-07-16T16:00:00[Europe/Ljubljana]") == at("2025-07-16T14:00:00+00:00")
    assert parse_instant("2025-07-16T16:00:00[Etc/GMT-1]") == at("2025-07-16T15:00:00+00:00")
    assert parse_instant("2025-07-16T16:00:00[UTC]") == at("2025-07-16T16:00:00+00:00")


def test_calendar_month_periods_are_half_open_and_exact() -> None:
    start, end = period_of(at("2025-03-15T12:00+01:00"), "month", "Europe/Oslo")
    assert show(start, "Europe/Oslo") == "2025-03-01T00:00:00+01:00"
    assert show(end, "Europe/Oslo") == "2025-04-01T00:00:00+02:00"
    assert end - start == (31 * 24 - 1) * HOUR  # March loses an hour to summer time


def test_a_calendar_that_never_opens_again_is_an_error_not_a_hang() -> None:
    spec = CalendarSpec(
        "once", "Europe/Oslo", tuple(() for _ in range(7)), opened=((dt.date(2025, 1, 6), (Interval(540, 600),)),)
    )
    with pytest.raises(ClockError):
        Clock(spec).deadline(at("2025-01-06T09:30+01:00"), 2 * HOUR)


def test_merge_joins_overlapping_and_touching_intervals_and_drops_empty_ones() -> None:
    assert merge([(10, 20), (0, 5), (5, 8), (15, 30), (40, 40), (50, 45)]) == [(0, 8), (10, 30)]


def test_clip_keeps_the_half_open_parts_inside_the_period() -> None:
    # [0, 10) ends where the period starts: nothing of it is inside. [95, 105) loses its last five seconds.
    assert clip([(0, 10), (5, 20), (95, 105), (100, 120)], 10, 100) == [(10, 20), (95, 100)]


@given(
    st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60)), max_size=8), st.integers(0, 60), st.integers(0, 60)
)
def test_merge_and_clip_agree_with_sets_of_seconds(raw: list[tuple[int, int]], lo: int, hi: int) -> None:
    seconds = {s for a, b in raw for s in range(a, b)}
    merged = merge(raw)
    assert {s for a, b in merged for s in range(a, b)} == seconds
    assert all(b < c for (_, b), (c, _) in itertools.pairwise(merged))  # disjoint, not touching
    clipped = clip(merged, lo, hi)
    assert {s for a, b in clipped for s in range(a, b)} == {s for s in seconds if lo <= s < hi}


def test_a_sweep_over_decades_compiles_each_year_a_bounded_number_of_times(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Availability asks a calendar about one month after another. Found by the fuzzer: an outage running from
    2024 to 2050 had the calendar recompiled from its first year for every new year reached, which is quadratic
    (5 s for one eight-line timeline). The range now widens geometrically."""
    compiled: list[int] = []
    original = Clock._compile

    def counting(self: Clock, first: int, last: int) -> None:
        compiled.append(last - first + 1)
        original(self, first, last)

    monkeypatch.setattr(Clock, "_compile", counting)
    core = Clock(clock("izy", "core_hours").spec)
    for month in range(12 * 80):
        start = at(f"{2000 + month // 12}-{month % 12 + 1:02d}-01T00:00+00:00")
        core.open_intervals(start, start + 86400)
    years = 80 + 2  # the range asked about, with its year of margin on each side
    assert sum(compiled) <= 4 * years, compiled  # once per question, it was 3,400
    # And the answers are still right far out: Monday 4 December 2079 is an ordinary working day in Oslo (winter
    # time, +01:00), open 08:00-17:00; the Sunday before it is closed.
    assert core.open_intervals(at("2079-12-03T00:00+01:00"), at("2079-12-05T00:00+01:00")) == [
        (at("2079-12-04T08:00+01:00"), at("2079-12-04T17:00+01:00"))
    ]
