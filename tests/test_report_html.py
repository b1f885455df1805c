"""The HTML report in a real browser: Debian's Chromium, headless, driven by Playwright (no browser download).

For each seed vendor the page must load without console errors, draw one timeline per incident, and show the
same figures as the JSON report. Screenshots go to tests/output/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from sladsl.render.html import render_html
from sladsl.render.json import render_json
from tests.helpers import ROOT
from tests.test_check import VENDORS, run

CHROMIUM = shutil.which("chromium")
OUTPUT = ROOT / "tests" / "output"

if CHROMIUM is None and os.environ.get("CI"):
    raise RuntimeError("CI needs Debian's chromium for the browser tests; .ci/run installs it")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")

FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - only when chromium is there

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


@pytest.mark.parametrize("vendor", VENDORS)
def test_report_page_in_chromium(vendor: str, browser) -> None:  # type: ignore[no-untyped-def]
    report = run(vendor)
    figures = render_json(report, f"agreements/{vendor}.sla", f"agreements/{vendor}.timeline.jsonl")
    OUTPUT.mkdir(exist_ok=True)
    page_file = OUTPUT / f"{vendor}.report.html"
    page_file.write_text(
        render_html(report, f"agreements/{vendor}.sla", f"agreements/{vendor}.timeline.jsonl"), encoding="utf-8"
    )
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "request",
        lambda request: (
            problems.append(f"fetched {request.url}") if not request.url.startswith("file://") else None
        ),
    )
    page.goto(page_file.as_uri())
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
        "li.total", "items => items.map(i => [i.dataset.customer, i.dataset.unit, i.dataset.value])"
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
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page and "http" not in page.split("<body>")[1]
