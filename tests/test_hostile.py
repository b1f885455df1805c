"""Hostile input and metamorphic laws. The only acceptable outcomes are results or diagnostics (`SlaError`);
anything else is a bug. The laws say how credits must move when the input changes in a known direction."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import random
import re
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.lark import from_lark
from lark import Lark

import sladsl
from sladsl import Report, evaluate, read_timeline
from sladsl.diagnostics import SlaError, decode
from sladsl.language.formatter import format_source
from sladsl.language.parser import SlaIndenter, grammar_text
from sladsl.render.diagnostics import render_text
from sladsl.source import Source
from sladsl.time.instants import local
from sladsl.timeline.formats import kind_of
from tests.helpers import AGREEMENTS, ROOT, examples
from tests.test_check import agreement, figures

FUZZ = settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
TEXTS = {p.name: p.read_text(encoding="utf-8") for p in AGREEMENTS}


def survives(text: str) -> None:
    """Parse, check and (when it parses) format: results or SlaError, nothing else."""
    try:
        sladsl.load(text, "fuzz.sla")
    except SlaError as error:
        assert error.diagnostics, "an SlaError must carry its diagnostics"
        for d in error.diagnostics:
            assert d.code and d.message and d.span is not None
    with contextlib.suppress(SlaError):
        format_source(Source("fuzz.sla", text))


@st.composite
def mutants(draw: st.DrawFn) -> str:
    """A seed agreement with a few tokens deleted, doubled, swapped or replaced."""
    text = TEXTS[draw(st.sampled_from(sorted(TEXTS)))]
    tokens = re.findall(r"\s+|[^\s]+", text)
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(tokens) - 1))
        operation = draw(st.sampled_from(["delete", "double", "swap", "replace", "insert"]))
        if operation == "delete":
            del tokens[i]
        elif operation == "double":
            tokens.insert(i, tokens[i])
        elif operation == "swap" and i + 1 < len(tokens):
            tokens[i], tokens[i + 1] = tokens[i + 1], tokens[i]
        elif operation == "replace":
            tokens[i] = draw(
                st.sampled_from(
                    [
                        "(",
                        ")",
                        ":",
                        "%",
                        "§",
                        '"',
                        "\t",
                        "->",
                        "99",
                        "24:00",
                        "2025-02-30",
                        "CET",
                        "respond",
                        "calendar",
                        "\x00",
                        "é",
                        "#",
                    ]
                )
            )
        else:
            tokens.insert(i, draw(st.text(max_size=3)))
    return "".join(tokens)


@FUZZ
@given(mutants())
def test_mutated_agreements_give_results_or_diagnostics(text: str) -> None:
    survives(text)


def _grammar_strategy() -> st.SearchStrategy[str]:
    # A parser built here, not the cached one: Hypothesis reads the grammar object, which a cached Lark lacks.
    grammar = Lark(grammar_text(), parser="lalr", start="document", postlex=SlaIndenter())
    return from_lark(
        grammar,
        start="document",
        explicit={
            "_INDENT": st.sampled_from(["    ", "  "]),
            "_DEDENT": st.just(""),
        },
    )


@settings(max_examples=examples(100), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_grammar_generated_text_gives_results_or_diagnostics(data: st.DataObject) -> None:
    survives(data.draw(_grammar_strategy()))


@FUZZ
@given(st.binary(max_size=400))
def test_random_bytes_give_results_or_diagnostics(raw: bytes) -> None:
    source, problems = decode("fuzz.sla", raw, "E0113")
    if not problems:
        survives(source.text)


TIMESTAMPS = st.sampled_from(
    [
        "2025-04-16T16:00:00+02:00",
        "2025-03-30T02:30:00[Europe/Oslo]",
        "2025-10-26T02:30:00[Europe/Oslo]",
        "2025-10-26T02:30:00+01:00[Europe/Oslo]",
        "2025-04-16T16:00:00",
        "2025-02-30T10:00:00Z",
        "yesterday",
        "",
        "2025-04-17T09:00:00Z",
        "2025-12-31T23:59:59+14:00",
        "1970-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z",
    ]
)
VALUES = st.one_of(
    TIMESTAMPS,
    st.text(max_size=8),
    st.integers(),
    st.floats(),
    st.none(),
    st.booleans(),
    st.lists(st.text(max_size=5), max_size=3),
    st.sampled_from(["A", "B", "C", "INC-1", "acme"]),
)
KEYS = st.sampled_from(
    [
        "type",
        "incident",
        "customer",
        "severity",
        "plan",
        "at",
        "start",
        "end",
        "tags",
        "notice",
        "reported",
        "fee",
        "currency",
        "zone",
        "credit",
        "period",
        "id",
        "channel",
        "extra",
    ]
)
TYPES = st.sampled_from(
    [
        "customer",
        "reported",
        "response",
        "restore",
        "resolution",
        "update",
        "severity_changed",
        "paused",
        "resumed",
        "outage",
        "claim",
        "nonsense",
    ]
)


@st.composite
def records(draw: st.DrawFn) -> str:
    lines = []
    for _ in range(draw(st.integers(0, 12))):
        record = draw(st.dictionaries(KEYS, VALUES, max_size=7))
        if draw(st.booleans()):
            record["type"] = draw(TYPES)
        lines.append(json.dumps(record) if draw(st.integers(0, 9)) else draw(st.text(max_size=20)))
    return "\n".join(lines)


@FUZZ
@given(records(), st.sampled_from(["izy", "isl-online", "zegal", "cloudcti", "opti-q"]))
def test_random_timeline_records_give_results_or_diagnostics(text: str, vendor: str) -> None:
    model = agreement(vendor).agreement
    report = evaluate(model, read_timeline(text, "fuzz.jsonl"))
    assert report.records.balanced, report.records  # counted apart: fails if any record is dropped
    if kind_of("fuzz.jsonl", text) == "lines":  # one record a non-blank line
        lines = [line for line in text.encode("utf-8", "surrogatepass").split(b"\n") if line.strip(b" \t\r\n")]
        assert report.records.read == len(lines)


# ---- metamorphic laws ---------------------------------------------------------------------------------------


def run_text(vendor: str, text: str) -> Report:
    return evaluate(agreement(vendor).agreement, read_timeline(text, "t.jsonl"))


def owed(report: Report) -> dict[tuple[str, str], Decimal]:
    found: dict[tuple[str, str], Decimal] = {}
    for award in report.awards:
        if award.status == "owed":
            found[(award.customer, award.unit)] = found.get((award.customer, award.unit), Decimal(0)) + award.value
    return found


def outage(start: dt.datetime, minutes: int, tags: list[str]) -> str:
    end = start + dt.timedelta(minutes=minutes)
    return json.dumps({"type": "outage", "start": start.isoformat(), "end": end.isoformat(), "tags": tags})


IZY_BASE = (
    '{"type": "customer", "id": "acme", "fee": "1000.00", "currency": "EUR"}\n'
    '{"type": "claim", "customer": "acme", "period": "2025-03", "at": "2025-04-02T10:00:00+02:00"}\n'
)
MARCH = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))


@settings(max_examples=examples(150), deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 24 * 25), st.integers(1, 600)), max_size=5),
    st.integers(1, 900),
    st.integers(0, 24 * 25),
)
def test_more_downtime_never_lowers_credits(outages: list[tuple[int, int]], extra: int, at_hour: int) -> None:
    lines = [outage(MARCH + dt.timedelta(hours=h), m, []) for h, m in outages]
    before = run_text("izy", IZY_BASE + "\n".join(lines))
    lines.append(outage(MARCH + dt.timedelta(hours=at_hour), extra, []))
    after = run_text("izy", IZY_BASE + "\n".join(lines))
    for key, value in owed(before).items():
        assert owed(after).get(key, Decimal(0)) >= value


@settings(max_examples=examples(150), deadline=None)
@given(st.lists(st.tuples(st.integers(0, 24 * 25), st.integers(1, 600)), min_size=1, max_size=5), st.data())
def test_an_extra_exclusion_never_raises_credits(outages: list[tuple[int, int]], data: st.DataObject) -> None:
    lines = [outage(MARCH + dt.timedelta(hours=h), m, []) for h, m in outages]
    before = run_text("izy", IZY_BASE + "\n".join(lines))
    i = data.draw(st.integers(0, len(lines) - 1))
    h, m = outages[i]
    lines[i] = outage(MARCH + dt.timedelta(hours=h), m, ["force_majeure"])
    after = run_text("izy", IZY_BASE + "\n".join(lines))
    for key, value in owed(after).items():
        assert value <= owed(before).get(key, Decimal(0))


@settings(max_examples=examples(100), deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 300),
            st.sampled_from(["critical", "serious", "minor"]),
            st.integers(60, 60 * 200),
            st.sampled_from(["clinic", "studio"]),
        ),
        max_size=12,
    ),
    st.integers(0, 6000),
)
def test_caps_always_hold(incidents: list[tuple[int, str, int, str]], downtime: int) -> None:
    lines = [
        '{"type": "customer", "id": "clinic", "plan": "standard"}',
        '{"type": "customer", "id": "studio", "plan": "premium"}',
    ]
    start = dt.datetime(2025, 1, 6, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    for n, (day, severity, late, customer) in enumerate(incidents):
        at = start + dt.timedelta(days=day)
        lines.append(
            json.dumps(
                {
                    "type": "reported",
                    "incident": f"I{n}",
                    "customer": customer,
                    "severity": severity,
                    "at": at.isoformat(),
                }
            )
        )
        lines.append(
            json.dumps(
                {"type": "response", "incident": f"I{n}", "at": (at + dt.timedelta(minutes=late)).isoformat()}
            )
        )
        lines.append(
            json.dumps(
                {
                    "type": "claim",
                    "customer": customer,
                    "incident": f"I{n}",
                    "at": (at + dt.timedelta(minutes=late, hours=1)).isoformat(),
                }
            )
        )
    lines.append(outage(start, downtime, []))
    lines.append('{"type": "claim", "customer": "clinic", "period": "2025", "at": "2026-01-05T10:00:00+01:00"}')
    lines.append('{"type": "claim", "customer": "studio", "period": "2025", "at": "2026-01-05T10:00:00+01:00"}')
    report = run_text("isl-online", "\n".join(lines))
    per_year: dict[tuple[str, int], Decimal] = {}
    for award in report.awards:
        if award.status == "owed":
            year = local(award.at, "Europe/Ljubljana").year  # the cap's calendar year is ISL's local one
            per_year[(award.customer, year)] = per_year.get((award.customer, year), Decimal(0)) + award.value
    assert all(value <= 30 for value in per_year.values()), per_year


VENDOR_TEXTS = {
    v: (ROOT / "agreements" / f"{v}.timeline.jsonl").read_text(encoding="utf-8")
    for v in ["izy", "isl-online", "zegal", "cloudcti", "opti-q"]
}


@settings(max_examples=examples(60), deadline=None)
@given(st.sampled_from(sorted(VENDOR_TEXTS)), st.randoms(use_true_random=False))
def test_shuffling_records_changes_nothing(vendor: str, rng: random.Random) -> None:
    lines = VENDOR_TEXTS[vendor].splitlines()
    shuffled = lines[:]
    rng.shuffle(shuffled)
    assert figures(run_text(vendor, "\n".join(shuffled))) == figures(run_text(vendor, "\n".join(lines)))


STAMP = re.compile(r'"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:[+-]\d{2}:\d{2}|Z))"')


@settings(max_examples=examples(60), deadline=None)
@given(st.sampled_from(sorted(VENDOR_TEXTS)), st.integers(-12 * 4, 14 * 4))
def test_other_offsets_for_the_same_instants_change_nothing(vendor: str, quarter_hours: int) -> None:
    offset = dt.timezone(dt.timedelta(minutes=15 * quarter_hours))

    def moved(match: re.Match[str]) -> str:
        instant = dt.datetime.fromisoformat(match.group(1).replace("Z", "+00:00"))
        return f'"{instant.astimezone(offset).isoformat()}"'

    text = VENDOR_TEXTS[vendor]
    assert figures(run_text(vendor, STAMP.sub(moved, text))) == figures(run_text(vendor, text))


def test_customers_one_by_one_equal_all_together() -> None:
    text = VENDOR_TEXTS["isl-online"]
    records_ = [json.loads(line) for line in text.splitlines()]
    together = run_text("isl-online", text)
    parts = []
    for customer in ("agency", "clinic", "studio"):
        mine = {r["incident"] for r in records_ if r.get("type") == "reported" and r.get("customer") == customer}
        kept = [
            r
            for r in records_
            if r.get("customer") == customer
            or r.get("incident") in mine
            or (r.get("type") == "customer" and r.get("id") == customer)
            or (r.get("type") == "outage" and "customer" not in r)
        ]
        parts.append(run_text("isl-online", "\n".join(json.dumps(r) for r in kept)))
    merged_awards = sorted(a for part in parts for a in figures(part)[3])
    assert merged_awards == sorted(figures(together)[3])
    merged_targets = sorted(t for part in parts for t in figures(part)[0])
    assert merged_targets == sorted(figures(together)[0])


def test_a_ten_megabyte_line_is_rejected_and_shown_in_a_window() -> None:
    huge = '{"type": "reported", "incident": "X", "severity": "A", "at": "2025-04-16T16:00:00+02:00", "note": "'
    text = huge + "x" * 10_000_000 + '\n{"type": "response", "incident": "X", "at": "2025-04-16T16:30:00+02:00"}\n'
    report = evaluate(agreement("izy").agreement, read_timeline(text, "huge.jsonl"))
    # The string is never closed on its line, so the report is rejected, and with it the response to it.
    assert [d.code for d in report.rejected] == ["E0301", "E0310"]
    rendered = render_text(list(report.rejected), {"huge.jsonl": Source("huge.jsonl", text)})
    assert max(len(line) for line in rendered.splitlines()) < 300
