"""The pictures in `explain --html`: a calendar's week as a grid of open hours, a credit ladder as a step chart.

Both are inline SVG with no script and nothing fetched. Neither decides anything: the week comes from
`sladsl.time.calendar.week_openings` (what the engine counts in an ordinary week), the ladder's gaps and overlaps
from `sladsl.language.checker.ladder_coverage` (what lint warns of). Every mark carries its figures as `data-`
attributes, so a program (the browser tests) reads back what was drawn, not what was meant.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from decimal import Decimal

from sladsl import model
from sladsl.language import ast
from sladsl.language.checker import LadderCoverage, Stretch, stretch_text
from sladsl.language.formatter import hhmm

LineLink = Callable[[int], str]  # a source line to the `href` of its anchor, or "" when there is none

_DAY_NAMES = tuple(day.capitalize() for day in ast.WEEKDAYS)


def _attr(value: object) -> str:
    return html.escape(str(value), quote=True)


def grid_step(days: Sequence[Sequence[model.Interval]]) -> int:
    """The width of one column of the week, in minutes: the largest that divides an hour and every opening and
    closing time, so that each boundary (08:30, 17:45) falls exactly on a column's edge."""
    step = 60
    for day in days:
        for opening in day:
            step = math.gcd(step, opening.start, opening.end)
    return step


# Geometry of the week, in SVG user units (the drawing scales to the page's width).
_LEFT, _TOP, _HOUR, _ROW, _BOTTOM = 46, 20, 30, 22, 6


def week_svg(calendar: str, days: Sequence[Sequence[model.Interval]]) -> str:
    """Seven rows, Monday first, of 24 hours cut into `grid_step` columns; each open stretch one `rect.open` with
    `data-day`, `data-start` and `data-end` (`HH:MM`, `24:00` for midnight at the end of the day)."""
    step = grid_step(days)
    width = _LEFT + 24 * _HOUR + 10
    height = _TOP + 7 * _ROW + _BOTTOM
    per_minute = _HOUR / 60
    out = [
        f'<svg class="week" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'data-calendar="{_attr(calendar)}" data-step="{step}">',
        f"<title>Open hours of calendar {html.escape(calendar)} in an ordinary week</title>",
    ]
    for row, name in enumerate(_DAY_NAMES):
        y = _TOP + row * _ROW
        out.append(f'<text class="day" x="{_LEFT - 6}" y="{y + 15}" text-anchor="end">{name[:3]}</text>')
        out.append(f'<rect class="closed" x="{_LEFT}" y="{y}" width="{24 * _HOUR}" height="{_ROW}"/>')
        for opening in days[row]:
            x = _LEFT + opening.start * per_minute
            w = (opening.end - opening.start) * per_minute
            start, end = hhmm(opening.start), hhmm(opening.end)
            out.append(
                f'<rect class="open" x="{x:g}" y="{y + 1}" width="{w:g}" height="{_ROW - 2}" '
                f'data-day="{name.lower()}" data-start="{start}" data-end="{end}">'
                f"<title>{name} {start}-{end} open</title></rect>"
            )
    # Column lines at every step, stronger every hour, strongest every six: drawn over the cells. Columns under
    # ten minutes wide get no line of their own, which would grey the grid over; the stretches' edges stay exact.
    bottom = _TOP + 7 * _ROW
    for minute in range(0, 1441, step):
        x = _LEFT + minute * per_minute
        kind = "six" if minute % 360 == 0 else "hour" if minute % 60 == 0 else "step"
        if kind == "step" and step < 10:
            continue
        out.append(f'<line class="{kind}" x1="{x:g}" y1="{_TOP}" x2="{x:g}" y2="{bottom}"/>')
        if minute % 180 == 0:
            hour = minute // 60
            out.append(f'<text class="hour" x="{x:g}" y="{_TOP - 6}" text-anchor="middle">{hour:02d}</text>')
    for row in range(8):
        y = _TOP + row * _ROW
        out.append(f'<line class="row" x1="{_LEFT}" y1="{y}" x2="{_LEFT + 24 * _HOUR}" y2="{y}"/>')
    out.append("</svg>")
    return "".join(out)


# Geometry of the ladder chart.
_PLOT_LEFT, _PLOT_TOP, _PLOT_WIDTH, _PLOT_HEIGHT = 64, 34, 640, 190


def _unit_text(kind: str, currency: str | None) -> str:
    return {"fee_share": "% of fee", "credits": "credits"}.get(kind, currency or "")


def _overlap_words(stretch: Stretch) -> str:
    """Where two bands overlap: `exactly 98%`, or `between 96% and 97%`. Lint names an overlap's ends as if both
    were in it, which a band with an open end (`below 97%`) denies, so the ends of a range go unsaid here."""
    if stretch.low == stretch.high:
        return f"exactly {stretch.low}%"
    return f"between {stretch.low}% and {stretch.high}%"


def _band_range(band: model.Band) -> Stretch | None:
    """The part of 0%..100% a band covers, as drawn; None when it covers none of it."""
    low, low_closed = (Decimal(0), True) if band.low is None or band.low < 0 else (band.low, band.low_closed)
    high, high_closed = (
        (Decimal(100), True) if band.high is None or band.high > 100 else (band.high, band.high_closed)
    )
    if low > high or (low == high and not (low_closed and high_closed)):
        return None
    return Stretch(low, high, low_closed, high_closed)


def ladder_svg(ladder: model.Ladder, coverage: LadderCoverage, link: LineLink) -> tuple[str, list[str]]:
    """A step chart of a ladder over its measure, and the sentences that name what is marked on it.

    The measure runs left to right over 0%..100%. Every bound is a tick, and each stretch between two ticks gets
    the same width: the ladder's detail sits in a few tenths of a percent near 100%, which a true scale would
    crush. Each band is a `g.step` at the height of its amount, with a filled dot on an end the band includes and
    a hollow one on an end it leaves out. A gap is a red `g.gap`, an overlap an orange `g.overlap`; a single value
    is a vertical line, a range a shaded column. A band that can never apply is dashed."""
    bands = ladder.bands
    drawn = [_band_range(b) for b in bands]
    points = sorted(
        {Decimal(0), Decimal(100)}
        | {r.low for r in drawn if r is not None}
        | {r.high for r in drawn if r is not None}
        | {s.low for s in coverage.gaps}
        | {s.high for s in coverage.gaps}
        | {w.low for o in coverage.overlaps for w in o.where}
        | {w.high for o in coverage.overlaps for w in o.where}
    )
    stretch_width = _PLOT_WIDTH / max(len(points) - 1, 1)
    at = {p: _PLOT_LEFT + i * stretch_width for i, p in enumerate(points)}
    top_value = max((b.amount.value for b in bands), default=Decimal(0))
    top_value = top_value if top_value > 0 else Decimal(1)
    bottom = _PLOT_TOP + _PLOT_HEIGHT

    def y_of(value: Decimal) -> float:
        return bottom - float(value / top_value) * (_PLOT_HEIGHT - 8)

    unit = _unit_text(bands[0].amount.kind, bands[0].amount.currency) if bands else ""
    width, height = _PLOT_LEFT + _PLOT_WIDTH + 24, bottom + 46
    out = [
        f'<svg class="ladder" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'data-ladder="{_attr(ladder.name)}" data-measure="{_attr(ladder.measure)}">',
        f"<title>Credit ladder {html.escape(ladder.name)} over {html.escape(ladder.measure)}</title>",
    ]
    words: list[str] = []
    marks: list[tuple[Decimal, Decimal, str, str, str]] = []  # from, to, kind, attributes, title
    for gap in coverage.gaps:
        text = stretch_text(gap)
        attributes = (
            f'data-gap="{_attr(text)}" data-from="{gap.low}" data-to="{gap.high}" '
            f'data-from-closed="{str(gap.low_closed).lower()}" data-to-closed="{str(gap.high_closed).lower()}"'
        )
        marks.append((gap.low, gap.high, "gap", attributes, f"gap: no band covers {text}"))
        words.append(f"Gap: no band covers {text}, so a period measured there earns no credit.")
    for overlap in coverage.overlaps:
        first, second = bands[overlap.first], bands[overlap.second]
        for where in overlap.where:
            text = _overlap_words(where)
            attributes = (
                f'data-overlap="{_attr(text)}" data-from="{where.low}" data-to="{where.high}" '
                f'data-bands="{overlap.first} {overlap.second}" data-applies="{overlap.applies}"'
            )
            marks.append((where.low, where.high, "overlap", attributes, f"overlap: two bands cover {text}"))
        shared = ", ".join(_overlap_words(w) for w in overlap.where)
        named = " and ".join(_line_ref(b.span.line, link) for b in (first, second) if b.span is not None)
        words.append(
            f"Overlap: the bands on {named} both cover {html.escape(shared)}; "
            f"the larger amount, {html.escape(str(bands[overlap.applies].amount))}, applies."
        )
    # Marks first, so the steps are drawn over them; their labels alternate in height from left to right, so
    # that neighbours never collide.
    for k, (low, high, kind, attributes, title) in enumerate(sorted(marks, key=lambda m: (m[0], m[1]))):
        out.append(
            f'<g class="{kind}" {attributes}><title>{html.escape(title)}</title>'
            + _mark(at[low], at[high], low == high, kind, k)
            + "</g>"
        )
    # Axes: a tick and a label at each bound, a line and a label at each amount.
    right = _PLOT_LEFT + _PLOT_WIDTH
    out.append(f'<line class="axis" x1="{_PLOT_LEFT}" y1="{bottom}" x2="{right}" y2="{bottom}"/>')
    out.append(f'<line class="axis" x1="{_PLOT_LEFT}" y1="{_PLOT_TOP}" x2="{_PLOT_LEFT}" y2="{bottom}"/>')
    for i, p in enumerate(points):
        x = at[p]
        label_y = bottom + (14 if i % 2 == 0 else 26)  # alternate rows, so neighbouring labels never collide
        out.append(f'<line class="tick" x1="{x:g}" y1="{bottom}" x2="{x:g}" y2="{bottom + 4}"/>')
        out.append(f'<text class="tick" x="{x:g}" y="{label_y}" text-anchor="middle">{p}%</text>')
    out.append(
        f'<text class="axis" x="{_PLOT_LEFT + _PLOT_WIDTH / 2:g}" y="{bottom + 42}" text-anchor="middle">'
        f"{html.escape(ladder.measure)} (each stretch between two bounds drawn the same width)</text>"
    )
    for value in sorted({b.amount.value for b in bands} | {Decimal(0)}):
        y = y_of(value)
        out.append(
            f'<line class="level" x1="{_PLOT_LEFT}" y1="{y:g}" x2="{_PLOT_LEFT + _PLOT_WIDTH}" y2="{y:g}"/>'
            f'<text class="level" x="{_PLOT_LEFT - 6}" y="{y + 4:g}" text-anchor="end">{value}</text>'
        )
    out.append(f'<text class="axis" x="4" y="{_PLOT_TOP - 8}">{html.escape(unit)}</text>')
    for index, (band, covered) in enumerate(zip(bands, drawn, strict=True)):
        if covered is None:
            continue
        x1, x2, y = at[covered.low], at[covered.high], y_of(band.amount.value)
        line = band.span.line if band.span is not None else 0
        dashed = "" if coverage.reachable[index] else " unreachable"
        step = (
            f'<g class="step{dashed}" data-band="{index}" data-from="{covered.low}" data-to="{covered.high}" '
            f'data-from-closed="{str(covered.low_closed).lower()}" '
            f'data-to-closed="{str(covered.high_closed).lower()}" data-amount="{band.amount.value}" '
            f'data-unit="{band.amount.kind}" data-line="{line}">'
            f"<title>{html.escape(stretch_text(covered))}: {html.escape(str(band.amount))}"
            f"{f' (line {line})' if line else ''}</title>"
            f'<line x1="{x1:g}" y1="{y:g}" x2="{x2:g}" y2="{y:g}"/>'
            + _dot(x1, y, covered.low_closed)
            + _dot(x2, y, covered.high_closed)
            + "</g>"
        )
        href = link(line) if line else ""
        out.append(f'<a href="{href}">{step}</a>' if href else step)
    out.append("</svg>")
    return "".join(out), words


def _mark(x1: float, x2: float, point: bool, kind: str, k: int) -> str:
    label_y = _PLOT_TOP - 8 - (k % 2) * 12  # alternate heights, so neighbouring labels never collide
    middle = (x1 + x2) / 2
    bottom = _PLOT_TOP + _PLOT_HEIGHT
    shape = (
        f'<line x1="{x1:g}" y1="{_PLOT_TOP}" x2="{x1:g}" y2="{bottom}"/>'
        if point
        else f'<rect x="{x1:g}" y="{_PLOT_TOP}" width="{x2 - x1:g}" height="{_PLOT_HEIGHT}"/>'
    )
    return shape + f'<text x="{middle:g}" y="{label_y}" text-anchor="middle">{kind}</text>'


def _dot(x: float, y: float, closed: bool) -> str:
    return f'<circle class="{"in" if closed else "out"}" cx="{x:g}" cy="{y:g}" r="4"/>'


def _line_ref(line: int, link: LineLink) -> str:
    href = link(line)
    return f'<a href="{href}">line {line}</a>' if href else f"line {line}"
