"""What the work on growth changed must still say the same: each rewritten function against values worked out by
hand, or against a slow reference kept here. How fast they are is measured in benchmarks, never here."""

from __future__ import annotations

import io
import itertools
import json
import random
from decimal import Decimal, localcontext
from pathlib import Path
from typing import Any

import sladsl
from sladsl import model
from sladsl.evaluation.verdicts import Report
from sladsl.render.explain import explain, render_markdown
from sladsl.render.json import render_json
from sladsl.render.text import LineBuffer, render_text
from sladsl.run.check import Options, stream
from sladsl.time.intervals import subtract
from tests.helpers import ROOT

HEADER = """agreement "Scaling":  § 1
    provider "P"
    zone Europe/Oslo

calendar core_hours:  § 1
    open monday to friday 08:00-17:00  § 1

"""


def markdown_of(text: str) -> str:
    return render_markdown(explain(sladsl.parse(text, "t.sla"), sladsl.load(text, "t.sla"), 2025))


# -- explain ---------------------------------------------------------------------------------------------------


def test_explain_names_the_severities_without_a_target_in_their_order() -> None:
    text = HEADER + "".join(f'severity {c} "{c}": "level {c}"  § 2\n' for c in "DCBA")
    text += "response for C within 2 hours  § 3\nresponse for A, C within 4 hours  § 3\n"
    assert "No target is set for `D`, `B`." in markdown_of(text)


def test_explain_quotes_the_comment_lines_above_a_clause_in_file_order() -> None:
    text = HEADER + (
        'severity A "A": "a"  § 2\n'
        "response for A within 2 hours  § 3\n"
        "# first\n"
        "# second\n"
        "  # third, indented\n"
        'plan gold "Gold"  § 4  # on the line\n'
    )
    [line] = [row for row in markdown_of(text).splitlines() if row.startswith("- `gold`")]
    assert line == (
        '- `gold`: Gold (§ 4, line 13) Note in the file: "first" Note in the file: "second" '
        'Note in the file: "third, indented" Note in the file: "on the line"'
    )


# -- lint: ladder bands ----------------------------------------------------------------------------------------


def ladder(*bands: str) -> str:
    rows = "".join(f"    {band}  § 3\n" for band in bands)
    return (
        HEADER
        + "availability uptime per calendar month at least 99%:  § 2\n    exclude force_majeure  § 2\n\n"
        + "credit refund by uptime:  § 3\n"
        + rows
    )


def band_warnings(text: str) -> list[tuple[str, str, int, tuple[int, ...]]]:
    """(code, message, line, lines of the secondary labels) of every ladder warning, in the order given."""
    return [
        (d.code, d.message, d.span.line, tuple(label.span.line for label in d.secondary))
        for d in sladsl.load(text, "t.sla").warnings
        if d.code in ("W0201", "W0202", "W0203")
    ]


def test_izy_refund_table_has_one_gap_and_two_shared_bounds() -> None:
    # Lines 12-16. 98.9% < x <= 99% is in no band; 98% is in the 10% and 15% bands, 97% in the 15% and 20% ones.
    text = ladder(
        "above 99% -> 0% of fee",
        "from 98% to 98.9% -> 10% of fee",
        "from 97% to 98% -> 15% of fee",
        "from 95% to 97% -> 20% of fee",
        "below 95% -> 50% of fee",
    )
    assert band_warnings(text) == [
        ("W0201", "no band of `refund` covers above 98.9% and at most 99%", 11, ()),
        ("W0202", "bands overlap at exactly 98%", 14, (13,)),
        ("W0202", "bands overlap at exactly 97%", 15, (14,)),
    ]


def test_a_band_inside_a_larger_amount_is_unreachable_and_not_reported_as_an_overlap() -> None:
    text = ladder("at least 0% -> 10 credits", "from 20% to 30% -> 5 credits", "from 40% to 50% -> 5 credits")
    assert band_warnings(text) == [
        ("W0203", "no value can reach this band", 13, ()),
        ("W0203", "no value can reach this band", 14, ()),
    ]


def test_an_overlap_continues_across_a_single_point_where_a_third_band_applies() -> None:
    # 10-90 (10 credits, line 12) and 20-80 (20, line 13) share 20%..80%; at exactly 50% a 30-credit band
    # (line 14) applies, which does not split the first overlap but overlaps both others there.
    text = ladder(
        "from 10% to 90% -> 10 credits", "from 20% to 80% -> 20 credits", "from 50% to 50% -> 30 credits"
    )
    assert band_warnings(text) == [
        ("W0201", "no band of `refund` covers at least 0% and below 10%", 11, ()),
        ("W0201", "no band of `refund` covers above 90% and at most 100%", 11, ()),
        ("W0202", "bands overlap at at least 20% and at most 80%", 13, (12,)),
        ("W0202", "bands overlap at exactly 50%", 14, (12,)),
        ("W0202", "bands overlap at exactly 50%", 14, (13,)),
    ]


def test_an_overlap_is_reported_where_one_of_the_two_applies() -> None:
    # 0-100 (5 credits, line 12) applies below 30%, between 40% and 60% exclusive, and above 70%; 30-40 and 60-70
    # (9 credits, lines 13 and 14) in theirs; 35-65 (7 credits, line 15) between 40% and 60%. Each warning is on
    # the later band; those on one line come in the order the sweep meets them.
    text = ladder(
        "from 0% to 100% -> 5 credits",
        "from 30% to 40% -> 9 credits",
        "from 60% to 70% -> 9 credits",
        "from 35% to 65% -> 7 credits",
    )
    assert band_warnings(text) == [
        ("W0202", "bands overlap at at least 30% and at most 40%", 13, (12,)),
        ("W0202", "bands overlap at at least 60% and at most 70%", 14, (12,)),
        ("W0202", "bands overlap at at least 35% and at most 40%", 15, (13,)),
        ("W0202", "bands overlap at at least 40% and at most 60%", 15, (12,)),
        ("W0202", "bands overlap at at least 60% and at most 65%", 15, (14,)),
    ]


def test_an_overlap_in_two_places_lists_both() -> None:
    # 20-80 (9 credits, line 13) applies over 0-100 (5, line 12) on both sides of 40-60 (20, line 14).
    text = ladder("from 0% to 100% -> 5 credits", "from 20% to 80% -> 9 credits", "from 40% to 60% -> 20 credits")
    assert band_warnings(text) == [
        ("W0202", "bands overlap at at least 20% and at most 40%, at least 60% and at most 80%", 13, (12,)),
        ("W0202", "bands overlap at at least 40% and at most 60%", 14, (12,)),
        ("W0202", "bands overlap at at least 40% and at most 60%", 14, (13,)),
    ]


def test_bounds_outside_0_to_100_and_open_ends() -> None:
    text = ladder("above 100% -> 1 credit", "below 0% -> 1 credit", "above 0% and below 100% -> 2 credits")
    assert band_warnings(text) == [
        ("W0201", "no band of `refund` covers exactly 0%", 11, ()),
        ("W0201", "no band of `refund` covers exactly 100%", 11, ()),
        ("W0203", "no value can reach this band", 12, ()),
        ("W0203", "no value can reach this band", 13, ()),
    ]


def test_the_narrowest_gap_a_ladder_can_write_is_found() -> None:
    # A number has at most 18 digits after the point (E0115), so the bounds differ in the 18th at the least; the
    # sweep compares the bounds themselves and never rounds a midpoint, whatever the precision.
    text = ladder(
        "at most 99.000000000000000001% -> 1 credit",
        "at least 99.000000000000000002% -> 2 credits",
    )
    [(code, _, line, _)] = band_warnings(text)
    assert (code, line) == ("W0201", 11)


def probed_warnings(bands: list[model.Band]) -> list[tuple[str, str, int, tuple[int, ...]]]:
    """The slow reference: every band tested at every bound and at the exact middle of every stretch between two,
    adjacent pieces joined into ranges. What `band_warnings` gives, in its order."""
    bounds = {b.low for b in bands if b.low is not None} | {b.high for b in bands if b.high is not None}
    points = sorted({Decimal(0), Decimal(100)} | bounds)
    points = [p for p in points if 0 <= p <= 100]
    pieces = sorted([(p, p) for p in points] + list(itertools.pairwise(points)))
    gaps: list[list[Any]] = []  # [from, to, from closed, to closed]
    reachable: set[int] = set()
    shared: dict[tuple[int, int], list[list[Decimal]]] = {}
    for start, end in pieces:
        with localcontext() as exact:
            exact.prec = 200
            probe = (start + end) / 2
        covering = [i for i, b in enumerate(bands) if b.contains(probe)]
        if not covering:
            if gaps and gaps[-1][1] == start and (start == end or gaps[-1][3]):
                gaps[-1][1:4:2] = [end, start == end]
            else:
                gaps.append([start, end, start == end, start == end])
            continue
        winner = max(covering, key=lambda i: (bands[i].amount.value, -i))
        reachable.add(winner)
        for other in covering:
            if other != winner:
                ranges = shared.setdefault((min(other, winner), max(other, winner)), [])
                if ranges and ranges[-1][1] == start:
                    ranges[-1][1] = end
                else:
                    ranges.append([start, end])

    def text(start: Decimal, end: Decimal, start_closed: bool, end_closed: bool) -> str:
        if start == end:
            return f"exactly {start.normalize():f}%"
        low = f"{'at least' if start_closed else 'above'} {start.normalize():f}%"
        return f"{low} and {'at most' if end_closed else 'below'} {end.normalize():f}%"

    line = [b.span.line if b.span else 0 for b in bands]
    found = [("W0201", f"no band of `refund` covers {text(*gap)}", 11, ()) for gap in gaps]
    for (i, j), where in shared.items():
        if i in reachable and j in reachable:
            message = "bands overlap at " + ", ".join(text(a, b, True, True) for a, b in where)
            found.append(("W0202", message, line[j], (line[i],)))
    unreachable = [i for i in range(len(bands)) if i not in reachable]
    found += [("W0203", "no value can reach this band", line[i], ()) for i in unreachable]
    return sorted(found, key=lambda d: (d[2], d[0] != "W0201", d[0]))


def test_ladder_warnings_agree_with_testing_every_band_at_every_piece() -> None:
    """Random ladders of up to 12 bands over a few bounds that coincide often."""
    rng = random.Random(20)
    values = ["0", "100", "105", "0.001", "99.999", "50", "25", "75", "98", "98.9", "99", "97", "10", "10.0"]
    forms = ["from {a}% to {b}%", "above {a}%", "at least {a}%", "below {a}%", "at most {a}%"]
    forms.append("above {a}% and at most {b}%")
    checked = 0
    for _ in range(300):
        rows = []
        for _ in range(rng.randrange(1, 13)):
            a, b = sorted((rng.choice(values), rng.choice(values)), key=Decimal)
            amount = rng.choice(["0", "5", "10", "20", "50"])
            rows.append(rng.choice(forms).format(a=a, b=b) + f" -> {amount}% of fee")
        text = ladder(*rows)
        try:
            bands = list(sladsl.load(text, "t.sla").agreement.ladders[0].bands)
        except sladsl.SlaError:  # an empty band (`above 50% and at most 50%`) is an error, E0212
            continue
        checked += 1
        assert band_warnings(text) == probed_warnings(bands), text
    assert checked > 250


# -- CSV timelines: places ---------------------------------------------------------------------------------------


def test_csv_rows_keep_their_lines_whatever_other_line_breaks_a_field_holds() -> None:
    """Only a line feed ends a CSV line: U+2028, U+0085, a form feed and the other breaks `str.splitlines` knows
    are text inside a field, so the rows after one keep their line numbers (CSV was once placed by
    `splitlines`)."""
    for odd in ("\u2028", "\u2029", "\x85", "\x0c", "\x0b", "\x1c", "\x1d", "\x1e"):
        text = (
            "type,incident,customer,severity,at,channel\n"
            f'reported,I1,acme,A,2025-01-06T09:00:00+01:00,"one{odd}two"\n'
            f"reported,I2,acme,A,2025-01-06T09:00:00+01:00,x{odd}y\n"
            "reported,I3,acme,A,2025-01-06T09:00:00+01:00,plain\n"
        )
        found = list(sladsl.read_timeline(text, "t.csv"))
        assert [(e.where.line, e.where.column, e.where.end_line) for e in found] == [
            (2, 1, 2),
            (3, 1, 3),
            (4, 1, 4),
        ]
        assert [e.raw["incident"] for e in found] == ["I1", "I2", "I3"]
        assert found[0].raw["channel"] == f"one{odd}two"
        assert found[2].where.start == text.index("reported,I3")


def test_csv_rows_with_crlf_line_ends_are_placed_without_the_carriage_return() -> None:
    text = "type,incident,customer,severity,at\r\nreported,I1,acme,A,2025-01-06T09:00:00+01:00\r\n\r\n"
    text += "reported,I2,acme,A,2025-01-06T09:00:00+01:00\r\n"
    found = list(sladsl.read_timeline(text, "t.csv"))
    # Each row is 44 characters; the end column is exclusive. The blank line 3 is no row.
    assert [(e.where.line, e.where.end_column) for e in found] == [(2, 45), (4, 45)]
    assert [e.text for e in found] == [
        "reported,I1,acme,A,2025-01-06T09:00:00+01:00",
        "reported,I2,acme,A,2025-01-06T09:00:00+01:00",
    ]


# -- intervals ---------------------------------------------------------------------------------------------------


def test_subtract_takes_out_every_hole_that_reaches_into_a_part() -> None:
    assert subtract([(0, 10), (20, 30)], [(5, 25)]) == [(0, 5), (25, 30)]
    # Holes given unsorted, two of them touching (they join), one inside, one across the end of the last part.
    holes = [(28, 40), (4, 5), (2, 3), (8, 15), (15, 22)]
    assert subtract([(0, 10), (20, 30)], holes) == [(0, 2), (3, 4), (5, 8), (22, 28)]
    assert subtract([(0, 10)], []) == [(0, 10)]
    assert subtract([(0, 10)], [(-5, 0), (10, 12)]) == [(0, 10)]  # half-open: touching is not covering
    assert subtract([(0, 10), (12, 14), (16, 18)], [(1, 17)]) == [(0, 1), (17, 18)]  # one hole, three parts
    assert subtract([], [(0, 5)]) == []


# -- availability ------------------------------------------------------------------------------------------------

IZY = (ROOT / "agreements" / "izy.sla").read_text(encoding="utf-8")


def izy_model() -> model.Agreement:
    return sladsl.load(IZY, "izy.sla").agreement


def izy_report(records: list[dict[str, Any]]) -> Report:
    return sladsl.evaluate(izy_model(), records)


def outage(ident: str, start: str, end: str, customer: str | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {"type": "outage", "id": ident, "start": start, "end": end, "tags": []}
    if customer is not None:
        found["customer"] = customer
    return found


AVAILABILITY_RECORDS = [
    {"type": "customer", "id": "c1"},
    {"type": "customer", "id": "c2"},
    {"type": "customer", "id": "c3"},
    # For everyone, 09:00-10:00 on 5 February 2025 (Oslo, +01:00): 60 minutes.
    outage("G", "2025-02-05T09:00:00+01:00", "2025-02-05T10:00:00+01:00"),
    # c1's own, 09:30-11:00 the same day: with G, 09:00-11:00 is down, 120 minutes.
    outage("C1", "2025-02-05T09:30:00+01:00", "2025-02-05T11:00:00+01:00", "c1"),
    # c3's own, in March only: its February is everyone's.
    outage("C3", "2025-03-03T08:00:00+01:00", "2025-03-03T08:30:00+01:00", "c3"),
    {"type": "reported", "incident": "I1", "customer": "c2", "severity": "C", "at": "2025-04-01T12:00:00+02:00"},
]


def test_availability_with_outages_for_everyone_and_for_one_customer() -> None:
    report = izy_report(AVAILABILITY_RECORDS)
    rows = {(a.customer, a.period): a for a in report.availability}
    # February to April (the last instant, the report, is in April), for each customer in name order.
    assert [(a.customer, a.period) for a in report.availability] == [
        (c, p) for c in ("c1", "c2", "c3") for p in ("2025-02", "2025-03", "2025-04")
    ]
    february = 28 * 24 * 60 * 60
    assert [
        (rows[c, "2025-02"].period_seconds, rows[c, "2025-02"].counted_seconds) for c in ("c1", "c2", "c3")
    ] == [
        (february, 7_200),
        (february, 3_600),
        (february, 3_600),
    ]
    # (1 - 60 / 40,320) * 100 and (1 - 120 / 40,320) * 100, in 28 digits.
    assert str(rows["c2", "2025-02"].value) == "99.85119047619047619047619048"
    assert str(rows["c1", "2025-02"].value) == "99.70238095238095238095238095"
    # A verdict's shares are the customer's own outages; `shared`, the outages for everyone in the period.
    assert [s.outage for s in rows["c1", "2025-02"].shares] == ["C1"]
    assert [(s.outage, s.seconds) for s in rows["c1", "2025-02"].shared] == [("G", 3_600)]
    assert [(s.outage, s.seconds) for s in rows["c3", "2025-03"].shares] == [("C3", 1_800)]
    assert rows["c3", "2025-03"].shared == ()
    assert rows["c2", "2025-03"].shares == () and rows["c2", "2025-03"].counted_seconds == 0
    assert rows["c2", "2025-02"].shares == () and [s.outage for s in rows["c2", "2025-02"].shared] == ["G"]
    # The outages for everyone are treated once per period: one tuple in every customer's verdict.
    assert rows["c1", "2025-02"].shared is rows["c2", "2025-02"].shared is rows["c3", "2025-02"].shared


def test_availability_json_lists_the_outages_for_everyone_once_per_period() -> None:
    report = izy_report(AVAILABILITY_RECORDS)
    document = render_json(report, "izy.sla", "t.jsonl")
    rows = {(a["customer"], a["period"]): a for a in document["availability"]}
    g = {
        "outage": "G",
        "line": 4,
        "start": "2025-02-05T09:00:00+01:00",
        "end": "2025-02-05T10:00:00+01:00",
        "seconds": 3_600,
        "counts": True,
        "treatment": {"kind": "counted"},
    }
    assert document["shared_outages"] == [
        {
            "commitment": "uptime",
            "period": "2025-02",
            "start": "2025-02-01T00:00:00+01:00",
            "end": "2025-03-01T00:00:00+01:00",
            "outages": [g],
        }
    ]
    assert [(c, rows[c, "2025-02"]["outages"], rows[c, "2025-02"]["shared_outages"]) for c in ("c2", "c3")] == [
        ("c2", [], 1),
        ("c3", [], 1),
    ]
    # c1's own outage, 09:30-11:00: 90 minutes in its share, of which the 30 beside G count once.
    [own] = rows["c1", "2025-02"]["outages"]
    assert (own["outage"], own["seconds"], rows["c1", "2025-02"]["shared_outages"]) == ("C1", 5_400, 1)
    assert rows["c1", "2025-02"]["counted_seconds"] == 7_200
    assert (rows["c2", "2025-03"]["outages"], rows["c2", "2025-03"]["shared_outages"]) == ([], 0)


def test_jsonl_lists_the_outages_for_everyone_before_the_first_verdict_that_counts_them(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in AVAILABILITY_RECORDS), encoding="utf-8")
    out = io.BytesIO()
    stream(izy_model(), "izy.sla", str(path), out, Options())
    found = [json.loads(line) for line in out.getvalue().splitlines()]
    kinds = [(f["type"], f.get("customer"), f.get("period")) for f in found if f["type"] in PERIOD_LINES]
    assert kinds == [
        ("shared_outages", None, "2025-02"),
        *[("availability", c, p) for c in ("c1", "c2", "c3") for p in ("2025-02", "2025-03", "2025-04")],
    ]
    whole = render_json(izy_report(AVAILABILITY_RECORDS), "izy.sla", "t.jsonl")
    shared = [{k: v for k, v in f.items() if k != "type"} for f in found if f["type"] == "shared_outages"]
    assert shared == whole["shared_outages"]


PERIOD_LINES = ("shared_outages", "availability")


def test_text_report_of_many_periods_takes_the_quiet_ones_together() -> None:
    """1970 to 2099 for three customers: 4,680 periods, of which only the first and the last of each customer's
    have an outage; the 1,558 months between come out alike and make one line each."""
    records: list[dict[str, Any]] = [{"type": "customer", "id": c} for c in ("a", "b", "c")]
    records.append(outage("OLD", "1970-01-05T09:00:00+01:00", "1970-01-05T12:00:00+01:00"))
    records.append(outage("NEW", "2099-12-01T09:00:00+01:00", "2099-12-01T10:00:00+01:00"))
    records.append(outage("B", "2050-06-01T09:00:00+02:00", "2050-06-01T09:30:00+02:00", "b"))
    text = render_text(izy_report(records), "izy.sla", "t.jsonl")
    assert text.endswith("Records: 6 read = 6 evaluated + 0 rejected\n")
    lines = text.split("\n")
    begins, ends = lines.index("Availability"), lines.index("Credits")
    heads = [row for row in lines[begins + 1 : ends - 1] if not row.startswith("    ")]
    # January 1970: 3 hours of 744 down, (1 - 180 / 44,640) * 100 = 99.5967...%: met. December 2099 holds the
    # last instant, so it is pending. B splits customer b's quiet months at June 2050: (1 - 30 / 43,200) * 100.
    assert [row.split("  ")[1] for row in heads] == [
        "uptime 1970-01 customer a: 99.5968% (at least 99%)",
        "uptime 1970-02 to 2099-11 customer a: 100% in each of 1558 months (at least 99%)",
        "uptime 2099-12 customer a: 99.8656% (at least 99%)",
        "uptime 1970-01 customer b: 99.5968% (at least 99%)",
        "uptime 1970-02 to 2050-05 customer b: 100% in each of 964 months (at least 99%)",
        "uptime 2050-06 customer b: 99.9306% (at least 99%)",
        "uptime 2050-07 to 2099-11 customer b: 100% in each of 593 months (at least 99%)",
        "uptime 2099-12 customer b: 99.8656% (at least 99%)",
        "uptime 1970-01 customer c: 99.5968% (at least 99%)",
        "uptime 1970-02 to 2099-11 customer c: 100% in each of 1558 months (at least 99%)",
        "uptime 2099-12 customer c: 99.8656% (at least 99%)",
    ]
    assert [row.split("  ")[2] for row in heads] == ["MET", "MET", "PENDING"] + ["MET"] * 4 + ["PENDING"] + [
        "MET",
        "MET",
        "PENDING",
    ]
    assert lines[ends - 1] == ""


def test_text_lines_joined_a_few_thousand_at_a_time_keep_their_order() -> None:
    out = LineBuffer()
    rows = [f"line {n}" for n in range(3 * LineBuffer.FOLD + 7)]
    out.extend(rows)
    assert out.text() == "\n".join(rows) + "\n"
