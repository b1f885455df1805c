"""A check over a timeline the user named: read it, feed the one engine, and write what it decides.

A whole report (`report`, for `check --format text|json`, `report` and `diff`) is the engine run to the end. A
streamed check (`stream`, for `--format jsonl`) first reads a JSON Lines timeline backwards to learn where each
incident's last record is (`sladsl.evaluation.finality`), then reads it forwards and writes each incident's
verdicts once that record is in (records are taken a batch of 256 at a time: `in_batches`), holding only the
incidents still open. Standard input is copied to a temporary file first, since it can be read only once. A CSV
file or a JSON array is read whole, then fed through the same engine. With `jobs` above one, a JSON Lines file is
shared among worker processes (`sladsl.run.jobs`). Whatever the path, the figures are those of the one engine.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterable, Iterator
from typing import IO

import msgspec

from sladsl import model
from sladsl.diagnostics import SlaError, decode
from sladsl.evaluation.engine import Evaluation, Summary, evaluate, finality_of
from sladsl.evaluation.finality import Finality
from sladsl.evaluation.verdicts import Report
from sladsl.render.json import Lines
from sladsl.run import files
from sladsl.run.progress import Progress
from sladsl.timeline.formats import Entry, entries, json_lines, json_lines_backwards, kind_of, lines_of

BLOCK = 1 << 20


class WorkerLost(Exception):
    """A `--jobs` worker that ended without a word: killed by a signal (the kernel's out-of-memory killer sends
    SIGKILL), or exited on its own. Its results are lost, so the run stops."""


class Options(msgspec.Struct, frozen=True):
    """How a check runs: the instant it stands at (None: the timeline's latest), the window it reports on (None:
    all of it), and whether verdicts carry the open time they counted."""

    as_of: int | None = None
    window: tuple[int, int] | None = None
    trace: bool = False


def _entries_of(name: str, raw: bytes) -> Iterator[Entry]:
    if kind_of(name, raw) == "lines":
        yield from lines_of(name, json_lines([raw]))
        return
    source, problems = decode(name, raw, "E0315")  # a CSV row or array item may span lines: all or nothing
    if problems:
        raise SlaError(problems)
    yield from entries(source)


def report(
    agreement: model.Agreement,
    path: str,
    options: Options,
    progress: Progress | None = None,
    *,
    imported: list[Entry] | None = None,
) -> Report:
    """The whole report of a timeline: the engine run to the end, with the timeline's finality learned first.
    `imported`: the entries an importer made from the export at `path` (`sladsl.run.imports`), read in its
    place."""
    if imported is not None:
        with few_collections():
            return evaluate(
                agreement,
                imported,
                as_of=options.as_of,
                window=options.window,
                trace=options.trace,
                finality=finality_of(imported),
            )
    name = files.name_of(path)
    with files.as_file(path, progress) as readable, few_collections():
        found, finality = _read(name, readable, progress)
        found = _then_say(found, progress, "deciding the incidents; then the periods")
        return evaluate(
            agreement, found, as_of=options.as_of, window=options.window, trace=options.trace, finality=finality
        )


def _read(name: str, readable: str, progress: Progress | None) -> tuple[Iterable[Entry], Finality]:
    """The entries of a timeline that can be read more than once, and its finality: JSON Lines read backwards
    first and then forwards a chunk at a time; a CSV file or a JSON array read whole."""
    size = files.size_of(readable) or 0
    if kind_of(name, files.head(readable)) != "lines":
        found = list(_entries_of(name, files.read_bytes(readable)))
        finality = Finality(size)
        finality.add(entry.raw for entry in reversed(found))
        finality.done()
        return found, finality
    finality = learn(readable, size, progress)
    if progress is not None:
        progress.start("checking", size)
    return lines_of(name, json_lines(files.chunks(readable, progress))), finality


def _then_say(entries: Iterable[Entry], progress: Progress | None, what: str) -> Iterator[Entry]:
    """The entries, and once they are all read, what is being done in place of the progress bar."""
    yield from entries
    if progress is not None:
        progress.say(what)


@contextlib.contextmanager
def few_collections() -> Iterator[None]:
    """Python's cycle collector, run less often while a timeline is checked. A check makes and drops millions of
    small objects (a parsed record, its place, a verdict, its JSON), none of them in a cycle, and by default the
    collector wakes every 700 allocations and now and then walks every object alive, the agreement's compiled
    calendars and the held incidents included. What is alive before the check starts (the agreement, the
    compiled calendars) is set aside for good, and the youngest objects are looked at every 100,000
    allocations; cycles are still collected, only later. Restored afterwards."""
    before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


class Writer:
    """Lines written in blocks of about a megabyte. The lines are copied into one buffer rather than kept: each
    `orjson.dumps` result holds a 4 KB allocation whatever its length."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.block = bytearray()

    def __call__(self, line: bytes) -> None:
        block = self.block
        block += line
        block += b"\n"
        if len(block) >= BLOCK:
            self.flush()

    def flush(self) -> None:
        if self.block:
            self.out.write(self.block)
            self.block.clear()


def stream(
    agreement: model.Agreement,
    agreement_file: str,
    path: str,
    out: IO[bytes],
    options: Options,
    *,
    jobs: int = 1,
    progress: Progress | None = None,
    imported: list[Entry] | None = None,
) -> Summary:
    """Check a timeline, writing JSON lines to `out` as results are decided; the summary at the end.
    `imported`: the entries an importer made from the export at `path`, read in its place."""
    with few_collections():
        progress = progress or Progress(None)
        if imported is not None:
            lines = Lines(agreement)
            write = Writer(out)
            write(lines.header(agreement, agreement_file, files.name_of(path)))
            finality = finality_of(imported)
            return single(
                agreement,
                imported,
                finality=finality,
                lines=lines,
                write=write,
                options=options,
                progress=progress,
            )
        return _stream(agreement, agreement_file, path, out, options, jobs=jobs, progress=progress)


def _stream(
    agreement: model.Agreement,
    agreement_file: str,
    path: str,
    out: IO[bytes],
    options: Options,
    *,
    jobs: int,
    progress: Progress,
) -> Summary:
    name = files.name_of(path)
    lines = Lines(agreement)
    write = Writer(out)
    write(lines.header(agreement, agreement_file, name))
    write.flush()  # the header is out before anything can go wrong, however many jobs
    if not files.is_regular(path):
        progress.start(f"reading {name}", None)
    with files.as_file(path, progress) as readable:
        if jobs > 1 and (files.size_of(readable) or 0) > 0 and kind_of(name, files.head(readable)) == "lines":
            from sladsl.run.jobs import parallel  # noqa: PLC0415 - worker processes only when asked for

            return parallel(
                agreement, readable, out, options, name=name, lines=lines, jobs=jobs, progress=progress
            )
        found, finality = _read(name, readable, progress)
        return single(
            agreement, found, finality=finality, lines=lines, write=write, options=options, progress=progress
        )


def learn(path: str, size: int, progress: Progress | None, share: tuple[int, int] = (0, 1)) -> Finality:
    """Where each incident's last record is, from the file read backwards."""
    if progress is not None:
        progress.start("reading", size)
    finality = Finality(size, share)
    finality.add_lines(json_lines_backwards(files.blocks_backwards(path, progress)))
    finality.done()
    return finality


def single(
    agreement: model.Agreement,
    found: Iterable[Entry],
    *,
    finality: Finality,
    lines: Lines,
    write: Writer,
    options: Options,
    progress: Progress,
) -> Summary:
    """One process: every entry through one engine, each line written as its item is decided."""
    evaluation = Evaluation(
        agreement, as_of=options.as_of, window=options.window, trace=options.trace, finality=finality
    )
    render = lines.render
    for decided in evaluation.feed_all(found):
        for item in decided:
            for line in render(item):
                write(line)
    held = len(evaluation.incidents.open) + len(evaluation.incidents.held)
    progress.say(f"deciding the {held:,} incidents still open; then the periods")
    summary: Summary | None = None
    for item in evaluation.finish():
        for line in render(item):
            write(line)
        if isinstance(item, Summary):
            summary = item
    write.flush()
    assert summary is not None
    return summary
