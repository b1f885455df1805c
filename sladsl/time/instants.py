"""Instants: integer seconds since the Unix epoch (UTC). Timestamps in, local wall time out, and wall-clock
arithmetic.

* A timestamp names an instant only with an offset (`+02:00`, `Z`) or a zone in brackets (`[Europe/Oslo]`); a
  naive one is an error, never UTC. A local time the clocks skip, or one they repeat without an offset, is an
  error too. Instants run from 1970-01-01T00:00:00Z up to, not including, 2100-01-01T00:00:00Z.
* Local wall time to instant: a wall time W happens at the first instant at which the local clock shows W or
  later. In a spring-forward gap that is the switch itself; in an autumn overlap it is the first occurrence.
* Wall-clock arithmetic: minutes and hours are real elapsed time; days, weeks and months keep the local clock
  time (a month clips to the last day of a shorter month), then map back by the rule above.
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo

import msgspec
import pendulum

from sladsl.model import WallUnit
from sladsl.time.zones import ZONE_ABBREVIATIONS, closest_zone, is_abbreviation, zone

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

# The instants a timeline may name: from 1970-01-01T00:00:00Z up to, not including, 2100-01-01T00:00:00Z. Every
# real SLA record falls inside; outside it a single typo in a year (9999 for 2025) would have the business clocks
# and the monthly periods walk thousands of years. Bounded, a timeline is checked in bounded time.
FIRST_INSTANT = 0
END_INSTANT = 4_102_444_800


def epoch(moment: dt.datetime) -> int:
    """Integer seconds since the epoch of an aware datetime."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("naive datetime has no instant")
    return int((moment - _EPOCH).total_seconds())


def local(instant: int, zone_name: str) -> dt.datetime:
    """The aware local datetime of an instant."""
    return dt.datetime.fromtimestamp(instant, zone(zone_name))


def wall_text(instant: int, zone_name: str, *, date: bool = True) -> str:
    """`2025-04-16 16:00 Wed` (or with no `date`, `16:00 Wed`): an instant as the local clock and calendar show
    it, for people."""
    return local(instant, zone_name).strftime("%Y-%m-%d %H:%M %a" if date else "%H:%M %a")


def local_date(instant: int, zone_name: str) -> dt.date:
    return local(instant, zone_name).date()


def day_start(day: dt.date, zone_name: str) -> int:
    """The instant a local date begins: its midnight, or the first instant after it when midnight is skipped."""
    return wall_to_instant(dt.datetime.combine(day, dt.time()), zone_name)


@functools.cache
def _minutes_seconds() -> list[str]:
    """`MM:SS` of each second in an hour, made when first asked for (a check that writes text never asks)."""
    return [f"{m:02d}:{s:02d}" for m in range(60) for s in range(60)]


class LocalTimes:
    """Instants as ISO 8601 local text in one zone, exactly as `local(t, zone).isoformat()` writes them.

    Output writes four instants per target, so the local text up to the hour is made once per UTC hour and
    the minutes and seconds are added from integers; an hour in which the offset changes, or an offset that is
    not whole hours, is formatted the slow way."""

    def __init__(self, zone_name: str) -> None:
        self.tz = zone(zone_name)
        self._mmss = _minutes_seconds()
        self._hours: dict[int, tuple[str, str]] = {}  # the UTC hours that `_hour` could make text for
        self._slow: set[int] = set()  # and those it could not

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
        found = self._hours.get(instant // 3600)
        if found is not None:
            return found[0] + self._mmss[instant % 3600] + found[1]
        return self._first_of_hour(instant)

    def _first_of_hour(self, instant: int) -> str:
        """`iso` of an instant in an hour not yet met, or in one that is formatted the slow way."""
        hour = instant // 3600
        if hour not in self._slow:
            if len(self._hours) + len(self._slow) > 200_000:  # about 23 years of hours: start again, not grow
                self._hours.clear()
                self._slow.clear()
            found = self._hour(hour)
            if found is not None:
                self._hours[hour] = found
                return found[0] + self._mmss[instant % 3600] + found[1]
            self._slow.add(hour)
        return dt.datetime.fromtimestamp(instant, self.tz).isoformat()


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
    # Calendar arithmetic on the local wall time: days and weeks move the date and keep the clock time; months
    # are pendulum's (a month clips to the last day of a shorter one). The wall time is then placed on the time
    # line by sladsl's rule for skipped and repeated times, as a plain naive datetime: a pendulum one given a
    # zone loads pendulum's own copy of the zone's rules from disk every time.
    tz = zone(zone_name)
    aware = dt.datetime.fromtimestamp(instant, tz)
    if unit != "month":
        # The common case, in one conversion: when the instant whole days later has the same offset, its local
        # clock shows the moved wall time; unless it is the second showing of a repeated time (`fold`), it is
        # the first instant that does, which is what `wall_to_instant` finds. Else the rule below decides.
        later = instant + amount * (86400 if unit == "day" else 7 * 86400)
        moved = dt.datetime.fromtimestamp(later, tz)
        if not moved.fold and moved.utcoffset() == aware.utcoffset():
            return later
    start = aware.replace(tzinfo=None)
    if unit == "day":
        wall = start + dt.timedelta(days=amount)
    elif unit == "week":
        wall = start + dt.timedelta(weeks=amount)
    else:
        moved = pendulum.naive(*start.timetuple()[:6]).add(months=amount)
        wall = dt.datetime(moved.year, moved.month, moved.day, moved.hour, moved.minute, moved.second)
    return wall_to_instant(wall, zone_name)


class TimestampError(ValueError):
    """A timestamp that names no single instant; `code` is its diagnostic code."""

    def __init__(self, code: str, message: str, help_text: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.help = help_text


# For each fixed offset met in timestamps: the epoch's day in seconds, plus the offset. None is never a key.
_SHIFTS: dict[dt.tzinfo | None, int] = {}
_UNIX_DAY = dt.date(1970, 1, 1).toordinal()


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
    shift = _SHIFTS.get(moment.tzinfo)  # None for a timestamp with no offset: None is never a key
    if shift is None:
        delta = moment.utcoffset()
        if delta is None or delta.microseconds or type(moment.tzinfo) is not dt.timezone:
            return parse_instant_slowly(text)
        shift = _SHIFTS[moment.tzinfo] = _UNIX_DAY * 86400 + delta.days * 86400 + delta.seconds
    instant = moment.toordinal() * 86400 + moment.hour * 3600 + moment.minute * 60 + moment.second - shift
    if FIRST_INSTANT <= instant < END_INSTANT:
        return instant
    return _in_range(text, instant)


_fromisoformat = dt.datetime.fromisoformat


def parse_instant_in(text: str, zone_name: str) -> int:
    """An instant a person names, as `parse_instant` reads it, except that a local time with neither offset nor
    zone is read in `zone_name` (the agreement's), under the same rules: a time the clocks skip or repeat there
    is an error that says which offsets would do. A timeline's timestamps never get this leniency."""
    try:
        return parse_instant(text)
    except TimestampError as error:
        if error.code != "E0304":
            raise
    return parse_instant_slowly(f"{text}[{zone_name}]")


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
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder of the database
            close = closest_zone(zone_name)
            raise TimestampError(
                "E0314",
                f"time zone `{zone_name}` is not known",
                f"did you mean `{close}`?" if close else "use an IANA name like `Europe/Oslo`",
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
                f"add the offset: `{_offset_text(first)}` for the first time or `{_offset_text(second)}` for the "
                "second",
            )
        else:
            moment = first
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise TimestampError(
            "E0304", f"`{text}` has no offset or zone", "add an offset like `+02:00` (or `Z`), or `[Europe/Oslo]`"
        )
    return _in_range(text, epoch(moment.replace(microsecond=0)))


def _offset_text(moment: dt.datetime) -> str:
    """A moment's offset as a timestamp writes it: `+02:00`, `-04:00`, `+05:45`."""
    delta = moment.utcoffset()
    assert delta is not None
    seconds = int(delta.total_seconds())
    sign = "-" if seconds < 0 else "+"
    return f"{sign}{abs(seconds) // 3600:02d}:{abs(seconds) % 3600 // 60:02d}"


def offset_hint(text: str, zone_name: str) -> str:
    """Help for a timestamp with no offset or zone: the offset `zone_name` has at that local time (both, when the
    clocks go back then), or the zone in brackets."""
    try:
        naive = dt.datetime.fromisoformat(text.strip()).replace(tzinfo=None)
        tz = zone(zone_name)
    except (ValueError, OSError, zoneinfo.ZoneInfoNotFoundError):
        return f"add an offset (or `Z`), or a zone such as `[{zone_name}]`"
    offsets = dict.fromkeys(_offset_text(naive.replace(tzinfo=tz, fold=f)) for f in (0, 1))
    said = " or ".join(f"`{o}`" for o in offsets)
    zoned = f"{text.strip()}[{zone_name}]"
    return f"add the offset, {said} in {zone_name} at that time (or `Z`), or the zone: `{zoned}`"


# -- timestamps in exports ------------------------------------------------------------------------------------

AMBIGUOUS_RULES = ("reject", "earlier", "later")


class Placed(msgspec.Struct, frozen=True):
    """An export's timestamp placed on the time line: its instant, and when it was a repeated local time placed by
    a rule the caller chose, a sentence naming that rule (`earlier`: the first time the clock showed it)."""

    instant: int
    rule: str | None = None


def read_export_time(
    text: str, zone_name: str | None, formats: tuple[str, ...] = (), ambiguous: str = "reject"
) -> Placed:
    """The instant of a timestamp as a ticketing tool exports it: ISO 8601 with or without an offset (`Z`,
    `+01:00`, `-0600`, a space for the `T`, parts of a second), or one of `formats` (`strptime` codes, such as
    `%d/%b/%y %I:%M %p` for Jira's CSV). A time without an offset is local time in `zone_name`; with no zone it
    names no instant (`E0405`). A local time the clocks skip names no instant (`E0407`); one they repeat is
    refused (`E0408`) unless `ambiguous` says which of the two to take, and then the rule is named in the result.
    Raises `TimestampError` with the code."""
    body = text.strip()
    moment: dt.datetime | None = None
    try:
        moment = dt.datetime.fromisoformat(body)
    except ValueError:
        for form in formats:
            try:
                moment = dt.datetime.strptime(body, form)
                break
            except ValueError:
                continue
    if moment is None:
        tried = ", ".join(f"`{f}`" for f in formats)
        raise TimestampError(
            "E0406",
            f"`{text}` is not a timestamp the mapping reads",
            f"ISO 8601 is read, and the formats under [time] in the mapping ({tried})"
            if formats
            else "ISO 8601 is read (`2025-04-16 16:00:00`); for another layout, list it under [time] in the "
            'mapping, as `formats = ["%d/%b/%y %I:%M %p"]`',
        )
    if moment.tzinfo is not None and moment.utcoffset() is not None:
        return Placed(_in_range(text, epoch(moment.replace(microsecond=0))))
    naive = moment.replace(tzinfo=None, microsecond=0)
    if zone_name is None:
        raise TimestampError(
            "E0405",
            f"`{text}` has no offset, and the mapping names no zone for it",
            'name the zone the tool wrote its times in, under [time] in the mapping: `zone = "Area/City"`',
        )
    tz = zone(zone_name)
    first, second = naive.replace(tzinfo=tz, fold=0), naive.replace(tzinfo=tz, fold=1)
    before, after = _offset_text(first), _offset_text(second)
    if dt.datetime.fromtimestamp(first.timestamp(), tz).replace(tzinfo=None) != naive:
        # In a gap fold=0 takes the offset before the switch and fold=1 the one after (PEP 495).
        raise TimestampError(
            "E0407",
            f"{naive:%Y-%m-%d %H:%M} does not exist in {zone_name}: the clocks go forward there, from {before} to "
            f"{after}",
            "no instant has this local time; check the tool's zone setting, or export times with offsets",
        )
    if before == after:
        return Placed(_in_range(text, epoch(first)))
    if ambiguous == "reject":
        raise TimestampError(
            "E0408",
            f"{naive:%Y-%m-%d %H:%M} happens twice in {zone_name}: the clocks go back there, from {before} to "
            f"{after}",
            f'say which one the tool meant under [time] in the mapping: `ambiguous = "earlier"` ({before}) or '
            f'`"later"` ({after}); or export times with offsets',
        )
    chosen, offset = (first, before) if ambiguous == "earlier" else (second, after)
    rule = (
        f"{naive:%Y-%m-%d %H:%M} happens twice in {zone_name} (the clocks go back from {before} to {after}); "
        f'the mapping\'s `ambiguous = "{ambiguous}"` took it as {offset}'
    )
    return Placed(_in_range(text, epoch(chosen)), rule)
