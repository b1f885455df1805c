"""An import the user named: read the export, its history and the mapping file, and give the entries the
importer makes, for `sladsl import` to write or for `sladsl check --from` to feed the one engine."""

from __future__ import annotations

from collections.abc import Iterator

import msgspec

from sladsl import model
from sladsl.diagnostics import Diagnostic, SlaError
from sladsl.importers import Imported, mapping_for, read_export
from sladsl.run import files
from sladsl.source import Source
from sladsl.timeline.formats import Entry


class Export(msgspec.Struct, frozen=True):
    """An export to import: its kind (`generic`, `servicenow`, ...), the mapping file (None: the importer's
    defaults) and the exports of its history."""

    kind: str
    mapping: str | None = None
    history: tuple[str, ...] = ()


class Opened(msgspec.Struct):
    """An import under way: its entries (made as they are iterated), its warnings so far, and the texts read,
    by name, for diagnostics' excerpts."""

    imported: Imported
    sources: dict[str, Source]

    @property
    def entries(self) -> Iterator[Entry]:
        return self.imported.entries

    @property
    def warnings(self) -> list[Diagnostic]:
        return self.imported.warnings


def _text(path: str, code: str) -> Source:
    source, problems = files.read_source(path, code)
    if problems:
        raise SlaError(problems)
    return source


def open_export(export: Export, path: str, agreement: model.Agreement | None = None) -> Opened:
    """Read the files of an import (`files.InputError` when one cannot be read; `SlaError` when the mapping,
    or a file's encoding, is wrong) and start it."""
    sources: dict[str, Source] = {}
    mapping_text = None
    name = "<defaults>"
    if export.mapping is not None:
        mapping_source = _text(export.mapping, "E0409")
        sources[mapping_source.name] = mapping_source
        mapping_text, name = mapping_source.text, mapping_source.name
    mapping = mapping_for(export.kind, mapping_text, name)
    source = _text(path, "E0401")
    sources[source.name] = source
    history = []
    for other in export.history:
        found = _text(other, "E0401")
        sources[found.name] = found
        history.append(found)
    return Opened(read_export(export.kind, source, mapping, history=history, agreement=agreement), sources)
