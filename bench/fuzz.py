"""A standing fuzz campaign, in process, through the public API: hostile agreements and timelines, each remade
from the campaign's seed and its index.

    python bench/fuzz.py --inputs 20000 --seed 1                  # agreements and timelines, one of each in turn
    python bench/fuzz.py --inputs 5000 --seed 7 --kind timelines --save /tmp/found
    python bench/fuzz.py --seed 7 --kind timelines --replay 1234 --minimize   # one input again, then shortened

An agreement is read as the command line reads it (UTF-8, a byte-order mark dropped), loaded, formatted (the
result must load to an equal agreement), then checked over its seed's timeline, and the report rendered as text
and as JSON and encoded as the command line writes them. A timeline is read, evaluated against its vendor's
agreement, and rendered the same way. Each input ends in one outcome:

- `ok`: a report, no record rejected (for an agreement: it loaded and went all the way through);
- `diagnosed`: `SlaError` with diagnostics, or a report that rejects records;
- `internal_error`: any other exception, signed by its type, the stage and the last sladsl frame;
- `silent_drop`: a report whose records do not add up (`read != evaluated + rejected`), or whose `read` differs
  from the records counted here without sladsl: non-blank JSON Lines lines, the items of a JSON array, the data
  rows of a CSV file (a format is picked as the README says: `.csv`, `.json`, `.jsonl`, else text that starts
  with `[` is an array);
- `fmt_mismatch`: formatting an agreement that loads gives text that does not load to the same agreement;
- `timeout`: more than 10 s for one input (SIGALRM).

Diagnostics are audited on the way: each needs a span (file:line:col) and a code like `E0301` (`W0201` for a
warning). Nothing here depends on which code a record gets, only on the counts. The program exits 1 when any
input is an internal error, a silent drop, a formatting mismatch or a timeout, or a diagnostic fails the audit,
and writes each failing input, with what it raised and how to replay it, to `--save DIR`.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import random
import re
import resource
import signal
import sys
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sladsl  # noqa: E402
from bench.fuzzgen import SEED_AGREEMENTS, Case, agreement_case, timeline_case  # noqa: E402
from sladsl.diagnostics import decode  # noqa: E402

OUTCOMES = ["ok", "diagnosed", "internal_error", "silent_drop", "fmt_mismatch", "timeout"]
FAILURES = {"internal_error", "silent_drop", "fmt_mismatch", "timeout"}
KINDS = {"agreements": "agreement", "timelines": "timeline"}
PACKAGE = Path(sladsl.__file__).resolve().parent
CODE = re.compile(r"[EW]0\d{3}")
TIME_LIMIT = 10


class Timeout(BaseException):
    """One input ran past the time limit. A BaseException, so that no `except Exception` in sladsl takes it."""


@dataclass
class Result:
    """What became of one input, and what the audit found on the way."""

    outcome: str = "ok"
    signature: str = ""
    detail: str = ""
    loaded: bool = False
    no_span: int = 0
    bad_code: int = 0
    notes: list[str] = field(default_factory=list)


class _Fail(Exception):
    """A failure the harness found itself (a silent drop, a formatting mismatch), with its signature."""

    def __init__(self, outcome: str, signature: str, detail: str) -> None:
        super().__init__(signature)
        self.outcome, self.signature, self.detail = outcome, signature, detail


# ---- counting records without sladsl ------------------------------------------------------------------------


def timeline_format(name: str, data: bytes) -> str:
    """The format the README gives a timeline: `csv` for `.csv`, `array` for `.json`, JSON Lines for `.jsonl` and
    `.ndjson`; else `array` for text that starts with `[` (after a byte-order mark and JSON white space, within
    the first 4 KB), and JSON Lines for any other."""
    lowered = name.lower()
    if lowered.endswith(".csv"):
        return "csv"
    if lowered.endswith(".json"):
        return "array"
    if lowered.endswith((".jsonl", ".ndjson")):
        return "lines"
    data = data[:4096]
    return "array" if data.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n").startswith(b"[") else "lines"


def expected_records(name: str, data: bytes) -> int | None:
    """How many records the timeline holds, counted here, or None when that cannot be told (a CSV file or JSON
    array that is not UTF-8, an array that is not valid JSON, CSV that Python's reader refuses)."""
    form = timeline_format(name, data)
    if form == "lines":  # a line ends at LF; one with nothing but JSON's white space is blank
        return sum(1 for line in data.removeprefix(b"\xef\xbb\xbf").split(b"\n") if line.strip(b" \t\r\n"))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    if form == "array":
        try:
            value = json.loads(text, parse_int=len, parse_float=len, parse_constant=_not_json)
        except (ValueError, RecursionError):  # NaN and Infinity are Python's, not JSON's
            return None
        return len(value) if isinstance(value, list) else None
    try:  # newline="": a row ends at LF, CRLF or CR, as CSV has it; a quoted field may span lines
        rows = [row for row in csv.reader(io.StringIO(text, newline=""), strict=True) if row]
    except csv.Error:  # a quote never closed, say: where each row ends cannot be told without sladsl's rules
        return None
    while rows and not any(rows[0]):  # rows of empty cells before the header
        rows.pop(0)
    return max(0, len(rows) - 1)  # the first row is the header


def _not_json(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


# ---- one input ----------------------------------------------------------------------------------------------


def _audit(diagnostics: Any, result: Result, errors: bool) -> None:
    for d in diagnostics:
        if d.span is None:
            result.no_span += 1
            result.notes.append(f"no span: {d.code} {d.message[:80]}")
        elif d.span.line < 1 or d.span.column < 1:
            result.no_span += 1
            result.notes.append(f"span before the start: {d.code} {d.span}")
        if not CODE.fullmatch(str(d.code)) or (errors and not str(d.code).startswith("E")):
            result.bad_code += 1
            result.notes.append(f"bad code: {d.code!r}")


def _where(error: BaseException) -> tuple[str, str]:
    """The last sladsl frame of a traceback: `path:function` for the signature and `path:line in function`."""
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        path = Path(frame.filename).resolve()
        if path.is_relative_to(PACKAGE):
            rel = path.relative_to(PACKAGE.parent).as_posix()
            return f"{rel}:{frame.name}", f"{rel}:{frame.lineno} in {frame.name}"
    return "(no sladsl frame)", "(no sladsl frame)"


def _check_report(report: Any, name: str, data: bytes, result: Result) -> None:
    """The records of a report add up, and agree with the count made here; every diagnostic has its place."""
    _audit(report.rejected, result, errors=True)
    _audit(report.warnings, result, errors=False)
    records = report.records
    form = timeline_format(name, data)
    if records.read != records.evaluated + records.rejected:
        raise _Fail("silent_drop", f"silent_drop {form}: read != evaluated + rejected", f"{records}")
    expected = expected_records(name, data)
    if expected is not None and expected != records.read:
        direction = "fewer" if records.read < expected else "more"
        raise _Fail(
            "silent_drop",
            f"silent_drop {form}: {direction} records read than the input holds",
            f"read {records.read}, counted {expected}; {records}",
        )
    if expected is None and form == "array" and not records.rejected:
        result.notes.append("an array that is not valid JSON read without a rejection")
    if len(report.rejected) < records.rejected:
        result.notes.append(f"{records.rejected} records rejected, {len(report.rejected)} diagnostics")


def _render(report: Any, agreement_name: str, timeline_name: str, stage: list[str]) -> None:
    """Render as the command line does, and encode as it writes: standard output is UTF-8."""
    stage[0] = "render_text"
    text = sladsl.render_text(report, agreement_name, timeline_name)
    stage[0] = "render_json"
    document = json.dumps(sladsl.render_json(report, agreement_name, timeline_name), indent=2, ensure_ascii=False)
    for stage[0], written in (("write_text", text), ("write_json", document)):
        try:
            written.encode("utf-8")
        except UnicodeEncodeError as error:
            signature = f"{stage[0]}: UnicodeEncodeError, text that is not UTF-8"
            raise _Fail("internal_error", signature, str(error)) from None


_AGREEMENTS: dict[str, Any] = {}


def seed_agreement(vendor: str) -> Any:
    if vendor not in _AGREEMENTS:
        _AGREEMENTS[vendor] = sladsl.load(SEED_AGREEMENTS[vendor], f"{vendor}.sla").agreement
    return _AGREEMENTS[vendor]


def _run_agreement(case: Case, result: Result, stage: list[str]) -> None:
    stage[0] = "decode"
    source, problems = decode(case.name, case.data, "E0113")
    if problems:
        _audit(problems, result, errors=True)
        result.outcome = "diagnosed"
        return
    stage[0] = "load"
    checked = sladsl.load(source.text, case.name)
    result.loaded = True
    _audit(checked.warnings, result, errors=False)
    stage[0] = "format"
    formatted = sladsl.format_source(sladsl.Source(case.name, source.text))
    stage[0] = "reload"
    try:
        again = sladsl.load(formatted, case.name)
    except sladsl.SlaError as error:
        codes = ", ".join(d.code for d in error.diagnostics[:5])
        raise _Fail("fmt_mismatch", "fmt_mismatch: the formatted text does not load", codes) from None
    if again.agreement != checked.agreement:
        raise _Fail("fmt_mismatch", "fmt_mismatch: the formatted text loads to another agreement", "")
    stage[0] = "evaluate"
    report = sladsl.evaluate(checked.agreement, sladsl.read_timeline(case.timeline, case.timeline_name))
    _check_report(report, case.timeline_name, case.timeline, result)
    _render(report, case.name, case.timeline_name, stage)


def _run_timeline(case: Case, result: Result, stage: list[str]) -> None:
    stage[0] = "evaluate"
    report = sladsl.evaluate(seed_agreement(case.vendor), sladsl.read_timeline(case.data, case.name))
    _check_report(report, case.name, case.data, result)
    _render(report, f"{case.vendor}.sla", case.name, stage)
    if report.records.rejected:
        result.outcome = "diagnosed"


def _alarm(signum: int, frame: Any) -> None:
    raise Timeout


@contextlib.contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def run_case(case: Case, limit: int = TIME_LIMIT) -> Result:
    """Run one input through sladsl and sort what happened into an outcome."""
    result = Result()
    stage = ["start"]
    run = _run_agreement if case.kind == "agreement" else _run_timeline
    try:
        with time_limit(limit):
            run(case, result, stage)
    except Timeout as error:
        result.outcome, result.signature = "timeout", f"timeout in {stage[0]}"
        result.detail = f"more than {limit} s; interrupted at {_where(error)[1]}"
    except sladsl.SlaError as error:
        result.outcome = "diagnosed"
        if not any(str(d.code).startswith("E") for d in error.diagnostics):  # warnings may come along
            result.bad_code += 1
            result.notes.append("SlaError without an error among its diagnostics")
        _audit(error.diagnostics, result, errors=False)
    except _Fail as failure:
        result.outcome, result.signature, result.detail = failure.outcome, failure.signature, failure.detail
    except Exception as error:  # anything else is a bug in sladsl: sign it by where it was raised
        short, long = _where(error)
        result.outcome = "internal_error"
        result.signature = f"{stage[0]}: {type(error).__name__} at {short}"
        message = str(error)
        result.detail = f"{type(error).__name__}: {message[:300]}\n  raised at {long}\n" + "".join(
            traceback.format_exception(error, limit=-8)
        )
    return result


# ---- the campaign -------------------------------------------------------------------------------------------


def kind_of_index(kind: str, index: int) -> str:
    """Which kind input `index` is: the one asked for, or with `all`, agreements and timelines in turn."""
    if kind == "all":
        return "agreement" if index % 2 == 0 else "timeline"
    return KINDS[kind]


def make_case(seed: int, kind: str, index: int) -> Case:
    """Input `index` of the campaign `seed`: the same bytes every time."""
    actual = kind_of_index(kind, index)
    rng = random.Random(f"sladsl-fuzz:{seed}:{actual}:{index}")
    return agreement_case(rng) if actual == "agreement" else timeline_case(rng)


@dataclass
class Signature:
    count: int = 0
    first: tuple[int, int, str] = (0, 0, "")  # seed, index, kind
    detail: str = ""
    how: Counter[str] = field(default_factory=Counter)


@dataclass
class Tally:
    """Counts by kind and outcome, the audit's counts, and every failure signature with its first input."""

    seed: int
    counts: dict[str, Counter[str]] = field(default_factory=dict)
    loaded: int = 0
    no_span: int = 0
    bad_code: int = 0
    notes: Counter[str] = field(default_factory=Counter)
    signatures: dict[str, Signature] = field(default_factory=dict)
    seconds: float = 0.0

    def add(self, kind: str, index: int, case: Case, result: Result) -> None:
        self.counts.setdefault(kind, Counter())[result.outcome] += 1
        self.loaded += result.loaded
        self.no_span += result.no_span
        self.bad_code += result.bad_code
        for note in result.notes:
            self.notes[re.sub(r"\d+", "N", note)[:100]] += 1
        if result.outcome in FAILURES:
            found = self.signatures.setdefault(result.signature, Signature(first=(self.seed, index, kind)))
            if not found.count:
                found.detail = result.detail
            found.count += 1
            found.how.update(case.how)

    @property
    def total(self) -> Counter[str]:
        return sum(self.counts.values(), Counter())

    @property
    def failed(self) -> bool:
        return any(self.total[o] for o in FAILURES) or bool(self.no_span or self.bad_code)

    def table(self) -> str:
        rows = [*sorted(self.counts), "total"]
        head = ["kind", *OUTCOMES, "inputs"]
        cells = []
        for row in rows:
            c = self.total if row == "total" else self.counts[row]
            cells.append([row, *(str(c[o]) for o in OUTCOMES), str(sum(c.values()))])
        widths = [max(len(r[i]) for r in [head, *cells]) for i in range(len(head))]
        line = lambda r: "| " + " | ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) + " |"  # noqa: E731
        out = [line(head), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, cells)]
        n = sum(self.total.values())
        out.append("")
        out.append(f"agreements loaded (then formatted and checked): {self.loaded}")
        out.append(f"diagnostics without a span: {self.no_span}; with a malformed code: {self.bad_code}")
        for note, count in self.notes.most_common():
            out.append(f"note ({count}): {note}")
        if self.seconds:
            out.append(f"{n} inputs in {self.seconds:.1f} s: {n / self.seconds:.1f} inputs/s")
        for signature, found in sorted(self.signatures.items(), key=lambda kv: -kv[1].count):
            seed, index, kind = found.first
            out.append("")
            out.append(f"{found.count} x {signature}")
            out.append(f"  first: --seed {seed} --kind {kind}s --replay {index}")
            out.append(f"  made by: {', '.join(f'{h} ({c})' for h, c in found.how.most_common(6))}")
            out.extend("  " + d for d in found.detail.splitlines()[:2])
        return "\n".join(out)


def save(folder: Path, seed: int, index: int, case: Case, result: Result) -> None:
    """The input's bytes under the name's extension (which picks a timeline's format), and what it did."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{case.kind}-{seed}-{index}"
    suffix = Path(case.name).suffix
    (folder / f"{stem}{suffix}").write_bytes(case.data)
    lines = [
        f"outcome: {result.outcome}",
        f"signature: {result.signature}",
        f"read as: {case.name} ({case.kind}, vendor {case.vendor})",
        f"made by: {', '.join(case.how)}",
        f"replay: python bench/fuzz.py --seed {seed} --kind {case.kind}s --replay {index}",
    ]
    if case.kind == "agreement":
        (folder / f"{stem}.timeline.jsonl").write_bytes(case.timeline)
        lines.append(f"checked over: {stem}.timeline.jsonl (as {case.timeline_name})")
    (folder / f"{stem}.txt").write_text("\n".join([*lines, "", result.detail]) + "\n", encoding="utf-8")


def campaign(
    seed: int,
    inputs: int,
    kind: str = "all",
    *,
    start: int = 0,
    folder: Path | None = None,
    progress: Callable[[int, Tally], None] | None = None,
) -> Tally:
    """Inputs `start` to `start + inputs` of the campaign `seed`, run one after another."""
    tally = Tally(seed)
    began = time.perf_counter()
    for index in range(start, start + inputs):
        actual = kind_of_index(kind, index)
        case = make_case(seed, kind, index)
        result = run_case(case)
        tally.add(actual, index, case, result)
        if folder is not None and result.outcome in FAILURES:
            save(folder, seed, index, case, result)
        tally.seconds = time.perf_counter() - began
        if progress is not None:
            progress(index - start + 1, tally)
    return tally


# ---- shortening a failing input -----------------------------------------------------------------------------


def _same(case: Case, data: bytes, signature: str) -> bool:
    if case.kind == "agreement":
        trial = Case(case.kind, case.vendor, case.name, data, case.how, case.timeline_name, case.timeline)
    else:
        trial = Case(case.kind, case.vendor, case.name, data, case.how)
    return run_case(trial).signature == signature


def _shorten(parts: list[bytes], joiner: bytes, keep: Callable[[bytes], bool]) -> list[bytes]:
    """Delta debugging, greedy: remove chunks of parts, halving the chunk, while the failure stays the same."""
    size = max(1, len(parts) // 2)
    while True:
        i = 0
        while i < len(parts):
            trial = parts[:i] + parts[i + size :]
            if trial != parts and keep(joiner.join(trial)):
                parts = trial
            else:
                i += size
        if size == 1:
            return parts
        size = max(1, size // 2)


def minimize(case: Case, signature: str) -> bytes:
    """The input with as many lines, then words (each with the white space before it), removed as keep its
    signature."""
    keep = lambda data: _same(case, data, signature)  # noqa: E731
    data = b"\n".join(_shorten(case.data.split(b"\n"), b"\n", keep))
    return b"".join(_shorten(re.findall(rb"\s*\S+|\s+", data), b"", keep))


# ---- command line -------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inputs", type=int, default=1000, help="how many inputs to run")
    parser.add_argument("--seed", type=int, default=0, help="the campaign's seed")
    parser.add_argument("--kind", choices=["agreements", "timelines", "all"], default="all")
    parser.add_argument("--start", type=int, default=0, help="the index of the first input")
    parser.add_argument("--save", type=Path, help="write each failing input and what it raised to this folder")
    parser.add_argument("--replay", type=int, help="run input INDEX alone and show what it did")
    parser.add_argument("--minimize", action="store_true", help="with --replay: shorten a failing input")
    parser.add_argument("--memory-mb", type=int, default=3072, help="address space limit, to spare the machine")
    args = parser.parse_args(argv)
    if args.memory_mb:
        limit = args.memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, resource.getrlimit(resource.RLIMIT_AS)[1]))
    if args.replay is not None:
        return replay(args.seed, args.kind, args.replay, args.minimize)

    every = max(1, args.inputs // 40)

    def progress(done: int, tally: Tally) -> None:
        if done % every and done != args.inputs:
            return
        total = tally.total
        rate = done / tally.seconds if tally.seconds else 0.0
        counts = " ".join(f"{o}={total[o]}" for o in OUTCOMES)
        print(f"{done}/{args.inputs} {rate:.1f}/s {counts}", file=sys.stderr, flush=True)

    tally = campaign(args.seed, args.inputs, args.kind, start=args.start, folder=args.save, progress=progress)
    print(tally.table())
    return 1 if tally.failed else 0


def replay(seed: int, kind: str, index: int, shorten: bool) -> int:
    case = make_case(seed, kind, index)
    result = run_case(case)
    print(f"input {index} of seed {seed}: {case.kind} read as {case.name} (vendor {case.vendor})")
    print(f"made by: {', '.join(case.how)}")
    print(f"outcome: {result.outcome} {result.signature}")
    for note in result.notes:
        print(f"note: {note}")
    if result.detail:
        print(result.detail)
    if shorten and result.outcome in FAILURES:
        small = minimize(case, result.signature)
        print(f"shortened from {len(case.data)} to {len(small)} bytes:")
        print(repr(small) if len(small) < 3000 else repr(small[:3000]) + " ...")
    return 1 if result.outcome in FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
