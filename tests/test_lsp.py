"""The language server in a real conversation: `sladsl lsp` in its own process, and pygls's client over pipes.

Positions in these tests are the protocol's: lines from 0, columns in UTF-16 code units. An emoji counts two
units and a Slovenian `č` one, where Python counts one character each, so a server that mixed the two would be
caught by the non-ASCII lines below.
"""

from __future__ import annotations

import asyncio
import json
import random
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from lsprotocol import types as lsp
from pygls.lsp.client import LanguageClient

from tests.helpers import AGREEMENTS, BAD, ROOT

UNDEFINED = (ROOT / "tests" / "data" / "bad" / "E0202-undefined-calendar.sla").read_text(encoding="utf-8")
URI = "file:///work/agreement.sla"
TIMEOUT = 60


class Session:
    """One server process and the diagnostics it has published, by URI, as they came."""

    def __init__(self) -> None:
        self.client = LanguageClient("sladsl-tests", "1")
        self.published: dict[str, list[lsp.PublishDiagnosticsParams]] = {}
        self.arrived = asyncio.Condition()
        self.logged: list[str] = []

        @self.client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        async def on_diagnostics(params: lsp.PublishDiagnosticsParams) -> None:
            async with self.arrived:
                self.published.setdefault(params.uri, []).append(params)
                self.arrived.notify_all()

        @self.client.feature(lsp.WINDOW_LOG_MESSAGE)
        def on_log(params: lsp.LogMessageParams) -> None:
            self.logged.append(params.message)

    async def start(self) -> lsp.InitializeResult:
        await self.client.start_io(sys.executable, "-m", "sladsl", "lsp", cwd=str(ROOT))
        result = await self.client.initialize_async(
            lsp.InitializeParams(capabilities=lsp.ClientCapabilities(), process_id=None, root_uri=None)
        )
        self.client.initialized(lsp.InitializedParams())
        return result

    async def diagnostics(self, uri: str, count: int) -> list[lsp.Diagnostic]:
        """The `count`th publication for `uri` (1 for the first), waiting for it to come."""
        async with self.arrived:
            await asyncio.wait_for(
                self.arrived.wait_for(lambda: len(self.published.get(uri, [])) >= count), TIMEOUT
            )
            return list(self.published[uri][count - 1].diagnostics)

    def open(self, text: str, uri: str = URI, version: int = 1) -> None:
        self.client.text_document_did_open(
            lsp.DidOpenTextDocumentParams(lsp.TextDocumentItem(uri, "sla", version, text))
        )

    def edit(self, version: int, start: lsp.Position, end: lsp.Position, text: str, uri: str = URI) -> None:
        """An incremental change, as VS Code sends them: `text` in place of the range."""
        self.client.text_document_did_change(
            lsp.DidChangeTextDocumentParams(
                lsp.VersionedTextDocumentIdentifier(version=version, uri=uri),
                [lsp.TextDocumentContentChangePartial(range=lsp.Range(start, end), text=text)],
            )
        )

    def replace(self, text: str, version: int, uri: str = URI) -> None:
        self.client.text_document_did_change(
            lsp.DidChangeTextDocumentParams(
                lsp.VersionedTextDocumentIdentifier(version=version, uri=uri),
                [lsp.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )

    async def close(self) -> int | None:
        """`shutdown`, then `exit`: the process must end, and the exit code is returned."""
        await asyncio.wait_for(self.client.shutdown_async(None), TIMEOUT)
        self.client.exit(None)
        await asyncio.wait_for(self.client.stop(), TIMEOUT)
        server = self.client._server  # the client keeps the process; its exit code is the point
        return server.returncode if server is not None else None


def converse(scenario: Callable[[Session], Awaitable[Any]]) -> Any:
    async def run() -> Any:
        session = Session()
        await session.start()
        try:
            return await asyncio.wait_for(scenario(session), TIMEOUT * 3)
        finally:
            if not session.client.stopped:  # the scenario failed before `exit`: end the server, then the client
                server = session.client._server
                if server is not None and server.returncode is None:
                    server.kill()
                await session.client.stop()

    return asyncio.run(run())


def at(line: int, character: int) -> lsp.Position:
    return lsp.Position(line=line, character=character)


def doc(uri: str = URI) -> lsp.TextDocumentIdentifier:
    return lsp.TextDocumentIdentifier(uri=uri)


def utf16_position(text: str, offset: int) -> lsp.Position:
    line = text.count("\n", 0, offset)
    start = text.rfind("\n", 0, offset) + 1
    return at(line, len(text[start:offset].encode("utf-16-le")) // 2)


def apply(text: str, edits: list[lsp.TextEdit]) -> str:
    """Text edits applied to text, for the ASCII and BMP texts of these tests (one code unit per character)."""
    lines = text.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        start = starts[edit.range.start.line] + edit.range.start.character
        end = starts[edit.range.end.line] + edit.range.end.character
        text = text[:start] + edit.new_text + text[end:]
    return text


def test_a_whole_conversation() -> None:
    """initialize, didOpen, diagnostics, hover, definition, references, completion, a did-you-mean code
    action, didChange, formatting, shutdown and exit: what an editor does in the first minute."""

    async def scenario(s: Session) -> None:
        s.open(UNDEFINED)
        [found] = [d for d in await s.diagnostics(URI, 1) if d.code == "E0202"]
        # `response for A within 2 hours of core_hour  § 4`: the name, on line 6 of the file.
        assert found.range == lsp.Range(at(5, 33), at(5, 42))
        assert found.severity == lsp.DiagnosticSeverity.Error
        assert found.source == "sladsl"
        assert "calendar `core_hour` is not defined" in found.message
        assert "help: did you mean `core_hours` (defined at line 3)?" in found.message

        hover = await s.client.text_document_hover_async(lsp.HoverParams(text_document=doc(), position=at(2, 12)))
        assert hover is not None and isinstance(hover.contents, lsp.MarkupContent)
        assert "calendar `core_hours`" in hover.contents.value
        assert "| Monday | 08:00-17:00 |" in hover.contents.value
        assert "| Saturday | closed |" in hover.contents.value
        assert hover.range == lsp.Range(at(2, 9), at(2, 19))

        hover = await s.client.text_document_hover_async(lsp.HoverParams(text_document=doc(), position=at(4, 1)))
        assert hover is not None and isinstance(hover.contents, lsp.MarkupContent)
        assert hover.contents.value.startswith("**severity `A`**: Critical")

        actions = await s.client.text_document_code_action_async(
            lsp.CodeActionParams(
                text_document=doc(), range=found.range, context=lsp.CodeActionContext(diagnostics=[found])
            )
        )
        assert actions is not None
        [action] = actions
        assert isinstance(action, lsp.CodeAction) and action.kind == lsp.CodeActionKind.QuickFix
        assert action.title == "replace `core_hour` with `core_hours`"
        assert action.edit is not None and action.edit.changes is not None
        fixed = apply(UNDEFINED, action.edit.changes[URI])
        assert "of core_hours  § 4" in fixed

        s.replace(fixed, version=2)
        assert [d.code for d in await s.diagnostics(URI, 2) if d.severity == lsp.DiagnosticSeverity.Error] == []

        definition = await s.client.text_document_definition_async(
            lsp.DefinitionParams(text_document=doc(), position=at(5, 36))
        )
        assert isinstance(definition, list)
        assert [(d.uri, d.range) for d in definition] == [(URI, lsp.Range(at(2, 9), at(2, 19)))]

        refs = await s.client.text_document_references_async(
            lsp.ReferenceParams(
                text_document=doc(), position=at(2, 10), context=lsp.ReferenceContext(include_declaration=True)
            )
        )
        assert refs is not None
        assert [r.range for r in refs] == [lsp.Range(at(2, 9), at(2, 19)), lsp.Range(at(5, 33), at(5, 43))]

        refs = await s.client.text_document_references_async(
            lsp.ReferenceParams(
                text_document=doc(), position=at(5, 13), context=lsp.ReferenceContext(include_declaration=False)
            )
        )
        assert refs is not None and [r.range for r in refs] == [lsp.Range(at(5, 13), at(5, 14))]

        hover = await s.client.text_document_hover_async(lsp.HoverParams(text_document=doc(), position=at(5, 3)))
        assert hover is not None and isinstance(hover.contents, lsp.MarkupContent)
        assert hover.contents.value.startswith(
            "Response for severity `A`: within 2 hours of `core_hours` after the clock starts, counting only the "
            "time that calendar is open."
        )

        # Completion: after `of`, the calendars; at the start of a clause, the clauses' keywords.
        typing = fixed + "update for A every 4 hours of "
        s.replace(typing, version=3)
        await s.diagnostics(URI, 3)
        done = await s.client.text_document_completion_async(
            lsp.CompletionParams(text_document=doc(), position=at(6, 30))
        )
        assert isinstance(done, lsp.CompletionList)
        assert [i.label for i in done.items] == ["core_hours"]
        s.replace(fixed + "res", version=4)
        await s.diagnostics(URI, 4)
        done = await s.client.text_document_completion_async(
            lsp.CompletionParams(text_document=doc(), position=at(6, 3))
        )
        assert isinstance(done, lsp.CompletionList)
        labels = {i.label for i in done.items}
        assert {"response", "restore", "resolution", "calendar", "severity", "credit"} <= labels
        assert "core_hours" not in labels and "monday" not in labels
        s.replace(fixed + "response for ", version=5)
        await s.diagnostics(URI, 5)
        done = await s.client.text_document_completion_async(
            lsp.CompletionParams(text_document=doc(), position=at(6, 13))
        )
        assert isinstance(done, lsp.CompletionList)
        assert [i.label for i in done.items] == ["A"]

        # Formatting: the edit makes the text `sladsl fmt` writes.
        messy = fixed.replace("    open", "  open").replace("  § 4", "   §4")
        s.replace(messy, version=6)
        await s.diagnostics(URI, 6)
        edits = await s.client.text_document_formatting_async(
            lsp.DocumentFormattingParams(
                text_document=doc(), options=lsp.FormattingOptions(tab_size=4, insert_spaces=True)
            )
        )
        assert edits
        (ROOT / "tests" / "output").mkdir(exist_ok=True)
        path = ROOT / "tests" / "output" / "lsp-format.sla"
        path.write_text(messy, encoding="utf-8")
        subprocess.run([sys.executable, "-m", "sladsl", "fmt", str(path)], check=True, capture_output=True)
        assert apply(messy, edits) == path.read_text(encoding="utf-8")

        assert await s.close() == 0

    converse(scenario)


def test_positions_are_utf16_code_units_on_non_ascii_lines() -> None:
    """A Slovenian title with an emoji: the missing `:` is reported before the citation, in UTF-16 units, and a
    did-you-mean zone on the next line is fixed in place."""
    text = 'agreement "Sporazum 🔥 čas"  § 1\n    zone Europe/Ljubljan\nplan p  § 1\n'

    async def scenario(s: Session) -> None:
        s.open(text)
        [found] = await s.diagnostics(URI, 1)
        assert found.code == "E0102"
        before = text[: text.index("§")]  # the `:` is missing just before the citation
        assert len(before) == 28 and len(before.encode("utf-16-le")) // 2 == 29
        assert found.range.start == at(0, 29)

        fixed_title = text.replace('čas"  § 1', 'čas":  § 1')
        s.replace(fixed_title, version=2)
        [zone] = await s.diagnostics(URI, 2)
        assert zone.code == "E0203" and zone.range == lsp.Range(at(1, 9), at(1, 24))
        actions = await s.client.text_document_code_action_async(
            lsp.CodeActionParams(
                text_document=doc(), range=zone.range, context=lsp.CodeActionContext(diagnostics=[zone])
            )
        )
        assert actions and isinstance(actions[0], lsp.CodeAction) and actions[0].edit is not None
        assert actions[0].edit.changes is not None
        [edit] = actions[0].edit.changes[URI]
        assert edit.new_text == "Europe/Ljubljana" and edit.range == zone.range

        # The Slovenian agreement: hover and definition on lines where `§` and `č` come before the cursor.
        isl = (ROOT / "agreements" / "isl-online.sla").read_text(encoding="utf-8")
        lines = isl.split("\n")
        uri = "file:///work/isl-online.sla"
        s.open(isl, uri)
        assert await s.diagnostics(uri, 1) == []
        row = next(i for i, line in enumerate(lines) if line.startswith("severity critical"))
        hover = await s.client.text_document_hover_async(
            lsp.HoverParams(text_document=doc(uri), position=at(row, 70))
        )
        assert hover is not None and isinstance(hover.contents, lsp.MarkupContent)
        assert hover.contents.value.startswith("**severity `critical`**: Kritična")
        use = next(i for i, line in enumerate(lines) if line.startswith("response for critical on premium"))
        definition = await s.client.text_document_definition_async(
            lsp.DefinitionParams(text_document=doc(uri), position=at(use, 16))
        )
        assert isinstance(definition, list) and [d.range for d in definition] == [
            lsp.Range(at(row, 9), at(row, 17))
        ]
        assert await s.close() == 0

    converse(scenario)


def test_a_huge_line_is_answered_quickly() -> None:
    """Half a million characters on one line (a pasted blob): diagnostics, and a hover at its end, in seconds."""
    blob = 'agreement "x":  § 1\n    zone Europe/Oslo\n# ' + "é🔥x" * 170_000 + "\nplan p  § 2\n"

    async def scenario(s: Session) -> None:
        s.open(blob)
        await s.diagnostics(URI, 1)
        hover = await asyncio.wait_for(
            s.client.text_document_hover_async(
                lsp.HoverParams(text_document=doc(), position=at(2, 2 + 4 * 170_000))
            ),
            10,
        )
        assert hover is None  # a comment: nothing to say, but said at once
        done = await asyncio.wait_for(
            s.client.text_document_completion_async(lsp.CompletionParams(text_document=doc(), position=at(3, 0))),
            10,
        )
        assert isinstance(done, lsp.CompletionList) and "calendar" in {i.label for i in done.items}
        assert await s.close() == 0

    converse(scenario)


def lint_json(paths: list[Path]) -> list[dict[str, Any]]:
    done = subprocess.run(
        [sys.executable, "-m", "sladsl", "lint", "--format", "json", *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    found: list[dict[str, Any]] = json.loads(done.stdout)
    return found


def test_diagnostics_are_lints_for_every_seed_and_bad_file() -> None:
    """Each seed agreement and each bad agreement of the corpus (those that are UTF-8 text) opened in the
    server draws what `sladsl lint --format json` prints for it: the same codes, spans, help and section."""
    paths = [*AGREEMENTS, *(p for p in BAD if _utf8(p))]
    by_file: dict[str, list[dict[str, Any]]] = {}
    for d in lint_json(paths):
        by_file.setdefault(Path(d["span"]["file"]).name, []).append(d)

    def expected(path: Path) -> list[tuple[str, lsp.Range, str | None]]:
        text = path.read_text(encoding="utf-8")
        lines = text.split("\n")

        def position(line: int, column: int) -> lsp.Position:
            before = lines[line - 1][: column - 1] if line <= len(lines) else ""
            return at(line - 1, len(before.encode("utf-16-le")) // 2)

        return [
            (
                d["code"],
                lsp.Range(
                    position(d["span"]["line"], d["span"]["column"]),
                    position(d["span"]["end_line"], d["span"]["end_column"]),
                ),
                d["help"],
            )
            for d in by_file.get(path.name, [])
        ]

    async def scenario(s: Session) -> dict[str, list[tuple[str, lsp.Range, str | None]]]:
        found = {}
        for path in paths:
            uri = f"file:///work/{path.name}"
            s.open(path.read_text(encoding="utf-8"), uri)
            published = await s.diagnostics(uri, 1)
            found[path.name] = [(str(d.code), d.range, _help_of(d.message)) for d in published]
        await s.close()
        return found

    published = converse(scenario)
    for path in paths:
        assert published[path.name] == expected(path), path.name


def _utf8(path: Path) -> bool:
    try:
        path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _help_of(message: str) -> str | None:
    found = [line[len("help: ") :] for line in message.split("\n") if line.startswith("help: ")]
    return found[0] if found else None


def test_random_edits_never_stop_the_server() -> None:
    """Cut, doubled and garbled text, sent whole or as ranged edits in UTF-16 units (emoji included): after every
    change the server publishes the diagnostics the library finds in the same text, every request gets an
    answer (perhaps empty), nothing is logged as a failure, and the server still answers at the end."""
    from sladsl.editor import analyse  # noqa: PLC0415

    rng = random.Random(22)
    seeds = [p.read_text(encoding="utf-8") for p in AGREEMENTS]
    junk = ["", ":", "§", '"', "    ", "\t", "\n", "é🔥", "within", "of", "credit x by", "99%", "->", "\x00", "#"]

    async def scenario(s: Session) -> None:
        text = seeds[0]
        s.open(text)
        await s.diagnostics(URI, 1)
        for version in range(2, 62):
            if rng.random() < 0.15:
                text = rng.choice(seeds)
                s.replace(text, version)
            else:
                cut = rng.randrange(len(text) + 1)
                end = min(len(text), cut + rng.randrange(40))
                new = rng.choice(junk)
                s.edit(version, utf16_position(text, cut), utf16_position(text, end), new)
                text = text[:cut] + new + text[end:]
            published = await s.diagnostics(URI, version)
            expected = analyse(text, "agreement.sla").diagnostics
            assert [d.code for d in published] == [d.code for d in expected], version
            lines = text.split("\n")
            position = at(rng.randrange(len(lines) + 2), rng.randrange(120))
            await s.client.text_document_hover_async(lsp.HoverParams(text_document=doc(), position=position))
            await s.client.text_document_completion_async(
                lsp.CompletionParams(text_document=doc(), position=position)
            )
            await s.client.text_document_definition_async(
                lsp.DefinitionParams(text_document=doc(), position=position)
            )
            await s.client.text_document_references_async(
                lsp.ReferenceParams(
                    text_document=doc(), position=position, context=lsp.ReferenceContext(include_declaration=True)
                )
            )
            await s.client.text_document_code_action_async(
                lsp.CodeActionParams(
                    text_document=doc(),
                    range=lsp.Range(at(0, 0), position),
                    context=lsp.CodeActionContext(diagnostics=[]),
                )
            )
            await s.client.text_document_formatting_async(
                lsp.DocumentFormattingParams(
                    text_document=doc(), options=lsp.FormattingOptions(tab_size=4, insert_spaces=True)
                )
            )
        assert not [m for m in s.logged if "failed" in m], s.logged
        assert await s.close() == 0

    converse(scenario)
