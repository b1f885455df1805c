"""Value classes whose equality leaves out where a value came from.

A model node or a timeline record carries its place (a `Span`, a record's number, the entry it was read from) so
that a diagnostic can point at it, but two agreements that say the same thing are equal wherever they say it.
`Value` is a frozen `msgspec.Struct` (made in C, and defined without generating code at import) whose `__eq__`
and `__hash__` skip the fields named in `__unequal__`. A class with no such field should be a plain frozen Struct:
its equality is then msgspec's own, in C.
"""

from __future__ import annotations

from typing import Any, ClassVar

import msgspec


class Value(msgspec.Struct, frozen=True):
    __unequal__: ClassVar[frozenset[str]] = frozenset()

    def _compared(self) -> tuple[Any, ...]:
        skip = self.__unequal__
        return tuple(getattr(self, name) for name in self.__struct_fields__ if name not in skip)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, Value)
        return self._compared() == other._compared()

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._compared()))
