"""A short, fixed run of the standing fuzz campaign (`bench/fuzz.py`): hostile agreements and timelines, half of
each, made from one seed, so that a failure here is the same failure on every machine and can be replayed alone
with the command the message gives. Every input must end in a result or in diagnostics: no other exception, no
record lost between reading and the report, no formatting that changes an agreement, nothing over 10 s, and no
diagnostic without its place."""

from __future__ import annotations

from bench.fuzz import FAILURES, campaign

SEED = 20250601
INPUTS = 400  # about ten seconds; `python bench/fuzz.py --inputs 20000` is the campaign proper


def test_a_fixed_fuzz_run_gives_only_results_and_diagnostics() -> None:
    tally = campaign(SEED, INPUTS, "all")
    total = tally.total
    assert sum(total.values()) == INPUTS
    found = {outcome: total[outcome] for outcome in sorted(FAILURES) if total[outcome]}
    assert found == {}, tally.table()
    assert tally.no_span == 0, tally.table()
    assert tally.bad_code == 0, tally.table()
