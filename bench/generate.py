"""Synthetic timelines for Izy's agreement, realistic enough to exercise what makes check slow and wrong.

An event log as a ticket system exports it: records in time order. Incidents of every severity for several
customers over several years, reported at all hours (so many fall outside core hours, on weekends, Norwegian
holidays and DST weekends); most are answered, some late, a few never; many are resolved. Outages with and
without exclusion tags, planned maintenance with notice. Timestamps carry Oslo's real offset at the time (+01:00
or +02:00). Memory stays flat however many incidents are asked for.

    python bench/generate.py 100000 > /tmp/timeline.jsonl
"""

from __future__ import annotations

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


def write(path: Path, incidents: int, **options: int) -> Path:
    """A generated timeline written to `path`, a line at a time."""
    with path.open("w", encoding="utf-8") as out:
        for line in generate(incidents, **options):
            out.write(line + "\n")
    return path


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    out = sys.stdout
    for line in generate(count):
        out.write(line + "\n")
