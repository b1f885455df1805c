"""A check report for programs: one JSON document (schema `sladsl.check/3`) or JSON lines as results are decided
(schema `sladsl.check-lines/3`), both documented in the README.

Instants are ISO 8601 in the agreement's zone; durations are whole seconds; amounts and percentages are decimal
strings, so no float rounding creeps in. Every explanation is a fact with a `kind` (a trace step, an outage's
treatment, a credit's basis, what became of an award) and its own fields: a program branches on `kind`, and
never reads a sentence.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import orjson

from sladsl import model
from sladsl.evaluation.engine import Decided, Item, Rejected, Summary, Warned
from sladsl.evaluation.verdicts import (
    AvailabilityVerdict,
    Award,
    Basis,
    BelowMinimum,
    BudgetUse,
    Capped,
    Claimed,
    ClaimedLate,
    Counted,
    CountedFrom,
    DowntimeFee,
    DowntimeHours,
    Excluded,
    ExcludedIncident,
    Fact,
    InBand,
    KpiVerdict,
    LadderGap,
    LateHours,
    Maintenance,
    MissedCommitment,
    MissedTarget,
    NotClaimed,
    NotClaimedYet,
    OpenTime,
    OutageShare,
    Paused,
    Reason,
    Report,
    ReportedLate,
    SeverityFrom,
    ShortNotice,
    Stacked,
    StartedAtOpening,
    TargetVerdict,
    Treatment,
    UpdateSince,
    clock_of,
    owed,
)
from sladsl.render.diagnostics import to_json as diagnostic_json
from sladsl.time.instants import LocalTimes

SCHEMA = "sladsl.check/3"
LINES_SCHEMA = "sladsl.check-lines/3"

Iso = Callable[[int], str]


def render_json(report: Report, agreement_file: str, timeline_file: str) -> dict[str, Any]:
    """The report as a JSON-ready object (schema `sladsl.check/3`)."""
    return {
        key: list(value) if isinstance(value, Iterator) else value
        for key, value in _sections(report, agreement_file, timeline_file)
    }


def json_text(report: Report, agreement_file: str, timeline_file: str) -> Iterator[str]:
    """The report as the text `json.dumps(render_json(...), indent=2, ensure_ascii=False)` gives, in pieces: an
    item of a list at a time, so a report of a million periods is never one object and one string at once."""
    yield "{"
    for n, (key, value) in enumerate(_sections(report, agreement_file, timeline_file)):
        yield ("\n" if n == 0 else ",\n") + f"  {_dumps(key)}: "
        if not isinstance(value, Iterator):
            yield _dumps(value).replace("\n", "\n  ")
            continue
        empty = True
        for item in value:
            yield ("[\n" if empty else ",\n") + "    " + _dumps(item).replace("\n", "\n    ")
            empty = False
        yield "[]" if empty else "\n  ]"
    yield "\n}"


def _dumps(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def _sections(report: Report, agreement_file: str, timeline_file: str) -> Iterator[tuple[str, Any]]:
    """The document's keys in order, each with its value, or with an iterator of its list's items."""
    zone = report.agreement.local_zone
    iso = LocalTimes(zone).iso
    targets = report.targets
    shared = SharedOutages()
    yield "schema", SCHEMA
    yield "agreement", {"title": report.agreement.title, "file": agreement_file}
    yield "timeline", timeline_file
    yield "zone", zone
    yield "as_of", None if report.as_of is None else iso(report.as_of)
    yield "targets", (target_json(t, iso) for t in targets)
    yield "kpis", (kpi_json(k) for k in report.kpis)
    yield "availability", (availability_json(a, iso) for a in report.availability)
    yield "shared_outages", (shared_outages_json(a, iso) for a in report.availability if shared.first(a))
    yield "credits", (award_json(a, iso) for a in report.awards)
    yield "totals", totals_json(report.awards)
    yield (
        "summary",
        {
            "targets": len(targets),
            "met": sum(t.status == "met" for t in targets),
            "breached": sum(t.status == "breached" for t in targets),
            "pending": sum(t.status == "pending" for t in targets),
            "excluded": sum(t.status == "excluded" for t in targets),
            "breaches": report.breaches,
        },
    )
    yield (
        "records",
        {
            "read": report.records.read,
            "evaluated": report.records.evaluated,
            "rejected": report.records.rejected,
            "diagnostics": [diagnostic_json(d) for d in report.rejected],
            "warnings": [diagnostic_json(d) for d in report.warnings],
        },
    )


def header_json(agreement: model.Agreement, agreement_file: str, timeline_file: str) -> dict[str, Any]:
    """The first line of a streamed check."""
    return {
        "type": "header",
        "schema": LINES_SCHEMA,
        "agreement": {"title": agreement.title, "file": agreement_file},
        "timeline": timeline_file,
        "zone": agreement.local_zone,
    }


def summary_json(summary: Summary, iso: Iso) -> dict[str, Any]:
    """The last line of a streamed check."""
    return {
        "type": "summary",
        "as_of": None if summary.as_of is None else iso(summary.as_of),
        "targets": summary.targets,
        "met": summary.met,
        "breached": summary.breached,
        "pending": summary.pending,
        "excluded": summary.excluded,
        "breaches": summary.breaches,
        "records": {
            "read": summary.records.read,
            "evaluated": summary.records.evaluated,
            "rejected": summary.records.rejected,
        },
    }


def _at(instant: int | None, iso: Iso) -> str | None:
    return None if instant is None else iso(instant)


def target_json(t: TargetVerdict, iso: Iso, line: bool = False) -> dict[str, Any]:
    """One target verdict; `iso` writes an instant in the agreement's zone. As a line of a streamed check
    (`line`), with its `type` first."""
    found: dict[str, Any] = {"type": "target"} if line else {}
    found["incident"] = t.incident
    found["customer"] = t.customer
    found["kind"] = t.kind
    found["severity"] = t.severity
    found["plan"] = t.plan
    found["reported"] = iso(t.reported)
    found["start"] = iso(t.start)
    found["due"] = None if t.due is None else iso(t.due)
    found["actual"] = None if t.actual is None else iso(t.actual)
    found["status"] = t.status
    found["margin_seconds"] = t.margin
    found["clock"] = _clock_json(t.target)
    found["citation"] = t.target.citation
    found["trace"] = [fact_json(f, iso) for f in t.trace] if t.trace else []
    return found


def _clock_json(target: model.Target) -> dict[str, str | None]:
    kind, calendar = clock_of(target)
    return {"kind": kind, "calendar": calendar}


def fact_json(found: Fact, iso: Iso) -> dict[str, Any]:
    if isinstance(found, StartedAtOpening):
        return {"kind": "started_at_opening", "calendar": found.calendar, "at": iso(found.at)}
    if isinstance(found, CountedFrom):
        return {"kind": "counted_from", "target": found.target, "at": _at(found.at, iso), "applies": found.applies}
    if isinstance(found, SeverityFrom):
        return {"kind": "severity_from", "severity": found.severity, "at": iso(found.at), "after": found.after}
    if isinstance(found, Paused):
        return {"kind": "paused", "start": iso(found.start), "end": _at(found.end, iso)}
    if isinstance(found, OpenTime):
        return {
            "kind": "open_time",
            "calendar": found.calendar,
            "stretches": [[iso(a), iso(b)] for a, b in found.stretches],
            "seconds": found.seconds,
        }
    if isinstance(found, UpdateSince):
        return {"kind": "update_since", "since": found.since, "at": iso(found.at)}
    if isinstance(found, ExcludedIncident):
        return {"kind": "excluded_incident", "tag": found.tag, "citation": found.citation}
    raise TypeError(found)


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


def availability_json(a: AvailabilityVerdict, iso: Iso) -> dict[str, Any]:
    """One availability verdict: its outages are the customer's own; the outages for every customer are listed
    once per commitment and period (`shared_outages_json`), and `shared_outages` counts them."""
    return {
        "customer": a.customer,
        "commitment": a.commitment.name,
        "period": a.period,
        "start": iso(a.start),
        "end": iso(a.end),
        "period_seconds": a.period_seconds,
        "downtime_seconds": a.downtime_seconds,
        "maintenance_seconds": a.maintenance_seconds,
        "counted_seconds": a.counted_seconds,
        "value": str(a.value),
        "target": str(a.commitment.percent),
        "status": a.status,
        "citation": a.commitment.citation,
        "outages": outages_json(a.shares, iso),
        "shared_outages": len(a.shared),
        "maintenance_budget": None if a.budget is None else budget_json(a.budget),
    }


def budget_json(use: BudgetUse) -> dict[str, Any]:
    return {
        "seconds": use.seconds,
        "per": use.period,
        "used_before_seconds": use.before,
        "excluded_seconds": use.excluded,
        "over_seconds": use.over,
        "citation": use.citation,
    }


def shared_outages_json(a: AvailabilityVerdict, iso: Iso) -> dict[str, Any]:
    """The parts of the outages for every customer in a verdict's commitment and period, which every customer's
    verdict of that commitment and period counts beside its own."""
    return {
        "commitment": a.commitment.name,
        "period": a.period,
        "start": iso(a.start),
        "end": iso(a.end),
        "outages": outages_json(a.shared, iso),
    }


class SharedOutages:
    """The outages for every customer, listed once per commitment and period: `first` says whether a verdict is
    the first seen of its commitment and period with such outages, so they are listed before it."""

    def __init__(self) -> None:
        self.seen: set[tuple[str, int]] = set()

    def first(self, a: AvailabilityVerdict) -> bool:
        if not a.shared:
            return False
        key = (a.commitment.name, a.start)
        if key in self.seen:
            return False
        self.seen.add(key)
        return True


def outages_json(shares: tuple[OutageShare, ...], iso: Iso) -> list[dict[str, Any]]:
    """Each outage's part in a period."""
    return [
        {
            "outage": s.outage,
            "line": s.line,
            "start": iso(s.start),
            "end": iso(s.end),
            "seconds": s.seconds,
            "counts": s.counts,
            "treatment": treatment_json(s.treatment, iso),
        }
        for s in shares
    ]


def treatment_json(found: Treatment, iso: Iso) -> dict[str, Any]:
    if isinstance(found, Counted):
        return {"kind": "counted"}
    if isinstance(found, Excluded):
        return {"kind": "excluded", "tag": found.tag, "citation": found.citation}
    if isinstance(found, ReportedLate):
        return {
            "kind": "reported_late",
            "reported": iso(found.reported),
            "closes": iso(found.closes),
            "citation": found.citation,
        }
    if isinstance(found, ShortNotice):
        return {
            "kind": "short_notice",
            "notice": _at(found.notice, iso),
            "required": {"amount": found.required.amount, "unit": found.required.unit},
            "citation": found.citation,
        }
    if isinstance(found, Maintenance):
        return {
            "kind": "maintenance",
            "citation": found.citation,
            "outside": found.calendar,
            "inside_seconds": found.inside,
        }
    raise TypeError(found)


def amount_json(found: model.Amount) -> dict[str, Any]:
    return {"kind": found.kind, "value": str(found.value), "currency": found.currency}


def award_json(a: Award, iso: Iso) -> dict[str, Any]:
    return {
        "customer": a.customer,
        "credit": a.credit,
        "incident": a.incident,
        "period": a.period,
        "at": iso(a.at),
        "unit": a.unit,
        "value": str(a.value),
        "status": a.status,
        "citation": a.citation,
        "basis": basis_json(a.basis),
        "reasons": [reason_json(r, iso) for r in a.reasons],
    }


def basis_json(found: Basis) -> dict[str, Any]:
    if isinstance(found, LateHours):
        return {
            "kind": "late_hours",
            "incident": found.incident,
            "target": found.target,
            "late_seconds": found.late,
            "hours": found.hours,
            "rounding": found.rounding,
            "per_hour": amount_json(found.per_hour),
        }
    if isinstance(found, MissedTarget):
        return {"kind": "missed_target", "incident": found.incident, "target": found.target}
    if isinstance(found, MissedCommitment):
        return {
            "kind": "missed_commitment",
            "commitment": found.commitment,
            "period": found.period,
            "value": str(found.value),
            "target": str(found.required),
        }
    if isinstance(found, InBand):
        return {
            "kind": "band",
            "measure": found.measure,
            "period": found.period,
            "value": str(found.value),
            "band": None if found.band is None else band_json(found.band),
        }
    if isinstance(found, DowntimeHours):
        return {
            "kind": "downtime_hours",
            "measure": found.measure,
            "period": found.period,
            "downtime_seconds": found.downtime,
            "hours": found.hours,
            "rounding": found.rounding,
            "per_hour": amount_json(found.per_hour),
        }
    if isinstance(found, DowntimeFee):
        rounded = found.rounded
        return {
            "kind": "downtime_fee",
            "measure": found.measure,
            "period": found.period,
            "downtime_seconds": found.downtime,
            "period_seconds": found.length,
            "multiple": str(found.multiple),
            "rounded": None if rounded is None else {"mode": rounded.mode, "places": rounded.places},
        }
    raise TypeError(found)


def band_json(band: model.Band) -> dict[str, Any]:
    return {
        "low": None if band.low is None else str(band.low),
        "low_closed": band.low_closed,
        "high": None if band.high is None else str(band.high),
        "high_closed": band.high_closed,
        "amount": amount_json(band.amount),
    }


def reason_json(found: Reason, iso: Iso) -> dict[str, Any]:
    if isinstance(found, Claimed):
        return {"kind": "claimed", "at": iso(found.at), "closes": iso(found.closes), "citation": found.citation}
    if isinstance(found, ClaimedLate):
        return {
            "kind": "claimed_late",
            "at": iso(found.at),
            "line": found.line,
            "closes": iso(found.closes),
            "citation": found.citation,
        }
    if isinstance(found, NotClaimedYet):
        return {"kind": "not_claimed_yet", "closes": iso(found.closes), "citation": found.citation}
    if isinstance(found, NotClaimed):
        return {"kind": "not_claimed", "closes": iso(found.closes), "citation": found.citation}
    if isinstance(found, LadderGap):
        return {"kind": "ladder_gap"}
    if isinstance(found, BelowMinimum):
        return {"kind": "below_minimum", "minimum": amount_json(found.minimum)}
    if isinstance(found, Stacked):
        return {
            "kind": "no_stacking",
            "period": found.period,
            "kept": found.kept,
            "kept_value": str(found.kept_value),
            "unit": found.unit,
            "citation": found.citation,
        }
    if isinstance(found, Capped):
        return {
            "kind": "capped",
            "cap": amount_json(found.cap.amount),
            "per": found.cap.period,
            "citation": found.cap.citation,
            "period": found.period,
            "used": str(found.used),
            "before": str(found.before),
            "after": str(found.after),
        }
    raise TypeError(found)


def totals_json(awards: tuple[Award, ...] | list[Award]) -> list[dict[str, str]]:
    """What is owed after caps, per customer and unit."""
    return [
        {"customer": c, "unit": u, "value": str(v)} for c, units in owed(awards).items() for u, v in units.items()
    ]


class Lines:
    """The items of an evaluation as JSON lines (schema `sladsl.check-lines/3`), one item at a time: a `target`
    line per verdict, a `rejected` line per record refused, then `warning`, `kpi`, `availability` (each commitment
    and period's `shared_outages` line before the first verdict that counts them), `credit`, `total` and last
    `summary` lines."""

    def __init__(self, agreement: model.Agreement) -> None:
        self.iso = LocalTimes(agreement.local_zone).iso
        self.awards: list[Award] = []  # the credits shown, for the totals
        self.shared = SharedOutages()
        self._parts: dict[tuple[int, str | None], tuple[bytes, bytes]] = {}  # see `target_line`
        self._held: list[model.Target | model.Availability] = []  # kept while their encoded parts are
        self._traces: dict[tuple[Fact, ...], bytes] = {}  # see `_trace`
        self._commitments: dict[int, tuple[bytes, bytes, bytes]] = {}  # see `availability_line`
        self._bands: dict[tuple[int, str, str, str], tuple[model.Band, bytes]] = {}  # see `_basis`

    def target_line(self, t: TargetVerdict) -> bytes:
        """`orjson.dumps(target_json(t, iso, line=True))`, byte for byte, without the dict: what the verdict's
        target and plan decide (its kind, severity, plan, clock and citation) is encoded once per target and plan,
        and an instant's local text is ASCII, so it needs no escaping."""
        iso, dumps = self.iso, orjson.dumps
        parts = self._parts.get((id(t.target), t.plan))
        if parts is None:
            parts = self._target_parts(t)
        middle, tail = parts
        due, actual, margin = t.due, t.actual, t.margin
        return (
            b'{"type":"target","incident":%b,"customer":%b%b%b","start":"%b","due":%b,"actual":%b,"status":"%b",'
            b'"margin_seconds":%b%b%b}'
            % (
                dumps(t.incident),
                dumps(t.customer),
                middle,
                iso(t.reported).encode(),
                iso(t.start).encode(),
                b"null" if due is None else b'"%b"' % iso(due).encode(),
                b"null" if actual is None else b'"%b"' % iso(actual).encode(),
                t.status.encode(),
                b"null" if margin is None else b"%d" % margin,
                tail,
                self._trace(t.trace) if t.trace else b"[]",
            )
        )

    def _trace(self, trace: tuple[Fact, ...]) -> bytes:
        """A verdict's trace, encoded. Many verdicts have one of a few traces (the clock started at one of the
        calendar's openings), so the latest few thousand are kept, by value."""
        found = self._traces.get(trace)
        if found is None:
            if len(self._traces) >= 4096:
                self._traces.clear()
            found = self._traces[trace] = orjson.dumps([fact_json(f, self.iso) for f in trace])
        return found

    def _target_parts(self, t: TargetVerdict) -> tuple[bytes, bytes]:
        """The encoded fields of a target line that its target and plan decide: from `kind` to the opening quote
        of `reported`, and from `clock` to the key of `trace`. The target is held beside them, so its id is never
        another's while they are kept."""
        middle = b',"kind":%b,"severity":%b,"plan":%b,"reported":"' % (
            orjson.dumps(t.kind),
            orjson.dumps(t.severity),
            orjson.dumps(t.plan),
        )
        tail = b',"clock":%b,"citation":%b,"trace":' % (
            orjson.dumps(_clock_json(t.target)),
            orjson.dumps(t.target.citation),
        )
        self._parts[(id(t.target), t.plan)] = (middle, tail)
        self._held.append(t.target)
        return middle, tail

    def availability_line(self, a: AvailabilityVerdict) -> bytes:
        """`orjson.dumps({"type": "availability", **availability_json(a, iso)})`, byte for byte, without the dict:
        the commitment's name, target and citation are encoded once per commitment (which is held, so that its id
        is never another's), and the instants, counts, decimal strings and status need no escaping."""
        iso, dumps = self.iso, orjson.dumps
        commitment = a.commitment
        parts = self._commitments.get(id(commitment))
        if parts is None:
            parts = self._commitments[id(commitment)] = (
                dumps(commitment.name),
                dumps(str(commitment.percent)),
                dumps(commitment.citation),
            )
            self._held.append(commitment)
        name, target, citation = parts
        return (
            b'{"type":"availability","customer":%b,"commitment":%b,"period":%b,"start":"%b","end":"%b",'
            b'"period_seconds":%d,"downtime_seconds":%d,"maintenance_seconds":%d,"counted_seconds":%d,'
            b'"value":"%b","target":%b,"status":"%b","citation":%b,"outages":%b,"shared_outages":%d,'
            b'"maintenance_budget":%b}'
            % (
                dumps(a.customer),
                name,
                dumps(a.period),
                iso(a.start).encode(),
                iso(a.end).encode(),
                a.period_seconds,
                a.downtime_seconds,
                a.maintenance_seconds,
                a.counted_seconds,
                str(a.value).encode(),
                target,
                a.status.encode(),
                citation,
                dumps(outages_json(a.shares, iso)) if a.shares else b"[]",
                len(a.shared),
                b"null" if a.budget is None else dumps(budget_json(a.budget)),
            )
        )

    def credit_line(self, a: Award) -> bytes:
        """`orjson.dumps({"type": "credit", **award_json(a, iso)})`, byte for byte, without the outer dict: the
        instant, decimal string and status need no escaping."""
        iso, dumps = self.iso, orjson.dumps
        return b'{"type":"credit","customer":%b,"credit":%b,"incident":%b,"period":%b,"at":"%b","unit":%b,' % (
            dumps(a.customer),
            dumps(a.credit),
            dumps(a.incident),
            dumps(a.period),
            iso(a.at).encode(),
            dumps(a.unit),
        ) + b'"value":"%b","status":"%b","citation":%b,"basis":%b,"reasons":%b}' % (
            str(a.value).encode(),
            a.status.encode(),
            dumps(a.citation),
            self._basis(a.basis),
            dumps([reason_json(r, iso) for r in a.reasons]) if a.reasons else b"[]",
        )

    def _basis(self, basis: Basis) -> bytes:
        """An award's basis, encoded. A ladder's award for a period is most of a long timeline's credits, and
        every customer whose period held only the outages for everyone has the same one. So a band's basis is
        kept, the latest few thousand, by the band (kept beside the text, so that its id is never another's
        meanwhile), the measure, the period and the value as written (two equal decimals can be written
        differently)."""
        if not isinstance(basis, InBand) or basis.band is None:
            return orjson.dumps(basis_json(basis))
        key = (id(basis.band), basis.measure, basis.period, str(basis.value))
        found = self._bands.get(key)
        if found is None:
            if len(self._bands) >= 4096:
                self._bands.clear()
            found = self._bands[key] = (basis.band, orjson.dumps(basis_json(basis)))
        return found[1]

    def header(self, agreement: model.Agreement, agreement_file: str, timeline_file: str) -> bytes:
        return orjson.dumps(header_json(agreement, agreement_file, timeline_file))

    def render(self, item: Item) -> list[bytes]:
        iso = self.iso
        if isinstance(item, Decided):
            return [self.target_line(v) for v in item.verdicts]
        if isinstance(item, Rejected):
            return [orjson.dumps({"type": "rejected", **diagnostic_json(item.diagnostic)})]
        if isinstance(item, Warned):
            return [orjson.dumps({"type": "warning", **diagnostic_json(item.diagnostic)})]
        if isinstance(item, KpiVerdict):
            return [orjson.dumps({"type": "kpi", **kpi_json(item)})]
        if isinstance(item, AvailabilityVerdict):
            line = self.availability_line(item)
            if self.shared.first(item):
                return [orjson.dumps({"type": "shared_outages", **shared_outages_json(item, iso)}), line]
            return [line]
        if isinstance(item, Award):
            self.awards.append(item)
            return [self.credit_line(item)]
        totals = [orjson.dumps({"type": "total", **total}) for total in totals_json(self.awards)]
        return [*totals, orjson.dumps(summary_json(item, iso))]
