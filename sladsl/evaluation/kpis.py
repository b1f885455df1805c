"""KPIs: the share of decided targets met, per customer and calendar period of the report."""

from __future__ import annotations

from decimal import Decimal

from sladsl import model
from sladsl.evaluation.verdicts import KpiVerdict, Status, TargetVerdict
from sladsl.time.instants import local_date
from sladsl.time.periods import label, period_of

Counts = list[int]  # decided, met, seen, period start, period end


class Periods:
    """The period an instant falls in, with its label, remembered per local date (many instants share one)."""

    def __init__(self, zone: str) -> None:
        self.zone = zone
        self._found: dict[tuple[str, object], tuple[int, int, str]] = {}

    def of(self, instant: int, unit: model.PeriodUnit) -> tuple[int, int, str]:
        key = (unit, local_date(instant, self.zone))
        found = self._found.get(key)
        if found is None:
            start, end = period_of(instant, unit, self.zone)
            found = self._found[key] = (start, end, label(start, unit, self.zone))
        return found


class KpiTally:
    """Counts, per KPI, customer and period, how many targets were decided, met and seen, one verdict at a
    time: all a KPI verdict needs, so the verdicts themselves need not be kept. Tallies of separate shares of
    the incidents add up (`merge`)."""

    def __init__(self, agreement: model.Agreement, periods: Periods) -> None:
        self.kpis = agreement.kpis
        self.periods = periods
        self.counts: dict[tuple[int, str, str], Counts] = {}

    def add(self, verdict: TargetVerdict) -> None:
        if verdict.status == "excluded":  # not held to the target, so not counted for or against it
            return
        for index, kpi in enumerate(self.kpis):
            if (
                verdict.kind == kpi.kind
                and verdict.severity in kpi.severities
                and (not kpi.plans or verdict.plan in kpi.plans)
            ):
                start, end, name = self.periods.of(verdict.reported, kpi.period)
                counts = self.counts.setdefault((index, verdict.customer, name), [0, 0, 0, start, end])
                counts[0] += verdict.status != "pending"
                counts[1] += verdict.status == "met"
                counts[2] += 1

    def merge(self, counts: dict[tuple[int, str, str], Counts]) -> None:
        for key, theirs in counts.items():
            mine = self.counts.setdefault(key, [0, 0, 0, theirs[3], theirs[4]])
            for i in range(3):
                mine[i] += theirs[i]

    def verdicts(self, as_of: int) -> list[KpiVerdict]:
        """A KPI is met once its decided targets meet the percentage and its period is over (or none of its
        targets is still pending); breached as soon as they fall short."""
        found = []
        for (index, customer, name), (decided, met, seen, start, end) in sorted(self.counts.items()):
            kpi = self.kpis[index]
            status: Status
            if not decided:
                status = "pending"
            elif Decimal(met) * 100 >= kpi.percent * decided:
                status = "met" if end <= as_of or decided == seen else "pending"
            else:
                status = "breached"
            found.append(KpiVerdict(customer, kpi, name, start, decided, met, status))
        return found
