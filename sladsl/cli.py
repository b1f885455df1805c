"""The command line: one short function per command. The only module that prints, reads files or exits.

Exit codes: `lint` 0 no errors, 1 errors; `check` 0 all targets met, 1 breaches found; `fmt` 0 unchanged (or
rewritten), 1 would reformat. All give 2 on trouble (bad usage, an unreadable file, an agreement with errors, or
with `check --strict` a rejected record), and 70 on an internal error (a bug in sladsl: please report the
input); `fmt` gives 123 when it would change a file's meaning, as Black does.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from sladsl import load, load_kept
from sladsl.clock import TimestampError, parse_instant
from sladsl.diagnostics import Diagnostic, SlaError, decode, render_text, to_json
from sladsl.interpreter import evaluate
from sladsl.render import render_json
from sladsl.render import render_text as render_report
from sladsl.source import STDIN, STDIN_NAME, Source
from sladsl.timeline import read_timeline

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 70
LARGE_TIMELINE = 64 * 1024 * 1024  # bytes; above this, text and json output say that jsonl streams
EXIT_FORMAT_INTERNAL = 123  # fmt's internal error, as Black has it
EXIT_BROKEN_PIPE = 141
F = TypeVar("F", bound=Callable[..., Any])


def _read(path: str, code: str = "E0113", *, stdin: bool = False) -> Source:
    """A user-named file as text; an unreadable file is a usage error, one that is not UTF-8 a diagnostic. With
    `stdin`, a path of `-` is standard input."""
    source, problems = _read_checked(path, code, stdin=stdin)
    if problems:
        click.echo(render_text(problems, {source.name: source}), err=True, nl=False)
        sys.exit(EXIT_USAGE)
    return source


def _read_checked(path: str, code: str = "E0113", *, stdin: bool = False) -> tuple[Source, list[Diagnostic]]:
    if stdin and path == STDIN:
        _stdin_open()
        return decode(STDIN_NAME, sys.stdin.buffer.read(), code)
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        raise click.UsageError(f"cannot read {path}: {error.strerror or error}") from None
    return decode(path, raw, code)


def _stdin_open() -> None:
    if sys.stdin is None or sys.stdin.closed:
        raise click.UsageError("the timeline is `-`, but standard input is closed")


def _read_timeline(path: str) -> Source:
    """The timeline named on the command line, as text; `-` is standard input."""
    return _read(path, "E0315", stdin=True)


def _as_of(value: str | None) -> int | None:
    """The `--as-of` instant, or None for the timeline's own latest instant."""
    if value is None:
        return None
    try:
        return parse_instant(value)
    except TimestampError as error:
        advice = f" ({error.help})" if error.help else ""
        raise click.BadParameter(f"{error}{advice}", param_hint="--as-of") from None


def _guard(command: F) -> F:
    """Turn an unexpected exception into exit 70 and a one-line request, never a bare traceback."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit, SystemExit):
            raise
        except SlaError as error:
            # An agreement that loaded but cannot answer for this timeline (E0221): shown with its excerpt.
            sources = {}
            for diagnostic in error.diagnostics:
                if diagnostic.span is not None and diagnostic.span.file not in sources:
                    with contextlib.suppress(click.ClickException):
                        sources[diagnostic.span.file] = _read(diagnostic.span.file)
            click.echo(render_text(error.diagnostics, sources), err=True, nl=False)
            click.echo("nothing more was decided", err=True)
            sys.exit(EXIT_USAGE)
        except BrokenPipeError:
            # The reader went away (`| head`): stop quietly with the code a shell gives a tool killed by SIGPIPE.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(EXIT_BROKEN_PIPE)
        except Exception as error:
            click.echo(
                f"internal error: {type(error).__name__}: {error}\n"
                "this is a bug in sladsl; please report it with the input that caused it",
                err=True,
            )
            sys.exit(EXIT_INTERNAL)

    wrapper.__name__ = command.__name__
    wrapper.__doc__ = command.__doc__
    return wrapper  # type: ignore[return-value]


@click.group()
@click.version_option(package_name="sladsl")
def main() -> None:
    """Check incident timelines against service level agreements written in the sladsl language."""


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--format",
    "output",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json prints one array of diagnostics to stdout.",
)
@_guard
def lint(files: tuple[str, ...], output: str) -> None:
    """Check agreement files and print their diagnostics.

    Exits 0 when no file has errors (warnings allowed), 1 when any has, 2 on usage errors.
    """
    sources: dict[str, Source] = {}
    diagnostics: list[Diagnostic] = []
    for path in files:
        source, problems = _read_checked(path)
        sources[path] = source
        if problems:
            diagnostics.extend(problems)
            continue
        try:
            diagnostics.extend(load(source.text, path).warnings)
        except SlaError as error:
            diagnostics.extend(error.diagnostics)
    errors = sum(d.is_error for d in diagnostics)
    warnings = len(diagnostics) - errors
    if output == "json":
        click.echo(json.dumps([to_json(d) for d in diagnostics], indent=2, ensure_ascii=False))
    elif diagnostics:
        click.echo(render_text(diagnostics, sources), err=True, nl=False)
    click.echo(
        f"{len(files)} file{'s' if len(files) != 1 else ''}: {errors} error{'s' if errors != 1 else ''}, "
        f"{warnings} warning{'s' if warnings != 1 else ''}",
        err=True,
    )
    sys.exit(EXIT_FINDINGS if errors else EXIT_OK)


def _period_option(value: str | None, zone: str) -> tuple[int, int] | None:
    """`2025-06`, `2025`, `2025-Q2`, or a range `2025-04..2025-06`, as a half-open span of instants."""
    if value is None:
        return None
    from sladsl.clock import period_bounds  # noqa: PLC0415

    def bounds(text: str) -> tuple[int, int]:
        import datetime as dt  # noqa: PLC0415

        try:
            if len(text) == 4:
                return period_bounds(dt.date(int(text), 1, 1), "year", zone)
            if "-Q" in text:
                year, quarter = text.split("-Q")
                return period_bounds(dt.date(int(year), 3 * int(quarter) - 2, 1), "quarter", zone)
            year, month = text.split("-")
            return period_bounds(dt.date(int(year), int(month), 1), "month", zone)
        except ValueError:
            raise click.BadParameter(f"`{text}` is not a period like 2025, 2025-Q2 or 2025-06") from None

    first, _, last = value.partition("..")
    return bounds(first)[0], bounds(last or first)[1]


@main.command()
@click.argument("agreement", type=click.Path(dir_okay=False))
@click.argument("timeline", type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "--format",
    "output",
    type=click.Choice(["text", "json", "jsonl"]),
    default="text",
    show_default=True,
    help="jsonl streams one JSON line per result, in memory that follows the incidents still open.",
)
@click.option("--explain", is_flag=True, help="Show how every figure was reached: clocks, pauses, outages, bands.")
@click.option("--period", help="Only report this period: 2025, 2025-Q2, 2025-06, or a range 2025-04..2025-06.")
@click.option(
    "--as-of", "as_of", help="Evaluate as of this instant (default: the latest instant in the timeline)."
)
@click.option("--strict", is_flag=True, help="Treat any rejected record as fatal (exit 2).")
@click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="With --format jsonl: worker processes, each taking a share of the incidents. Output is identical.",
)
@_guard
def check(
    *,
    agreement: str,
    timeline: str,
    output: str,
    explain: bool,
    period: str | None,
    as_of: str | None,
    strict: bool,
    jobs: int,
) -> None:
    """Check TIMELINE (JSON Lines, CSV or a JSON array) against AGREEMENT. A TIMELINE of `-` is standard input:
    JSON Lines or a JSON array.

    Exits 0 when every decided target is met, 1 when any target, KPI or commitment is breached, 2 on trouble.
    """
    agreement_source = _read(agreement)
    try:
        checked = load_kept(agreement_source.text, agreement)
    except SlaError as error:
        click.echo(render_text(error.diagnostics, {agreement: agreement_source}), err=True, nl=False)
        click.echo(f"{agreement} has errors: nothing was checked", err=True)
        sys.exit(EXIT_USAGE)
    if checked.warnings:
        count = len(checked.warnings)
        click.echo(
            f"{agreement}: {count} warning{'s' if count != 1 else ''}; `sladsl lint {agreement}` shows them",
            err=True,
        )
    model = checked.agreement
    stand = _as_of(as_of)
    window = _period_option(period, model.local_zone)
    if output == "jsonl":
        _check_lines(model, agreement, timeline, stand, window, explain=explain, strict=strict, jobs=jobs)
    if jobs > 1:
        raise click.UsageError("--jobs needs --format jsonl")
    with contextlib.suppress(OSError):
        if timeline != STDIN and os.path.getsize(timeline) > LARGE_TIMELINE:
            click.echo(
                f"{timeline} is large: it is read whole; `--format jsonl` checks it in memory that follows the "
                "incidents still open",
                err=True,
            )
    source = _read_timeline(timeline)
    records = read_timeline(source, model)
    report = evaluate(model, records, stand)
    if window is not None:
        report = report.within(*window)
    if output == "json":
        click.echo(
            json.dumps(
                render_json(report, agreement, source.name, records.rejected, records.warnings),
                indent=2,
                ensure_ascii=False,
            )
        )
    else:
        click.echo(
            render_report(
                report,
                agreement,
                source.name,
                explain=explain,
                rejected=records.rejected,
                warnings=records.warnings,
                period=period,
            ),
            nl=False,
        )
    if records.rejected:
        click.echo(f"{len(records.rejected)} of {records.read} records rejected; see Records above", err=True)
        if strict:
            sys.exit(EXIT_USAGE)
    sys.exit(EXIT_FINDINGS if report.breaches else EXIT_OK)


def _check_lines(
    model: Any,
    agreement: str,
    timeline: str,
    stand: int | None,
    window: tuple[int, int] | None,
    *,
    explain: bool,
    strict: bool,
    jobs: int,
) -> None:
    """`check --format jsonl`: stream the results to stdout, then exit as `check` does."""
    from sladsl.stream import (  # noqa: PLC0415 - only jsonl needs it
        STDIN_ONE_JOB,
        TimelineUnreadable,
        WorkerLost,
        check_stream,
    )

    if timeline == STDIN:
        _stdin_open()
        if jobs > 1:
            raise click.UsageError(STDIN_ONE_JOB)
    else:
        try:
            with open(timeline, "rb"):
                pass
        except OSError as error:
            raise click.UsageError(f"cannot read {timeline}: {error.strerror or error}") from None
    out = sys.stdout.buffer
    try:
        counts = check_stream(
            model, agreement, timeline, out, as_of=stand, explain=explain, jobs=jobs, window=window
        )
    except TimelineUnreadable as error:
        click.echo(render_text(error.problems, {error.source.name: error.source}), err=True, nl=False)
        sys.exit(EXIT_USAGE)
    except WorkerLost as error:
        out.flush()
        click.echo(f"error: {error}; its results are lost, so no more lines were written", err=True)
        sys.exit(EXIT_USAGE)
    out.flush()
    if counts["rejected"]:
        click.echo(
            f"{counts['rejected']} of {counts['read']} records rejected; see the `rejected` lines", err=True
        )
        if strict:
            sys.exit(EXIT_USAGE)
    sys.exit(EXIT_FINDINGS if counts["breaches"] else EXIT_OK)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--check", "check_only", is_flag=True, help="Write nothing; exit 1 if any file would change.")
@click.option("--diff", is_flag=True, help="Write nothing; print what would change as a unified diff.")
@_guard
def fmt(files: tuple[str, ...], check_only: bool, diff: bool) -> None:
    """Rewrite agreement files in the one canonical layout; comments survive.

    Exits 0 when nothing changed (or, with --check or --diff, nothing would), 1 when a file would change, 2 when
    a file cannot be read or has syntax errors, and 123 if formatting would change a file's meaning (a bug:
    nothing is written).
    """
    from sladsl.formatter import FormatError, changed_lines, format_source  # noqa: PLC0415

    would_change = []
    for path in files:
        source = _read(path)
        try:
            formatted = format_source(source)
        except SlaError as error:
            click.echo(render_text(error.diagnostics, {path: source}), err=True, nl=False)
            sys.exit(EXIT_USAGE)
        except FormatError as error:
            click.echo(f"internal error: {error}\nplease report it with the input that caused it", err=True)
            sys.exit(EXIT_FORMAT_INTERNAL)
        if formatted == source.text:
            continue
        would_change.append(path)
        if diff:
            click.echo(
                "".join(changed_lines(source.text, formatted))
                .replace("--- before", f"--- {path}", 1)
                .replace("+++ after", f"+++ {path} (formatted)", 1),
                nl=False,
            )
        elif not check_only:
            Path(path).write_text(formatted, encoding="utf-8")
    verb = "would reformat" if (check_only or diff) else "reformatted"
    for path in would_change:
        click.echo(f"{verb} {path}", err=True)
    click.echo(f"{len(files)} file{'s' if len(files) != 1 else ''}: {len(would_change)} {verb}", err=True)
    sys.exit(EXIT_FINDINGS if would_change and (check_only or diff) else EXIT_OK)


@main.command("explain")
@click.argument("agreement", type=click.Path(dir_okay=False))
@click.option(
    "--year", type=click.IntRange(1971, 9998), help="List holiday closures for this year [default: this year]."
)
@click.option(
    "--html",
    "html_out",
    type=click.Path(dir_okay=False, writable=True),
    help="Also write a self-contained HTML page to this file.",
)
@_guard
def explain_command(agreement: str, year: int | None, html_out: str | None) -> None:
    """Render AGREEMENT in plain English (Markdown on stdout), clause by clause with § and line numbers."""
    import datetime as dt  # noqa: PLC0415

    from sladsl.checker import check as check_document  # noqa: PLC0415
    from sladsl.explain import explain, render_html, render_markdown  # noqa: PLC0415
    from sladsl.parser import parse_source  # noqa: PLC0415

    source = _read(agreement)
    try:
        document = parse_source(source)
        checked = check_document(document)  # parsed once, checked from the same tree
    except SlaError as error:
        click.echo(render_text(error.diagnostics, {agreement: source}), err=True, nl=False)
        sys.exit(EXIT_USAGE)
    blocks = explain(document, checked, year or dt.date.today().year)
    click.echo(render_markdown(blocks), nl=False)
    if html_out is not None:
        try:
            page = render_html(blocks, checked.agreement.title, source.text)
            Path(html_out).write_text(page, encoding="utf-8")
        except OSError as error:
            raise click.UsageError(f"cannot write {html_out}: {error.strerror or error}") from None
        click.echo(f"wrote {html_out}", err=True)


@main.command("diff")
@click.argument("old", type=click.Path(dir_okay=False))
@click.argument("new", type=click.Path(dir_okay=False))
@click.argument("timeline", type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "--as-of", "as_of", help="Evaluate as of this instant (default: the latest instant in the timeline)."
)
@_guard
def diff_command(old: str, new: str, timeline: str, as_of: str | None) -> None:
    """What-if: evaluate TIMELINE under OLD and NEW versions of an agreement and show what changes.

    Exits 0 when no verdict or credit changes, 1 when any does, 2 on trouble.
    """
    from sladsl.checker import check as check_document  # noqa: PLC0415
    from sladsl.compare import compare  # noqa: PLC0415
    from sladsl.compare import render_text as render_comparison  # noqa: PLC0415
    from sladsl.parser import parse_source  # noqa: PLC0415

    stand = _as_of(as_of)
    timeline_source = _read_timeline(timeline)
    documents, reports = [], []
    for path in (old, new):
        source = _read(path)
        try:
            documents.append(parse_source(source))
            checked = check_document(documents[-1])
        except SlaError as error:
            click.echo(render_text(error.diagnostics, {path: source}), err=True, nl=False)
            sys.exit(EXIT_USAGE)
        records = read_timeline(timeline_source, checked.agreement)
        if records.rejected:
            click.echo(
                f"{path}: {len(records.rejected)} of {records.read} timeline records rejected "
                f"(`sladsl check {path} {timeline}` lists them)",
                err=True,
            )
        reports.append(evaluate(checked.agreement, records, stand))
    comparison = compare(documents[0], documents[1], reports[0], reports[1])
    click.echo(render_comparison(comparison, old, new, timeline_source.name), nl=False)
    sys.exit(EXIT_FINDINGS if comparison.differs else EXIT_OK)


@main.command("report")
@click.argument("agreement", type=click.Path(dir_okay=False))
@click.argument("timeline", type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "--html",
    "html_out",
    required=True,
    type=click.Path(dir_okay=False, writable=True),
    help="Write the report as one self-contained HTML page to this file.",
)
@click.option("--period", help="Only draw this period: 2025, 2025-Q2, 2025-06, or a range 2025-04..2025-06.")
@click.option(
    "--as-of", "as_of", help="Evaluate as of this instant (default: the latest instant in the timeline)."
)
@_guard
def report_command(agreement: str, timeline: str, html_out: str, period: str | None, as_of: str | None) -> None:
    """Draw TIMELINE under AGREEMENT as an HTML page: incident timelines, availability, credits after caps."""
    from sladsl.html_report import render_html as render_page  # noqa: PLC0415

    agreement_source = _read(agreement)
    try:
        checked = load(agreement_source.text, agreement)
    except SlaError as error:
        click.echo(render_text(error.diagnostics, {agreement: agreement_source}), err=True, nl=False)
        sys.exit(EXIT_USAGE)
    stand = _as_of(as_of)
    window = _period_option(period, checked.agreement.local_zone)
    source = _read_timeline(timeline)
    records = read_timeline(source, checked.agreement)
    report = evaluate(checked.agreement, records, stand)
    if window is not None:
        report = report.within(*window)
    try:
        Path(html_out).write_text(render_page(report, agreement, source.name, period=period), encoding="utf-8")
    except OSError as error:
        raise click.UsageError(f"cannot write {html_out}: {error.strerror or error}") from None
    if records.rejected:
        click.echo(
            f"{len(records.rejected)} of {records.read} records rejected; `sladsl check` lists them", err=True
        )
    click.echo(f"wrote {html_out}", err=True)
