"""A check report as one self-contained HTML page: inline CSS and SVG, no scripts, nothing fetched.

For each incident, a timeline: the open hours of its calendar shaded, the report, the clock start, each target's
deadline and when it was met, breaches in red. Then availability per period against its target line, and the
credits table after caps. Every figure carries `data-` attributes with the same values as the JSON report, so a
test (or a reader's tool) can match the picture to the numbers.
"""

from __future__ import annotations

import html
from collections import defaultdict
from decimal import Decimal

from sladsl import model
from sladsl.evaluation.verdicts import AvailabilityVerdict, Report, TargetVerdict, owed
from sladsl.render import words
from sladsl.render.text import only, standing
from sladsl.time.calendar import Clock, clock_for
from sladsl.time.periods import ticks

WIDTH, LEFT, RIGHT = 960, 150, 30
COLOURS = {"met": "#2e7d32", "breached": "#c62828", "pending": "#757575"}

_CSS = """
body { font: 15px/1.45 -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; color: #1d1d1d;
       margin: 1.5rem auto; max-width: 1000px; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin-bottom: 0.2rem; } h2 { margin-top: 2rem; border-bottom: 1px solid #ccc; }
h3 { font-size: 1rem; margin: 1.2rem 0 0.2rem; } .meta { color: #555; }
.met { color: #2e7d32; } .breached { color: #c62828; font-weight: bold; } .pending { color: #757575; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
td, th { border-bottom: 1px solid #ddd; padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #f4f4f4; } td.num, td:last-child { text-align: right; white-space: nowrap; }
svg text { font: 11px -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; fill: #333; }
.legend span { display: inline-block; margin-right: 1.2rem; } .swatch { display: inline-block; width: 0.9em;
height: 0.9em; vertical-align: middle; margin-right: 0.3em; }
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


class _Scale:
    def __init__(self, lo: int, hi: int) -> None:
        self.lo, self.hi = lo, max(hi, lo + 60)

    def x(self, instant: int) -> float:
        return LEFT + (WIDTH - LEFT - RIGHT) * (instant - self.lo) / (self.hi - self.lo)


def render_html(report: Report, agreement_file: str, timeline_file: str, *, period: str | None = None) -> str:
    zone = report.agreement.local_zone
    records = report.records
    statuses = [t.status for t in report.targets]
    summary = {"targets": len(statuses), **{s: statuses.count(s) for s in ("met", "breached", "pending")}}
    parts = [
        f"<h1>{_e(report.agreement.title)}</h1>",
        f'<p class="meta">{_e(agreement_file)} against {_e(timeline_file)}, {_e(standing(report.as_of, zone))} '
        f"({_e(zone)})</p>",
        *([f'<p class="meta" id="period">{_e(only(period))}</p>'] if period is not None else []),
        f'<p id="summary" data-met="{summary["met"]}" data-breached="{summary["breached"]}" '
        f'data-pending="{summary["pending"]}">{summary["targets"]} targets: <span class="met">{summary["met"]} met'
        f'</span>, <span class="breached">{summary["breached"]} breached</span>, <span class="pending">'
        f"{summary['pending']} pending</span>.</p>",
        '<p class="legend"><span><i class="swatch" style="background:#e3eefc"></i>open hours</span>'
        '<span><i class="swatch" style="background:#2e7d32"></i>met</span>'
        '<span><i class="swatch" style="background:#c62828"></i>breached</span>'
        '<span><i class="swatch" style="background:#757575"></i>pending</span></p>',
    ]
    parts.append("<h2>Incidents</h2>")
    by_incident: dict[str, list[TargetVerdict]] = defaultdict(list)
    for verdict in report.targets:
        by_incident[verdict.incident].append(verdict)
    if not by_incident:
        parts.append("<p>No incidents in this timeline.</p>")
    clocks: dict[str, Clock] = {}  # each calendar compiled once, not once per incident
    for incident, verdicts in by_incident.items():
        parts.append(_incident(report, incident, verdicts, zone, clocks))
    parts.append("<h2>Availability</h2>")
    by_commitment: dict[tuple[str, str], list[AvailabilityVerdict]] = defaultdict(list)
    for measured in report.availability:
        by_commitment[(measured.commitment.name, measured.customer)].append(measured)
    if not by_commitment:
        parts.append("<p>No availability commitment is evaluated.</p>")
    for (name, customer), periods in by_commitment.items():
        parts.append(_availability(name, customer, periods))
    parts.append(_credits(report))
    parts.append(
        f'<p class="meta" id="records">Records: {records.read} read = {records.evaluated} evaluated + '
        f"{records.rejected} rejected</p>"
    )
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{_e(report.agreement.title)}'
        f" report</title><style>{_CSS}</style></head><body>\n" + "\n".join(parts) + "\n</body></html>\n"
    )


def _when(instant: int | None, zone: str) -> str:
    return words.when(instant, zone)


def _iso(instant: int | None, zone: str) -> str:
    return words.iso(instant, zone) or ""


def _calendar_of(verdicts: list[TargetVerdict]) -> str | None:
    for v in verdicts:
        deadline = v.target.deadline
        if isinstance(deadline, (model.BusinessTime, model.BusinessDays, model.DayEnd)):
            return deadline.calendar
    return None


def _incident(
    report: Report, incident: str, verdicts: list[TargetVerdict], zone: str, clocks: dict[str, Clock]
) -> str:
    first = verdicts[0]
    as_of = report.as_of
    assert as_of is not None  # an incident's report is an instant the timeline names
    points = [first.reported] + [v.start for v in verdicts]
    points += [v.due for v in verdicts if v.due is not None] + [v.actual for v in verdicts if v.actual is not None]
    if any(v.status == "pending" for v in verdicts):
        points.append(as_of)
    lo, hi = min(points), max(points)
    pad = max((hi - lo) // 20, 1800)
    scale = _Scale(lo - pad, hi + pad)
    row_height, top = 26, 34
    height = top + row_height * len(verdicts) + 30
    svg = [
        f'<svg class="incident-timeline" data-incident="{_e(incident)}" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" role="img" aria-label="timeline of {_e(incident)}">'
    ]
    calendar = _calendar_of(verdicts)
    if calendar is not None:
        clock = clocks.get(calendar)
        if clock is None:
            clock = clocks[calendar] = clock_for(report.agreement.calendars[calendar])
        for a, b in clock.open_intervals(scale.lo, scale.hi):
            svg.append(
                f'<rect x="{scale.x(a):.1f}" y="{top - 8}" width="{max(scale.x(b) - scale.x(a), 0.5):.1f}" '
                f'height="{height - top - 14}" fill="#e3eefc"/>'
            )
    svg.extend(_day_ticks(scale, zone, height))
    x = scale.x(first.reported)
    svg.append(
        f'<line x1="{x:.1f}" y1="{top - 14}" x2="{x:.1f}" y2="{height - 22}" stroke="#333" '
        'stroke-dasharray="2,2"/>'
    )
    svg.append(f'<text x="{x + 3:.1f}" y="{top - 16}">reported {_e(_when(first.reported, zone)[11:])}</text>')
    resolved = next((x.actual for x in verdicts if x.kind == "resolution" and x.actual is not None), None)
    open_until = min(as_of, resolved) if resolved is not None else as_of
    for row, v in enumerate(verdicts):
        y = top + row_height * row + 8
        colour = COLOURS[v.status]
        label = f"{v.kind}" + (f" (sev {v.severity})" if v.severity != first.severity else "")
        svg.append(f'<text x="8" y="{y + 4}">{_e(label)}</text>')
        # Without an event, a line runs to when the incident stopped being open: its resolution, or as-of.
        end = v.actual if v.actual is not None else open_until
        svg.append(
            f'<line x1="{scale.x(v.start):.1f}" y1="{y}" x2="{scale.x(end):.1f}" y2="{y}" stroke="#999" '
            'stroke-width="3"/>'
        )
        if v.due is not None:
            dx = scale.x(v.due)
            svg.append(
                f'<line x1="{dx:.1f}" y1="{y - 9}" x2="{dx:.1f}" y2="{y + 9}" stroke="#333" stroke-width="2"/>'
            )
            if v.status == "breached":
                late_end = v.actual if v.actual is not None else open_until
                svg.append(
                    f'<line x1="{dx:.1f}" y1="{y}" x2="{scale.x(late_end):.1f}" y2="{y}" stroke="{colour}" '
                    'stroke-width="5"/>'
                )
        if v.actual is not None:
            svg.append(f'<circle cx="{scale.x(v.actual):.1f}" cy="{y}" r="5" fill="{colour}"/>')
        svg.append(f'<circle cx="{scale.x(v.start):.1f}" cy="{y}" r="3" fill="#333"/>')
    svg.append("</svg>")
    rows = []
    for v in verdicts:
        if v.status == "met":
            outcome = f"met, {words.duration(v.margin or 0)} to spare"
        elif v.status == "breached":
            outcome = f"breached by {words.duration(-(v.margin or 0))}"
        else:
            outcome = "pending"
        rows.append(
            f'<tr class="target" data-incident="{_e(v.incident)}" data-kind="{_e(v.kind)}" '
            f'data-due="{_e(_iso(v.due, zone))}" data-actual="{_e(_iso(v.actual, zone))}" '
            f'data-status="{v.status}">'
            f"<td>{_e(v.kind)}</td><td>{_e(v.severity)}</td><td>{_e(_when(v.start, zone))}</td>"
            f"<td>{_e(_when(v.due, zone))}</td><td>{_e(_when(v.actual, zone))}</td>"
            f'<td class="{v.status}">{_e(outcome)}</td><td>{_e(words.clock(v.target))}</td>'
            f"<td>{_e(v.target.citation or '')}</td></tr>"
        )
    plan = f", plan {_e(first.plan)}" if first.plan else ""
    return (
        f"<h3>{_e(incident)}: severity {_e(first.severity)}{plan}, customer {_e(first.customer)}, reported "
        f"{_e(_when(first.reported, zone))}</h3>\n"
        + "".join(svg)
        + "\n<table><tr><th>target</th><th>severity</th><th>clock start</th><th>due</th><th>done</th>"
        "<th>outcome</th><th>clock</th><th>§</th></tr>" + "".join(rows) + "</table>"
    )


def _day_ticks(scale: _Scale, zone: str, height: int) -> list[str]:
    """Ticks at local midnights, or at whole hours when the span is short; about a dozen at most."""
    found = []
    short = scale.hi - scale.lo <= 36 * 3600
    for instant, wall in ticks(scale.lo, scale.hi, zone):
        x = scale.x(instant)
        label = f"{wall:%H:%M}" if short else f"{wall:%a %d %b}"
        found.append(
            f'<line x1="{x:.1f}" y1="16" x2="{x:.1f}" y2="{height - 18}" stroke="#bbb" stroke-width="0.5"/>'
        )
        found.append(f'<text x="{x + 2:.1f}" y="{height - 6}">{label}</text>')
    return found


def _availability(name: str, customer: str, periods: list[AvailabilityVerdict]) -> str:
    target = periods[0].commitment.percent
    lowest = min([p.value for p in periods] + [target])
    floor = max(Decimal(0), (lowest - Decimal("0.5")).to_integral_value(rounding="ROUND_FLOOR"))
    height, top, bottom = 220, 20, 40
    plot = height - top - bottom
    width_each = min(80, (WIDTH - LEFT - RIGHT) // max(len(periods), 1))

    def y(value: Decimal) -> float:
        return top + plot * float((Decimal(100) - value) / (Decimal(100) - floor))

    svg = [
        f'<svg class="availability-chart" data-commitment="{_e(name)}" data-customer="{_e(customer)}" '
        f'width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="availability {_e(name)} for {_e(customer)}">'
    ]
    for value in (Decimal(100), floor, target):
        svg.append(f'<text x="{LEFT - 8}" y="{y(value) + 4:.1f}" text-anchor="end">{value}%</text>')
    svg.append(
        f'<line x1="{LEFT}" y1="{y(target):.1f}" x2="{WIDTH - RIGHT}" y2="{y(target):.1f}" stroke="#c62828" '
        f'stroke-dasharray="6,3"/><text x="{WIDTH - RIGHT}" y="{y(target) - 4:.1f}" text-anchor="end">'
        f"target {target}%</text>"
    )
    for i, period in enumerate(periods):
        x = LEFT + i * width_each + 6
        top_y = y(period.value)
        svg.append(
            f'<rect class="period" data-period="{_e(period.period)}" data-value="{_e(period.value)}" '
            f'data-status="{period.status}" x="{x}" y="{top_y:.1f}" width="{width_each - 12}" '
            f'height="{max(y(floor) - top_y, 1):.1f}" fill="{COLOURS[period.status]}" opacity="0.8"/>'
        )
        svg.append(
            f'<text x="{x + (width_each - 12) / 2:.1f}" y="{height - bottom + 14}" text-anchor="middle">'
            f"{_e(period.period)}</text>"
        )
        svg.append(
            f'<text x="{x + (width_each - 12) / 2:.1f}" y="{top_y - 4:.1f}" text-anchor="middle">'
            f"{period.value:.2f}</text>"
        )
    svg.append("</svg>")
    return f"<h3>{_e(name)} for customer {_e(customer)} (at least {target}%)</h3>\n" + "".join(svg)


def _credits(report: Report) -> str:
    zone = report.agreement.local_zone
    rows = []
    for award in report.awards:
        reasons = "<br>".join(_e(words.reason(r, zone)) for r in award.reasons)
        rows.append(
            f'<tr class="credit" data-customer="{_e(award.customer)}" data-credit="{_e(award.credit)}" '
            f'data-value="{_e(award.value)}" data-status="{award.status}"><td>{_e(award.customer)}</td>'
            f"<td>{_e(award.credit)}</td><td>{_e(words.basis(award.basis))}</td>"
            f'<td class="num">{_e(award.value)} {_e(words.unit_name(award.unit))}</td>'
            f'<td class="{"met" if award.status == "owed" else "pending"}">{award.status}</td>'
            f"<td>{reasons}</td><td>{_e(award.citation or '')}</td></tr>"
        )
    table = (
        (
            "<table><tr><th>customer</th><th>credit</th><th>basis</th><th>amount</th><th>status</th>"
            "<th>why</th><th>§</th></tr>" + "".join(rows) + "</table>"
        )
        if rows
        else "<p>No credits earned.</p>"
    )
    totals = [
        f'<li class="total" data-customer="{_e(c)}" data-unit="{_e(u)}" data-value="{_e(v)}">{_e(c)}: {_e(v)} '
        f"{_e(u)}</li>"
        for c, units in owed(report.awards).items()
        for u, v in units.items()
    ]
    listed = "<ul>" + "".join(totals) + "</ul>" if totals else "<p>Nothing owed.</p>"
    return f"<h2>Credits after caps</h2>\n{table}\n<h3>Totals owed</h3>\n{listed}"
