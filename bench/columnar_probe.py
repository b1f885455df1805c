"""What a columnar lane could reach: an upper bound, not a check. Needs polars (`pip install polars`).

    python bench/columnar_probe.py [--incidents 1000000]

On a generated timeline (the same generator as `run.py`), polars reads the JSON Lines with a fixed schema, parses
the timestamps and joins each report to its response; numpy `searchsorted` over the compiled calendar's open
intervals gives each incident's response deadline in Izy's core hours (2 business hours for severity A, 4 for
the rest, all counted from the report); polars writes one JSON line per incident with four fields in local
time. It validates nothing, rejects nothing, and computes one target and nothing per period: whatever a real
columnar engine did on top of this would come out of the rate printed. Reading and writing run on all cores.
The first 10,000 deadlines are compared with the engine's own (`Clock.deadline`), and the last line says how
many differ.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import write  # noqa: E402
from sladsl import load  # noqa: E402
from sladsl.clock import Clock, parse_instant  # noqa: E402

SCHEMA = {
    "type": pl.String,
    "id": pl.String,
    "incident": pl.String,
    "customer": pl.String,
    "severity": pl.String,
    "channel": pl.String,
    "at": pl.String,
    "start": pl.String,
    "end": pl.String,
    "tags": pl.List(pl.String),
    "fee": pl.String,
    "currency": pl.String,
    "notice": pl.String,
}
FIRST, LAST = 1_672_531_200, 1_830_297_600  # 2023-01-01 to 2028-01-01, UTC: the generator's years and more


def calendar() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Izy's core hours as arrays: the open intervals' starts and ends, and the open seconds before each."""
    text = (ROOT / "agreements" / "izy.sla").read_text(encoding="utf-8")
    spec = load(text, "izy.sla").agreement.calendars["core_hours"]
    intervals = np.array(Clock(spec).open_intervals(FIRST, LAST), dtype=np.int64)
    starts, ends = intervals[:, 0], intervals[:, 1]
    before = np.concatenate([[0], np.cumsum(ends - starts)[:-1]])
    return starts, ends, before


def deadlines(reported: np.ndarray, seconds: np.ndarray) -> np.ndarray:
    starts, ends, before = calendar()
    at = np.minimum(np.searchsorted(ends, reported, "right"), len(starts) - 1)
    counted = before[at] + np.clip(reported - starts[at], 0, ends[at] - starts[at]) + seconds
    into = np.maximum(np.searchsorted(before, counted, "left") - 1, 0)
    return starts[into] + (counted - before[into])


def disagreements(path: Path, sample: int = 10_000) -> int:
    """How many of the first `sample` deadlines differ from the engine's `Clock.deadline`."""
    records = pl.read_ndjson(path, schema=SCHEMA).filter(pl.col("type") == "reported").head(sample)
    reported = records["at"].map_elements(parse_instant, return_dtype=pl.Int64).to_numpy()
    seconds = np.where(records["severity"].to_numpy() == "A", 2 * 3600, 4 * 3600)
    text = (ROOT / "agreements" / "izy.sla").read_text(encoding="utf-8")
    clock = Clock(load(text, "izy.sla").agreement.calendars["core_hours"])
    engine = np.array([clock.deadline(int(a), int(s)) for a, s in zip(reported, seconds, strict=True)])
    return int((deadlines(reported, seconds) != engine).sum())


def probe(path: Path) -> tuple[float, int]:
    started = time.perf_counter()
    records = pl.read_ndjson(path, schema=SCHEMA)
    instant = pl.col("at").str.to_datetime("%Y-%m-%dT%H:%M:%S%:z", time_unit="ms").dt.epoch("s")
    reports = records.filter(pl.col("type") == "reported").select(
        "incident", "customer", "severity", instant.alias("reported")
    )
    answers = records.filter(pl.col("type") == "response").select("incident", instant.alias("actual"))
    incidents = reports.join(answers, on="incident", how="left")
    reported = incidents["reported"].to_numpy()
    seconds = np.where(incidents["severity"].to_numpy() == "A", 2 * 3600, 4 * 3600)
    due = deadlines(reported, seconds)
    actual = incidents["actual"].fill_null(np.iinfo(np.int64).max).to_numpy()
    incidents = incidents.with_columns(
        pl.Series("due", due), pl.Series("status", np.where(actual <= due, "met", "breached"))
    )

    def local(column: str) -> pl.Expr:
        moment = pl.from_epoch(pl.col(column), "s").dt.replace_time_zone("UTC")
        return moment.dt.convert_time_zone("Europe/Oslo").dt.to_string("%Y-%m-%dT%H:%M:%S%:z").alias(column)

    out = io.BytesIO()
    incidents.select(
        pl.lit("target").alias("type"),
        "incident",
        "customer",
        "severity",
        local("reported"),
        local("due"),
        local("actual"),
        "status",
    ).write_ndjson(out)
    return time.perf_counter() - started, reports.height


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = write(Path(folder) / "timeline.jsonl", args.incidents)
        runs = [probe(path) for _ in range(3)]
        wrong = disagreements(path)
    seconds, incidents = min(runs)
    print(f"columnar_probe_incidents_per_s={incidents / seconds:.0f} deadlines_unlike_the_engine={wrong}")


if __name__ == "__main__":
    main()
