"""The business-time engine: the only module that does clock arithmetic.

Instants are integer seconds since the Unix epoch (UTC). A calendar compiles, year by year and only for the
years a caller touches, into sorted, disjoint, half-open open intervals `[start, end)` on that line, with a
running total of open seconds before each interval. Elapsed business time is then a difference of two running
totals, and a deadline is an inverse lookup: both are exact across DST switches because the interval ends were
placed on the real time line once, when the calendar was compiled.

Conventions, each relied on by the interpreter and proved against the minute-stepping clock in `tests/`:

* Local wall time to instant: an opening or closing at wall time W happens at the first instant at which the
  local clock shows W or later. In a spring-forward gap that is the switch itself (an opening at 02:30 on a day
  that skips 02:00-03:00 opens at 03:00); in an autumn overlap it is the first occurrence.
* An opening belongs to the local date it starts on. A 22:00-04:00 night is closed when its first date is a
  holiday. The night that spans the spring switch is 5 real hours long; the autumn one is 7.
* Deadlines: when N business seconds run out exactly at a closing instant, the deadline is that closing instant,
  not the next opening. N = 0 gives the start itself.
* A business day is a local date on which an opening of positive length starts. It ends when the last of its
  openings closes. "The same business day" of an instant is the first business day that has not ended by then;
  a business day ends no earlier than the one before it.
* Wall-clock arithmetic: minutes and hours are real elapsed time; days, weeks and months keep the local clock
  time (a month clips to the last day of a shorter month), then map back by the first rule.
"""

from __future__ import annotations

import bisect
import datetime as dt
import difflib
import functools
import zoneinfo
from collections.abc import Iterable, Sequence

from sladsl import cache
from sladsl.model import CalendarSpec, HolidaySource, Interval, PeriodUnit, WallUnit

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MIN_YEAR, _MAX_YEAR = 1969, 9998  # 1969: the year before the first instant a timeline may name
# How far a search for an opening may run before the calendar is declared to have none left: past the last year
# a timeline may name (2099) by a century, so only a calendar that is open far too little for a target gets there.
_LAST_SEARCH_YEAR = 2200


_bisect_right = bisect.bisect_right


class ClockError(ValueError):
    """A question the calendar cannot answer, such as a deadline in a calendar that never opens again."""

    def __init__(self, calendar: str) -> None:
        super().__init__(f"calendar `{calendar}` is not open enough to answer before {_LAST_SEARCH_YEAR}")
        self.calendar = calendar


@functools.cache
def zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


def epoch(moment: dt.datetime) -> int:
    """Integer seconds since the epoch of an aware datetime."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("naive datetime has no instant")
    return int((moment - _EPOCH).total_seconds())


def local(instant: int, zone_name: str) -> dt.datetime:
    """The aware local datetime of an instant."""
    return dt.datetime.fromtimestamp(instant, zone(zone_name))


class LocalTimes:
    """Instants as ISO 8601 local text in one zone, exactly as `local(t, zone).isoformat()` writes them.

    Output writes four instants per target, so the local text up to the hour is made once per UTC hour and
    the minutes and seconds are added from integers; an hour in which the offset changes, or an offset that is
    not whole hours, is formatted the slow way."""

    def __init__(self, zone_name: str) -> None:
        self.tz = zone(zone_name)
        self._hours: dict[int, tuple[str, str] | None] = {}

    def _hour(self, hour: int) -> tuple[str, str] | None:
        """For a UTC hour in which the offset holds and is whole hours: the local text up to the minutes, and
        the offset's text. None for any other hour, which is then formatted the slow way."""
        try:
            first = dt.datetime.fromtimestamp(hour * 3600, self.tz)
            last = dt.datetime.fromtimestamp(hour * 3600 + 3599, self.tz)
        except (OverflowError, OSError, ValueError):
            return None
        offset = first.utcoffset()
        if offset is None or offset != last.utcoffset() or (offset.days * 86400 + offset.seconds) % 3600:
            return None
        text = first.isoformat()
        return text[:14], text[19:]

    def iso(self, instant: int) -> str:
        hour, within = divmod(instant, 3600)
        if hour in self._hours:
            found = self._hours[hour]
        else:
            if len(self._hours) > 200_000:  # about 23 years of hours: start again rather than grow
                self._hours.clear()
            found = self._hours[hour] = self._hour(hour)
        if found is None:
            return dt.datetime.fromtimestamp(instant, self.tz).isoformat()
        minute, second = divmod(within, 60)
        return f"{found[0]}{minute:02d}:{second:02d}{found[1]}"


def local_date(instant: int, zone_name: str) -> dt.date:
    return local(instant, zone_name).date()


def wall_to_instant(wall: dt.datetime, zone_name: str) -> int:
    """The first instant at which the local clock shows `wall` (naive) or later."""
    tz = zone(zone_name)
    first = int(wall.replace(tzinfo=tz, fold=0).timestamp())
    if dt.datetime.fromtimestamp(first, tz).replace(tzinfo=None) == wall:
        return first  # exists; fold=0 is the first occurrence when it is repeated
    # In a gap: before the switch the wall clock is earlier than `wall`, after it later. Bisect for the switch.
    second = int(wall.replace(tzinfo=tz, fold=1).timestamp())
    lo, hi = min(first, second), max(first, second)
    while lo < hi:
        mid = (lo + hi) // 2
        if dt.datetime.fromtimestamp(mid, tz).replace(tzinfo=None) >= wall:
            hi = mid
        else:
            lo = mid + 1
    return lo


def add_wall(instant: int, amount: int, unit: WallUnit, zone_name: str) -> int:
    """Wall-clock arithmetic: real time for minutes and hours, local calendar time for days, weeks, months."""
    if unit == "minute":
        return instant + 60 * amount
    if unit == "hour":
        return instant + 3600 * amount
    start = local(instant, zone_name).replace(tzinfo=None)
    if unit == "day":
        wall = start + dt.timedelta(days=amount)
    elif unit == "week":
        wall = start + dt.timedelta(weeks=amount)
    else:
        months = start.year * 12 + start.month - 1 + amount
        year, month = divmod(months, 12)
        month += 1
        day = min(start.day, _month_length(year, month))
        wall = start.replace(year=year, month=month, day=day)
    return wall_to_instant(wall, zone_name)


def _month_length(year: int, month: int) -> int:
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    return (following - dt.timedelta(days=1)).day


def period_of(instant: int, unit: PeriodUnit, zone_name: str) -> tuple[int, int]:
    """The half-open local calendar month, quarter or year `[start, end)` that contains an instant."""
    day = local_date(instant, zone_name)
    if unit == "month":
        first = dt.date(day.year, day.month, 1)
    elif unit == "quarter":
        first = dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    else:
        first = dt.date(day.year, 1, 1)
    return period_bounds(first, unit, zone_name)


def period_bounds(first: dt.date, unit: PeriodUnit, zone_name: str) -> tuple[int, int]:
    """`[start, end)` of the period that begins on local date `first`."""
    months = {"month": 1, "quarter": 3, "year": 12}[unit]
    index = first.year * 12 + first.month - 1 + months
    following = dt.date(index // 12, index % 12 + 1, 1)
    start = wall_to_instant(dt.datetime.combine(first, dt.time()), zone_name)
    return start, wall_to_instant(dt.datetime.combine(following, dt.time()), zone_name)


def merge(intervals: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, disjoint union of half-open intervals; touching intervals join, empty ones vanish."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(i for i in intervals if i[1] > i[0]):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def clip(intervals: Iterable[tuple[int, int]], lo: int, hi: int) -> list[tuple[int, int]]:
    """The parts of half-open intervals that fall inside `[lo, hi)`, empty parts dropped."""
    return [(max(s, lo), min(e, hi)) for s, e in intervals if min(e, hi) > max(s, lo)]


def total(intervals: Iterable[tuple[int, int]]) -> int:
    return sum(e - s for s, e in intervals)


@functools.cache
def _kept_holidays(source: HolidaySource) -> dict[int, frozenset[dt.date]]:
    """The holiday dates of one source by year, as far as the cache has them (see `sladsl.cache`)."""
    key = cache.holidays_key(source)
    kept = cache.read(key) if key is not None else None
    return kept if isinstance(kept, dict) else {}


def _holiday_dates(source: HolidaySource, year: int) -> frozenset[dt.date]:
    kept = _kept_holidays(source)
    dates = kept.get(year)
    if dates is None:
        import holidays  # noqa: PLC0415 - loaded only when a year is not in the cache

        found = holidays.country_holidays(
            source.country, subdiv=source.subdivision, categories=source.categories, years=year
        )
        dates = kept[year] = frozenset(found.keys())
        key = cache.holidays_key(source)
        if key is not None:
            cache.write(key, kept)
    return dates


def holiday_names(source: HolidaySource, year: int) -> list[tuple[dt.date, str]]:
    """The holidays of a year with their names, for rendering."""
    import holidays  # noqa: PLC0415

    found = holidays.country_holidays(
        source.country, subdiv=source.subdivision, categories=source.categories, years=year
    )
    return sorted(found.items())


class Clock:
    """One calendar compiled onto the epoch line. Build it once per calendar and ask it many questions."""

    def __init__(self, spec: CalendarSpec) -> None:
        self.spec = spec
        self._first_year = 0
        self._last_year = -1
        self._lo = 0  # instants in [_lo, _hi) are answered without compiling more years
        self._hi = 0
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.cum: list[int] = []  # open seconds before interval i
        self.cum_end: list[int] = []  # open seconds up to the end of interval i
        self.day_ordinals: list[int] = []  # business days, as local date ordinals
        self.day_ends: list[int] = []  # the instant each business day ends (never decreasing)
        self._opened = dict(spec.opened)

    # -- compiling ---------------------------------------------------------------------------------------

    def _openings_of(self, day: dt.date) -> Sequence[Interval]:
        if day in self._opened:
            return self._opened[day]
        spec = self.spec
        if day in spec.closed_dates or (day.month, day.day) in spec.closed_annual:
            return ()
        for source in spec.holidays:
            if day in _holiday_dates(source, day.year):
                return ()
        return spec.weekly[day.weekday()]

    def _compile(self, first_year: int, last_year: int) -> None:
        first_year = max(first_year, _MIN_YEAR)
        last_year = min(last_year, _MAX_YEAR)
        raw: list[tuple[int, int]] = []
        ordinals: list[int] = []
        day_ends: list[int] = []
        day = dt.date(first_year, 1, 1)
        stop = dt.date(last_year + 1, 1, 1)
        one = dt.timedelta(days=1)
        zone_name = self.spec.zone
        while day < stop:
            midnight = dt.datetime.combine(day, dt.time())
            latest = None
            for opening in self._openings_of(day):
                start = wall_to_instant(midnight + dt.timedelta(minutes=opening.start), zone_name)
                end = wall_to_instant(midnight + dt.timedelta(minutes=opening.end), zone_name)
                if end > start:
                    raw.append((start, end))
                    latest = end if latest is None else max(latest, end)
            if latest is not None:
                ordinals.append(day.toordinal())
                day_ends.append(max(latest, day_ends[-1]) if day_ends else latest)
            day += one
        # A zero-length sentinel first: every instant has an interval at or before it (no branch in `elapsed`).
        merged = [(-(2**62), -(2**62)), *merge(raw)]
        self.starts = [s for s, _ in merged]
        self.ends = [e for _, e in merged]
        running = 0
        self.cum, self.cum_end = [], []
        for start, end in merged:
            self.cum.append(running)
            running += end - start
            self.cum_end.append(running)
        self.day_ordinals, self.day_ends = ordinals, day_ends
        self._first_year, self._last_year = first_year, last_year
        # One year of margin on each side: an opening that began on 31 December of the year before is loaded.
        self._lo = (
            wall_to_instant(dt.datetime(first_year + 1, 1, 1), zone_name) if first_year > _MIN_YEAR else -(2**62)
        )
        self._hi = wall_to_instant(dt.datetime(last_year, 1, 1), zone_name)

    def _cover(self, *instants: int) -> None:
        """Compile enough years that every instant lies inside the answered range."""
        if all(self._lo <= t < self._hi for t in instants):
            return
        years = [dt.datetime.fromtimestamp(t, dt.UTC).year for t in instants]
        self._widen(min(years) - 1, max(years) + 1)

    def _grow(self) -> None:
        """Compile more years forward, for searches that ran off the end."""
        if self._last_year >= _LAST_SEARCH_YEAR:
            raise ClockError(self.spec.name)
        self._widen(self._first_year, self._last_year + 1)

    def _widen(self, first: int, last: int) -> None:
        """Compile at least the years `first` to `last`, and all those compiled already. A range that must widen
        widens by at least as many years as it holds, up to the last year a search may reach: questions that walk
        forward a month at a time over decades then compile each year a bounded number of times, not once per
        question."""
        if self._last_year >= self._first_year:
            held = self._last_year - self._first_year + 1
            if last > self._last_year:
                last = max(last, min(self._last_year + held, _LAST_SEARCH_YEAR))
            if first < self._first_year:
                first = min(first, max(self._first_year - held, _MIN_YEAR))
            first = min(first, self._first_year)
            last = max(last, self._last_year)
        self._compile(first, last)

    # -- questions ---------------------------------------------------------------------------------------

    def is_open(self, t: int) -> bool:
        self._cover(t)
        i = bisect.bisect_right(self.starts, t) - 1
        return t < self.ends[i]

    def open_before(self, t: int) -> int:
        """Open seconds from the start of the compiled range up to `t`; only differences are meaningful."""
        i = _bisect_right(self.starts, t) - 1
        end = self.ends[i]
        return self.cum_end[i] - (end - t if t < end else 0)

    def elapsed(self, a: int, b: int) -> int:
        """Business seconds in `[a, b)`; negative when `b` comes before `a`."""
        # The hot path of every business-time target: two bisections and a subtraction.
        if a < self._lo or a >= self._hi or b < self._lo or b >= self._hi:
            self._cover(a, b)
        starts, ends, cum_end = self.starts, self.ends, self.cum_end
        i = _bisect_right(starts, a) - 1
        j = _bisect_right(starts, b) - 1
        end_a, end_b = ends[i], ends[j]
        return (cum_end[j] - (end_b - b if b < end_b else 0)) - (cum_end[i] - (end_a - a if a < end_a else 0))

    def deadline(self, a: int, seconds: int) -> int:
        """The first instant by which `seconds` business seconds have elapsed since `a`."""
        if seconds <= 0:
            return a
        if not self._lo <= a < self._hi:
            self._cover(a)
        target = self.open_before(a) + seconds
        while True:
            j = bisect.bisect_left(self.cum_end, target)
            if j < len(self.cum_end):
                return self.starts[j] + (target - self.cum[j])
            self._grow()  # keeps the first compiled year, so `target` keeps its meaning

    def next_opening(self, t: int) -> int:
        """`t` itself when the calendar is open at `t`, else the next instant it opens."""
        if not self._lo <= t < self._hi:
            self._cover(t)
        while True:
            i = bisect.bisect_right(self.starts, t) - 1
            if t < self.ends[i]:
                return t
            if i + 1 < len(self.starts):
                return self.starts[i + 1]
            self._grow()

    def day_end(self, t: int, n: int = 1) -> int:
        """End of the n-th business day, counting as the first the one not yet ended at `t`."""
        self._cover(t)
        while True:
            k = bisect.bisect_right(self.day_ends, t) + n - 1
            if k < len(self.day_ends):
                return self.day_ends[k]
            self._grow()

    def day_end_from(self, first: dt.date, n: int) -> int:
        """End of the n-th business day on or after local date `first`."""
        self._cover(wall_to_instant(dt.datetime.combine(first, dt.time()), self.spec.zone))
        while True:
            k = bisect.bisect_left(self.day_ordinals, first.toordinal()) + n - 1
            if k < len(self.day_ends):
                return self.day_ends[k]
            self._grow()

    def open_intervals(self, lo: int, hi: int) -> list[tuple[int, int]]:
        """The open intervals clipped to `[lo, hi)`."""
        self._cover(lo, hi)
        i = max(bisect.bisect_right(self.starts, lo) - 1, 0)
        j = bisect.bisect_left(self.starts, hi)
        return clip(zip(self.starts[i:j], self.ends[i:j], strict=True), lo, hi)


class TimestampError(ValueError):
    """A timestamp that names no single instant; `code` is its diagnostic code."""

    def __init__(self, code: str, message: str, help_text: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.help = help_text


_OFFSETS: dict[dt.tzinfo, int] = {}  # fixed offsets seen in timestamps, in whole seconds
_UNIX_DAY = dt.date(1970, 1, 1).toordinal()

# The instants a timeline may name: from 1970-01-01T00:00:00Z up to, not including, 2100-01-01T00:00:00Z. Every
# real SLA record falls inside; outside it a single typo in a year (9999 for 2025) would have the business clocks
# and the monthly periods walk thousands of years. Bounded, a timeline is checked in bounded time.
FIRST_INSTANT = 0
END_INSTANT = 4_102_444_800


def _in_range(text: str, instant: int) -> int:
    if FIRST_INSTANT <= instant < END_INSTANT:
        return instant
    raise TimestampError(
        "E0317",
        f"`{text}` is outside the years sladsl checks",
        "instants run from 1970-01-01T00:00:00Z up to 2100-01-01T00:00:00Z; check the year",
    )


def parse_instant(text: str) -> int:
    """The instant of a timestamp, as `parse_instant_slowly` defines it, computed on integers.

    The hot path of reading a timeline: a timestamp with a fixed offset (the common case) is split by the C
    parser and summed on the epoch line. Anything else (a bracketed zone, no offset, an error, an offset with
    parts of a second) takes the slow path, which is the definition; a property test holds the two equal."""
    try:
        moment = _fromisoformat(text)
    except ValueError:
        return parse_instant_slowly(text)
    offset = _OFFSETS.get(moment.tzinfo) if moment.tzinfo is not None else None
    if offset is None:
        delta = moment.utcoffset()
        if delta is None or delta.microseconds or type(moment.tzinfo) is not dt.timezone:
            return parse_instant_slowly(text)
        offset = _OFFSETS[moment.tzinfo] = delta.days * 86400 + delta.seconds
    instant = (
        (moment.toordinal() - _UNIX_DAY) * 86400 + moment.hour * 3600 + moment.minute * 60 + moment.second - offset
    )
    if FIRST_INSTANT <= instant < END_INSTANT:
        return instant
    return _in_range(text, instant)


_fromisoformat = dt.datetime.fromisoformat


# Abbreviations people write for a zone, and an IANA name to suggest for each.
ZONE_ABBREVIATIONS = {
    "CET": "Europe/Ljubljana",
    "CEST": "Europe/Ljubljana",
    "MET": "Europe/Berlin",
    "EET": "Europe/Helsinki",
    "EEST": "Europe/Helsinki",
    "WET": "Europe/Lisbon",
    "GMT": "Europe/London",
    "BST": "Europe/London",
    "EST": "America/New_York",
    "EDT": "America/New_York",
    "CST": "America/Chicago",
    "PST": "America/Los_Angeles",
    "PDT": "America/Los_Angeles",
    "MST": "America/Denver",
    "HKT": "Asia/Hong_Kong",
    "JST": "Asia/Tokyo",
    "IST": "Asia/Kolkata",
    "AEST": "Australia/Sydney",
    "AEDT": "Australia/Sydney",
}


@functools.cache
def zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def is_abbreviation(name: str) -> bool:
    """Whether a zone name is an abbreviation (`CET`, `EST`) or a tz database name with no place in it (`CET`
    and `Japan` are both in the database): sladsl takes `UTC` and `Area/City` names only. `CET` names a zone
    with summer time, and an author who writes it may mean a fixed +01:00, so it is refused with a suggestion."""
    if name == "UTC" or "/" in name:
        return False
    return name.upper() in ZONE_ABBREVIATIONS or name in zone_names()


def parse_instant_slowly(text: str) -> int:
    """The instant of an ISO 8601 timestamp that carries an offset (`+02:00`, `Z`) or a zone in brackets.

    `2025-03-30T10:00:00+02:00` and `2025-03-30T10:00:00[Europe/Oslo]` both name an instant. A local time with a
    zone must exist and be unique there: 02:30 on the night the clocks go forward, or a repeated 02:30 in autumn
    without an offset, is an error. A timestamp with neither offset nor zone is an error, never UTC. Parts of a
    second are dropped (instants are whole seconds). The instant must lie in `[FIRST_INSTANT, END_INSTANT)`.
    """
    zone_name = None
    body = text.strip()
    if body.endswith("]") and "[" in body:
        body, zone_name = body[:-1].split("[", 1)
    try:
        moment = dt.datetime.fromisoformat(body)
    except ValueError as error:
        raise TimestampError(
            "E0305", f"`{text}` is not a timestamp ({error})", "write it like `2025-04-16T16:00:00+02:00`"
        ) from None
    if zone_name is not None:
        if is_abbreviation(zone_name):
            suggestion = ZONE_ABBREVIATIONS.get(zone_name.upper())
            raise TimestampError(
                "E0318",
                f"`{zone_name}` is an abbreviation, not a time zone",
                f"name the place instead, for example `{suggestion}`"
                if suggestion
                else "name the place instead, as `Area/City`",
            )
        try:
            tz = zone(zone_name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            close = difflib.get_close_matches(zone_name, zoneinfo.available_timezones(), n=1)
            raise TimestampError(
                "E0314",
                f"time zone `{zone_name}` is not known",
                f"did you mean `{close[0]}`?" if close else "use an IANA name like `Europe/Oslo`",
            ) from None
        naive = moment.replace(tzinfo=None)
        first, second = naive.replace(tzinfo=tz, fold=0), naive.replace(tzinfo=tz, fold=1)
        exists = dt.datetime.fromtimestamp(first.timestamp(), tz).replace(tzinfo=None) == naive
        if not exists:
            raise TimestampError(
                "E0306",
                f"{naive:%Y-%m-%d %H:%M} does not exist in {zone_name}: the clocks skip it",
                "check the source clock; a local time in a spring-forward gap names no instant",
            )
        if moment.tzinfo is not None:
            if moment.utcoffset() not in (first.utcoffset(), second.utcoffset()):
                raise TimestampError("E0305", f"`{text}`: the offset does not match {zone_name} at that time")
        elif first.utcoffset() != second.utcoffset():
            raise TimestampError(
                "E0307",
                f"{naive:%Y-%m-%d %H:%M} happens twice in {zone_name}: the clocks go back",
                "add the offset, like `+02:00` for the first time or `+01:00` for the second",
            )
        else:
            moment = first
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise TimestampError(
            "E0304", f"`{text}` has no offset or zone", "add an offset like `+02:00` (or `Z`), or `[Europe/Oslo]`"
        )
    return _in_range(text, epoch(moment.replace(microsecond=0)))
