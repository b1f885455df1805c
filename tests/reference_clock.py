"""A deliberately slow business clock that steps one minute at a time. It shares no code with `sladsl.clock`.

It reads the same calendar description and applies the documented rules in the most literal way:

* an opening or closing at local wall time W happens at the first minute at which the local clock shows W or
  later (found by stepping forward, minute by minute, from well before it);
* an instant is open when it lies in `[opening, closing)` of any opening;
* a business day is a local date on which an opening of positive length starts, ending when the last such
  opening closes, and never before the business day that precedes it.

All instants given to it must be whole minutes; every zone used in the tests has whole-minute offsets.
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo

import holidays

from sladsl.model import CalendarSpec, HolidaySource

MINUTE = 60


@functools.cache
def _holidays(source: HolidaySource, year: int) -> frozenset[dt.date]:
    found = holidays.country_holidays(
        source.country, subdiv=source.subdivision, categories=source.categories, years=year
    )
    return frozenset(found)


class ReferenceClock:
    def __init__(self, spec: CalendarSpec) -> None:
        self.spec = spec
        self.tz = zoneinfo.ZoneInfo(spec.zone)
        self._boundaries: dict[dt.date, list[tuple[int, int]]] = {}

    def wall(self, t: int) -> dt.datetime:
        return dt.datetime.fromtimestamp(t, self.tz).replace(tzinfo=None)

    def first_minute_at_or_after(self, wall: dt.datetime) -> int:
        guess = int(wall.replace(tzinfo=dt.UTC).timestamp())
        offset = dt.datetime.fromtimestamp(guess, self.tz).utcoffset()
        assert offset is not None
        t = guess - int(offset.total_seconds()) - 3 * 3600  # three hours early: more than any DST shift
        t -= t % MINUTE
        assert self.wall(t) < wall
        while self.wall(t) < wall:
            t += MINUTE
        return t

    def is_closed_day(self, day: dt.date) -> bool:
        spec = self.spec
        if day in spec.closed_dates or (day.month, day.day) in spec.closed_annual:
            return True
        return any(day in _holidays(source, day.year) for source in spec.holidays)

    def openings(self, day: dt.date) -> list[tuple[int, int]]:
        """The real `[opening, closing)` instants of the openings that start on a local date."""
        if day not in self._boundaries:
            opened = dict(self.spec.opened)
            if day in opened:
                plan = opened[day]
            elif self.is_closed_day(day):
                plan = ()
            else:
                plan = self.spec.weekly[day.weekday()]
            midnight = dt.datetime.combine(day, dt.time())
            found = []
            for interval in plan:
                start = self.first_minute_at_or_after(midnight + dt.timedelta(minutes=interval.start))
                end = self.first_minute_at_or_after(midnight + dt.timedelta(minutes=interval.end))
                found.append((start, end))
            self._boundaries[day] = found
        return self._boundaries[day]

    def is_open(self, t: int) -> bool:
        today = self.wall(t).date()
        for back in range(0, 4):  # an opening lasts at most a day, and a wall clock can run back a little
            for start, end in self.openings(today - dt.timedelta(days=back)):
                if start <= t < end:
                    return True
        return False

    def elapsed(self, a: int, b: int) -> int:
        count = 0
        for t in range(a, b, MINUTE):
            if self.is_open(t):
                count += 1
        return count * MINUTE

    def deadline(self, a: int, seconds: int) -> int:
        if seconds <= 0:
            return a
        need = seconds // MINUTE
        t = a
        while True:
            if self.is_open(t):
                need -= 1
                if need == 0:
                    return t + MINUTE
            t += MINUTE

    def next_opening(self, t: int) -> int:
        while not self.is_open(t):
            t += MINUTE
        return t

    def business_days(self, first: dt.date, last: dt.date) -> list[tuple[dt.date, int]]:
        """(date, end) of each business day in `[first, last]`, ends never decreasing from `first` on."""
        found: list[tuple[dt.date, int]] = []
        day = first
        while day <= last:
            ends = [end for start, end in self.openings(day) if end > start]
            if ends:
                end = max(ends)
                if found:
                    end = max(end, found[-1][1])
                found.append((day, end))
            day += dt.timedelta(days=1)
        return found

    def day_end(self, t: int, n: int) -> int:
        today = self.wall(t).date()
        days = self.business_days(today - dt.timedelta(days=7), today + dt.timedelta(days=40 + 7 * n))
        pending = [end for _, end in days if end > t]
        return pending[n - 1]

    def day_end_from(self, first: dt.date, n: int) -> int:
        days = self.business_days(first - dt.timedelta(days=7), first + dt.timedelta(days=40 + 7 * n))
        return [end for day, end in days if day >= first][n - 1]

    def add_days(self, t: int, days: int) -> int:
        return self.first_minute_at_or_after(self.wall(t) + dt.timedelta(days=days))
