"""The language server, `sladsl lsp`: the Language Server Protocol over standard input and output (pygls).

A front end like the command line: it talks to the editor, and asks `sladsl.editor` every question. Positions
cross here: the library counts characters from the start of the text, the protocol counts lines from 0 and
columns in the code units the client chose (UTF-16 unless it offers another). A request that the library
cannot answer, for any reason, gets an empty answer and a line in the editor's log: bad input never stops the
server.
"""

from __future__ import annotations

import datetime as dt
import functools
import traceback
from collections.abc import Callable
from importlib import metadata
from typing import Any, ParamSpec, TypeVar

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer
from pygls.workspace import TextDocument

from sladsl import editor
from sladsl.diagnostics import Diagnostic
from sladsl.source import Span

P = ParamSpec("P")
R = TypeVar("R")


class SlaServer(LanguageServer):
    """The server, with the last analysis of each open document."""

    def __init__(self) -> None:
        super().__init__("sladsl", _version(), text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental)
        self.analyses: dict[str, tuple[int | None, editor.Analysis]] = {}
        self.definitions: dict[str, list[editor.Symbol]] = {}  # from the last version that parsed

    def analysis(self, uri: str) -> tuple[TextDocument, editor.Analysis]:
        """The document and its analysis, made once per version."""
        document = self.workspace.get_text_document(uri)
        kept = self.analyses.get(uri)
        if kept is not None and kept[0] == document.version and kept[1].source.text == document.source:
            return document, kept[1]
        analysis = editor.analyse(document.source, _name_of(uri))
        self.analyses[uri] = (document.version, analysis)
        if analysis.document is not None:
            self.definitions[uri] = [s for s in editor.symbols(analysis.document) if s.is_definition]
        return document, analysis


def _version() -> str:
    try:
        return metadata.version("sladsl")
    except metadata.PackageNotFoundError:
        return "0"


def _name_of(uri: str) -> str:
    """The file name diagnostics carry: the last part of the URI, as `lint` would name a file in its folder."""
    return uri.rstrip("/").rsplit("/", 1)[-1] or uri


server = SlaServer()


def _guarded(empty: Any) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Answer `empty` when a handler fails, and say why in the editor's log, rather than fail the request."""

    def wrap(handler: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(handler)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return handler(*args, **kwargs)
            except Exception:
                server.window_log_message(
                    lsp.LogMessageParams(
                        lsp.MessageType.Error,
                        f"sladsl: {handler.__name__} failed; this is a bug, please report it with the file\n"
                        + traceback.format_exc(),
                    )
                )
                return empty  # type: ignore[no-any-return]

        return guarded

    return wrap


# ---- positions ----------------------------------------------------------------------------------------------


def _units(text: str, encoding: str) -> int:
    if encoding == lsp.PositionEncodingKind.Utf8:
        return len(text.encode("utf-8", "surrogatepass"))
    if encoding == lsp.PositionEncodingKind.Utf32:
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _encoding() -> str:
    return str(server.workspace.position_encoding or lsp.PositionEncodingKind.Utf16)


def offset_of(analysis: editor.Analysis, position: lsp.Position) -> int:
    """A protocol position as a character offset; a position past a line's end is its end. One pass over the
    line, so a megabyte on one line costs a megabyte, not its square."""
    source = analysis.source
    starts = source.line_starts
    if position.line >= len(starts):
        return len(source.text)
    line = source.line_text(position.line + 1)
    encoding = _encoding()
    units = 0
    for column, char in enumerate(line):
        if units >= position.character:
            return starts[position.line] + column
        units += _units(char, encoding)
    return starts[position.line] + len(line)


def _position(analysis: editor.Analysis, line: int, column: int) -> lsp.Position:
    """1-based line and column (in characters) as a protocol position."""
    text = analysis.source.line_text(line)
    return lsp.Position(max(line - 1, 0), _units(text[: max(column - 1, 0)], _encoding()))


def range_of(analysis: editor.Analysis, span: Span | None) -> lsp.Range:
    if span is None:
        return lsp.Range(lsp.Position(0, 0), lsp.Position(0, 0))
    return lsp.Range(
        _position(analysis, span.line, span.column), _position(analysis, span.end_line, span.end_column)
    )


# ---- diagnostics --------------------------------------------------------------------------------------------


def _diagnostic(uri: str, analysis: editor.Analysis, d: Diagnostic) -> lsp.Diagnostic:
    """A diagnostic as the editor shows it: `lint`'s code, span, message, notes and help."""
    lines = [d.message]
    lines += [f"note: {note}" for note in d.notes]
    if d.help:
        lines.append(f"help: {d.help}")
    if d.section:
        lines.append(f"in: {d.section}")
    return lsp.Diagnostic(
        range=range_of(analysis, d.span),
        message="\n".join(lines),
        severity=lsp.DiagnosticSeverity.Error if d.is_error else lsp.DiagnosticSeverity.Warning,
        code=d.code,
        source="sladsl",
        related_information=[
            lsp.DiagnosticRelatedInformation(lsp.Location(uri, range_of(analysis, label.span)), label.message)
            for label in d.secondary
        ]
        or None,
        data={"replacement": d.replacement} if d.replacement is not None else None,
    )


def _publish(uri: str) -> None:
    try:
        document, analysis = server.analysis(uri)
        found = [_diagnostic(uri, analysis, d) for d in analysis.diagnostics]
    except Exception:
        server.window_log_message(
            lsp.LogMessageParams(
                lsp.MessageType.Error, "sladsl: checking failed; this is a bug\n" + traceback.format_exc()
            )
        )
        return
    server.text_document_publish_diagnostics(
        lsp.PublishDiagnosticsParams(uri=uri, diagnostics=found, version=document.version)
    )


@server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
def did_open(params: lsp.DidOpenTextDocumentParams) -> None:
    _publish(params.text_document.uri)


@server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
def did_change(params: lsp.DidChangeTextDocumentParams) -> None:
    _publish(params.text_document.uri)


@server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
def did_save(params: lsp.DidSaveTextDocumentParams) -> None:
    _publish(params.text_document.uri)


@server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
def did_close(params: lsp.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    server.analyses.pop(uri, None)
    server.definitions.pop(uri, None)
    server.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


# ---- questions ----------------------------------------------------------------------------------------------


@server.feature(lsp.TEXT_DOCUMENT_HOVER)
@_guarded(None)
def hover(params: lsp.HoverParams) -> lsp.Hover | None:
    _, analysis = server.analysis(params.text_document.uri)
    found = editor.hover(analysis, offset_of(analysis, params.position), dt.date.today().year)
    if found is None:
        return None
    return lsp.Hover(
        contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=found.markdown),
        range=range_of(analysis, found.span),
    )


@server.feature(lsp.TEXT_DOCUMENT_DEFINITION)
@_guarded([])
def definition(params: lsp.DefinitionParams) -> list[lsp.Location]:
    uri = params.text_document.uri
    _, analysis = server.analysis(uri)
    spans = editor.definition(analysis, offset_of(analysis, params.position))
    return [lsp.Location(uri, range_of(analysis, span)) for span in spans]


@server.feature(lsp.TEXT_DOCUMENT_REFERENCES)
@_guarded([])
def references(params: lsp.ReferenceParams) -> list[lsp.Location]:
    uri = params.text_document.uri
    _, analysis = server.analysis(uri)
    offset = offset_of(analysis, params.position)
    spans = editor.references(analysis, offset, params.context.include_declaration)
    return [lsp.Location(uri, range_of(analysis, span)) for span in spans]


_COMPLETION_KIND = {
    "keyword": lsp.CompletionItemKind.Keyword,
    "calendar": lsp.CompletionItemKind.Reference,
    "severity": lsp.CompletionItemKind.EnumMember,
    "plan": lsp.CompletionItemKind.Reference,
    "availability": lsp.CompletionItemKind.Reference,
    "credit": lsp.CompletionItemKind.Reference,
}


@server.feature(lsp.TEXT_DOCUMENT_COMPLETION)
@_guarded(None)
def completion(params: lsp.CompletionParams) -> lsp.CompletionList | None:
    uri = params.text_document.uri
    _, analysis = server.analysis(uri)
    offset = offset_of(analysis, params.position)
    found = editor.complete(analysis, offset, server.definitions.get(uri, []))
    return lsp.CompletionList(
        is_incomplete=False,
        items=[
            lsp.CompletionItem(
                label=c.label,
                kind=_COMPLETION_KIND[c.kind],
                detail=c.kind,
                sort_text=("1" if c.kind == "keyword" else "0") + c.label,  # names first, where they fit
            )
            for c in found
        ],
    )


@server.feature(lsp.TEXT_DOCUMENT_FORMATTING)
@_guarded(None)
def formatting(params: lsp.DocumentFormattingParams) -> list[lsp.TextEdit] | None:
    _, analysis = server.analysis(params.text_document.uri)
    formatted = editor.format_text(analysis)
    if formatted is None or formatted == analysis.source.text:
        return [] if formatted is not None else None
    lines = analysis.source.line_starts
    end = _position(analysis, len(lines), len(analysis.source.line_text(len(lines))) + 1)
    return [lsp.TextEdit(range=lsp.Range(lsp.Position(0, 0), end), new_text=formatted)]


@server.feature(
    lsp.TEXT_DOCUMENT_CODE_ACTION, lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix])
)
@_guarded([])
def code_action(params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
    uri = params.text_document.uri
    _, analysis = server.analysis(uri)
    start = offset_of(analysis, params.range.start)
    end = offset_of(analysis, params.range.end)
    actions = []
    for fix in editor.fixes(analysis, start, end):
        edit = lsp.TextEdit(range=range_of(analysis, fix.span), new_text=fix.replacement)
        actions.append(
            lsp.CodeAction(
                title=fix.title,
                kind=lsp.CodeActionKind.QuickFix,
                diagnostics=[_diagnostic(uri, analysis, fix.diagnostic)],
                is_preferred=True,
                edit=lsp.WorkspaceEdit(changes={uri: [edit]}),
            )
        )
    return actions


def serve() -> None:
    """Answer an editor on standard input and output until it says `exit`."""
    server.start_io()
