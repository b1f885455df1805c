"""A timeline checked on a Dask cluster: the steps of `sladsl.run.shares` scheduled as tasks.

The input is a JSON Lines file that every worker can read at the same path (each worker reads its own byte
ranges, cut at line starts), a Dask bag of its lines or of records, or a Dask dataframe of records (Parquet, read
with `dask.dataframe.read_parquet`). The steps:

    pieces ─split→ a piece's rows for each share ─(plan)→ Share.feed ─latest→ final ─Share.finish→ Done
    Done of every share ─merge (here, in the client)→ the output of one process, byte for byte

A share is a set of incident buckets, as a `--jobs` worker's is, not a set of customers. Response and event
records name only their incident; partitioning by customer would first join every event to its report (a
shuffle of the whole timeline, 12 s for a million records before any verdict was reached). And nothing gains by
it: each incident is decided from its own records alone, and what is per customer (KPIs, availability,
credits, caps) is the engine's period stage over the shares' partials, which are small. Routing by the
incident's id needs no join, keeps each incident's records together, and gives each share whole buckets of the
finality's Bloom filter, so every incident is decided after the same record as in one process, and the lines
merge by key into the same bytes.

The shares are held by the workers between `feed` and `finish`, as every share must have read its records
before the instant the evaluation stands at is known; only their partials and, a block at a time as the merge
reads them, their lines come back to the client.
"""

from __future__ import annotations

import itertools
import os
import pickle
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import IO, Any

import msgspec

from sladsl import model
from sladsl.evaluation.engine import Partial, Summary
from sladsl.evaluation.verdicts import Report
from sladsl.render.json import Lines
from sladsl.run import files
from sladsl.run.check import Options
from sladsl.run.progress import Progress
from sladsl.run.shares import (
    MOST_SHARES,
    Done,
    Piece,
    Share,
    gather,
    line_chunks,
    merge_lines,
    part_of,
    plan,
    record_chunks,
    split,
    standing,
)

PIECE = 64 << 20  # bytes of a file read by one task


class DaskMissing(Exception):
    """Dask (`dask[bag]` and `distributed`) is not installed: `pip install 'sladsl[dask]'`."""


class SchedulerUnreachable(Exception):
    """No Dask scheduler answered at the address given, or it is not an address."""


def client_for(address: str) -> Any:
    """A client of the scheduler at `address` (`tcp://host:8786`), waiting for it as long as Dask's
    `distributed.comm.timeouts.connect` says (30 s unless configured)."""
    distributed = require()
    try:
        distributed.comm.get_address_host_port(address)  # a malformed address, said before a client is made
    except ValueError as error:
        raise SchedulerUnreachable(f"`{address}` is not a Dask scheduler's address: {error}") from None
    try:
        return distributed.Client(address, set_as_default=False)
    except (OSError, TimeoutError) as error:
        raise SchedulerUnreachable(f"no Dask scheduler answered at {address}: {error}") from None


def require() -> Any:
    """The `distributed` module, or `DaskMissing`."""
    try:
        import dask.bag  # noqa: F401, PLC0415 - an optional extra
        import distributed  # noqa: PLC0415
    except ImportError as error:
        missing = (error.name or "dask").split(".")[0]
        raise DaskMissing(
            f"checking on a Dask cluster needs Dask ({missing} is not installed): pip install 'sladsl[dask]'"
        ) from None
    return distributed


class Checked(msgspec.Struct, frozen=True):
    """What a check on a cluster gives: the summary, for `--format jsonl` (its lines are written to `out`), or the
    whole report, for `--format json` and text."""

    summary: Summary | None
    report: Report | None


def check(
    agreement: model.Agreement,
    timeline: Any,
    client: Any,
    *,
    out: IO[bytes] | None = None,
    agreement_file: str = "<agreement>",
    name: str | None = None,
    options: Options = Options(),  # noqa: B008 - a frozen value
    shares: int | None = None,
    progress: Progress | None = None,
) -> Checked:
    """Check `timeline` against `agreement` on the cluster `client` is connected to. `timeline` is a path every
    worker can read, a Dask bag of lines (text or bytes) or of records (mappings), or a Dask dataframe of
    records. With `out`, the JSON lines of `check --format jsonl` are written to it; without, the whole report
    is gathered. `name` is what diagnostics call the timeline (default: the path, or `<records>`); `shares`,
    how many shares of the incidents (default: the cluster's threads, at most 64)."""
    require()
    progress = progress or Progress(None)
    count = shares or max(1, min(MOST_SHARES, sum(client.nthreads().values())))
    if not 1 <= count <= MOST_SHARES:
        raise ValueError(f"shares must be from 1 to {MOST_SHARES}")
    name = name if name is not None else timeline if isinstance(timeline, str) else "<records>"
    progress.say(f"splitting the timeline among {count} shares")
    pieces = _pieces(timeline, client, count)
    the_plan = plan(client.gather(client.map(_counts, pieces, pure=False)), count)
    items = out is None
    fed = [
        client.submit(
            _feed,
            agreement,
            the_plan,
            index,
            [client.submit(_part, piece, index, pure=False) for piece in pieces],
            name=name,
            options=options,
            items=items,
            pure=False,
        )
        for index in range(count)
    ]
    del pieces  # the rows now go to the shares; the pieces are let go once read
    final = standing(options, _say(progress, client, client.map(_latest, fed, pure=False), "reading"))
    done = client.map(_finish, fed, final=final, pure=False)
    partials = _say(progress, client, client.map(_partial, done, pure=False), "deciding")
    del fed
    if out is None:
        progress.say("the periods: availability, credits and totals")
        found = [pickle.loads(blob) for blob in client.gather(client.map(_pickled, done, pure=False))]
        return Checked(None, gather(agreement, found, final, options))
    progress.say(f"merging {count} shares' lines; then the periods")
    header = Lines(agreement).header(agreement, agreement_file, name)
    blocks = client.gather(client.map(_blocks, done, pure=False))
    lines = [_fetched(client, share, found) for share, found in zip(done, blocks, strict=True)]
    return Checked(merge_lines(agreement, lines, partials, final, out, header=header, options=options), None)


def _fetched(client: Any, done: Any, blocks: list[tuple[int, int]]) -> Iterator[bytes]:
    """A share's lines, fetched from its worker a block (about a megabyte) at a time, the next one asked for
    while this one is merged: the client holds two blocks of each share, not all of its lines."""
    asked = [client.submit(_lines, done, first, end, pure=False) for first, end in blocks[:1]]
    for n in range(len(blocks)):
        if n + 1 < len(blocks):
            asked.append(client.submit(_lines, done, *blocks[n + 1], pure=False))
        yield from asked.pop(0).result().split(b"\n")


def _say(progress: Progress, client: Any, futures: list[Any], what: str) -> list[Any]:
    """The futures' results, in order, saying on stderr (on a terminal) how many shares are done."""
    distributed = require()
    for n, _ in enumerate(distributed.as_completed(futures, loop=client.loop), 1):
        progress.say(f"{what}: {n} of {len(futures)} shares done")
    return list(client.gather(futures))


def _pieces(timeline: Any, client: Any, shares: int) -> list[Any]:
    """Futures of the timeline's pieces, split, in the timeline's order."""
    if isinstance(timeline, str):
        size = files.size_of(timeline)
        if size is None:
            raise files.InputError(f"cannot read {timeline}")
        cuts = files.line_starts(timeline, size, max(shares, -(-size // PIECE)))
        spans = [(lo, hi) for lo, hi in itertools.pairwise(cuts) if hi > lo] or [(0, size)]
        path = os.path.abspath(timeline)  # the workers' working folder is not the command's
        return [client.submit(_split_file, path, lo, hi, shares, pure=False) for lo, hi in spans]
    import dask.dataframe  # noqa: PLC0415 - with Parquet only

    if isinstance(timeline, dask.dataframe.DataFrame):
        partitions = client.compute(timeline.to_delayed())  # type: ignore[no-untyped-call]
        return [client.submit(_split_frame, part, shares, n == 0, pure=False) for n, part in enumerate(partitions)]
    partitions = client.compute(timeline.to_delayed())
    return [client.submit(_split_items, part, shares, n == 0, pure=False) for n, part in enumerate(partitions)]


def _split_file(path: str, lo: int, hi: int, shares: int) -> Piece:
    try:
        return split(files.chunks_between(path, lo, hi), shares, first=lo == 0)
    except OSError as error:  # raised again in the command, as a file it cannot read would be
        raise files.InputError(
            f"a Dask worker cannot read {path}: {error.strerror or error}; the workers read the timeline "
            "themselves, at the path the command was given"
        ) from None


def _split_items(items: Sequence[Any], shares: int, first: bool) -> Piece:
    """A bag partition: lines (text or bytes), or records (mappings)."""
    return split(_chunks_of(items), shares, first=first)


def _chunks_of(items: Iterable[Any]) -> Iterator[bytes]:
    for item in items:
        if isinstance(item, Mapping):
            yield from record_chunks((item,))
        else:
            yield from line_chunks((item,))


def _split_frame(frame: Any, shares: int, first: bool) -> Piece:
    """A dataframe partition: a record per row, without its empty cells (a column of a Parquet file is in every
    row, and absent from most records)."""
    return split(record_chunks(_records_of(frame)), shares, first=first)


def _records_of(frame: Any) -> Iterator[dict[str, Any]]:
    cells = frame.astype(object).where(frame.notna(), None)  # NaN, NaT and pandas' NA alike: an empty cell
    columns = list(cells.columns)
    for row in cells.itertuples(index=False, name=None):
        yield {k: _plain(v) for k, v in zip(columns, row, strict=True) if v is not None}


def _plain(value: Any) -> Any:
    """A cell as JSON would hold it: an array cell (a list of tags) as a list, a numpy number as a Python one."""
    if hasattr(value, "tolist"):
        return value.tolist()
    return value


def _counts(piece: Piece) -> tuple[int, int, int, tuple[tuple[int, str], ...]]:
    return piece.counts()


def _part(piece: Piece, share: int) -> bytes:
    """The rows of a piece that a share reads, pickled here: Dask sends a tuple of many small values item by item,
    at a tenth of the speed."""
    return pickle.dumps(part_of(piece, share), protocol=pickle.HIGHEST_PROTOCOL)


def _pickled(done: Done) -> bytes:
    return pickle.dumps(done, protocol=pickle.HIGHEST_PROTOCOL)


def _feed(
    agreement: model.Agreement,
    the_plan: Any,
    index: int,
    parts: list[bytes],
    *,
    name: str,
    options: Options,
    items: bool,
) -> Share:
    rows = [pickle.loads(part) for part in parts]
    return Share(agreement, the_plan, index, name=name, options=options, items=items).feed(rows)


def _latest(share: Share) -> int | None:
    return share.latest


def _finish(share: Share, final: int | None) -> Done:
    return share.finish(final)


def _partial(done: Done) -> Partial:
    return done.partial


def _blocks(done: Done) -> list[tuple[int, int]]:
    return done.blocks()


def _lines(done: Done, first: int, end: int) -> bytes:
    """A block of a share's lines as one string of bytes: Dask sends a tuple of many small ones item by item, at a
    tenth of the speed. A JSON line holds no line feed, nor does its key."""
    return b"\n".join(done.lines[first:end])
