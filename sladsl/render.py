"""Reports rendered for people (text) and for programs (JSON, schema `sladsl.check/1`, documented in the README).

Instants are shown in the agreement's zone. Amounts and percentages are exact decimals: JSON carries them as
strings so no float rounding creeps in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sladsl.clock import local
from sladsl.diagnostics import Diagnostic
from sladsl.diagnostics import to_json as diagnostic_json
from sladsl.interpreter import AvailabilityVerdict, Award, KpiVerdict, Report, TargetVerdict, describe_seconds

SCHEMA = "sladsl.check/1"


NO_AS_OF = "with no as-of instant, as no record names one"  # the header when the timeline gives no instant


def standing(as_of: int | None, zone: str) -> str:
    """The header's words on when a report stands: as of a local time, or that no record names an instant."""
    return NO_AS_OF if as_of is None else f"as of {local(as_of, zone).strftime('%Y-%m-%d %H:%M %a')}"


def only(period: str) -> str:
    """The header's note on a report narrowed with `--period`, so a page read alone says it is not the whole."""
    return f"only {period}: the targets reported, the periods begun and the credits earned in it"


def _when(report: Report, instant: int | None) -> str:
    if instant is None:
        return "-"
    return local(instant, _zone(report)).strftime("%Y-%m-%d %H:%M %a")


def _iso(report: Report, instant: int | None) -> str | None:
    return None if instant is None else local(instant, _zone(report)).isoformat()


def _zone(report: Report) -> str:
    return report.agreement.local_zone


def _customer_time(report: Report, customer: str, instant: int) -> str:
    """The customer's own local time, when the timeline gives the customer a zone other than the agreement's."""
    zone = report.customer_zones.get(customer)
    if zone is None or zone == _zone(report):
        return ""
    return f" ({local(instant, zone).strftime('%H:%M %a')} {zone})"


def _pct(value: Decimal | None) -> str:
    if value is None:
        return "-"
    return f"{value:.4f}".rstrip("0").rstrip(".") + "%"


def _money(value: Decimal) -> str:
    return str(value)  # exact: the text report rounds nothing the contract does not


def _amount(unit: str, value: Decimal) -> str:
    if unit == "credits":
        return f"{_money(value)} credit{'s' if value != 1 else ''}"
    if unit == "% of monthly fee":
        return f"{_money(value)}% of the monthly fee"
    return f"{unit} {_money(value)}"


def totals_by_customer(report: Report) -> dict[str, dict[str, Decimal]]:
    found: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for award in report.awards:
        if award.status == "owed":
            found[award.customer][award.unit] += award.value
    return {c: dict(units) for c, units in sorted(found.items())}


def render_text(
    report: Report,
    agreement_file: str,
    timeline_file: str,
    *,
    explain: bool = False,
    rejected: tuple[Diagnostic, ...] = (),
    warnings: tuple[Diagnostic, ...] = (),
    period: str | None = None,
) -> str:
    """The report as text. `period` is the `--period` the report was narrowed to, if any, for its header."""
    out: list[str] = []
    add = out.append
    add(report.agreement.title)
    add(f"  {agreement_file} against {timeline_file}, {standing(report.as_of, _zone(report))} ({_zone(report)})")
    if period is not None:
        add(f"  {only(period)}")
    _targets(report, out, explain)
    _kpis(report, out)
    _availability(report, out, explain)
    _credits(report, out, explain)
    met = sum(t.status == "met" for t in report.targets)
    breached = sum(t.status == "breached" for t in report.targets)
    pending = sum(t.status == "pending" for t in report.targets)
    add("")
    add(
        f"Summary: {len(report.targets)} targets: {met} met, {breached} breached, {pending} pending; "
        f"{report.breaches} breach{'es' if report.breaches != 1 else ''} in all"
    )
    add(f"Records: {report.read} read = {report.evaluated} evaluated + {report.rejected} rejected")
    for d in (*rejected, *warnings):
        assert d.span is not None
        add(f"  {d.span.file}:{d.span.line}: {d.code} {d.message}" + (f" ({d.help})" if d.help else ""))
    return "\n".join(out) + "\n"


def _targets(report: Report, out: list[str], explain: bool) -> None:
    if not report.targets:
        return
    out.append("")
    out.append("Targets")
    by_incident: dict[str, list[TargetVerdict]] = defaultdict(list)
    for verdict in report.targets:
        by_incident[verdict.incident].append(verdict)
    for incident, verdicts in by_incident.items():
        first = verdicts[0]
        plan = f", plan {first.plan}" if first.plan else ""
        out.append(
            f"  {incident}  severity {first.severity}{plan}, customer {first.customer}, "
            f"reported {_when(report, first.reported)}{_customer_time(report, first.customer, first.reported)}"
        )
        for v in verdicts:
            if v.status == "met":
                outcome = f"met, {describe_seconds(v.margin or 0)} to spare"
            elif v.status == "breached":
                outcome = f"BREACHED by {describe_seconds(-(v.margin or 0))}"
            else:
                outcome = "pending" + (f", {describe_seconds(v.margin)} left" if v.margin is not None else "")
            answered = f"done {_when(report, v.actual)}" if v.actual is not None else "not done"
            severity = f" (severity {v.severity})" if v.severity != first.severity else ""
            out.append(
                f"    {v.kind:<10}{severity} due {_when(report, v.due)}  {answered}  {outcome}"
                f"  [{v.clock}] {v.target.citation or ''}".rstrip()
            )
            if explain:
                out.append(f"      clock started {_when(report, v.start)}")
                out.extend(f"      {note}" for note in v.notes)


def _kpis(report: Report, out: list[str]) -> None:
    if not report.kpis:
        return
    out.append("")
    out.append("KPIs")
    for k in report.kpis:
        codes = ", ".join(k.kpi.severities)
        out.append(
            f"  {k.kpi.kind} for {codes}, at least {_pct(k.kpi.percent)} per {k.kpi.period}: {k.period} "
            f"customer {k.customer}: {k.met} of {k.decided} met ({_pct(k.percent)})  {k.status.upper()}"
            f"  {k.kpi.citation or ''}".rstrip()
        )


def _availability(report: Report, out: list[str], explain: bool) -> None:
    if not report.availability:
        return
    out.append("")
    out.append("Availability")
    for a in report.availability:
        m = a.measures
        out.append(
            f"  {a.commitment.name} {a.period} customer {a.customer}: {_pct(a.value)} "
            f"(at least {_pct(a.commitment.percent)})  {a.status.upper()}  {a.commitment.citation or ''}".rstrip()
        )
        out.append(
            f"    period {m['period_minutes'] // 60} min, downtime {m['downtime_minutes'] // 60} min, "
            f"maintenance {m['maintenance_minutes'] // 60} min, counted {m['counted_minutes'] // 60} min"
        )
        if explain:
            if a.commitment.formula is not None:
                out.append(f"    formula {a.commitment.formula.text}")
            for share in a.shares:
                span = f"{_when(report, share.start)} to {_when(report, share.end)}"
                out.append(
                    f"    {share.outage} (line {share.line}), {span}: {describe_seconds(share.seconds)} "
                    f"{share.treatment}"
                )
            listed = sum(s.seconds for s in a.shares if s.treatment.startswith("counted"))
            if listed > m["counted_minutes"]:
                out.append(
                    f"    overlapping outages are counted once: {describe_seconds(listed)} listed, "
                    f"{describe_seconds(m['counted_minutes'])} counted"
                )


def _credits(report: Report, out: list[str], explain: bool) -> None:
    out.append("")
    out.append("Credits")
    if not report.awards:
        out.append("  none earned")
    for award in report.awards:
        out.append(
            f"  {award.customer}  {award.credit}: {award.basis}  ->  {_amount(award.unit, award.value)} "
            f"{award.status.upper()}  {award.citation or ''}".rstrip()
        )
        for reason in award.reasons:
            if explain or reason.startswith(("void", "cap", "not claimed")):
                out.append(f"    {reason}")
    totals = totals_by_customer(report)
    out.append("")
    out.append("Totals owed after caps")
    if not totals:
        out.append("  nothing owed")
    for customer, units in totals.items():
        out.append(f"  {customer}: " + "; ".join(_amount(u, v) for u, v in sorted(units.items())))


def render_json(
    report: Report,
    agreement_file: str,
    timeline_file: str,
    rejected: tuple[Diagnostic, ...] = (),
    warnings: tuple[Diagnostic, ...] = (),
) -> dict[str, Any]:
    """The report as a JSON-ready object (schema `sladsl.check/1`)."""
    return {
        "schema": SCHEMA,
        "agreement": {"title": report.agreement.title, "file": agreement_file},
        "timeline": timeline_file,
        "zone": _zone(report),
        "as_of": _iso(report, report.as_of),
        "targets": [_target_json(report, t) for t in report.targets],
        "kpis": [kpi_json(k) for k in report.kpis],
        "availability": [availability_json(report, a) for a in report.availability],
        "credits": [award_json(report, a) for a in report.awards],
        "totals": totals_json(report),
        "summary": {
            "targets": len(report.targets),
            "met": sum(t.status == "met" for t in report.targets),
            "breached": sum(t.status == "breached" for t in report.targets),
            "pending": sum(t.status == "pending" for t in report.targets),
            "breaches": report.breaches,
        },
        "records": {
            "read": report.read,
            "evaluated": report.evaluated,
            "rejected": report.rejected,
            "diagnostics": [diagnostic_json(d) for d in rejected],
            "warnings": [diagnostic_json(d) for d in warnings],
        },
    }


def _target_json(report: Report, t: TargetVerdict) -> dict[str, Any]:
    return target_json(t, lambda instant: local(instant, _zone(report)).isoformat())


def target_json(t: TargetVerdict, iso: Callable[[int], str], notes: bool = True) -> dict[str, Any]:
    """One target verdict as a JSON-ready object; `iso` writes an instant in the agreement's zone."""
    due, actual = t.due, t.actual
    found: dict[str, Any] = {
        "incident": t.incident,
        "customer": t.customer,
        "kind": t.kind,
        "severity": t.severity,
        "plan": t.plan,
        "reported": iso(t.reported),
        "start": iso(t.start),
        "due": None if due is None else iso(due),
        "actual": None if actual is None else iso(actual),
        "status": t.status,
        "margin_seconds": t.margin,
        "clock": t.clock,
        "citation": t.target.citation,
    }
    if notes:
        found["notes"] = list(t.notes)
    return found


def kpi_json(k: KpiVerdict) -> dict[str, Any]:
    return {
        "customer": k.customer,
        "kind": k.kpi.kind,
        "severities": list(k.kpi.severities),
        "plans": list(k.kpi.plans),
        "period": k.period,
        "decided": k.decided,
        "met": k.met,
        "percent": None if k.percent is None else str(k.percent),
        "target_percent": str(k.kpi.percent),
        "status": k.status,
        "citation": k.kpi.citation,
    }


def totals_json(report: Report) -> list[dict[str, str]]:
    return [
        {"customer": c, "unit": u, "value": str(v)}
        for c, units in totals_by_customer(report).items()
        for u, v in sorted(units.items())
    ]


def availability_json(report: Report, a: AvailabilityVerdict) -> dict[str, Any]:
    return {
        "customer": a.customer,
        "commitment": a.commitment.name,
        "period": a.period,
        "start": _iso(report, a.start),
        "end": _iso(report, a.end),
        **{k: str(Decimal(v) / 60) for k, v in a.measures.items()},
        "value": str(a.value),
        "target": str(a.commitment.percent),
        "status": a.status,
        "citation": a.commitment.citation,
        "outages": [
            {
                "outage": s.outage,
                "line": s.line,
                "start": _iso(report, s.start),
                "end": _iso(report, s.end),
                "minutes": str(Decimal(s.seconds) / 60),
                "treatment": s.treatment,
            }
            for s in a.shares
        ],
    }


def award_json(report: Report, a: Award) -> dict[str, Any]:
    return {
        "customer": a.customer,
        "credit": a.credit,
        "basis": a.basis,
        "incident": a.incident,
        "period": a.period,
        "at": _iso(report, a.at),
        "unit": a.unit,
        "value": str(a.value),
        "status": a.status,
        "reasons": list(a.reasons),
        "citation": a.citation,
    }
