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


@functools.cache
def country_facts(country: str) -> tuple[str, tuple[str, ...], tuple[str, ...]] | None:
    """What the `holidays` package knows of a country named by an ISO 3166 code, alpha-2 or alpha-3: its alpha-2
    code, its subdivisions and its holiday categories; None when it knows no such country. Kept between runs like
    the dates, so a timeline whose customers name their countries does not import the package each time."""
    kept = cache.read("countries", country)
    if not isinstance(kept, tuple):
        import holidays  # noqa: PLC0415

        try:
            found = holidays.country_holidays(country)
        except NotImplementedError:
            kept = ()  # known to be unknown
        else:
            kept = (found.country, tuple(found.subdivisions), tuple(found.supported_categories))
        cache.write("countries", country, kept)
    return kept or None


def supported_countries() -> list[str]:
    """Every country code the `holidays` package knows, alpha-2 and alpha-3 (for suggestions: it imports the
    module of every country)."""
    import holidays  # noqa: PLC0415

    return sorted(holidays.list_supported_countries(include_aliases=True))
