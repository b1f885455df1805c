"""`--jobs N`: a JSON Lines timeline shared among N worker processes, with output byte for byte that of one.

A report or event belongs to the worker its incident's bucket falls to (`sladsl.evaluation.engine.owner`); a
customer record is read by every worker, for plans, and counted by worker 0; everything else belongs to worker 0.
A run goes in four steps, each worker doing its part of each:

1. Each worker parses one Nth of the file, cut at line starts, and writes the code of each record (whom it
   concerns, `sladsl.evaluation.finality.line_code`) with its number to a file for the worker that will read
   the record; the customers' records are sent to the parent, which tells every worker where each customer's
   last record is, and how many records each Nth holds.
2. Each worker reads the codes of its own records, last to first, and learns what one process learns by reading
   the timeline backwards, for the incidents of its own buckets: which of its records is the last of its
   incident, and which records are its to read.
3. Each worker reads the file forwards, parses only its own records, and runs the incident stage of the engine
   on them, writing its lines with their keys to a spool file. When all have read their input they agree on the
   as-of instant (the latest any of them saw), decide what they still hold, and send back their partials.

4. The output is merged in key order, which is the order one process writes in, in N stretches, one per worker:
   the lines decided after the first record of each Nth of the records on. Each worker noted, as it wrote its
   spool, where each stretch's lines end in it, so worker n merges stretch n from every spool on its own, and
   the parent only copies the stretches out in order and then runs the period stage on the partials.

So every line is parsed about twice in all, as one process parses it, not twice per worker, and nothing that
grows with the timeline is done by one process alone but the copying of the merged output.
"""

from __future__ import annotations

import array
import contextlib
import heapq
import mmap
import multiprocessing
import multiprocessing.connection
import os
import signal
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any

import msgspec

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
    in_batches,
)
from sladsl.evaluation.finality import CUSTOMER, Finality, line_code, reader_of
from sladsl.render.json import Lines
from sladsl.run import files
from sladsl.run.check import Options, WorkerLost, Writer
from sladsl.run.progress import Progress
from sladsl.timeline.formats import Entry, json_lines, read_line


class Job(msgspec.Struct, frozen=True):
    """What every worker needs: the agreement, the file, its size and where it is cut, the options, and the
    folder for the workers' files."""

    agreement: model.Agreement
    path: str
    name: str
    size: int
    cuts: tuple[int, ...]
    options: Options
    folder: str

    def spool(self, worker: int) -> str:
        """The file of a worker's lines, each after its key, in key order."""
        return os.path.join(self.folder, f"worker-{worker}.lines")

    def merged(self) -> list[str]:
        """The files of the merged output, one per worker, in the order of the output."""
        return [os.path.join(self.folder, f"merged-{index}") for index in range(len(self.cuts) - 1)]

    def codes(self, part: int, reader: int) -> str:
        """The file of the codes that worker `reader` reads, found in the `part`-th Nth of the timeline."""
        return os.path.join(self.folder, f"codes-{part}-{reader}")


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
        pipes = [context.Pipe() for _ in range(jobs)]
        ends = [end for pair in pipes for end in pair]
        processes = [
            context.Process(
                target=_worker,
                args=(job, i, jobs, pipes[i][1]),
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
            done: list[tuple[Partial, list[int]]] = [_receive(parent) for parent, _ in pipes]
            partials = [partial for partial, _ in done]
            stretches = [spool_ends for _, spool_ends in done]
            for parent, _ in pipes:
                parent.send(stretches)
            for parent, _ in pipes:
                _receive(parent)
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
        for worker in range(jobs):  # merged: the spools are no longer needed, and hold as much as the output
            os.remove(job.spool(worker))
        for merged in job.merged():  # each worker's stretch of the output, in order, each let go once copied
            files.copy_to(merged, out)
            os.remove(merged)
    progress.say("the periods: availability, credits and totals")
    return write_periods(agreement, partials, final, options, write=Writer(out), lines=lines)


def write_periods(
    agreement: model.Agreement,
    partials: Sequence[Partial],
    final: int | None,
    options: Options,
    *,
    write: Writer,
    lines: Lines,
) -> Summary:
    """The period stage on the workers' (or shares') partials, its lines written after theirs; its summary."""
    summary: Summary | None = None
    for item in PeriodStage(agreement, partials, final, window=options.window).run():
        for line in lines.render(item):
            write(line)
        if isinstance(item, Summary):
            summary = item
    write.flush()
    assert summary is not None
    return summary


def _worker(job: Job, index: int, workers: int, conn: Any, *, others: list[Any], terminal: bool) -> None:
    """One of N workers: its share's lines, spooled with their keys; its partial sent back at the end. Whatever
    stops it is sent to the parent, which stops the run and reports it as one job would. It first closes its
    copies of the other pipes' ends: while it held them, the parent could not see a worker that died without a
    word, and waited for it."""
    for end in others:
        end.close()
    try:
        _work(job, index, workers, conn, terminal=terminal)
    except Exception as error:
        try:
            conn.send(("failed", error))
        except Exception:  # an exception that cannot be pickled is sent as its text
            conn.send(("failed", RuntimeError(f"{type(error).__name__}: {error}")))
    finally:
        conn.close()


FIELDS = 6  # what step 1 writes of a record: its number and code, then its line, column, offset and length


def _work(job: Job, index: int, workers: int, conn: Any, *, terminal: bool) -> None:
    options = job.options
    progress = Progress(job.size) if index == 0 else None
    if progress is not None:
        progress.on = terminal
        progress.start("reading", job.cuts[index + 1] - job.cuts[index])
    conn.send(("ok", _codes(job, index, workers, progress)))
    parts, customers = conn.recv()
    total = sum(count for count, _ in parts)
    firsts = [sum(count for count, _ in parts[:part]) for part in range(workers)]  # each Nth's first record
    finality = Finality(job.size, (index, workers))
    finality.expect(total)
    finality.customers = customers
    for part in reversed(range(workers)):  # this worker's records, from the last Nth to the first
        last = total - 1 - firsts[part]  # the place, counted from the end, of the Nth's first record
        for block in files.blocks_backwards(job.codes(part, index), unit=FIELDS * 8):
            found = array.array("q", block)
            numbers, codes = found[0::FIELDS], found[1::FIELDS]
            numbers.reverse()
            codes.reverse()
            finality.add_places((last - number for number in numbers), codes)
    finality.done()
    stage = IncidentStage(
        job.agreement, as_of=options.as_of, window=options.window, trace=options.trace, finality=finality
    )
    lines = Lines(job.agreement)
    # Step 4 merges the output in stretches, one per worker: the lines decided after the first of every Nth of
    # the records on; `ends[n]` is where the spool's lines of stretch n end, noted as the spool is written.
    bounds = [total * part // workers for part in range(1, workers)]
    ends: list[int] = []
    written = 0
    with open(job.spool(index), "wb") as sink:
        pending = bytearray()  # the keyed lines, written to the spool a megabyte at a time
        render = lines.render

        def emit(items: Iterable[Item]) -> None:
            nonlocal written
            for item in items:
                assert isinstance(item, (Decided, Rejected))
                while len(ends) < len(bounds) and item.key[0] >= bounds[len(ends)]:
                    ends.append(written + len(pending))
                key = sortable(item.key)
                for line in render(item):
                    pending.extend(key)
                    pending.extend(line)
                    pending.extend(b"\n")
            if len(pending) >= 1 << 20:
                written += len(pending)
                sink.write(pending)
                pending.clear()

        if progress is not None:
            progress.start("checking", job.size)
        for decided in in_batches(_mine(job, index, parts, firsts, progress), stage):
            emit(decided)
        if progress is not None:
            progress.say("deciding the incidents still open")
        conn.send(("ok", stage.latest))
        emit(stage.finish(conn.recv()))
        sink.write(pending)
        written += len(pending)
    ends.extend([written] * (workers - len(ends)))
    conn.send(("ok", (stage.partial(customers=index == 0), ends)))
    # Step 4: this worker's stretch of the output, merged from every worker's spool.
    every: list[list[int]] = conn.recv()
    if progress is not None:
        progress.say(f"merging the output of {workers} workers")
    with open(job.merged()[index], "wb") as out, contextlib.ExitStack() as stack:
        stretches = [
            _lines_between(stack.enter_context(open(job.spool(reader), "rb")), [0, *found][index], found[index])
            for reader, found in enumerate(every)
        ]
        _merge(stretches, out)
    conn.send(("ok", None))


def _mine(
    job: Job, index: int, parts: list[tuple[int, int]], firsts: list[int], progress: Progress | None
) -> Iterator[tuple[Entry, bool]]:
    """Step 3's input: the records this worker reads, in the order of the file, each parsed where step 1 found
    it, and whether this worker counts it; the other workers' lines are never looked at. A worker reads the
    records step 1 wrote for it (`reader_of`): those of its incidents, which it counts, and every customer
    record, which only worker 0 counts (as it counts what names no incident)."""
    counts_all = index == 0
    lines_before = 0
    kept = 0  # where the pages of the file still counted in this process's memory begin
    with open(job.path, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as whole:
        name = job.name
        for part, (_, lines_in_part) in enumerate(parts):
            cut, first = job.cuts[part], firsts[part]
            for block in files.chunks(job.codes(part, index), size=FIELDS * 8 * 4096):
                found = array.array("q", block)
                fields = [iter(found)] * FIELDS  # the records' six fields at a time, not a slice per record
                for number, code, line, column, offset, length in zip(*fields, strict=True):
                    start = cut + offset
                    body = whole[start : start + length]
                    place = (line + lines_before, start, column, body)
                    entry = Entry(first + number, None, read_line(body), body, (name, place))
                    yield entry, counts_all or code != CUSTOMER
                if found:
                    done = cut + found[-2]
                    if progress is not None:
                        progress(done)
                    kept = _let_go(whole, kept, done)
            lines_before += lines_in_part


LET_GO = 32 << 20  # bytes of the file read past before their pages are let go


def _let_go(whole: mmap.mmap, kept: int, done: int) -> int:
    """Lets the pages of the file before `done` go from this process, once 32 MB have been read past, and
    returns where the pages still held begin. A page of a mapped file counts in the process's resident memory
    while it is mapped, so a worker that read a 10 GB file through one mapping would seem to hold 10 GB; the
    kernel keeps the pages in its own cache either way."""
    done -= done % mmap.PAGESIZE
    if done - kept < LET_GO:
        return kept
    whole.madvise(mmap.MADV_DONTNEED, kept, done - kept)
    return done


def _codes(
    job: Job, index: int, workers: int, progress: Progress | None
) -> tuple[tuple[int, int], list[tuple[int, str]]]:
    """Step 1 for one worker: its Nth of the file parsed, and each record written for the worker that reads it
    (every worker, for a customer record): its number in the Nth, its code, and its line, column, offset and
    length there. Returns how many records and lines the Nth holds, and the customers' records among them."""
    lo, hi = job.cuts[index], job.cuts[index + 1]
    found = [array.array("q") for _ in range(workers)]
    customers = []
    count = 0
    chunks = files.chunks_between(job.path, lo, hi, progress)
    with contextlib.ExitStack() as stack:
        outs = [stack.enter_context(open(job.codes(index, worker), "wb")) for worker in range(workers)]
        for number, (line, offset, column, body) in enumerate(json_lines(chunks, start=lo == 0)):
            code, customer = line_code(body)
            if customer is not None:
                customers.append((number, customer))
            reader = reader_of(code, workers)
            for worker in range(workers) if reader is None else (reader,):
                records = found[worker]
                records.extend((number, code, line, column, offset, len(body)))
                if len(records) >= FIELDS << 16:  # written 65,536 records at a time, not held
                    records.tofile(outs[worker])
                    del records[:]
            count = number + 1
        for records, out in zip(found, outs, strict=True):
            records.tofile(out)
    return (count, files.count_lines(job.path, lo, hi)), customers


def _customers(
    found: list[tuple[tuple[int, int], list[tuple[int, str]]]],
) -> tuple[list[tuple[int, int]], dict[str, int]]:
    """How many records and lines each Nth of the timeline has, and where each customer's last record is,
    counted from the end, from what each worker found in its Nth."""
    parts = [part for part, _ in found]
    total = sum(count for count, _ in parts)
    places: dict[str, int] = {}
    first = 0
    for (count, _), customers in found:
        for number, ident in customers:
            places[ident] = total - 1 - (first + number)  # the later a record, the smaller its place
        first += count
    return parts, places


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


def _lines_between(handle: IO[bytes], lo: int, hi: int) -> Iterator[bytes]:
    """The lines of a spool from byte `lo` up to `hi`, both at line starts."""
    handle.seek(lo)
    left = hi - lo
    for line in handle:
        if left <= 0:
            return
        left -= len(line)
        yield line


def _merge(stretches: Sequence[Iterable[bytes]], out: IO[bytes]) -> None:
    """The workers' lines, in key order and each without its key, written to `out` a megabyte at a time."""
    block = bytearray()
    for line in heapq.merge(*stretches):
        block += line[line.index(b"\t") + 1 :]
        if len(block) >= 1 << 20:
            out.write(block)
            block.clear()
    out.write(block)
