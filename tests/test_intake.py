"""The lean intake of a JSON Lines record (a typed struct decoded in C, its span made only when asked for) reads
exactly what the dict of the same line reads: the same record, or the same rejection with the same caret.

Every line of the bad-record fixtures, and of `tests/data/intake/typed-and-untyped.jsonl` (a JSON `true` in a
string field, blank strings, wrong types, a `[Zone]` suffix, a `:60` second, unknown and repeated fields, JSON
that is not valid), is read both ways against every seed agreement and the all-features one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import sladsl
from sladsl import model
from sladsl.diagnostics import Diagnostic
from sladsl.evaluation.engine import evaluate
from sladsl.render.json import render_json
from sladsl.source import Span
from sladsl.timeline.formats import Entry, Reject, Typed, json_lines, parse_line, read_line
from sladsl.timeline.records import RecordReader, key_of, rejection
from tests.helpers import ROOT, VENDORS

INTAKE = ROOT / "tests" / "data" / "intake" / "typed-and-untyped.jsonl"
FIXTURES = [INTAKE, *sorted((ROOT / "tests" / "data" / "bad").glob("*.jsonl"))]
AGREEMENTS = [*(ROOT / "agreements" / f"{v}.sla" for v in VENDORS), ROOT / "tests/data/engine/all-features.sla"]


def agreement(path: Path) -> model.Agreement:
    return sladsl.load(path.read_text(encoding="utf-8"), str(path)).agreement


def both_ways(path: Path) -> list[tuple[Entry, Entry]]:
    """Each line of a fixture as an entry made the old way (a dict, a span made at once) and the lean way."""
    name = path.name
    pairs = []
    for seq, (number, offset, column, body) in enumerate(json_lines([path.read_bytes()])):
        where = Span(name, offset, offset + len(body), number, column, number, column + len(body))
        old = Entry(seq, where, parse_line(body), body)
        lean = Entry(seq, None, read_line(body), body, (name, (number, offset, column, body)))
        pairs.append((old, lean))
    return pairs


def outcome(reader: RecordReader, entry: Entry) -> tuple[str, Any]:
    """What the reader makes of an entry: the record and its place, or the diagnostic of its rejection."""
    try:
        record = reader.read(entry)
    except Reject as error:
        found: Diagnostic = rejection(entry.where, entry.text, error)
        return "rejected", (found, error.code, error.message, error.help, error.key, error.at, error.end)
    return "read", (record, record.where, record.seq)


def test_the_fixture_takes_both_paths() -> None:
    """The hostile lines must reach the typed decode and its fallback both, or the comparison proves nothing."""
    kinds = [type(lean.raw) for _, lean in both_ways(INTAKE)]
    # Counted by hand: typed are lines 1-10, 19-26 (blank strings), 36-53 (zones in brackets, `:60` seconds, bad
    # dates, a severity and a plan not in the agreement), 56 and 58 (a field given twice), 63 and 71.
    assert [n for n, k in enumerate(kinds, 1) if issubclass(k, Typed)] == [
        *range(1, 11),
        *range(19, 27),
        *range(36, 54),
        56,
        58,
        63,
        71,
    ]
    assert [n for n, k in enumerate(kinds, 1) if k is Reject] == [62, 64, 65, 69, 70, 75]
    assert sum(k is dict for k in kinds) == 26


def test_a_true_in_a_string_field_is_not_typed() -> None:
    """msgspec refuses a JSON `true` where a string belongs; the dict reader then rejects it with its own words."""
    body = b'{"type": "reported", "incident": true, "severity": "A", "at": "2025-04-16T16:00:00+02:00"}'
    assert isinstance(read_line(body), dict)
    reader = RecordReader(agreement(ROOT / "agreements" / "izy.sla"))
    entry = Entry(0, Span("t.jsonl", 0, len(body), 1, 1, 1, len(body) + 1), read_line(body), body)
    with pytest.raises(Reject) as error:
        reader.read(entry)
    assert (error.value.code, error.value.message, error.value.key) == (
        "E0303",
        "`incident` must be a string",
        "incident",
    )


def test_a_blank_string_is_typed_and_still_rejected() -> None:
    body = b'{"type": "response", "incident": " ", "at": "2025-04-16T16:00:00+02:00"}'
    raw = read_line(body)
    assert isinstance(raw, Typed)
    entry = Entry(0, Span("t.jsonl", 0, len(body), 1, 1, 1, len(body) + 1), raw, body)
    with pytest.raises(Reject) as error:
        RecordReader(agreement(ROOT / "agreements" / "izy.sla")).read(entry)
    assert (error.value.code, error.value.message, error.value.key) == ("E0303", "`incident` is empty", "incident")


@pytest.mark.parametrize("path", AGREEMENTS, ids=lambda p: p.stem)
@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.stem)
def test_lean_intake_reads_as_the_dict_does(path: Path, fixture: Path) -> None:
    checked = agreement(path)
    for declared in ((), ("cust-1", "acme")):
        reader = RecordReader(checked, declared)
        for old, lean in both_ways(fixture):
            assert key_of(lean.raw) == key_of(old.raw), old.text
            assert outcome(reader, lean) == outcome(reader, old), old.text


@pytest.mark.parametrize("path", AGREEMENTS, ids=lambda p: p.stem)
def test_a_whole_check_is_the_same_either_way(path: Path) -> None:
    """Every fixture's lines and the agreement's own timeline through the one engine, rendered as JSON."""
    checked = agreement(path)
    timeline = ROOT / "agreements" / f"{path.stem}.timeline.jsonl"
    for fixture in [*FIXTURES, *([timeline] if timeline.exists() else [])]:
        pairs = both_ways(fixture)
        old, lean = (
            render_json(evaluate(checked, [pair[way] for pair in pairs]), "a.sla", fixture.name) for way in (0, 1)
        )
        assert old == lean
        assert old["records"]["read"] == len(pairs) > 0, fixture
