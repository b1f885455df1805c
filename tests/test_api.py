"""The public API: what the README shows a developer runs as written, and every public name is there."""

from __future__ import annotations

import contextlib
import io
import re

import pytest

import sladsl
from sladsl.evaluation.verdicts import Records
from tests.helpers import ROOT


def test_the_readme_example_runs_as_written(monkeypatch: pytest.MonkeyPatch) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Using sladsl from Python") :]
    (example,) = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)[:1]
    monkeypatch.chdir(ROOT)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(example, "README.md", "exec"), {})  # the README's own code, as a reader runs it
    lines = printed.getvalue().splitlines()
    # Izy's timeline, by report. INC-2 (B, Sat 29 March 23:30): the clock starts Mon 31 March 08:00, 4 core hours
    # to 12:00, answered 12:30: 30 minutes late. INC-1 (A, Wed 16 April 16:00): 16:00-17:00, then Maundy
    # Thursday, Good Friday and Easter Monday are closed, Tue 22 April 08:00-09:00: answered 08:45, 15 minutes
    # early. INC-3 (C, Fri 2 May 17:30): the clock starts Mon 5 May 08:00; the end of the next business day is
    # Tue 6 May 17:00, answered 16:00: an hour early (real time, as the target counts business days). INC-4 (A,
    # Thu 24 April 10:00, due 12:00, answered 15:00) is tagged `third_party`: excluded, 3 hours past its deadline.
    assert lines[:4] == [
        "INC-2 response breached -1800",
        "INC-1 response met 900",
        "INC-4 response excluded -10800",
        "INC-3 response met 3600",
    ]
    assert lines[4] == repr(Records(15, 15, 0))
    assert lines[5] == "Izy AS Service Level Agreement"


def test_every_public_name_is_there() -> None:
    for name in sladsl.__all__:
        assert getattr(sladsl, name) is not None, name
    with pytest.raises(AttributeError):
        sladsl.no_such_name  # noqa: B018


def test_plain_dictionaries_are_records_too() -> None:
    # Izy, severity A reported Wed 16 April 2025 09:00, answered 10:30: 2 core hours, so due 11:00; met with 30
    # minutes to spare. The records come as a program holds them, response first.
    checked = sladsl.load((ROOT / "agreements" / "izy.sla").read_text(encoding="utf-8"), "izy.sla")
    report = sladsl.evaluate(
        checked.agreement,
        [
            {"type": "response", "incident": "X", "at": "2025-04-16T10:30:00+02:00"},
            {"type": "reported", "incident": "X", "severity": "A", "at": "2025-04-16T09:00:00+02:00"},
        ],
    )
    [verdict] = report.targets
    assert (verdict.status, verdict.margin) == ("met", 30 * 60)
    assert report.records == Records(2, 2, 0)


def test_a_bad_plain_record_is_placed_by_its_number() -> None:
    checked = sladsl.load((ROOT / "agreements" / "izy.sla").read_text(encoding="utf-8"), "izy.sla")
    report = sladsl.evaluate(checked.agreement, [{"type": "reported", "incident": "X", "severity": "Z"}])
    [problem] = report.rejected
    assert (problem.code, str(problem.span)) == ("E0303", "<records>:1:1")


def test_a_record_lost_on_the_way_stops_check_with_an_internal_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """Records are counted as they are read and again as they are kept or rejected: were the engine to keep a
    record without counting it (a bug), the identity would fail and `check` would say so, exit 70, rather than
    print a total that hides the loss."""
    from click.testing import CliRunner  # noqa: PLC0415

    from sladsl.cli import main  # noqa: PLC0415
    from sladsl.evaluation.engine import IncidentStage  # noqa: PLC0415

    kept = IncidentStage.kept

    def loses_outages(self: IncidentStage, instant: int) -> None:
        if len(self.outages) == 1 and self.outages[0].id == "OUT-0":
            self.outages.clear()  # the first outage is dropped, and not counted
            return
        kept(self, instant)

    monkeypatch.setattr(IncidentStage, "kept", loses_outages)
    monkeypatch.chdir(ROOT)
    for output in ("text", "jsonl"):
        result = CliRunner().invoke(
            main, ["check", "--format", output, "agreements/izy.sla", "agreements/izy.timeline.jsonl"]
        )
        assert result.exit_code == 70, result.output
        assert "15 records read, but 14 evaluated and 0 rejected: 1 unaccounted for" in result.stderr
