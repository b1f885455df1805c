"""The mapping: how one tool's export becomes timeline records. A TOML file (read with the standard library's
`tomllib`); every table is optional, and what a file leaves out comes from the importer's defaults (the tool's
documented field names).

    [source]      delimiter (CSV), rows ("incident" or "event", generic CSV only)
    [time]        zone (for times without an offset), formats (strptime layouts tried after ISO 8601),
                  ambiguous ("reject", "earlier" or "later": a local time the clocks repeat)
    [fields]      record field -> the export's column or field path (`fields.priority.name`)
    [priorities]  the export's priority -> a severity of the agreement, or { severity = "A", plan = "premium" }
    [statuses]    lists of statuses: pause, resume is any other; response, restore, resolution (entering one)
    [choices]     the stored values a history writes (`3`) -> the names the statuses use (`On Hold`), per field
    [events]      generic event rows: the event column's value -> a record type
    [customers]   default (the customer of a row that names none), names (the export's value -> a customer id)
    [skip]        field and values: rows that are not incidents of their own (merged or duplicate tickets)
    [tags]        outages: an impact or a component's name -> the outage's tags (the agreement's exclusions)

A mapping that cannot be read is `E0409`, with the key at fault; one that names a severity or plan the
agreement does not define is `E0410`.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping as MappingType
from typing import Any

import attrs

from sladsl import model
from sladsl.diagnostics import Diagnostic, SlaError, did_you_mean
from sladsl.source import Source, Span
from sladsl.time.instants import AMBIGUOUS_RULES
from sladsl.time.zones import ZONE_ABBREVIATIONS, closest_zone, is_abbreviation, is_zone

RECORD_FIELDS = (
    "incident",
    "priority",
    "reported",
    "response",
    "restore",
    "resolution",
    "update",
    "customer",
    "channel",
    "plan",
    "status",
    "key",
    "event",
    "at",
    "start",
    "end",
    "notice",
)
EVENT_RECORDS = (
    "reported",
    "response",
    "restore",
    "resolution",
    "update",
    "paused",
    "resumed",
    "severity_changed",
)
STATUS_LISTS = ("pause", "response", "restore", "resolution")
TABLES = ("source", "time", "fields", "priorities", "statuses", "choices", "events", "customers", "skip", "tags")


@attrs.frozen
class Severity:
    severity: str
    plan: str | None


@attrs.frozen
class Mapping:
    """A mapping, read and merged with an importer's defaults."""

    name: str  # the mapping file's name, for diagnostics ("<defaults>" when none was given)
    delimiter: str = ","
    rows: str = "incident"
    zone: str | None = None
    formats: tuple[str, ...] = ()
    ambiguous: str = "reject"
    fields: MappingType[str, str] = attrs.field(factory=dict)
    named: frozenset[str] = frozenset()  # the [fields] the file itself names: their columns must be in the export
    priorities: MappingType[str, Severity] | None = None  # None: the export's value is the severity
    statuses: MappingType[str, frozenset[str]] = attrs.field(factory=dict)
    choices: MappingType[str, MappingType[str, str]] = attrs.field(factory=dict)
    events: MappingType[str, str] = attrs.field(factory=dict)
    default_customer: str | None = None
    customers: MappingType[str, str] = attrs.field(factory=dict)
    skip_field: str | None = None
    skip_values: frozenset[str] = frozenset()
    tags: MappingType[str, tuple[str, ...]] = attrs.field(factory=dict)
    source: Source | None = attrs.field(default=None, eq=False)

    def field(self, name: str) -> str | None:
        return self.fields.get(name)

    def status_in(self, kind: str, status: str) -> bool:
        return status in self.statuses.get(kind, frozenset())

    def choice(self, field: str, value: str) -> str:
        """A history's stored value as the export's lists name it (`3` -> `On Hold`)."""
        return self.choices.get(field, {}).get(value, value)


def load_mapping(text: str | None, name: str, defaults: MappingType[str, Any]) -> Mapping:
    """A mapping from a TOML file's text (None: the defaults alone); `SlaError` with `E0409` when it cannot be
    read."""
    source = Source(name, text or "")
    given: dict[str, Any] = {}
    if text is not None:
        try:
            given = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            line, column = _where(str(error))
            raise SlaError(
                [
                    _problem(
                        source,
                        f"the mapping is not TOML: {_bare(str(error))}",
                        line,
                        column,
                        help_text="check the quotes and brackets on that line",
                    )
                ]
            ) from None
    reader = _Reader(source)
    merged = {table: dict(defaults.get(table, {})) for table in TABLES}
    for table, value in given.items():
        if table not in TABLES:
            reader.unknown(table, None, TABLES)
            continue
        if not isinstance(value, dict):
            reader.fail(table, None, f"`{table}` must be a table: `[{table}]`")
            continue
        if table in ("priorities", "events", "choices", "tags"):
            merged[table] = dict(value)  # a file's own table replaces the default one whole
        else:
            merged[table].update(value)
    named = given.get("fields", {})
    mapping = reader.build(merged)
    mapping = attrs.evolve(
        mapping, named=frozenset(k for k, v in named.items() if v) if isinstance(named, dict) else frozenset()
    )
    if reader.problems:
        raise SlaError(reader.problems)
    return attrs.evolve(mapping, source=source if text is not None else None)


class _Reader:
    def __init__(self, source: Source, code: str = "E0409") -> None:
        self.source, self.code = source, code
        self.problems: list[Diagnostic] = []

    def span(self, table: str, key: str | None) -> tuple[int, int]:
        """The line and column of a key in its table, or of the table's header, as near as the text shows."""
        text = self.source.text
        header = re.search(rf"^\s*\[\s*{re.escape(table)}\s*\]", text, re.M)
        if key is None:
            if header is None:
                found = re.search(rf"^\s*{re.escape(table)}\b", text, re.M)
                return self.source.position(found.start() if found else 0)
            return self.source.position(header.start() + len(header.group()) - len(header.group().lstrip()))
        found = re.compile(rf'^[ \t]*"?{re.escape(key)}"?[ \t]*=', re.M).search(
            text, header.end() if header else 0
        )
        if found is None:
            found = re.compile(rf"\b{re.escape(key)}\b").search(text, header.end() if header else 0)
        if found is None:
            return self.span(table, None)
        at = found.start() + len(found.group()) - len(found.group().lstrip())
        return self.source.position(at)

    def fail(self, table: str, key: str | None, message: str, help_text: str | None = None) -> None:
        line, column = self.span(table, key)
        self.problems.append(_problem(self.source, message, line, column, help_text=help_text, code=self.code))

    def unknown(self, table: str, key: str | None, known: tuple[str, ...]) -> None:
        word = key if key is not None else table
        guess = did_you_mean(word, known)
        what = (
            f"`{key}` is not a key of [{table}]" if key is not None else f"[{table}] is not a table of a mapping"
        )
        self.fail(table, key, what, f"did you mean `{guess}`?" if guess else "known: " + ", ".join(known))

    def text(self, table: str, key: str, value: Any) -> str | None:
        if isinstance(value, str) and value.strip():
            return value
        self.fail(table, key, f"`{key}` under [{table}] must be a text that is not empty")
        return None

    def texts(self, table: str, key: str, value: Any) -> list[str]:
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return value
        self.fail(table, key, f'`{key}` under [{table}] must be a list of texts, as `["On Hold"]`')
        return []

    def build(self, merged: dict[str, dict[str, Any]]) -> Mapping:
        found: dict[str, Any] = {}
        for key, value in merged["source"].items():
            if key == "delimiter":
                if isinstance(value, str) and len(value) == 1 and value not in '"\r\n':
                    found["delimiter"] = value
                else:
                    self.fail("source", key, "`delimiter` must be one character", 'for example `delimiter = ";"`')
            elif key == "rows":
                if value in ("incident", "event"):
                    found["rows"] = value
                else:
                    self.fail(
                        "source", key, '`rows` is "incident" (a row per incident) or "event" (a row per event)'
                    )
            else:
                self.unknown("source", key, ("delimiter", "rows"))
        for key, value in merged["time"].items():
            if key == "zone":
                zone = self.text("time", key, value)
                if zone is not None and self.zone(zone):
                    found["zone"] = zone
            elif key == "formats":
                found["formats"] = tuple(self.texts("time", key, value))
            elif key == "ambiguous":
                if value in AMBIGUOUS_RULES:
                    found["ambiguous"] = value
                else:
                    self.fail(
                        "time",
                        key,
                        "`ambiguous` is one of " + ", ".join(f'"{r}"' for r in AMBIGUOUS_RULES),
                        "`reject` refuses a repeated local time; the others take its first or second instant",
                    )
            else:
                self.unknown("time", key, ("zone", "formats", "ambiguous"))
        fields = {}
        for key, value in merged["fields"].items():
            if key not in RECORD_FIELDS:
                self.unknown("fields", key, RECORD_FIELDS)
            elif value == "":
                continue  # a field the file turns off
            elif (column := self.text("fields", key, value)) is not None:
                fields[key] = column
        found["fields"] = fields
        if merged["priorities"]:
            priorities = {}
            for key, value in merged["priorities"].items():
                if isinstance(value, str) and value.strip():
                    priorities[key] = Severity(value, None)
                elif (
                    isinstance(value, dict)
                    and isinstance(value.get("severity"), str)
                    and set(value)
                    <= {
                        "severity",
                        "plan",
                    }
                ):
                    plan = value.get("plan")
                    if plan is not None and not isinstance(plan, str):
                        self.fail("priorities", key, "a priority's `plan` must be a text")
                    priorities[key] = Severity(value["severity"], plan)
                else:
                    self.fail(
                        "priorities",
                        key,
                        f"priority `{key}` must map to a severity",
                        f'write `"{key}" = "A"`, or `"{key}" = {{ severity = "A", plan = "premium" }}`',
                    )
            found["priorities"] = priorities
        statuses = {}
        for key, value in merged["statuses"].items():
            if key in STATUS_LISTS:
                statuses[key] = frozenset(self.texts("statuses", key, value))
            else:
                self.unknown("statuses", key, STATUS_LISTS)
        found["statuses"] = statuses
        choices = {}
        for key, value in merged["choices"].items():
            if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
                choices[key] = dict(value)
            else:
                self.fail("choices", key, f'[choices.{key}] maps stored values to names, as `"3" = "On Hold"`')
        found["choices"] = choices
        events = {}
        for key, value in merged["events"].items():
            if value in EVENT_RECORDS:
                events[key] = value
            else:
                guess = did_you_mean(str(value), EVENT_RECORDS)
                self.fail(
                    "events",
                    key,
                    f"event `{key}` must map to a record type, not `{value}`",
                    f"did you mean `{guess}`?" if guess else "record types: " + ", ".join(EVENT_RECORDS),
                )
        found["events"] = events
        for key, value in merged["customers"].items():
            if key == "default":
                found["default_customer"] = self.text("customers", key, value)
            elif key == "names":
                if isinstance(value, dict) and all(isinstance(v, str) and v for v in value.values()):
                    found["customers"] = dict(value)
                else:
                    self.fail("customers", key, "[customers.names] maps the export's values to customer ids")
            else:
                self.unknown("customers", key, ("default", "names"))
        for key, value in merged["skip"].items():
            if key == "field":
                found["skip_field"] = self.text("skip", key, value)
            elif key == "values":
                found["skip_values"] = frozenset(self.texts("skip", key, value))
            else:
                self.unknown("skip", key, ("field", "values"))
        found["tags"] = {key: tuple(self.texts("tags", key, value)) for key, value in merged["tags"].items()}
        return Mapping(self.source.name, **found)

    def zone(self, name: str) -> bool:
        if is_abbreviation(name):
            suggestion = ZONE_ABBREVIATIONS.get(name.upper(), "Area/City")
            self.fail(
                "time",
                "zone",
                f"`{name}` is an abbreviation, not a time zone",
                f"name the place instead, for example `{suggestion}`",
            )
            return False
        if not is_zone(name):
            close = closest_zone(name)
            self.fail(
                "time",
                "zone",
                f"time zone `{name}` is not known",
                f"did you mean `{close}`?" if close else "use an IANA name like `Europe/Oslo`",
            )
            return False
        return True


def check_mapping(mapping: Mapping, agreement: model.Agreement) -> list[Diagnostic]:
    """`E0410` for each severity or plan the mapping names that the agreement does not define."""
    severities = [s.code for s in agreement.severities]
    plans = [p.name for p in agreement.plans]
    reader = _Reader(mapping.source or Source(mapping.name, ""), "E0410")
    for value, target in (mapping.priorities or {}).items():
        if target.severity not in severities:
            guess = did_you_mean(target.severity, severities)
            reader.fail(
                "priorities",
                value,
                f"priority `{value}` maps to severity `{target.severity}`, which the agreement does not define",
                f"did you mean `{guess}`?" if guess else "the agreement's severities: " + _list(severities),
            )
        if target.plan is not None and target.plan not in plans:
            guess = did_you_mean(target.plan, plans)
            reader.fail(
                "priorities",
                value,
                f"priority `{value}` names plan `{target.plan}`, which the agreement does not define",
                f"did you mean `{guess}`?" if guess else "the agreement's plans: " + (_list(plans) or "none"),
            )
    return reader.problems


def _list(names: list[str]) -> str:
    return ", ".join(f"`{n}`" for n in names)


def _where(message: str) -> tuple[int, int]:
    found = re.search(r"line (\d+), column (\d+)", message)
    return (int(found.group(1)), int(found.group(2))) if found else (1, 1)


def _bare(message: str) -> str:
    bare = re.sub(r"\s*\(at (end of document|line \d+, column \d+)\)", "", message)
    return bare[:1].lower() + bare[1:]


def _problem(
    source: Source, message: str, line: int, column: int, *, help_text: str | None, code: str = "E0409"
) -> Diagnostic:
    starts = source.line_starts
    start = (starts[line - 1] if line - 1 < len(starts) else len(source.text)) + column - 1
    start = min(start, len(source.text))
    line_end = source.text.find("\n", start)
    end = len(source.text) if line_end < 0 else line_end
    span: Span = source.span(start, max(end, start))
    return Diagnostic(code, message, span, "here", help=help_text)
