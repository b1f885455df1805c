"""The floor under any record-at-a-time check in Python: read the lines, parse each, write one result per incident.

    python bench/floor.py [--incidents 100000]

It does none of the checking: no validation, no business time, no verdicts. It splits the generated timeline into
lines, parses each with orjson, keeps the report of each incident until its response arrives, then writes one
JSON object per incident with the same fields and four local timestamps that `check --format jsonl` writes per
target. Whatever `sladsl check` does per incident comes on top of this, so the rate printed is an upper bound
for a design that handles records one by one in Python on one core.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import write  # noqa: E402
from sladsl.time.instants import LocalTimes, parse_instant  # noqa: E402
from sladsl.timeline.formats import json_lines  # noqa: E402


def floor(path: Path) -> tuple[float, int]:
    iso = LocalTimes("Europe/Oslo").iso
    out = io.BytesIO()
    write = out.write
    started = time.perf_counter()
    open_incidents: dict[str, tuple[str, int]] = {}
    written = 0
    with path.open("rb") as handle:
        for *_, body in json_lines(iter(lambda: handle.read(1 << 20), b"")):
            raw = orjson.loads(body)
            kind = raw.get("type")
            if kind == "reported":
                open_incidents[raw["incident"]] = (raw.get("severity"), parse_instant(raw["at"]))
            elif kind == "response":
                found = open_incidents.pop(raw["incident"], None)
                if found is not None:
                    severity, reported = found
                    answered = parse_instant(raw["at"])
                    result = {
                        "type": "target",
                        "incident": raw["incident"],
                        "customer": None,
                        "kind": "response",
                        "severity": severity,
                        "plan": None,
                        "reported": iso(reported),
                        "start": iso(reported),
                        "due": iso(reported + 7200),
                        "actual": iso(answered),
                        "status": "met",
                        "margin_seconds": 0,
                        "clock": "business time of core_hours",
                        "citation": "§ 1",
                    }
                    write(orjson.dumps(result) + b"\n")
                    written += 1
    return time.perf_counter() - started, written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = write(Path(folder) / "timeline.jsonl", args.incidents)
        seconds = min(floor(path)[0] for _ in range(3))
    print(f"floor_incidents_per_s={args.incidents / seconds:.0f}")


if __name__ == "__main__":
    main()
