"""A check report as one self-contained HTML page: inline CSS, SVG and a small inline script, nothing fetched.

The page is aggregate first. At the top, the overview a manager reads: what is owed after caps per customer and
in all, the targets at risk (late and still open, then pending ones by the time they have left), and compliance
by severity, month and customer, with a CSV export of that table. Two views filter the whole page in place: one
customer, and breaches only. Then the details: for each incident a timeline (the open hours of its calendar
shaded, the report, the clock start, each target's deadline and when it was met, breaches in red); availability
per period against its target line; and the credits table after caps.

Details are drawn only where they are wanted, so the page stays small however long the timeline: every incident
is drawn when there are at most `DRAWN`; beyond that, the first `DRAWN` with a target breached or pending, the
other breached and pending targets as one row each in a folded table, and the incidents that met every target
only in the compliance table. Every figure is taken from the verdicts, and carries `data-` attributes with the
same values as the JSON report, so a test (or a reader's tool) can match the picture to the numbers.
"""

from __future__ import annotations

import html
import json
import math
from collections import defaultdict
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from sladsl import model
from sladsl.evaluation.kpis import Periods
from sladsl.evaluation.verdicts import AvailabilityVerdict, Report, TargetVerdict, owed
from sladsl.render import words
from sladsl.render.text import only, standing
from sladsl.time.calendar import Clock, clock_for
from sladsl.time.periods import ticks

WIDTH, LEFT, RIGHT = 960, 150, 30
COLOURS = {"met": "#2e7d32", "breached": "#c62828", "pending": "#757575", "excluded": "#9e9e9e"}
DRAWN = 60  # incidents drawn as timelines, at most; the rest are rows in a table or counts in the overview
AT_RISK = 20  # rows of the at-risk table
LABEL_GAP = 13  # pixels between two labels of an axis, so that 11px text never overlaps
PERIOD_LABEL = 48  # pixels a period label (`2025-06`) takes on the availability chart's axis

_CSS = """
body { font: 15px/1.45 -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; color: #1d1d1d;
       margin: 1.5rem auto; max-width: 1000px; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin-bottom: 0.2rem; } h2 { margin-top: 2rem; border-bottom: 1px solid #ccc; }
h3 { font-size: 1rem; margin: 1.2rem 0 0.2rem; } .meta { color: #555; }
.met { color: #2e7d32; } .breached { color: #c62828; font-weight: bold; } .pending { color: #757575; }
.excluded { color: #9e9e9e; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
td, th { border-bottom: 1px solid #ddd; padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #f4f4f4; } td.num, td:last-child { text-align: right; white-space: nowrap; }
tr.all td { font-weight: bold; border-top: 2px solid #999; }
svg text { font: 11px -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; fill: #333; }
.legend span { display: inline-block; margin-right: 1.2rem; } .swatch { display: inline-block; width: 0.9em;
height: 0.9em; vertical-align: middle; margin-right: 0.3em; }
#views { position: sticky; top: 0; background: #fff; padding: 0.4rem 0; border-bottom: 1px solid #ddd; }
#views label { margin-right: 1.5rem; } [hidden] { display: none !important; }
details summary { cursor: pointer; margin: 0.8rem 0; }
@media print { #views { display: none; } }
"""

# The views: a customer and breaches only hide what does not match (elements of class `f` carry
# `data-customer` and `data-breached`); the CSV link exports the compliance table's rows as shown.
_SCRIPT = """
(function () {
  var who = document.getElementById("customer"), only = document.getElementById("breaches-only");
  function apply() {
    var customer = who.value, breaches = only.checked, all = document.querySelectorAll(".f");
    for (var i = 0; i < all.length; i++) {
      var e = all[i];
      e.hidden = (customer !== "" && e.getAttribute("data-customer") !== customer) ||
        (breaches && e.getAttribute("data-breached") !== "1");
    }
  }
  who.addEventListener("change", apply);
  only.addEventListener("change", apply);
  function field(text) {
    return /[",\\r\\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }
  var more = document.getElementById("more");
  if (more) more.addEventListener("toggle", function () {
    if (!more.open || more.getAttribute("data-drawn")) return;
    var rows = JSON.parse(document.getElementById("more-data").textContent);
    var table = document.getElementById("more-table");
    for (var i = 0; i < rows.length; i++) {
      var r = rows[i], tr = document.createElement("tr");
      tr.className = "f";
      tr.setAttribute("data-customer", r[1]);
      tr.setAttribute("data-breached", r[7]);
      for (var j = 0; j < 7; j++) {
        var td = document.createElement("td");
        td.textContent = r[j];
        tr.appendChild(td);
      }
      td.className = r[7] === "1" ? "breached" : "pending";
      table.appendChild(tr);
    }
    more.setAttribute("data-drawn", "1");
    apply();
  });
  var csv = document.getElementById("csv");
  if (csv) csv.addEventListener("click", function () {
    var lines = [], rows = document.querySelectorAll("#compliance tr");
    for (var i = 0; i < rows.length; i++) {
      if (rows[i].hidden) continue;
      var cells = rows[i].querySelectorAll("th, td"), line = [];
      for (var j = 0; j < cells.length; j++) line.push(field(cells[j].textContent));
      lines.push(line.join(","));
    }
    var blob = new Blob([lines.join("\\r\\n") + "\\r\\n"], {type: "text/csv"});
    csv.href = URL.createObjectURL(blob);
  });
})();
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _flag(breached: bool) -> str:
    return "1" if breached else "0"


class _Scale:
    def __init__(self, lo: int, hi: int) -> None:
        self.lo, self.hi = lo, max(hi, lo + 60)

    def x(self, instant: int) -> float:
        return LEFT + (WIDTH - LEFT - RIGHT) * (instant - self.lo) / (self.hi - self.lo)


def render_html(report: Report, agreement_file: str, timeline_file: str, *, period: str | None = None) -> str:
    zone = report.agreement.local_zone
    records = report.records
    statuses = [t.status for t in report.targets]
    summary = {
        "targets": len(statuses),
        **{s: statuses.count(s) for s in ("met", "breached", "pending", "excluded")},
    }
    by_incident: dict[str, list[TargetVerdict]] = defaultdict(list)
    for verdict in report.targets:
        by_incident[verdict.incident].append(verdict)
    customers = sorted(
        {t.customer for t in report.targets}
        | {a.customer for a in report.availability}
        | {a.customer for a in report.awards}
    )
    parts = [
        f"<h1>{_e(report.agreement.title)}</h1>",
        f'<p class="meta">{_e(agreement_file)} against {_e(timeline_file)}, {_e(standing(report.as_of, zone))} '
        f"({_e(zone)})</p>",
        *([f'<p class="meta" id="period">{_e(only(period))}</p>'] if period is not None else []),
        f'<p id="summary" data-met="{summary["met"]}" data-breached="{summary["breached"]}" '
        f'data-pending="{summary["pending"]}">{summary["targets"]} targets: <span class="met">{summary["met"]} met'
        f'</span>, <span class="breached">{summary["breached"]} breached</span>, <span class="pending">'
        f"{summary['pending']} pending</span>"
        + (f", {summary['excluded']} excluded" if summary["excluded"] else "")
        + ".</p>",
        _views(customers),
        "<h2>Overview</h2>",
        _owed(report),
        _at_risk(report),
        _compliance(report),
        "<h2>Incidents</h2>",
        '<p class="legend"><span><i class="swatch" style="background:#e3eefc"></i>open hours</span>'
        '<span><i class="swatch" style="background:#2e7d32"></i>met</span>'
        '<span><i class="swatch" style="background:#c62828"></i>breached</span>'
        '<span><i class="swatch" style="background:#757575"></i>pending</span></p>',
    ]
    if not by_incident:
        parts.append("<p>No incidents in this timeline.</p>")
    parts.extend(_incidents(report, by_incident, zone))
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
        f" report</title><style>{_CSS}</style></head><body>\n"
        + "\n".join(parts)
        + f"\n<script>{_SCRIPT}</script>\n</body></html>\n"
    )


# -- the overview ---------------------------------------------------------------------------------------------


def _views(customers: list[str]) -> str:
    options = "".join(f'<option value="{_e(c)}">{_e(c)}</option>' for c in customers)
    return (
        '<form id="views"><label>Customer <select id="customer"><option value="">all customers</option>'
        f'{options}</select></label><label><input type="checkbox" id="breaches-only"> breaches only</label>'
        "</form>"
    )


def _owed(report: Report) -> str:
    """What is owed after caps, per customer and in all: `owed`, the sum `check` shows, and per unit its total
    over the customers. A share of the fee is not added up across customers, whose fees differ."""
    totals = owed(report.awards)
    if not totals:
        return '<h3>Credits owed after caps</h3>\n<p id="owed">Nothing owed.</p>'
    rows = [
        f'<tr class="owed f" data-customer="{_e(c)}" data-breached="1" data-unit="{_e(u)}" data-value="{_e(v)}">'
        f'<td>{_e(c)}</td><td class="num">{_e(v)} {_e(words.unit_name(u))}</td></tr>'
        for c, units in totals.items()
        for u, v in units.items()
    ]
    overall: dict[str, Decimal] = {}
    for units in totals.values():
        for unit, value in units.items():
            if unit != words.FEE_PERCENT:
                overall[unit] = overall.get(unit, Decimal(0)) + value
    rows += [
        f'<tr class="all" data-unit="{_e(u)}" data-value="{_e(v)}"><td>all customers</td>'
        f'<td class="num">{_e(v)} {_e(words.unit_name(u))}</td></tr>'
        for u, v in sorted(overall.items())
    ]
    return (
        '<h3>Credits owed after caps</h3>\n<table id="owed"><tr><th>customer</th><th>owed</th></tr>'
        + "".join(rows)
        + "</table>"
    )


def _allowance(target: model.Target) -> int | None:
    """The seconds a target allows, when its deadline is a fixed amount on its own clock (business time, or
    minutes and hours of real time); None for a count of business days or of longer wall-clock units."""
    deadline = target.deadline
    if isinstance(deadline, model.BusinessTime):
        return deadline.seconds
    if isinstance(deadline, model.WallTime) and deadline.unit in ("minute", "hour"):
        return deadline.amount * (60 if deadline.unit == "minute" else 3600)
    return None


def _at_risk(report: Report) -> str:
    """Targets late and not yet done in incidents not resolved, most late first; then pending ones, least time
    left first. Time is on each
    target's own clock (the verdict's margin); the share used is of its allowance, where that is a fixed amount."""
    zone = report.agreement.local_zone
    # An incident whose resolution is done has nothing left at risk: an update missed before it stays a breach.
    resolved = {v.incident for v in report.targets if v.kind == "resolution" and v.actual is not None}
    late = sorted(
        (v for v in report.targets if v.status == "breached" and v.actual is None and v.incident not in resolved),
        key=lambda v: v.margin or 0,
    )
    pending = sorted(
        (v for v in report.targets if v.status == "pending" and v.margin is not None), key=lambda v: v.margin or 0
    )
    ranked = late + pending
    head = "<h3>Targets at risk</h3>\n"
    if not ranked:
        return head + '<p id="at-risk">No target is late and still open, and none is pending.</p>'
    rows = []
    for v in ranked[:AT_RISK]:
        margin = v.margin or 0
        used = ""
        allowance = _allowance(v.target)
        if v.status == "pending" and allowance:
            share = Decimal(max(allowance - margin, 0)) * 100 / Decimal(allowance)
            used = f"{share.quantize(Decimal(1), rounding=ROUND_HALF_UP)}% used"
        standing_now = f"late by {words.duration(-margin)}" if v.status == "breached" else words.duration(margin)
        rows.append(
            f'<tr class="risk f" data-customer="{_e(v.customer)}" data-breached="{_flag(v.status == "breached")}" '
            f'data-incident="{_e(v.incident)}" data-kind="{_e(v.kind)}" data-status="{v.status}" '
            f'data-margin="{margin}"><td>{_e(v.incident)}</td><td>{_e(v.customer)}</td><td>{_e(v.severity)}</td>'
            f"<td>{_e(v.kind)}</td><td>{_e(_when(v.due, zone))}</td>"
            f'<td class="{v.status}">{_e(standing_now)}</td><td>{_e(used)}</td></tr>'
        )
    more = (
        f'<p class="meta">and {len(ranked) - AT_RISK} more; `sladsl check` lists every target.</p>'
        if len(ranked) > AT_RISK
        else ""
    )
    return (
        head + '<p class="meta">Late and still not done in an incident not resolved, most late first; then '
        "pending, least time left first (on each target's own clock).</p>\n"
        '<table id="at-risk"><tr><th>incident</th><th>customer</th><th>severity</th><th>target</th><th>due</th>'
        "<th>late by / time left</th><th>allowance</th></tr>" + "".join(rows) + "</table>" + more
    )


def _percent(met: int, decided: int) -> str:
    """The share of decided targets met, to one decimal, half up; empty when none is decided."""
    if not decided:
        return ""
    return str((Decimal(met) * 100 / Decimal(decided)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _compliance(report: Report) -> str:
    """Targets met, breached and pending by severity, month of the report (in the agreement's zone, as KPIs
    count them) and customer; the share met is of those decided."""
    zone = report.agreement.local_zone
    periods = Periods(zone)
    counts: dict[tuple[str, str, str], list[int]] = {}
    for v in report.targets:
        if v.status == "excluded":  # not held to the target: neither met nor missed
            continue
        month = periods.of(v.reported, "month")[2]
        found = counts.setdefault((v.severity, month, v.customer), [0, 0, 0])
        found[("met", "breached", "pending").index(v.status)] += 1
    head = "<h3>Compliance by severity, month and customer</h3>\n"
    if not counts:
        return head + "<p>No targets.</p>"
    order = {s.code: n for n, s in enumerate(report.agreement.severities)}
    rows = []
    for (severity, month, customer), (met, breached, pending) in sorted(
        counts.items(), key=lambda item: (order.get(item[0][0], len(order)), item[0][0], item[0][1], item[0][2])
    ):
        rows.append(
            f'<tr class="f" data-customer="{_e(customer)}" data-breached="{_flag(breached > 0)}"><td>'
            f"{_e(severity)}</td><td>{month}</td><td>{_e(customer)}</td><td>{met}</td><td>{breached}</td>"
            f"<td>{pending}</td><td>{_percent(met, met + breached)}</td></tr>"
        )
    return (
        head + '<p class="meta">Each target counts in the month its incident was reported; met % is of the '
        'targets decided (met or breached). <a id="csv" download="compliance.csv" href="#">Download CSV</a> '
        "(the rows shown)</p>\n"
        '<table id="compliance"><tr><th>severity</th><th>month</th><th>customer</th><th>met</th><th>breached</th>'
        "<th>pending</th><th>met %</th></tr>" + "".join(rows) + "</table>"
    )


# -- incidents ------------------------------------------------------------------------------------------------


_OPEN_OR_LATE = ("breached", "pending")  # the incidents drawn first; a met or excluded target needs no look


def _incidents(report: Report, by_incident: dict[str, list[TargetVerdict]], zone: str) -> Iterable[str]:
    clocks: dict[str, Clock] = {}  # each calendar compiled once, not once per incident
    if len(by_incident) <= DRAWN:
        drawn = list(by_incident)
    else:
        drawn = [i for i, vs in by_incident.items() if any(v.status in _OPEN_OR_LATE for v in vs)][:DRAWN]
    for incident in drawn:
        yield _incident(report, incident, by_incident[incident], zone, clocks)
    if len(drawn) == len(by_incident):
        return
    chosen = set(drawn)
    rest = [
        v
        for incident, verdicts in by_incident.items()
        if incident not in chosen
        for v in verdicts
        if v.status in _OPEN_OR_LATE
    ]
    quiet = sum(
        1 for i, vs in by_incident.items() if i not in chosen and not any(v.status in _OPEN_OR_LATE for v in vs)
    )
    yield (
        f'<p class="meta" id="undrawn">{len(drawn)} of {len(by_incident)} incidents are drawn above: those with '
        f"a target breached or pending, in the timeline's order. {quiet} incidents met every target they were "
        "held to and are counted in the compliance table; `sladsl check --format json` lists every verdict.</p>"
    )
    if not rest:
        return
    data = [
        [
            v.incident,
            v.customer,
            v.severity,
            v.kind,
            _when(v.due, zone),
            _when(v.actual, zone),
            f"late by {words.duration(-(v.margin or 0))}" if v.status == "breached" else "pending",
            _flag(v.status == "breached"),
        ]
        for v in rest
    ]
    # Compact data, made into rows when the reader opens the table: a row of markup per target would be most
    # of the page. `<` is escaped so that no text in it can end the script element.
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")
    yield (
        f'<details id="more"><summary>{len(rest)} more targets breached or pending, in incidents not drawn'
        '</summary><table id="more-table"><tr><th>incident</th><th>customer</th><th>severity</th><th>target</th>'
        "<th>due</th><th>done</th><th>outcome</th></tr></table></details>"
        f'<script type="application/json" id="more-data">{text}</script>'
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


def _clock(report: Report, calendar: str, clocks: dict[str, Clock]) -> Clock:
    clock = clocks.get(calendar)
    if clock is None:
        clock = clocks[calendar] = clock_for(report.agreement.calendars[calendar])
    return clock


def _late_until(report: Report, v: TargetVerdict, clocks: dict[str, Clock]) -> int | None:
    """Where a breach ends on the axis: when the target was done, or, when it is not done, the instant its
    lateness (the verdict's margin, on the target's own clock) had run from the deadline. So the red bar is as
    long as the verdict says, never running on to as-of when the engine stopped counting earlier (an update's
    clock stops at the resolution)."""
    if v.status != "breached" or v.due is None:
        return None
    if v.actual is not None:
        return v.actual
    late = -(v.margin or 0)
    deadline = v.target.deadline
    if isinstance(deadline, model.BusinessTime):
        return _clock(report, deadline.calendar, clocks).deadline(v.due, late)
    return v.due + late


def _incident(
    report: Report, incident: str, verdicts: list[TargetVerdict], zone: str, clocks: dict[str, Clock]
) -> str:
    first = verdicts[0]
    add_ons = {p.name for p in report.agreement.add_ons}
    as_of = report.as_of
    assert as_of is not None  # an incident's report is an instant the timeline names
    resolved = next((x.actual for x in verdicts if x.kind == "resolution" and x.actual is not None), None)
    open_until = min(as_of, resolved) if resolved is not None else as_of
    late_until = {id(v): _late_until(report, v, clocks) for v in verdicts}
    points = [first.reported] + [v.start for v in verdicts]
    points += [v.due for v in verdicts if v.due is not None] + [v.actual for v in verdicts if v.actual is not None]
    points += [t for t in late_until.values() if t is not None]
    if any(v.status == "pending" for v in verdicts):
        points.append(open_until)
    lo, hi = min(points), max(points)
    pad = max((hi - lo) // 20, 1800)
    scale = _Scale(lo - pad, hi + pad)
    row_height, top = 26, 34
    height = top + row_height * len(verdicts) + 30
    breached = any(v.status == "breached" for v in verdicts)
    svg = [
        f'<svg class="incident-timeline" data-incident="{_e(incident)}" data-lo="{scale.lo}" '
        f'data-hi="{scale.hi}" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="timeline of {_e(incident)}">'
    ]
    calendar = _calendar_of(verdicts)
    if calendar is not None:
        for a, b in _clock(report, calendar, clocks).open_intervals(scale.lo, scale.hi):
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
    for row, v in enumerate(verdicts):
        y = top + row_height * row + 8
        colour = COLOURS[v.status]
        label = f"{v.kind}" + (f" (sev {v.severity})" if v.severity != first.severity else "")
        label += f" (add-on {v.plan})" if v.plan in add_ons else ""
        svg.append(
            f'<g class="row" data-kind="{_e(v.kind)}" data-status="{v.status}"><title>{_e(_tip(v, zone))}'
            f'</title><text x="8" y="{y + 4}">{_e(label)}</text>'
        )
        # The grey bar runs from the clock start to when the target was done, to where its breach ended, or
        # (pending) to when the incident stopped being open. Done before its clock started (a report outside
        # hours answered at once), it has no bar: drawn, it would run backwards.
        end = v.actual if v.actual is not None else late_until[id(v)]
        if end is None:
            end = open_until
        if end > v.start:
            svg.append(
                f'<line class="span" x1="{scale.x(v.start):.1f}" y1="{y}" x2="{scale.x(end):.1f}" y2="{y}" '
                'stroke="#999" stroke-width="3"/>'
            )
        if v.due is not None:
            dx = scale.x(v.due)
            svg.append(
                f'<line class="due" x1="{dx:.1f}" y1="{y - 9}" x2="{dx:.1f}" y2="{y + 9}" stroke="#333" '
                'stroke-width="2"/>'
            )
            late_end = late_until[id(v)]
            if late_end is not None:
                svg.append(
                    f'<line class="late" x1="{dx:.1f}" y1="{y}" x2="{scale.x(late_end):.1f}" y2="{y}" '
                    f'stroke="{colour}" stroke-width="5"/>'
                )
        if v.actual is not None:
            svg.append(f'<circle class="done" cx="{scale.x(v.actual):.1f}" cy="{y}" r="5" fill="{colour}"/>')
        svg.append(f'<circle class="start" cx="{scale.x(v.start):.1f}" cy="{y}" r="3" fill="#333"/></g>')
    svg.append("</svg>")
    rows = []
    for v in verdicts:
        rows.append(
            f'<tr class="target" data-incident="{_e(v.incident)}" data-kind="{_e(v.kind)}" '
            f'data-due="{_e(_iso(v.due, zone))}" data-actual="{_e(_iso(v.actual, zone))}" '
            f'data-status="{v.status}">'
            f"<td>{_e(v.kind + (f' (add-on {v.plan})' if v.plan in add_ons else ''))}</td>"
            f"<td>{_e(v.severity)}</td>"
            f"<td>{_e(_when(v.start, zone))}</td>"
            f"<td>{_e(_when(v.due, zone))}</td><td>{_e(_when(v.actual, zone))}</td>"
            f'<td class="{v.status}">{_e(_outcome(v))}</td><td>{_e(words.clock(v.target))}</td>'
            f"<td>{_e(v.target.citation or '')}</td></tr>"
        )
    held = next((v.plan for v in verdicts if v.plan not in add_ons), None)  # an add-on's verdict names it
    plan = f", plan {_e(held)}" if held else ""
    return (
        f'<section class="incident f" id="incident-{_e(incident)}" data-incident="{_e(incident)}" '
        f'data-customer="{_e(first.customer)}" '
        f'data-breached="{_flag(breached)}">'
        f"<h3>{_e(incident)}: severity {_e(first.severity)}{plan}, customer {_e(first.customer)}, reported "
        f"{_e(_when(first.reported, zone))}</h3>\n"
        + "".join(svg)
        + "\n<table><tr><th>target</th><th>severity</th><th>clock start</th><th>due</th><th>done</th>"
        "<th>outcome</th><th>clock</th><th>§</th></tr>" + "".join(rows) + "</table></section>"
    )


def _outcome(v: TargetVerdict) -> str:
    if v.status == "met":
        return f"met, {words.duration(v.margin or 0)} to spare"
    if v.status == "breached":
        return f"breached by {words.duration(-(v.margin or 0))}"
    if v.status == "excluded":
        return f"excluded: tagged {words.excluded_by(v).tag}"
    return "pending"


def _tip(v: TargetVerdict, zone: str) -> str:
    """The tooltip of a target's row: its outcome, and why a met target done before its clock start has no bar."""
    tip = f"{v.kind}: {_outcome(v)}"
    if v.actual is not None and v.actual < v.start:
        tip += f"; done {_when(v.actual, zone)}, before its clock started {_when(v.start, zone)}"
    return tip


def _day_ticks(scale: _Scale, zone: str, height: int) -> list[str]:
    """Ticks at local midnights, or at whole hours when the span is short; about a dozen at most. A label near
    the right edge ends at its tick, so it is not cut off."""
    found = []
    short = scale.hi - scale.lo <= 36 * 3600
    for instant, wall in ticks(scale.lo, scale.hi, zone):
        x = scale.x(instant)
        label = f"{wall:%H:%M}" if short else f"{wall:%a %d %b}"
        found.append(
            f'<line x1="{x:.1f}" y1="16" x2="{x:.1f}" y2="{height - 18}" stroke="#bbb" stroke-width="0.5"/>'
        )
        if x > WIDTH - 70:
            found.append(f'<text x="{x - 2:.1f}" y="{height - 6}" text-anchor="end">{label}</text>')
        else:
            found.append(f'<text x="{x + 2:.1f}" y="{height - 6}">{label}</text>')
    return found


# -- availability and credits ---------------------------------------------------------------------------------


def _availability(name: str, customer: str, periods: list[AvailabilityVerdict]) -> str:
    """Bars from the axis floor up to each period's value, against the target line. The axis labels the target
    first, then 100% and the floor only where they leave room; period names are thinned to every k-th when the
    bars are narrow, and values are written above bars wide enough to hold them (each bar has them as a
    tooltip)."""
    target = periods[0].commitment.percent
    lowest = min([p.value for p in periods] + [target])
    floor = max(Decimal(0), (lowest - Decimal("0.5")).to_integral_value(rounding="ROUND_FLOOR"))
    height, top, bottom = 220, 20, 40
    plot = height - top - bottom
    slot = (WIDTH - LEFT - RIGHT) / max(len(periods), 1)
    bar = min(60.0, max(slot * 0.7, 1.0))
    every = max(1, math.ceil(PERIOD_LABEL / slot))

    def y(value: Decimal) -> float:
        return top + plot * float((Decimal(100) - value) / (Decimal(100) - floor))

    breached = any(p.status == "breached" for p in periods)
    svg = [
        f'<svg class="availability-chart" data-commitment="{_e(name)}" data-customer="{_e(customer)}" '
        f'width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="availability {_e(name)} for {_e(customer)}">'
    ]
    placed: list[float] = []
    for value, text in ((target, f"target {target}%"), (Decimal(100), "100%"), (floor, f"{floor}%")):
        at = y(value)
        if all(abs(at - other) >= LABEL_GAP for other in placed):
            placed.append(at)
            svg.append(f'<text class="axis" x="{LEFT - 8}" y="{at + 4:.1f}" text-anchor="end">{text}</text>')
    svg.append(
        f'<line class="target" x1="{LEFT}" y1="{y(target):.1f}" x2="{WIDTH - RIGHT}" y2="{y(target):.1f}" '
        'stroke="#c62828" stroke-dasharray="6,3"/>'
    )
    svg.append(f'<line x1="{LEFT}" y1="{y(floor):.1f}" x2="{WIDTH - RIGHT}" y2="{y(floor):.1f}" stroke="#999"/>')
    for i, period in enumerate(periods):
        middle = LEFT + slot * (i + 0.5)
        top_y = y(period.value)
        svg.append(
            f'<rect class="period" data-period="{_e(period.period)}" data-value="{_e(period.value)}" '
            f'data-status="{period.status}" x="{middle - bar / 2:.1f}" y="{top_y:.1f}" width="{bar:.1f}" '
            f'height="{max(y(floor) - top_y, 1):.1f}" fill="{COLOURS[period.status]}" opacity="0.8"><title>'
            f"{_e(period.period)}: {period.value:.2f}% ({period.status})</title></rect>"
        )
        if i % every == 0:
            svg.append(
                f'<text class="period-label" x="{middle:.1f}" y="{height - bottom + 20}" text-anchor="middle">'
                f"{_e(period.period)}</text>"
            )
        if slot >= PERIOD_LABEL:
            svg.append(
                f'<text class="value" x="{middle:.1f}" y="{top_y - 4:.1f}" text-anchor="middle">'
                f"{period.value:.2f}</text>"
            )
    svg.append("</svg>")
    return (
        f'<section class="availability f" data-customer="{_e(customer)}" data-breached="{_flag(breached)}">'
        f"<h3>{_e(name)} for customer {_e(customer)} (at least {target}%)</h3>\n" + "".join(svg) + "</section>"
    )


def _credits(report: Report) -> str:
    zone = report.agreement.local_zone
    rows = []
    for award in report.awards:
        reasons = "<br>".join(_e(words.reason(r, zone)) for r in award.reasons)
        rows.append(
            f'<tr class="credit f" data-customer="{_e(award.customer)}" data-breached="1" '
            f'data-credit="{_e(award.credit)}" data-value="{_e(award.value)}" data-status="{award.status}">'
            f"<td>{_e(award.customer)}</td><td>{_e(award.credit)}</td><td>{_e(words.basis(award.basis))}</td>"
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
    return f'<h2>Credits after caps</h2>\n<p class="meta">The totals owed are in the overview.</p>\n{table}'
