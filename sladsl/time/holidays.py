"""Public holiday dates from the `holidays` package, kept between runs through the store the front end gives
(`sladsl.cache`): importing the package and computing a year is slow next to checking a timeline."""

from __future__ import annotations

import datetime as dt
import functools
import json

from sladsl import cache
from sladsl.model import HolidaySource


def _key(source: HolidaySource) -> str:
    return json.dumps([source.country, source.subdivision, sorted(source.categories or ())])


@functools.cache
def kept_dates(source: HolidaySource) -> dict[int, frozenset[dt.date]]:
    """The holiday dates of one source by year, as far as the store has them, read once per process (and then
    added to as years are computed)."""
    kept = cache.read("holidays", _key(source))
    return kept if isinstance(kept, dict) else {}


def holiday_dates(source: HolidaySource, year: int) -> frozenset[dt.date]:
    """The dates of one year on which the source's holidays fall."""
    kept = kept_dates(source)
    dates = kept.get(year)
    if dates is None:
        import holidays  # noqa: PLC0415 - loaded only when a year is not kept

        found = holidays.country_holidays(
            source.country, subdiv=source.subdivision, categories=source.categories, years=year
        )
        dates = kept[year] = frozenset(found.keys())
        cache.write("holidays", _key(source), kept)
    return dates


def holiday_names(source: HolidaySource, year: int) -> list[tuple[dt.date, str]]:
    """The holidays of a year with their names, for rendering."""
    import holidays  # noqa: PLC0415

    found = holidays.country_holidays(
        source.country, subdiv=source.subdivision, categories=source.categories, years=year
    )
    return sorted(found.items())
