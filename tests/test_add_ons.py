"""Add-ons held beside a plan, and durations in working days. Every figure is worked out by hand beside it.

ISL Online's working hours are Monday to Friday 08:00-22:00 in Europe/Ljubljana; its 24/7 add-on runs on a
calendar that is always open. In March 2025 Ljubljana is on +01:00 (summer time starts on 30 March).
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

import sladsl
from sladsl import evaluate, model, read_timeline
from sladsl.diagnostics import SlaError
from sladsl.evaluation.verdicts import Report, TargetVerdict
from sladsl.render.explain import explain, render_markdown
from sladsl.source import Source
from sladsl.time.instants import parse_instant
from tests.test_check import agreement, run

HOUR = 3600


def verdicts(report: Report, incident: str) -> list[TargetVerdict]:
    return [t for t in report.targets if t.incident == incident]


def at(text: str) -> int:
    return parse_instant(text)


def isl(*rows: dict[str, object]) -> Report:
    text = "".join(json.dumps(row) + "\n" for row in rows)
    return evaluate(agreement("isl-online").agreement, read_timeline(text, "inline.jsonl"))


def test_a_24_7_customer_keeps_its_plans_target_and_gets_the_add_ons_as_well() -> None:
    # INC-15: agency (standard + round_the_clock), critical, reported Sat 8 March 2025 10:00, answered 15:00.
    # The add-on: 4 hours around the clock, due Sat 14:00; answered 15:00, one hour late.
    # The plan: 8 working hours from Sat 10:00, and the first open hour is Mon 10 March 08:00: due 16:00. Met,
    # with Mon 08:00-16:00 of working time to spare (Sat 15:00 to Mon 16:00): 8 hours.
    base, extra = verdicts(run("isl-online"), "INC-15")
    assert (base.plan, base.kind, base.due, base.status, base.margin) == (
        "standard",
        "response",
        at("2025-03-10T16:00:00+01:00"),
        "met",
        8 * HOUR,
    )
    assert (extra.plan, extra.kind, extra.due, extra.status, extra.margin) == (
        "round_the_clock",
        "response",
        at("2025-03-08T14:00:00+01:00"),
        "breached",
        -HOUR,
    )
    assert extra.target.deadline == model.BusinessTime("support_24_7", 4 * HOUR)


def test_a_serious_incident_of_a_24_7_customer_is_held_to_its_plans_target_and_earns_its_credit() -> None:
    # INC-16: agency, serious, reported Fri 14 March 2025 20:00; the add-on sets nothing for `serious`, the
    # standard plan 24 working hours: Fri 20:00-22:00 (2), Mon 17 March 08:00-22:00 (14), Tue 18 March 08:00 +
    # 8 = 16:00. Answered Wed 19 March 09:30: Tue 16:00-22:00 (6 h) and Wed 08:00-09:30 (1.5 h) late, 7 h 30 min:
    # 8 started hours at 1 credit (late_standard).
    report = run("isl-online")
    [only] = verdicts(report, "INC-16")
    assert (only.plan, only.due, only.status, only.margin) == (
        "standard",
        at("2025-03-18T16:00:00+01:00"),
        "breached",
        -(7 * HOUR + 30 * 60),
    )
    [late] = [a for a in report.awards if a.incident == "INC-16"]
    assert (late.credit, late.value, late.status) == ("late_standard", Decimal(8), "owed")
    # The add-on's breach on INC-15 earns nothing: no credit names the add-on, and the plan's credits are the
    # plan's own (`on standard`).
    assert not [a for a in report.awards if a.incident == "INC-15"]
    # The year's 30 credits for uptime are cut to 22 by the cap of 30: 8 were already owed in 2025.
    [yearly] = [a for a in report.awards if a.customer == "agency" and a.credit == "yearly_uptime"]
    assert (yearly.value, yearly.status) == (Decimal(22), "owed")


def test_a_premium_customer_with_the_add_on_has_both_critical_targets_checked() -> None:
    # Reported Mon 10 March 2025 21:00, answered Tue 11 March 09:30.
    # Premium: 4 working hours: Mon 21:00-22:00 (1), Tue 08:00 + 3 = 11:00; met with Tue 09:30-11:00 to spare.
    # The add-on: 4 hours around the clock, due Tue 01:00; 8 h 30 min late.
    report = isl(
        {"type": "customer", "id": "bank", "plan": "premium", "add_ons": ["round_the_clock"]},
        {
            "type": "reported",
            "incident": "P-1",
            "customer": "bank",
            "severity": "critical",
            "at": "2025-03-10T21:00:00+01:00",
        },
        {"type": "response", "incident": "P-1", "at": "2025-03-11T09:30:00+01:00"},
    )
    assert report.rejected == ()
    figures = [(v.plan, v.due, v.status, v.margin) for v in verdicts(report, "P-1")]
    assert figures == [
        ("premium", at("2025-03-11T11:00:00+01:00"), "met", 90 * 60),
        ("round_the_clock", at("2025-03-11T01:00:00+01:00"), "breached", -(8 * HOUR + 30 * 60)),
    ]
    assert report.awards == ()


def test_the_add_ons_come_from_the_customer_record_even_when_it_comes_after_the_incident() -> None:
    report = isl(
        {
            "type": "reported",
            "incident": "P-2",
            "customer": "bank",
            "severity": "critical",
            "plan": "standard",
            "at": "2025-03-10T21:00:00+01:00",
        },
        {"type": "response", "incident": "P-2", "at": "2025-03-10T22:30:00+01:00"},
        {"type": "customer", "id": "bank", "plan": "premium", "add_ons": ["round_the_clock"]},
    )
    # The report names `standard`, which wins over the customer's plan; the add-on is the customer's.
    # Standard: 8 working hours from Mon 21:00: 1 that day, Tue 08:00 + 7 = 15:00. Add-on: Tue 01:00. Both met.
    assert [(v.plan, v.due, v.status) for v in verdicts(report, "P-2")] == [
        ("standard", at("2025-03-11T15:00:00+01:00"), "met"),
        ("round_the_clock", at("2025-03-11T01:00:00+01:00"), "met"),
    ]


@pytest.mark.parametrize(
    ("record", "code", "message", "field"),
    [
        ({"plan": "round_the_clock"}, "E0309", "`round_the_clock` is an add-on, not a plan", "plan"),
        ({"plan": "standard", "add_ons": ["premium"]}, "E0330", "`premium` is a plan, not an add-on", "add_ons"),
        (
            {"plan": "standard", "add_ons": ["round_the_clok"]},
            "E0330",
            "add-on `round_the_clok` is not in the agreement",
            "add_ons",
        ),
        ({"plan": "standard", "add_ons": "x;"}, "E0330", "add-on `x` is not in the agreement", "add_ons"),
        ({"plan": "standard", "add_ons": 7}, "E0303", "`add_ons` must be a list of add-on names", "add_ons"),
    ],
)
def test_a_customer_record_that_misuses_an_add_on_is_rejected_at_its_field(
    record: dict[str, object], code: str, message: str, field: str
) -> None:
    line = json.dumps({"type": "customer", "id": "bank", **record})
    column = line.index(json.dumps(record[field])) + 1  # the caret goes under the field's value
    report = evaluate(agreement("isl-online").agreement, read_timeline("\n" + line + "\n", "t.jsonl"))
    [rejected] = report.rejected
    assert (rejected.code, rejected.message) == (code, message)
    assert rejected.span is not None
    assert (rejected.span.file, rejected.span.line, rejected.span.column) == ("t.jsonl", 2, column)
    if "round_the_clok" in message:
        assert rejected.help == "did you mean `round_the_clock`?"


ADD_ON = """\
agreement "Add-ons":  § 1
    zone Europe/Ljubljana
calendar always:  § 2
    open always  § 2
plan standard "Standard"  § 3
add-on night "Night watch"  § 3
severity 1 "Critical"  § 4
response for 1 on standard within 8 hours  § 5
response for 1 on night within 4 hours of always  § 5
"""


def test_an_add_on_with_a_plans_name_is_a_name_defined_twice() -> None:
    with pytest.raises(SlaError) as error:
        sladsl.load(ADD_ON + 'add-on standard "Again"  § 3\n', "twice.sla")
    [found] = error.value.diagnostics
    assert (found.code, found.message) == ("E0201", "add-on `standard` is defined twice")
    assert found.span is not None and (found.span.line, found.span.column) == (10, 8)


def test_a_target_on_an_undefined_add_on_is_an_undefined_plan() -> None:
    with pytest.raises(SlaError) as error:
        sladsl.load(ADD_ON.replace("on night within", "on nigth within"), "typo.sla")
    [found] = error.value.diagnostics
    assert (found.code, found.message, found.help) == (
        "E0202",
        "plan `nigth` is not defined",
        "did you mean `night` (defined at line 6)?",
    )


def test_an_add_on_is_formatted_back_as_written_and_explained_as_an_add_on() -> None:
    assert sladsl.format_source(Source("a.sla", ADD_ON)) == ADD_ON
    document = sladsl.parse(ADD_ON, "a.sla")
    markdown = render_markdown(explain(document, sladsl.load(ADD_ON, "a.sla"), 2025))
    assert "## Add-ons\n" in markdown
    assert (
        "- Response for severity `1` under add-on `night`: within 4 hours of `always` after the clock starts: "
        "that calendar is always open, so around the clock. (§ 5, line 9)"
    ) in markdown


# -- working days ---------------------------------------------------------------------------------------------


def test_one_working_day_is_the_open_time_of_one_day_of_its_calendar() -> None:
    # CloudCTI: 08:30-17:00 is 8 hours 30 minutes, 30,600 seconds.
    [target] = [t for t in agreement("cloudcti").agreement.targets if t.severity == "3"]
    assert target.deadline == model.BusinessTime("support_hours", 30_600)


def test_one_working_day_runs_over_easter_on_support_hours() -> None:
    # Priority 3 reported Thu 17 April 2025 15:00 (+02:00): Thu 15:00-17:00 is 2 hours; Good Friday (18 April)
    # and Easter Monday (21 April) are closed, as the NL holidays list them; Tue 22 April 08:30 + 6 h 30 = 15:00.
    # Answered Tue 22 April 14:00: one support hour to spare.
    checked = agreement("cloudcti")
    rows = [
        {"type": "reported", "incident": "N-1", "severity": "3", "at": "2025-04-17T15:00:00+02:00"},
        {"type": "response", "incident": "N-1", "at": "2025-04-22T14:00:00+02:00"},
    ]
    text = "".join(json.dumps(row) + "\n" for row in rows)
    report = evaluate(checked.agreement, read_timeline(text, "n.jsonl"))
    [verdict] = report.targets
    assert (verdict.due, verdict.status, verdict.margin) == (at("2025-04-22T15:00:00+02:00"), "met", HOUR)
