"""`--jobs N`: a JSON Lines timeline shared among N worker processes, with output byte for byte that of one.

The incidents are cut into shares of their buckets (`sladsl.evaluation.finality.bucket_of`), largest first
(`share_plan`): a report or event belongs to the share its incident's bucket is in; a customer record is read by
every share, for plans, and counted by share 0; everything else belongs to share 0. A worker takes the next share
no one has taken whenever it is free, so a worker slowed by a busy core takes fewer, and as the last shares are
the smallest, none waits long for the others at the end. A run goes in four steps, each worker doing its part
of each:

1. The file is cut at line starts into 4N parts. A worker takes the next part no one has taken, parses it, and
   writes the code of each record (whom it concerns, `sladsl.evaluation.finality.line_code`) with its number
   to a file for the share that will read the record, then takes the next part. The customers' records are
   sent to the parent, which tells every worker where each customer's last record is, and how many records
   each part holds.
2. A worker takes a share, reads its codes last to first, and learns what one process learns by reading the
   timeline backwards, for the incidents of that share: which of its records is the last of its incident, and
   which records are its to read.
3. It then reads the file forwards, parses only that share's records, and runs the incident stage of the engine
   on them, writing its lines with their keys to the share's spool file; then it takes the next share, until
   none is left. When all shares are read the workers agree on the as-of instant (the latest any share saw),
   decide what their shares still hold, and send back each share's partial.

4. The output is merged in key order, which is the order one process writes in, in N stretches, one per worker:
   the lines decided after the first record of each Nth of the records on. Each share's spool notes where each
   stretch's lines end in it, so worker n merges stretch n from every spool on its own, and the parent only
   copies the stretches out in order and then runs the period stage on the partials.

So every line is parsed about twice in all, as one process parses it, not twice per worker, and nothing that
grows with the timeline is done by one process alone but the copying of the merged output. Which worker took
which part or share changes nothing in the output: what step 1 found is taken in part order, the lines are
merged by key, the partials are taken in share order, and when shares fail, the run reports the failure of the
first of them.
"""

from __future__ import annotations

import array
import contextlib
import heapq
import mmap
import multiprocessing
import multiprocessing.connection
import os
import pickle
import signal
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
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
from sladsl.evaluation.finality import BUCKETS, CUSTOMER, Finality, line_code, reader_of
from sladsl.render.json import Lines
from sladsl.run import files
from sladsl.run.check import Options, WorkerLost, Writer
from sladsl.run.progress import Progress
from sladsl.timeline.formats import Entry, json_lines, read_line


def share_plan(workers: int) -> tuple[int, ...]:
    """The share each bucket is in, for `workers` workers: each share takes a 2N-th of the buckets still left
    (rounded up), so the shares shrink from a 2N-th of the incidents to a single bucket. The first shares keep
    every worker busy; the last are small, so when one worker runs out of shares the others have little left."""
    plan: list[int] = []
    while len(plan) < BUCKETS:
        left = BUCKETS - len(plan)
        plan.extend([plan[-1] + 1 if plan else 0] * -(-left // (2 * workers)))
    return tuple(plan)


class Job(msgspec.Struct, frozen=True):
    """What every worker needs: the agreement, the file, its size and where it is cut into parts, how many
    workers there are, the share of each bucket (`share_plan`), the options, and the folder for the workers'
    files."""

    agreement: model.Agreement
    path: str
    name: str
    size: int
    cuts: tuple[int, ...]
    workers: int
    share_of: tuple[int, ...]
    options: Options
    folder: str

    @property
    def shares(self) -> int:
        return self.share_of[-1] + 1

    def spool(self, share: int) -> str:
        """The file of a share's lines, each after its key, in key order."""
        return os.path.join(self.folder, f"share-{share}.lines")

    def merged(self) -> list[str]:
        """The files of the merged output, one per worker, in the order of the output."""
        return [os.path.join(self.folder, f"merged-{index}") for index in range(self.workers)]

    def codes(self, part: int, share: int) -> str:
        """The file of the codes that share `share` reads, found in part `part` of the timeline."""
        return os.path.join(self.folder, f"codes-{part}-{share}")


PARTS_PER_WORKER = 4  # step 1's parts: a worker that finishes its last part early waits for at most one other

# The counters the workers share: the next part and the next share to take, and for the progress bar, the bytes
# of the parts parsed and the buckets of the shares read.
NEXT_PART, NEXT_SHARE, PARSED, READ = range(4)


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
        cuts = tuple(files.line_starts(path, size, jobs * PARTS_PER_WORKER))
        job = Job(agreement, path, name, size, cuts, jobs, share_plan(jobs), options, folder)
        shares = job.shares
        counters = context.Array("q", 4)
        pipes = [context.Pipe() for _ in range(jobs)]
        ends = [end for pair in pipes for end in pair]
        processes = [
            context.Process(
                target=_worker,
                args=(job, i, jobs, pipes[i][1], counters),
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
            parsed = dict(found for parent, _ in pipes for found in _receive(parent))  # each part's, by part
            learned = _customers([parsed[part] for part in range(len(cuts) - 1)])
            for parent, _ in pipes:
                parent.send(learned)
            latest: list[int | None] = [t for found in gather(pipes) for t in found]
            final = final_as_of(options.as_of, latest)
            for parent, _ in pipes:
                parent.send(final)
            done: list[tuple[int, Partial, list[int]]] = sorted(
                (held for found in gather(pipes) for held in found), key=lambda held: held[0]
            )
            assert [share for share, _, _ in done] == list(range(shares))
            partials = [partial for _, partial, _ in done]
            stretches = [spool_ends for _, _, spool_ends in done]
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
        for share in range(shares):  # merged: the spools are no longer needed, and hold as much as the output
            os.remove(job.spool(share))
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


def _worker(
    job: Job, index: int, workers: int, conn: Any, counters: Any, *, others: list[Any], terminal: bool
) -> None:
    """One of N workers: the lines of the shares it takes, spooled with their keys; their partials sent back at
    the end. Whatever stops it is sent to the parent, which stops the run and reports it as one job would. It
    first closes its copies of the other pipes' ends: while it held them, the parent could not see a worker
    that died without a word, and waited for it."""
    for end in others:
        end.close()
    try:
        _work(job, index, workers, conn, counters, terminal=terminal)
    except ShareFailed as failed:
        conn.send(("share failed", (failed.share, _sendable(failed.error))))
    except Exception as error:
        conn.send(("failed", _sendable(error)))
    finally:
        conn.close()


class ShareFailed(Exception):
    """What stopped a worker in one of its shares: the parent hears from every worker, then reports the failure
    of the first share that failed, whichever worker took it."""

    def __init__(self, share: int, error: Exception) -> None:
        super().__init__(share, error)
        self.share, self.error = share, error


def _sendable(error: Exception) -> Exception:
    """An exception as it can be sent to the parent: itself, or its text when it cannot be pickled."""
    try:
        pickle.dumps(error)
    except Exception:
        return RuntimeError(f"{type(error).__name__}: {error}")
    return error


FIELDS = 6  # what step 1 writes of a record: its number and code, then its line, column, offset and length


SPOOLED = 1 << 18  # bytes of a share's lines held before they are written: a worker holds several shares at once


class _Spool:
    """A share's lines, each after its key, written to its spool file 256 KB at a time. Step 4 merges the
    output in stretches, one per worker: the lines decided after the first of every Nth of the records on;
    `ends[n]` is where the spool's lines of stretch n end, noted as the spool is written."""

    def __init__(self, path: str, bounds: list[int], lines: Lines) -> None:
        self.sink = open(path, "wb")  # noqa: SIM115 - held open while the share's stage is, closed by `close`
        self.bounds = bounds
        self.render = lines.render
        self.pending = bytearray()
        self.written = 0
        self.ends: list[int] = []

    def emit(self, items: Iterable[Item]) -> None:
        pending, ends, bounds = self.pending, self.ends, self.bounds
        for item in items:
            assert isinstance(item, (Decided, Rejected))
            while len(ends) < len(bounds) and item.key[0] >= bounds[len(ends)]:
                ends.append(self.written + len(pending))
            key = sortable(item.key)
            for line in self.render(item):
                pending.extend(key)
                pending.extend(line)
                pending.extend(b"\n")
        if len(pending) >= SPOOLED:
            self.written += len(pending)
            self.sink.write(pending)
            pending.clear()

    def close(self) -> list[int]:
        """The rest of the lines written and the file closed; where each stretch's lines end."""
        self.sink.write(self.pending)
        self.written += len(self.pending)
        self.pending.clear()
        self.sink.close()
        return self.ends + [self.written] * (len(self.bounds) + 1 - len(self.ends))


def take(counters: Any, which: int, count: int) -> int | None:
    """The next part (`NEXT_PART`) or share (`NEXT_SHARE`) no worker has taken, taken; None when all `count` of
    them have been."""
    with counters.get_lock():
        taken: int = counters[which]
        if taken >= count:
            return None
        counters[which] = taken + 1
    return taken


def _add(counters: Any, which: int, amount: int) -> None:
    with counters.get_lock():
        counters[which] += amount


def _work(job: Job, index: int, workers: int, conn: Any, counters: Any, *, terminal: bool) -> None:
    options = job.options
    progress = Progress(job.size) if index == 0 else None
    if progress is not None:
        progress.on = terminal
        progress.start("reading", job.size)
    parsed = []
    while (part := take(counters, NEXT_PART, len(job.cuts) - 1)) is not None:
        parsed.append((part, _codes(job, part, _parsing(progress, counters))))
        _add(counters, PARSED, job.cuts[part + 1] - job.cuts[part])
    conn.send(("ok", parsed))
    parts, customers = conn.recv()
    total = sum(count for count, _ in parts)
    firsts = [sum(count for count, _ in parts[:part]) for part in range(len(parts))]  # each part's first record
    bounds = [total * part // workers for part in range(1, workers)]
    lines = Lines(job.agreement)
    if progress is not None:
        progress.start("checking", job.size)
    held: list[tuple[int, IncidentStage, _Spool]] = []
    try:
        while (share := take(counters, NEXT_SHARE, job.shares)) is not None:
            finality = _finality(job, share, total, firsts, customers)  # step 2
            # Step 3: the share's records read forwards, its lines spooled.
            stage = IncidentStage(
                job.agreement, as_of=options.as_of, window=options.window, trace=options.trace, finality=finality
            )
            spool = _Spool(job.spool(share), bounds, lines)
            held.append((share, stage, spool))
            entries = _mine(job, share, parts, firsts, _shown(progress, counters, job, share))
            try:
                for decided in in_batches(entries, stage):
                    spool.emit(decided)
            except Exception as error:
                raise ShareFailed(share, error) from error
            _add(counters, READ, job.share_of.count(share))
        if progress is not None:
            progress.say("deciding the incidents still open")
        conn.send(("ok", [stage.latest for _, stage, _ in held]))
        final = conn.recv()
        done = []
        for share, stage, spool in held:  # in the order taken, which is share order
            try:
                spool.emit(stage.finish(final))
            except Exception as error:
                raise ShareFailed(share, error) from error
            done.append((share, stage.partial(customers=share == 0), spool.close()))
    finally:
        for _, _, spool in held:
            spool.sink.close()
    conn.send(("ok", done))
    # Step 4: this worker's stretch of the output, merged from every share's spool.
    every: list[list[int]] = conn.recv()
    if progress is not None:
        progress.say(f"merging the output of {workers} workers")
    with open(job.merged()[index], "wb") as out, contextlib.ExitStack() as stack:
        stretches = [
            _lines_between(stack.enter_context(open(job.spool(share), "rb")), [0, *found][index], found[index])
            for share, found in enumerate(every)
        ]
        _merge(stretches, out)
    conn.send(("ok", None))


def _finality(job: Job, share: int, total: int, firsts: list[int], customers: dict[str, int]) -> Finality:
    """Step 2 for one share: which of its records is the last of its incident, from its codes read last to
    first, the last part's first."""
    finality = Finality(job.size)  # every record it is given is the share's
    finality.expect(total)
    finality.customers = customers
    for part in reversed(range(len(firsts))):
        last = total - 1 - firsts[part]  # the place, counted from the end, of the part's first record
        for block in files.blocks_backwards(job.codes(part, share), unit=FIELDS * 8):
            found = array.array("q", block)
            numbers, codes = found[0::FIELDS], found[1::FIELDS]
            numbers.reverse()
            codes.reverse()
            finality.add_places((last - number for number in numbers), codes)
    finality.done()
    return finality


def _parsing(progress: Progress | None, counters: Any) -> Callable[[int], None] | None:
    """For worker 0, what step 1 calls with how far into a part it has read: the bar shows the parts parsed by
    every worker, and that much of the part at hand."""
    if progress is None:
        return None

    def show(done: int) -> None:
        progress(counters[PARSED] + done)

    return show


def _shown(progress: Progress | None, counters: Any, job: Job, share: int) -> Callable[[int], None] | None:
    """For worker 0, what step 3 calls with how far into the file a share has read: the bar shows the buckets
    of the shares read by every worker, and that part of the share at hand's."""
    if progress is None:
        return None
    buckets = job.share_of.count(share)

    def show(offset: int) -> None:
        progress((counters[READ] * job.size + offset * buckets) // BUCKETS)

    return show


def _mine(
    job: Job, share: int, parts: list[tuple[int, int]], firsts: list[int], progress: Callable[[int], None] | None
) -> Iterator[tuple[Entry, bool]]:
    """Step 3's input: the records a share reads, in the order of the file, each parsed where step 1 found it,
    and whether the share counts it; the other shares' lines are never looked at. A share reads the records
    step 1 wrote for it (`reader_of`): those of its incidents, which it counts, and every customer record, which
    only share 0 counts (as it counts what names no incident)."""
    counts_all = share == 0
    lines_before = 0
    kept = 0  # where the pages of the file still counted in this process's memory begin
    with open(job.path, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as whole:
        name = job.name
        for part, (_, lines_in_part) in enumerate(parts):
            cut, first = job.cuts[part], firsts[part]
            # 1,024 records a block: the pages read past are let go after each, and a share of one bucket in 64
            # has a record in about every 64th line, so a block spans a few megabytes of the file, not dozens.
            for block in files.chunks(job.codes(part, share), size=FIELDS * 8 * 1024):
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
    job: Job, part: int, progress: Callable[[int], None] | None
) -> tuple[tuple[int, int], list[tuple[int, str]]]:
    """Step 1 for one part: the part parsed, and each record written for the share that reads it (every share,
    for a customer record): its number in the part, its code, and its line, column, offset and length there.
    Returns how many records and lines the part holds, and the customers' records among them."""
    lo, hi = job.cuts[part], job.cuts[part + 1]
    shares = job.shares
    found = [array.array("q") for _ in range(shares)]
    customers = []
    count = 0
    chunks = files.chunks_between(job.path, lo, hi, progress)
    with contextlib.ExitStack() as stack:
        outs = [stack.enter_context(open(job.codes(part, share), "wb")) for share in range(shares)]
        for number, (line, offset, column, body) in enumerate(json_lines(chunks, start=lo == 0)):
            code, customer = line_code(body)
            if customer is not None:
                customers.append((number, customer))
            reader = reader_of(code, job.share_of)
            for share in range(shares) if reader is None else (reader,):
                records = found[share]
                records.extend((number, code, line, column, offset, len(body)))
                if len(records) >= FIELDS << 12:  # 4,096 records (192 KB) at a time, for each of the shares
                    records.tofile(outs[share])
                    del records[:]
            count = number + 1
        for records, out in zip(found, outs, strict=True):
            records.tofile(out)
    return (count, files.count_lines(job.path, lo, hi)), customers


def _customers(
    found: list[tuple[tuple[int, int], list[tuple[int, str]]]],
) -> tuple[list[tuple[int, int]], dict[str, int]]:
    """How many records and lines each part of the timeline has, and where each customer's last record is,
    counted from the end, from what step 1 found in each part, in the order of the parts."""
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
    if status == "share failed":
        raise ShareFailed(*payload)
    return payload


def gather(pipes: Sequence[tuple[Any, Any]]) -> list[Any]:
    """Every worker's next message, in the workers' order. When shares failed, the failure of the first of them
    is raised once every worker has been heard: which worker took which share changes nothing, as shares are
    taken in order and a worker stops at the first of its own that fails."""
    found, failed = [], []
    for parent, _ in pipes:
        try:
            found.append(_receive(parent))
        except ShareFailed as error:
            failed.append(error)
    if failed:
        raise min(failed, key=lambda error: error.share).error
    return found


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
