"""`--jobs N`: a JSON Lines timeline shared among N worker processes, with output byte for byte that of one.

A report or event belongs to the worker its incident's bucket falls to (`sladsl.evaluation.engine.owner`); a
customer record is read by every worker, for plans, and counted by worker 0; everything else belongs to worker 0.
A run goes in three steps, each worker doing its part of each:

1. Each worker parses one Nth of the file, cut at line starts, and writes the code of each record (whom it
   concerns, `sladsl.evaluation.finality.code_of_key`) to a file, four bytes a record; the customers' records are
   sent to the parent, which tells every worker where each customer's last record is.
2. Each worker reads every code, last to first, and learns what one process learns by reading the timeline
   backwards, for the incidents of its own buckets: which of its records is the last of its incident, and which
   records are its to read.
3. Each worker reads the file forwards, parses only its own records, and runs the incident stage of the engine
   on them, writing its lines with their keys to a spool file. When all have read their input they agree on the
   as-of instant (the latest any of them saw), decide what they still hold, and send back their partials.

The parent merges the spools in key order, which is the order one process writes in, then runs the period stage
on the partials. So every line is parsed about twice in all, as one process parses it, not twice per worker.
"""

from __future__ import annotations

import array
import contextlib
import heapq
import multiprocessing
import multiprocessing.connection
import os
import signal
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any

import attrs

from sladsl import model
from sladsl.evaluation.engine import (
    Decided,
    IncidentStage,
    Item,
    Key,
    Partial,
    PeriodStage,
    Rejected,
    Summary,
    final_as_of,
    owner,
)
from sladsl.evaluation.finality import Finality, code_of_key
from sladsl.render.json import Lines
from sladsl.run import files
from sladsl.run.check import Options, WorkerLost, Writer
from sladsl.run.progress import Progress
from sladsl.timeline.formats import json_lines, line_entry, parse_line
from sladsl.timeline.records import key_of


@attrs.frozen
class Job:
    """What every worker needs: the agreement, the file, its size and where it is cut, the options, and the
    folder for the workers' files."""

    agreement: model.Agreement
    path: str
    name: str
    size: int
    cuts: tuple[int, ...]
    options: Options
    folder: str

    def codes(self, worker: int) -> str:
        return os.path.join(self.folder, f"codes-{worker}")


def parallel(
    agreement: model.Agreement,
    path: str,
    out: IO[bytes],
    options: Options,
    *,
    name: str,
    lines: Lines,
    jobs: int,
    progress: Progress,
) -> Summary:
    methods = multiprocessing.get_all_start_methods()
    context: Any = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    progress.on = False  # worker 0 draws it
    size = files.size_of(path) or 0
    with tempfile.TemporaryDirectory(prefix="sladsl-") as folder:
        job = Job(agreement, path, name, size, tuple(files.line_starts(path, size, jobs)), options, folder)
        spools = [os.path.join(folder, f"worker-{i}.lines") for i in range(jobs)]
        pipes = [context.Pipe() for _ in range(jobs)]
        ends = [end for pair in pipes for end in pair]
        processes = [
            context.Process(
                target=_worker,
                args=(job, i, jobs, spools[i], pipes[i][1]),
                kwargs={"others": [end for end in ends if end is not pipes[i][1]], "terminal": progress.terminal},
                daemon=True,
            )
            for i in range(jobs)
        ]
        for process in processes:
            process.start()
        for _, child in pipes:
            child.close()  # the workers hold their ends: a worker that dies unheard gives EOFError, not a hang
        try:
            learned = _customers([_receive(parent) for parent, _ in pipes])
            for parent, _ in pipes:
                parent.send(learned)
            final = final_as_of(options.as_of, [_receive(parent) for parent, _ in pipes])
            for parent, _ in pipes:
                parent.send(final)
            partials: list[Partial] = [_receive(parent) for parent, _ in pipes]
        except WorkerLost as error:
            # Which worker ended, and how: its exit status is there once its process is reaped.
            ended = multiprocessing.connection.wait([p.sentinel for p in processes], timeout=5)
            lost = []
            for index, process in enumerate(processes):
                if process.sentinel in ended:
                    process.join()
                    if process.exitcode:
                        lost.append((index, process.exitcode))
            for process in processes:
                process.terminate()
            raise WorkerLost(_how_it_ended(*lost[0]) if lost else str(error)) from None
        except BaseException:
            for process in processes:
                process.terminate()
            raise
        finally:
            for process in processes:
                process.join()
            progress.on = progress.terminal  # the workers are done: the line is the parent's to say or clear
        failed = [p.exitcode for p in processes if p.exitcode != 0]
        if failed:
            raise RuntimeError(f"a --jobs worker failed (exit code {failed[0]})")
        progress.say(f"merging {jobs} workers' lines")
        with contextlib.ExitStack() as stack:
            handles = [stack.enter_context(open(spool, "rb")) for spool in spools]
            write = Writer(out)
            for line in _merged(handles):
                write(line[:-1])  # the Writer adds the line feed back
            write.flush()
    progress.say("the periods: availability, credits and totals")
    write = Writer(out)
    summary: Summary | None = None
    for item in PeriodStage(agreement, partials, final, window=options.window).run():
        for line in lines.render(item):
            write(line)
        if isinstance(item, Summary):
            summary = item
    write.flush()
    assert summary is not None
    return summary


def _worker(
    job: Job, index: int, workers: int, spool: str, conn: Any, *, others: list[Any], terminal: bool
) -> None:
    """One of N workers: its share's lines, spooled with their keys; its partial sent back at the end. Whatever
    stops it is sent to the parent, which stops the run and reports it as one job would. It first closes its
    copies of the other pipes' ends: while it held them, the parent could not see a worker that died without a
    word, and waited for it."""
    for end in others:
        end.close()
    try:
        _work(job, index, workers, spool, conn, terminal=terminal)
    except Exception as error:
        try:
            conn.send(("failed", error))
        except Exception:  # an exception that cannot be pickled is sent as its text
            conn.send(("failed", RuntimeError(f"{type(error).__name__}: {error}")))
    finally:
        conn.close()


def _work(job: Job, index: int, workers: int, spool: str, conn: Any, *, terminal: bool) -> None:
    options = job.options
    progress = Progress(job.size) if index == 0 else None
    if progress is not None:
        progress.on = terminal
        progress.start("reading", job.cuts[index + 1] - job.cuts[index])
    conn.send(("ok", _codes(job, index, progress)))
    total, customers = conn.recv()
    finality = Finality(job.size, (index, workers))
    finality.customers = customers
    for worker in reversed(range(workers)):  # every record's code, last to first
        for block in files.blocks_backwards(job.codes(worker)):
            finality.add_codes(reversed(array.array("I", block)))
    finality.done()
    assert finality.count == total, (finality.count, total)
    stage = IncidentStage(
        job.agreement, as_of=options.as_of, window=options.window, trace=options.trace, finality=finality
    )
    lines = Lines(job.agreement)
    with open(spool, "wb") as sink:

        def emit(items: Iterable[Item]) -> None:
            for item in items:
                assert isinstance(item, (Decided, Rejected))
                key = sortable(item.key)
                for line in lines.render(item):
                    sink.write(key + line + b"\n")

        if progress is not None:
            progress.start("checking", job.size)
        # Only the records this worker reads are parsed: the codes told which they are.
        for seq, place in enumerate(json_lines(files.chunks(job.path, progress))):
            if not finality.owns(seq):
                continue
            entry = line_entry(job.name, seq, place)
            belongs = owner(entry.raw, workers)
            if belongs == index:
                emit(stage.feed(entry))
            elif belongs is None:
                emit(stage.feed(entry, counted=index == 0))
        if progress is not None:
            progress.say("deciding the incidents still open")
        conn.send(("ok", stage.latest))
        emit(stage.finish(conn.recv()))
    conn.send(("ok", stage.partial(customers=index == 0)))


def _codes(job: Job, index: int, progress: Progress | None) -> tuple[int, list[tuple[int, str]]]:
    """Step 1 for one worker: the codes of the records in its Nth of the file, written to its codes file; how
    many records there are, and the customers' records among them (by number, from the Nth's first)."""
    lo, hi = job.cuts[index], job.cuts[index + 1]
    codes = array.array("I")
    customers = []
    for number, (*_, body) in enumerate(
        json_lines(files.chunks_between(job.path, lo, hi, progress), start=lo == 0)
    ):
        key = key_of(parse_line(body))
        if key is not None and key[0] == "customer":
            customers.append((number, key[1]))
        codes.append(code_of_key(key))
    with open(job.codes(index), "wb") as out:
        codes.tofile(out)
    return len(codes), customers


def _customers(found: list[tuple[int, list[tuple[int, str]]]]) -> tuple[int, dict[str, int]]:
    """How many records the timeline has, and where each customer's last record is, counted from the end, from
    what each worker found in its Nth."""
    total = sum(count for count, _ in found)
    places: dict[str, int] = {}
    first = 0
    for count, customers in found:
        for number, ident in customers:
            places[ident] = total - 1 - (first + number)  # the later a record, the smaller its place
        first += count
    return total, places


def _receive(conn: Any) -> Any:
    """A worker's next message; what stopped it, raised here."""
    try:
        status, payload = conn.recv()
    except EOFError:
        raise WorkerLost("a --jobs worker stopped before it finished") from None
    if status == "failed":
        raise payload
    return payload


def _how_it_ended(index: int, code: int) -> str:
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = "an unknown signal"
        return f"--jobs worker {index} was killed by signal {-code} ({name}) before it finished"
    return f"--jobs worker {index} exited with code {code} before it finished"


def sortable(key: Key) -> bytes:
    """A key as bytes that sort as the key does, ending in a tab: the decision's record, the rank and the order
    within it as 19-digit numbers (none is negative, none reaches 10**19), then the incident's id in hex (UTF-8
    bytes sort as the text does, and a shorter id sorts before a longer one it begins). The parent then merges
    the workers' lines as bytes, with no parsing: two workers never share a key."""
    record, rank, order, ident = key
    return b"%019d%d%019d%s\t" % (record, rank, order, ident.encode("utf-8", "surrogatepass").hex().encode())


def _merged(handles: Sequence[IO[bytes]]) -> Iterator[bytes]:
    """The workers' lines in key order, each without its key."""
    for line in heapq.merge(*handles):
        yield line[line.index(b"\t") + 1 :]
