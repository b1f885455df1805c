"""Time zones: IANA names only. `CET` in a contract means Central European local time, so an abbreviation is
refused with a suggestion rather than taken as a fixed offset or a guess."""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo

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
def zone(name: str) -> zoneinfo.ZoneInfo:
    """The zone of an IANA name; raises `ValueError` (or `ZoneInfoNotFoundError`) for an unknown one."""
    return zoneinfo.ZoneInfo(name)


@functools.cache
def zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def is_zone(name: str) -> bool:
    """Whether `name` is a time zone the tz database can load (`Europe/Oslo`, `UTC`)."""
    try:
        zone(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def is_abbreviation(name: str) -> bool:
    """Whether a zone name is an abbreviation (`CET`, `EST`) or a tz database name with no place in it (`CET`
    and `Japan` are both in the database): sladsl takes `UTC` and `Area/City` names only. `CET` names a zone
    with summer time, and an author who writes it may mean a fixed +01:00, so it is refused with a suggestion."""
    if name == "UTC" or "/" in name:
        return False
    return name.upper() in ZONE_ABBREVIATIONS or name in zone_names()


def closest_zone(name: str) -> str | None:
    """The tz database name most like `name`, for a did-you-mean."""
    import difflib  # noqa: PLC0415 (only a misspelt zone needs it)

    close = difflib.get_close_matches(name, zone_names(), n=1)
    return close[0] if close else None


def has_summer_time(name: str, year: int) -> bool:
    """Whether the zone's offset differs between January and July of the year (either hemisphere)."""
    tz = zone(name)
    return dt.datetime(year, 1, 15, tzinfo=tz).utcoffset() != dt.datetime(year, 7, 15, tzinfo=tz).utcoffset()
