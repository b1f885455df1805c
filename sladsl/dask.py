"""`sladsl.dask`: check a timeline on a Dask cluster, with the output of one process, byte for byte.

    pip install 'sladsl[dask]'

    import distributed, sladsl, sladsl.dask
    client = distributed.Client("tcp://scheduler:8786")
    agreement = sladsl.load(open("izy.sla").read(), "izy.sla").agreement
    with open("out.jsonl", "wb") as out:
        sladsl.dask.check(agreement, "/shared/izy.timeline.jsonl", client, out=out, agreement_file="izy.sla")
    report = sladsl.dask.check(agreement, "/shared/izy.timeline.jsonl", client).report  # the whole Report

The timeline is a JSON Lines file every worker reads at the same path, a Dask bag of its lines (text or bytes,
in order) or of records (mappings), or a Dask dataframe of records (`dask.dataframe.read_parquet`, with pyarrow).
It is shared among the workers by incident, as `--jobs N` shares it among processes: map (the engine's incident
stage on each share), then reduce (the engine's period stage on the shares' partials, the lines merged in key
order). `sladsl.run.dask` says why the shares are sets of incidents rather than customers.

The steps are plain functions of picklable values (`split`, `plan`, `Share`, `check_share`, `merge_lines`,
`gather`), importable without Dask, so another scheduler (a Spark job) can call them: see the README. This
module is only the public entry; the reading of files and the scheduling are in `sladsl.run`, with the other
front ends.
"""

from __future__ import annotations

from typing import IO, Any

from sladsl import model
from sladsl.run.check import Options
from sladsl.run.dask import Checked, DaskMissing, SchedulerUnreachable, client_for
from sladsl.run.dask import check as check_on
from sladsl.run.progress import Progress
from sladsl.run.shares import (
    Done,
    Piece,
    Plan,
    Row,
    Share,
    agreement_of,
    check_share,
    gather,
    line_chunks,
    merge_lines,
    part_of,
    plan,
    record_chunks,
    split,
    standing,
)

__all__ = [
    "Checked",
    "DaskMissing",
    "Done",
    "Options",
    "Piece",
    "Plan",
    "Row",
    "SchedulerUnreachable",
    "Share",
    "check",
    "check_share",
    "client_for",
    "gather",
    "line_chunks",
    "merge_lines",
    "part_of",
    "plan",
    "record_chunks",
    "split",
    "standing",
]


def check(
    agreement: model.Agreement | str,
    timeline: Any,
    client: Any,
    *,
    out: IO[bytes] | None = None,
    agreement_file: str = "<agreement>",
    name: str | None = None,
    as_of: int | None = None,
    window: tuple[int, int] | None = None,
    trace: bool = False,
    shares: int | None = None,
) -> Checked:
    """Check `timeline` against `agreement` (a checked agreement, or its source text) on the cluster of
    `client` (a `distributed.Client`). With `out`, the lines of `check --format jsonl` are written to it and
    `Checked.summary` is set; without, `Checked.report` is the whole `Report` (what `--format json` and text
    render). `as_of`, `window` and `trace` are `evaluate`'s; `shares`: how many shares of the incidents (default:
    the cluster's threads, at most 64)."""
    checked = agreement_of(agreement, agreement_file)
    return check_on(
        checked,
        timeline,
        client,
        out=out,
        agreement_file=agreement_file,
        name=name,
        options=Options(as_of, window, trace),
        shares=shares,
        progress=Progress(None),
    )
