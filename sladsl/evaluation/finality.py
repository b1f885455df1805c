"""When the records of an incident are all in: learned by reading a timeline backwards before reading it forwards.

An incident can be decided once its last record has been read, and not before: any record may change it, a
severity change or a pause long after the response included. So an evaluation that is to emit verdicts as it
goes (and hold only the incidents still open) first reads the records from the last to the first. The first time
an incident's id is met that way is its last record; `Finality` marks it. Reading forwards, the evaluation then
decides each incident right after its marked record, and gets exactly the verdicts it would have got at the end:
records may come in any order, and nothing read later can contradict what was written.

The ids met so far are remembered in a Bloom filter: a bit array that can answer "seen" for an id never seen
(then the id's real last record goes unmarked, and the incident is decided at the end of input instead, which
costs memory but never correctness) but never "not seen" for one that was. Its size follows the file's, about a
bit for every eight bytes. The filter is cut into `BUCKETS` segments by a hash of the id, and an id's bits lie in
its bucket's segment only, so what one bucket's ids do to each other does not depend on the other buckets: the
workers of `--jobs`, which each read the ids of their own buckets, mark exactly what one process marks.

A customer's records are few; the position of each customer's last record is kept exactly, because an incident
whose plan comes from its customer is decided only once that customer's records are in too.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from msgspec import DecodeError

from sladsl.timeline.formats import Typed, decode_typed, parse_line
from sladsl.timeline.records import key_of

BUCKETS = 64
NONE, CUSTOMER = 0, 1  # the codes of a record that names no incident, and of a customer record


def code_of(ident: str) -> int:
    """An incident id's code: a 32-bit hash of it, never `NONE` or `CUSTOMER`."""
    code = zlib.crc32(ident.encode("utf-8", "surrogatepass"))
    return code if code > CUSTOMER else CUSTOMER + 1


def code_of_key(key: tuple[str, str] | None) -> int:
    """The code of a record, by whom it concerns (`sladsl.timeline.records.key_of`)."""
    if key is None:
        return NONE
    return CUSTOMER if key[0] == "customer" else code_of(key[1])


def bucket_of(ident: str) -> int:
    """The bucket an incident id falls in: which `--jobs` worker owns it, and its segment of the filter."""
    return code_of(ident) % BUCKETS


def value_code(raw: Any) -> tuple[int, str | None]:
    """The code of a parsed record that is not a `Typed` one, `code_of_key(key_of(raw))`, and the customer's id
    when it is a customer record (else None)."""
    key = key_of(raw)
    return code_of_key(key), (key[1] if key is not None and key[0] == "customer" else None)


def line_code(body: bytes) -> tuple[int, str | None]:
    """A JSON line's code, `code_of_key(key_of(read_line(body)))`, and the customer's id when it is a customer
    record (else None). A report or an event is most of a timeline: its incident is taken from its typed record,
    with no dict or `key_of`; any other line is parsed as `read_line` parses it."""
    try:
        ident = decode_typed(body).incident
    except DecodeError:
        return value_code(parse_line(body))
    return (code_of(ident) if ident and not ident.isspace() else NONE), None


def reader_of(code: int, share_of: Sequence[int]) -> int | None:
    """Which share of `--jobs` reads a record, by its code: the share its incident's bucket is in (`share_of`, by
    bucket), share 0 for a record that names no incident, and every share (None) for a customer record."""
    if code == NONE:
        return 0
    if code == CUSTOMER:
        return None
    return share_of[code % BUCKETS]


class Finality:
    """Which records are the last of their incident, learned from the records read last to first (`add`)."""

    def __init__(self, size: int, share: tuple[int, int] = (0, 1)) -> None:
        """`size` is the timeline's size in bytes (it sets the filter's); `share` is `(worker, workers)`: only the
        ids of the worker's own buckets are marked."""
        self.segment = max(1 << 12, size // 8 // BUCKETS)  # bits per bucket
        self.filter = bytearray((self.segment * BUCKETS + 7) // 8)
        self.worker, self.workers = share
        self.marks = bytearray()  # a bit per record, by its place counted from the end
        self.customers: dict[str, int] = {}  # a customer's id -> its last record, counted from the end
        self.count = 0

    def add(self, raws: Iterable[Any]) -> None:
        """The next records, reading backwards: each its parsed value (as `read_line` makes it), or the reason it
        has none."""
        self.add_codes(self._value_codes(raws))

    def add_lines(self, bodies: Iterable[bytes]) -> None:
        """The next lines of a JSON Lines timeline, reading backwards (`json_lines_backwards`). Each is decoded
        once, as `read_line` decodes it, and only whom it concerns is kept."""
        self.add_codes(self._line_codes(bodies))

    def _value_codes(self, raws: Iterable[Any]) -> Iterator[int]:
        place = self.count
        for raw in raws:
            yield self._code(raw, place)
            place += 1

    def _line_codes(self, bodies: Iterable[bytes]) -> Iterator[int]:
        """The codes of lines, as `line_code` gives them, keeping each customer's last place (`_code`). Its typed
        decode is written out in this loop, which runs for every line of a timeline, to save a call."""
        typed, place = decode_typed, self.count
        for body in bodies:
            try:
                ident = typed(body).incident
            except DecodeError:
                yield self._code(parse_line(body), place)
            else:
                yield code_of(ident) if ident and not ident.isspace() else NONE
            place += 1

    def _code(self, raw: Any, place: int) -> int:
        """The code of a record by its parsed value; a customer record's `place` (counted from the end) is kept
        when it is the customer's last."""
        if isinstance(raw, Typed):  # a report or an event: `key_of`, in short
            ident = raw.incident
            return code_of(ident) if ident and not ident.isspace() else NONE
        code, customer = value_code(raw)
        if customer is not None:
            self.customers.setdefault(customer, place)
        return code

    def add_codes(self, codes: Iterable[int]) -> None:
        """The next records, reading backwards, by their codes (`code_of_key`). A customer record's place is kept
        by `add`, or given whole in `customers` by whoever read the customers."""
        place = self.count
        marks, worker, workers, first = self.marks, self.worker, self.workers, self._first
        for code in codes:
            if not place & 7:
                marks.append(0)
            if code > CUSTOMER and code % BUCKETS % workers == worker and first(code):
                marks[place >> 3] |= 1 << (place & 7)
            place += 1
        self.count = place

    def expect(self, total: int) -> None:
        """A worker's start, when another step has counted the records: `total` of them."""
        self.count = total
        self.marks = bytearray((total + 7) // 8)

    def add_places(self, places: Iterable[int], codes: Iterable[int]) -> None:
        """Records of this worker's share, by their places (counted from the end) and codes, the nearest the end
        first: what `add_codes` learns of them, without looking at the other workers' records at all."""
        marks, first = self.marks, self._first
        for place, code in zip(places, codes, strict=True):
            if code > CUSTOMER and first(code):
                marks[place >> 3] |= 1 << (place & 7)

    def _first(self, code: int) -> bool:
        """Whether an incident's code is met for the first time (reading backwards), and note that it was. Two
        bits in the segment of the code's bucket, both from the one 32-bit code: two ids share both only when
        their codes are equal, which costs no more than any other false "seen"."""
        segment, bits = self.segment, self.filter
        base = code % BUCKETS * segment
        a = base + (code >> 6) % segment
        b = base + (code * 0x9E3779B1 >> 16) % segment
        if bits[a >> 3] >> (a & 7) & 1 and bits[b >> 3] >> (b & 7) & 1:
            return False
        bits[a >> 3] |= 1 << (a & 7)
        bits[b >> 3] |= 1 << (b & 7)
        return True

    def done(self) -> None:
        """Every record has been added: the filter is no longer needed."""
        self.filter = bytearray()

    def is_last(self, seq: int) -> bool:
        """Whether record `seq` (numbered from 0, first to last) is the last of its incident."""
        place = self.count - 1 - seq
        return 0 <= place < self.count and bool(self.marks[place >> 3] >> (place & 7) & 1)

    def customer_done(self, customer: str, seq: int) -> bool:
        """Whether no record of this customer comes after record `seq`."""
        place = self.customers.get(customer)
        return place is None or self.count - 1 - place <= seq
