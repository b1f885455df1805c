"""Reading what the user names: files and standard input, as bytes, whole or in chunks, forwards or backwards."""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from sladsl.diagnostics import Diagnostic, decode
from sladsl.source import Source

STDIN = "-"  # a timeline named so on the command line is read from standard input
STDIN_NAME = "<stdin>"  # what spans, diagnostics and reports call it
CHUNK = 1 << 20


class InputError(Exception):
    """A file that cannot be read at all, or standard input closed: bad usage, not bad data."""


def name_of(path: str) -> str:
    """What reports and diagnostics call an input."""
    return STDIN_NAME if path == STDIN else path


def stdin() -> IO[bytes]:
    if sys.stdin is None or sys.stdin.closed:
        raise InputError("the timeline is `-`, but standard input is closed")
    return sys.stdin.buffer


def read_bytes(path: str) -> bytes:
    """A user-named file's bytes; `-` is standard input."""
    if path == STDIN:
        return stdin().read()
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise InputError(f"cannot read {path}: {error.strerror or error}") from None


def read_source(path: str, code: str) -> tuple[Source, list[Diagnostic]]:
    """A user-named file as text; bytes that are not UTF-8 give one diagnostic, `code`, at the first of them."""
    return decode(name_of(path), read_bytes(path), code)


def is_regular(path: str) -> bool:
    """Whether a path names a regular file, which can be read more than once; not standard input, a pipe
    (`<(...)`, a FIFO) or a device, whose bytes are gone once read."""
    if path == STDIN:
        return False
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def size_of(path: str) -> int | None:
    with contextlib.suppress(OSError):
        return os.path.getsize(path)
    return None


def check_readable(path: str) -> None:
    if path == STDIN:
        stdin()
        return
    try:
        with open(path, "rb"):
            pass
    except OSError as error:
        raise InputError(f"cannot read {path}: {error.strerror or error}") from None


def chunks(path: str, progress: Callable[[int], None] | None = None, size: int = CHUNK) -> Iterator[bytes]:
    """A file's bytes in chunks (of `size` bytes but the last), first to last."""
    done = 0
    with open(path, "rb") as handle:
        while True:
            chunk = handle.read(size)
            if not chunk:
                return
            done += len(chunk)
            if progress is not None:
                progress(done)
            yield chunk


def chunks_between(path: str, lo: int, hi: int, progress: Callable[[int], None] | None = None) -> Iterator[bytes]:
    """The bytes of a file from offset `lo` up to `hi`, in chunks."""
    done = 0
    with open(path, "rb") as handle:
        handle.seek(lo)
        while lo + done < hi:
            chunk = handle.read(min(CHUNK, hi - lo - done))
            if not chunk:
                return
            done += len(chunk)
            if progress is not None:
                progress(done)
            yield chunk


def count_lines(path: str, lo: int, hi: int) -> int:
    """How many lines begin in a file's bytes from `lo` up to `hi`, which starts a line (a line feed just before
    `hi` ends the last of them)."""
    found, last = 0, b""
    for chunk in chunks_between(path, lo, hi):
        found += chunk.count(b"\n")
        last = chunk
    return found + (1 if last and not last.endswith(b"\n") else 0)


def line_starts(path: str, size: int, parts: int) -> list[int]:
    """Offsets that cut a file into `parts` pieces of about the same size, each cut at the start of a line: the
    first is 0 and the last the size."""
    cuts = [0]
    with open(path, "rb") as handle:
        for part in range(1, parts):
            at = max(size * part // parts, cuts[-1])
            if at <= 0:
                cuts.append(0)
                continue
            handle.seek(at - 1)  # a cut is just after a line feed: the byte before it may be one
            while True:
                block = handle.read(CHUNK)
                found = block.find(b"\n")
                if found >= 0:
                    cuts.append(at + found)
                    break
                if not block:
                    cuts.append(size)
                    break
                at += len(block)
    cuts.append(size)
    return cuts


def blocks_backwards(path: str, progress: Callable[[int], None] | None = None, unit: int = 1) -> Iterator[bytes]:
    """A file's bytes in blocks, last to first, cut a whole number of `unit` bytes from the end (so a file of
    records of `unit` bytes is cut between records)."""
    block_size = CHUNK - CHUNK % unit
    with open(path, "rb") as handle:
        end = handle.seek(0, os.SEEK_END)
        done = 0
        while end > 0:
            start = max(0, end - block_size)
            handle.seek(start)
            block = handle.read(end - start)
            done += len(block)
            if progress is not None:
                progress(done)
            yield block
            end = start


def head(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(4096)


@contextlib.contextmanager
def as_file(path: str, progress: Callable[[int], None] | None = None) -> Iterator[str]:
    """A path to read the input from more than once: a regular file itself; standard input, a pipe or a device
    copied to a temporary file first (removed afterwards)."""
    if is_regular(path):
        yield path
        return
    import shutil  # noqa: PLC0415 - with tempfile, only for input that is not a regular file
    import tempfile  # noqa: PLC0415

    if path == STDIN:
        source = stdin()
    else:
        try:
            source = open(path, "rb")  # noqa: SIM115 - closed below; opened once, as a pipe can be
        except OSError as error:
            raise InputError(f"cannot read {path}: {error.strerror or error}") from None
    with tempfile.TemporaryDirectory(prefix="sladsl-") as folder:
        spooled = os.path.join(folder, "stdin")
        try:
            with open(spooled, "wb") as out:
                done = 0
                while True:
                    chunk = source.read(CHUNK)
                    if not chunk:
                        break
                    out.write(chunk)
                    done += len(chunk)
                    if progress is not None:
                        progress(done)
        except OSError as error:
            where = tempfile.gettempdir()
            raise InputError(
                f"cannot keep {name_of(path)} in {where} to read it twice: {error.strerror or error}; "
                "give the timeline as a file, or set TMPDIR to a folder with room"
            ) from None
        finally:
            if source is not sys.stdin.buffer:
                source.close()
        yield spooled
        shutil.rmtree(folder, ignore_errors=True)


def copy_to(path: str, out: IO[bytes]) -> None:
    """A file's bytes written to `out`: by the kernel (`os.sendfile`, with no copy through Python) when `out` is
    a file or pipe of its own, else, or for whatever the kernel did not take, a megabyte at a time."""
    import shutil  # noqa: PLC0415 - only `--jobs` copies

    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        sent = 0
        try:
            target = out.fileno()
            out.flush()
            while sent < size:
                done = os.sendfile(target, handle.fileno(), sent, size - sent)
                if not done:
                    break
                sent += done
        except (AttributeError, OSError, ValueError):  # no descriptor (a buffer in memory), or no sendfile
            pass
        handle.seek(sent)
        shutil.copyfileobj(handle, out, 1 << 20)
