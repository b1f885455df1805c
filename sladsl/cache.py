"""What sladsl keeps between runs, in a folder of the user's own: checked agreements and holiday dates.

A `check` on an agreement it has checked before skips the parser and the checker (and never imports Lark): the
checked model and its warnings are read back from a pickle named by a hash of the agreement's text, its file
name, the code that checked it (every module and grammar file's size and modification time) and the installed
`holidays` release, which decides which country codes are known. Holiday dates are kept per country,
subdivision and category set, named by the `holidays` package's own files, so a new release of it is read
afresh. Anything amiss (no such folder, a folder others can write, a damaged file) means the work is simply
done again; a cache never changes a result. `SLADSL_CACHE=off` turns it off.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import pickle
from importlib import util
from pathlib import Path
from typing import Any

_PACKAGE = Path(__file__).resolve().parent


@functools.cache
def folder() -> Path | None:
    """`$XDG_CACHE_HOME/sladsl` (or `~/.cache/sladsl`), made if need be; None when it is not ours alone.

    Never the shared temp folder, where another user could plant a pickle."""
    if os.environ.get("SLADSL_CACHE", "").lower() in ("off", "0", "no"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    found = Path(base) / "sladsl"
    try:
        found.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = found.stat()
        if hasattr(os, "getuid") and (info.st_uid != os.getuid() or info.st_mode & 0o022):
            return None
    except OSError:
        return None
    return found


def _stamp(paths: list[Path]) -> str:
    parts = []
    for path in sorted(paths):
        info = path.stat()
        parts.append(f"{path.name}:{info.st_size}:{info.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


@functools.cache
def code_stamp() -> str:
    """Changes whenever any module or grammar file of sladsl does."""
    grammar = [*_PACKAGE.glob("grammar/*.lark"), *(_PACKAGE.parent / "grammar").glob("*.lark")]
    return _stamp([*_PACKAGE.glob("*.py"), *grammar])


def read(name: str) -> Any:
    """The object kept under `name`, or None."""
    where = folder()
    if where is None:
        return None
    try:
        with open(where / name, "rb") as handle:
            return pickle.load(handle)
    except Exception:  # missing, damaged, or written by another version: do the work again
        return None


KEEP = 256  # files of one kind (agreements, holidays) at most: the least recently written go first


def write(name: str, value: Any) -> None:
    """Keep `value` under `name`: written whole to a temporary file, then renamed over, so a reader running at
    the same time sees the old file or the new one, never half of one. Past `KEEP` files of its kind, the
    oldest are removed, so the folder does not grow without end as agreements and sladsl change."""
    where = folder()
    if where is None:
        return
    temporary = where / f".{name}.{os.getpid()}"
    try:
        with open(temporary, "wb") as out:
            pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, where / name)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink()
        return
    _prune(where, name.split("-", 1)[0] + "-")


def _prune(where: Path, prefix: str) -> None:
    with contextlib.suppress(OSError):
        kept = [p for p in where.iterdir() if p.name.startswith(prefix) and p.name.endswith(".pickle")]
        if len(kept) <= KEEP:
            return
        kept.sort(key=lambda p: p.stat().st_mtime_ns)
        for stale in kept[: len(kept) - KEEP]:
            with contextlib.suppress(OSError):
                stale.unlink()


def agreement_key(text: str, name: str) -> str:
    """Named by the text, its file name, sladsl's code and the `holidays` release (which judges country codes)."""
    digest = hashlib.sha256(f"{code_stamp()}\0{holidays_stamp()}\0{name}\0{text}".encode()).hexdigest()[:32]
    return f"agreement-{digest}.pickle"


# -- holiday dates --------------------------------------------------------------------------------------------


@functools.cache
def holidays_stamp() -> str | None:
    """Names the installed `holidays` release by its files, found without importing it (which is slow)."""
    spec = util.find_spec("holidays")
    if spec is None or spec.origin is None:
        return None
    home = Path(spec.origin).parent
    return _stamp([home / "__init__.py", home / "version.py"])


@functools.cache
def holidays_key(source: Any) -> str | None:
    stamp = holidays_stamp()
    if stamp is None:
        return None
    described = json.dumps([source.country, source.subdivision, sorted(source.categories or ())])
    digest = hashlib.sha256(f"{stamp}\0{described}".encode()).hexdigest()[:32]
    return f"holidays-{digest}.pickle"
