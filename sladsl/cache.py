"""What the library may keep between runs, through a store its front end provides.

The library never touches a file. Work that is slow to redo (Lark's parse tables, a year of public holidays,
a checked agreement) asks `read(kind, key)` before doing it and offers the result to `write(kind, key, value)`
after. With no store in use both do nothing, so an embedding program gets a library without side effects; the
command line uses `sladsl.run.store.FolderStore`, a folder of the user's own. A store must never change a
result: whatever it cannot give back (missing, damaged, from other code) is simply worked out again.
"""

from __future__ import annotations

from typing import Any, Protocol


class Store(Protocol):
    """Keeps values by kind (`grammar`, `holidays`, `agreement`) and a key that names their inputs."""

    def read(self, kind: str, key: str) -> Any: ...

    def write(self, kind: str, key: str, value: Any) -> None: ...


_store: Store | None = None


def use(store: Store | None) -> None:
    """Keep work between runs in `store` from now on (None: keep nothing)."""
    global _store  # noqa: PLW0603 - one store per process, set by the front end
    _store = store


def read(kind: str, key: str) -> Any:
    """The value kept under `kind` and `key`, or None."""
    return None if _store is None else _store.read(kind, key)


def write(kind: str, key: str, value: Any) -> None:
    if _store is not None:
        _store.write(kind, key, value)
