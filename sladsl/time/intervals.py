"""Half-open intervals `[start, end)` of instants: union, clipping, difference and length."""

from __future__ import annotations

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
    """The parts of `parts` (sorted and disjoint) not covered by `minus`."""
    found = []
    holes = merge(minus)
    for start, end in parts:
        cursor = start
        for hole_start, hole_end in holes:
            if hole_end <= cursor or hole_start >= end:
                continue
            if hole_start > cursor:
                found.append((cursor, hole_start))
            cursor = max(cursor, hole_end)
        if cursor < end:
            found.append((cursor, end))
    return found


def total(intervals: Iterable[tuple[int, int]]) -> int:
    return sum(e - s for s, e in intervals)
