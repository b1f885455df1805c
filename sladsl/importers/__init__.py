"""Importers: the exports of the tools where incidents live, read into timeline records.

    export text ─exports→ rows, located JSON ─<kind>→ tickets ─bridge→ entries (records, or why not)

`exports` reads CSV and JSON keeping where every value is; each importer (a module per kind) reads
its tool's export into tickets (or a status page's into outages) with the tool's documented field names;
`bridge` turns them into the record types the engine already understands (`reported`, `response`, `restore`,
`resolution`, `severity_changed`, `paused`, `resumed`, `outage`), through the `mapping` (a TOML file: columns,
priorities, zone, statuses, customers). The entries go to the one engine as a timeline file's would, so
`sladsl check --from KIND` and `sladsl import` followed by `sladsl check` decide the same figures.
Nothing here reads a file: the texts are given.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Protocol

import attrs

from sladsl import model
from sladsl.diagnostics import Diagnostic, SlaError
from sladsl.importers import generic, jira, pagerduty, servicenow, statuspage, zendesk
from sladsl.importers.bridge import Bridge
from sladsl.importers.mapping import Mapping, check_mapping, load_mapping
from sladsl.source import Source
from sladsl.timeline.formats import Entry


class Importer(Protocol):
    DEFAULTS: dict[str, Any]
    TEMPLATE: str

    def read(
        self, export: Source, mapping: Mapping, bridge: Bridge, history: Sequence[Source] = ()
    ) -> Iterator[Entry]: ...


KINDS: dict[str, Any] = {
    "generic": generic,
    "servicenow": servicenow,
    "jira": jira,
    "zendesk": zendesk,
    "pagerduty": pagerduty,
    "statuspage": statuspage,
}


@attrs.define
class Imported:
    """What an import gives: its entries, made as they are iterated, and the warnings made so far."""

    entries: Iterator[Entry]
    bridge: Bridge

    @property
    def warnings(self) -> list[Diagnostic]:
        return self.bridge.warnings


def mapping_for(kind: str, text: str | None, name: str) -> Mapping:
    """The mapping of an import: a mapping file's text merged with the importer's defaults (`SlaError`,
    `E0409`, when it cannot be read)."""
    return load_mapping(text, name, KINDS[kind].DEFAULTS)


def read_export(
    kind: str,
    export: Source,
    mapping: Mapping,
    *,
    history: Sequence[Source] = (),
    agreement: model.Agreement | None = None,
) -> Imported:
    """The entries an export holds. With an `agreement`, the mapping is checked against it first (`SlaError`,
    `E0410`) and an unmapped priority's help names its severities. An export that cannot be read as the kind
    raises `SlaError` as its entries are iterated (`E0401`-`E0403`)."""
    severities = None
    if agreement is not None:
        problems = check_mapping(mapping, agreement)
        if problems:
            raise SlaError(problems)
        severities = [s.code for s in agreement.severities]
    bridge = Bridge(mapping, severities)
    return Imported(KINDS[kind].read(export, mapping, bridge, history), bridge)


def template(kind: str) -> str:
    """A commented mapping file to start from, for `sladsl import --init --from KIND`."""
    return str(KINDS[kind].TEMPLATE)
