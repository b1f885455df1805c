"""The command line: one short function per command. With `sladsl.run`, the only code that prints, reads
user-named files or exits.

Exit codes: `lint` 0 no errors, 1 errors; `check` 0 all targets met, 1 breaches found; `fmt` 0 unchanged (or
rewritten), 1 would reformat; `diff` 0 nothing changes, 1 something does. All give 2 on trouble (bad usage, an
unreadable file, an agreement with errors, or with `check --strict` a rejected record), and 70 on an internal
error (a bug in sladsl: please report the input); `fmt` gives 123 when it would change a file's meaning, as
Black does.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NoReturn, TypeVar

import click
import orjson

from sladsl import load
from sladsl.diagnostics import Diagnostic, SlaError
from sladsl.evaluation.verdicts import Records, Report
from sladsl.model import Agreement
from sladsl.render.diagnostics import render_text, to_json
from sladsl.run import files, store
from sladsl.run.check import Options, WorkerLost, report, stream
from sladsl.run.progress import Progress
from sladsl.source import Source
from sladsl.time.instants import TimestampError, parse_instant_in
from sladsl.time.periods import named
from sladsl.timeline.formats import Entry, kind_of

if TYPE_CHECKING:
    from sladsl.language.ast import Document

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 70
LARGE_TIMELINE = 64 * 1024 * 1024  # bytes; above this, text and json output say that jsonl streams
EXIT_FORMAT_INTERNAL = 123  # fmt's internal error, as Black has it
EXIT_BROKEN_PIPE = 141
F = TypeVar("F", bound=Callable[..., Any])
# `sladsl.importers.KINDS`, named here so that only the commands that import load the importers (a test keeps
# the two the same).
IMPORT_KINDS = ("generic", "jira", "pagerduty", "servicenow", "statuspage", "zendesk")


def _read(path: str, code: str = "E0113") -> Source:
    """A user-named file as text; unreadable, a usage error; not UTF-8, its diagnostic and exit 2."""
    source, problems = _read_checked(path, code)
    if problems:
        _fail(problems, {source.name: source})
    return source


def _read_checked(path: str, code: str = "E0113") -> tuple[Source, list[Diagnostic]]:
    try:
        return files.read_source(path, code)
    except files.InputError as error:
        raise click.UsageError(str(error)) from None


def _fail(diagnostics: list[Diagnostic], sources: dict[str, Source], then: str | None = None) -> NoReturn:
    """Show diagnostics (and what they stopped), then exit 2."""
    _show(render_text(diagnostics, sources), err=True)
    if then is not None:
        click.echo(then, err=True)
    sys.exit(EXIT_USAGE)


def _agreement(path: str) -> Agreement:
    """A checked agreement from a user-named file (kept between runs); its errors end the command."""
    source = _read(path)
    try:
        checked = store.load_kept(source.text, path)
    except SlaError as error:
        _fail(error.diagnostics, {path: source}, f"{path} has errors: nothing was checked")
    if checked.warnings:
        count = len(checked.warnings)
        click.echo(
            f"{path}: {count} warning{'s' if count != 1 else ''}; `sladsl lint {path}` shows them", err=True
        )
    return checked.agreement


def _as_of(value: str | None, zone: str) -> int | None:
    """The `--as-of` instant, or None for the timeline's own latest instant; a local time without an offset is
    read in `zone`, the agreement's."""
    if value is None:
        return None
    try:
        return parse_instant_in(value, zone)
    except TimestampError as error:
        advice = f" ({error.help})" if error.help else ""
        raise click.BadParameter(f"{error}{advice}", param_hint="--as-of") from None


def _window(value: str | None, zone: str) -> tuple[int, int] | None:
    """`--period`: `2025-06`, `2025`, `2025-Q2`, or a range `2025-04..2025-06`, as a half-open span of instants."""
    if value is None:
        return None
    try:
        return named(value, zone)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--period") from None


_PAINT = re.compile(
    r"(?P<error>^error(?:\[E\d{4}\])?)|(?P<warning>^warning(?:\[W\d{4}\])?)|(?P<bad>\bBREACHED\b)"
    r"|(?P<good>\bMET\b|\bmet(?=, ))|(?P<open>\bPENDING\b|\bpending\b)",
    re.MULTILINE,
)
_COLOURS = {"error": "red", "warning": "yellow", "bad": "red", "good": "green", "open": "yellow"}


def _show(text: str, *, err: bool = False) -> None:
    """Text for people, with errors and breaches in red, warnings and pending targets in yellow and met ones in
    green when the stream is a terminal and `NO_COLOR` is not set (https://no-color.org); plain otherwise."""
    stream = sys.stderr if err else sys.stdout
    if not os.environ.get("NO_COLOR") and stream.isatty():
        text = _PAINT.sub(lambda m: click.style(m.group(0), fg=_COLOURS[m.lastgroup or "error"], bold=True), text)
    click.echo(text, err=err, nl=False)


def _guard(command: F) -> F:
    """Turn an unexpected exception into exit 70 and a one-line request, never a bare traceback."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit, SystemExit):
            raise
        except files.InputError as error:
            raise click.UsageError(str(error)) from None
        except SlaError as error:
            # A timeline that cannot be read (E0315), or an agreement that loaded but cannot answer for this
            # timeline (E0221): shown with its excerpt.
            sources = {}
            for diagnostic in error.diagnostics:
                if diagnostic.span is not None and diagnostic.span.file not in sources:
                    with contextlib.suppress(click.ClickException, files.InputError, SystemExit):
                        sources[diagnostic.span.file] = _read_checked(diagnostic.span.file, "E0315")[0]
            _fail(error.diagnostics, sources, "nothing more was decided")
        except BrokenPipeError:
            # The reader went away (`| head`): stop quietly with the code a shell gives a tool killed by SIGPIPE.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(EXIT_BROKEN_PIPE)
        except Exception as error:
            _internal(f"{type(error).__name__}: {error}")

    wrapper.__name__ = command.__name__
    wrapper.__doc__ = command.__doc__
    return wrapper  # type: ignore[return-value]


def _internal(what: str) -> NoReturn:
    click.echo(
        f"internal error: {what}\nthis is a bug in sladsl; please report it with the input that caused it",
        err=True,
    )
    sys.exit(EXIT_INTERNAL)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="sladsl")
def main() -> None:
    """Check incident timelines against service level agreements written in the sladsl language."""
    store.use_folder()


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--format",
    "output",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json prints one array of diagnostics to stdout.",
)
@_guard
def lint(paths: tuple[str, ...], output: str) -> None:
    """Check agreement files and print their diagnostics. A path of `-` reads standard input.

    Exits 0 when no file has errors (warnings allowed), 1 when any has, 2 on usage errors.
    """
    sources: dict[str, Source] = {}
    diagnostics: list[Diagnostic] = []
    for path in paths:
        source, problems = _read_checked(path)
        sources[source.name] = source  # `-` is standard input, named `<stdin>`
        if problems:
            diagnostics.extend(problems)
            continue
        try:
            diagnostics.extend(load(source.text, source.name).warnings)
        except SlaError as error:
            diagnostics.extend(error.diagnostics)
    errors = sum(d.is_error for d in diagnostics)
    warnings = len(diagnostics) - errors
    if output == "json":
        click.echo(json.dumps([to_json(d) for d in diagnostics], indent=2, ensure_ascii=False))
    elif diagnostics:
        _show(render_text(diagnostics, sources), err=True)
    click.echo(
        f"{len(paths)} file{'s' if len(paths) != 1 else ''}: {errors} error{'s' if errors != 1 else ''}, "
        f"{warnings} warning{'s' if warnings != 1 else ''}",
        err=True,
    )
    sys.exit(EXIT_FINDINGS if errors else EXIT_OK)


@main.command()
@click.argument("agreement", type=click.Path(dir_okay=False))
@click.argument("timeline", type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "--format",
    "output",
    type=click.Choice(["text", "json", "jsonl"]),
    default="text",
    show_default=True,
    help="jsonl writes a JSON line per result as it is decided, in memory that follows the incidents still open.",
)
@click.option("--explain", is_flag=True, help="Show how every figure was reached: clocks, pauses, outages, bands.")
@click.option("--period", help="Only report this period: 2025, 2025-Q2, 2025-06, or a range 2025-04..2025-06.")
@click.option(
    "--as-of",
    "as_of",
    help="Evaluate as of this instant; a local time without an offset is in the agreement's zone "
    "(default: the latest instant in the timeline).",
)
@click.option("--strict", is_flag=True, help="Treat any rejected record as fatal (exit 2).")
@click.option(
    "--from",
    "kind",
    type=click.Choice(IMPORT_KINDS),
    help="TIMELINE is this tool's export: read it through the importer (see `sladsl import`).",
)
@click.option("--mapping", type=click.Path(dir_okay=False), help="With --from: the mapping file (TOML).")
@click.option(
    "--history",
    type=click.Path(dir_okay=False),
    multiple=True,
    help="With --from: an export of the tickets' history (sys_audit, audits, log entries, maintenances).",
)
@click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="With --format jsonl: worker processes, each taking a share of the incidents. Output is identical.",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="Check on the Dask cluster of this scheduler (tcp://host:8786), whose workers read TIMELINE at the "
    "same path; needs `pip install 'sladsl[dask]'`. Output is identical.",
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
    kind: str | None,
    mapping: str | None,
    history: tuple[str, ...],
    scheduler: str | None,
) -> None:
    """Check TIMELINE (JSON Lines, CSV or a JSON array) against AGREEMENT. A TIMELINE of `-` is standard input.
    With --from KIND, TIMELINE is that tool's export, read through its importer and --mapping.

    Exits 0 when every decided target is met, 1 when any target, KPI or commitment is breached, 2 on trouble.
    """
    model = _agreement(agreement)
    options = Options(_as_of(as_of, model.local_zone), _window(period, model.local_zone), explain)
    if jobs > 1 and output != "jsonl":
        raise click.UsageError("--jobs needs --format jsonl")
    if kind is None and (mapping is not None or history):
        raise click.UsageError("--mapping and --history need --from KIND")
    if kind is not None and scheduler is not None:
        raise click.UsageError("--scheduler reads JSON Lines; an export read with --from is checked here")
    imported = None
    if kind is not None:
        if jobs > 1:
            raise click.UsageError("--jobs reads JSON Lines; an export read with --from is checked in one process")
        imported = _imported(kind, mapping, history, timeline, model)
    if scheduler is not None:
        found = _on_cluster(scheduler, model, agreement, timeline, options, output, strict=strict, jobs=jobs)
    elif output == "jsonl":
        progress = Progress(files.size_of(timeline) if timeline != files.STDIN else None)
        try:
            summary = stream(
                model,
                agreement,
                timeline,
                sys.stdout.buffer,
                options,
                jobs=jobs,
                progress=progress,
                imported=imported,
            )
        except WorkerLost as error:
            sys.stdout.flush()
            click.echo(f"error: {error}; its results are lost, so no more lines were written", err=True)
            sys.exit(EXIT_USAGE)
        finally:
            progress.close()
        sys.stdout.flush()
        _finish(summary.records, summary.breaches, strict, "see the `rejected` lines")
    else:
        size = files.size_of(timeline) if timeline != files.STDIN else None
        if size is not None and size > LARGE_TIMELINE:
            click.echo(
                f"{timeline} is large: the whole report is held until it is written; `--format jsonl` writes "
                "results as they are decided, in memory that follows the incidents still open",
                err=True,
            )
        progress = Progress(size)
        try:
            found = report(model, timeline, options, progress, imported=imported)
        finally:
            progress.close()
    name = files.name_of(timeline)
    if output == "json":
        from sladsl.render.json import json_text  # noqa: PLC0415

        out = sys.stdout
        for piece in json_text(found, agreement, name):
            out.write(piece)
        out.write("\n")
    else:
        from sladsl.render.text import render_text as render_report  # noqa: PLC0415

        _show(render_report(found, agreement, name, explain=explain, period=period))
    _finish(found.records, found.breaches, strict, "see Records above")


def _on_cluster(  # noqa: PLR0917 - check's own values, passed on
    address: str,
    model: Agreement,
    agreement: str,
    timeline: str,
    options: Options,
    output: str,
    *,
    strict: bool,
    jobs: int,
) -> Report:
    """`check --scheduler`: the check run on a Dask cluster (`sladsl.run.dask`). With `--format jsonl` its lines
    are written and the command ends here; otherwise the whole report is returned to be written."""
    if jobs > 1:
        raise click.UsageError("--jobs and --scheduler: the cluster's workers share the incidents; give one")
    files.check_readable(timeline)
    if timeline == files.STDIN or not files.is_regular(timeline):
        raise click.UsageError("--scheduler: the workers read TIMELINE themselves; name a file they can read")
    if kind_of(timeline, files.head(timeline)) != "lines":
        raise click.UsageError("--scheduler reads JSON Lines; check a CSV file or a JSON array without it")
    from sladsl.run import dask  # noqa: PLC0415 - Dask is an optional extra, loaded only when asked for

    progress = Progress(None)
    try:
        progress.say(f"connecting to the Dask scheduler at {address}")
        client = dask.client_for(address)
    except (dask.DaskMissing, dask.SchedulerUnreachable) as error:
        progress.close()
        click.echo(f"error: {error}", err=True)
        sys.exit(EXIT_USAGE)
    try:
        out = sys.stdout.buffer if output == "jsonl" else None
        checked = dask.check(
            model, timeline, client, out=out, agreement_file=agreement, options=options, progress=progress
        )
    finally:
        progress.close()
        client.close()
    if checked.summary is not None:
        sys.stdout.flush()
        _finish(checked.summary.records, checked.summary.breaches, strict, "see the `rejected` lines")
    assert checked.report is not None
    return checked.report


def _imported(
    kind: str, mapping: str | None, history: tuple[str, ...], path: str, agreement: Agreement
) -> list[Entry]:
    """The entries an export makes, for `check --from`; the importer's warnings are shown on stderr."""
    from sladsl.run.imports import Export, open_export  # noqa: PLC0415

    opened = open_export(Export(kind, mapping, history), path, agreement)
    entries = list(opened.entries)
    if opened.warnings:
        _show(render_text(opened.warnings, opened.sources), err=True)
    return entries


def _finish(records: Records, breaches: int, strict: bool, where: str) -> NoReturn:
    """`check`'s exit: trouble when nothing was evaluated (an empty timeline, or every record rejected), when
    records were rejected under `--strict`, or when a record went unaccounted for (a bug); else whether anything
    was breached."""
    if not records.balanced:
        _internal(
            f"{records.read} records read, but {records.evaluated} evaluated and {records.rejected} rejected: "
            f"{records.read - records.evaluated - records.rejected} unaccounted for"
        )
    if records.rejected:
        click.echo(f"{records.rejected} of {records.read} records rejected; {where}", err=True)
    if not records.evaluated:
        what = "the timeline holds no records" if not records.read else "every record was rejected"
        click.echo(f"error: nothing was evaluated: {what}", err=True)
        sys.exit(EXIT_USAGE)
    if records.rejected and strict:
        sys.exit(EXIT_USAGE)
    sys.exit(EXIT_FINDINGS if breaches else EXIT_OK)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--check", "check_only", is_flag=True, help="Write nothing; exit 1 if any file would change.")
@click.option("--diff", is_flag=True, help="Write nothing; print what would change as a unified diff.")
@_guard
def fmt(paths: tuple[str, ...], check_only: bool, diff: bool) -> None:
    """Rewrite agreement files in the one canonical layout; comments survive. A path of `-` reads standard input
    and writes the formatted agreement to standard output.

    Exits 0 when nothing changed (or, with --check or --diff, nothing would), 1 when a file would change, 2 when
    a file cannot be read or has syntax errors, and 123 if formatting would change a file's meaning (a bug:
    nothing is written).
    """
    from sladsl.language.formatter import FormatError, changed_lines, format_source  # noqa: PLC0415

    if paths.count(files.STDIN) > 1:
        raise click.UsageError("standard input (`-`) can be formatted once")
    would_change = []
    for path in paths:
        source = _read(path)
        try:
            formatted = format_source(source)
        except SlaError as error:
            _fail(error.diagnostics, {source.name: source})
        except FormatError as error:
            click.echo(f"internal error: {error}\nplease report it with the input that caused it", err=True)
            sys.exit(EXIT_FORMAT_INTERNAL)
        if path == files.STDIN and not (check_only or diff):
            click.echo(formatted, nl=False)  # an agreement from standard input goes back to standard output
        if formatted == source.text:
            continue
        would_change.append(source.name)
        if diff:
            click.echo(
                "".join(changed_lines(source.text, formatted))
                .replace("--- before", f"--- {source.name}", 1)
                .replace("+++ after", f"+++ {source.name} (formatted)", 1),
                nl=False,
            )
        elif not check_only and path != files.STDIN:
            try:
                Path(path).write_text(formatted, encoding="utf-8")
            except OSError as error:
                raise click.UsageError(f"cannot write {path}: {error.strerror or error}") from None
    verb = "would reformat" if (check_only or diff) else "reformatted"
    for path in would_change:
        click.echo(f"{verb} {path}", err=True)
    click.echo(f"{len(paths)} file{'s' if len(paths) != 1 else ''}: {len(would_change)} {verb}", err=True)
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
    from sladsl.language.checker import check as check_document  # noqa: PLC0415
    from sladsl.language.parser import parse_source  # noqa: PLC0415
    from sladsl.render.explain import explain, render_html, render_markdown  # noqa: PLC0415

    source = _read(agreement)
    try:
        document = parse_source(source)
        checked = check_document(document)  # parsed once, checked from the same tree
    except SlaError as error:
        _fail(error.diagnostics, {agreement: source})
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
    "--as-of",
    "as_of",
    help="Evaluate as of this instant; a local time without an offset is in the agreement's zone "
    "(default: the latest instant in the timeline).",
)
@_guard
def diff_command(old: str, new: str, timeline: str, as_of: str | None) -> None:
    """What-if: evaluate TIMELINE under OLD and NEW versions of an agreement and show what changes.

    Exits 0 when no verdict or credit changes, 1 when any does, 2 on trouble.
    """
    from sladsl import evaluate, read_timeline  # noqa: PLC0415
    from sladsl.evaluation.compare import compare  # noqa: PLC0415
    from sladsl.language.checker import check as check_document  # noqa: PLC0415
    from sladsl.language.parser import parse_source  # noqa: PLC0415
    from sladsl.render.compare import render_text as render_comparison  # noqa: PLC0415

    stand: int | None = None
    raw = files.read_bytes(timeline)  # read once: standard input cannot be read twice
    name = files.name_of(timeline)
    documents: list[Document] = []
    reports: list[Report] = []
    progress = Progress(None)  # a line on a terminal's stderr saying which evaluation is running
    for n, path in enumerate((old, new), 1):
        source = _read(path)
        try:
            documents.append(parse_source(source))
            checked = check_document(documents[-1])
        except SlaError as error:
            _fail(error.diagnostics, {path: source})
        if not reports:  # both agreements are judged at one instant: a local one is in the first's zone
            stand = _as_of(as_of, checked.agreement.local_zone)
        progress.say(f"{n} of 2, under {path}")
        found = evaluate(checked.agreement, read_timeline(raw, name), as_of=stand)
        progress.close()
        if found.records.rejected:
            click.echo(
                f"{path}: {found.records.rejected} of {found.records.read} timeline records rejected "
                f"(`sladsl check {path} {timeline}` lists them)",
                err=True,
            )
        reports.append(found)
    comparison = compare(documents[0], documents[1], reports[0], reports[1])
    _show(render_comparison(comparison, old, new, name))
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
    "--as-of",
    "as_of",
    help="Evaluate as of this instant; a local time without an offset is in the agreement's zone "
    "(default: the latest instant in the timeline).",
)
@_guard
def report_command(agreement: str, timeline: str, html_out: str, period: str | None, as_of: str | None) -> None:
    """Draw TIMELINE under AGREEMENT as an HTML page: incident timelines, availability, credits after caps."""
    from sladsl.render.html import render_html as render_page  # noqa: PLC0415

    model = _agreement(agreement)
    progress = Progress(files.size_of(timeline) if timeline != files.STDIN else None)
    try:
        found = report(
            model, timeline, Options(_as_of(as_of, model.local_zone), _window(period, model.local_zone)), progress
        )
    finally:
        progress.close()
    try:
        page = render_page(found, agreement, files.name_of(timeline), period=period)
        Path(html_out).write_text(page, encoding="utf-8")
    except OSError as error:
        raise click.UsageError(f"cannot write {html_out}: {error.strerror or error}") from None
    if found.records.rejected:
        click.echo(
            f"{found.records.rejected} of {found.records.read} records rejected; `sladsl check` lists them",
            err=True,
        )
    click.echo(f"wrote {html_out}", err=True)


@main.command("import")
@click.argument("source", required=False, type=click.Path(dir_okay=False))
@click.option(
    "--from", "kind", required=True, type=click.Choice(IMPORT_KINDS), help="The tool that made the export."
)
@click.option("--mapping", type=click.Path(dir_okay=False), help="The mapping file (TOML); `--init` writes one.")
@click.option(
    "--history",
    type=click.Path(dir_okay=False),
    multiple=True,
    help="An export of the tickets' history (sys_audit, audits, log entries, maintenances).",
)
@click.option(
    "--agreement",
    type=click.Path(dir_okay=False),
    help="Check the mapping's severities and plans against this agreement, and name them in diagnostics.",
)
@click.option("-o", "--output", "out", type=click.Path(dir_okay=False), help="Write the records here, not stdout.")
@click.option("--init", is_flag=True, help="Write a commented mapping file for --from KIND to start from.")
@_guard
def import_command(
    *,
    source: str | None,
    kind: str,
    mapping: str | None,
    history: tuple[str, ...],
    agreement: str | None,
    out: str | None,
    init: bool,
) -> None:
    """Read SOURCE, an export of the tool --from names, and write its timeline records as JSON Lines.

    Exits 0 when every row was imported, 1 when rows were rejected (the others are written), 2 on trouble (a
    mapping or export that cannot be read, or nothing imported).
    """
    from sladsl.importers import template  # noqa: PLC0415
    from sladsl.run.imports import Export, open_export  # noqa: PLC0415
    from sladsl.timeline.records import rejection  # noqa: PLC0415

    if init:
        text = template(kind)
        if out is None:
            click.echo(text, nl=False)
        else:
            _write(out, text.encode("utf-8"))
            click.echo(
                f"wrote {out}: edit its zone and priorities, then `sladsl import SOURCE --from {kind} "
                f"--mapping {out}`",
                err=True,
            )
        sys.exit(EXIT_OK)
    if source is None:
        raise click.UsageError("name the export to import (or give --init to write a mapping)")
    model = _agreement(agreement) if agreement is not None else None
    opened = open_export(Export(kind, mapping, history), source, model)
    written, rejected = 0, []
    with _output(out) as stream:
        lines = bytearray()
        for entry in opened.entries:
            if isinstance(entry.raw, dict):
                lines += orjson.dumps(entry.raw) + b"\n"
                written += 1
                if len(lines) >= 1 << 20:
                    stream.write(lines)
                    lines.clear()
            else:
                rejected.append(rejection(entry.where, entry.text, entry.raw))
        stream.write(lines)
    shown = [*rejected, *opened.warnings]
    if shown:
        _show(render_text(sorted(shown, key=Diagnostic.sort_key), opened.sources), err=True)
    where = f" to {out}" if out is not None else ""
    warned = len(opened.warnings)
    click.echo(
        f"{source}: {written} record{'s' if written != 1 else ''} written{where}, {len(rejected)} rejected"
        + (f", {warned} warning{'s' if warned != 1 else ''}" if warned else ""),
        err=True,
    )
    if not written:
        click.echo("error: nothing was imported", err=True)
        sys.exit(EXIT_USAGE)
    sys.exit(EXIT_FINDINGS if rejected else EXIT_OK)


def _write(path: str, data: bytes) -> None:
    try:
        Path(path).write_bytes(data)
    except OSError as error:
        raise click.UsageError(f"cannot write {path}: {error.strerror or error}") from None


@contextlib.contextmanager
def _output(path: str | None) -> Iterator[IO[bytes]]:
    """Where records go: a file the user named (written as they come), or stdout."""
    if path is None:
        yield sys.stdout.buffer
        sys.stdout.flush()
        return
    try:
        handle = open(path, "wb")  # noqa: SIM115 - closed below
    except OSError as error:
        raise click.UsageError(f"cannot write {path}: {error.strerror or error}") from None
    with handle:
        yield handle


@main.command("lsp")
@_guard
def lsp_command() -> None:
    """Start the language server for editors (the Language Server Protocol on stdin and stdout).

    It shows lint's diagnostics as you type, describes calendars, targets and credits on hover, goes to
    definitions and references, completes keywords and names, formats with fmt, and offers the fixes that
    diagnostics suggest. Editors start it; there is nothing to type into it.
    """
    from sladsl.lsp import serve  # noqa: PLC0415 - pygls is loaded only for the editor

    serve()
