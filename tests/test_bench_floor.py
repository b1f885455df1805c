"""`bench/floor.py` bounds what a check could reach: its passes must do what they say, or the bound is wrong."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from bench.floor import floor, floor_with_dicts, last_records
from bench.generate import write


@pytest.fixture(scope="module")
def timeline(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    """A generated Izy timeline of 3,000 incidents, and its records as plain dicts."""
    path = write(tmp_path_factory.mktemp("floor") / "timeline.jsonl", 3000)
    return path, [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_the_floor_writes_a_line_for_each_answered_incident_whichever_way_it_decodes(
    timeline: tuple[Path, list[dict[str, Any]]],
) -> None:
    path, records = timeline
    reported = {r["incident"] for r in records if r["type"] == "reported"}
    answered = {r["incident"] for r in records if r["type"] == "response"} & reported
    assert 0 < len(answered) < len(reported)  # some incidents are never answered: the floor writes none for them
    structs, dicts = io.BytesIO(), io.BytesIO()
    assert floor(path, structs)[1] == floor_with_dicts(path, dicts)[1] == len(answered)
    assert structs.getvalue() == dicts.getvalue()
    lines = [json.loads(line) for line in structs.getvalue().splitlines()]
    assert sorted(line["incident"] for line in lines) == sorted(answered)


def test_the_backward_pass_marks_one_record_of_each_incident(timeline: tuple[Path, list[dict[str, Any]]]) -> None:
    path, records = timeline
    assert last_records(path)[1] == len({r["incident"] for r in records if "incident" in r})
