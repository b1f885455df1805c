"""Hypothesis strategies for timelines: every kind of record an agreement reads, with the names it knows, at
instants that cross DST switches, holidays and month ends; and records that are wrong in the usual ways."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from typing import Any

from hypothesis import strategies as st

from sladsl import model

START = dt.datetime(2025, 3, 24, 6, 0)  # a week before Europe's spring switch, Easter a month on
SPAN_MINUTES = 60 * 24 * 75  # into June: month ends, the spring holidays, Whit Monday


def stamp(minutes: int, zone: str) -> str:
    """An instant `minutes` after `START` in `zone`, written with the offset it has there."""
    tz = zoneinfo.ZoneInfo(zone)
    instant = START.replace(tzinfo=tz) + dt.timedelta(minutes=minutes)
    return instant.astimezone(tz).isoformat()


def _names(agreement: model.Agreement) -> dict[str, list[str]]:
    credits = [c.name for c in agreement.ladders] + [c.name for c in agreement.hourly_credits]
    credits += [c.name for c in agreement.flat_credits]
    tags = sorted({tag for a in agreement.availabilities for tag, _ in a.excluded})
    return {
        "severities": [s.code for s in agreement.severities],
        "plans": [p.name for p in agreement.plans],
        "credits": credits or ["refund"],
        "tags": [*tags, "maintenance", "other"],
    }


@st.composite
def timelines(draw: st.DrawFn, agreement: model.Agreement, *, incidents: int = 8, invalid: bool = True) -> str:
    """JSON Lines for `agreement`, in an order drawn at random (a report may come after its events)."""
    zone = agreement.local_zone
    names = _names(agreement)
    when = st.integers(0, SPAN_MINUTES)
    customers = draw(st.lists(st.sampled_from(["acme", "bolt", "core"]), unique=True, max_size=3))
    records: list[dict[str, Any]] = []
    for customer in customers:
        record: dict[str, Any] = {"type": "customer", "id": customer}
        if names["plans"] and draw(st.booleans()):
            record["plan"] = draw(st.sampled_from(names["plans"]))
        if draw(st.booleans()):
            record["fee"] = draw(st.sampled_from(["1000.00", "250", "0"]))
            record["currency"] = "EUR"
        records.append(record)
    for n in range(draw(st.integers(0, incidents))):
        ident = f"INC-{n}"
        reported = draw(when)
        report: dict[str, Any] = {
            "type": "reported",
            "incident": ident,
            "severity": draw(st.sampled_from(names["severities"])),
            "at": stamp(reported, zone),
        }
        if customers and draw(st.booleans()):
            report["customer"] = draw(st.sampled_from(customers))
        if names["plans"] and draw(st.integers(0, 3)) == 0:
            report["plan"] = draw(st.sampled_from(names["plans"]))
        records.append(report)
        for _ in range(draw(st.integers(0, 5))):
            kind = draw(
                st.sampled_from(
                    ["response", "restore", "resolution", "update", "severity_changed", "paused", "resumed"]
                )
            )
            event: dict[str, Any] = {"type": kind, "incident": ident}
            event["at"] = stamp(
                reported + draw(st.integers(-30, 60 * 24 * 9)), zone
            )  # sometimes before the report
            if kind == "severity_changed":
                event["severity"] = draw(st.sampled_from(names["severities"]))
            records.append(event)
    for n in range(draw(st.integers(0, 4))):
        start = draw(when)
        outage: dict[str, Any] = {
            "type": "outage",
            "id": f"OUT-{n}",
            "start": stamp(start, zone),
            "end": stamp(start + draw(st.integers(1, 60 * 30)), zone),
            "tags": draw(st.lists(st.sampled_from(names["tags"]), max_size=2, unique=True)),
        }
        if customers and draw(st.booleans()):
            outage["customer"] = draw(st.sampled_from(customers))
        if draw(st.booleans()):
            outage["notice"] = stamp(start - draw(st.integers(0, 60 * 24 * 6)), zone)
        if draw(st.booleans()):
            outage["reported"] = stamp(start + draw(st.integers(0, 60 * 24 * 12)), zone)
        records.append(outage)
    for _ in range(draw(st.integers(0, 3))):
        claim: dict[str, Any] = {
            "type": "claim",
            "customer": draw(st.sampled_from(customers or ["customer"])),
            "credit": draw(st.sampled_from(names["credits"])),
            "at": stamp(draw(when) + 60 * 24 * 10, zone),
        }
        if draw(st.booleans()):
            claim["incident"] = f"INC-{draw(st.integers(0, incidents))}"
        else:
            claim["period"] = draw(st.sampled_from(["2025-03", "2025-04", "2025-05", "2025-Q2", "2025"]))
        records.append(claim)
    lines = [json.dumps(r) for r in records]
    if invalid:
        for _ in range(draw(st.integers(0, 3))):
            lines.append(draw(_invalid(names["severities"][0])))
    return "\n".join(draw(st.permutations(lines))) + "\n"


def _invalid(severity: str) -> st.SearchStrategy[str]:
    report = {"type": "reported", "incident": "INC-0", "severity": severity, "at": "2025-04-16T10:00:00+02:00"}
    return st.sampled_from(
        [
            "not json",
            '{"type": "reported", "incident": "INC-1"',  # cut short
            json.dumps({**report, "at": "2025-04-16T10:00:00"}),  # no offset
            json.dumps({**report, "severity": "nonsense"}),
            json.dumps(report),  # a second report of INC-0, or the first of it
            json.dumps({"type": "response", "incident": "INC-99", "at": "2025-04-17T10:00:00+02:00"}),
            json.dumps({"type": "mystery", "incident": "INC-0"}),
            json.dumps({"type": "customer", "id": "acme", "fee": "-1"}),
            json.dumps(
                {"type": "outage", "start": "2025-04-17T10:00:00+02:00", "end": "2025-04-17T09:00:00+02:00"}
            ),
            '{"type": "response", "incident": "INC-0", "at": "2025-04-16T11:00:00+02:00"}\u00a0',
            "[1, 2, 3]",
        ]
    )
