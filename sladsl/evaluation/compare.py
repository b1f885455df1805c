"""What-if: two versions of an agreement over the same timeline. Which clauses differ, which verdicts and credits
change, and by how much the totals move.

Clauses are matched by what they are about, not by position: a calendar by its name, a target by its kind,
severities and plans, a credit by its name, a cap by its period. So moving a clause is no change, and editing
one shows as that clause changed. Verdicts are matched by what they judge: an incident's target (its n-th update
for cadences), a KPI or a commitment for a customer and period, an award for a customer, credit and incident or
period.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

import msgspec

from sladsl.evaluation.verdicts import Report, Status, owed
from sladsl.language import ast


class ClauseChange(msgspec.Struct, frozen=True):
    """A clause added, removed or changed (with both versions)."""

    change: Literal["added", "removed", "changed"]
    old: ast.Item | None
    new: ast.Item | None


class TargetOutcome(msgspec.Struct, frozen=True):
    status: Status
    margin: int | None


class KpiOutcome(msgspec.Struct, frozen=True):
    status: Status
    met: int
    decided: int


class AvailabilityOutcome(msgspec.Struct, frozen=True):
    status: Status
    value: Decimal


class AwardOutcome(msgspec.Struct, frozen=True):
    status: str
    value: Decimal
    unit: str


Outcome = TargetOutcome | KpiOutcome | AvailabilityOutcome | AwardOutcome


class Change(msgspec.Struct, frozen=True):
    """What one verdict or award was judged under each version (None: it did not exist there). `subject` names
    what it judges: its parts, such as `("INC-1", "response")`."""

    subject: tuple[str, ...]
    old: Outcome | None
    new: Outcome | None


class Total(msgspec.Struct, frozen=True):
    customer: str
    unit: str
    old: Decimal
    new: Decimal


class Comparison(msgspec.Struct, frozen=True):
    clauses: tuple[ClauseChange, ...]
    verdicts: tuple[Change, ...]
    credits: tuple[Change, ...]
    totals: tuple[Total, ...]

    @property
    def differs(self) -> bool:
        return bool(self.verdicts or self.credits or any(t.old != t.new for t in self.totals))


def clause_key(item: ast.Item) -> tuple[str, ...]:
    """What a clause is about: two versions of an agreement are compared clause by clause on this key."""
    if isinstance(item, ast.Agreement):
        return ("header",)
    if isinstance(item, ast.Calendar):
        return ("calendar", item.name.text)
    if isinstance(item, ast.Severity):
        return ("severity", item.code.text)
    if isinstance(item, (ast.Plan, ast.AddOn)):  # a plan made an add-on is the same clause, changed
        return ("plan", item.name.text)
    if isinstance(item, (ast.Target, ast.Kpi)):
        kind = "target" if isinstance(item, ast.Target) else "kpi"
        return (
            kind,
            item.kind,
            *sorted(n.text for n in item.severities),
            "on",
            *sorted(p.text for p in item.plans),
        )
    if isinstance(item, ast.Clock):
        return ("clock",)
    if isinstance(item, ast.Availability):
        return ("availability", item.name.text)
    if isinstance(item, (ast.Ladder, ast.HourlyCredit, ast.FlatCredit, ast.DowntimeCredit)):
        return ("credit", item.name.text)
    if isinstance(item, (ast.Cap, ast.NoStacking)):
        return (type(item).__name__, item.period.unit)
    if isinstance(item, ast.Minimum):
        return ("minimum",)
    if isinstance(item, ast.ExcludeIncidents):
        return ("exclude incidents", *sorted(t.text for t in item.tags), "from", *sorted(item.kinds))
    return ("window", item.kind)


def compare(old_document: ast.Document, new_document: ast.Document, old: Report, new: Report) -> Comparison:
    return Comparison(
        _clauses(old_document, new_document), _verdicts(old, new), _credits(old, new), _totals(old, new)
    )


def _clauses(old_document: ast.Document, new_document: ast.Document) -> tuple[ClauseChange, ...]:
    before = {clause_key(i): i for i in old_document.items}
    after = {clause_key(i): i for i in new_document.items}
    found = []
    for key, item in before.items():
        if key not in after:
            found.append(ClauseChange("removed", item, None))
        elif after[key] != item:
            found.append(ClauseChange("changed", item, after[key]))
    found.extend(ClauseChange("added", None, item) for key, item in after.items() if key not in before)
    return tuple(found)


def _verdicts(old: Report, new: Report) -> tuple[Change, ...]:
    def keyed(report: Report) -> dict[tuple[str, ...], Outcome]:
        found: dict[tuple[str, ...], Outcome] = {}
        counts: dict[tuple[str, str], int] = {}
        for t in report.targets:
            counts[(t.incident, t.kind)] = counts.get((t.incident, t.kind), 0) + 1
            subject = (
                (t.incident, t.kind, f"#{counts[(t.incident, t.kind)]}")
                if t.kind == "update"
                else (t.incident, t.kind)
            )
            # An excluded target is not judged: a new deadline for it changes nothing the parties owe.
            found[subject] = TargetOutcome(t.status, None if t.status == "excluded" else t.margin)
        for k in report.kpis:
            found[("kpi", k.kpi.kind, ",".join(k.kpi.severities), k.period, k.customer)] = KpiOutcome(
                k.status, k.met, k.decided
            )
        for a in report.availability:
            found[(a.commitment.name, a.period, a.customer)] = AvailabilityOutcome(a.status, a.value)
        return found

    return _changes(keyed(old), keyed(new))


def _credits(old: Report, new: Report) -> tuple[Change, ...]:
    def keyed(report: Report) -> dict[tuple[str, ...], Outcome]:
        return {
            (a.customer, a.credit, a.incident or a.period or ""): AwardOutcome(a.status, a.value, a.unit)
            for a in report.awards
        }

    return _changes(keyed(old), keyed(new))


def _changes(before: dict[tuple[str, ...], Outcome], after: dict[tuple[str, ...], Outcome]) -> tuple[Change, ...]:
    keys = list(before) + [k for k in after if k not in before]
    return tuple(Change(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k))


def _totals(old: Report, new: Report) -> tuple[Total, ...]:
    def flat(report: Report) -> dict[tuple[str, str], Decimal]:
        return {(c, u): v for c, units in owed(report.awards).items() for u, v in units.items()}

    before, after = flat(old), flat(new)
    keys = sorted(set(before) | set(after))
    return tuple(Total(c, u, before.get((c, u), Decimal(0)), after.get((c, u), Decimal(0))) for c, u in keys)
