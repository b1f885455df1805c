"""A coverage-guided fuzzer (atheris) for the agreement and timeline readers. Not part of the default test run.

    pip install atheris
    python tests/fuzz/fuzz_sladsl.py -atheris_runs=200000 -artifact_prefix=tests/fuzz/ tests/fuzz/corpus

The first byte of each input picks the target: even bytes fuzz an agreement (decode, parse, check, format),
odd bytes a timeline read against Izy's agreement and evaluated, then checked again streamed (`--format
jsonl`), whose summary must account for every line. Any exception other than `SlaError` is a crash, and
atheris saves the input that caused it. The seed corpus is built from the bundled agreements and
timelines when the folder is empty.
"""

from __future__ import annotations

import io
import json
import os
import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports():
    import sladsl
    from sladsl.diagnostics import SlaError, decode
    from sladsl.formatter import format_source
    from sladsl.interpreter import evaluate
    from sladsl.stream import TimelineUnreadable, check_stream
    from sladsl.timeline import read_timeline

ROOT = Path(__file__).resolve().parents[2]
SCRATCH = os.path.join(tempfile.mkdtemp(prefix="sladsl-fuzz-"), "timeline.jsonl")
IZY = sladsl.load((ROOT / "agreements" / "izy.sla").read_text(encoding="utf-8"), "izy.sla").agreement


def fuzz_agreement(raw: bytes) -> None:
    source, problems = decode("fuzz.sla", raw, "E0113")
    if problems:
        return
    try:
        sladsl.load(source.text, "fuzz.sla")
        format_source(source)
    except SlaError:
        pass


def fuzz_timeline(raw: bytes) -> None:
    source, problems = decode("fuzz.jsonl", raw, "E0315")
    if problems:
        return
    timeline = read_timeline(source, IZY)
    assert timeline.read == timeline.kept + len(timeline.rejected)
    evaluate(IZY, timeline)
    with open(SCRATCH, "wb") as out:
        out.write(raw)
    written = io.BytesIO()
    try:
        counts = check_stream(IZY, "izy.sla", SCRATCH, written)
    except TimelineUnreadable:
        return
    found = [json.loads(line) for line in written.getvalue().splitlines()]
    rejected = sum(1 for line in found if line["type"] == "rejected")
    assert found[-1]["records"] == {
        "read": counts["read"],
        "evaluated": counts["read"] - rejected,
        "rejected": rejected,
    }
    if not raw.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"["):  # JSON Lines: one record per non-blank line
        assert counts["read"] == sum(1 for line in raw.removeprefix(b"\xef\xbb\xbf").split(b"\n") if line.strip())


def one_input(data: bytes) -> None:
    if not data:
        return
    (fuzz_agreement if data[0] % 2 == 0 else fuzz_timeline)(data[1:])


def seed(corpus: Path) -> None:
    corpus.mkdir(parents=True, exist_ok=True)
    if any(corpus.iterdir()):
        return
    for n, path in enumerate(sorted((ROOT / "agreements").glob("*.sla"))):
        (corpus / f"agreement-{n}").write_bytes(b"\x00" + path.read_bytes())
    for n, path in enumerate(sorted((ROOT / "agreements").glob("*.timeline.jsonl"))):
        (corpus / f"timeline-{n}").write_bytes(b"\x01" + path.read_bytes())


if __name__ == "__main__":
    folders = [Path(a) for a in sys.argv[1:] if not a.startswith("-")]
    for folder in folders:
        seed(folder)
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
