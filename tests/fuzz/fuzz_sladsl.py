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
    from sladsl.language.formatter import format_source
    from sladsl.run.check import Options, stream

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
    """The whole report and the streamed check of the same bytes: the same counts, every record accounted for."""
    try:
        whole = sladsl.evaluate(IZY, sladsl.read_timeline(raw, SCRATCH))
    except SlaError:  # a CSV file or JSON array that is not UTF-8: refused whole, in every format
        return
    assert whole.records.balanced
    with open(SCRATCH, "wb") as out:
        out.write(raw)
    written = io.BytesIO()
    summary = stream(IZY, "izy.sla", SCRATCH, written, Options())
    found = [json.loads(line) for line in written.getvalue().splitlines()]
    rejected = sum(1 for line in found if line["type"] == "rejected")
    assert summary.records == whole.records
    assert found[-1]["records"] == {
        "read": summary.records.read,
        "evaluated": summary.records.read - rejected,
        "rejected": rejected,
    }
    if not raw.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"["):  # JSON Lines: one record per non-blank line
        lines = raw.removeprefix(b"\xef\xbb\xbf").split(b"\n")
        assert summary.records.read == sum(1 for line in lines if line.strip(b" \t\r\n"))


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
