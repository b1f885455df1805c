"""The command line: one short function per command. The only module that prints, reads files or exits.

Exit codes, for every command: 0 success, 1 the input has errors (or, for `check`, breaches were found),
2 usage errors and unreadable files, 70 an internal error (a bug in sladsl: please report the input).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from sladsl import load
from sladsl.diagnostics import Diagnostic, SlaError, render_text, to_json
from sladsl.source import Source

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 70
F = TypeVar("F", bound=Callable[..., Any])


def _read(path: str) -> Source:
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        raise click.UsageError(f"cannot read {path}: {error.strerror or error}") from None
    try:
        text = raw.decode("utf-8-sig")  # a byte-order mark is tolerated and dropped
    except UnicodeDecodeError as error:
        raise click.UsageError(f"{path} is not UTF-8 text (byte {error.start})") from None
    return Source(path, text)


def _guard(command: F) -> F:
    """Turn an unexpected exception into exit 70 and a one-line request, never a bare traceback."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit, SystemExit):
            raise
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
    sources = {path: _read(path) for path in files}
    diagnostics: list[Diagnostic] = []
    for path, source in sources.items():
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
