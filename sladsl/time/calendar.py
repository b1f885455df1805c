"""Business calendars compiled onto the epoch line, and the questions asked of them.

A calendar compiles, year by year and only for the years a caller touches, into sorted, disjoint, half-open open
intervals `[start, end)`, with a running total of open seconds before each interval. Elapsed business time is
then a difference of two running totals, and a deadline is an inverse lookup: both are exact across DST switches
because the interval ends were placed on the real time line once, when the calendar was compiled.

Conventions, each relied on by the evaluation and proved against the minute-stepping clock in `tests/`:

* An opening or closing at wall time W happens at the first instant the local clock shows W or later (see
  `sladsl.time.instants`). An opening belongs to the local date it starts on: a 22:00-04:00 night is closed when
  its first date is a holiday. The night that spans the spring switch is 5 real hours long; the autumn one is 7.
* Deadlines: when N business seconds run out exactly at a closing instant, the deadline is that closing instant,
  not the next opening. N = 0 gives the start itself.
* A business day is a local date on which an opening of positive length starts. It ends when the last of its
  openings closes. "The same business day" of an instant is the first business day that has not ended by then;
  a business day ends no earlier than the one before it. "Counting from the next day" starts at the local date
  after the instant's.
* A pause stops a clock that counts time (business time, or real minutes and hours): the time from the pause to
  the resumption is not counted, and an unresumed pause holds the deadline back for ever.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Callable, Mapping, Sequence

from sladsl.model import CalendarSpec, Interval, Place
from sladsl.time.holidays import holiday_dates
from sladsl.time.instants import day_start, local_date, wall_to_instant
from sladsl.time.intervals import clip, merge, subtract

_MIN_YEAR, _MAX_YEAR = 1969, 9998  # 1969: the year before the first instant a timeline may name
# How far a search for an opening may run before the calendar is declared to have none left: past the last year
# a timeline may name (2099) by a century, so only a calendar that is open far too little for a target gets there.
LAST_SEARCH_YEAR = 2200
_MARGIN = dt.timedelta(days=7)  # compiled beyond the years a clock answers for: longer than any opening

Pause = tuple[int, int | None]  # paused at, resumed at (None: not resumed)

_bisect_right = bisect.bisect_right
_bisect_left = bisect.bisect_left


class ClockError(ValueError):
    """A question the calendar cannot answer, such as a deadline in a calendar that never opens again."""

    def __init__(self, calendar: str) -> None:
        super().__init__(f"calendar `{calendar}` is not open enough to answer before {LAST_SEARCH_YEAR}")
        self.calendar = calendar


def walk_pauses(
    start: int,
    amount: int,
    pauses: Sequence[Pause],
    elapsed: Callable[[int, int], int],
    forward: Callable[[int, int], int],
) -> tuple[int | None, tuple[Pause, ...]]:
    """The instant by which `amount` of a clock's time has run from `start`, the clock stopped during each pause
    (sorted, not overlapping); None while a pause that comes first is not resumed. Also the pauses that held it
    back, each from when it began to hold (not before `start`)."""
    cursor, remaining, held = start, amount, []
    for paused_at, resumed_at in pauses:
        if resumed_at is not None and resumed_at <= cursor:
            continue
        pause_start = max(paused_at, cursor)
        available = elapsed(cursor, pause_start)
        if available >= remaining:
            break
        remaining -= available
        held.append((pause_start, resumed_at))
        if resumed_at is None:
            return None, tuple(held)
        cursor = resumed_at
    return forward(cursor, remaining), tuple(held)


def real_deadline(start: int, seconds: int, pauses: Sequence[Pause]) -> tuple[int | None, tuple[Pause, ...]]:
    """`walk_pauses` on real time: seconds as they pass."""
    return walk_pauses(start, seconds, pauses, _difference, _later)


def _difference(a: int, b: int) -> int:
    return b - a


def _later(a: int, seconds: int) -> int:
    return a + seconds


_WEEK = 7 * 1440  # minutes


def week_openings(spec: CalendarSpec) -> tuple[tuple[Interval, ...], ...]:
    """A calendar's open hours in an ordinary week: one with no holiday, closed or opened date and no change of the
    clocks. For each local day, Monday first, the stretches of that day that are open, in minutes after its
    midnight, `[start, end)` within 0..1440, merged and in order.

    An opening belongs to the day it starts on, as `Clock` compiles it, so an overnight opening (`end` past 1440)
    runs on into the next day, and Sunday's into Monday: Friday 22:00-04:00 is Friday 22:00-24:00 and Saturday
    00:00-04:00. Drawn as a week, this is what the engine counts on such a week (tests prove it against `Clock`).
    """
    stretches: list[tuple[int, int]] = []
    for day, openings in enumerate(spec.weekly):
        for opening in openings:
            start = day * 1440 + opening.start
            end = day * 1440 + opening.end
            if end > _WEEK:  # past Sunday midnight: that part falls on Monday, at the start of the week drawn
                stretches.append((0, end - _WEEK))
                end = _WEEK
            stretches.append((start, end))
    days: list[list[Interval]] = [[] for _ in range(7)]
    for start, end in merge(stretches):
        for day in range(start // 1440, (end - 1) // 1440 + 1):
            midnight = day * 1440
            days[day].append(Interval(max(start, midnight) - midnight, min(end, midnight + 1440) - midnight))
    return tuple(tuple(day) for day in days)


_CLOCKS: dict[CalendarSpec, Clock] = {}
_KEPT_CLOCKS = 32


def clock_for(spec: CalendarSpec) -> Clock:
    """The clock of a calendar, shared by everyone who asks in this process: compiling years of open hours is
    the costly part of a small check, and the answers depend on nothing but the calendar. The most recently
    used `_KEPT_CLOCKS` are kept."""
    clock = _CLOCKS.pop(spec, None)
    if clock is None:
        clock = Clock(spec)
        while len(_CLOCKS) >= _KEPT_CLOCKS:
            del _CLOCKS[next(iter(_CLOCKS))]
    _CLOCKS[spec] = clock  # the most recent last
    return clock


def clocks_at(
    calendars: Mapping[str, CalendarSpec], clocks: Mapping[str, Clock], place: Place
) -> dict[str, Clock]:
    """The clocks of a customer at `place`: each calendar that follows the customer compiled for that place, the
    others (`clocks`, the agreement's) as they are."""
    return {
        name: clock_for(spec.at(place)) if spec.follows_customer else clocks[name]
        for name, spec in calendars.items()
    }


class Clock:
    """One calendar compiled onto the epoch line. Build it once per calendar (`clock_for`) and ask it many
    questions."""

    def __init__(self, spec: CalendarSpec) -> None:
        self.spec = spec
        self._first_year = 0
        self._last_year = -1
        self._lo = 0  # instants in [_lo, _hi) are answered without compiling more years
        self._hi = 0
        self._lo_day = self._hi_day = 0  # local dates strictly between these begin inside [_lo, _hi)
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
            if day in holiday_dates(source, day.year):
                return ()
        return spec.weekly[day.weekday()]

    def _compile(self, first_year: int, last_year: int) -> None:
        first_year = max(first_year, _MIN_YEAR)
        last_year = min(last_year, _MAX_YEAR)
        raw: list[tuple[int, int]] = []
        ordinals: list[int] = []
        day_ends: list[int] = []
        # The years asked for, and a week on each side: an opening that began on 31 December of the year before
        # (an overnight shift) is loaded, and so is the next opening after the last year.
        day = dt.date(first_year, 1, 1) - _MARGIN
        stop = dt.date(last_year + 1, 1, 1) + _MARGIN
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
        first_day = dt.datetime(first_year, 1, 1)
        self._lo = wall_to_instant(first_day, zone_name) if first_year > _MIN_YEAR else -(2**62)
        self._hi = wall_to_instant(dt.datetime(last_year + 1, 1, 1), zone_name)
        self._lo_day = local_date(self._lo, zone_name).toordinal() if first_year > _MIN_YEAR else 0
        self._hi_day = local_date(self._hi - 1, zone_name).toordinal()

    def _cover(self, *instants: int) -> None:
        """Compile enough years that every instant lies inside the answered range."""
        if all(self._lo <= t < self._hi for t in instants):
            return
        years = [local_date(t, self.spec.zone).year for t in instants]
        self._widen(min(years), max(years))

    def _grow(self) -> None:
        """Compile more years forward, for searches that ran off the end."""
        if self._last_year >= LAST_SEARCH_YEAR:
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
                last = max(last, min(self._last_year + held, LAST_SEARCH_YEAR))
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
        # The hot path of every business-time deadline: the open seconds from the start of the compiled range up
        # to `a` (as `elapsed` finds them), then the first interval by whose end `seconds` more have elapsed.
        cum_end = self.cum_end
        i = _bisect_right(self.starts, a) - 1
        end = self.ends[i]
        target = cum_end[i] - (end - a if a < end else 0) + seconds
        j = _bisect_left(cum_end, target)
        while j == len(cum_end):
            self._grow()  # keeps the first compiled year, so `target` keeps its meaning
            cum_end = self.cum_end
            j = _bisect_left(cum_end, target)
        return self.starts[j] + (target - self.cum[j])

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
        if not self._lo <= t < self._hi:
            self._cover(t)
        while True:
            k = bisect.bisect_right(self.day_ends, t) + n - 1
            if k < len(self.day_ends):
                return self.day_ends[k]
            self._grow()

    def day_end_from(self, first: dt.date, n: int) -> int:
        """End of the n-th business day on or after local date `first`."""
        if not self._lo_day < first.toordinal() < self._hi_day:  # else its start is compiled: no need to find it
            self._cover(day_start(first, self.spec.zone))
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

    def day_end_after(self, t: int, n: int) -> int:
        """End of the n-th business day counting from the local date after `t`'s ("from the next day")."""
        return self.day_end_from(local_date(t, self.spec.zone) + dt.timedelta(days=1), n)

    def deadline_paused(
        self, a: int, seconds: int, pauses: Sequence[Pause]
    ) -> tuple[int | None, tuple[Pause, ...]]:
        """`deadline`, with the clock stopped during each pause (see `walk_pauses`)."""
        return walk_pauses(a, seconds, pauses, self.elapsed, self.deadline)

    def open_time(self, lo: int, hi: int, pauses: Sequence[Pause] = ()) -> list[tuple[int, int]]:
        """The open stretches in `[lo, hi)` that a clock stopped during `pauses` counts."""
        if hi <= lo:
            return []
        held = [(a, b if b is not None else hi) for a, b in pauses]
        return subtract(self.open_intervals(lo, hi), held)
