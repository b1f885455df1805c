"""Every reproducer of the reliability findings (F1-F25, S1-S3) and of the newcomer trial's friction points 1, 2, 4
and 8, one test each, named after its finding. Each asserts what the fix must give: the code, the exit code, the
file:line:col of the primary span and the record counts, never a crash (exit 70) and never a silent drop.

Exit codes of `check`: 0 nothing breached, 1 a breach, 2 trouble (bad usage, an agreement with errors, a coded
error during the check, nothing evaluated, or with `--strict` a rejected record), 70 an internal error. Inputs are
inline; big ones are generated here. Speed is measured by the benchmarks, never asserted here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import random
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from sladsl.cli import main
from tests.helpers import ROOT

EXIT_INTERNAL = 70
FORMATS = ("text", "json", "jsonl")
IZY = ROOT / "agreements" / "izy.sla"
ISL = ROOT / "agreements" / "isl-online.sla"
ISL_TIMELINE = ROOT / "agreements" / "isl-online.timeline.jsonl"

# The findings' agreement header `H` (lines 1-5) and timeline line `R`.
H = """\
agreement "T":
    zone Europe/Oslo
calendar core:
    open monday to friday 08:00-17:00
severity A "Critical"
"""
R = '{"type": "reported", "incident": "I1", "severity": "A", "at": "2025-04-16T09:00:00+02:00"}'
LATE = '{"type": "response", "incident": "I1", "at": "2025-04-16T13:00:00+02:00"}'  # A is due 11:00: a breach

# The newcomer's agreement, cut down: a US vendor, a ladder by uptime, claims and exclusions.
CUMULUS = """\
agreement "Cumulus Cloud Service Level Agreement":  § 1
    provider "Cumulus Cloud Inc."
    zone America/New_York
calendar support_hours:  § 2
    open monday to friday 09:00-18:00
calendar always_on:  § 2
    open always
severity P1 "Critical"  § 3
response for P1 within 15 minutes  § 4
availability uptime per calendar month at least 99.9%:  § 5
    formula (1 - (N - P) / D) * 100 where N = downtime_minutes, P = maintenance_minutes, D = period_minutes
    exclude force_majeure, customer_cause  § 5.2
    exclude planned maintenance with notice of at least 3 days outside support_hours  § 5.3
credit service_credit by uptime:  § 6
    at least 99.9% -> 0% of fee
    at least 99% and below 99.9% -> 10% of fee
    below 99% -> 25% of fee
cap 50% of fee per calendar month  § 6.2
claim within 30 business days of always_on after failure ends  § 6.3
"""
GLOBEX = '{"type": "customer", "id": "globex", "fee": "1000.00", "currency": "USD"}'
INITECH = '{"type": "customer", "id": "initech", "fee": "500.00", "currency": "USD"}'
# Ten hours down in June 2025 (43,200 minutes): 98.61%, the 25% band: USD 250 for globex.
GLOBEX_OUTAGE = (
    '{"type": "outage", "id": "OUT-1", "customer": "globex", "start": "2025-06-10T08:00:00-04:00", '
    '"end": "2025-06-10T18:00:00-04:00", "tags": []}'
)
GLOBEX_CLAIM = (
    '{"type": "claim", "customer": "globex", "credit": "service_credit", "period": "2025-06", '
    '"at": "2025-07-02T10:00:00-04:00"}'
)
GLOBEX_REPORT = (
    '{"type": "reported", "incident": "INC-1", "customer": "globex", "severity": "P1", '
    '"at": "2025-06-10T08:05:00-04:00"}'
)


# ---- running the command line and reading what it says ----------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Found:
    """One diagnostic: its code and primary position (no column in the text report), its words."""

    code: str
    line: int
    column: int | None
    message: str
    help: str | None = None
    level: str = "error"


@dataclasses.dataclass(frozen=True)
class Run:
    """What one `check` run said: exit code, `read, evaluated, rejected`, the rejected records and the warnings."""

    exit: int
    counts: tuple[int, int, int] | None
    rejected: list[Found]
    warnings: list[Found]
    stdout: str
    stderr: str

    def codes(self) -> list[tuple[str, int]]:
        return sorted((f.code, f.line) for f in self.rejected)


def invoke(*args: str | Path) -> Result:
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code != EXIT_INTERNAL, result.stderr
    return result


def cli_bytes(*args: str | Path) -> subprocess.CompletedProcess[bytes]:
    """A real process, for what only a real stdout shows (its encoding, the bytes a terminal would get)."""
    done = subprocess.run(
        [sys.executable, "-m", "sladsl", *(str(a) for a in args)], capture_output=True, cwd=ROOT, check=False
    )
    assert done.returncode != EXIT_INTERNAL, done.stderr.decode("utf-8", "replace")
    return done


def _from_json(d: dict[str, Any]) -> Found:
    span = d["span"]
    return Found(d["code"], span["line"], span["column"], d["message"], d.get("help"), d.get("level", "error"))


TEXT_DIAGNOSTIC = re.compile(r"^  (.+):(\d+): ([EW]\d{4}) (.*)$")


def items(stdout: str | bytes) -> list[dict[str, Any]]:
    """The lines of `--format jsonl` output, split at LF only: a string in them may hold U+2028 and its kin."""
    text = stdout.decode("utf-8") if isinstance(stdout, bytes) else stdout
    return [json.loads(line) for line in text.split("\n") if line]


def check(agreement: Path, timeline: Path, output: str = "text", *extra: str) -> Run:
    result = invoke("check", "--format", output, *extra, agreement, timeline)
    stdout, stderr = result.stdout, result.stderr
    counts: tuple[int, int, int] | None = None
    rejected: list[Found] = []
    warnings: list[Found] = []
    if output == "text":
        after = False
        for line in stdout.split("\n"):
            if m := re.match(r"Records: (\d+) read = (\d+) evaluated \+ (\d+) rejected", line):
                counts = (int(m[1]), int(m[2]), int(m[3]))
                after = True
            elif after and (d := TEXT_DIAGNOSTIC.match(line)):
                found = Found(d[3], int(d[2]), None, d[4])
                (warnings if d[3].startswith("W") else rejected).append(found)
    elif output == "json":
        if stdout.strip():
            records = json.loads(stdout)["records"]
            counts = (records["read"], records["evaluated"], records["rejected"])
            rejected = [_from_json(d) for d in records["diagnostics"]]
            warnings = [_from_json(d) for d in records["warnings"]]
    else:
        for item in items(stdout):
            if item["type"] == "rejected":
                rejected.append(_from_json(item))
            elif item["type"] == "warning":
                warnings.append(_from_json(item))
            elif item["type"] == "summary":
                r = item["records"]
                counts = (r["read"], r["evaluated"], r["rejected"])
    return Run(result.exit_code, counts, rejected, warnings, stdout, stderr)


def check_all(agreement: Path, timeline: Path, *extra: str) -> dict[str, Run]:
    return {output: check(agreement, timeline, output, *extra) for output in FORMATS}


def same_everywhere(runs: dict[str, Run]) -> Run:
    """Text, json and jsonl agree on the exit code, the counts and each rejection's code and line; the json run
    (which has columns and help) is returned."""
    text = runs["text"]
    for output, run in runs.items():
        assert (run.exit, run.counts, run.codes()) == (text.exit, text.counts, text.codes()), (
            f"{output} disagrees with text: {run.exit, run.counts, run.codes()} != "
            f"{text.exit, text.counts, text.codes()}"
        )
    return runs["json"]


def lint(path: Path) -> tuple[int, list[Found]]:
    result = invoke("lint", "--format", "json", path)
    return result.exit_code, [_from_json(d) for d in json.loads(result.stdout)]


def errors(found: list[Found]) -> list[tuple[str, int, int | None]]:
    return [(f.code, f.line, f.column) for f in found if f.level == "error"]


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", newline="")
    return path


def lines(*rows: str) -> str:
    return "".join(row + "\n" for row in rows)


def column_of(line: str, value: str) -> int:
    """The 1-based column where `value` (a JSON string with its quotes, say) starts in `line`."""
    assert line.count(value) == 1, (line, value)
    return line.index(value) + 1


def one_r(tmp_path: Path) -> Path:
    return write(tmp_path, "r.jsonl", lines(R))


# ---- F1-F5: agreements that crashed -----------------------------------------------------------------------------

BIG = {"19-digits": "1" + "0" * 18, "4401-digits": "1" + "0" * 4400}
# (text after H, the line and column of the number in the whole file)
SLOTS = {
    "duration": ("response for A within {n} hours of core\n", 6, 23),
    "business-days": ("response for A within {n} business days of core\n", 6, 23),
    "annual-date": ("calendar c2:\n    open monday to friday 08:00-17:00\n    closed on {n} march\n", 8, 15),
    "time": ("calendar c2:\n    open monday {n}\n", 7, 17),
}


@pytest.mark.parametrize("digits", sorted(BIG))
@pytest.mark.parametrize("slot", sorted(SLOTS))
def test_f1_an_integer_of_more_than_18_digits_is_e0115_at_the_number(
    tmp_path: Path, slot: str, digits: str
) -> None:
    body, line, column = SLOTS[slot]
    path = write(tmp_path, "big.sla", H + body.format(n=BIG[digits]))
    status, found = lint(path)
    assert status == 1
    assert ("E0115", line, column) in errors(found), errors(found)
    checked = check(path, one_r(tmp_path))
    assert checked.exit == 2
    assert "E0115" in checked.stderr


@pytest.mark.parametrize(
    ("day", "code"), [("99999999999999999999", "E0115"), ("99", "E0110")], ids=["20-digits", "99"]
)
def test_f2_a_day_number_too_large_is_e0115_and_a_day_that_does_not_exist_e0110(
    tmp_path: Path, day: str, code: str
) -> None:
    path = write(
        tmp_path,
        "day.sla",
        H + f"calendar c2:\n    open monday to friday 08:00-17:00\n    closed on {day} march\n",
    )
    status, found = lint(path)
    assert status == 1
    assert (code, 8, 15) in errors(found), errors(found)
    assert check(path, one_r(tmp_path)).exit == 2


@pytest.mark.parametrize("zone", ["America/Argentina", "Europe/" + "X" * 293], ids=["tzdata-folder", "300-chars"])
def test_f3_a_zone_naming_a_folder_or_too_long_is_e0203_in_an_agreement(tmp_path: Path, zone: str) -> None:
    path = write(tmp_path, "zone.sla", H.replace("Europe/Oslo", zone) + "response for A within 2 hours of core\n")
    status, found = lint(path)
    assert status == 1
    assert ("E0203", 2, 10) in errors(found), errors(found)
    assert check(path, one_r(tmp_path)).exit == 2


@pytest.mark.parametrize(
    "zone", ["Europe", "America/Argentina", "Europe/" + "X" * 293], ids=["area", "tzdata-folder", "300-chars"]
)
def test_f3_a_zone_naming_a_folder_or_too_long_in_a_timestamp_is_e0314(tmp_path: Path, zone: str) -> None:
    bad = f'{{"type": "response", "incident": "I1", "at": "2025-04-16T16:00:00[{zone}]"}}'
    run = same_everywhere(check_all(IZY, write(tmp_path, "t.jsonl", lines(R, bad))))
    assert (run.exit, run.counts, run.codes()) == (0, (2, 1, 1), [("E0314", 2)])


def test_f3_a_customer_zone_naming_a_folder_is_e0314(tmp_path: Path) -> None:
    customer = '{"type": "customer", "id": "a", "zone": "America"}'
    report = R.replace('"severity"', '"customer": "a", "severity"')  # declared, though its record is rejected
    run = same_everywhere(check_all(IZY, write(tmp_path, "t.jsonl", lines(customer, report))))
    assert (run.exit, run.counts, run.codes()) == (0, (2, 1, 1), [("E0314", 1)])


def test_f3_an_as_of_naming_a_zone_folder_is_a_one_line_usage_error() -> None:
    result = invoke(
        "check", "--as-of", "2025-01-01T00:00:00[Europe]", IZY, ROOT / "agreements" / "izy.timeline.jsonl"
    )
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    said = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(said) == 1 and "--as-of" in said[0] and "Europe" in said[0], result.stderr


def test_f4_a_formula_of_500_terms_is_e0114(tmp_path: Path) -> None:
    formula = "+".join(["N"] * 500)
    path = write(
        tmp_path,
        "terms.sla",
        H
        + "response for A within 2 hours of core\n"
        + "availability up per calendar month at least 99%:\n"
        + f"    formula {formula} where N = downtime_minutes\n",
    )
    status, found = lint(path)
    assert status == 1
    assert [(code, line) for code, line, _ in errors(found)] == [("E0114", 8)], errors(found)
    assert check(path, one_r(tmp_path)).exit == 2


F5_MAINTENANCE = (
    "response for A within 2 hours of core\n"
    "availability uptime per calendar month at least 99%:\n"
    "    formula (D - P - N) / (D - P) * 100 "
    "where N = downtime_minutes, P = maintenance_minutes, D = period_minutes\n"
    "    exclude planned maintenance with notice of at least 3 days\n"
)
F5_ONLY_P = (
    "response for A within 2 hours of core\n"
    "availability uptime per calendar month at least 99%:\n"
    "    formula 100 / P where P = maintenance_minutes\n"
)
MONTH_OF_MAINTENANCE = (
    '{"type": "outage", "id": "M", "start": "2025-02-01T00:00:00+01:00", "end": "2025-03-01T00:00:00+01:00", '
    '"tags": ["maintenance"], "notice": "2025-01-01T00:00:00+01:00"}'
)


@pytest.mark.parametrize(
    ("body", "timeline", "period"),
    [(F5_MAINTENANCE, MONTH_OF_MAINTENANCE, "2025-02"), (F5_ONLY_P, R, "2025-04")],
    ids=["whole-month-of-maintenance", "100-over-P-without-maintenance"],
)
def test_f5_a_divisor_that_can_be_zero_warns_then_stops_the_check_with_e0222(
    tmp_path: Path, body: str, timeline: str, period: str
) -> None:
    path = write(tmp_path, "divide.sla", H + body)
    for output in FORMATS:
        run = check(path, write(tmp_path, "m.jsonl", lines(timeline)), output)
        assert run.exit == 2, (output, run.stderr)
        assert "E0222" in run.stderr and period in run.stderr, (output, run.stderr)
    status, found = lint(path)
    assert status == 0, errors(found)
    assert [(f.code, f.line) for f in found if f.code == "W0210"] == [("W0210", 8)], found


# ---- F6-F11: timeline records that crashed, or were dropped without a word --------------------------------------

HUGE = "1" + "0" * 5000


@pytest.mark.parametrize(
    "record",
    [
        f'{{"type": "customer", "id": "a", "fee": {HUGE}}}',
        f'{{"type": "customer", "id": "a", "x": {HUGE}}}',
    ],
    ids=["fee", "extra-field"],
)
def test_f6_a_json_integer_of_5000_digits_is_e0301(tmp_path: Path, record: str) -> None:
    run = same_everywhere(check_all(IZY, write(tmp_path, "huge.jsonl", lines(R, record))))
    assert (run.exit, run.counts, run.codes()) == (0, (2, 1, 1), [("E0301", 2)])


@pytest.mark.parametrize(
    "record",
    [
        '{"type": "reported", "incident": "\\ud800", "severity": "A", "at": "2025-04-16T09:00:00+02:00"}',
        '{"type": "\\ud800", "incident": "I2", "at": "2025-04-16T09:00:00+02:00"}',
    ],
    ids=["incident", "in-a-rejected-record's-message"],
)
def test_f7_a_lone_surrogate_is_a_rejected_record_and_the_output_stays_valid(tmp_path: Path, record: str) -> None:
    path = write(tmp_path, "surrogate.jsonl", lines(R, record))
    for output in FORMATS:
        done = cli_bytes("check", "--format", output, IZY, path)
        assert done.returncode == 0, (output, done.stderr)
        stdout = done.stdout.decode("utf-8")  # strictly UTF-8
        if output == "text":
            assert "Records: 2 read = 1 evaluated + 1 rejected" in stdout
            assert re.search(r":2: E03\d\d ", stdout), stdout
        elif output == "json":
            records = json.loads(stdout)["records"]
            assert (records["read"], records["evaluated"], records["rejected"]) == (2, 1, 1)
            [rejected] = records["diagnostics"]
            assert rejected["code"].startswith("E03") and rejected["span"]["line"] == 2
        else:
            found = items(stdout)
            [rejected] = [item for item in found if item["type"] == "rejected"]
            assert rejected["code"].startswith("E03") and rejected["span"]["line"] == 2
            assert found[-1]["records"] == {"read": 2, "evaluated": 1, "rejected": 1}


@pytest.mark.parametrize(
    "deep",
    ["[" * 1000 + "]" * 1000, '{"type": "customer", "id": "a", "x": ' + "[" * 1000 + "]" * 1000 + "}"],
    ids=["bare", "in-a-record"],
)
def test_f8_nesting_1000_deep_on_one_line_is_e0301(tmp_path: Path, deep: str) -> None:
    run = same_everywhere(check_all(IZY, write(tmp_path, "deep.jsonl", lines(R, deep))))
    assert (run.exit, run.counts, run.codes()) == (0, (2, 1, 1), [("E0301", 2)])


def test_f8_a_fee_of_9e999999_is_e0313(tmp_path: Path) -> None:
    # Izy's own timeline, its customer (whose refund pays out) given a fee no decimal context holds.
    izy = (ROOT / "agreements" / "izy.timeline.jsonl").read_text(encoding="utf-8").splitlines()
    izy[0] = '{"type": "customer", "id": "acme", "fee": "9e999999", "currency": "EUR"}'
    run = same_everywhere(check_all(IZY, write(tmp_path, "fee.jsonl", lines(*izy))))
    assert ("E0313", 1) in run.codes()
    assert run.counts is not None and run.counts[0] == len(izy)


def test_f8_a_csv_with_cr_only_line_ends_is_read(tmp_path: Path) -> None:
    path = write(tmp_path, "cr.csv", "type,incident,severity,at\rreported,I1,A,2025-04-16T09:00:00+02:00\r")
    run = same_everywhere(check_all(IZY, path))
    assert (run.exit, run.counts, run.codes()) == (0, (1, 1, 0), [])


def test_f9_a_jsonl_file_whose_first_line_is_an_array_reads_every_line(tmp_path: Path) -> None:
    report = R.replace('"severity"', '"customer": "a", "severity"')
    path = write(tmp_path, "first-array.jsonl", lines('[{"type": "customer", "id": "a"}]', report, LATE))
    run = same_everywhere(check_all(IZY, path))
    assert run.exit == 1  # the late response is found
    assert run.counts is not None and run.counts[0] == 3


def test_f10_a_bad_item_in_a_json_array_costs_that_item_only(tmp_path: Path) -> None:
    text = (
        '[{"type": "customer", "id": "a"},\n'
        " {bad},\n"
        ' {"type": "customer", "id": "b"},\n'
        ' {"type": "customer", "id": "c"}]\n'
    )
    run = same_everywhere(check_all(IZY, write(tmp_path, "bad-item.json", text)))
    assert (run.exit, run.counts, run.codes()) == (0, (4, 3, 1), [("E0301", 2)])


def test_f10_text_after_a_json_arrays_end_is_rejected(tmp_path: Path) -> None:
    run = same_everywhere(check_all(IZY, write(tmp_path, "after.json", f"[{R}] {LATE}\n")))
    assert ("E0301", 1) in run.codes()
    assert run.counts is not None and run.counts[1] == 1 and run.counts[0] == run.counts[1] + run.counts[2]


@pytest.mark.parametrize("space", ["\u00a0", "\u3000"], ids=["U+00A0", "U+3000"])
@pytest.mark.parametrize("strict", [False, True], ids=["plain", "strict"])
def test_f11_a_line_of_unicode_space_is_read_alike_in_every_format(
    tmp_path: Path, space: str, strict: bool
) -> None:
    path = write(tmp_path, "space.jsonl", lines(R, LATE, space))
    runs = check_all(IZY, path, *(["--strict"] if strict else []))
    run = same_everywhere(runs)
    assert run.exit in (1, 2)


@pytest.mark.parametrize(
    "rows",
    [
        ('[{"type": "customer", "id": "a"}]', R.replace('"severity"', '"customer": "a", "severity"'), LATE),
        (R, LATE, "\u00a0"),
    ],
    ids=["F9-first-line-an-array", "F11-no-break-space-line"],
)
def test_f12_exit_codes_agree_across_formats_with_and_without_strict(
    tmp_path: Path, rows: tuple[str, ...]
) -> None:
    path = write(tmp_path, "t.jsonl", lines(*rows))
    for extra in ([], ["--strict"]):
        exits = {output: run.exit for output, run in check_all(IZY, path, *extra).items()}
        assert len(set(exits.values())) == 1, (extra, exits)
        assert set(exits.values()) <= {1, 2}  # the late response is a breach wherever it is read


# ---- F13-F19: figures that differ by format, and records accepted that should not be ----------------------------


def test_f13_jsonl_gives_customers_named_only_in_customer_records_their_figures(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "two-customers.jsonl",
        lines(
            '{"type": "customer", "id": "acme", "fee": "1000.00", "currency": "EUR"}',
            '{"type": "customer", "id": "beta", "fee": "1000.00", "currency": "EUR"}',
            '{"type": "reported", "incident": "I1", "customer": "acme", "severity": "A", '
            '"at": "2025-03-12T10:00:00+01:00"}',
            '{"type": "response", "incident": "I1", "at": "2025-03-12T10:30:00+01:00"}',
            '{"type": "outage", "id": "O", "start": "2025-03-12T09:00:00+01:00", '
            '"end": "2025-03-12T23:00:00+01:00"}',
        ),
    )
    stand = ("--as-of", "2025-05-01T00:00:00+02:00")
    whole = json.loads(check(IZY, path, "json", *stand).stdout)["totals"]
    streamed = [
        {k: v for k, v in item.items() if k != "type"}
        for item in items(check(IZY, path, "jsonl", *stand).stdout)
        if item["type"] == "total"
    ]
    # March 2025 has 44,580 minutes; 840 down is 98.116%: the 10% band, EUR 100 each.
    expected = [
        {"customer": "acme", "unit": "EUR", "value": "100.00"},
        {"customer": "beta", "unit": "EUR", "value": "100.00"},
    ]
    assert sorted(whole, key=str) == expected
    assert sorted(streamed, key=str) == expected


def test_f14_an_invalid_utf8_byte_costs_its_line_in_every_format(tmp_path: Path) -> None:
    bad = b'{"type": "reported", "incident": "I2", "severity": "A", "channel": "\xff"}'
    path = write(tmp_path, "byte.jsonl", R.encode() + b"\n" + bad + b"\n" + LATE.encode() + b"\n")
    run = same_everywhere(check_all(IZY, path))
    assert (run.exit, run.counts, run.codes()) == (1, (3, 2, 1), [("E0315", 2)])


def _isl_json(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(check(ISL, path, "json").stdout)
    return document


def _of(document: dict[str, Any], customer: str) -> tuple[list[Any], list[Any]]:
    return (
        [c for c in document["credits"] if c["customer"] == customer],
        [t for t in document["totals"] if t["customer"] == customer],
    )


def test_f15_a_claim_for_a_credit_the_agreement_lacks_is_e0319(tmp_path: Path) -> None:
    isl = ISL_TIMELINE.read_text(encoding="utf-8").splitlines()
    assert '"credit": "late_standard"' in isl[4]
    mutated = isl[:]
    mutated[4] = isl[4].replace("late_standard", "late_standrad")
    path = write(tmp_path, "isl.jsonl", lines(*mutated))
    run = same_everywhere(check_all(ISL, path))
    assert run.codes() == [("E0319", 5)]
    assert run.counts == (len(isl), len(isl) - 1, 1)  # every record read, the one bad claim rejected
    [rejected] = run.rejected
    assert rejected.column == column_of(mutated[4], '"late_standrad"')
    assert rejected.help is not None and "late_standard" in rejected.help
    # The studio's figures do not move.
    assert _of(_isl_json(path), "studio") == _of(_isl_json(ISL_TIMELINE), "studio")


@pytest.mark.parametrize("period", ["June 2025", "2025-Y", "2025-13", "x"])
def test_f15_a_claim_period_not_yyyy_quarter_or_month_is_e0322(tmp_path: Path, period: str) -> None:
    isl = ISL_TIMELINE.read_text(encoding="utf-8").splitlines()
    assert '"period": "2025"' in isl[19]
    isl[19] = isl[19].replace('"period": "2025"', f'"period": "{period}"')
    run = same_everywhere(check_all(ISL, write(tmp_path, "isl.jsonl", lines(*isl))))
    assert run.codes() == [("E0322", 20)]
    assert run.rejected[0].column == column_of(isl[19], f'"{period}"')


def test_f15_a_claim_with_neither_incident_nor_period_is_e0322(tmp_path: Path) -> None:
    isl = ISL_TIMELINE.read_text(encoding="utf-8").splitlines()
    isl[19] = isl[19].replace('"period": "2025", ', "")
    assert "period" not in isl[19] and "incident" not in isl[19]
    run = same_everywhere(check_all(ISL, write(tmp_path, "isl.jsonl", lines(*isl))))
    assert run.codes() == [("E0322", 20)]


def test_f15_a_claim_for_an_undeclared_customer_is_e0321(tmp_path: Path) -> None:
    isl = ISL_TIMELINE.read_text(encoding="utf-8").splitlines()
    isl[20] = isl[20].replace('"customer": "clinic"', '"customer": "clinc"')
    run = same_everywhere(check_all(ISL, write(tmp_path, "isl.jsonl", lines(*isl))))
    assert run.codes() == [("E0321", 21)]
    assert run.rejected[0].help is not None and "clinic" in run.rejected[0].help


def test_f15_a_well_formed_claim_that_matches_no_award_warns_w0302(tmp_path: Path) -> None:
    isl = ISL_TIMELINE.read_text(encoding="utf-8").splitlines()
    stray = (
        '{"type": "claim", "customer": "clinic", "credit": "yearly_uptime", "period": "2024", '
        '"at": "2025-01-09T11:00:00+01:00"}'
    )
    runs = check_all(ISL, write(tmp_path, "isl.jsonl", lines(*isl, stray)))
    run = same_everywhere(runs)
    before = check(ISL, ISL_TIMELINE).exit
    assert (run.exit, run.counts, run.codes()) == (before, (len(isl) + 1, len(isl) + 1, 0), [])
    for output, each in runs.items():
        assert [(w.code, w.line) for w in each.warnings if w.code == "W0302"] == [("W0302", len(isl) + 1)], output


def test_f16_a_customer_zone_away_from_utc_is_accepted(tmp_path: Path) -> None:
    for zone in ("Asia/Tokyo", "America/New_York", "Europe/Oslo"):
        customer = f'{{"type": "customer", "id": "a", "zone": "{zone}"}}'
        report = R.replace('"severity"', '"customer": "a", "severity"')
        run = same_everywhere(check_all(IZY, write(tmp_path, "zone.jsonl", lines(customer, report))))
        assert (run.exit, run.counts, run.codes()) == (0, (2, 2, 0), []), zone


@pytest.mark.parametrize("odd", ["\u2028", "\u0085", "\x0c"], ids=["U+2028", "U+0085", "form-feed"])
def test_f17_a_csv_field_holding_a_line_separator_does_not_shift_later_lines(tmp_path: Path, odd: str) -> None:
    path = write(
        tmp_path,
        "odd.csv",
        "type,incident,customer,severity,at\n"
        f"reported,I{odd}1,acme,A,2025-04-16T09:00:00+02:00\n"
        "reported,I2,acme,Z,2025-04-16T09:00:00+02:00\n",
    )
    run = same_everywhere(check_all(IZY, path))
    assert (run.counts, run.codes()) == ((2, 1, 1), [("E0308", 3)])


@pytest.mark.parametrize(
    ("ids", "rejected"),
    [
        (["100000000000000000000001", "100000000000000000000002"], [("E0303", 1), ("E0303", 2)]),
        (["1.5"], [("E0303", 1)]),
        (["42"], []),  # an exact integer within 64 bits is an id like any other
    ],
    ids=["above-2**64", "fraction", "small-integer"],
)
def test_f18_a_numeric_id_that_is_not_an_exact_64_bit_integer_is_e0303(
    tmp_path: Path, ids: list[str], rejected: list[tuple[str, int]]
) -> None:
    reports = [
        f'{{"type": "reported", "incident": {n}, "severity": "A", "at": "2025-04-16T09:00:00+02:00"}}' for n in ids
    ]
    run = same_everywhere(check_all(IZY, write(tmp_path, "ids.jsonl", lines(*reports, R))))
    assert run.codes() == rejected
    assert run.counts == (len(ids) + 1, len(ids) + 1 - len(rejected), len(rejected))
    for found in run.rejected:
        assert found.help is not None and "string" in found.help


def test_f19_a_reversed_period_range_is_a_usage_error() -> None:
    result = invoke("check", "--period", "2025-06..2024-01", IZY, ROOT / "agreements" / "izy.timeline.jsonl")
    assert result.exit_code == 2
    assert "--period" in result.stderr


# ---- F20-F25: resources; correctness at a moderate size, speed left to the benchmarks ---------------------------


def test_f20_a_2000_band_ladder_lints_with_its_one_gap_and_one_overlap(tmp_path: Path) -> None:
    step = Decimal("0.05")
    head = H + "response for A within 2 hours of core\n" + "availability up per calendar month at least 99%:\n"
    head += "    exclude force_majeure\n" + "credit r by up:\n"
    bands = [f"    below {step}% -> 50% of fee"]
    overlap_line = 0
    for i in range(1, 2000):
        low, high = step * i, step * (i + 1)
        if i == 1000:
            continue  # a gap: 50.00% to 50.05%
        if i == 1500:
            high += Decimal("0.01")  # overlaps the next band
            overlap_line = 10 + len(bands)
        bands.append(f"    at least {low}% and below {high}% -> 10% of fee")
    bands.append(f"    at least {step * 2000}% -> 0% of fee")
    assert len(bands) == 2000
    status, found = lint(write(tmp_path, "ladder.sla", head + "\n".join(bands) + "\n"))
    assert status == 0, errors(found)
    assert [f.code for f in found if f.code == "W0201"] == ["W0201"]
    assert "50" in next(f.message for f in found if f.code == "W0201")
    overlaps = [f.line for f in found if f.code == "W0202"]
    assert len(overlaps) == 1 and overlaps[0] in (overlap_line, overlap_line + 1)


def test_f21_an_agreement_of_2000_severities_and_targets_lints_formats_and_explains(tmp_path: Path) -> None:
    n = 1000
    text = (
        'agreement "T":  § 1\n    zone Europe/Oslo\ncalendar core:  § 2\n    open monday to friday 08:00-17:00\n'
    )
    text += "".join(f'severity S{i} "Level {i}"  § 3\n' for i in range(n))
    text += "".join(f"response for S{i} within {i // 25 + 1} hours of core  § 4\n" for i in range(n))  # 1 to 40
    path = write(tmp_path, "many.sla", text)
    status, found = lint(path)
    assert (status, found) == (0, [])
    assert invoke("fmt", "--check", path).exit_code == 0
    explained = invoke("explain", "--year", "2025", path)
    assert explained.exit_code == 0
    assert f"`S{n - 1}`" in explained.stdout
    assert explained.stdout.count("- Response for severity") == n


def test_f22_a_5000_row_csv_reads_every_row_with_the_right_line_numbers(tmp_path: Path) -> None:
    rows = ["type,incident,severity,at,channel"]
    for k in range(5000):
        at = _utc(1_735_689_600 + k * 37 * 60)  # from 2025-01-01, every 37 minutes
        severity = "Z" if k == 4990 else "A"
        channel = '"phone\nthen email"' if k == 10 else "email"  # one quoted field spans two lines
        rows.append(f"reported,I{k},{severity},{at},{channel}")
    path = write(tmp_path, "big.csv", "\n".join(rows) + "\n")
    runs = {output: check(IZY, path, output) for output in ("json", "jsonl")}
    for output, run in runs.items():
        # Row k is on line k + 2, and one line later from row 11 on.
        assert (run.counts, run.codes()) == ((5000, 4999, 1), [("E0308", 4990 + 3)]), output


def test_f24_every_customer_gets_its_availability_when_outages_affect_everyone(tmp_path: Path) -> None:
    customers = [f'{{"type": "customer", "id": "c{i:03d}", "fee": "100", "currency": "EUR"}}' for i in range(100)]
    outages = [
        '{"type": "outage", "id": "O1", "start": "2025-03-12T09:00:00+01:00", "end": "2025-03-12T11:00:00+01:00"}',
        '{"type": "outage", "id": "O2", "start": "2025-04-10T09:00:00+02:00", "end": "2025-04-10T09:30:00+02:00"}',
    ]
    path = write(tmp_path, "everyone.jsonl", lines(*customers, *outages))
    stand = ("--as-of", "2025-04-30T00:00:00+02:00")
    whole = json.loads(check(IZY, path, "json", *stand).stdout)["availability"]
    streamed = [
        {k: v for k, v in item.items() if k != "type"}
        for item in items(check(IZY, path, "jsonl", *stand).stdout)
        if item["type"] == "availability"
    ]
    assert sorted(whole, key=str) == sorted(streamed, key=str)
    by_customer = {(a["customer"], a["period"]): a["downtime_seconds"] for a in whole}
    assert {customer for customer, _ in by_customer} == {f"c{i:03d}" for i in range(100)}
    for i in range(100):
        assert by_customer[(f"c{i:03d}", "2025-03")] == 2 * 3600
        assert by_customer[(f"c{i:03d}", "2025-04")] == 30 * 60


def _utc(seconds: int) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).isoformat()


def test_f25_a_generated_timeline_gives_the_same_figures_every_way_it_is_run(tmp_path: Path) -> None:
    rng = random.Random(25)
    out: list[str] = [
        json.dumps({"type": "customer", "id": f"c{i}", "fee": "1000.00", "currency": "EUR"}) for i in range(30)
    ]
    for n in range(1000):
        at = 1_738_400_000 + rng.randrange(0, 120 * 86400)  # February to May 2025
        stamp = _utc(at)
        out.append(
            json.dumps(
                {
                    "type": "reported",
                    "incident": f"I{n}",
                    "customer": f"c{rng.randrange(30)}",
                    "severity": rng.choice("ABC"),
                    "at": stamp,
                }
            )
        )
        if rng.random() < 0.9:
            out.append(
                json.dumps(
                    {"type": "response", "incident": f"I{n}", "at": _utc(at + rng.randrange(60, 30 * 3600))}
                )
            )
    for n in range(20):
        start = 1_738_400_000 + rng.randrange(0, 120 * 86400)
        record: dict[str, object] = {
            "type": "outage",
            "id": f"O{n}",
            "start": _utc(start),
            "end": _utc(start + rng.randrange(600, 36000)),
            "tags": ["force_majeure"] if n % 5 == 0 else [],
        }
        if n % 2:
            record["customer"] = f"c{rng.randrange(30)}"
        out.append(json.dumps(record))
    rng.shuffle(out)
    path = write(tmp_path, "generated.jsonl", lines(*out))
    one = cli_bytes("check", "--format", "jsonl", IZY, path)
    two = cli_bytes("check", "--format", "jsonl", "--jobs", "2", IZY, path)
    assert (one.returncode, one.stdout) == (two.returncode, two.stdout)
    streamed = items(one.stdout)
    whole = json.loads(check(IZY, path, "json").stdout)
    for kind, key in (("total", "totals"), ("availability", "availability"), ("credit", "credits")):
        mine = [{k: v for k, v in item.items() if k != "type"} for item in streamed if item["type"] == kind]
        assert sorted(mine, key=str) == sorted(whole[key], key=str), kind
    assert streamed[-1]["records"] == {"read": len(out), "evaluated": len(out), "rejected": 0}


def test_f23_a_time_ordered_severity_change_is_kept_by_every_format(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "ordered.jsonl",
        lines(
            R,
            '{"type": "response", "incident": "I1", "at": "2025-04-16T10:00:00+02:00"}',
            '{"type": "severity_changed", "incident": "I1", "severity": "B", "at": "2025-04-16T12:00:00+02:00"}',
        ),
    )
    runs = check_all(IZY, path)
    run = same_everywhere(runs)
    assert (run.counts, run.codes()) == ((3, 3, 0), [])
    targets = json.loads(runs["json"].stdout)["targets"]
    streamed = [item for item in items(runs["jsonl"].stdout) if item["type"] == "target"]
    assert [{k: v for k, v in t.items() if k != "type"} for t in streamed] == targets


# ---- newcomer friction points 1, 2, 4 and 8 ---------------------------------------------------------------------


def _cumulus(tmp_path: Path) -> Path:
    return write(tmp_path, "cumulus.sla", CUMULUS)


def test_newcomer_1_a_correct_claim_is_paid(tmp_path: Path) -> None:
    path = write(tmp_path, "june.jsonl", lines(GLOBEX, INITECH, GLOBEX_OUTAGE, GLOBEX_CLAIM))
    run = same_everywhere(check_all(_cumulus(tmp_path), path))
    assert (run.exit, run.counts, run.codes()) == (1, (4, 4, 0), [])
    totals = json.loads(run.stdout)["totals"]
    assert {"customer": "globex", "unit": "USD", "value": "250.00"} in totals


@pytest.mark.parametrize(
    "case",
    [
        ('"service_credit"', '"service_credits"', "E0319", '"service_credits"', "service_credit"),
        ('"2025-06"', '"June 2025"', "E0322", '"June 2025"', None),
        ('"customer": "globex"', '"customer": "globx"', "E0321", None, "globex"),
        (', "period": "2025-06"', "", "E0322", None, None),
    ],
    ids=["credit-typo", "period-in-words", "customer-typo", "no-period-nor-incident"],
)
def test_newcomer_1_a_claim_that_names_nothing_real_is_rejected(
    tmp_path: Path, case: tuple[str, str, str, str | None, str | None]
) -> None:
    before, after, code, caret, suggests = case  # what the claim says wrong, its code, caret and suggestion
    claim = GLOBEX_CLAIM.replace(before, after)
    assert claim != GLOBEX_CLAIM
    path = write(tmp_path, "june.jsonl", lines(GLOBEX, INITECH, GLOBEX_OUTAGE, claim))
    # A rejected record's instant does not move the as-of instant: stand after June, as the claim meant to.
    run = same_everywhere(check_all(_cumulus(tmp_path), path, "--as-of", "2025-07-02T10:00:00-04:00"))
    assert (run.exit, run.counts, run.codes()) == (1, (4, 3, 1), [(code, 4)])
    [rejected] = run.rejected
    if caret is not None:
        assert rejected.column == column_of(claim, caret)
    if suggests is not None:
        assert rejected.help is not None and suggests in rejected.help


@pytest.mark.parametrize(
    ("record", "code", "suggests"),
    [
        (GLOBEX_OUTAGE.replace('"tags": []', '"tags": ["force-majeure"]'), "E0320", "force_majeure"),
        (
            GLOBEX_OUTAGE.replace('"tags": []', '"tags": [], "notice": "2025-06-01T10:00:00-04:00"'),
            "E0323",
            None,
        ),
        (GLOBEX_OUTAGE.replace('"customer": "globex"', '"customer": "globx"'), "E0321", "globex"),
        (GLOBEX_REPORT.replace('"customer": "globex"', '"customer": "globx"'), "E0321", "globex"),
    ],
    ids=[
        "unknown-tag",
        "notice-without-maintenance-tag",
        "outage-for-undeclared-customer",
        "report-for-undeclared",
    ],
)
def test_newcomer_2_an_outage_or_report_that_names_nothing_real_is_rejected(
    tmp_path: Path, record: str, code: str, suggests: str | None
) -> None:
    path = write(tmp_path, "june.jsonl", lines(GLOBEX, INITECH, GLOBEX_CLAIM, record))
    run = same_everywhere(check_all(_cumulus(tmp_path), path))
    assert (run.counts, run.codes()) == ((4, 3, 1), [(code, 4)])
    [rejected] = run.rejected
    if suggests is not None:
        assert rejected.help is not None and suggests in rejected.help
    if code == "E0320":  # on the tags field
        assert record.index('"tags"') < (rejected.column or 0) <= record.index("]") + 1


def test_newcomer_2_an_outage_tag_like_none_the_agreement_excludes_is_e0320_and_its_help_lists_them(
    tmp_path: Path,
) -> None:
    record = GLOBEX_OUTAGE.replace('"tags": []', '"tags": ["weather"]')
    path = write(tmp_path, "june.jsonl", lines(GLOBEX, INITECH, GLOBEX_CLAIM, record))
    run = same_everywhere(check_all(_cumulus(tmp_path), path))
    assert run.codes() == [("E0320", 4)]
    [rejected] = run.rejected
    assert rejected.message == "tag `weather` is not one the agreement excludes, nor `maintenance`"
    assert rejected.help == "tags: `customer_cause`, `force_majeure`, `maintenance`"


def test_newcomer_2_an_outage_id_given_twice_is_e0311(tmp_path: Path) -> None:
    second = GLOBEX_OUTAGE.replace("2025-06-10", "2025-06-11")
    path = write(tmp_path, "june.jsonl", lines(GLOBEX, GLOBEX_OUTAGE, second))
    run = same_everywhere(check_all(_cumulus(tmp_path), path))
    assert (run.counts, run.codes()) == ((3, 2, 1), [("E0311", 3)])


def test_newcomer_2_without_customer_records_named_customers_are_created(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "june.jsonl",
        lines(GLOBEX_OUTAGE.replace("globex", "anyone"), GLOBEX_REPORT.replace("globex", "someone"), GLOBEX_CLAIM),
    )
    run = same_everywhere(check_all(_cumulus(tmp_path), path))
    assert (run.counts, run.codes()) == ((3, 3, 0), [])
    customers = {a["customer"] for a in json.loads(run.stdout)["availability"]}
    assert {"anyone", "someone"} <= customers


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("empty.jsonl", ""),
        ("empty.json", "[]"),
        ("header-only.csv", "type,incident,severity,at\n"),
        ("all-rejected.jsonl", lines(R.replace('"A"', '"Z"'), R.replace("+02:00", ""))),
        (
            "servicenow.csv",
            "number,priority,opened_at,resolved_at\n"
            "INC0010001,1 - Critical,2025-06-10 10:00:00,2025-06-10 12:00:00\n"
            "INC0010002,2 - High,2025-06-11 10:00:00,2025-06-11 15:00:00\n",
        ),
    ],
)
def test_newcomer_4_a_check_that_evaluated_nothing_exits_2_and_says_so(
    tmp_path: Path, name: str, content: str
) -> None:
    path = write(tmp_path, name, content)
    for output in FORMATS:
        run = check(IZY, path, output)
        assert run.exit == 2, (output, run.stderr)
        assert re.search(r"evaluat|no record|nothing", run.stderr, re.IGNORECASE), (output, run.stderr)


@pytest.mark.parametrize(("zone", "code"), [("EST", "E0204"), ("America/New_Yrok", "E0203")])
def test_newcomer_8a_a_bad_zone_gives_its_error_and_no_cascade(tmp_path: Path, zone: str, code: str) -> None:
    path = write(tmp_path, "zone.sla", H.replace("Europe/Oslo", zone) + "response for A within 2 hours of core\n")
    status, found = lint(path)
    assert status == 1
    assert errors(found) == [(code, 2, 10)]


def test_newcomer_8b_an_over_indented_line_is_blamed_itself(tmp_path: Path) -> None:
    text = H.replace(
        "    open monday to friday 08:00-17:00\n",
        "    open monday to friday 08:00-17:00\n        closed on 1 january\n",
    )
    status, found = lint(write(tmp_path, "indent.sla", text))
    assert status == 1
    assert [(code, line) for code, line, _ in errors(found)] == [("E0104", 5)], errors(found)


@pytest.mark.parametrize("kind", ["jsonl", "csv"])
def test_newcomer_8c_an_event_whose_report_was_rejected_says_so(tmp_path: Path, kind: str) -> None:
    if kind == "jsonl":
        path = write(
            tmp_path,
            "t.jsonl",
            lines(
                R.replace('"A"', '"Z"'),
                LATE,
                '{"type": "reported", "incident": "I2", "severity": "A", "at": "2025-04-16T09:00:00+02:00"}',
            ),
        )
    else:
        path = write(
            tmp_path,
            "t.csv",
            "type,incident,severity,at\n"
            "reported,I1,Z,2025-04-16T09:00:00+02:00\n"
            "response,I1,,2025-04-16T13:00:00+02:00\n"
            "reported,I2,A,2025-04-16T09:00:00+02:00\n",
        )
    first = 1 if kind == "jsonl" else 2
    runs = check_all(IZY, path)
    run = same_everywhere(runs)
    assert run.codes() == [("E0308", first), ("E0310", first + 1)]
    for output, each in runs.items():
        [stray] = [f for f in each.rejected if f.code == "E0310"]
        said = f"{stray.message} {stray.help or ''}"
        assert f"line {first}" in said and "rejected" in said, (output, said)
        assert "never reported" not in said and "did you mean" not in said, (output, said)


@pytest.mark.parametrize(
    ("at", "code"),
    [("2025-06-10T10:00:00", "E0304"), ("2025-11-02T01:30:00[America/New_York]", "E0307")],
    ids=["no-offset", "repeated-hour"],
)
def test_newcomer_8d_timestamp_hints_follow_the_agreements_zone(tmp_path: Path, at: str, code: str) -> None:
    report = GLOBEX_REPORT.replace("2025-06-10T08:05:00-04:00", at)
    path = write(tmp_path, "t.jsonl", lines(GLOBEX, GLOBEX_REPORT.replace("INC-1", "INC-0"), report))
    run = same_everywhere(check_all(_cumulus(tmp_path), path))
    assert run.codes() == [(code, 3)]
    said = f"{run.rejected[0].message} {run.rejected[0].help or ''}"
    assert any(hint in said for hint in ("-04:00", "-05:00", "[America/New_York]")), said
    for wrong in ("+02:00", "+01:00", "Europe/Oslo"):
        assert wrong not in said, said


def test_newcomer_8e_two_syntax_errors_in_separate_blocks_are_both_reported(tmp_path: Path) -> None:
    text = H + "respnse for A within 2 hours of core\n" + "response for A within 2 hours of core\n"
    text += "calender other:\n    open always\n"
    status, found = lint(write(tmp_path, "two.sla", text))
    assert status == 1
    assert {6, 8} <= {line for _, line, _ in errors(found)}, errors(found)


# ---- S1-S3: security --------------------------------------------------------------------------------------------


def test_s1_explain_markdown_escapes_html_from_the_agreement(tmp_path: Path) -> None:
    text = """\
agreement "<script>alert(1)</script>":  § "<script>alert(2)</script>"
    provider "<script>alert(3)</script>"
    zone Europe/Oslo
calendar core:  § 1
    open monday to friday 08:00-17:00
severity A "Critical": "<script>alert(4)</script>"  § 2
response for A within 2 hours of core  § "<script>alert(5)</script>"
"""
    path = write(tmp_path, "html.sla", text)
    assert lint(path)[0] == 0
    result = invoke("explain", "--year", "2025", path)
    assert result.exit_code == 0
    assert "<script" not in result.stdout.lower()
    for n in range(1, 6):
        assert f"alert({n})" in result.stdout  # escaped, not dropped


@pytest.mark.parametrize("escape", ["\\u001b]0;title\\u0007", "\\u001b[31m"], ids=["OSC", "CSI"])
def test_s2_terminal_escapes_in_ids_never_reach_the_text_output_raw(tmp_path: Path, escape: str) -> None:
    incident = f"I{escape}title"
    path = write(
        tmp_path,
        "escape.jsonl",
        lines(
            R.replace('"I1"', f'"{incident}"'),
            LATE.replace('"I1"', f'"{incident}"'),
            f'{{"type": "response", "incident": "Z{escape}", "at": "2025-04-16T13:00:00+02:00"}}',  # E0310
        ),
    )
    text = cli_bytes("check", IZY, path)
    assert text.returncode == 1
    for raw in (b"\x1b", b"\x07"):
        assert raw not in text.stdout and raw not in text.stderr
    assert b"title" in text.stdout  # shown, escaped
    # On a terminal click strips nothing: what reaches it must already be harmless.
    terminal = CliRunner().invoke(main, ["check", str(IZY), str(path)], color=True)
    assert terminal.exit_code == 1, terminal.stderr
    for raw in (b"\x1b", b"\x07"):
        assert raw not in terminal.stdout_bytes and raw not in terminal.stderr_bytes
    document = json.loads(cli_bytes("check", "--format", "json", IZY, path).stdout)
    assert {t["incident"] for t in document["targets"]} == {json.loads(f'"{incident}"')}
    items(cli_bytes("check", "--format", "jsonl", IZY, path).stdout)


def test_s3_the_readme_names_every_command_that_writes_the_cache() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    paragraphs = [p for p in readme.split("\n\n") if "~/.cache/sladsl" in p or "XDG_CACHE_HOME" in p]
    assert paragraphs
    said = " ".join(paragraphs)
    for command in ("lint", "fmt", "explain", "check", "diff", "report"):
        assert re.search(rf"\b{command}\b", said), command


# ---- the issue's own list: a minimum award the customer's awards cannot be compared with --------------------


def test_a_minimum_award_that_cannot_apply_to_a_customer_says_so() -> None:
    """`minimum award USD 1.00` against a customer with a fee but no currency: its awards are a share of a fee in
    no known currency, so the minimum cannot be compared with them; W0303 says so instead of skipping it."""
    import sladsl  # noqa: PLC0415

    agreement_file = ROOT / "tests" / "data" / "bad" / "W0303-minimum-in-another-currency.sla"
    checked = sladsl.load(agreement_file.read_text(encoding="utf-8"), "m.sla")
    records = [
        {"type": "customer", "id": "acme", "fee": "0.50"},
        {
            "type": "outage",
            "id": "O",
            "customer": "acme",
            "start": "2025-03-03T09:00:00+01:00",
            "end": "2025-03-04T09:00:00+01:00",
        },
    ]
    report = sladsl.evaluate(checked.agreement, records, as_of=1_746_000_000)  # 2025-04-30: March is over
    [award] = report.awards
    assert (award.unit, award.value, award.status) == ("fee", Decimal("0.050"), "owed")  # 10% of 0.50, kept
    [warning] = [w for w in report.warnings if w.code == "W0303"]
    assert warning.message == (
        "the minimum award `USD 1.00` is not applied to customer `acme`'s awards: its fee or currency is not known"
    )
    assert warning.span is not None and warning.span.line == 13


def test_a_unicode_space_around_a_json_array_is_rejected_not_skipped() -> None:
    """Found by the fuzz campaign: the array reader took Python's white space for JSON's, so a no-break space
    before the `[` or a line separator after the `]` was skipped without a word, where JSON Lines rejects it."""
    import sladsl  # noqa: PLC0415

    record = '{"type": "customer", "id": "a"}'
    before = list(sladsl.read_timeline(f"\u00a0\n[{record}]".encode(), "t.json"))
    assert [type(e.raw).__name__ for e in before] == ["Reject", "dict"]
    assert before[0].raw.message == "text before the JSON array's `[`" and "U+00A0" in before[0].raw.help
    after = list(sladsl.read_timeline(f"[{record}]\n\u2028".encode(), "t.json"))
    assert [type(e.raw).__name__ for e in after] == ["dict", "Reject"]
    assert (after[1].where.line, after[1].where.column) == (2, 1)
