"""A what-if comparison as text: the clauses that differ in canonical form, then the verdicts, credits and
totals that change."""

from __future__ import annotations

from sladsl.evaluation.compare import (
    AvailabilityOutcome,
    AwardOutcome,
    Change,
    Comparison,
    KpiOutcome,
    Outcome,
    TargetOutcome,
)
from sladsl.language import ast, formatter
from sladsl.render import words
from sladsl.render.escape import visible


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


def outcome_text(found: Outcome | None) -> str:
    """`met (+15m)`, `met (5 of 6)`, `breached (98.9509%)`, `owed 100.00 EUR`, or `none`."""
    if found is None:
        return "none"
    if isinstance(found, TargetOutcome):
        if found.margin is None:
            return found.status
        return f"{found.status} ({'+' if found.margin >= 0 else ''}{words.duration(found.margin)})"
    if isinstance(found, KpiOutcome):
        return f"{found.status} ({found.met} of {found.decided})"
    if isinstance(found, AvailabilityOutcome):
        return f"{found.status} ({found.value:.4f}%)"
    if isinstance(found, AwardOutcome):
        return f"{found.status} {found.value} {words.unit_name(found.unit)}"
    raise TypeError(found)


def change_text(change: Change) -> str:
    return f"{' '.join(change.subject)}: {outcome_text(change.old)} -> {outcome_text(change.new)}"


def render_text(comparison: Comparison, old_file: str, new_file: str, timeline_file: str) -> str:
    out = [f"{old_file} -> {new_file}, over {timeline_file}", "", "Clauses"]
    if not comparison.clauses:
        out.append("  no clause differs")
    for c in comparison.clauses:
        if c.old is not None:
            out.append(f"  {c.change if c.change != 'changed' else 'was'}: {clause_text(c.old)}")
        if c.new is not None:
            out.append(f"  {'now' if c.change == 'changed' else c.change}: {clause_text(c.new)}")
    out += ["", "Verdicts that change"]
    out += [f"  {change_text(v)}" for v in comparison.verdicts] or ["  none"]
    out += ["", "Credits that change"]
    out += [f"  {change_text(v)}" for v in comparison.credits] or ["  none"]
    out += ["", "Totals owed after caps"]
    if not comparison.totals:
        out.append("  nothing owed under either version")
    for total in comparison.totals:
        delta = total.new - total.old
        out.append(
            f"  {total.customer}: {words.unit_name(total.unit)} {total.old} -> {total.new} "
            f"({'+' if delta >= 0 else ''}{delta})"
        )
    return visible("\n".join(out) + "\n")
