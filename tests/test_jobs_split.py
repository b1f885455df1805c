"""`--jobs N` cuts a JSON Lines timeline into byte ranges at line starts: the cuts' corner cases, each a file in
`tests/data/jobs/`, give byte for byte what one job gives, diagnostics and their places included."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from sladsl.evaluation.finality import CUSTOMER, code_of_key, line_code
from sladsl.run import files
from sladsl.timeline.formats import read_line
from sladsl.timeline.records import key_of

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "jobs"
IZY = ROOT / "agreements" / "izy.sla"
CASES = sorted(path.name for path in DATA.glob("*.jsonl"))


def check(path: Path, jobs: int) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "sladsl", "check", "--format", "jsonl", "--jobs", str(jobs), str(IZY), str(path)],
        capture_output=True,
        check=False,
        timeout=300,
        cwd=ROOT,
    )


def test_every_case_is_tested() -> None:
    assert CASES == [
        "bad-line-at-the-cut.jsonl",
        "crlf.jsonl",
        "empty-range.jsonl",
        "incident-in-both-halves.jsonl",
        "last-line-without-newline.jsonl",
    ]


@pytest.mark.parametrize("jobs", [2, 3])
@pytest.mark.parametrize("case", CASES)
def test_jobs_write_what_one_job_writes(case: str, jobs: int) -> None:
    one, many = check(DATA / case, 1), check(DATA / case, jobs)
    assert one.returncode == 1, one.stderr  # Izy's timeline here has breaches
    assert (many.returncode, many.stdout, many.stderr) == (one.returncode, one.stdout, one.stderr)


def lines_of(result: subprocess.CompletedProcess[bytes]) -> list[dict[str, object]]:
    return [orjson.loads(line) for line in result.stdout.splitlines()]


def test_an_incident_whose_records_lie_on_both_sides_of_a_cut_inside_a_line() -> None:
    path = DATA / "incident-in-both-halves.jsonl"
    data = path.read_bytes()
    size = len(data)
    cuts = files.line_starts(str(path), size, 2)
    assert data[size // 2 - 1 : size // 2] != b"\n"  # the middle of the file is inside a line
    assert data[cuts[1] - 1 : cuts[1]] == b"\n"  # and the cut moved on to the next line's start
    before, after = data[: cuts[1]], data[cuts[1] :]
    assert b'"reported", "incident": "I-1"' in before
    assert b'"response", "incident": "I-1"' in after
    summary = lines_of(check(path, 2))[-1]
    # 1 customer, 8 reports, 8 responses, 5 resolutions
    assert summary["records"] == {"read": 22, "evaluated": 22, "rejected": 0}


@pytest.mark.parametrize("case", ["crlf.jsonl", "last-line-without-newline.jsonl"])
def test_line_ends_do_not_change_the_verdicts(case: str) -> None:
    """CRLF line ends and a last line without one: the verdicts of the same records with LF ends, in two jobs."""
    plain = DATA / "incident-in-both-halves.jsonl"
    path = DATA / case
    assert path.read_bytes().replace(b"\r\n", b"\n").rstrip(b"\n") == plain.read_bytes().rstrip(b"\n")
    same = check(path, 2).stdout.replace(case.encode(), plain.name.encode())
    assert same == check(plain, 1).stdout


def test_a_range_with_no_line_in_it() -> None:
    path = DATA / "empty-range.jsonl"
    cuts = files.line_starts(str(path), path.stat().st_size, 3)
    first_line = path.read_bytes().index(b"\n") + 1
    assert cuts[:3] == [0, first_line, first_line]  # the second of three ranges is empty


def test_a_bad_line_at_the_cut_and_a_duplicate_across_the_ranges() -> None:
    path = DATA / "bad-line-at-the-cut.jsonl"
    data = path.read_bytes()
    cuts = files.line_starts(str(path), len(data), 2)
    assert data[: cuts[1]].count(b"\n") == 10  # the cut is at the start of line 11, the bad line
    assert data[cuts[1] :].startswith(b'{"type": "response", "incident": "I-3", "at": \n')
    rejected = [line for line in lines_of(check(path, 2)) if line["type"] == "rejected"]
    assert [(r["code"], r["span"]) for r in rejected] == [
        (
            "E0301",
            {"file": str(path), "line": 11, "column": 1, "end_line": 11, "end_column": 46},
        ),
        (
            # line 25: 10 lines, the bad one, 8 responses, 5 resolutions, then I-1's second report, whose id
            # begins at column 34 after `{"type": "reported", "incident": `
            "E0311",
            {"file": str(path), "line": 25, "column": 34, "end_line": 25, "end_column": 39},
        ),
    ]
    assert rejected[1]["help"] == "the first report is at line 2"


def test_a_line_is_coded_as_the_record_read_from_it_is_keyed() -> None:
    """`line_code`, which step 1 of `--jobs` and the backward pass use, gives for every line of every timeline in
    the tests what `code_of_key(key_of(read_line(...)))` gives, and names the customer of a customer record."""
    timelines = sorted(Path(__file__).parent.joinpath("data").rglob("*.jsonl"))
    timelines += sorted(Path(__file__).parent.parent.joinpath("agreements").glob("*.jsonl"))
    kinds = set()
    for timeline in timelines:
        for body in timeline.read_bytes().splitlines():
            key = key_of(read_line(body))
            code, customer = line_code(body)
            assert code == code_of_key(key), body
            assert customer == (key[1] if code == CUSTOMER and key is not None else None), body
            kinds.add("none" if key is None else key[0])
    assert kinds == {"none", "customer", "incident"}
