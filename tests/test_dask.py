"""A check on a Dask cluster writes what one process writes, byte for byte: `check --scheduler` and `sladsl.dask`
against `check --jobs 1`, on a real `distributed.LocalCluster` of two worker processes.

Without Dask the cluster's tests are skipped and say what to install; under CI (`CI` set, as `.ci/run` sets it,
which installs `sladsl[dask,parquet]`) a missing package fails them. The steps without Dask (`sladsl.run.shares`,
what a Spark job would call) and the errors for a missing Dask or an unreachable scheduler are tested anyway.
"""

from __future__ import annotations

import io
import os
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner

import sladsl
from bench.generate import write
from sladsl import model
from sladsl.cli import main
from sladsl.render.json import Lines
from sladsl.run.check import Options, stream
from sladsl.run.shares import Share, check_share, merge_lines, part_of, plan, split
from tests.helpers import BAD_TIMELINES, ROOT, VENDORS, read_against

IZY = ROOT / "agreements" / "izy.sla"
FEATURES = ROOT / "tests" / "data" / "engine" / "all-features.sla"


def agreement(path: Path) -> model.Agreement:
    return sladsl.load(path.read_text(encoding="utf-8"), str(path)).agreement


def distributed_or_skip() -> Any:
    try:
        import dask.bag  # noqa: F401, PLC0415
        import distributed  # noqa: PLC0415
    except ImportError as error:
        missing = f"{error.name} is not installed: pip install '.[dask]' (as .ci/run does)"
        if os.environ.get("CI"):
            pytest.fail(missing)
        pytest.skip(missing)
    return distributed


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    """Two worker processes of one thread each, as on two machines: every task's input and output is pickled."""
    distributed = distributed_or_skip()
    with distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0"
    ) as local:
        yield local


@pytest.fixture(scope="module")
def client(cluster: Any) -> Iterator[Any]:
    import distributed  # noqa: PLC0415

    with distributed.Client(cluster) as connected:
        yield connected


def one_job(*args: str | Path) -> Any:
    """`sladsl check ARGS` as the command line runs it, in this process."""
    return CliRunner().invoke(main, ["check", *map(str, args)])


def assert_same(args: list[str | Path], address: str) -> Any:
    """`check ARGS` with `--scheduler` writes the bytes `check ARGS` writes, and exits alike."""
    one = one_job(*args)
    many = one_job(*args, "--scheduler", address)
    assert many.exit_code == one.exit_code, many.stderr
    assert many.stdout_bytes == one.stdout_bytes
    return one


@pytest.mark.parametrize("output", ["jsonl", "json", "text"])
@pytest.mark.parametrize("vendor", VENDORS)
def test_each_seed_on_the_cluster_writes_what_one_job_writes(cluster: Any, vendor: str, output: str) -> None:
    sla, timeline = ROOT / "agreements" / f"{vendor}.sla", ROOT / "agreements" / f"{vendor}.timeline.jsonl"
    one = assert_same(["--format", output, sla, timeline], cluster.scheduler_address)
    assert one.exit_code in (0, 1)
    assert len(one.stdout_bytes.splitlines()) >= 10  # the smallest, Zegal's jsonl: a header, 8 targets, a summary


@pytest.fixture(scope="module")
def shuffled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated Izy timeline of 1,000 incidents, its lines shuffled: events before their reports."""
    path = write(tmp_path_factory.mktemp("dask") / "generated.jsonl", 1000, customers=7, years=2, seed=11)
    lines = path.read_bytes().splitlines(keepends=True)
    random.Random(5).shuffle(lines)
    path.write_bytes(b"".join(lines))
    return path


@pytest.mark.parametrize("output", ["jsonl", "json"])
def test_a_shuffled_generated_timeline_in_many_pieces(
    cluster: Any, shuffled: Path, output: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Read in pieces of 32 KB (about 9), so records are numbered across pieces, and shared among the 2 workers."""
    monkeypatch.setattr("sladsl.run.dask.PIECE", 32 << 10)
    one = assert_same(["--format", output, IZY, shuffled], cluster.scheduler_address)
    assert one.exit_code == 1  # breaches
    if output == "jsonl":
        summary = orjson.loads(one.stdout_bytes.splitlines()[-1])
        assert summary["targets"] == 1000  # Izy's one target, response, for each of 1,000 incidents


@pytest.mark.parametrize("path", BAD_TIMELINES, ids=lambda p: p.stem)
def test_bad_lines_are_reported_as_one_job_reports_them(cluster: Any, path: Path) -> None:
    one = assert_same(["--format", "jsonl", read_against(path), path], cluster.scheduler_address)
    assert b'"type":"rejected"' in one.stdout_bytes or b'"type":"warning"' in one.stdout_bytes


def odd_lines(tmp_path: Path) -> Path:
    """Lines that could be misread: escaped ids, keys in nested objects, duplicated keys, lines that are not
    objects; with a byte-order mark, blank lines and CR LF line ends (as in tests/test_engine.py)."""
    rows = [
        '{"type": "customer", "id": "acme", "fee": "100", "meta": {"type": "customer"}}',
        '{"type": "reported", "incident": "INC-\\u0031", "customer": "acme", "severity": "A",'
        ' "at": "2025-04-16T10:00:00+02:00"}',
        '{"type": "response", "incident": "INC-1", "at": "2025-04-16T10:30:00+02:00"}',
        '{"type": "reported", "incident": "INC-2", "severity": "B", "at": "2025-04-16T11:00:00+02:00",'
        ' "channel": "incident", "customer": "acme"}',
        '{"type": "response", "meta": {"incident": "INC-2"}, "at": "2025-04-16T11:30:00+02:00"}',
        '{"type":"response","incident":"INC-2","at":"2025-04-16T12:30:00+02:00"}',
        '{"type": "reported", "incident": "INC-3", "incident": "INC-4", "severity": "A",'
        ' "at": "2025-04-16T12:00:00+02:00", "customer": "acme"}',
        '{"type": "response", "incident": "INC-4", "at": "2025-04-16T13:00:00+02:00"}',
        '["type", "incident"]',
        '"incident"',
        "not json",
    ]
    path = tmp_path / "odd.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n\n".join(rows).encode() + b"\r\n")
    return path


def test_odd_lines_with_a_byte_order_mark_and_blank_lines(cluster: Any, tmp_path: Path) -> None:
    one = assert_same(["--format", "jsonl", IZY, odd_lines(tmp_path)], cluster.scheduler_address)
    summary = orjson.loads(one.stdout_bytes.splitlines()[-1])
    assert summary["records"] == {"read": 11, "evaluated": 7, "rejected": 4}


def written_by_one_job(sla: Path, path: Path, name: str | None = None) -> bytes:
    """`check --format jsonl` of one process, the timeline called `name` in diagnostics and the header."""
    out = io.BytesIO()
    stream(agreement(sla), str(sla), str(path), out, Options())
    found = out.getvalue()
    return found if name is None else found.replace(str(path).encode(), name.encode())


def test_a_bag_of_lines_from_read_text(client: Any, shuffled: Path) -> None:
    """`dask.bag.read_text` in blocks of 50 KB: lines as text, each with its line feed, in order."""
    import dask.bag  # noqa: PLC0415

    import sladsl.dask  # noqa: PLC0415

    lines = dask.bag.read_text(str(shuffled), blocksize=50_000)
    assert lines.npartitions > 3
    out = io.BytesIO()
    sladsl.dask.check(agreement(IZY), lines, client, out=out, agreement_file=str(IZY), name=str(shuffled))
    assert out.getvalue() == written_by_one_job(IZY, shuffled)


def test_a_bag_of_records_is_checked_as_their_json_lines(client: Any, tmp_path: Path) -> None:
    """Records (mappings) are checked as the JSON lines orjson writes of them, one a line: here a record is
    refused, and the line and column it is refused at are those of that file."""
    import dask.bag  # noqa: PLC0415

    import sladsl.dask  # noqa: PLC0415

    timeline = ROOT / "agreements" / "izy.timeline.jsonl"
    records = [orjson.loads(line) for line in timeline.read_bytes().splitlines() if line.strip()]
    records.append({"type": "response", "incident": "INC-404", "at": "2025-04-16T12:30:00+02:00"})
    as_lines = tmp_path / "records.jsonl"
    as_lines.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    out = io.BytesIO()
    bag = dask.bag.from_sequence(records, npartitions=3)
    sladsl.dask.check(agreement(IZY), bag, client, out=out, agreement_file=str(IZY), name="<records>")
    assert out.getvalue() == written_by_one_job(IZY, as_lines, "<records>")
    rejected = [
        orjson.loads(line) for line in out.getvalue().splitlines() if line.startswith(b'{"type":"rejected"')
    ]
    assert [(r["code"], r["span"]["line"]) for r in rejected] == [("E0310", len(records))]


def test_a_parquet_file_is_checked_as_the_json_lines_of_its_rows(client: Any, tmp_path: Path) -> None:
    """A row is checked as the JSON line of its cells that are not empty, in the order of the columns."""
    try:
        import dask.dataframe  # noqa: PLC0415
        import pandas  # noqa: PLC0415
        import pyarrow  # noqa: F401, PLC0415
    except ImportError as error:
        missing = f"{error.name} is not installed: pip install '.[parquet]' (as .ci/run does)"
        if os.environ.get("CI"):
            pytest.fail(missing)
        pytest.skip(missing)
    import sladsl.dask  # noqa: PLC0415

    timeline = ROOT / "agreements" / "izy.timeline.jsonl"
    records = [orjson.loads(line) for line in timeline.read_bytes().splitlines() if line.strip()]
    frame = pandas.DataFrame(records)
    frame.to_parquet(tmp_path / "izy.parquet", row_group_size=5)
    columns = list(frame.columns)
    as_lines = tmp_path / "rows.jsonl"
    as_lines.write_bytes(b"".join(orjson.dumps({k: r[k] for k in columns if k in r}) + b"\n" for r in records))
    rows = dask.dataframe.read_parquet(tmp_path / "izy.parquet").repartition(npartitions=3)
    out = io.BytesIO()
    sladsl.dask.check(agreement(IZY), rows, client, out=out, agreement_file=str(IZY), name="izy.parquet")
    assert out.getvalue() == written_by_one_job(IZY, as_lines, "izy.parquet")


def test_the_whole_report_from_python(client: Any, shuffled: Path) -> None:
    """Without `out`, `sladsl.dask.check` gives the `Report` that `sladsl.evaluate` gives."""
    import sladsl.dask  # noqa: PLC0415

    checked = sladsl.dask.check(IZY.read_text(encoding="utf-8"), str(shuffled), client, shares=3)
    expected = sladsl.evaluate(agreement(IZY), sladsl.read_timeline(shuffled.read_bytes(), str(shuffled)))
    assert checked.summary is None
    assert checked.report == expected
    assert len(expected.targets) == 1000  # Izy's one target, response, for each of 1,000 incidents


def test_the_steps_without_dask_as_a_spark_job_would_run_them(shuffled: Path) -> None:
    """The plain functions alone, as the README's Spark sketch calls them: pieces split, planned, each share
    checked in one call given the instant to stand at, the lines merged: one process's bytes."""
    data = shuffled.read_bytes()
    cut = data.index(b"\n", len(data) // 2) + 1  # two pieces, cut at a line start
    pieces = [split([data[:cut]], 3, first=True), split([data[cut:]], 3, first=False)]
    the_plan = plan([piece.counts() for piece in pieces], 3)
    text, name = IZY.read_text(encoding="utf-8"), str(shuffled)
    parts = [[part_of(piece, share) for piece in pieces] for share in range(3)]
    latest = [Share(text, the_plan, share, name=name).feed(parts[share]).latest for share in range(3)]
    final = max(t for t in latest if t is not None)
    done = [check_share(text, the_plan, share, parts[share], name=name, final=final) for share in range(3)]
    checked = agreement(IZY)
    out = io.BytesIO()
    header = Lines(checked).header(checked, str(IZY), name)
    lines, partials = [d.lines for d in done], [d.partial for d in done]
    merge_lines(checked, lines, partials, final, out, header=header, options=Options())
    assert out.getvalue() == written_by_one_job(IZY, shuffled)


def test_an_unreachable_scheduler_is_an_error_not_a_traceback() -> None:
    distributed_or_skip()
    import dask  # noqa: PLC0415

    timeline = ROOT / "agreements" / "izy.timeline.jsonl"
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        result = one_job("--format", "jsonl", IZY, timeline, "--scheduler", "tcp://127.0.0.1:1")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1].startswith("error: no Dask scheduler answered at tcp://127.0.0.1:1: ")
    assert "Traceback" not in result.stderr
    assert result.stdout_bytes == b""
    result = one_job("--format", "jsonl", IZY, timeline, "--scheduler", "http://127.0.0.1:8786")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1].startswith(  # then Dask's list of the schemes it knows
        "error: `http://127.0.0.1:8786` is not a Dask scheduler's address: unknown address scheme 'http' "
    )


def test_without_dask_the_scheduler_flag_says_what_to_install() -> None:
    """In a process where Dask cannot be imported: the package and `check` work, `--scheduler` exits 2."""
    blocked = "import sys; sys.modules['dask'] = sys.modules['distributed'] = None; "
    timeline = str(ROOT / "agreements" / "izy.timeline.jsonl")
    check = ["check", "--format", "jsonl", str(IZY), timeline]
    plain = subprocess.run(
        [sys.executable, "-c", blocked + "import sladsl.dask; from sladsl.cli import main; main()", *check],
        capture_output=True,
        check=False,
    )
    assert plain.returncode == 1, plain.stderr  # Izy's seed has breaches
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            blocked + "from sladsl.cli import main; main()",
            *check,
            "--scheduler",
            "tcp://h:1",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == (
        "error: checking on a Dask cluster needs Dask (dask is not installed): pip install 'sladsl[dask]'"
    )
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--jobs", "2"], "--jobs and --scheduler: the cluster's workers share the incidents; give one"),
        (["--from", "generic"], "--scheduler reads JSON Lines; an export read with --from is checked here"),
    ],
)
def test_the_scheduler_flag_with_what_it_cannot_take(extra: list[str], message: str) -> None:
    timeline = ROOT / "agreements" / "izy.timeline.jsonl"
    result = one_job("--format", "jsonl", IZY, timeline, "--scheduler", "tcp://127.0.0.1:1", *extra)
    assert result.exit_code == 2
    assert message in result.stderr


def test_the_scheduler_flag_needs_a_file_the_workers_can_read() -> None:
    result = CliRunner().invoke(
        main, ["check", "--format", "jsonl", str(IZY), "-", "--scheduler", "tcp://127.0.0.1:1"], input=b"{}\n"
    )
    assert result.exit_code == 2
    assert "--scheduler: the workers read TIMELINE themselves; name a file they can read" in result.stderr
    result = one_job("--format", "jsonl", IZY, ROOT / "no-such.jsonl", "--scheduler", "tcp://127.0.0.1:1")
    assert result.exit_code == 2
    assert f"cannot read {ROOT / 'no-such.jsonl'}: No such file or directory" in result.stderr
