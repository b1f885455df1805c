"""The pictures in `explain --html`: a week of open hours per calendar, a step chart per credit ladder, and every
`line N` a link into the highlighted source.

The first tests check the figures the pictures are drawn from, against values worked out by hand from the
agreements' text and against the engine's own clock. The browser tests open each page in Debian's Chromium,
headless, driven by Playwright (no browser download), and read what was drawn back from the page: the open
stretches of each day, the closed dates, the ladder's steps, gaps and overlaps. Screenshots go to tests/output/
(git-ignored) for a person to look at.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

import sladsl
from sladsl.language.checker import Overlap, Stretch, ladder_coverage
from sladsl.model import CalendarSpec, Checked, Interval
from sladsl.render.explain import closures, explain, render_html
from sladsl.render.pictures import grid_step
from sladsl.time.calendar import Clock, week_openings
from sladsl.time.instants import local, wall_to_instant
from tests.browser import OUTPUT, in_chromium
from tests.helpers import ROOT, VENDORS

NIGHT = ROOT / "tests" / "data" / "explain" / "night-shift.sla"
# The seed agreements, whose weeks, holidays and ladders are written out by hand below, and the night shifts.
PAGES = {name: ROOT / "agreements" / f"{name}.sla" for name in sorted(VENDORS)} | {"night-shift": NIGHT}
YEAR = 2025
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def weekdays(start: str, end: str) -> dict[str, list[tuple[str, str]]]:
    """Monday to Friday `start`-`end`, closed at the weekend."""
    return {day: [(start, end)] if day not in ("saturday", "sunday") else [] for day in DAYS}


ALWAYS = {day: [("00:00", "24:00")] for day in DAYS}

# Each calendar's week as its agreement's text states it: (zone, day -> open stretches).
WEEKS: dict[str, dict[str, tuple[str, dict[str, list[tuple[str, str]]]]]] = {
    "cloudcti": {"support_hours": ("Europe/Amsterdam", weekdays("08:30", "17:00"))},
    "isl-online": {
        "working_hours": ("Europe/Ljubljana", weekdays("08:00", "22:00")),
        "support_24_7": ("Europe/Ljubljana", ALWAYS),
    },
    "izy": {"core_hours": ("Europe/Oslo", weekdays("08:00", "17:00"))},
    "opti-q": {
        "support_hours": ("Europe/Ljubljana", weekdays("09:00", "17:00")),
        "phone_line": ("Europe/Ljubljana", ALWAYS),
    },
    "zegal": {"support_hours": ("Asia/Hong_Kong", weekdays("09:00", "18:00"))},
    # Friday 22:00-06:00 runs into Saturday; Sunday 20:00-02:30 into Monday, the start of the week drawn.
    "night-shift": {
        "night_desk": (
            "America/New_York",
            {
                "monday": [("00:00", "02:30"), ("08:00", "17:45")],
                "tuesday": [("08:00", "17:45")],
                "wednesday": [("08:00", "17:45")],
                "thursday": [("08:00", "17:45")],
                "friday": [("22:00", "24:00")],
                "saturday": [("00:00", "06:00")],
                "sunday": [("20:00", "24:00")],
            },
        )
    },
}

# The width of a column of the grid, in minutes: an hour unless a boundary falls inside one.
STEPS = {"cloudcti": {"support_hours": 30}, "night-shift": {"night_desk": 15}}

# The dates each calendar closes on in 2025. Norway's follow Easter Sunday, 20 April 2025: Maundy Thursday
# -3 days, Good Friday -2, Easter Monday +1, Ascension +39 (29 May), Pentecost +49 (8 June) and the Monday after.
NORWAY_2025 = [
    ("2025-01-01", "New Year's Day"),
    ("2025-04-17", "Maundy Thursday"),
    ("2025-04-18", "Good Friday"),
    ("2025-04-20", "Easter Sunday"),
    ("2025-04-21", "Easter Monday"),
    ("2025-05-01", "Labor Day"),
    ("2025-05-17", "Constitution Day"),
    ("2025-05-29", "Ascension Day"),
    ("2025-06-08", "Pentecost"),
    ("2025-06-09", "Pentecost Monday"),
    ("2025-12-25", "Christmas Day"),
    ("2025-12-26", "Second Day of Christmas"),
]
# ISL closes on the three dates its text names, and on none of Slovenia's other holidays.
ISL_2025 = [("2025-01-01", "closed every year"), ("2025-05-01", "closed every year")]
ISL_2025.append(("2025-12-25", "closed every year"))
# For the others, a few dates known from the calendar: the Dutch King's Day moves to Saturday 26 April when 27
# April is a Sunday, as in 2025; Hong Kong's National Day is 1 October.
CLOSED_INCLUDES = {
    "cloudcti": {"support_hours": [("2025-04-26", "King's Day"), ("2025-05-05", "Liberation Day")]},
    "zegal": {"support_hours": [("2025-10-01", "National Day"), ("2025-12-25", "Christmas Day")]},
}
CLOSED_EXACTLY = {"izy": {"core_hours": NORWAY_2025}, "isl-online": {"working_hours": ISL_2025}}
CLOSED_NONE = {"opti-q": ["support_hours", "phone_line"], "isl-online": ["support_24_7"]}

# Each ladder's bands as the text writes them: (from, to, from included, to included, amount); an open end runs
# to 0% or 100%. Then its gaps (from, to, from included, to included) and its overlaps (from, to).
LADDERS = {
    "izy": {
        "refund": (
            [
                ("99", "100", False, True, "0"),  # above 99%
                ("98", "98.9", True, True, "10"),
                ("97", "98", True, True, "15"),
                ("95", "97", True, True, "20"),
                ("0", "95", True, False, "50"),  # below 95%
            ],
            [("98.9", "99", False, True)],  # above 98.9% and at most 99%: written "98,9-98%" and "above 99%"
            [("97", "97"), ("98", "98")],  # the touching bounds
        )
    },
    "night-shift": {
        "service_credit": (
            [
                ("99.5", "100", True, True, "0"),
                ("98", "99.5", True, True, "10"),
                ("96", "97.5", True, True, "20"),
                ("0", "97", True, False, "25"),
            ],
            [("97.5", "98", False, False)],
            [("96", "97"), ("99.5", "99.5")],
        )
    },
}


def checked(path: Path) -> Checked:
    return sladsl.load(path.read_text(encoding="utf-8"), path.name)


def hhmm(minutes: int) -> str:
    return "24:00" if minutes == 1440 else f"{minutes // 60:02d}:{minutes % 60:02d}"


def as_text(week: tuple[tuple[Interval, ...], ...]) -> dict[str, list[tuple[str, str]]]:
    return {day: [(hhmm(i.start), hhmm(i.end)) for i in week[n]] for n, day in enumerate(DAYS)}


# ---- the figures, without a browser -------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(WEEKS))
def test_each_calendars_week_is_what_its_text_says(name: str) -> None:
    calendars = checked(PAGES[name]).agreement.calendars
    assert set(calendars) == set(WEEKS[name])
    for calendar, (zone, expected) in WEEKS[name].items():
        spec = calendars[calendar]
        assert spec.zone == zone
        assert as_text(week_openings(spec)) == expected
        assert grid_step(week_openings(spec)) == STEPS.get(name, {}).get(calendar, 60)


def test_an_overnight_opening_belongs_to_the_day_it_starts_on_and_sundays_runs_into_monday() -> None:
    # Friday 22:00-06:00 is 1320..1800 minutes of Friday: 1320..1440 on Friday, 0..360 on Saturday. Sunday
    # 20:00-02:30 is 1200..1590 of Sunday: 1200..1440 on Sunday and 0..150 on Monday, before Monday's 08:00.
    spec = checked(NIGHT).agreement.calendars["night_desk"]
    week = week_openings(spec)
    assert [(i.start, i.end) for i in week[4]] == [(1320, 1440)]
    assert [(i.start, i.end) for i in week[5]] == [(0, 360)]
    assert [(i.start, i.end) for i in week[6]] == [(1200, 1440)]
    assert [(i.start, i.end) for i in week[0]] == [(0, 150), (480, 1065)]
    # 17:45 is 1065 minutes and 02:30 is 150: the largest column that fits both, and an hour, is 15 minutes.
    assert grid_step(week) == 15


def test_the_grid_is_as_fine_as_its_boundaries_need() -> None:
    # gcd(60, 490, 1015) = 5 for 08:10-16:55; a calendar open around the clock keeps columns of an hour.
    assert grid_step(((Interval(490, 1015),),) + ((),) * 6) == 5
    assert grid_step(((Interval(0, 1440),),) * 7) == 60
    assert grid_step(((),) * 7) == 60


def open_by_the_engine(spec: CalendarSpec, monday: dt.date, step: int) -> dict[str, list[tuple[str, str]]]:
    """The engine's answer, slot by slot: `Clock.is_open` at the start of every `step` minutes of the local week
    from `monday`, joined into stretches. A wall time the clocks skip (a spring change) is left out."""
    clock = Clock(spec)
    found: dict[str, list[tuple[str, str]]] = {day: [] for day in DAYS}
    for n, day in enumerate(DAYS):
        midnight = dt.datetime.combine(monday + dt.timedelta(days=n), dt.time())
        for minute in range(0, 1440, step):
            wall = midnight + dt.timedelta(minutes=minute)
            instant = wall_to_instant(wall, spec.zone)
            if local(instant, spec.zone).replace(tzinfo=None) != wall or not clock.is_open(instant):
                continue
            stretches = found[day]
            if stretches and stretches[-1][1] == hhmm(minute):
                stretches[-1] = (stretches[-1][0], hhmm(minute + step))
            else:
                stretches.append((hhmm(minute), hhmm(minute + step)))
    return found


def skipped(
    expected: dict[str, list[tuple[str, str]]], zone: str, monday: dt.date
) -> dict[str, list[tuple[str, str]]]:
    """The week drawn, less the hour a spring change of the clocks skips (02:00-03:00 on its Sunday)."""
    out = {day: list(stretches) for day, stretches in expected.items()}
    for n, day in enumerate(DAYS):
        wall = dt.datetime.combine(monday + dt.timedelta(days=n), dt.time(2, 30))
        if local(wall_to_instant(wall, zone), zone).replace(tzinfo=None) != wall:
            cut = []
            for start, end in out[day]:
                cut += [(s, e) for s, e in ((start, min(end, "02:00")), (max(start, "03:00"), end)) if s < e]
            out[day] = cut
    return out


# An ordinary summer week, and the weeks that end on the spring change in Europe (30 March) and in New York
# (9 March). None of them has a closed date in any calendar here (asserted below).
MONDAYS = [dt.date(2025, 6, 16), dt.date(2025, 3, 24), dt.date(2025, 3, 3)]


@pytest.mark.parametrize("name", list(WEEKS))
@pytest.mark.parametrize("monday", MONDAYS, ids=str)
def test_the_week_drawn_is_the_week_the_engine_counts(name: str, monday: dt.date) -> None:
    """One semantics: in a week with no closed date, the calendar's clock is open exactly where the grid is,
    including across a change of the clocks (where the skipped hour is no wall time at all)."""
    for spec in checked(PAGES[name]).agreement.calendars.values():
        week_days = {monday + dt.timedelta(days=n) for n in range(-1, 7)}  # Sunday before: its night runs in
        assert not {c.day for c in closures(spec, YEAR) or []} & week_days
        step = grid_step(week_openings(spec))
        expected = skipped(as_text(week_openings(spec)), spec.zone, monday)
        assert open_by_the_engine(spec, monday, step) == expected


def test_izys_ladder_coverage_is_the_one_lint_reports() -> None:
    # 98.9% and 99% bound a stretch no band covers: "98,9-98%" includes 98.9, "above 99%" leaves 99 out. Bands
    # 1-2 (10% and 15%) touch at 98%, bands 2-3 (15% and 20%) at 97%; the larger amount applies at each.
    ladder = checked(PAGES["izy"]).agreement.ladders[0]
    coverage = ladder_coverage(ladder.bands)
    assert coverage.gaps == (Stretch(Decimal("98.9"), Decimal("99"), False, True),)
    assert coverage.overlaps == (
        Overlap(2, 3, (Stretch(Decimal(97), Decimal(97), True, True),), 3),
        Overlap(1, 2, (Stretch(Decimal(98), Decimal(98), True, True),), 2),
    )
    assert coverage.reachable == (True,) * 5
    lint = [(d.code, d.message) for d in checked(PAGES["izy"]).warnings if d.code in ("W0201", "W0202", "W0203")]
    assert lint == [
        ("W0201", "no band of `refund` covers above 98.9% and at most 99%"),
        ("W0202", "bands overlap at exactly 98%"),
        ("W0202", "bands overlap at exactly 97%"),
    ]


def test_a_gap_between_open_ends_and_an_overlap_over_a_range() -> None:
    # "below 97%" and "from 96% to 97.5%" share 96%..97% (the 25% band applies); nothing covers 97.5%..98%, both
    # ends excluded; "at least 99.5%" and "from 98% to 99.5%" share exactly 99.5% (10% applies).
    coverage = ladder_coverage(checked(NIGHT).agreement.ladders[0].bands)
    assert coverage.gaps == (Stretch(Decimal("97.5"), Decimal(98), False, False),)
    assert [(o.first, o.second, [(w.low, w.high) for w in o.where], o.applies) for o in coverage.overlaps] == [
        (2, 3, [(Decimal(96), Decimal(97))], 3),
        (0, 1, [(Decimal("99.5"), Decimal("99.5"))], 1),
    ]


def test_the_explain_command_writes_the_pictures(tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "izy.html"
    result = subprocess.run(
        [sys.executable, "-m", "sladsl", "explain", "agreements/izy.sla", "--year", "2025", "--html", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    page = out.read_text(encoding="utf-8")
    assert page.count('<figure class="week"') == 1 and page.count('<figure class="ladder"') == 1
    assert '<li data-date="2025-05-17" data-name="Constitution Day">' in page
    assert '<a href="#line-75">line 75</a>' in page and '<span id="line-75">' in page  # the ladder's clause
    assert "<figure" not in result.stdout  # the Markdown on stdout has no pictures


# ---- the pages, in a browser ----------------------------------------------------------------------------------


def write_page(name: str) -> Path:
    path = PAGES[name]
    text = path.read_text(encoding="utf-8")
    result = checked(path)
    blocks = explain(sladsl.parse(text, path.name), result, YEAR)
    OUTPUT.mkdir(exist_ok=True)
    page_file = OUTPUT / f"{name}.explain.html"
    page_file.write_text(render_html(blocks, result.agreement.title, text), encoding="utf-8")
    return page_file


def open_page(browser, name: str, width: int = 1100):  # type: ignore[no-untyped-def]
    """The page, loaded, and everything it asked for or complained of."""
    page_file = write_page(name)
    page = browser.new_page(viewport={"width": width, "height": 900})
    requests: list[str] = []
    problems: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(page_file.as_uri())
    assert requests == [page_file.as_uri()]  # the page itself, and nothing else: no font, image or script
    assert problems == []
    return page


READ_WEEKS = """figures => figures.map(f => [f.dataset.calendar, f.dataset.zone,
    f.querySelector('svg').dataset.step,
    [...f.querySelectorAll('rect.open')].map(r => [r.dataset.day, r.dataset.start, r.dataset.end,
        +r.getAttribute('x'), +r.getAttribute('width')]),
    [...f.querySelectorAll('line.six')].map(l => +l.getAttribute('x1'))])"""


@in_chromium
@pytest.mark.parametrize("name", list(PAGES))
def test_the_week_read_back_from_the_page(name: str, browser) -> None:  # type: ignore[no-untyped-def]
    page = open_page(browser, name)
    drawn = page.eval_on_selector_all("figure.week", READ_WEEKS)
    assert [calendar for calendar, *_ in drawn] == list(WEEKS[name])  # one grid per calendar, in file order
    for calendar, zone, step, cells, six_hours in drawn:
        expected_zone, expected = WEEKS[name][calendar]
        assert zone == expected_zone
        assert step == str(STEPS.get(name, {}).get(calendar, 60))
        read = {day: [(start, end) for d, start, end, _, _ in cells if d == day] for day in DAYS}
        assert read == expected
        # The drawing agrees with its data: midnight to midnight spans the lines at 00 and 24 hours.
        assert len(six_hours) == 5
        left, right = six_hours[0], six_hours[-1]
        for _, start, end, x, width in cells:
            minutes = [int(t[:2]) * 60 + int(t[3:]) for t in (start, end)]
            assert (x - left) / (right - left) * 1440 == pytest.approx(minutes[0])
            assert (x + width - left) / (right - left) * 1440 == pytest.approx(minutes[1])
    page.close()


@in_chromium
@pytest.mark.parametrize("name", list(PAGES))
def test_the_closed_dates_read_back_from_the_page(name: str, browser) -> None:  # type: ignore[no-untyped-def]
    page = open_page(browser, name)
    lists = page.eval_on_selector_all(
        "ul.closed",
        "lists => lists.map(l => [l.dataset.calendar, [...l.querySelectorAll('li[data-date]')]"
        ".map(i => [i.dataset.date, i.dataset.name])])",
    )
    found = {calendar: [tuple(item) for item in items] for calendar, items in lists}
    for calendar, exactly in CLOSED_EXACTLY.get(name, {}).items():
        assert found[calendar] == exactly
    for calendar, some in CLOSED_INCLUDES.get(name, {}).items():
        assert set(some) <= set(found[calendar])
    for calendar in CLOSED_NONE.get(name, []) + (["night_desk"] if name == "night-shift" else []):
        assert calendar not in found
    # Each list follows its calendar's grid.
    order = page.eval_on_selector_all(
        "figure.week, ul.closed", "nodes => nodes.map(n => [n.tagName, n.dataset.calendar])"
    )
    for calendar in found:
        assert order[order.index(["UL", calendar]) - 1] == ["FIGURE", calendar]
    page.close()


READ_LADDERS = """figures => figures.map(f => [f.dataset.ladder,
    [...f.querySelectorAll('g.step')].map(g => [g.dataset.from, g.dataset.to, g.dataset.fromClosed === 'true',
        g.dataset.toClosed === 'true', g.dataset.amount]),
    [...f.querySelectorAll('g.gap')].map(g => [g.dataset.from, g.dataset.to, g.dataset.fromClosed === 'true',
        g.dataset.toClosed === 'true']),
    [...f.querySelectorAll('g.overlap')].map(g => [g.dataset.from, g.dataset.to])])"""


@in_chromium
@pytest.mark.parametrize("name", list(PAGES))
def test_the_ladder_read_back_from_the_page(name: str, browser) -> None:  # type: ignore[no-untyped-def]
    page = open_page(browser, name)
    drawn = page.eval_on_selector_all("figure.ladder", READ_LADDERS)
    expected = LADDERS.get(name, {})
    assert [ladder for ladder, *_ in drawn] == list(expected)
    for ladder, steps, gaps, overlaps in drawn:
        bands, expected_gaps, expected_overlaps = expected[ladder]
        assert [tuple(s) for s in steps] == bands
        assert [tuple(g) for g in gaps] == expected_gaps
        assert sorted(tuple(o) for o in overlaps) == sorted(expected_overlaps)
    if drawn:
        # Each step is drawn where its data says: its ends at the ticks of its bounds, at the height of its amount.
        geometry = page.eval_on_selector_all(
            "figure.ladder",
            """figures => figures.map(f => {
                const ticks = Object.fromEntries([...f.querySelectorAll('text.tick')].map(
                    t => [t.textContent, +t.getAttribute('x')]));
                const levels = Object.fromEntries([...f.querySelectorAll('text.level')].map(
                    t => [t.textContent, +t.getAttribute('y') - 4]));
                return [...f.querySelectorAll('g.step')].map(g => {
                    const line = g.querySelector('line');
                    return [ticks[g.dataset.from + '%'], ticks[g.dataset.to + '%'], levels[g.dataset.amount],
                            +line.getAttribute('x1'), +line.getAttribute('x2'), +line.getAttribute('y1')];
                });
            })""",
        )
        for steps in geometry:
            for tick_from, tick_to, level, x1, x2, y in steps:
                assert (x1, x2, y) == pytest.approx((tick_from, tick_to, level))
        marks = page.eval_on_selector_all("figure.ladder figcaption li", "items => items.map(i => i.textContent)")
        assert len(marks) == sum(len(gaps) + len(overlaps) for _, gaps, overlaps in expected.values())
    page.close()


@in_chromium
@pytest.mark.parametrize("name", list(PAGES))
def test_every_line_reference_links_to_the_source(name: str, browser) -> None:  # type: ignore[no-untyped-def]
    page = open_page(browser, name)
    links = page.eval_on_selector_all(
        "a[href^='#']",
        "links => links.map(a => a.getAttribute('href'))"
        ".map(href => [href, !!document.getElementById(href.slice(1))])",
    )
    assert links and all(found for _, found in links)  # every anchor exists
    unlinked = page.evaluate(
        """() => [...document.querySelectorAll('p, li, td, figcaption')].flatMap(node => {
            const copy = node.cloneNode(true);
            copy.querySelectorAll('a').forEach(a => a.remove());
            return copy.textContent.match(/\\bline \\d+[;)]/g) || [];
        })"""
    )
    assert unlinked == []
    # The header's reference, followed, lands on its line of the highlighted source.
    lines = PAGES[name].read_text(encoding="utf-8").splitlines()
    header_line = next(n for n, line in enumerate(lines, 1) if line.startswith("agreement "))
    page.click(f"p >> a[href='#line-{header_line}']")
    target = page.evaluate(
        "() => [document.querySelector(':target').id, document.querySelector(':target').textContent]"
    )
    assert target[0] == f"line-{header_line}"
    assert target[1].lstrip().startswith(f"{header_line}agreement ")
    page.close()


@in_chromium
@pytest.mark.parametrize("name", list(PAGES))
@pytest.mark.parametrize("width", [1100, 700, 420])
def test_nothing_overflows_the_page(name: str, width: int, browser) -> None:  # type: ignore[no-untyped-def]
    """The formula's long line, the source listing and the notes wrap; tables and pictures fit the width."""
    page = open_page(browser, name, width)
    sizes = page.evaluate(
        """() => [document.documentElement, document.body,
                  ...document.querySelectorAll('pre, blockquote, table, figure, p, li')]
            .map(n => [n.tagName, n.scrollWidth, n.clientWidth])
            .filter(([tag, scroll, client]) => scroll > client)"""
    )
    assert sizes == []
    page_width = page.evaluate("() => document.body.getBoundingClientRect().right")
    svg_right = page.evaluate(
        "() => Math.max(0, ...[...document.querySelectorAll('svg')].map(s => s.getBoundingClientRect().right))"
    )
    assert svg_right <= page_width
    if width == 1100:
        page.screenshot(path=str(OUTPUT / f"{name}.explain.png"), full_page=True)
        for kind in ("week", "ladder"):
            figure = page.query_selector(f"figure.{kind}")
            if figure is not None:
                figure.screenshot(path=str(OUTPUT / f"{name}.explain.{kind}.png"))
    page.close()
