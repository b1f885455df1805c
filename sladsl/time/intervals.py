"""Half-open intervals `[start, end)` of instants: union, clipping, difference and length."""

from __future__ import annotations

import bisect
from collections.abc import Iterable


def merge(intervals: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, disjoint union of half-open intervals; touching intervals join, empty ones vanish."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(i for i in intervals if i[1] > i[0]):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def clip(intervals: Iterable[tuple[int, int]], lo: int, hi: int) -> list[tuple[int, int]]:
    """The parts of half-open intervals that fall inside `[lo, hi)`, empty parts dropped."""
    return [(max(s, lo), min(e, hi)) for s, e in intervals if min(e, hi) > max(s, lo)]


def subtract(parts: list[tuple[int, int]], minus: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """The parts of `parts` (sorted and disjoint) not covered by `minus`. Each part looks only at the holes that
    reach into it, found by bisection, so many parts and many holes cost their count (times a log), not their
    product."""
    found = []
    holes = merge(minus)
    ends = [hole_end for _, hole_end in holes]  # increasing: the holes are sorted and disjoint
    for start, end in parts:
        cursor = start
        i = bisect.bisect_right(ends, cursor)  # the first hole that ends after the part begins
        while i < len(holes) and holes[i][0] < end:
            hole_start, hole_end = holes[i]
            if hole_start > cursor:
                found.append((cursor, hole_start))
            cursor = max(cursor, hole_end)
            i += 1
        if cursor < end:
            found.append((cursor, end))
    return found


def total(intervals: Iterable[tuple[int, int]]) -> int:
    return sum(e - s for s, e in intervals)
