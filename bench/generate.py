"""Synthetic timelines for Izy's agreement, realistic enough to exercise what makes check slow and wrong.

An event log as a ticket system exports it: records in time order. Incidents of every severity for several
customers over several years, reported at all hours (so many fall outside core hours, on weekends, Norwegian
holidays and DST weekends); most are answered, some late, a few never; many are resolved. Outages with and
without exclusion tags, planned maintenance with notice. Timestamps carry Oslo's real offset at the time (+01:00
or +02:00). Memory stays flat however many incidents are asked for.

    python bench/generate.py 100000 > /tmp/timeline.jsonl
    python bench/generate.py 100000 --mixed > /tmp/mixed.jsonl   # for tests/data/engine/all-features.sla
    python bench/generate.py 165000 --customers 3300 > /tmp/many.jsonl
"""

from __future__ import annotations

import argparse
import datetime as dt
import heapq
import json
import random
import sys
import zoneinfo
from collections.abc import Iterator
from pathlib import Path

OSLO = zoneinfo.ZoneInfo("Europe/Oslo")
START = int(dt.datetime(2024, 1, 1, tzinfo=OSLO).timestamp())


def _iso(instant: int) -> str:
    return dt.datetime.fromtimestamp(instant, OSLO).isoformat()


def generate(incidents: int, customers: int = 50, years: int = 3, seed: int = 2026) -> Iterator[str]:
    rng = random.Random(seed)
    for c in range(customers):
        yield json.dumps(
            {"type": "customer", "id": f"cust-{c:04d}", "fee": f"{rng.randrange(200, 5000)}.00", "currency": "EUR"}
        )
    gap = years * 365 * 86400 / max(incidents, 1)  # mean seconds between reports
    later: list[tuple[int, int, str]] = []  # (instant, tie-break, record) not yet due
    now = START
    for n in range(incidents):
        now += int(rng.expovariate(1 / gap)) + 1
        while later and later[0][0] <= now:
            yield heapq.heappop(later)[2]
        incident = f"INC-{n:08d}"
        yield json.dumps(
            {
                "type": "reported",
                "incident": incident,
                "customer": f"cust-{rng.randrange(customers):04d}",
                "severity": rng.choice("AABBBCCCC"),
                "channel": rng.choice(["email", "phone"]),
                "at": _iso(now),
            }
        )
        if rng.random() < 0.97:  # a few stay open, so some targets are breached for want of an answer
            answered = now + 60 * (int(rng.expovariate(1 / 600)) + 1)
            record = json.dumps({"type": "response", "incident": incident, "at": _iso(answered)})
            heapq.heappush(later, (answered, n, record))
            if rng.random() < 0.6:
                resolved = answered + 60 * (int(rng.expovariate(1 / 2000)) + 1)
                record = json.dumps({"type": "resolution", "incident": incident, "at": _iso(resolved)})
                heapq.heappush(later, (resolved, n, record))
        if n % 200 == 0:
            begins = now + rng.randrange(0, 86400)
            ends = begins + 60 * rng.randrange(5, 600)
            tags = rng.choice([[], [], [], ["force_majeure"], ["maintenance"], ["customer_cause"]])
            outage: dict[str, object] = {
                "type": "outage",
                "id": f"OUT-{n:08d}",
                "start": _iso(begins),
                "end": _iso(ends),
                "tags": tags,
            }
            if rng.random() < 0.3:
                outage["customer"] = f"cust-{rng.randrange(customers):04d}"
            if "maintenance" in tags:
                outage["notice"] = _iso(begins - 86400 * rng.randrange(0, 10))
            heapq.heappush(later, (ends, n, json.dumps(outage)))  # logged when it is over
    while later:
        yield heapq.heappop(later)[2]


MIXED_AGREEMENT = Path(__file__).resolve().parent.parent / "tests" / "data" / "engine" / "all-features.sla"


def generate_mixed(incidents: int, customers: int = 20, years: int = 2, seed: int = 2027) -> Iterator[str]:
    """A timeline for `MIXED_AGREEMENT`, the agreement that uses every rule of the five seed agreements:
    customers on plans (gold, basic, none) with fees; incidents of three severities, some naming a plan of their
    own, with pauses while waiting on the customer, changes of severity, updates, responses, restores and
    resolutions; outages for everyone and for one customer, some excluded, some planned maintenance with notice;
    claims for incidents and for periods. In time order, as `generate`."""
    rng = random.Random(seed)
    names = [f"cust-{c:04d}" for c in range(customers)]
    for name in names:
        record = {"type": "customer", "id": name, "fee": f"{rng.randrange(200, 5000)}.00", "currency": "EUR"}
        plan = rng.choice(["gold", "basic", None])
        if plan is not None:
            record["plan"] = plan
        yield json.dumps(record)
    gap = years * 365 * 86400 / max(incidents, 1)
    later: list[tuple[int, int, str]] = []
    now = START
    order = 0

    def push(at: int, record: dict[str, object]) -> None:
        nonlocal order
        order += 1
        heapq.heappush(later, (at, order, json.dumps(record)))

    for n in range(incidents):
        now += int(rng.expovariate(1 / gap)) + 1
        while later and later[0][0] <= now:
            yield heapq.heappop(later)[2]
        incident = f"INC-{n:08d}"
        report: dict[str, object] = {
            "type": "reported",
            "incident": incident,
            "customer": rng.choice(names),
            "severity": rng.choice("112223333"),
            "channel": rng.choice(["email", "phone"]),
            "at": _iso(now),
        }
        if rng.random() < 0.1:
            report["plan"] = rng.choice(["gold", "basic"])
        yield json.dumps(report)
        at = now
        if rng.random() < 0.15:  # waiting on the customer for a while
            paused = at + 60 * (int(rng.expovariate(1 / 30)) + 1)
            push(paused, {"type": "paused", "incident": incident, "at": _iso(paused)})
            at = paused + 60 * (int(rng.expovariate(1 / 120)) + 1)
            push(at, {"type": "resumed", "incident": incident, "at": _iso(at)})
        if rng.random() < 0.1:
            at += 60 * (int(rng.expovariate(1 / 60)) + 1)
            push(
                at,
                {"type": "severity_changed", "incident": incident, "at": _iso(at), "severity": rng.choice("123")},
            )
        if rng.random() < 0.95:
            answered = at + 60 * (int(rng.expovariate(1 / 300)) + 1)
            push(answered, {"type": "response", "incident": incident, "at": _iso(answered)})
            update = answered
            for _ in range(rng.choice([0, 0, 1, 2])):
                update += 60 * (int(rng.expovariate(1 / 150)) + 1)
                push(update, {"type": "update", "incident": incident, "at": _iso(update)})
            if rng.random() < 0.5:
                restored = answered + 60 * (int(rng.expovariate(1 / 200)) + 1)
                push(restored, {"type": "restore", "incident": incident, "at": _iso(restored)})
            if rng.random() < 0.6:
                resolved = answered + 60 * (int(rng.expovariate(1 / 2000)) + 1)
                push(resolved, {"type": "resolution", "incident": incident, "at": _iso(resolved)})
        if n % 100 == 0:
            begins = now + rng.randrange(0, 86400)
            ends = begins + 60 * rng.randrange(5, 600)
            tags = rng.choice([[], [], ["force_majeure"], ["maintenance"]])
            outage: dict[str, object] = {
                "type": "outage",
                "id": f"OUT-{n:08d}",
                "start": _iso(begins),
                "end": _iso(ends),
                "tags": tags,
            }
            if rng.random() < 0.3:
                outage["customer"] = rng.choice(names)
            if "maintenance" in tags:
                outage["notice"] = _iso(begins - 86400 * rng.randrange(0, 10))
            push(ends, outage)
        if n % 50 == 25:
            claimed = now + 86400 * rng.randrange(1, 10)
            claim: dict[str, object] = {"type": "claim", "customer": rng.choice(names), "at": _iso(claimed)}
            if rng.random() < 0.5:
                claim["incident"] = f"INC-{rng.randrange(n):08d}"
                claim["credit"] = rng.choice(["late", "slow", "missed"])
            else:
                month = dt.datetime.fromtimestamp(now, OSLO)
                claim["period"] = f"{month.year}-{month.month:02d}"
            push(claimed, claim)
    while later:
        yield heapq.heappop(later)[2]


def write(path: Path, incidents: int, *, mixed: bool = False, **options: int) -> Path:
    """A generated timeline written to `path`, a line at a time: Izy's, or `mixed` (`generate_mixed`)."""
    with path.open("w", encoding="utf-8") as out:
        for line in (generate_mixed if mixed else generate)(incidents, **options):
            out.write(line + "\n")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("incidents", nargs="?", type=int, default=1000, help="how many incidents (1,000)")
    parser.add_argument("--mixed", action="store_true", help="for tests/data/engine/all-features.sla, not Izy")
    parser.add_argument("--customers", type=int, help="how many customers (50 for Izy's, 20 with --mixed)")
    args = parser.parse_args()
    if args.incidents < 0 or (args.customers is not None and args.customers < 1):
        parser.error("the number of incidents must be 0 or more, and of customers 1 or more")
    options = {} if args.customers is None else {"customers": args.customers}
    lines = (generate_mixed if args.mixed else generate)(args.incidents, **options)
    out = sys.stdout
    for line in lines:
        out.write(line + "\n")


if __name__ == "__main__":
    main()
