"""A check report as text, for people: targets by incident, KPIs, availability, credits, totals, and what
became of every record. Instants are shown in the agreement's zone; amounts and percentages are exact."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sladsl import model
from sladsl.evaluation.verdicts import AvailabilityVerdict, OutageShare, Report, TargetVerdict, owed
from sladsl.render import words
from sladsl.render.escape import visible
from sladsl.render.json import SharedOutages
from sladsl.time.instants import wall_text

NO_AS_OF = "with no as-of instant, as no record names one"  # the header when the timeline gives no instant


def standing(as_of: int | None, zone: str) -> str:
    """The header's words on when a report stands: as of a local time, or that no record names an instant."""
    return NO_AS_OF if as_of is None else f"as of {words.when(as_of, zone)}"


def only(period: str) -> str:
    """The header's note on a report narrowed with `--period`, so a page read alone says it is not the whole."""
    return f"only {period}: the targets reported, the periods begun and the credits earned in it"


def render_text(
    report: Report,
    agreement_file: str,
    timeline_file: str,
    *,
    explain: bool = False,
    period: str | None = None,
) -> str:
    """The report as text. With `explain`, how every figure was reached; `period` is the `--period` the report
    was narrowed to, if any, for its header."""
    zone = report.agreement.local_zone
    out = LineBuffer()
    add = out.append
    add(report.agreement.title)
    add(f"  {agreement_file} against {timeline_file}, {standing(report.as_of, zone)} ({zone})")
    if period is not None:
        add(f"  {only(period)}")
    _targets(report, out, explain)
    _kpis(report, out)
    _availability(report, out, explain)
    _credits(report, out, explain)
    met = sum(t.status == "met" for t in report.targets)
    breached = sum(t.status == "breached" for t in report.targets)
    pending = sum(t.status == "pending" for t in report.targets)
    excluded = sum(t.status == "excluded" for t in report.targets)
    records = report.records
    add("")
    add(
        f"Summary: {len(report.targets)} targets: {met} met, {breached} breached, {pending} pending"
        f"{f', {excluded} excluded' if excluded else ''}; "
        f"{report.breaches} breach{'es' if report.breaches != 1 else ''} in all{_breaches(report, breached)}"
    )
    add(f"Records: {records.read} read = {records.evaluated} evaluated + {records.rejected} rejected")
    for d in (*report.rejected, *report.warnings):
        assert d.span is not None
        add(f"  {d.span.file}:{d.span.line}: {d.code} {d.message}" + (f" ({d.help})" if d.help else ""))
    return out.text()


def _grants_credits(agreement: model.Agreement) -> bool:
    return bool(
        agreement.ladders or agreement.hourly_credits or agreement.flat_credits or agreement.downtime_credits
    )


def _breaches(report: Report, targets: int) -> str:
    """What the breaches in all are, when they are not only targets: ` (1 target, 2 availability periods)`."""
    kpis = sum(k.status == "breached" for k in report.kpis)
    periods = sum(a.status == "breached" for a in report.availability)
    if not kpis and not periods:
        return ""
    parts = [
        f"{n} {word}{'' if n == 1 else 's'}"
        for n, word in ((targets, "target"), (kpis, "KPI"), (periods, "availability period"))
        if n
    ]
    return f" ({', '.join(parts)})"


class LineBuffer:
    """The report's lines, joined a few thousand at a time as they come. A report of many periods has millions
    of short lines; held one by one until the end, they take about twice the text's own size again."""

    FOLD = 4096

    def __init__(self) -> None:
        self.chunks: list[str] = []
        self.lines: list[str] = []

    def append(self, line: str) -> None:
        self.lines.append(line)
        if len(self.lines) >= self.FOLD:
            self.chunks.append(visible("\n".join(self.lines)))
            self.lines.clear()

    def extend(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.append(line)

    def text(self) -> str:
        """Every line, each ended by a line feed; ids and names come from the files, so control characters are
        shown escaped and none reaches a terminal."""
        if self.lines:
            self.chunks.append(visible("\n".join(self.lines)))
            self.lines.clear()
        return "\n".join([*self.chunks, ""])


def _customer_time(report: Report, customer: str, instant: int) -> str:
    """The customer's own local time, when the timeline gives the customer a zone other than the agreement's."""
    zone = report.customer_zones.get(customer)
    if zone is None or zone == report.agreement.local_zone:
        return ""
    return f" ({wall_text(instant, zone, date=False)} {zone})"


def outcome(verdict: TargetVerdict) -> str:
    """`met, 1h 15m to spare`, `BREACHED by 2h 00m`, `pending, 45m left`."""
    if verdict.status == "met":
        return f"met, {words.duration(verdict.margin or 0)} to spare"
    if verdict.status == "breached":
        return f"BREACHED by {words.duration(-(verdict.margin or 0))}"
    if verdict.status == "excluded":
        why = words.excluded_by(verdict)
        return f"EXCLUDED: tagged `{why.tag}` ({why.citation or 'no section cited'})"
    return "pending" + (f", {words.duration(verdict.margin)} left" if verdict.margin is not None else "")


def _targets(report: Report, out: LineBuffer, explain: bool) -> None:
    if not report.targets:
        return
    zone = report.agreement.local_zone
    out.append("")
    out.append("Targets")
    by_incident: dict[str, list[TargetVerdict]] = {}
    for verdict in report.targets:
        by_incident.setdefault(verdict.incident, []).append(verdict)
    add_ons = {p.name for p in report.agreement.add_ons}
    for incident, verdicts in by_incident.items():
        first = verdicts[0]
        held = next((v.plan for v in verdicts if v.plan not in add_ons), None)  # an add-on's verdict names it
        plan = f", plan {held}" if held else ""
        out.append(
            f"  {incident}  severity {first.severity}{plan}, customer {first.customer}, "
            f"reported {words.when(first.reported, zone)}{_customer_time(report, first.customer, first.reported)}"
        )
        for v in verdicts:
            answered = f"done {words.when(v.actual, zone)}" if v.actual is not None else "not done"
            severity = f" (severity {v.severity})" if v.severity != first.severity else ""
            if v.plan in add_ons:
                severity += f" (add-on {v.plan})"
            out.append(
                f"    {v.kind:<10}{severity} due {words.when(v.due, zone)}  {answered}  {outcome(v)}"
                f"  [{words.clock(v.target)}] {v.target.citation or ''}".rstrip()
            )
            if explain:
                out.append(f"      clock started {words.when(v.start, zone)}")
                out.extend(f"      {words.fact(f, zone)}" for f in v.trace)


def _kpis(report: Report, out: LineBuffer) -> None:
    if not report.kpis:
        return
    out.append("")
    out.append("KPIs")
    for k in report.kpis:
        codes = ", ".join(k.kpi.severities)
        met = words.percent_beside(k.percent, k.kpi.percent)
        out.append(
            f"  {k.kpi.kind} for {codes}, at least {words.percent(k.kpi.percent)} per {k.kpi.period}: {k.period} "
            f"customer {k.customer}: {k.met} of {k.decided} met ({met})  {k.status.upper()}"
            f"  {k.kpi.citation or ''}".rstrip()
        )


def _availability(report: Report, out: LineBuffer, explain: bool) -> None:
    if not report.availability:
        return
    zone = report.agreement.local_zone
    out.append("")
    out.append("Availability")
    if explain:
        _shared_outages(report, out)
    for run in _runs(report.availability):
        a = run[0]
        measured = words.percent_beside(a.value, a.commitment.percent)
        if len(run) > 1:
            out.append(
                f"  {a.commitment.name} {a.period} to {run[-1].period} customer {a.customer}: "
                f"{measured} in each of {len(run)} {a.commitment.period}s "
                f"(at least {words.percent(a.commitment.percent)})  {a.status.upper()}  "
                f"{a.commitment.citation or ''}".rstrip()
            )
            out.append("    no outage in any of them")
            if explain and a.commitment.formula is not None:
                out.append(f"    formula {a.commitment.formula.text}")
            continue
        out.append(
            f"  {a.commitment.name} {a.period} customer {a.customer}: {measured} "
            f"(at least {words.percent(a.commitment.percent)})  {a.status.upper()}  "
            f"{a.commitment.citation or ''}".rstrip()
        )
        out.append(
            f"    period {a.period_seconds // 60} min, downtime {a.downtime_seconds // 60} min, "
            f"maintenance {a.maintenance_seconds // 60} min, counted {a.counted_seconds // 60} min"
        )
        if a.budget is not None and (a.budget.excluded or a.budget.over):
            out.append(f"    {words.budget_use(a.budget, a.period)}")
        if explain:
            if a.commitment.formula is not None:
                out.append(f"    formula {a.commitment.formula.text}")
            out.extend(f"    {_share(share, zone)}" for share in a.shares)
            if a.shared:
                outages = "the outage" if len(a.shared) == 1 else f"the {len(a.shared)} outages"
                out.append(f"    and {outages} for every customer in {a.commitment.name} {a.period}, listed above")
            listed = sum(s.seconds for s in (*a.shares, *a.shared) if s.counts)
            if listed > a.counted_seconds:
                out.append(
                    f"    overlapping outages are counted once: {words.duration(listed)} listed, "
                    f"{words.duration(a.counted_seconds)} counted"
                )


def _runs(verdicts: Iterable[AvailabilityVerdict]) -> Iterator[list[AvailabilityVerdict]]:
    """The verdicts in order, with periods in a row that no outage touched and that came out alike (the same
    customer, commitment, value and status) taken together: a timeline from 1970 to 2099 has 1,560 months for
    each customer, and a line for each quiet one would bury the few that say something."""
    run: list[AvailabilityVerdict] = []
    for a in verdicts:
        if run and _quiet(a) and _quiet(run[-1]) and _alike(run[-1], a):
            run.append(a)
            continue
        if run:
            yield run
        run = [a]
    if run:
        yield run


def _quiet(a: AvailabilityVerdict) -> bool:
    return not a.shares and not a.shared and not a.downtime_seconds and not a.maintenance_seconds


def _alike(earlier: AvailabilityVerdict, later: AvailabilityVerdict) -> bool:
    return (
        earlier.customer == later.customer
        and earlier.commitment is later.commitment
        and earlier.end == later.start
        and earlier.value == later.value
        and earlier.status == later.status
    )


def _shared_outages(report: Report, out: LineBuffer) -> None:
    """The outages for every customer, once per commitment and period rather than under each customer's."""
    zone = report.agreement.local_zone
    shared = SharedOutages()
    firsts = [a for a in report.availability if shared.first(a)]
    if firsts:
        out.append("  outages for every customer, counted in each customer's period:")
    for a in firsts:
        out.append(f"    {a.commitment.name} {a.period}:")
        out.extend(f"      {_share(share, zone)}" for share in a.shared)


def _share(share: OutageShare, zone: str) -> str:
    span = f"{words.when(share.start, zone)} to {words.when(share.end, zone)}"
    return (
        f"{share.outage} (line {share.line}), {span}: {words.duration(share.seconds)} "
        f"{words.treatment(share.treatment, zone)}"
    )


def _credits(report: Report, out: LineBuffer, explain: bool) -> None:
    zone = report.agreement.local_zone
    out.append("")
    out.append("Credits")
    if not report.awards:
        out.append("  none earned" if _grants_credits(report.agreement) else "  the agreement grants no credits")
    for award in report.awards:
        out.append(
            f"  {award.customer}  {award.credit}: {words.basis(award.basis)}  ->  "
            f"{words.amount(award.unit, award.value)} {award.status.upper()}  {award.citation or ''}".rstrip()
        )
        for reason in award.reasons:
            if explain or words.changes_the_award(reason):
                out.append(f"    {words.reason(reason, zone)}")
    totals = owed(report.awards)
    out.append("")
    out.append("Totals owed after caps")
    if not totals:
        out.append("  nothing owed")
    for customer, units in totals.items():
        out.append(f"  {customer}: " + "; ".join(words.amount(u, v) for u, v in units.items()))
