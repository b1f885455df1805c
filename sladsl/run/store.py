"""What the command line keeps between runs, in a folder of the user's own: Lark's parse tables, holiday dates
and checked agreements (`sladsl.cache` is the library's side of it).

A value is kept in a pickle named by a hash of its kind, its key and what it depends on: for a checked agreement,
the text, the file name, the code that checked it (every module's and grammar file's size and modification time)
and the installed `holidays` release, which decides which country codes are known; for holiday dates, that
release. Anything amiss (no such folder, a folder others can write, a damaged file) means the work is simply
done again; a store never changes a result. `SLADSL_CACHE=off` turns it off.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import pickle
from importlib import util
from pathlib import Path
from typing import Any

from sladsl import cache, load
from sladsl.model import Checked

_PACKAGE = Path(__file__).resolve().parent.parent
KEEP = 256  # files of one kind at most: the least recently written go first


def folder() -> Path | None:
    """`$XDG_CACHE_HOME/sladsl` (or `~/.cache/sladsl`), made if need be; None when it is turned off or is not
    ours alone. Never the shared temp folder, where another user could plant a pickle."""
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


def _stamp(paths: list[str]) -> str:
    parts = []
    for path in sorted(paths):
        info = os.stat(path)
        parts.append(f"{path}:{info.st_size}:{info.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def _files(folder: str, suffix: str, *, deep: bool) -> list[str]:
    """The files of a folder whose names end in `suffix`, and with `deep` those of its sub-folders too (but not
    `__pycache__`). A `check` stamps sladsl's code at every start, so this lists folders with `os.scandir`, a
    few times faster than `Path.rglob`."""
    found: list[str] = []
    folders = [folder]
    while folders:
        try:
            with os.scandir(folders.pop()) as listing:
                for item in listing:
                    if item.is_dir(follow_symlinks=False):
                        if deep and item.name != "__pycache__":
                            folders.append(item.path)
                    elif item.name.endswith(suffix):
                        found.append(item.path)
        except OSError:  # no such folder (sladsl's grammar is in one of two places)
            continue
    return found


def tree_stamp(package: Path) -> str:
    """Changes whenever any module of a package, in any of its sub-packages, or its grammar file does."""
    home = str(package)
    grammar = [os.path.join(home, "grammar"), os.path.join(os.path.dirname(home), "grammar")]
    return _stamp([*_files(home, ".py", deep=True), *(f for g in grammar for f in _files(g, ".lark", deep=False))])


@functools.cache
def code_stamp() -> str:
    """Changes whenever sladsl's own code does."""
    return tree_stamp(_PACKAGE)


@functools.cache
def holidays_stamp() -> str:
    """Names the installed `holidays` release by its files, found without importing it (which is slow)."""
    spec = util.find_spec("holidays")
    if spec is None or spec.origin is None:
        return "none"
    home = os.path.dirname(spec.origin)
    return _stamp([os.path.join(home, "__init__.py"), os.path.join(home, "version.py")])


class FolderStore:
    """`sladsl.cache.Store` on a folder: one pickle per value, written whole and renamed into place, so a reader
    running at the same time sees the old file or the new one, never half of one."""

    def __init__(self, where: Path) -> None:
        self.where = where

    def name(self, kind: str, key: str) -> str:
        depends = {
            "holidays": holidays_stamp(),
            "countries": holidays_stamp(),
            "agreement": f"{code_stamp()}\0{holidays_stamp()}",
        }.get(kind, "")
        digest = hashlib.sha256(f"{kind}\0{depends}\0{key}".encode()).hexdigest()[:32]
        return f"{kind}-{digest}.pickle"

    def read(self, kind: str, key: str) -> Any:
        try:
            with open(self.where / self.name(kind, key), "rb") as handle:
                return pickle.load(handle)
        except Exception:  # missing, damaged, or written by another version: do the work again
            return None

    def write(self, kind: str, key: str, value: Any) -> None:
        name = self.name(kind, key)
        temporary = self.where / f".{name}.{os.getpid()}"
        try:
            with open(temporary, "wb") as out:
                pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, self.where / name)
        except Exception:  # a full disk, or a value that cannot be pickled: keep nothing
            with contextlib.suppress(OSError):
                temporary.unlink()
            return
        self.prune(f"{kind}-")

    def prune(self, prefix: str) -> None:
        """Past `KEEP` files of a kind, remove the oldest, so the folder does not grow without end as
        agreements and sladsl change."""
        with contextlib.suppress(OSError):
            kept = [p for p in self.where.iterdir() if p.name.startswith(prefix) and p.name.endswith(".pickle")]
            if len(kept) <= KEEP:
                return
            kept.sort(key=lambda p: p.stat().st_mtime_ns)
            for stale in kept[: len(kept) - KEEP]:
                with contextlib.suppress(OSError):
                    stale.unlink()


def use_folder() -> None:
    """Keep work between runs in the user's cache folder, when there is one."""
    where = folder()
    cache.use(None if where is None else FolderStore(where))


def load_kept(text: str, name: str) -> Checked:
    """`sladsl.load`, read back from the store when this text under this name was checked before by this code."""
    key = f"{name}\0{text}"
    kept = cache.read("agreement", key)
    if isinstance(kept, Checked):
        return kept
    checked = load(text, name)
    cache.write("agreement", key, checked)
    return checked
