"""Synthetic timelines for Izy's agreement, realistic enough to exercise what makes check slow and wrong.

Incidents of every severity spread over several customers and years, reported at all hours (so many fall
outside core hours, on weekends, Norwegian holidays and DST weekends), answered early or late; outages with
and without exclusion tags, planned maintenance with notice. Records come out in report order, one JSON Lines
record per line.

    python bench/generate.py 100000 > /tmp/timeline.jsonl
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sys
from collections.abc import Iterator

OSLO_WINTER = dt.timezone(dt.timedelta(hours=1))


def generate(incidents: int, customers: int = 50, years: int = 3, seed: int = 2026) -> Iterator[str]:
    rng = random.Random(seed)
    start = dt.datetime(2024, 1, 1, tzinfo=OSLO_WINTER)
    span_minutes = years * 365 * 1440
    for c in range(customers):
        yield json.dumps(
            {"type": "customer", "id": f"cust-{c:04d}", "fee": f"{rng.randrange(200, 5000)}.00", "currency": "EUR"}
        )
    for n in range(incidents):
        reported = start + dt.timedelta(minutes=rng.randrange(span_minutes))
        incident = f"INC-{n:08d}"
        yield json.dumps(
            {
                "type": "reported",
                "incident": incident,
                "customer": f"cust-{rng.randrange(customers):04d}",
                "severity": rng.choice("AABBBCCCC"),
                "channel": rng.choice(["email", "phone"]),
                "at": reported.isoformat(),
            }
        )
        if rng.random() < 0.97:  # a few stay open, so some targets are breached for want of an answer
            answered = reported + dt.timedelta(minutes=int(rng.expovariate(1 / 600)) + 1)
            yield json.dumps({"type": "response", "incident": incident, "at": answered.isoformat()})
        if n % 50 == 0:
            begins = start + dt.timedelta(minutes=rng.randrange(span_minutes))
            tags = rng.choice([[], [], [], ["force_majeure"], ["maintenance"], ["customer_cause"]])
            record = {
                "type": "outage",
                "id": f"OUT-{n:08d}",
                "start": begins.isoformat(),
                "end": (begins + dt.timedelta(minutes=rng.randrange(5, 600))).isoformat(),
                "tags": tags,
            }
            if "maintenance" in tags:
                record["notice"] = (begins - dt.timedelta(days=rng.randrange(0, 10))).isoformat()
            yield json.dumps(record)


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    for line in generate(count):
        sys.stdout.write(line + "\n")
