"""Calendar periods in a zone: the month, quarter or year an instant falls in, their labels, and the periods a
person names (`2025`, `2025-Q2`, `2025-06`).

Date arithmetic (which month follows, where a quarter starts) is pendulum's; a period's first instant is its
first local midnight, mapped to the time line by `sladsl.time.instants.day_start`, which keeps sladsl's one rule
for a local time the clocks skip or repeat (pendulum resolves such a midnight differently in a few zones, such
as Havana's autumn). Periods are half-open: `[start of this period, start of the next)`.
"""

from __future__ import annotations

import datetime as dt
import re

import pendulum

from sladsl.model import PeriodUnit
from sladsl.time.instants import day_start, local, local_date, wall_to_instant

MONTHS: dict[PeriodUnit, int] = {"month": 1, "quarter": 3, "year": 12}


def _first_day(day: dt.date, unit: PeriodUnit) -> pendulum.Date:
    return pendulum.date(day.year, day.month, day.day).first_of(unit)


def period_bounds(first: dt.date, unit: PeriodUnit, zone_name: str) -> tuple[int, int]:
    """`[start, end)` of the period that begins on local date `first`."""
    start = _first_day(first, unit)
    return day_start(start, zone_name), day_start(start.add(months=MONTHS[unit]), zone_name)


def period_of(instant: int, unit: PeriodUnit, zone_name: str) -> tuple[int, int]:
    """The half-open local calendar month, quarter or year `[start, end)` that contains an instant."""
    return period_bounds(local_date(instant, zone_name), unit, zone_name)


def following(end: int, unit: PeriodUnit, zone_name: str) -> tuple[int, int]:
    """The period that begins at `end`, the end of one period."""
    return period_bounds(local_date(end, zone_name), unit, zone_name)


def label(start: int, unit: PeriodUnit, zone_name: str) -> str:
    """`2025-06`, `2025-Q2` or `2025`: the period beginning at `start`, as a timeline's claims name it."""
    day = pendulum.date(*local_date(start, zone_name).timetuple()[:3])
    if unit == "month":
        return f"{day.year}-{day.month:02d}"
    if unit == "quarter":
        return f"{day.year}-Q{day.quarter}"
    return f"{day.year}"


_NAMED = re.compile(r"([0-9]{4})(?:-Q([1-4])|-([0-9]{2}))?")


def is_period_name(text: str) -> bool:
    """Whether a text names a year, quarter or month exactly as periods are named (`2025`, `2025-Q2`,
    `2025-06`), from 1970 to 2099."""
    found = _NAMED.fullmatch(text)
    return (
        found is not None
        and 1970 <= int(found.group(1)) <= 2099
        and (found.group(3) is None or 1 <= int(found.group(3)) <= 12)
    )


def named(text: str, zone_name: str) -> tuple[int, int]:
    """`[start, end)` of `2025`, `2025-Q2` or `2025-06`, or of a range of them, `2025-04..2025-06` (first to last,
    both included). Raises `ValueError` for anything else."""
    first, dots, last = text.partition("..")
    if dots and not last:
        raise ValueError(f"`{text}` is not a period like 2025, 2025-Q2 or 2025-06")
    lo = _named_one(first, zone_name)
    hi = _named_one(last, zone_name) if dots else lo
    if hi[1] <= lo[0]:
        raise ValueError(f"`{text}` ends before it begins")
    return lo[0], hi[1]


def _named_one(text: str, zone_name: str) -> tuple[int, int]:
    found = _NAMED.fullmatch(text.strip())
    if found is None or (found.group(3) is not None and not 1 <= int(found.group(3)) <= 12):
        raise ValueError(f"`{text}` is not a period like 2025, 2025-Q2 or 2025-06")
    year = int(found.group(1))
    if not 1970 <= year <= 2099:
        raise ValueError(f"`{text}` is outside the years sladsl checks (1970 to 2099)")
    if found.group(2) is not None:
        return period_bounds(dt.date(year, 3 * int(found.group(2)) - 2, 1), "quarter", zone_name)
    if found.group(3) is not None:
        return period_bounds(dt.date(year, int(found.group(3)), 1), "month", zone_name)
    return period_bounds(dt.date(year, 1, 1), "year", zone_name)


def ticks(lo: int, hi: int, zone_name: str, most: int = 12) -> list[tuple[int, dt.datetime]]:
    """Instants in `[lo, hi]` for a chart's axis, with the local wall time of each: whole local hours when the
    span is a day and a half or less, else local midnights, spaced so that there are about `most` at most."""
    short = hi - lo <= 36 * 3600
    begin = pendulum.naive(*local(lo, zone_name).timetuple()[:4])
    if not short:
        begin = begin.start_of("day")
    unit = 3600 if short else 86400
    step = max(1, -(-(int((hi - lo) / unit) + 2) // most))
    found: list[tuple[int, dt.datetime]] = []
    wall = begin.add(hours=step) if short else begin.add(days=step)
    while True:
        instant = wall_to_instant(wall, zone_name)
        if instant >= hi:
            return found
        found.append((instant, wall))
        wall = wall.add(hours=step) if short else wall.add(days=step)
