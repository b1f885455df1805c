"""ServiceNow incidents: the incident list exported as CSV or JSON (`JSONv2`'s `records`, or the Table API's
`result`, with display values or `sysparm_display_value=all`), and, given with `--history`, the `sys_audit` rows
of those incidents (CSV or JSON: `documentkey`, `fieldname`, `newvalue`, `sys_created_on`), whose `state` and
`priority` changes make pauses, resolutions and changes of severity. ServiceNow writes date-times in the
exporting user's zone without an offset, and an audit row's stored values (`3`, not `On Hold`): the mapping's
[choices] name them, with the base system's choices as defaults."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sladsl.importers.bridge import Bridge, Change, ticket_of
from sladsl.importers.exports import Place, Value, place_of, read_csv, read_json, rows_of
from sladsl.importers.mapping import Mapping
from sladsl.source import Source
from sladsl.timeline.formats import Entry, Reject

AUDIT = ("documentkey", "fieldname", "newvalue", "sys_created_on")
AUDIT_HELP = "each record is a sys_audit row: documentkey, fieldname, newvalue, sys_created_on"
AUDITED = {"state": "status", "incident_state": "status", "priority": "priority"}
DEFAULTS: dict[str, Any] = {
    "fields": {
        "incident": "number",
        "priority": "priority",
        "reported": "opened_at",
        "resolution": "resolved_at",
        "customer": "company",
        "channel": "contact_type",
        "key": "sys_id",
    },
    "statuses": {"pause": ["On Hold"], "resolution": ["Resolved", "Closed"]},
    "choices": {
        # The base system's choices for incident `state` and `priority`, as sys_audit stores them.
        "status": {
            "1": "New",
            "2": "In Progress",
            "3": "On Hold",
            "6": "Resolved",
            "7": "Closed",
            "8": "Canceled",
        },
        "priority": {
            "1": "1 - Critical",
            "2": "2 - High",
            "3": "3 - Moderate",
            "4": "4 - Low",
            "5": "5 - Planning",
        },
    },
}
TEMPLATE = """\
# A sladsl mapping for a ServiceNow incident export.
#
# Export: open Incident > All, filter the list, and choose the columns Number, Priority, Opened, Resolved,
# Company, Channel and Sys ID (Personalize List). Right-click a column header > Export > CSV (or JSON).
# History (optional, for pauses and changes of priority): open sys_audit.list filtered on
# `tablename=incident^fieldnameINstate,priority` and export it as CSV; give it with --history.
#
#   sladsl import incident.csv --from servicenow --mapping servicenow.toml --history sys_audit.csv
#   sladsl check agreement.sla incident.csv --from servicenow --mapping servicenow.toml --history sys_audit.csv

[source]
delimiter = ","          # a spreadsheet in a European locale may have saved it with ";"

[time]
# ServiceNow writes date-times in the exporting user's time zone, with no offset: name that zone (IANA).
# zone = "Europe/Oslo"
# formats = ["%d.%m.%Y %H:%M:%S"]   # if the user's date format is not yyyy-MM-dd
# ambiguous = "reject"   # a local time the clocks repeat in autumn: "earlier" or "later" takes one of the two

[fields]                 # record field = the export's column
incident = "number"
priority = "priority"
reported = "opened_at"
resolution = "resolved_at"
customer = "company"
channel = "contact_type"
key = "sys_id"           # joins the sys_audit rows (their documentkey) to the incidents
# response = "u_first_response"   # a column holding the first response time, if the instance has one

[priorities]             # the export's priority = a severity of the agreement (edit the right-hand sides)
"1 - Critical" = "A"
"2 - High" = "B"
"3 - Moderate" = "C"
# "4 - Low" = { severity = "C", plan = "standard" }   # a severity and a plan

[statuses]
pause = ["On Hold"]                  # entering one pauses the clock, leaving it resumes
resolution = ["Resolved", "Closed"]  # entering one resolves the incident (again, after a reopening)
# response = ["In Progress"]         # the first time the incident enters one is its response

[customers]
# default = "acme"                   # the customer of an incident whose company is empty
# [customers.names]                  # the export's company = the timeline's customer id
# "ACME Corporation" = "acme"

# [skip]                             # incidents that are not incidents of their own: each gets a warning
# field = "close_code"
# values = ["Duplicate"]
"""


def read(export: Source, mapping: Mapping, bridge: Bridge, history: Sequence[Source] = ()) -> Iterator[Entry]:
    changes, problems = _history(history, mapping)
    for place, problem in problems:
        yield bridge.entry(place, problem)
    for place, get, problem in _incidents(export, mapping, bool(history)):
        if problem is not None:
            yield bridge.entry(place, problem)
            continue
        ticket = ticket_of(place, get, mapping)
        key = get(mapping.field("key"))
        if key is not None:
            ticket.changes = changes.pop(key.text, [])
        yield from bridge.ticket(ticket)
    for key, orphans in changes.items():
        count = f"{len(orphans)} history entries" if len(orphans) > 1 else "1 history entry"
        bridge.warn(
            "W0403",
            f"{count} for `{key}` not imported: the export holds no incident with that key",
            orphans[0].place,
            None,
            "export the incidents and their history over the same filter",
        )


def _incidents(export: Source, mapping: Mapping, joined: bool) -> Iterator[tuple[Place, Any, Any]]:
    """(place, a getter of values by column, a problem) for each incident of a CSV or JSON export."""
    if export.text.lstrip("\ufeff \t\r\n").startswith(("{", "[")):
        for node in rows_of(export, read_json(export), ("records", "result"), "export"):
            problem = None
            if not isinstance(node.value, dict):
                problem = Reject(
                    "E0401", "this record is not a JSON object", "each record is an incident's fields"
                )
            yield place_of(export, node), node.text, problem
        return
    named = sorted(mapping.named - {"key"})  # the join column is needed only with a history
    wanted = ["incident", "priority", "reported", *named, *(["key"] if joined else [])]
    columns = [mapping.fields[f] for f in dict.fromkeys(wanted) if f in mapping.fields]
    table = read_csv(export, mapping.delimiter, columns)
    for row in table.rows:
        yield row.place, row.get, row.problem


def _history(
    history: Sequence[Source], mapping: Mapping
) -> tuple[dict[str, list[Change]], list[tuple[Place, Reject]]]:
    """The state and priority changes of sys_audit exports, by the incident's sys_id; and the rows that could not
    be read."""
    changes: dict[str, list[Change]] = {}
    problems: list[tuple[Place, Reject]] = []
    for source in history:
        rows: list[tuple[Place, Any]]
        if source.text.lstrip("\ufeff \t\r\n").startswith(("{", "[")):
            nodes = rows_of(source, read_json(source, "history"), ("records", "result"), "history")
            rows = [(place_of(source, node), node.text) for node in nodes if isinstance(node.value, dict)]
            problems += [
                (place_of(source, node), Reject("E0401", "this history record is not a JSON object", AUDIT_HELP))
                for node in nodes
                if not isinstance(node.value, dict)
            ]
        else:
            table = read_csv(source, mapping.delimiter, AUDIT, "history")
            problems += [(row.place, row.problem) for row in table.rows if row.problem is not None]
            rows = [(row.place, row.get) for row in table.rows if row.problem is None]
        for place, get in rows:
            table_name: Value | None = get("tablename")
            if table_name is not None and table_name.text != "incident":
                continue  # another table's audit: not an incident's history
            field, key, to = get("fieldname"), get("documentkey"), get("newvalue")
            if field is None or field.text not in AUDITED or key is None or to is None:
                continue  # a change to another field (assigned_to, work_notes): nothing an agreement measures
            change = Change(AUDITED[field.text], to, get("sys_created_on"), place, "sys_created_on")
            changes.setdefault(key.text, []).append(change)
    return changes, problems
