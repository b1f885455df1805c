"""A generic CSV export: a row per incident (its number, priority, and the times of its report, response,
restore and resolution in columns), or, with `rows = "event"` under [source], a row per event (the incident,
what happened, when, and the priority of a report or a change of severity)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sladsl.importers.bridge import Bridge, ticket_of
from sladsl.importers.exports import read_csv
from sladsl.importers.mapping import Mapping
from sladsl.source import Source
from sladsl.timeline.formats import Entry

DEFAULTS = {
    "fields": {
        "incident": "incident",
        "priority": "priority",
        "reported": "reported",
        "response": "response",
        "restore": "restore",
        "resolution": "resolution",
        "customer": "customer",
        "channel": "channel",
        "event": "event",  # a row per event: what happened
        "at": "at",  # a row per event: when
    },
}


def columns(mapping: Mapping) -> list[str]:
    """The columns the header must have: the ones every row needs, and the ones the mapping file names. A
    default column the export does not have is left out (a timeline without restores has no `restore`)."""
    needed = ("incident", "event", "at") if mapping.rows == "event" else ("incident", "priority", "reported")
    wanted = (*needed, *sorted(mapping.named))
    return [mapping.fields.get(f, f) for f in dict.fromkeys(wanted) if f in mapping.fields]


def read(export: Source, mapping: Mapping, bridge: Bridge, history: Sequence[Source] = ()) -> Iterator[Entry]:
    table = read_csv(export, mapping.delimiter, columns(mapping))
    for row in table.rows:
        if row.problem is not None:
            yield bridge.entry(row.place, row.problem)
        elif mapping.rows == "event":
            yield bridge.event(row.place, row.cells)
        else:
            ticket = ticket_of(row.place, row.get, mapping)
            yield from bridge.ticket(ticket)


TEMPLATE = """\
# A sladsl mapping for a generic CSV export.
#
# A row per incident: its id, priority and the time of each event in its own column:
#   incident,priority,customer,reported,response,resolution
#   INC-1,P1,acme,2025-04-16 16:00,2025-04-16 16:20,2025-04-17 09:00
# Or, with rows = "event", a row per event: the incident, what happened, when (and a report's priority):
#   incident,event,at,priority,customer
#   INC-1,opened,2025-04-16 16:00,P1,acme
#
#   sladsl import export.csv --from generic --mapping generic.toml -o timeline.jsonl
#   sladsl check agreement.sla export.csv --from generic --mapping generic.toml

[source]
delimiter = ","
rows = "incident"        # or "event"

[time]
# zone = "Europe/Oslo"   # the zone of times written without an offset (required for them)
# formats = ["%d/%m/%Y %H:%M"]   # layouts other than ISO 8601 (strptime codes)
# ambiguous = "reject"   # a local time the clocks repeat: "earlier" or "later" takes one of the two

[fields]                 # record field = the export's column
incident = "incident"
priority = "priority"
reported = "reported"
# response = "response"
# restore = "restore"
# resolution = "resolution"
# customer = "customer"
# channel = "channel"
# event = "event"        # rows = "event": what happened
# at = "at"              # rows = "event": when

[priorities]             # the export's priority = a severity of the agreement (leave the table out to take
P1 = "A"                 # the export's values as the severities)
P2 = "B"
# P3 = { severity = "C", plan = "standard" }

# [events]               # rows = "event": the event column's value = a record type
# opened = "reported"
# "first reply" = "response"
# workaround = "restore"
# solved = "resolution"
# "on hold" = "paused"
# "off hold" = "resumed"
# "priority changed" = "severity_changed"

[customers]
# default = "acme"       # the customer of a row that names none
# [customers.names]      # the export's value = the timeline's customer id
# "ACME Corporation" = "acme"

# [skip]                 # rows that are not incidents of their own (merged tickets): each gets a warning
# field = "status"
# values = ["Merged"]
"""
