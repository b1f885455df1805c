"""What a columnar lane could reach, measured on the lines `check` really writes. Not a check: it validates
nothing. Needs polars and numpy (`pip install polars numpy`), which sladsl does not depend on.

    python bench/columnar_probe.py [--incidents 1000000]

On a generated timeline (the same generator as `run.py`, Izy's agreement), polars reads the JSON Lines with a
fixed schema, parses the timestamps and joins each report to its first response. numpy asks the engine's own
compiled calendar, as arrays, what `Clock` asks one instant at a time: the next opening of core hours (where the
clock starts), the deadline (2 or 4 business hours for severities A and B, the end of the next business day for
C), and the business time between two instants (the margin). polars then writes each incident's `target` line
exactly as `check --format jsonl` does (every field, in local time), in the order it does: when the response
arrives, and those never answered at the end, by report and then id. The probe then runs `check` on the same
file and counts the target lines that differ, place by place (the last line's `target_lines_unlike_check`).

What it leaves out, and a real lane would need: every rejection (a lane would have to find any record `check`
would reject or read differently, and hand the run to the interpreter), every other target kind and clause
(plans, severity changes, pauses, update cadences, KPIs, target credits), and the lines after the targets
(availability per period, credits, totals, the summary), which come from the few outage and customer records.

It also times the reading alone. polars, given a string column, reads `true` as the text `"true"`, where
`check` rejects the record (E0303): its reader cannot tell that record from a valid one
(`polars_reads_true_as_text`). pyarrow's reader refuses a value of the wrong JSON type; with pyarrow installed,
the probe times it on the same file (`reading_strict_pyarrow_s`).

It holds the whole file in memory, as a columnar reader does; `peak_rss_mb` on the last line is its peak
resident set, to set beside the streamed check's (which keeps only the incidents still open).
"""

from __future__ import annotations

import argparse
import io
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import write  # noqa: E402
from sladsl import load  # noqa: E402
from sladsl.clock import Clock  # noqa: E402

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
CITATION = "§ Guaranteed Response Time – Incident Handling"


class Calendar:
    """Izy's core hours as numpy arrays, taken from the engine's own compiled `Clock`, and its questions asked
    for a whole column at once with `searchsorted`, as `Clock` asks them one at a time with `bisect`."""

    def __init__(self) -> None:
        text = (ROOT / "agreements" / "izy.sla").read_text(encoding="utf-8")
        clock = Clock(load(text, "izy.sla").agreement.calendars["core_hours"])
        clock.open_intervals(FIRST, LAST)  # compiles the years
        self.starts, self.ends = np.array(clock.starts), np.array(clock.ends)
        self.cum, self.cum_end = np.array(clock.cum), np.array(clock.cum_end)
        self.day_ends = np.array(clock.day_ends)

    def next_opening(self, t: np.ndarray) -> np.ndarray:
        i = np.searchsorted(self.starts, t, "right") - 1
        return np.where(t < self.ends[i], t, self.starts[i + 1])

    def open_before(self, t: np.ndarray) -> np.ndarray:
        i = np.searchsorted(self.starts, t, "right") - 1
        return self.cum_end[i] - np.maximum(self.ends[i] - t, 0)

    def deadline(self, a: np.ndarray, seconds: np.ndarray) -> np.ndarray:
        target = self.open_before(a) + seconds
        j = np.searchsorted(self.cum_end, target, "left")
        return self.starts[j] + (target - self.cum[j])

    def day_end(self, t: np.ndarray, n: int) -> np.ndarray:
        return self.day_ends[np.searchsorted(self.day_ends, t, "right") + n - 1]

    def elapsed(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return self.open_before(b) - self.open_before(a)


def probe(path: Path, calendar: Calendar) -> tuple[float, int, bytes]:
    """Izy's response verdicts for every incident, as the exact `target` lines `check --format jsonl` writes,
    in its order: seconds taken, incidents, and the lines."""
    started = time.perf_counter()
    stamp = "%Y-%m-%dT%H:%M:%S%:z"
    records = (
        pl.read_ndjson(path, schema=SCHEMA)
        .with_row_index("line")
        .select(
            "line",
            "type",
            "incident",
            "customer",
            "severity",
            pl.col("at").str.to_datetime(stamp, time_unit="ms").dt.epoch("s"),
            pl.col("end").str.to_datetime(stamp, time_unit="ms").dt.epoch("s"),
        )
    )
    as_of = max(records["at"].max(), records["end"].max())  # the latest instant of any record
    reports = records.filter(pl.col("type") == "reported").select(
        "incident", "customer", "severity", pl.col("at").alias("reported")
    )
    events = records.filter(pl.col("type") == "response").select("incident", "line", "at")
    answers = (
        events.sort("at", "line")
        .group_by("incident", maintain_order=True)
        .first()
        .select("incident", pl.col("at").alias("actual"), pl.col("line").alias("decided"))
    )
    incidents = reports.join(answers, on="incident", how="left")
    # Decided when the response arrives, in the order of those lines; the unanswered at the end, in order of
    # report and then id.
    incidents = incidents.sort(
        pl.col("decided").is_null(), "decided", "reported", "incident", nulls_last=True, maintain_order=True
    )
    reported = incidents["reported"].to_numpy()
    severity = incidents["severity"].to_numpy()
    days = severity == "C"
    start = calendar.next_opening(reported)
    hours = np.where(severity == "A", 2 * 3600, 4 * 3600)
    due = np.where(days, calendar.day_end(start, 2), calendar.deadline(start, hours))
    answered = ~incidents["actual"].is_null().to_numpy()
    actual = incidents["actual"].fill_null(0).to_numpy()
    met = answered & (actual <= due)
    until = np.where(answered, actual, as_of)  # what the deadline is measured against
    pending = ~answered & (as_of <= due)
    ahead = met | pending  # the margin runs from `until` forward to the deadline
    low, high = np.where(ahead, until, due), np.where(ahead, due, until)
    size = np.where(days, high - low, calendar.elapsed(low, high))  # wall time for business days
    margin = np.where(ahead, size, -size)
    incidents = incidents.with_columns(
        pl.Series("start", start),
        pl.Series("due", due),
        pl.Series("margin_seconds", margin),
        pl.Series("met", met),
        pl.Series("pending", pending),
    ).with_columns(
        pl.when("met")
        .then(pl.lit("met"))
        .when("pending")
        .then(pl.lit("pending"))
        .otherwise(pl.lit("breached"))
        .alias("status"),
        pl.when(pl.col("severity") == "C")
        .then(pl.lit("business days of core_hours"))
        .otherwise(pl.lit("business time of core_hours"))
        .alias("clock"),
    )

    def local(column: str) -> pl.Expr:
        moment = pl.from_epoch(pl.col(column), "s").dt.replace_time_zone("UTC")
        return moment.dt.convert_time_zone("Europe/Oslo").dt.to_string("%Y-%m-%dT%H:%M:%S%:z").alias(column)

    lines = incidents.select(
        pl.struct(
            pl.lit("target").alias("type"),
            "incident",
            "customer",
            pl.lit("response").alias("kind"),
            "severity",
            pl.lit(None, pl.String).alias("plan"),
            local("reported"),
            local("start"),
            local("due"),
            local("actual"),
            "status",
            "margin_seconds",
            "clock",
            pl.lit(CITATION).alias("citation"),
        )
        .struct.json_encode()
        .alias("line")
    )
    out = io.BytesIO()
    lines.write_csv(out, include_header=False, quote_style="never")
    return time.perf_counter() - started, reports.height, out.getvalue()


def unlike_check(path: Path, ours: bytes) -> int:
    """How many of `check --format jsonl`'s target lines differ from the probe's, place by place (and how many
    more one side has than the other)."""
    command = [sys.executable, "-m", "sladsl", "check", "--format", "jsonl", str(ROOT / "agreements" / "izy.sla")]
    result = subprocess.run([*command, str(path)], capture_output=True, check=False)
    theirs = [line for line in result.stdout.splitlines() if line.startswith(b'{"type":"target"')]
    mine = ours.splitlines()
    return sum(a != b for a, b in zip(mine, theirs, strict=False)) + abs(len(mine) - len(theirs))


def coerces() -> bool:
    """Whether polars, given the probe's schema, reads a JSON `true` as the text "true" without a word."""
    line = b'{"type": "reported", "incident": true, "at": "2024-01-01T00:00:00+01:00"}\n'
    return pl.read_ndjson(io.BytesIO(line), schema=SCHEMA)["incident"].to_list() == ["true"]


def reading(path: Path) -> dict[str, float]:
    """The best of three reads of the whole file into columns: polars with the schema, and pyarrow with the
    same schema and its strict type checks (when pyarrow is installed)."""
    found = {"reading_polars_s": min(_timed(lambda: pl.read_ndjson(path, schema=SCHEMA)) for _ in range(3))}
    try:
        import pyarrow as pa  # noqa: PLC0415
        import pyarrow.json as pj  # noqa: PLC0415
    except ImportError:
        return found
    types = {pl.String: pa.string(), pl.List(pl.String): pa.list_(pa.string())}
    options = pj.ParseOptions(
        explicit_schema=pa.schema([(k, types[v]) for k, v in SCHEMA.items()]), unexpected_field_behavior="ignore"
    )
    found["reading_strict_pyarrow_s"] = min(
        _timed(lambda: pj.read_json(path, parse_options=options)) for _ in range(3)
    )
    return found


def _timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=1_000_000)
    args = parser.parse_args()
    calendar = Calendar()
    with tempfile.TemporaryDirectory() as folder:
        path = write(Path(folder) / "timeline.jsonl", args.incidents)
        runs = [probe(path, calendar) for _ in range(3)]
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB to MB, as run.py reports it
        seconds, incidents, lines = min(runs)
        wrong = unlike_check(path, lines)
        reads = reading(path)
    print(" ".join(f"{k}={v:.2f}" for k, v in reads.items()) + f" polars_reads_true_as_text={coerces()}")
    print(
        f"columnar_probe_incidents_per_s={incidents / seconds:.0f} target_lines_unlike_check={wrong} "
        f"peak_rss_mb={peak:.0f}"
    )


if __name__ == "__main__":
    main()
