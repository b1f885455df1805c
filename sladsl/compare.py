"""What-if: two versions of an agreement over the same timeline. Which clauses differ, which verdicts and credits
change, and by how much the totals move.

Clauses are matched by what they are about, not by position: a calendar by its name, a target by its kind,
severities and plans, a credit by its name, a cap by its period. So moving a clause is no change, and editing
one shows as that clause changed, with both versions in canonical form.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import attrs

from sladsl import ast, formatter
from sladsl.interpreter import Report


@attrs.frozen
class ClauseChange:
    change: str  # "added", "removed" or "changed"
    old: str | None  # canonical text, with the line it was on
    new: str | None


@attrs.frozen
class VerdictChange:
    key: str
    old: str
    new: str


@attrs.frozen
class Comparison:
    clauses: tuple[ClauseChange, ...]
    verdicts: tuple[VerdictChange, ...]
    credits: tuple[VerdictChange, ...]
    totals: tuple[tuple[str, str, Decimal, Decimal], ...]  # (customer, unit, old, new)

    @property
    def differs(self) -> bool:
        return bool(self.verdicts or self.credits or any(old != new for _, _, old, new in self.totals))


def clause_key(item: ast.Item) -> tuple[str, ...]:
    """What a clause is about: two versions of an agreement are compared clause by clause on this key."""
    if isinstance(item, ast.Agreement):
        return ("header",)
    if isinstance(item, ast.Calendar):
        return ("calendar", item.name.text)
    if isinstance(item, ast.Severity):
        return ("severity", item.code.text)
    if isinstance(item, ast.Plan):
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
    if isinstance(item, (ast.Ladder, ast.HourlyCredit, ast.FlatCredit)):
        return ("credit", item.name.text)
    if isinstance(item, (ast.Cap, ast.NoStacking)):
        return (type(item).__name__, item.period.unit)
    if isinstance(item, ast.Minimum):
        return ("minimum",)
    return ("window", item.kind)


def clause_text(item: ast.Item) -> str:
    """A clause in canonical form with its line; a block with its rules, one per line."""
    if isinstance(item, formatter.BLOCKS):
        lines = [formatter.header(item) + formatter.citation(item.citation)]
        lines += [
            formatter.INDENT + formatter.line(child) + formatter.citation(getattr(child, "citation", None))
            for child in formatter.children(item)
        ]
    else:
        lines = [formatter.line(item) + formatter.citation(item.citation)]
    return f"line {item.span.line}: " + "\n    ".join(lines)


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
            found.append(ClauseChange("removed", clause_text(item), None))
        elif after[key] != item:
            found.append(ClauseChange("changed", clause_text(item), clause_text(after[key])))
    found.extend(
        ClauseChange("added", None, clause_text(item)) for key, item in after.items() if key not in before
    )
    return tuple(found)


def _verdict_text(report: Report, status: str, margin: int | None) -> str:
    from sladsl.interpreter import describe_seconds  # noqa: PLC0415

    if margin is None:
        return status
    return f"{status} ({'+' if margin >= 0 else ''}{describe_seconds(margin)})"


def _verdicts(old: Report, new: Report) -> tuple[VerdictChange, ...]:
    def keyed(report: Report) -> dict[str, str]:
        found: dict[str, str] = {}
        counts: dict[tuple[str, str], int] = defaultdict(int)
        for t in report.targets:
            counts[(t.incident, t.kind)] += 1
            suffix = f" #{counts[(t.incident, t.kind)]}" if t.kind == "update" else ""
            found[f"{t.incident} {t.kind}{suffix}"] = _verdict_text(report, t.status, t.margin)
        for k in report.kpis:
            found[f"kpi {k.kpi.kind} {','.join(k.kpi.severities)} {k.period} {k.customer}"] = (
                f"{k.status} ({k.met} of {k.decided})"
            )
        for a in report.availability:
            found[f"{a.commitment.name} {a.period} {a.customer}"] = f"{a.status} ({a.value:.4f}%)"
        return found

    return _changes(keyed(old), keyed(new))


def _credits(old: Report, new: Report) -> tuple[VerdictChange, ...]:
    def keyed(report: Report) -> dict[str, str]:
        return {
            f"{a.customer} {a.credit} {a.incident or a.period}": f"{a.status} {a.value} {a.unit}"
            for a in report.awards
        }

    return _changes(keyed(old), keyed(new))


def _changes(before: dict[str, str], after: dict[str, str]) -> tuple[VerdictChange, ...]:
    keys = list(before) + [k for k in after if k not in before]
    return tuple(
        VerdictChange(k, before.get(k, "none"), after.get(k, "none"))
        for k in keys
        if before.get(k) != after.get(k)
    )


def _totals(old: Report, new: Report) -> tuple[tuple[str, str, Decimal, Decimal], ...]:
    def owed(report: Report) -> dict[tuple[str, str], Decimal]:
        found: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        for a in report.awards:
            if a.status == "owed":
                found[(a.customer, a.unit)] += a.value
        return found

    before, after = owed(old), owed(new)
    keys = sorted(set(before) | set(after))
    return tuple((c, u, before.get((c, u), Decimal(0)), after.get((c, u), Decimal(0))) for c, u in keys)


def render_text(comparison: Comparison, old_file: str, new_file: str, timeline_file: str) -> str:
    out = [f"{old_file} -> {new_file}, over {timeline_file}", "", "Clauses"]
    if not comparison.clauses:
        out.append("  no clause differs")
    for c in comparison.clauses:
        if c.old is not None:
            out.append(f"  {c.change if c.change != 'changed' else 'was'}: {c.old}")
        if c.new is not None:
            out.append(f"  {'now' if c.change == 'changed' else c.change}: {c.new}")
    out += ["", "Verdicts that change"]
    out += [f"  {v.key}: {v.old} -> {v.new}" for v in comparison.verdicts] or ["  none"]
    out += ["", "Credits that change"]
    out += [f"  {v.key}: {v.old} -> {v.new}" for v in comparison.credits] or ["  none"]
    out += ["", "Totals owed after caps"]
    if not comparison.totals:
        out.append("  nothing owed under either version")
    for customer, unit, old, new in comparison.totals:
        delta = new - old
        out.append(f"  {customer}: {unit} {old} -> {new} ({'+' if delta >= 0 else ''}{delta})")
    return "\n".join(out) + "\n"
