"""A timeline checked in shares of its incidents by any scheduler: plain functions, picklable values, no Dask.

This is `--jobs N` (`sladsl.run.jobs`) cut into steps a cluster can schedule, each a plain function of values
(so Dask runs them in `sladsl.run.dask`, and a Spark job could call them from `mapInPandas`):

1. `split`: a piece of the timeline (a byte range of the file, or a partition of its lines, in order) is cut
   into lines and each record is sent to the share its incident falls in (`sladsl.evaluation.engine.owner`):
   a report or an event by its incident's bucket, a customer record to every share (for plans), anything else
   to share 0. A `Piece` also says how many records, lines and bytes it holds, and which customers it names.
2. `plan`: from the pieces' counts, in order, where each piece's records and lines begin in the whole timeline
   and where each customer's last record is: what numbers a record and places it exactly as one process does.
3. `Share.feed`: a share's records, in the timeline's order, through the engine's incident stage, with the
   finality one process would learn for them (the Bloom filter's segments are per bucket, and a share holds
   whole buckets, so the same incidents are decided after the same records); its lines keyed for the merge.
4. `Share.finish`: once every share has read its records, the instant the evaluation stands at
   (`final_as_of` of the shares' latest), and what is still open decided at it; the share's `Partial`.
5. `merge`: the shares' lines in key order, which is the order one process writes in, then the period stage on
   the partials. Or, for `--format json` and text, the shares' items gathered into the one `Report`.

No step decides anything itself: every figure is the engine's.
"""

from __future__ import annotations

import copy
import heapq
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import IO, Any

import msgspec
import orjson

from sladsl import load, model
from sladsl.evaluation.engine import (
    Decided,
    Gathered,
    IncidentStage,
    Item,
    Partial,
    PeriodStage,
    Rejected,
    Summary,
    final_as_of,
    in_batches,
    owner,
)
from sladsl.evaluation.finality import Finality, code_of_key
from sladsl.evaluation.verdicts import Report
from sladsl.render.json import Lines
from sladsl.run.check import Options, Writer
from sladsl.run.jobs import sortable, write_periods
from sladsl.source import Span
from sladsl.timeline.formats import Entry, json_lines, parse_line
from sladsl.timeline.records import key_of

MOST_SHARES = 64  # an incident's bucket is one of 64 (`sladsl.evaluation.finality.BUCKETS`): more shares idle

# A record as `split` sends it to a share: its number in its piece, its code, and its line, column and offset
# in the piece, then its text.
Row = tuple[int, int, int, int, int, bytes]


class Piece(msgspec.Struct, frozen=True):
    """One piece of the timeline, split: its counts (records, lines, bytes), the customers it names (each by its
    record's number in the piece), and for each share the records that share reads."""

    records: int
    lines: int
    size: int
    customers: tuple[tuple[int, str], ...]
    rows: tuple[tuple[Row, ...], ...]

    def counts(self) -> tuple[int, int, int, tuple[tuple[int, str], ...]]:
        """What `plan` needs of the piece: not its rows, which go to the shares."""
        return self.records, self.lines, self.size, self.customers


def split(chunks: Iterable[bytes], shares: int, *, first: bool) -> Piece:
    """A piece of a JSON Lines timeline (its bytes in chunks, cut at line starts; `first`: it is the
    timeline's beginning, where a byte-order mark may be), each record sent to the share that reads it."""
    rows: list[list[Row]] = [[] for _ in range(shares)]
    customers: list[tuple[int, str]] = []
    count = newlines = size = 0
    last = b""

    def counted(chunks: Iterable[bytes]) -> Iterator[bytes]:
        nonlocal newlines, size, last
        for chunk in chunks:
            newlines += chunk.count(b"\n")
            size += len(chunk)
            if chunk:
                last = chunk
            yield chunk

    for number, (line, offset, column, body) in enumerate(json_lines(counted(chunks), start=first)):
        raw = parse_line(body)
        key = key_of(raw)
        if key is not None and key[0] == "customer":
            customers.append((number, key[1]))
        row = (number, code_of_key(key), line, column, offset, body)
        belongs = owner(raw, shares)
        for share in range(shares) if belongs is None else (belongs,):
            rows[share].append(row)
        count = number + 1
    lines = newlines + (1 if last and not last.endswith(b"\n") else 0)
    return Piece(count, lines, size, tuple(customers), tuple(tuple(found) for found in rows))


def line_chunks(lines: Iterable[str | bytes]) -> Iterator[bytes]:
    """A partition of a timeline's lines (text or bytes, each with or without its line feed) as bytes for
    `split`: a line that lacks its line feed is given one."""
    for line in lines:
        body = line.encode("utf-8", "surrogatepass") if isinstance(line, str) else line
        yield body if body.endswith(b"\n") else body + b"\n"


def record_chunks(records: Iterable[Mapping[str, Any]]) -> Iterator[bytes]:
    """A partition of records (mappings, as a Parquet row or a bag of dicts holds them) as the JSON Lines one
    would write of them, one record a line, for `split`."""
    for record in records:
        yield orjson.dumps(dict(record)) + b"\n"


def part_of(piece: Piece, share: int) -> tuple[Row, ...]:
    """The records of a piece that one share reads."""
    return piece.rows[share]


class Plan(msgspec.Struct, frozen=True):
    """What every share needs to number and place its records as one process does: how many records, lines and
    bytes come before each piece, the timeline's records and bytes in all, and where each customer's last
    record is, counted from the end."""

    shares: int
    records: int
    size: int
    firsts: tuple[int, ...]
    lines_before: tuple[int, ...]
    bytes_before: tuple[int, ...]
    customers: Mapping[str, int]


def plan(counts: Sequence[tuple[int, int, int, Sequence[tuple[int, str]]]], shares: int) -> Plan:
    """The plan, from each piece's `Piece.counts()`, in the timeline's order."""
    firsts, lines_before, bytes_before = [], [], []
    records = lines = size = 0
    for count, piece_lines, piece_size, _ in counts:
        firsts.append(records)
        lines_before.append(lines)
        bytes_before.append(size)
        records, lines, size = records + count, lines + piece_lines, size + piece_size
    customers: dict[str, int] = {}
    for first, (_, _, _, named) in zip(firsts, counts, strict=True):
        for number, ident in named:
            customers[ident] = records - 1 - (first + number)  # the later a record, the smaller its place
    return Plan(shares, records, size, tuple(firsts), tuple(lines_before), tuple(bytes_before), customers)


def agreement_of(agreement: model.Agreement | str, name: str = "<agreement>") -> model.Agreement:
    """A checked agreement, given as one or as its source text (which is what a Spark job broadcasts)."""
    return agreement if isinstance(agreement, model.Agreement) else load(agreement, name).agreement


class Done(msgspec.Struct, frozen=True):
    """What a share sends back: its lines, each after its key (`sladsl.run.jobs.sortable`), in key order, for
    `--format jsonl`; or its decided and rejected items, for a whole report; and its partial."""

    lines: tuple[bytes, ...]
    items: tuple[Decided | Rejected, ...]
    partial: Partial

    def blocks(self, size: int = 1 << 20) -> list[tuple[int, int]]:
        """The lines cut in runs of about `size` bytes, as (first, end) places: what a merge far from the share
        reads at a time."""
        found, first, held = [], 0, 0
        for n, line in enumerate(self.lines):
            held += len(line)
            if held >= size:
                found.append((first, n + 1))
                first, held = n + 1, 0
        if first < len(self.lines):
            found.append((first, len(self.lines)))
        return found


class Share:
    """One share of the incidents through the engine's incident stage: `feed` its records, then `finish` at the
    instant the evaluation stands at, once every share's `latest` is known."""

    def __init__(
        self,
        agreement: model.Agreement | str,
        the_plan: Plan,
        index: int,
        *,
        name: str,
        options: Options = Options(),  # noqa: B008 - a frozen value
        items: bool = False,
    ) -> None:
        self.agreement = agreement_of(agreement)
        self.plan = the_plan
        self.index = index
        self.name = name
        self.items = items
        self.stage: IncidentStage | None = None
        self.options = options
        self.rendering = Lines(self.agreement)
        self.lines: list[bytes] = []
        self.decided: list[Decided | Rejected] = []

    def feed(self, parts: Sequence[Sequence[Row]]) -> Share:
        """Read the share's records: `parts` holds, for every piece in order, the rows `split` sent this share."""
        the_plan, index = self.plan, self.index
        finality = Finality(the_plan.size, (index, the_plan.shares))
        finality.expect(the_plan.records)
        finality.customers = dict(the_plan.customers)
        for piece in reversed(range(len(parts))):  # the records nearest the end first, as one process reads them
            last = the_plan.records - 1 - the_plan.firsts[piece]
            rows = parts[piece]
            finality.add_places((last - row[0] for row in reversed(rows)), (row[1] for row in reversed(rows)))
        finality.done()
        options = self.options
        stage = IncidentStage(
            self.agreement, as_of=options.as_of, window=options.window, trace=options.trace, finality=finality
        )
        for decided in in_batches(self._entries(parts), stage):
            self.emit(decided)
        self.stage = stage
        return self

    def _entries(self, parts: Sequence[Sequence[Row]]) -> Iterator[tuple[Entry, bool]]:
        """The share's records as entries, in the order of the timeline, and whether this share counts each."""
        the_plan, index = self.plan, self.index
        for piece, rows in enumerate(parts):
            first, before = the_plan.firsts[piece], the_plan.bytes_before[piece]
            lines = the_plan.lines_before[piece]
            for number, _, line, column, offset, body in rows:
                start, at = before + offset, lines + line
                where = Span(self.name, start, start + len(body), at, column, at, column + len(body))
                entry = Entry(first + number, where, parse_line(body), body)
                belongs = owner(entry.raw, the_plan.shares)  # None: a customer record, which share 0 counts
                yield entry, index in (belongs, 0)

    @property
    def latest(self) -> int | None:
        """The latest instant the share's kept records name: the evaluation stands at the latest of all."""
        assert self.stage is not None, "feed first"
        return self.stage.latest

    def finish(self, final: int | None) -> Done:
        """What is still open, decided at `final` (`sladsl.evaluation.engine.final_as_of` of every share's
        `latest`), and the share's lines or items and partial. The share itself is left as it was (a copy of its
        stage is finished), so a scheduler that runs this step again gets the same answer."""
        assert self.stage is not None, "feed first"
        stage = copy.deepcopy(self.stage, {id(self.agreement): self.agreement})
        lines, decided = list(self.lines), list(self.decided)
        self.emit(stage.finish(final), lines, decided)
        return Done(tuple(lines), tuple(decided), stage.partial(customers=self.index == 0))

    def emit(
        self,
        items: Iterable[Item],
        lines: list[bytes] | None = None,
        decided: list[Decided | Rejected] | None = None,
    ) -> None:
        """Keep what was decided: as keyed lines, or as items."""
        lines = self.lines if lines is None else lines
        decided = self.decided if decided is None else decided
        render = self.rendering.render
        for item in items:
            assert isinstance(item, (Decided, Rejected))
            if self.items:
                decided.append(item)
                continue
            key = sortable(item.key)
            lines.extend(key + line for line in render(item))


def check_share(
    agreement: model.Agreement | str,
    the_plan: Plan,
    index: int,
    parts: Sequence[Sequence[Row]],
    *,
    name: str,
    final: int | None,
    options: Options = Options(),  # noqa: B008 - a frozen value
    items: bool = False,
) -> Done:
    """Steps 3 and 4 in one call, for a scheduler that cannot hold a share between two steps (a Spark
    `applyInPandas` over the rows grouped by share): `final` is the instant to stand at, given (`--as-of`) or
    found first as the latest of every share's `Share.feed(...).latest`."""
    return Share(agreement, the_plan, index, name=name, options=options, items=items).feed(parts).finish(final)


def standing(options: Options, latest: Iterable[int | None]) -> int | None:
    """The instant the evaluation stands at, from every share's latest."""
    return final_as_of(options.as_of, latest)


def merge_lines(
    agreement: model.Agreement,
    lines: Sequence[Iterable[bytes]],
    partials: Sequence[Partial],
    final: int | None,
    out: IO[bytes],
    *,
    header: bytes,
    options: Options,
) -> Summary:
    """`--format jsonl`: the header, the shares' keyed lines (`Done.lines`, in the order of the shares, or read a
    block at a time) merged in key order and written without their keys (two shares never share a key), then the
    period stage's lines on the shares' partials (in the order of the shares); the summary."""
    write = Writer(out)
    write(header)
    for line in heapq.merge(*lines):
        write(line[line.index(b"\t") + 1 :])
    return write_periods(agreement, partials, final, options, write=write, lines=Lines(agreement))


def gather(agreement: model.Agreement, done: Sequence[Done], final: int | None, options: Options) -> Report:
    """A whole report (`--format json`, text): the shares' items and the period stage's, gathered by the engine
    into the one `Report`."""
    gathered = Gathered(agreement, options.window)
    for share in done:
        gathered.add(share.items)
    partials = [share.partial for share in done]
    gathered.add(PeriodStage(agreement, partials, final, window=options.window).run())
    customers = {ident: c for p in partials for ident, c in p.customers.items()}
    return gathered.report(customers)
