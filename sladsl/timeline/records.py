"""Timeline records, checked one at a time against the agreement.

Record types (the `type` field) and their fields; `at`, `start`, `end`, `notice` and `reported` are timestamps
with an offset or a bracketed zone:

* `customer`: `id`, optional `plan`, `add_ons` (a list of the agreement's add-ons held beside the plan; in CSV
  a cell of names separated by `;`), `fee` (a decimal string or number), `fee_period` (what the fee pays for:
  `month`, the default, `quarter` or `year`), `currency`, and `zone` (the customer's own, for showing times as
  the customer saw them)
* `reported`: `incident`, `at`, `severity`, optional `customer`, `plan` (else the customer's), `channel`
* `response`, `restore`, `resolution`, `update`: `incident`, `at`
* `severity_changed`: `incident`, `at`, `severity`
* `paused`, `resumed`: `incident`, `at` (waiting on the customer)
* `outage`: `start`, `end`, optional `id`, `customer` (else every customer), `tags` (a list), `notice` (when
  planned maintenance was announced), `reported` (when the customer reported it, for a `report within` window)
* `claim`: `at`, `incident` or `period` (`2025`, `2025-Q2`, `2025-06`), optional `customer`, `credit` (a credit's
  name)

A record is checked against the agreement (severities, plans, credits, exclusion tags) and against the timeline:
once it has `customer` records, every customer a record names is one of them.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Collection, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from sladsl import model
from sladsl.diagnostics import Diagnostic, Label, did_you_mean
from sladsl.source import Span
from sladsl.time.instants import TimestampError, offset_hint, parse_instant
from sladsl.time.periods import is_period_name
from sladsl.time.zones import ZONE_ABBREVIATIONS, closest_zone, is_abbreviation, is_zone
from sladsl.timeline.formats import Entry, Reject, Reported, SeverityChanged, Typed
from sladsl.value import Value

EVENT_TYPES = ("response", "restore", "resolution", "update", "severity_changed", "paused", "resumed")
INCIDENT_TYPES = frozenset(("reported", *EVENT_TYPES))
RECORD_TYPES = ("customer", "reported", *EVENT_TYPES, "outage", "claim")
DEFAULT_CUSTOMER = "customer"
MAINTENANCE_TAG = "maintenance"  # an outage that is planned maintenance: its `notice` says when it was announced
AMOUNT_DIGITS, AMOUNT_PLACES = 15, 6  # an amount other than 0 is below 10**15 and at least 10**-6
FEE_MONTHS: dict[model.PeriodUnit, int] = {"month": 1, "quarter": 3, "year": 12}
SHARED = 10_000  # how many distinct customer ids, channels and tags a reader keeps one copy of
_TYPES = {t: t for t in RECORD_TYPES}

# The records are values, never changed once read: frozen Structs, made in C, equal whatever their place. `seq` is
# the record's number in its timeline, `where` its place. A report or an event, of which a timeline is mostly
# made, keeps the entry it was read from and makes its span only when a diagnostic asks for it.


class Customer(Value, frozen=True):
    __unequal__ = frozenset({"seq", "where"})

    id: str
    plan: str | None
    fee: Decimal | None
    currency: str | None
    zone: str | None
    seq: int
    where: Span
    fee_period: model.PeriodUnit = "month"

    def fee_for(self, months: int) -> Decimal | None:
        """The fee for `months` calendar months, from the fee for its own period; None when it is not known."""
        if self.fee is None:
            return None
        paid_for = FEE_MONTHS[self.fee_period]
        return self.fee * months if paid_for == 1 else self.fee * months / paid_for

    add_ons: tuple[str, ...] = ()
    place: model.Place | None = None  # where it is, for the calendars that follow the customer


class Incident(Value, frozen=True):
    """A `reported` record: an incident, its severity and who reported it when."""

    __unequal__ = frozenset({"seq", "entry"})

    id: str
    customer: str
    severity: str
    plan: str | None
    channel: str | None
    reported: int
    seq: int
    entry: Entry
    tags: tuple[str, ...] = ()  # each one an `exclude incidents tagged` of the agreement names

    @property
    def where(self) -> Span:
        return self.entry.where


class Event(Value, frozen=True):
    """Something that happened to an incident: a response, restore, resolution, update, change of severity, or
    a pause while waiting on the customer and its end."""

    __unequal__ = frozenset({"seq", "entry"})

    incident: str
    kind: str
    at: int
    severity: str | None
    seq: int
    entry: Entry

    @property
    def where(self) -> Span:
        return self.entry.where


class Outage(Value, frozen=True):
    __unequal__ = frozenset({"seq", "where"})

    id: str
    customer: str | None
    start: int
    end: int
    tags: tuple[str, ...]
    notice: int | None
    reported: int | None
    seq: int
    where: Span


class Claim(Value, frozen=True):
    __unequal__ = frozenset({"seq", "where"})

    customer: str
    at: int
    credit: str | None
    incident: str | None
    period: str | None
    seq: int
    where: Span


Record = Customer | Incident | Event | Outage | Claim
Fields = dict[str, Any] | Typed  # a record's fields: parsed as a dict, or decoded as a typed struct


def text(raw: Mapping[str, Any] | Typed, key: str, required: bool = True) -> str | None:
    """A field's text (`text_of` its value)."""
    return text_of(raw.get(key), key, required)


def text_of(value: Any, key: str, required: bool = True) -> str | None:
    """The text of field `key`'s value. An empty (or blank) string is not a value: an outage for customer ""
    would be for no customer at all, and an incident "" could not be told from a missing id. (A CSV's empty cell
    is a field left out; a cell of spaces is empty.) A number is taken as its text."""
    if type(value) is str:
        if value and not value.isspace():
            return value
        advice = "give it a value" if required else "give it a value, or leave the field out"
        raise Reject("E0303", f"`{key}` is empty", advice, key)
    if value is None:
        if required:
            raise Reject("E0303", f"the record has no `{key}`")
        return None
    if isinstance(value, (dict, list, bool)):
        raise Reject("E0303", f"`{key}` must be a string", key=key)
    if type(value) is int and -WHOLE < value < WHOLE:
        return str(value)
    raise Reject(  # a fraction, or a number JSON readers round (`1e23` and `100000000000000000000001` alike)
        "E0303",
        f"`{key}` is a number that is not a whole number of at most 18 digits",
        f'write it as a string: `"{key}": "..."`',
        key,
    )


WHOLE = 10**18  # a number given as an id or a name is a whole number below this; larger ones are read as floats


def key_of(raw: Any) -> tuple[str, str] | None:
    """Whom a record concerns, as the reader will read it: `("incident", id)` for a report or an event,
    `("customer", id)` for a customer record, None for anything else (an outage, a claim, a record that names
    no one). Records with one key must be seen together before the incident or customer they describe can be
    decided."""
    if isinstance(raw, Typed):
        try:
            return ("incident", raw.incident) if text_of(raw.incident, "incident") else None
        except Reject:
            return None
    if type(raw) is not dict:
        return None
    kind = raw.get("type")
    if type(kind) is not str:
        return None
    if kind == "customer":
        field = "id"
    elif kind in INCIDENT_TYPES:
        field = "incident"
    else:
        return None
    try:
        found = text(raw, field)
    except Reject:
        return None
    return None if found is None else (kind if kind == "customer" else "incident", found)


class RecordReader:
    """Checks entries against the agreement and the timeline: their type, fields, timestamps, severities and
    plans; the credits and periods claims name; the tags of outages; and, when the timeline declares its
    customers (`declared`: the ids of its `customer` records), that every customer named is one of them."""

    def __init__(self, agreement: model.Agreement, declared: Collection[str] = ()) -> None:
        self.agreement = agreement
        # Each maps a value to the agreement's own string, so held records share one copy of it.
        self.severities = {s.code: s.code for s in agreement.severities}
        self.plans = {p.name: p.name for p in agreement.plans}
        self.add_ons = {p.name: p.name for p in agreement.add_ons}
        self.credits = credit_names(agreement)
        self.tags = {MAINTENANCE_TAG: MAINTENANCE_TAG} | {
            tag: tag for commitment in agreement.availabilities for tag, _ in commitment.excluded
        }
        self.incident_tag_names = {e.tag: e.tag for e in agreement.incident_exclusions}
        self.declared = declared
        self.shared: dict[str, str] = {}
        following = agreement.follows_customer
        # The first calendar that takes the customer's zone, and every one that takes its holidays (each may
        # close on other categories): a customer record must give what they take.
        self.zone_from = next((c for c in following if c.zone_of_customer), None)
        self.holidays_from = tuple(c for c in following if c.customer_holidays is not None)

    def read(self, entry: Entry) -> Record:
        """The record an entry holds; `Reject` when it cannot be used."""
        raw = entry.raw
        if isinstance(raw, Typed):  # a report or an event: its fields' JSON types are known to be right
            if isinstance(raw, Reported):
                return self.reported(
                    entry, raw.incident, raw.at, raw.severity, raw.customer, raw.plan, raw.channel, raw.tags
                )
            severity = raw.severity if isinstance(raw, SeverityChanged) else None
            return self.event(entry, raw.kind, raw.incident, raw.at, severity)
        if isinstance(raw, Reject):
            raise raw
        if not isinstance(raw, dict):
            raise Reject("E0302", "a record must be a JSON object")
        kind = raw.get("type")
        kind = _TYPES.get(kind, kind) if isinstance(kind, str) else kind  # the constant, not the record's copy
        if not isinstance(kind, str) or kind not in _TYPES:
            guess = did_you_mean(str(kind), RECORD_TYPES) if kind is not None else None
            raise Reject(
                "E0302",
                f"unknown record type `{kind}`" if kind is not None else "the record has no `type`",
                f"did you mean `{guess}`?" if guess else "types: " + ", ".join(RECORD_TYPES),
                "type" if kind is not None else None,
            )
        if kind == "customer":
            return self.customer(entry, raw)
        if kind == "reported":
            return self.reported(
                entry,
                raw.get("incident"),
                raw.get("at"),
                raw.get("severity"),
                raw.get("customer"),
                raw.get("plan"),
                raw.get("channel"),
                raw.get("tags"),
            )
        if kind == "outage":
            return self.outage(entry, raw)
        if kind == "claim":
            return self.claim(entry, raw)
        return self.event(entry, kind, raw.get("incident"), raw.get("at"), raw.get("severity"))

    # -- fields ------------------------------------------------------------------------------------------

    def share(self, value: str) -> str:
        """One string object for a value that many records repeat (a customer id, a channel): a held record then
        does not keep its own copy. The first `SHARED` distinct values are kept."""
        kept = self.shared.get(value)
        if kept is not None:
            return kept
        if len(self.shared) < SHARED:
            self.shared[value] = value
        return value

    def instant(self, raw: Fields, key: str, required: bool = True) -> int | None:
        return self.instant_of(raw.get(key), key, required)

    def instant_of(self, given: Any, key: str, required: bool = True) -> int | None:
        # A timestamp is most often a string that is not blank: `text_of` is called for anything else.
        value = given if type(given) is str and given and not given.isspace() else text_of(given, key, required)
        if value is None:
            return None
        try:
            return parse_instant(value)
        except TimestampError as error:
            hint = offset_hint(value, self.agreement.local_zone) if error.code == "E0304" else error.help
            raise Reject(error.code, f"`{key}`: {error}", hint, key) from None

    def severity(self, given: Any) -> str:
        """The agreement's severity of a `severity` field's value."""
        code = text_of(given, "severity")
        assert code is not None
        if code not in self.severities:
            guess = did_you_mean(code, self.severities)
            raise Reject(
                "E0308",
                f"severity `{code}` is not in the agreement",
                f"did you mean `{guess}`?" if guess else "known: " + ", ".join(sorted(self.severities)),
                "severity",
            )
        return self.severities[code]

    def plan(self, given: Any) -> str | None:
        """The agreement's plan of a `plan` field's value, None if there is none."""
        name = text_of(given, "plan", required=False)
        if name is not None and name in self.add_ons:
            raise Reject(
                "E0309",
                f"`{name}` is an add-on, not a plan",
                "an add-on is held beside a plan: name it in the customer's `add_ons`"
                + (f", and the plan in `plan` ({', '.join(sorted(self.plans))})" if self.plans else ""),
                "plan",
            )
        if name is not None and name not in self.plans:
            guess = did_you_mean(name, self.plans)
            raise Reject(
                "E0309",
                f"plan `{name}` is not in the agreement",
                f"did you mean `{guess}`?"
                if guess
                else ("known: " + ", ".join(sorted(self.plans)))
                if self.plans
                else "the agreement has no plans",
                "plan",
            )
        return None if name is None else self.plans[name]

    def held_add_ons(self, raw: Fields) -> tuple[str, ...]:
        """A customer's `add_ons`: each one of the agreement's add-ons (a list; in CSV, names separated by `;`)."""
        given = raw.get("add_ons")
        if given is None:
            return ()
        if isinstance(given, str):  # a CSV cell
            given = [name.strip() for name in given.split(";") if name.strip()]
        if not isinstance(given, list) or not all(isinstance(name, str) and name for name in given):
            raise Reject("E0303", "`add_ons` must be a list of add-on names", key="add_ons")
        for name in given:
            if name not in self.add_ons:
                if name in self.plans:
                    why, hint = (
                        f"`{name}` is a plan, not an add-on",
                        "name it in `plan`: a customer holds one plan",
                    )
                else:
                    guess = did_you_mean(name, self.add_ons)
                    why = f"add-on `{name}` is not in the agreement"
                    hint = (
                        f"did you mean `{guess}`?"
                        if guess
                        else ("known: " + ", ".join(sorted(self.add_ons)))
                        if self.add_ons
                        else "the agreement has no add-ons"
                    )
                raise Reject("E0330", why, hint, "add_ons")
        return tuple(dict.fromkeys(self.add_ons[name] for name in given))

    def zone(self, raw: Fields) -> str | None:
        name = text(raw, "zone", required=False)
        if name is None:
            return None
        if is_abbreviation(name):
            suggestion = ZONE_ABBREVIATIONS.get(name.upper())
            raise Reject(
                "E0318",
                f"`{name}` is an abbreviation, not a time zone",
                f"name the place instead, for example `{suggestion}`"
                if suggestion
                else "name the place instead, as `Area/City`",
                "zone",
            )
        if not is_zone(name):
            close = closest_zone(name)
            raise Reject(
                "E0314",
                f"time zone `{name}` is not known",
                f"did you mean `{close}`?" if close else "use an IANA name like `Europe/Oslo`",
                "zone",
            )
        return name

    def amount(self, raw: Fields, key: str) -> Decimal | None:
        value = raw.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise Reject("E0313", f"`{key}` must be a number", key=key)
        if isinstance(value, float) and not math.isfinite(value):
            raise Reject("E0313", f"`{key}` must be a finite number", key=key)
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise Reject("E0313", f"`{key}` is not a number: `{value}`", key=key) from None
        if not number.is_finite() or number < 0:
            raise Reject("E0313", f"`{key}` must be zero or more, not `{value}`", key=key)
        if number and not -AMOUNT_PLACES <= number.adjusted() < AMOUNT_DIGITS:
            raise Reject(
                "E0313",
                f"`{key}` is too {'large' if number.adjusted() > 0 else 'small'}: `{value}`",
                f"an amount is 0, or from 0.{'0' * (AMOUNT_PLACES - 1)}1 up to below 10^{AMOUNT_DIGITS}",
                key=key,
            )
        return number

    def customer_named(self, given: Any, everyone: bool = False) -> str | None:
        """The customer a record names in its `customer` field (`given`, that field's value). When the timeline
        declares its customers, it is one of them, and a report or claim must name one; an outage that names none
        is everyone's (`everyone`). When it declares none, a report or claim that names none belongs to
        `customer`."""
        name = text_of(given, "customer", required=False)
        declared = self.declared
        if not declared:
            return name if name is not None or everyone else DEFAULT_CUSTOMER
        if name is None:
            if everyone:
                return None
            raise Reject(
                "E0321",
                "the record names no customer, and the timeline declares its customers",
                "add `customer`: " + _some(declared),
            )
        if name not in declared:
            guess = did_you_mean(name, declared)
            raise Reject(
                "E0321",
                f"customer `{name}` is not declared by a `customer` record",
                f"did you mean `{guess}`?" if guess else "declared: " + _some(declared),
                "customer",
            )
        return name

    # -- records -----------------------------------------------------------------------------------------

    def customer(self, entry: Entry, raw: Fields) -> Customer:
        ident = text(raw, "id")
        assert ident is not None
        plan, fee = self.plan(raw.get("plan")), self.amount(raw, "fee")
        currency, zone = text(raw, "currency", required=False), self.zone(raw)
        return Customer(
            ident,
            plan,
            fee,
            currency,
            zone,
            entry.seq,
            entry.where,
            self.fee_period(raw),
            self.held_add_ons(raw),
            self.place(raw, zone),
        )

    def place(self, raw: Fields, zone: str | None) -> model.Place | None:
        """Where a customer is, for the calendars that follow it: its zone (`zone`, read already) and the country
        and subdivision of its public holidays. A country given is checked whether or not a calendar needs it."""
        country = text(raw, "country", required=False)
        subdivision = text(raw, "subdivision", required=False)
        if subdivision is not None and country is None:
            raise Reject("E0303", "`subdivision` is given without a `country`", "add `country`", "subdivision")
        if country is not None:
            country, subdivision = self.holiday_country(country, subdivision)
        needs = self.zone_from if zone is None else None
        if needs is not None:
            raise Reject(
                "E0326",
                f"calendar `{needs.name}` follows the customer's zone, and this customer names none",
                'add `"zone"`: an IANA name like `Europe/Oslo`',
            )
        if country is None and self.holidays_from:
            raise Reject(
                "E0326",
                f"calendar `{self.holidays_from[0].name}` closes on the customer's public holidays, and this "
                "customer names no country",
                'add `"country"`: an ISO 3166 code like `NO` or `NOR`',
            )
        if zone is None and country is None:
            return None
        return model.Place(zone, country, subdivision)

    def holiday_country(self, country: str, subdivision: str | None) -> tuple[str, str | None]:
        """A customer's `country` (read as its ISO 3166 alpha-2 code) and `subdivision`, both known to the
        `holidays` package."""
        from sladsl.time.holidays import country_facts, supported_countries  # noqa: PLC0415 - only when given

        found = country_facts(country)
        if found is None:
            guess = did_you_mean(country, [c for c in supported_countries() if len(c) == len(country)])
            advice = "use an ISO 3166 code, alpha-2 like `NO` or alpha-3 like `NOR`"
            raise Reject(
                "E0325",
                f"no public holidays are known for country `{country}`",
                f"did you mean `{guess}`?" if guess else advice,
                "country",
            )
        code, known, categories = found
        if subdivision is not None and subdivision not in known:
            guess = did_you_mean(subdivision, known)
            raise Reject(
                "E0325",
                f"`{code}` has no subdivision `{subdivision}`",
                f"did you mean `{guess}`?" if guess else "known: " + _some(known),
                "subdivision",
            )
        for calendar in self.holidays_from:
            for category in calendar.customer_holidays or ():
                if category in categories:
                    continue
                raise Reject(
                    "E0325",
                    f"`{code}` has no holiday category `{category}`, which calendar `{calendar.name}` closes on",
                    "known: " + ", ".join(categories),
                    "country",
                )
        return code, subdivision

    def fee_period(self, raw: Fields) -> model.PeriodUnit:
        name = text(raw, "fee_period", required=False)
        if name is None:
            return "month"
        if name not in FEE_MONTHS:
            guess = did_you_mean(name, FEE_MONTHS)
            raise Reject(
                "E0324",
                f"`fee_period` must be `month`, `quarter` or `year`, not `{name}`",
                f"did you mean `{guess}`?" if guess else "the period the `fee` pays for: month, quarter or year",
                "fee_period",
            )
        return name

    def reported(self, entry: Entry, *fields: Any) -> Incident:
        """A `reported` record, from the values of its `incident`, `at`, `severity`, `customer`, `plan`,
        `channel` and `tags` fields (None for one left out), checked in the order incident, at, customer,
        severity, plan, channel, tags."""
        given_ident, given_at, given_severity, given_customer, given_plan, given_channel, given_tags = fields
        # An id is most often a string that is not blank, as a timestamp is (`instant_of`): `text_of` for the rest.
        filled = type(given_ident) is str and given_ident and not given_ident.isspace()
        ident = given_ident if filled else text_of(given_ident, "incident")
        assert ident is not None
        at = self.instant_of(given_at, "at")
        assert at is not None
        customer = self.customer_named(given_customer)
        assert customer is not None
        if not self.declared and (self.zone_from is not None or self.holidays_from):
            following = self.zone_from or self.holidays_from[0]
            raise Reject(
                "E0326",
                f"calendar `{following.name}` follows the customer, and the timeline declares no customers",
                "add a `customer` record for each customer, with its `zone` and `country`",
            )
        severity, plan = self.severity(given_severity), self.plan(given_plan)
        channel = text_of(given_channel, "channel", required=False)
        channel = None if channel is None else self.share(channel)
        tags = () if given_tags is None else self.incident_tags(given_tags)
        return Incident(ident, self.share(customer), severity, plan, channel, at, entry.seq, entry, tags)

    def incident_tags(self, tags: Any) -> tuple[str, ...]:
        """An incident's tags: each one the agreement excludes incidents for."""
        return _known_tags(
            tags,
            self.incident_tag_names,
            "E0331",
            "not one the agreement excludes incidents for",
            "the agreement has no `exclude incidents tagged`",
        )

    def event(self, entry: Entry, kind: str, given_ident: Any, given_at: Any, given_severity: Any) -> Event:
        """An event of kind `kind`, from the values of its `incident`, `at` and (for a change of severity)
        `severity` fields."""
        filled = type(given_ident) is str and given_ident and not given_ident.isspace()  # as in `reported`
        incident = given_ident if filled else text_of(given_ident, "incident")
        assert incident is not None
        at = self.instant_of(given_at, "at")
        assert at is not None
        severity = self.severity(given_severity) if kind == "severity_changed" else None
        return Event(incident, kind, at, severity, entry.seq, entry)

    def outage(self, entry: Entry, raw: Fields) -> Outage:
        start, end = self.instant(raw, "start"), self.instant(raw, "end")
        assert start is not None and end is not None
        if end <= start:
            raise Reject("E0312", "the outage ends before it starts", "`end` must come after `start`", "end")
        tags = self.outage_tags(raw)
        ident = text(raw, "id", required=False) or f"outage at line {entry.where.line}"
        customer = self.customer_named(raw.get("customer"), everyone=True)
        notice = self.instant(raw, "notice", required=False)
        if notice is not None and MAINTENANCE_TAG not in tags:
            raise Reject(
                "E0323",
                "an outage with a `notice` is planned maintenance, but it has no `maintenance` tag",
                'add "maintenance" to its `tags`, or leave out `notice` if it was not planned',
                "notice",
            )
        return Outage(
            ident,
            None if customer is None else self.share(customer),
            start,
            end,
            tags,
            notice,
            self.instant(raw, "reported", required=False),
            entry.seq,
            entry.where,
        )

    def outage_tags(self, raw: Fields) -> tuple[str, ...]:
        """An outage's tags: each the agreement's (a tag one of its commitments excludes) or `maintenance`."""
        return _known_tags(
            raw.get("tags", []), self.tags, "E0320", "not one the agreement excludes, nor `maintenance`"
        )

    def claim(self, entry: Entry, raw: Fields) -> Claim:
        at = self.instant(raw, "at")
        assert at is not None
        customer = self.customer_named(raw.get("customer"))
        assert customer is not None
        credit = text(raw, "credit", required=False)
        if credit is not None and credit not in self.credits:
            guess = did_you_mean(credit, self.credits)
            raise Reject(
                "E0319",
                f"credit `{credit}` is not in the agreement",
                f"did you mean `{guess}`?"
                if guess
                else ("credits: " + _some(self.credits))
                if self.credits
                else "the agreement has no credits",
                "credit",
            )
        incident, period = text(raw, "incident", required=False), text(raw, "period", required=False)
        if (incident is None) == (period is None):
            raise Reject(
                "E0322",
                "a claim names the `incident` or the `period` it claims for"
                if incident is None
                else "a claim names an `incident` or a `period`, not both",
                "an incident's credit is claimed by its id; a period's by its name: 2025, 2025-Q2 or 2025-06",
                None if incident is None else "period",
            )
        if period is not None and not is_period_name(period):
            raise Reject(
                "E0322",
                f"`{period}` is not a period",
                "name a year, quarter or month, as 2025, 2025-Q2 or 2025-06, from 1970 to 2099",
                "period",
            )
        return Claim(customer, at, credit, incident, period, entry.seq, entry.where)


def credit_names(agreement: model.Agreement) -> dict[str, str]:
    """Every credit the agreement defines, by name: its ladders, hourly credits and flat credits."""
    names = [c.name for c in agreement.ladders]
    names += [c.name for c in agreement.hourly_credits]
    names += [c.name for c in agreement.flat_credits]
    return {name: name for name in names}


def _known_tags(
    tags: Any, known: dict[str, str], code: str, wording: str, none_known: str | None = None
) -> tuple[str, ...]:
    """A record's `tags`, each mapped to the agreement's own string, in the record's order, repeats kept; `Reject`
    when they are not a list of strings (E0303) or one is not in `known` (`code`, the message saying the tag is
    `wording`). Its help suggests the closest known tag, else lists them, else, with none known, says
    `none_known` (when given)."""
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise Reject("E0303", "`tags` must be a list of strings", key="tags")
    for tag in tags:
        if tag not in known:
            guess = did_you_mean(tag, known)
            if guess:
                hint = f"did you mean `{guess}`?"
            elif known or none_known is None:
                hint = "tags: " + _some(known)
            else:
                hint = none_known
            raise Reject(code, f"tag `{tag}` is {wording}", hint, "tags")
    return tuple(known[t] for t in tags)


def _some(names: Collection[str], most: int = 8) -> str:
    """Names for a help line: the first `most` in order, and how many more."""
    shown = heapq.nsmallest(most, names)  # not all of them sorted: a timeline may declare a million customers
    head = ", ".join(f"`{n}`" for n in shown)
    return head if len(names) <= most else f"{head} and {len(names) - most:,} more"


def rejection(where: Span, text: str | bytes, error: Reject) -> Diagnostic:
    """The diagnostic for a record that cannot be used: the caret on the field at fault when it can be found in
    the record's text, else on the whole record."""
    primary, label = where, "record rejected"
    found = field_span(where, text, error.key) if error.key else None
    if found is not None:
        primary, label = found, "here"
    elif error.at is not None:
        body = text.decode("utf-8", errors="replace") if isinstance(text, bytes) else text
        found = span_within(where, body, error.at, error.end if error.end is not None else error.at + 1)
        primary, label = found, "not UTF-8" if error.code == "E0315" else "here"
    secondary = (Label(where, "record rejected"),) if found is not None and found.line != where.line else ()
    return Diagnostic(error.code, error.message, primary, label, secondary=secondary, help=error.help)


def field_span(where: Span, text: str | bytes, key: str) -> Span | None:
    """The span of a field's value inside a JSON record's text, for the smallest useful caret."""
    body = text.decode("utf-8", errors="replace") if isinstance(text, bytes) else text
    at = body.find(f'"{key}"')
    if at < 0:
        return None
    colon = body.find(":", at)
    start = colon + 1
    while start < len(body) and body[start] in " \t\r\n":
        start += 1
    if start >= len(body):
        return None
    if body[start] == '"':
        end = body.find('"', start + 1) + 1 or len(body)
    else:
        end = start
        while end < len(body) and body[end] not in ",}\r\n":
            end += 1
    return span_within(where, body, start, end)


def span_within(where: Span, body: str, start: int, end: int) -> Span:
    """A span from character `start` to `end` of a record's or an export row's text (which may run over several
    lines)."""
    line = where.line + body.count("\n", 0, start)
    line_start = body.rfind("\n", 0, start) + 1
    column = (where.column if line == where.line else 1) + start - line_start
    end_line = where.line + body.count("\n", 0, end)
    end_start = body.rfind("\n", 0, end) + 1
    end_column = (where.column if end_line == where.line else 1) + end - end_start
    return Span(where.file, where.start + start, where.start + end, line, column, end_line, end_column)
