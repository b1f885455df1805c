"""End-to-end benchmark of `sladsl check`, measured against what users would pick otherwise, in one run.

    python bench/run.py                  # 1,000,000 incidents, peers on 20,000
    python bench/run.py --quick          # 100,000 incidents, peers on 2,000: under two minutes
    python bench/run.py --rss 10000000   # also stream 10 million incidents and report the peak RSS
    python bench/run.py --quick --against /tmp/before   # and an earlier checkout, in turn on the same timeline

It measures, on the same generated timeline (`bench/generate.py`, Izy's agreement):
- end-to-end `sladsl check --format jsonl` throughput in incidents per second with one job and with a job per
  core (at least two), and the peak RSS of the largest process;
- cold start: `sladsl check agreements/izy.sla agreements/izy.timeline.jsonl` (median of five runs, after one
  with an empty cache folder, which is reported too), with Python's bytecode kept as an installed sladsl has it;
- agreement parse time per 500 lines (median of five, parser already built);
- the user's pick, on a subsample: pendulum + businesstimedelta, and pandas CustomBusinessHour, each computing
  the same response deadlines for severities A and B (2 and 4 core hours from the report), per incident;
- sladsl's own business-time engine computing those same deadlines from the same timestamps (parse, then the
  compiled calendar's `Clock.deadline`), and how many of each peer's deadlines differ from it; the engine and
  both peers alike get one untimed pass, then five rounds of one timed pass each (at least 0.2 s long), in
  turn, and the medians of the rounds' rates and ratios are reported;
- one process on a second generated timeline, for the agreement that uses every rule of the five seed agreements
  (`tests/data/engine/all-features.sla`: plans, pauses, severity changes, updates, KPIs, outages, claims), a
  quarter as many incidents.

The last line is machine-readable:
    incidents_per_s=<one process> all_cores_incidents_per_s=<n> same_work_vs_businesstimedelta=<x>x
    same_work_vs_pandas=<y>x end_to_end_vs_businesstimedelta=<x>x end_to_end_vs_pandas=<y>x peak_rss_mb=<m>
    cold_start_ms=<c> mixed_incidents_per_s=<n> same_deadlines_per_s=<n> vs_businesstimedelta=<x>x vs_pandas=<y>x
(one line). `same_work_*` divide deadlines by sladsl's engine by deadlines by each peer, the same work on both
sides; `end_to_end_*` divide whole incidents checked end to end by the peers' deadlines, which flatters the
peers. The last three fields are those of the earlier line, kept for its readers: `vs_*` are `end_to_end_vs_*`.
Just before it, on stderr, `same_deadlines_per_s=<n> vs_businesstimedelta=<x>x vs_pandas=<y>x` as before.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import MIXED_AGREEMENT, write  # noqa: E402
from sladsl import load  # noqa: E402
from sladsl.model import HolidaySource  # noqa: E402
from sladsl.time.calendar import Clock  # noqa: E402
from sladsl.time.holidays import holiday_dates  # noqa: E402
from sladsl.time.instants import parse_instant  # noqa: E402

AGREEMENT = ROOT / "agreements" / "izy.sla"
SLADSL = [sys.executable, "-m", "sladsl"]


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def end_to_end(
    timeline: Path, incidents: int, jobs: int = 1, tree: Path = ROOT, agreement: Path | None = None
) -> tuple[float, float]:
    """Incidents per second and peak RSS (MB, the largest process) of one streamed check, output discarded, with
    the sladsl of a source tree (this one, or another checkout to compare with); Izy's agreement unless another
    is named."""
    agreement = agreement or tree / "agreements" / "izy.sla"
    command = [*SLADSL, "check", "--format", "jsonl", "--jobs", str(jobs), str(agreement), str(timeline)]
    started = time.perf_counter()
    # A fresh process per run, so its peak RSS is its own: RUSAGE_CHILDREN would keep the largest so far.
    probe = (
        "import resource, subprocess, sys, json; "
        "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE); "
        "print(json.dumps([r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, "
        "r.stderr.decode()[-500:]]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, *command], capture_output=True, text=True, check=False, cwd=tree
    )
    seconds = time.perf_counter() - started
    code, peak_kb, errors = json.loads(result.stdout)
    if code not in (0, 1):
        raise SystemExit(f"sladsl check failed ({code}): {errors}")
    return incidents / seconds, peak_kb / 1024


def against(timeline: Path, incidents: int, other: Path, rounds: int = 3) -> None:
    """This tree's check and another's on the same timeline, in turn (so that a change in the machine's load
    falls on both), with one and two jobs: the median rates, and this tree's over the other's."""
    for jobs in (1, 2):
        mine, theirs = [], []
        for _ in range(rounds):
            mine.append(end_to_end(timeline, incidents, jobs)[0])
            theirs.append(end_to_end(timeline, incidents, jobs, other)[0])
        ratio = statistics.median(m / t for m, t in zip(mine, theirs, strict=True))
        say(
            f"check --jobs {jobs}, this tree against {other}: {statistics.median(mine):,.0f} and "
            f"{statistics.median(theirs):,.0f} incidents/s (medians of {rounds}); {ratio:.2f}x, the median of "
            "the pairs' ratios"
        )


def write_timeline(path: Path, incidents: int, *, mixed: bool = False) -> Path:
    say(f"generating {incidents:,} incidents" + (" for every feature" if mixed else ""))
    write(path, incidents, mixed=mixed)
    say(f"timeline: {path.stat().st_size / 1e6:,.1f} MB")
    return path


def cold_start(folder: Path) -> tuple[float, float]:
    """`sladsl check agreements/izy.sla agreements/izy.timeline.jsonl`, a fresh process each time: the first with
    an empty cache folder (the parser, the checker and the holiday data all run), then the median of five that
    find the checked agreement and the holiday dates kept.

    Python's bytecode is kept too, as it is for an installed sladsl: in a folder of the run's own, filled by a
    check with sladsl's cache turned off before the timing, so that an environment that sets
    `PYTHONDONTWRITEBYTECODE` does not have every run compile sladsl's modules again."""
    environment = {
        **os.environ,
        "XDG_CACHE_HOME": str(folder / "cache"),
        "PYTHONPYCACHEPREFIX": str(folder / "pyc"),
    }
    environment.pop("PYTHONDONTWRITEBYTECODE", None)

    def once(**settings: str) -> float:
        started = time.perf_counter()
        subprocess.run(
            [*SLADSL, "check", "agreements/izy.sla", "agreements/izy.timeline.jsonl"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
            cwd=ROOT,
            env={**environment, **settings},
        )
        return (time.perf_counter() - started) * 1000

    once(SLADSL_CACHE="off")
    first = once()
    return first, statistics.median(once() for _ in range(5))


def parse_per_500_lines() -> float:
    import sladsl  # noqa: PLC0415

    lines = [
        'agreement "Bench":  § 1',
        "    zone Europe/Oslo",
        "calendar core_hours:  § 2",
        "    open monday to friday 08:00-17:00",
        "    closed on public holidays of NO",
    ]
    n = 0
    while len(lines) < 500:
        lines.append(f'severity S{n} "Severity {n}": "generated"  § 3')
        lines.append(f"response for S{n} within {n % 8 + 1} hours of core_hours  § 4")
        n += 1
    text = "\n".join(lines[:500]) + "\n"
    sladsl.parse(text, "bench.sla")  # build the parser once
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        sladsl.parse(text, "bench.sla")
        runs.append(time.perf_counter() - started)
    return statistics.median(runs) * 1000


def deadlines_to_compute(timeline: Path, limit: int) -> list[tuple[str, int]]:
    """(report timestamp, business hours) for the first `limit` severity A and B reports."""
    hours = {"A": 2, "B": 4}
    found = []
    with timeline.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            if record.get("type") == "reported" and record["severity"] in hours:
                found.append((record["at"], hours[record["severity"]]))
                if len(found) == limit:
                    break
    return found


def holidays_list() -> list[dt.date]:
    return sorted(d for year in range(2023, 2029) for d in holiday_dates(HolidaySource("NO"), year))


ROUNDS = 5  # rounds of one timed pass each of the engine and the two peers, in turn: the medians are reported
PASS_SECONDS = 0.2  # a timed pass repeats the cases until it has lasted this long


def engine(cases: list[tuple[str, int]]) -> Callable[[], list[int]]:
    """sladsl's business-time engine on the cases: the timestamp parsed to an epoch integer, then the compiled
    core-hours calendar of Izy's agreement asked for the deadline. Like the peers' rules, the calendar is made
    before the timing, by the untimed first pass (`same_work`), whose time is reported, since a check pays it
    once."""
    calendar = load(AGREEMENT.read_text(encoding="utf-8"), AGREEMENT.name).agreement.calendars["core_hours"]
    clock = Clock(calendar)
    return lambda: [clock.deadline(parse_instant(text), hours * 3600) for text, hours in cases]


def businesstimedelta(cases: list[tuple[str, int]]) -> Callable[[], list[Any]]:
    import businesstimedelta as btd  # noqa: PLC0415
    import pendulum  # noqa: PLC0415
    import pytz  # noqa: PLC0415

    oslo = pytz.timezone("Europe/Oslo")
    rules = btd.Rules(
        [
            btd.WorkDayRule(start_time=dt.time(8), end_time=dt.time(17), working_days=[0, 1, 2, 3, 4], tz=oslo),
            btd.HolidayRule(holidays_list(), tz=oslo),
        ]
    )
    return lambda: [pendulum.parse(text) + btd.BusinessTimeDelta(rules, hours=hours) for text, hours in cases]


def pandas(cases: list[tuple[str, int]]) -> Callable[[], list[Any]]:
    import pandas as pd  # noqa: PLC0415

    hour = pd.offsets.CustomBusinessHour(start="08:00", end="17:00", holidays=holidays_list())

    def compute() -> list[pd.Timestamp]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return [pd.Timestamp(text).tz_convert("Europe/Oslo") + hour * hours for text, hours in cases]

    return compute


class SameWork(NamedTuple):
    """Deadlines per second (medians of the rounds), the medians of the rounds' ratios of the engine's rate to
    each peer's, how many of each peer's deadlines differ from the engine's, and the engine's untimed pass."""

    rates: dict[str, float]
    ratios: dict[str, float]
    unlike: dict[str, int]
    first_ms: float


def same_work(cases: list[tuple[str, int]]) -> SameWork:
    """The engine and the two peers computing the same deadlines, timed alike and in turn: one untimed pass each
    (the engine compiles its calendar's years, pandas and pendulum warm their caches), then `ROUNDS` rounds of
    one timed pass each, a pass going through the cases as many times as it takes to last `PASS_SECONDS`. A
    round's three passes follow each other within about a second, so a stretch of other work on a shared
    machine slows the three of a round, not one side of the ratio; the medians of the rounds are reported."""
    makers = {"engine": engine, "businesstimedelta": businesstimedelta, "pandas": pandas}
    computes = {name: make(cases) for name, make in makers.items()}
    found: dict[str, list[Any]] = {}
    first_ms = 0.0
    for name, compute in computes.items():
        started = time.perf_counter()
        found[name] = compute()
        if name == "engine":
            first_ms = (time.perf_counter() - started) * 1000
    rates: dict[str, list[float]] = {name: [] for name in computes}
    for _ in range(ROUNDS):
        for name, compute in computes.items():
            times = 0
            started = time.perf_counter()
            while True:
                again = compute()
                times += 1
                seconds = time.perf_counter() - started
                assert again == found[name]
                if seconds >= PASS_SECONDS:
                    break
            rates[name].append(len(cases) * times / seconds)
    ours = found["engine"]
    peers = [name for name in computes if name != "engine"]
    return SameWork(
        {name: statistics.median(found_rates) for name, found_rates in rates.items()},
        {
            name: statistics.median(e / p for e, p in zip(rates["engine"], rates[name], strict=True))
            for name in peers
        },
        {name: unlike(ours, [int(d.timestamp()) for d in found[name]]) for name in peers},
        first_ms,
    )


def unlike(ours: list[int], theirs: list[int]) -> int:
    return sum(a != b for a, b in zip(ours, theirs, strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="100,000 incidents, peers on 2,000")
    parser.add_argument("--incidents", type=int)
    parser.add_argument("--rss", type=int, metavar="N", help="also stream N incidents and report peak RSS")
    parser.add_argument(
        "--against",
        type=Path,
        metavar="TREE",
        help="also time the check of another checkout (say `git worktree add /tmp/before <rev>`) on the same "
        "timeline, in turn with this one, and print the ratios",
    )
    args = parser.parse_args()
    incidents = args.incidents or (100_000 if args.quick else 1_000_000)
    sample = 2_000 if args.quick else 20_000
    with tempfile.TemporaryDirectory() as folder:
        timeline = write_timeline(Path(folder) / "timeline.jsonl", incidents)
        rates, peaks = {}, {}
        cores = max(2, os.cpu_count() or 2)
        for jobs in (1, cores):
            rates[jobs], peaks[jobs] = end_to_end(timeline, incidents, jobs)
            say(f"check --jobs {jobs}: {rates[jobs]:,.0f} incidents/s, peak RSS {peaks[jobs]:,.0f} MB")
        rate, all_cores, peak = rates[1], rates[cores], max(peaks.values())
        mixed_count = max(incidents // 4, 1000)
        mixed = write_timeline(Path(folder) / "mixed.jsonl", mixed_count, mixed=True)
        mixed_rate, mixed_peak = end_to_end(mixed, mixed_count, 1, agreement=MIXED_AGREEMENT)
        mixed.unlink()
        say(
            f"check --jobs 1, every feature ({MIXED_AGREEMENT.name}): {mixed_rate:,.0f} incidents/s, peak RSS "
            f"{mixed_peak:,.0f} MB"
        )
        if args.against is not None:
            against(timeline, incidents, args.against.resolve())
        if args.rss:
            big = write_timeline(Path(folder) / "big.jsonl", args.rss)
            big_rate, peak = end_to_end(big, args.rss, 1)
            big.unlink()
            say(f"{args.rss:,} incidents streamed: {big_rate:,.0f} incidents/s, peak RSS {peak:,.0f} MB")
        empty, cold = cold_start(Path(folder))
        say(f"cold start (check of izy.sla): {cold:.0f} ms; {empty:.0f} ms the first time, with an empty cache")
        say(f"agreement parse: {parse_per_500_lines():.1f} ms per 500 lines")
        cases = deadlines_to_compute(timeline, sample)
        work = same_work(cases)
        engine_rate, btd_rate, pd_rate = (work.rates[n] for n in ("engine", "businesstimedelta", "pandas"))
        say(
            f"sladsl's engine, the same deadlines: {engine_rate:,.0f} deadlines/s on {len(cases)} reports "
            f"(the first pass, which compiles the calendar's years, took {work.first_ms:.0f} ms)"
        )
        say(
            f"pendulum + businesstimedelta: {btd_rate:,.0f} deadlines/s on {len(cases)} reports, "
            f"{work.unlike['businesstimedelta']} unlike the engine's"
        )
        say(
            f"pandas CustomBusinessHour: {pd_rate:,.0f} deadlines/s on {len(cases)} reports, "
            f"{work.unlike['pandas']} unlike the engine's"
        )
    vs_btd, vs_pd = work.ratios["businesstimedelta"], work.ratios["pandas"]
    say(f"same_deadlines_per_s={engine_rate:.0f} vs_businesstimedelta={vs_btd:.0f}x vs_pandas={vs_pd:.0f}x")
    print(
        f"incidents_per_s={rate:.0f} all_cores_incidents_per_s={all_cores:.0f} "
        f"same_work_vs_businesstimedelta={vs_btd:.0f}x same_work_vs_pandas={vs_pd:.0f}x "
        f"end_to_end_vs_businesstimedelta={rate / btd_rate:.1f}x end_to_end_vs_pandas={rate / pd_rate:.1f}x "
        f"peak_rss_mb={peak:.0f} cold_start_ms={cold:.0f} mixed_incidents_per_s={mixed_rate:.0f} "
        f"same_deadlines_per_s={engine_rate:.0f} vs_businesstimedelta={rate / btd_rate:.1f}x "
        f"vs_pandas={rate / pd_rate:.1f}x"
    )


if __name__ == "__main__":
    main()
