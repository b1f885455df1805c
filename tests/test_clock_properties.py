"""The engine against the minute-stepping reference clock, over random calendars and instants near DST switches,
holidays and opening and closing times. Any difference is a bug in one of them."""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sladsl.model import CalendarSpec, HolidaySource, Interval
from sladsl.time.calendar import Clock
from sladsl.time.instants import (
    END_INSTANT,
    FIRST_INSTANT,
    LocalTimes,
    TimestampError,
    add_wall,
    parse_instant,
    parse_instant_slowly,
    wall_to_instant,
)
from tests.helpers import examples
from tests.reference_clock import ReferenceClock

# Each zone with the holiday country a business in it would use.
ZONES = {
    "Europe/Oslo": HolidaySource("NO"),
    "Europe/Ljubljana": HolidaySource("SI"),
    "Asia/Hong_Kong": HolidaySource("HK"),
    "Europe/Amsterdam": HolidaySource("NL"),
    "America/New_York": HolidaySource("US", "NY"),
    "Australia/Lord_Howe": HolidaySource("AU", "NSW"),  # DST moves the clock by 30 minutes
}
YEARS = range(2021, 2028)
EXAMPLES = settings(
    max_examples=examples(2000),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@functools.cache
def transitions(zone_name: str, years: range = YEARS) -> tuple[int, ...]:
    """The instants at which the zone's UTC offset changes in `years`, found by stepping hours and then minutes."""
    tz = zoneinfo.ZoneInfo(zone_name)
    start = int(dt.datetime(years[0], 1, 1, tzinfo=dt.UTC).timestamp())
    stop = int(dt.datetime(years[-1] + 1, 1, 1, tzinfo=dt.UTC).timestamp())
    found = []

    def offset(t: int) -> dt.timedelta | None:
        return dt.datetime.fromtimestamp(t, tz).utcoffset()

    for t in range(start, stop, 3600):
        if offset(t) != offset(t + 3600):
            u = t
            while offset(u) == offset(t):
                u += 60
            found.append(u)
    return tuple(found)


def minutes_of_day(draw: st.DrawFn) -> int:
    return draw(st.integers(0, 95)) * 15


@st.composite
def openings(draw: st.DrawFn) -> tuple[Interval, ...]:
    kind = draw(st.sampled_from(["closed", "day", "split", "overnight", "early", "full", "any"]))
    if kind == "closed":
        return ()
    if kind == "day":
        return (Interval(8 * 60 + draw(st.integers(0, 4)) * 30, 16 * 60 + draw(st.integers(0, 4)) * 30),)
    if kind == "split":
        return (Interval(8 * 60, 12 * 60), Interval(13 * 60, 17 * 60 + draw(st.integers(0, 20)) * 15))
    if kind == "overnight":
        return (Interval(22 * 60, 28 * 60),)
    if kind == "early":  # around the 02:00-03:00 local switch
        start = draw(st.integers(0, 12)) * 15
        return (Interval(start, start + draw(st.integers(1, 16)) * 15),)
    if kind == "full":
        return (Interval(0, 1440),)
    found = []
    for _ in range(draw(st.integers(1, 3))):
        start = minutes_of_day(draw)
        found.append(Interval(start, start + draw(st.integers(1, 96)) * 15))
    return tuple(found)


@st.composite
def calendars(draw: st.DrawFn) -> CalendarSpec:
    zone_name = draw(st.sampled_from(sorted(ZONES)))
    weekly = [draw(openings()) for _ in range(7)]
    if not any(weekly):
        weekly[0] = (Interval(9 * 60, 17 * 60),)
    holiday_sources = (ZONES[zone_name],) if draw(st.booleans()) else ()
    closed_annual = frozenset(
        draw(st.sets(st.sampled_from([(1, 1), (3, 30), (3, 31), (10, 26), (11, 2), (12, 25)])))
    )
    opened: tuple[tuple[dt.date, tuple[Interval, ...]], ...] = ()
    if draw(st.booleans()):
        opened = ((dt.date(draw(st.sampled_from(YEARS)), 3, 30), (Interval(1 * 60, 4 * 60),)),)
    return CalendarSpec("random", zone_name, tuple(weekly), holiday_sources, frozenset(), closed_annual, opened)


def weekly_open_minutes(spec: CalendarSpec) -> int:
    return sum(i.end - i.start for day in spec.weekly for i in day)


@st.composite
def instants(draw: st.DrawFn, spec: CalendarSpec) -> int:
    """Whole-minute instants, most of them within a day or two of a DST switch or of a holiday or boundary."""
    kind = draw(st.sampled_from(["switch", "switch", "boundary", "holiday", "anywhere"]))
    switches = transitions(spec.zone)
    if kind in ("switch", "boundary") and switches:
        base = draw(st.sampled_from(switches))
        if kind == "boundary":
            day = dt.datetime.fromtimestamp(base, zoneinfo.ZoneInfo(spec.zone)).date()
            day += dt.timedelta(days=draw(st.integers(-1, 1)))
            candidates = [edge for pair in ReferenceClock(spec).openings(day) for edge in pair]
            if candidates:
                return draw(st.sampled_from(candidates)) + 60 * draw(st.integers(-2, 2))
    elif kind == "holiday":
        base = int(
            dt.datetime(
                draw(st.sampled_from(YEARS)), draw(st.sampled_from([1, 4, 5, 12])), 1, tzinfo=dt.UTC
            ).timestamp()
        ) + 86400 * draw(st.integers(0, 27))
    else:
        base = int(dt.datetime(YEARS[0], 1, 1, tzinfo=dt.UTC).timestamp())
        base += 60 * draw(st.integers(0, 6 * 365 * 1440))
    return base + 60 * draw(st.integers(-2 * 1440, 2 * 1440))


@EXAMPLES
@given(st.data())
def test_elapsed_matches_reference(data: st.DataObject) -> None:
    spec = data.draw(calendars())
    a = data.draw(instants(spec))
    b = a + 60 * data.draw(st.integers(-60, 3 * 1440))
    expected = ReferenceClock(spec).elapsed(a, b) if b >= a else -ReferenceClock(spec).elapsed(b, a)
    assert Clock(spec).elapsed(a, b) == expected


@EXAMPLES
@given(st.data())
def test_deadline_matches_reference(data: st.DataObject) -> None:
    spec = data.draw(calendars())
    a = data.draw(instants(spec))
    minutes = data.draw(st.integers(0, min(16 * 60, weekly_open_minutes(spec))))
    assert Clock(spec).deadline(a, 60 * minutes) == ReferenceClock(spec).deadline(a, 60 * minutes)


@settings(max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_the_edges_of_the_supported_years_match_reference(data: st.DataObject) -> None:
    """The first weeks of 1970 and the last of 2099, where a timeline's instants begin and end, are compiled like
    any others (the years just outside are compiled too, so nothing is cut off at the edge)."""
    spec = data.draw(calendars())
    edge = data.draw(st.sampled_from([FIRST_INSTANT, END_INSTANT - 60 * 86400]))
    a = edge + 60 * data.draw(st.integers(0, 60 * 1440 - 1))
    b = min(a + 60 * data.draw(st.integers(0, 3 * 1440)), END_INSTANT)
    minutes = data.draw(st.integers(0, min(16 * 60, weekly_open_minutes(spec))))
    clock, reference = Clock(spec), ReferenceClock(spec)
    assert clock.elapsed(a, b) == reference.elapsed(a, b)
    assert clock.next_opening(a) == reference.next_opening(a)
    assert clock.deadline(a, 60 * minutes) == reference.deadline(a, 60 * minutes)


@EXAMPLES
@given(st.data())
def test_deadline_is_inverse_of_elapsed(data: st.DataObject) -> None:
    spec = data.draw(calendars())
    a = data.draw(instants(spec))
    seconds = data.draw(st.integers(1, 40 * 3600))
    clock = Clock(spec)
    due = clock.deadline(a, seconds)
    assert clock.elapsed(a, due) == seconds
    assert clock.elapsed(a, due - 1) == seconds - 1  # nothing earlier would do
    assert clock.is_open(due - 1)


@EXAMPLES
@given(st.data())
def test_next_opening_matches_reference(data: st.DataObject) -> None:
    spec = data.draw(calendars())
    t = data.draw(instants(spec))
    assert Clock(spec).next_opening(t) == ReferenceClock(spec).next_opening(t)


@EXAMPLES
@given(st.data())
def test_day_end_matches_reference(data: st.DataObject) -> None:
    spec = data.draw(calendars())
    t = data.draw(instants(spec))
    n = data.draw(st.integers(1, 3))
    assert Clock(spec).day_end(t, n) == ReferenceClock(spec).day_end(t, n)


@EXAMPLES
@given(st.data())
def test_day_end_from_date_matches_reference(data: st.DataObject) -> None:
    spec = data.draw(calendars())
    t = data.draw(instants(spec))
    first = dt.datetime.fromtimestamp(t, zoneinfo.ZoneInfo(spec.zone)).date()
    n = data.draw(st.integers(1, 10))
    assert Clock(spec).day_end_from(first, n) == ReferenceClock(spec).day_end_from(first, n)


@EXAMPLES
@given(st.data())
def test_add_days_keeps_wall_time(data: st.DataObject) -> None:
    spec = data.draw(calendars())
    t = data.draw(instants(spec))
    days = data.draw(st.integers(-3, 3))
    assert add_wall(t, days, "day", spec.zone) == ReferenceClock(spec).add_days(t, days)


# Zones whose offsets jumped far or oddly since 1990, for the wall-clock arithmetic of days and weeks: Apia and
# Kwajalein skipped a whole day, Troll's summer time is two hours, Caracas and Pyongyang moved by half an hour,
# Moscow and Volgograd went back for good, Dublin's summer time is its standard time, St John's keeps summer
# time at a half-hour offset.
JUMPING_ZONES = (
    "Pacific/Apia",
    "Pacific/Kwajalein",
    "Antarctica/Troll",
    "America/Caracas",
    "Asia/Pyongyang",
    "Europe/Moscow",
    "Europe/Volgograd",
    "Europe/Dublin",
    "America/St_Johns",
)


def moved_by_wall(t: int, amount: int, unit: str, zone_name: str) -> int:
    """The definition of a move by days or weeks: the local wall time moved on the calendar, placed on the time
    line by `wall_to_instant` (the first instant that shows it, or the first after a skipped one)."""
    wall = dt.datetime.fromtimestamp(t, zoneinfo.ZoneInfo(zone_name)).replace(tzinfo=None)
    return wall_to_instant(wall + dt.timedelta(days=amount * (7 if unit == "week" else 1)), zone_name)


@EXAMPLES
@given(st.sampled_from(sorted(ZONES) + list(JUMPING_ZONES)), st.data())
def test_a_move_by_days_is_the_wall_clock_definition(zone_name: str, data: st.DataObject) -> None:
    """`add_wall` by days and weeks, which takes the instant whole days later when its offset is the same and it
    is not a repeated time's second showing, equals the definition on both sides of every offset change: the
    start or the end (or both) in a skipped or repeated hour, a day before or after one, and anywhere else."""
    unit = data.draw(st.sampled_from(["day", "week"]))
    amount = data.draw(st.integers(-3, 3))
    switches = transitions(zone_name, range(1990, 2030))
    if switches and data.draw(st.booleans()):
        near = data.draw(st.sampled_from(switches)) + data.draw(st.integers(-3 * 3600, 3 * 3600))
        # the start near the switch, or far enough before or after it that the end lands near it
        t = near - data.draw(st.sampled_from([0, amount])) * (7 if unit == "week" else 1) * 86400
    else:
        t = data.draw(st.integers(FIRST_INSTANT, END_INSTANT - 30 * 86400))
    assert add_wall(t, amount, unit, zone_name) == moved_by_wall(t, amount, unit, zone_name)


# Zones whose offsets are not whole hours, or whose rules are odd, beside those above: exact output there too.
# Goose Bay switched between whole-hour offsets at a minute past midnight until 2011, inside a UTC hour.
ODD_ZONES = (
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "America/St_Johns",
    "America/Goose_Bay",
    "Pacific/Chatham",
    "Europe/Dublin",
    "UTC",
)
WRITERS: dict[str, LocalTimes] = {}  # one per zone for the whole test, so that its hours are met in any order


@EXAMPLES
@given(st.sampled_from(sorted(ZONES) + list(ODD_ZONES)), st.data())
def test_local_text_is_isoformat(zone_name: str, data: st.DataObject) -> None:
    """`LocalTimes.iso`, which makes the local text of an hour once and adds the minutes and seconds, writes
    exactly what `datetime.isoformat` writes, to the second, on both sides of every offset change and anywhere
    else, however the hours were met before."""
    writer = WRITERS.setdefault(zone_name, LocalTimes(zone_name))
    switches = transitions(zone_name, range(2008, 2028))
    if switches and data.draw(st.booleans()):
        instant = data.draw(st.sampled_from(switches)) + data.draw(st.integers(-7200, 7200))
    else:
        instant = data.draw(st.integers(FIRST_INSTANT, END_INSTANT - 1))
    expected = dt.datetime.fromtimestamp(instant, zoneinfo.ZoneInfo(zone_name)).isoformat()
    assert writer.iso(instant) == expected
    assert writer.iso(instant) == expected  # a second time, from the hour kept


def _timestamp(instant: int, offset: dt.timedelta, fraction: int, style: str) -> str:
    """A timestamp of `instant` written with a fixed offset, in one of the forms ISO 8601 allows."""
    zone = dt.timezone(offset)
    moment = dt.datetime.fromtimestamp(instant, zone).replace(microsecond=fraction)
    if style == "naive":
        moment = moment.replace(tzinfo=None)
    text = moment.isoformat(timespec="seconds" if not fraction else "microseconds")
    return text.removesuffix("+00:00") + "Z" if style == "Z" and not offset else text


@given(
    instant=st.integers(FIRST_INSTANT - 2 * 86400, END_INSTANT + 2 * 86400),
    offset=st.one_of(
        st.integers(-18 * 60, 18 * 60).map(lambda minutes: dt.timedelta(minutes=minutes)),  # -18:00 to +18:00
        st.integers(-86399, 86399).map(lambda seconds: dt.timedelta(seconds=seconds)),  # written with seconds
        st.integers(-86399_999999, 86399_999999).map(lambda us: dt.timedelta(microseconds=us)),  # and a fraction
    ),
    fraction=st.sampled_from([0, 0, 0, 1, 500000, 999999]),
    style=st.sampled_from(["offset", "Z", "naive"]),
)
@settings(max_examples=examples(3000), deadline=None)
def test_reading_a_timestamp_quickly_gives_what_the_definition_gives(
    instant: int, offset: dt.timedelta, fraction: int, style: str
) -> None:
    """`parse_instant` sums a timestamp's fields on the epoch line; `parse_instant_slowly` is the definition.
    Both give the same instant, or refuse with the same code: out of range (E0317), no offset (E0304). An offset
    with a fraction of a second is left to the definition."""
    text = _timestamp(instant, offset, fraction, style)

    def outcome(parse: Callable[[str], int]) -> int | str:
        try:
            return parse(text)
        except TimestampError as error:
            return error.code

    quick, defined = outcome(parse_instant), outcome(parse_instant_slowly)
    assert quick == defined, text
    if style != "naive" and not offset.microseconds:
        assert defined == (instant if FIRST_INSTANT <= instant < END_INSTANT else "E0317"), text
