"""Maintenance budgets, credits for downtime and fees per month, quarter or year. Every expected figure is worked
out by hand in the comment beside it, and the budget is also held against a slow minute-by-minute reference."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from sladsl import Report
from sladsl.evaluation.verdicts import AvailabilityVerdict, DowntimeFee, DowntimeHours
from sladsl.language.formatter import format_source
from sladsl.source import Source
from tests.helpers import examples
from tests.test_check import evaluate_inline

MINUTE = 60

YEARLY_BUDGET = """\
agreement "Budget":  § 1
    zone UTC

availability uptime per calendar month at least 99%:  § 2
    exclude planned maintenance with notice up to 2 hours per calendar year  § 2.1
"""


def customer(name: str, **fields: object) -> dict[str, object]:
    return {"type": "customer", "id": name, **fields}


def maintenance(key: str, start: str, end: str, who: str | None = None) -> dict[str, object]:
    row: dict[str, object] = {
        "type": "outage",
        "id": key,
        "start": start,
        "end": end,
        "tags": ["maintenance"],
        "notice": "2024-12-01T00:00:00Z",
    }
    if who is not None:
        row["customer"] = who
    return row


def outage(key: str, start: str, end: str) -> dict[str, object]:
    return {"type": "outage", "id": key, "start": start, "end": end, "tags": []}


def verdict(report: Report, who: str, period: str) -> AvailabilityVerdict:
    [found] = [a for a in report.availability if a.customer == who and a.period == period]
    return found


def spent(report: Report, who: str, period: str) -> tuple[int, int, int, int]:
    """(used before, excluded, beyond the budget, counted) in minutes."""
    found = verdict(report, who, period)
    assert found.budget is not None
    use = found.budget
    return use.before // MINUTE, use.excluded // MINUTE, use.over // MINUTE, found.counted_seconds // MINUTE


def test_a_yearly_budget_is_each_customers_own_and_used_earliest_first() -> None:
    report = evaluate_inline(
        YEARLY_BUDGET,
        customer("a"),
        customer("b"),
        customer("c"),
        maintenance("M-1", "2025-02-10T01:00:00Z", "2025-02-10T02:30:00Z", who="a"),  # a's own, 90 minutes
        maintenance("M-2", "2025-05-10T01:00:00Z", "2025-05-10T02:00:00Z"),  # everyone's, 60 minutes
        maintenance("M-3", "2025-08-10T01:00:00Z", "2025-08-10T02:00:00Z"),  # everyone's, 60 minutes
        maintenance("M-4", "2026-01-01T00:00:00Z", "2026-01-01T00:30:00Z"),  # everyone's, 30 minutes
    )
    # a: February's 90 minutes leave 30 of the 120; May excludes 30 and counts 30; August finds the budget spent
    # and counts all 60; January 2026 starts a new budget and excludes its 30.
    assert spent(report, "a", "2025-02") == (0, 90, 0, 0)
    assert spent(report, "a", "2025-05") == (90, 30, 30, 30)
    assert spent(report, "a", "2025-08") == (120, 0, 60, 60)
    assert spent(report, "a", "2026-01") == (0, 30, 0, 0)
    # b and c have only the shared maintenance: May 60 and August 60 fit in 120 exactly.
    for who in ("b", "c"):
        assert spent(report, who, "2025-05") == (0, 60, 0, 0)
        assert spent(report, who, "2025-08") == (60, 60, 0, 0)
        assert spent(report, who, "2026-01") == (0, 30, 0, 0)
    # a's May counts 30 of 44,640 minutes: (1 - 30 / 44640) * 100.
    assert verdict(report, "a", "2025-05").value == (1 - Decimal(30) / Decimal(44640)) * 100
    # A month with no maintenance spends nothing: March shows the 90 used before it and nothing else.
    assert spent(report, "a", "2025-03") == (90, 0, 0, 0)


def test_a_monthly_budget_splits_maintenance_at_the_month_boundary() -> None:
    text = YEARLY_BUDGET.replace("2 hours per calendar year", "1 hour per calendar month")
    rows = (
        customer("a"),
        maintenance("M-1", "2025-01-31T23:00:00Z", "2025-02-01T01:00:00Z"),  # 60 minutes in each month
        maintenance("M-2", "2025-02-14T03:00:00Z", "2025-02-14T03:30:00Z"),  # February's hour is spent
    )
    report = evaluate_inline(text, *rows)
    assert spent(report, "a", "2025-01") == (0, 60, 0, 0)
    assert spent(report, "a", "2025-02") == (0, 60, 30, 30)
    # Measured per quarter, the same budget still resets on 1 February: 120 minutes excluded, 30 counted.
    quarterly = text.replace("per calendar month at least", "per calendar quarter at least")
    report = evaluate_inline(quarterly, *rows)
    found = verdict(report, "a", "2025-Q1")
    assert found.budget is not None
    assert (found.budget.excluded, found.budget.over) == (120 * MINUTE, 30 * MINUTE)


def test_a_counted_outage_over_maintenance_is_not_paid_from_the_budget_twice() -> None:
    report = evaluate_inline(
        YEARLY_BUDGET,
        customer("a"),
        maintenance("M-1", "2025-03-01T01:00:00Z", "2025-03-01T04:00:00Z"),  # 180 minutes
        outage("O-1", "2025-03-01T00:30:00Z", "2025-03-01T01:30:00Z"),  # 60 minutes, 30 of them inside M-1
    )
    # The unplanned outage counts 00:30-01:30, its overlap with M-1 included (read against the drafter), so
    # 01:00-01:30 is downtime already and the budget does not pay for it: it pays 01:30-03:30, and 03:30-04:00
    # counts. Counted: 60 + 30 = 90 minutes; downtime 00:30-04:00, 210 minutes.
    found = verdict(report, "a", "2025-03")
    assert (found.downtime_seconds, found.counted_seconds) == (210 * MINUTE, 90 * MINUTE)
    assert spent(report, "a", "2025-03")[:3] == (0, 120, 30)


def reference(intervals: list[tuple[int, int]], budget: int) -> dict[str, tuple[int, int]]:
    """(excluded, counted) maintenance minutes per quarter, the slow way: every minute of the union in order of
    time, each taken from its month's budget while any is left."""
    minutes = sorted({m for start, end in intervals for m in range(start, end)})
    used: dict[str, int] = defaultdict(int)
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    base = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    for m in minutes:
        at = base + dt.timedelta(minutes=m)
        month, quarter = at.strftime("%Y-%m"), f"{at.year}-Q{(at.month - 1) // 3 + 1}"
        if used[month] < budget:
            used[month] += 1
            out[quarter][0] += 1
        else:
            out[quarter][1] += 1
    return {k: (v[0], v[1]) for k, v in out.items()}


# Minutes from 2025-01-01 00:00 UTC, drawn around the ends of January, February and March (a quarter's end).
_NEAR = st.sampled_from([31, 59, 90]).flatmap(lambda day: st.integers(day * 1440 - 600, day * 1440 + 600))
_SPANS = st.lists(st.tuples(_NEAR, st.integers(1, 400)), min_size=1, max_size=6)


@settings(max_examples=examples(60), deadline=None)
@given(spans=_SPANS, budget=st.integers(1, 480))
def test_a_monthly_budget_in_a_quarter_agrees_with_a_minute_by_minute_reference(
    spans: list[tuple[int, int]], budget: int
) -> None:
    base = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)

    def iso(minute: int) -> str:
        return (base + dt.timedelta(minutes=minute)).isoformat()

    intervals = [(start, start + length) for start, length in spans]
    text = YEARLY_BUDGET.replace("2 hours per calendar year", f"{budget} minutes per calendar month")
    text = text.replace("per calendar month at least", "per calendar quarter at least")
    rows = [maintenance(f"M-{i}", iso(s), iso(e)) for i, (s, e) in enumerate(intervals)]
    report = evaluate_inline(text, customer("a"), *rows)
    for quarter, (excluded, counted) in reference(intervals, budget).items():
        found = verdict(report, "a", quarter)
        assert found.budget is not None
        assert (found.budget.excluded // MINUTE, found.budget.over // MINUTE) == (excluded, counted), quarter
        assert (found.maintenance_seconds // MINUTE, found.counted_seconds // MINUTE) == (excluded, counted)


LADDER = """\
agreement "Fees":  § 1
    zone UTC

availability monthly per calendar month at least 99.9%:  § 2
    exclude third_party  § 2
availability quarterly per calendar quarter at least 99.9%:  § 2
    exclude third_party  § 2

credit by_month by monthly:  § 3
    below 99.9% -> 10% of fee
credit by_quarter by quarterly:  § 3
    below 99.9% -> 10% of fee
"""


def test_a_share_of_the_fee_is_a_share_of_the_fee_for_the_period_measured() -> None:
    report = evaluate_inline(
        LADDER,
        customer("q", fee="3000", fee_period="quarter", currency="EUR"),
        customer("y", fee="12000", fee_period="year", currency="EUR"),
        customer("m", fee="1000", currency="EUR"),
        outage("O-1", "2025-02-10T00:00:00Z", "2025-02-10T12:00:00Z"),  # 12 hours: both measures missed
        {
            "type": "outage",
            "id": "O-2",
            "start": "2025-07-01T00:00:00Z",
            "end": "2025-07-01T00:01:00Z",
            "tags": [],
        },
    )
    owed = {(a.customer, a.credit): (a.unit, a.value) for a in report.awards if a.status == "owed"}
    # Per month: a quarter's fee of 3,000 is 1,000 a month, a year's 12,000 too; 10% of it is 100.
    # Per quarter: 10% of a quarter's fee of 3,000 is 300; of a twelve-thousand year, a quarter is 3,000: 300;
    # of 1,000 a month, three months: 300.
    for who in ("q", "y", "m"):
        assert owed[who, "by_month"] == ("EUR", Decimal(100))
        assert owed[who, "by_quarter"] == ("EUR", Decimal(300))


PER_HOUR = """\
agreement "Per hour":  § 1
    zone UTC

availability uptime per calendar month at least 99.9%:  § 2
    exclude third_party  § 2

credit down: EUR 10 per {rounding} hour of downtime of uptime  § 3
"""


def downtime_rows() -> list[dict[str, object]]:
    return [
        customer("a", fee="1000", currency="EUR"),
        outage("O-1", "2025-06-03T10:00:00Z", "2025-06-03T12:10:00Z"),  # June: 130 minutes, 99.699% missed
        outage("O-2", "2025-07-03T10:00:00Z", "2025-07-03T10:10:00Z"),  # July: 10 minutes, 99.978% met
        outage("O-3", "2025-08-01T00:00:00Z", "2025-08-01T00:01:00Z"),  # moves as-of past July's end
    ]


def test_a_credit_per_hour_of_downtime_counts_started_or_whole_hours_of_a_missed_month() -> None:
    for rounding, hours in (("started", 3), ("whole", 2)):
        report = evaluate_inline(PER_HOUR.format(rounding=rounding), *downtime_rows())
        # 130 minutes make 3 started hours or 2 whole ones, at EUR 10 each; July was met and earns nothing.
        [award] = report.awards
        assert (award.period, award.unit, award.value) == ("2025-06", "EUR", Decimal(10 * hours))
        assert award.basis == DowntimeHours(
            "uptime", "2025-06", 130 * MINUTE, hours, rounding, award.basis.per_hour
        )


TIMES_FEE = """\
agreement "Times the fee":  § 1
    zone UTC

availability uptime per calendar month at least 99.9%:  § 2
    exclude third_party  § 2

credit back: 10 times fee for downtime of uptime rounded {mode} to 2 decimals  § 3
"""


def test_ten_times_the_fee_for_the_time_down_rounds_as_the_credit_says() -> None:
    # 10 x 1,000 x 7,800 / 2,592,000 (130 minutes of June's 30 days) = 30.0925925...
    for mode, expected in (("down", "30.09"), ("up", "30.10"), ("half up", "30.09")):
        report = evaluate_inline(TIMES_FEE.format(mode=mode), *downtime_rows())
        [award] = report.awards
        assert (award.period, award.unit, award.value) == ("2025-06", "EUR", Decimal(expected))
        assert isinstance(award.basis, DowntimeFee)
        assert (award.basis.downtime, award.basis.length) == (7800, 2592000)


def test_times_the_fee_without_a_known_fee_is_an_unrounded_share_of_the_monthly_fee() -> None:
    rows = [customer("a"), *downtime_rows()[1:]]
    report = evaluate_inline(TIMES_FEE.format(mode="down"), *rows)
    [award] = report.awards
    # 1,000% of the monthly fee x 7,800 / 2,592,000 = 3.00925925...% of it; the cents rounding is not applied
    # to a share.
    assert award.unit == "fee_percent"
    assert award.value == Decimal(1000) * 7800 / 2592000


def test_the_new_lines_format_as_written() -> None:
    text = (
        YEARLY_BUDGET
        + "\ncredit back: 10 times fee for downtime of uptime rounded half up to 2 decimals  § 3\n"
        + "credit down: EUR 10 per started hour of downtime of uptime  § 3\n"
    )
    assert format_source(Source("a.sla", text)) == text
