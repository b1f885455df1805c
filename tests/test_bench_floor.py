"""`bench/floor.py` bounds what a check could reach: its passes must do what they say, or the bound is wrong."""

from __future__ import annotations

import io
import json
from pathlib import Path

from bench.floor import floor, floor_with_dicts, last_records
from bench.generate import write


def test_the_floor_writes_a_line_for_each_answered_incident_whichever_way_it_decodes(tmp_path: Path) -> None:
    path = write(tmp_path / "timeline.jsonl", 3000)
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    reported = {r["incident"] for r in records if r["type"] == "reported"}
    answered = {r["incident"] for r in records if r["type"] == "response"} & reported
    assert 0 < len(answered) < len(reported)  # some incidents are never answered: the floor writes none for them
    structs, dicts = io.BytesIO(), io.BytesIO()
    assert floor(path, structs)[1] == floor_with_dicts(path, dicts)[1] == len(answered)
    assert structs.getvalue() == dicts.getvalue()
    lines = [json.loads(line) for line in structs.getvalue().splitlines()]
    assert sorted(line["incident"] for line in lines) == sorted(answered)


def test_the_backward_pass_marks_one_record_of_each_incident(tmp_path: Path) -> None:
    path = write(tmp_path / "timeline.jsonl", 3000)
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert last_records(path)[1] == len({r["incident"] for r in records if "incident" in r})
