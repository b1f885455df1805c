"""The HTML report in a real browser: Debian's Chromium, headless, driven by Playwright (no browser download).

For each seed vendor the page must load without console errors or any request beyond the file itself, draw one
timeline per incident, and show the same figures as the JSON report. The overview's figures are checked against
values worked out by hand, its views by clicking them and counting the rows left in sight, its CSV by reading
the download back, and the drawings by reading their geometry back from the page. Screenshots go to tests/output/
(git-ignored) for a person to look at.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench.generate import write
from sladsl.render.html import DRAWN, LEFT, RIGHT, WIDTH, render_html
from sladsl.render.json import render_json
from tests.browser import OUTPUT, in_chromium
from tests.helpers import ROOT
from tests.test_check import VENDORS, run

pytestmark = in_chromium


def opened(browser: Any, page_file: Path, problems: list[str]) -> Any:
    """A page of the browser at `page_file`, noting console errors, script errors and every request for another
    file than the page itself (nothing may be fetched: the page is self-contained)."""
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "request",
        lambda request: problems.append(f"fetched {request.url}") if request.url != page_file.as_uri() else None,
    )
    page.goto(page_file.as_uri())
    return page


def page_of(
    browser: Any, vendor: str, problems: list[str], jsonl: str | None = None, as_of: str | None = None
) -> Any:
    report = run(vendor, jsonl, as_of)
    OUTPUT.mkdir(exist_ok=True)
    page_file = OUTPUT / f"{vendor}{'' if jsonl is None else '-made'}.report.html"
    page_file.write_text(
        render_html(report, f"agreements/{vendor}.sla", f"agreements/{vendor}.timeline.jsonl"), encoding="utf-8"
    )
    return opened(browser, page_file, problems)


@pytest.mark.parametrize("vendor", VENDORS)
def test_report_page_in_chromium(vendor: str, browser) -> None:  # type: ignore[no-untyped-def]
    report = run(vendor)
    figures = render_json(report, f"agreements/{vendor}.sla", f"agreements/{vendor}.timeline.jsonl")
    problems: list[str] = []
    page = page_of(browser, vendor, problems)
    assert problems == []

    incidents = list(dict.fromkeys(t["incident"] for t in figures["targets"]))
    drawn = page.eval_on_selector_all("svg.incident-timeline", "nodes => nodes.map(n => n.dataset.incident)")
    assert drawn == incidents  # one timeline per incident, in report order

    rows = page.eval_on_selector_all(
        "tr.target",
        "rows => rows.map(r => [r.dataset.incident, r.dataset.kind, r.dataset.due, r.dataset.actual, "
        "r.dataset.status])",
    )
    assert rows == [
        [t["incident"], t["kind"], t["due"] or "", t["actual"] or "", t["status"]] for t in figures["targets"]
    ]
    bars = page.eval_on_selector_all("rect.period", "bars => bars.map(b => [b.dataset.value, b.dataset.status])")
    assert bars == [[a["value"], a["status"]] for a in figures["availability"]]
    credits = page.eval_on_selector_all(
        "tr.credit",
        "rows => rows.map(r => [r.dataset.customer, r.dataset.credit, r.dataset.value, r.dataset.status])",
    )
    assert credits == [[c["customer"], c["credit"], c["value"], c["status"]] for c in figures["credits"]]
    totals = page.eval_on_selector_all(
        "tr.owed", "rows => rows.map(r => [r.dataset.customer, r.dataset.unit, r.dataset.value])"
    )
    assert totals == [[t["customer"], t["unit"], t["value"]] for t in figures["totals"]]
    summary = page.eval_on_selector("#summary", "s => [s.dataset.met, s.dataset.breached, s.dataset.pending]")
    assert summary == [str(figures["summary"][k]) for k in ("met", "breached", "pending")]
    page.screenshot(path=str(OUTPUT / f"{vendor}.report.png"), full_page=True)
    page.close()


def test_report_command_writes_the_page(tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "izy.html"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sladsl",
            "report",
            "agreements/izy.sla",
            "agreements/izy.timeline.jsonl",
            "--html",
            str(out),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    # One inline script and nothing that names another file: no src, no link, no address.
    assert page.count("<script>") == 1 and "src=" not in page and "<link" not in page
    assert "http" not in page.split("<body>")[1]


# -- the overview -----------------------------------------------------------------------------------------------


def shown(page: Any, table: str) -> list[list[str]]:
    """The text of each cell of a table's rows that are in sight (a view hides the others)."""
    return page.eval_on_selector_all(
        f"{table} tr",
        "rows => rows.filter(r => r.checkVisibility()).map(r => "
        "Array.from(r.querySelectorAll('th, td')).map(c => c.textContent))",
    )


HEAD = ["severity", "month", "customer", "met", "breached", "pending", "met %"]


def test_overview_of_izy_shows_what_is_owed_and_compliance_by_severity_month_and_customer(browser) -> None:  # type: ignore[no-untyped-def]
    problems: list[str] = []
    page = page_of(browser, "izy", problems)
    # Uptime 2025-03 is 98.654%, in the band "from 98% to 98.9%": 10% of acme's fee of EUR 1000.00 = 100.00.
    # 2025-02's 98.951% falls in the ladder's gap (98.9% to 99%), so nothing is owed for it.
    assert shown(page, "#owed") == [["customer", "owed"], ["acme", "100.00 EUR"], ["all customers", "100.00 EUR"]]
    # INC-1 (A, reported 2025-04-16) answered within 2 core hours; INC-2 (B, reported Saturday 2025-03-29, clock
    # from Monday 08:00, due 12:00) answered 12:30; INC-3 (C, 2025-05-02) answered by the end of the next business
    # day. One response target each.
    assert shown(page, "#compliance") == [
        HEAD,
        ["A", "2025-04", "acme", "1", "0", "0", "100.0"],
        ["B", "2025-03", "acme", "0", "1", "0", "0.0"],
        ["C", "2025-05", "acme", "1", "0", "0", "100.0"],
    ]
    assert page.text_content("#at-risk") == "No target is late and still open, and none is pending."
    # The overview comes before the details.
    order = page.eval_on_selector_all(
        "#owed, #compliance, svg.incident-timeline, svg.availability-chart", "nodes => nodes.map(n => n.tagName)"
    )
    assert order[:2] == ["TABLE", "TABLE"]
    assert problems == []
    page.close()


def test_overview_adds_up_what_each_customer_is_owed(browser) -> None:  # type: ignore[no-untyped-def]
    problems: list[str] = []
    page = page_of(browser, "isl-online", problems)
    figures = json_of("isl-online")
    assert figures["totals"] == [
        {"customer": "agency", "unit": "credits", "value": "30"},
        {"customer": "clinic", "unit": "credits", "value": "30"},
        {"customer": "studio", "unit": "credits", "value": "30"},
    ]
    # 30 + 30 + 30 credits: the total is over the three customers.
    assert shown(page, "#owed") == [
        ["customer", "owed"],
        ["agency", "30 credits"],
        ["clinic", "30 credits"],
        ["studio", "30 credits"],
        ["all customers", "90 credits"],
    ]
    # Seven response targets: critical INC-14 (studio, 2025-02, late), INC-15 (agency, 2025-03: its plan's target
    # met, its 24/7 add-on's late) and INC-11 (clinic, reported 2025-04-30, late), serious INC-16 (agency,
    # 2025-03) and INC-12 (studio, 2025-12), minor INC-13 (clinic, 2025-05), all late.
    assert shown(page, "#compliance") == [
        HEAD,
        ["critical", "2025-02", "studio", "0", "1", "0", "0.0"],
        ["critical", "2025-03", "agency", "1", "1", "0", "50.0"],
        ["critical", "2025-04", "clinic", "0", "1", "0", "0.0"],
        ["serious", "2025-03", "agency", "0", "1", "0", "0.0"],
        ["serious", "2025-12", "studio", "0", "1", "0", "0.0"],
        ["minor", "2025-05", "clinic", "0", "1", "0", "0.0"],
    ]
    assert problems == []
    page.close()


@pytest.mark.parametrize("vendor", VENDORS)
def test_overview_markup(vendor: str, snapshot) -> None:  # type: ignore[no-untyped-def]
    """The overview as written, a row to a line, locked for review (the browser tests prove its figures)."""
    page = render_html(run(vendor), f"agreements/{vendor}.sla", f"agreements/{vendor}.timeline.jsonl")
    overview = page[page.index("<h2>Overview</h2>") : page.index("<h2>Incidents</h2>")]
    assert overview.replace("<tr", "\n<tr").replace("<h3>", "\n<h3>") == snapshot


def json_of(vendor: str) -> Any:
    """What `sladsl check --format json` says: the figures the page must agree with."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sladsl",
            "check",
            f"agreements/{vendor}.sla",
            f"agreements/{vendor}.timeline.jsonl",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode in (0, 1), result.stderr
    import json  # noqa: PLC0415

    return json.loads(result.stdout)


def test_at_risk_lists_pending_targets_by_the_time_they_have_left(browser) -> None:  # type: ignore[no-untyped-def]
    problems: list[str] = []
    page = page_of(browser, "zegal", problems)
    # As of 2025-11-03 10:30 (+08:00), INC-33's restore is due 2025-11-04 18:00 (31h 30m of real time left) and its
    # resolution 2025-11-17 18:00 (14 days 7h 30m); both count business days, so no share of an allowance.
    assert shown(page, "#at-risk") == [
        ["incident", "customer", "severity", "target", "due", "late by / time left", "allowance"],
        ["INC-33", "lawfirm", "2", "restore", "2025-11-04 18:00 Tue", "1d 7h 30m", ""],
        ["INC-33", "lawfirm", "2", "resolution", "2025-11-17 18:00 Mon", "14d 7h 30m", ""],
    ]
    assert problems == []
    page.close()
    # CloudCTI's INC-42 missed an update due 2025-06-11 17:00 and was resolved the next morning: a breach, no
    # longer at risk.
    page = page_of(browser, "cloudcti", problems)
    assert (
        page.eval_on_selector(
            "tr.target[data-incident='INC-42'][data-kind='update'][data-status='breached']",
            "r => r.dataset.actual",
        )
        == ""
    )
    assert page.text_content("#at-risk") == "No target is late and still open, and none is pending."
    page.close()


AT_RISK_TIMELINE = "".join(
    line + "\n"
    for line in (
        '{"type": "customer", "id": "acme", "fee": "1000.00", "currency": "EUR"}',
        '{"type": "reported", "incident": "INC-12", "customer": "acme", "severity": "A", '
        '"at": "2025-05-28T15:00:00+02:00"}',
        '{"type": "reported", "incident": "INC-11", "customer": "acme", "severity": "B", '
        '"at": "2025-06-02T08:00:00+02:00"}',
        '{"type": "reported", "incident": "INC-10", "customer": "acme", "severity": "A", '
        '"at": "2025-06-02T09:00:00+02:00"}',
        '{"type": "reported", "incident": "INC-13", "customer": "acme", "severity": "C", '
        '"at": "2025-06-02T09:00:00+02:00"}',
        '{"type": "response", "incident": "INC-13", "at": "2025-06-02T09:05:00+02:00"}',
    )
)


def test_at_risk_puts_late_open_targets_first_then_the_share_of_the_allowance_used(browser) -> None:  # type: ignore[no-untyped-def]
    problems: list[str] = []
    page = page_of(browser, "izy", problems, AT_RISK_TIMELINE, "2025-06-02T10:30:00+02:00")
    # Core hours are Monday to Friday 08:00-17:00, closed on Norway's holidays. As of Monday 2 June 10:30:
    # INC-12 (A, 2 hours) was due Wednesday 28 May 17:00; late since: Thursday is Ascension Day, Friday 9h,
    # Monday 2h 30m: 11h 30m.
    # INC-10 (A, 2 hours from 09:00) has 30m left: 1h 30m of 2h used, 75%.
    # INC-11 (B, 4 hours from 08:00) has 1h 30m left: 2h 30m of 4h used, 62.5%, shown to the whole percent
    # half up: 63%.
    assert shown(page, "#at-risk")[1:] == [
        ["INC-12", "acme", "A", "response", "2025-05-28 17:00 Wed", "late by 11h 30m", ""],
        ["INC-10", "acme", "A", "response", "2025-06-02 11:00 Mon", "30m", "75% used"],
        ["INC-11", "acme", "B", "response", "2025-06-02 12:00 Mon", "1h 30m", "63% used"],
    ]
    assert problems == []
    page.close()


# -- views and the CSV ------------------------------------------------------------------------------------------


def test_views_show_one_customer_and_breaches_only(browser) -> None:  # type: ignore[no-untyped-def]
    problems: list[str] = []
    page = page_of(browser, "isl-online", problems)
    page.select_option("#customer", "clinic")
    assert [row[2] for row in shown(page, "#compliance")[1:]] == ["clinic", "clinic"]
    assert page.eval_on_selector_all(
        "section.incident", "nodes => nodes.filter(n => n.checkVisibility()).map(n => n.dataset.customer)"
    ) == ["clinic", "clinic"]
    assert [row[0] for row in shown(page, "#owed")[1:]] == ["clinic", "all customers"]
    page.select_option("#customer", "")
    assert len(shown(page, "#compliance")) == 7
    assert problems == []
    page.close()

    page = page_of(browser, "cloudcti", problems)
    figures = json_of("cloudcti")
    every = shown(page, "#compliance")[1:]
    incidents = page.eval_on_selector_all("section.incident", "nodes => nodes.length")
    page.check("#breaches-only")
    breaches = shown(page, "#compliance")[1:]
    assert breaches == [row for row in every if row[4] != "0"]
    # Counted from check's JSON: the rows with a breached target, and the incidents with one.
    late = {t["incident"] for t in figures["targets"] if t["status"] == "breached"}
    months = {
        (t["severity"], t["reported"][:7], t["customer"]) for t in figures["targets"] if t["status"] == "breached"
    }
    assert len(breaches) == len(months) < len(every)
    assert page.eval_on_selector_all(
        "section.incident", "nodes => nodes.filter(n => n.checkVisibility()).map(n => n.dataset.incident)"
    ) == [i for i in dict.fromkeys(t["incident"] for t in figures["targets"]) if i in late]
    assert len(late) < incidents
    page.uncheck("#breaches-only")
    assert shown(page, "#compliance")[1:] == every
    assert problems == []
    page.close()


def download(page: Any) -> str:
    with page.expect_download() as waiting:
        page.click("#csv")
    path = waiting.value.path()
    return Path(path).read_bytes().decode("utf-8")


def test_the_csv_is_the_compliance_table_as_shown(browser) -> None:  # type: ignore[no-untyped-def]
    problems: list[str] = []
    page = page_of(browser, "izy", problems)
    text = download(page)
    assert text == (
        "severity,month,customer,met,breached,pending,met %\r\n"
        "A,2025-04,acme,1,0,0,100.0\r\n"
        "B,2025-03,acme,0,1,0,0.0\r\n"
        "C,2025-05,acme,1,0,0,100.0\r\n"
    )
    page.close()

    page = page_of(browser, "cloudcti", problems)
    whole = list(csv.reader(io.StringIO(download(page))))
    assert whole == shown(page, "#compliance")
    page.check("#breaches-only")
    filtered = list(csv.reader(io.StringIO(download(page))))
    assert filtered == shown(page, "#compliance") and len(filtered) < len(whole)
    assert all(row[4] != "0" for row in filtered[1:])
    assert problems == []
    page.close()


# -- the drawings -----------------------------------------------------------------------------------------------

GEOMETRY = """svg => ({
  bars: Array.from(svg.querySelectorAll('rect.period')).map(r => {
    const b = r.getBBox(); return [b.x, b.y, b.width, b.height]; }),
  labels: Array.from(svg.querySelectorAll('text')).map(t => {
    const b = t.getBBox(); return [b.x, b.y, b.width, b.height]; }),
})"""


def overlap(a: list[float], b: list[float]) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def assert_sane_charts(page: Any) -> int:
    """Every availability chart: bars of positive size inside the plot, standing on one baseline; no two labels
    overlapping; every label inside the drawing. Returns how many bars were read."""
    count = 0
    for chart in page.query_selector_all("svg.availability-chart"):
        found = chart.evaluate(GEOMETRY)
        bars, labels = found["bars"], found["labels"]
        for x, _, width, height in bars:
            assert width > 0 and height > 0
            assert x >= LEFT and x + width <= WIDTH - RIGHT
        assert len({round(y + height, 1) for _, y, _, height in bars}) <= 1
        for n, a in enumerate(labels):
            assert a[0] >= 0 and a[0] + a[2] <= WIDTH
            for b in labels[n + 1 :]:
                assert not overlap(a, b), (a, b)
        count += len(bars)
    return count


TIMELINE_GEOMETRY = """svg => Array.from(svg.querySelectorAll('g.row')).map(g => {
  const one = (s, a) => { const e = g.querySelector(s); return e ? Number(e.getAttribute(a)) : null; };
  return {
    status: g.dataset.status, kind: g.dataset.kind, tip: g.querySelector('title').textContent,
    span: g.querySelector('line.span') ? [one('line.span', 'x1'), one('line.span', 'x2')] : null,
    due: one('line.due', 'x1'),
    late: g.querySelector('line.late') ? [one('line.late', 'x1'), one('line.late', 'x2')] : null,
    done: one('circle.done', 'cx'), start: one('circle.start', 'cx'),
    labels: Array.from(svg.querySelectorAll('text')).map(t => { const b = t.getBBox(); return b.x + b.width; }),
  };
})"""


def rows_of(page: Any) -> dict[str, list[dict[str, Any]]]:
    return {
        svg.get_attribute("data-incident"): svg.evaluate(TIMELINE_GEOMETRY)
        for svg in page.query_selector_all("svg.incident-timeline")
    }


def assert_sane_timelines(page: Any) -> None:
    """No bar drawn backwards; a breach starts at its deadline and ends, when the target was done, at the done
    dot; nothing else is red; every label inside the drawing."""
    drawn = rows_of(page)
    assert drawn and all(drawn.values())
    for rows in drawn.values():
        for row in rows:
            if row["span"] is not None:
                assert row["span"][1] > row["span"][0]
            if row["late"] is not None:
                assert row["status"] == "breached"
                assert row["late"][0] == row["due"] and row["late"][1] >= row["late"][0]
                if row["done"] is not None:
                    assert row["late"][1] == row["done"]
            else:
                assert row["status"] != "breached"
            assert all(right <= WIDTH for right in row["labels"])


@pytest.mark.parametrize("vendor", VENDORS)
def test_the_drawings_are_sane(vendor: str, browser) -> None:  # type: ignore[no-untyped-def]
    problems: list[str] = []
    page = page_of(browser, vendor, problems)
    assert assert_sane_charts(page) == len(json_of(vendor)["availability"])
    assert_sane_timelines(page)
    assert sum(map(len, rows_of(page).values())) == len(json_of(vendor)["targets"])
    assert problems == []
    page.close()


def at(page: Any, incident: str, when: str) -> float:
    """Where an instant falls on an incident's time axis, from the axis bounds the drawing states."""
    svg = page.query_selector(f'svg.incident-timeline[data-incident="{incident}"]')
    lo, hi = int(svg.get_attribute("data-lo")), int(svg.get_attribute("data-hi"))
    instant = int(dt.datetime.fromisoformat(when).timestamp())
    return round(LEFT + (WIDTH - LEFT - RIGHT) * (instant - lo) / (hi - lo), 1)


GEOMETRY_TIMELINE = "".join(
    line + "\n"
    for line in (
        '{"type": "customer", "id": "acme", "fee": "1000.00", "currency": "EUR"}',
        '{"type": "reported", "incident": "INC-12", "customer": "acme", "severity": "A", '
        '"at": "2025-05-28T15:00:00+02:00"}',
        '{"type": "reported", "incident": "INC-14", "customer": "acme", "severity": "B", '
        '"at": "2025-05-31T10:00:00+02:00"}',
        '{"type": "response", "incident": "INC-14", "at": "2025-05-31T10:30:00+02:00"}',
    )
)


def test_a_breach_ends_where_the_verdict_stops_counting_and_no_bar_runs_backwards(browser) -> None:  # type: ignore[no-untyped-def]
    problems: list[str] = []
    page = page_of(browser, "izy", problems, GEOMETRY_TIMELINE, "2025-05-31T12:00:00+02:00")
    rows = rows_of(page)
    # INC-12 (A, 2 core hours from Wednesday 28 May 15:00) was due 17:00 and is still not answered as of Saturday
    # 31 May 12:00: late by Friday's 9 open hours (Thursday is Ascension Day). Its red bar runs from the deadline
    # to Friday's closing, 17:00, where its lateness stopped growing; not on to Saturday noon.
    [late] = rows["INC-12"]
    assert late["tip"] == "response: breached by 9h 00m"
    assert late["late"] == [
        at(page, "INC-12", "2025-05-28T17:00:00+02:00"),
        at(page, "INC-12", "2025-05-30T17:00:00+02:00"),
    ]
    assert late["span"] == [at(page, "INC-12", "2025-05-28T15:00:00+02:00"), late["late"][1]]
    # INC-14 (B) reported Saturday 10:00 and answered 10:30, before its clock started on Monday 08:00: met, and
    # no bar from the start dot back to the done dot.
    [early] = rows["INC-14"]
    assert early["status"] == "met" and early["span"] is None and early["late"] is None
    assert early["done"] == at(page, "INC-14", "2025-05-31T10:30:00+02:00")
    assert early["start"] == at(page, "INC-14", "2025-06-02T08:00:00+02:00")
    assert early["tip"] == (
        "response: met, 4h 00m to spare; done 2025-05-31 10:30 Sat, before its clock started 2025-06-02 08:00 Mon"
    )
    assert_sane_timelines(page)
    assert problems == []
    page.close()


def test_the_availability_axis_names_the_target_and_drops_a_label_that_would_overlap_it(browser) -> None:  # type: ignore[no-untyped-def]
    outage = (
        '{"type": "outage", "id": "OUT-9", "start": "2025-03-01T00:00:00+01:00", '
        '"end": "2025-03-16T00:00:00+01:00", "tags": []}\n'
    )
    problems: list[str] = []
    page = page_of(browser, "izy", problems, outage + (ROOT / "agreements/izy.timeline.jsonl").read_text())
    # March 2025 has 743 hours in Oslo (the clocks go forward on the 30th), 360 of them down (the 15 days hold
    # the month's other outages): 383 / 743 = 51.548% up. The axis runs from 51% (51.548 - 0.5, rounded down) to
    # 100%, so 99% sits 160px * 1/49 = 3.3px below 100%: only the target is labelled there.
    [march] = page.eval_on_selector_all(
        'rect.period[data-period="2025-03"]', "bars => bars.map(b => b.dataset.value.slice(0, 5))"
    )
    assert march == "51.54"
    assert page.eval_on_selector_all("text.axis", "labels => labels.map(t => t.textContent)") == [
        "target 99%",
        "51%",
    ]
    assert_sane_charts(page)
    assert problems == []
    page.close()


def test_screenshots_of_the_overview(browser) -> None:  # type: ignore[no-untyped-def]
    """The top of the page, as a person first sees it (tests/output/; docs/report-overview.png is one of these)."""
    problems: list[str] = []
    page = page_of(browser, "isl-online", problems)
    page.screenshot(path=str(OUTPUT / "isl-online.overview.png"))
    assert problems == []
    page.close()


# -- a page for a big timeline ----------------------------------------------------------------------------------

BIG = 100_000


@pytest.fixture(scope="module")
def big_page(tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    """The page `sladsl report` writes for 100,000 generated incidents of Izy's agreement (50 customers, three
    years), made at test time and never committed."""
    folder = tmp_path_factory.mktemp("big")
    timeline = write(folder / "timeline.jsonl", BIG)
    out = folder / "report.html"
    result = subprocess.run(
        [sys.executable, "-m", "sladsl", "report", "agreements/izy.sla", str(timeline), "--html", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return out


def test_a_page_for_100000_incidents_is_under_10_mb_and_opens(big_page: Path, browser) -> None:  # type: ignore[no-untyped-def]
    assert big_page.stat().st_size < 10_000_000
    problems: list[str] = []
    page = opened(browser, big_page, problems)
    summary = page.eval_on_selector("#summary", "s => [s.dataset.met, s.dataset.breached, s.dataset.pending]")
    met, breached, pending = (int(n) for n in summary)
    assert met + breached + pending == BIG  # one response target per incident
    # The compliance table counts every target.
    rows = shown(page, "#compliance")[1:]
    assert sum(int(row[3]) for row in rows) == met
    assert sum(int(row[4]) for row in rows) == breached
    assert sum(int(row[5]) for row in rows) == pending
    # Drawn: the first DRAWN incidents with a target breached or pending; the other such targets are rows made
    # when the folded table is opened, and every one of them is there.
    drawn = page.eval_on_selector_all("tr.target", "rows => rows.filter(r => r.dataset.status !== 'met').length")
    assert page.eval_on_selector_all("svg.incident-timeline", "nodes => nodes.length") == DRAWN
    assert len(shown(page, "#more-table")) == 0
    page.click("#more summary")
    more = shown(page, "#more-table")[1:]
    assert len(more) == breached + pending - drawn
    assert all(row[6].startswith("late by") for row in more)
    # A view works on the rows made on demand too.
    page.select_option("#customer", "cust-0007")
    assert {row[1] for row in shown(page, "#more-table")[1:]} == {"cust-0007"}
    assert {row[2] for row in shown(page, "#compliance")[1:]} == {"cust-0007"}
    page.select_option("#customer", "")
    # Monthly bars per customer from 2024-01 to the as-of month 2027-01 (three years of reports, and the last
    # answers after them): 37 narrow bars a chart, labels thinned, none overlapping.
    assert assert_sane_charts(page) == 50 * 37
    assert_sane_timelines(page)
    assert problems == []
    page.close()
