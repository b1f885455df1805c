"""The floor under any record-at-a-time check in Python: read the lines, parse each, write one result per incident.

    python bench/floor.py [--incidents 100000]

It does none of the checking: no validation, no business time, no verdicts. It splits the generated timeline into
lines, decodes each with msgspec into a struct of the fields it uses, keeps the report of each incident until its
response arrives, then writes one line per incident from a template, with the same fields and four local
timestamps that `check --format jsonl` writes per target (the fastest ways here; orjson dicts, both ways, are
timed too). Whatever `sladsl check` does per incident comes on top of this, so the rate printed is an upper
bound for a design that handles records one by one in Python on one core.

A check also reads the timeline backwards first, to learn which record is the last of its incident
(`sladsl.evaluation.finality`): every record may change its incident until then, so that is when it is decided.
`last_records` is that pass at its cheapest (only the incident id decoded, a Python set of the ids met, a byte
per line), and the second rate printed is both passes: the floor under a check of sladsl's semantics.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import write  # noqa: E402
from sladsl.run.files import blocks_backwards  # noqa: E402
from sladsl.time.instants import LocalTimes, parse_instant  # noqa: E402
from sladsl.timeline.formats import json_lines, json_lines_backwards  # noqa: E402


class _Reported(msgspec.Struct, tag_field="type", tag="reported"):
    incident: str
    at: str
    severity: str


class _Response(msgspec.Struct, tag_field="type", tag="response"):
    incident: str
    at: str


class _Other(msgspec.Struct, tag_field="type", tag=lambda name: name.removeprefix("_").lower()):
    """A record the floor does not use: its fields are skipped by the decoder."""


class _Resolution(_Other):
    pass


class _Customer(_Other):
    pass


class _Outage(_Other):
    pass


_decode = msgspec.json.Decoder(_Reported | _Response | _Resolution | _Customer | _Outage).decode


_LINE = (
    b'{"type":"target","incident":%s,"customer":null,"kind":"response","severity":%s,"plan":null,"reported":"%s",'
    b'"start":"%s","due":"%s","actual":"%s","status":"met","margin_seconds":0,"clock":"business time of '
    b'core_hours","citation":"\xc2\xa7 1"}\n'
)


class _Who(msgspec.Struct):
    incident: str | None = None


def floor(path: Path, out: io.BytesIO) -> tuple[float, int]:
    """One pass forwards, records decoded by msgspec into structs and lines written from a template, as the
    engine writes its target lines: (seconds, incidents written)."""
    iso = LocalTimes("Europe/Oslo").iso
    write = out.write
    decode, dumps = _decode, orjson.dumps
    started = time.perf_counter()
    open_incidents: dict[str, tuple[str, int]] = {}
    written = 0
    with path.open("rb") as handle:
        for *_, body in json_lines(iter(lambda: handle.read(1 << 20), b"")):
            record = decode(body)
            kind = type(record)
            if kind is _Reported:
                open_incidents[record.incident] = (record.severity, parse_instant(record.at))
            elif kind is _Response:
                found = open_incidents.pop(record.incident, None)
                if found is not None:
                    severity, reported = found
                    answered = parse_instant(record.at)
                    times = (iso(reported), iso(reported), iso(reported + 7200), iso(answered))
                    write(_LINE % (dumps(record.incident), dumps(severity), *(t.encode() for t in times)))
                    written += 1
    return time.perf_counter() - started, written


def last_records(path: Path) -> tuple[float, int]:
    """The backward pass at its cheapest: (seconds, records marked as the last of their incident)."""
    decode = msgspec.json.Decoder(_Who).decode
    started = time.perf_counter()
    seen: set[str] = set()
    add = seen.add
    marks = bytearray()
    mark = marks.append
    for body in json_lines_backwards(blocks_backwards(str(path))):
        ident = decode(body).incident
        if ident is not None and ident not in seen:
            add(ident)
            mark(1)
        else:
            mark(0)
    return time.perf_counter() - started, sum(marks)


def floor_with_dicts(path: Path, out: io.BytesIO) -> tuple[float, int]:
    """`floor` with each record decoded by orjson into a dict and each line encoded from one, as the first
    version of this file did."""
    iso = LocalTimes("Europe/Oslo").iso
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
                    result = _result(iso, raw["incident"], severity, reported, answered)
                    write(orjson.dumps(result) + b"\n")
                    written += 1
    return time.perf_counter() - started, written


def _result(
    iso: Callable[[int], str], incident: str, severity: str, reported: int, answered: int
) -> dict[str, Any]:
    """The line `floor` writes for an incident: the fields of `check`'s target line, with four local times."""
    return {
        "type": "target",
        "incident": incident,
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = write(Path(folder) / "timeline.jsonl", args.incidents)
        forwards = min(floor(path, io.BytesIO())[0] for _ in range(3))
        with_dicts = min(floor_with_dicts(path, io.BytesIO())[0] for _ in range(3))
        backwards = min(last_records(path)[0] for _ in range(3))
    rate = args.incidents / forwards
    print(f"one pass with orjson dicts: {args.incidents / with_dicts:,.0f} incidents/s", file=sys.stderr)
    print(f"the backward pass alone: {args.incidents / backwards:,.0f} incidents/s", file=sys.stderr)
    both = args.incidents / (forwards + backwards)
    print(f"floor_incidents_per_s={rate:.0f} two_pass_floor_incidents_per_s={both:.0f}")


if __name__ == "__main__":
    main()
