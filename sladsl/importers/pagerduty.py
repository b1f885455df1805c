"""PagerDuty: incidents as the REST API v2 gives them (`/incidents`, saved as JSON: an object with `incidents`, or
a list), and, given with `--history`, their log entries (`/incidents/ID/log_entries` or `/log_entries`: an
object with `log_entries`, each with its `type`, `created_at` and `incident.id`), joined to the incidents by
`incident.id` = the incident's `id`.

The incident's `incident_number`, `created_at` (the trigger) and priority make the report: its `priority` object's
`summary` (`P1`) when the account uses priorities, and its `urgency` (`high`, `low`) when `priority` is null: the
urgency it has now, so one whose log entries change it was triggered with the other of the two. A log
entry is a record when the mapping's [events] names its type (`acknowledge_log_entry` the first response,
`resolve_log_entry` the resolution); an `urgency_change_log_entry` is a change of severity, for an incident whose
severity came from its urgency. PagerDuty writes UTC times with Z (or the offset of the `time_zone` asked for).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sladsl.importers.bridge import Bridge, Change, ticket_of
from sladsl.importers.exports import Place, Value, place_of, read_json, rows_of
from sladsl.importers.mapping import Mapping
from sladsl.source import Source
from sladsl.timeline.formats import Entry, Reject

NOT_AN_OBJECT = 'each item of the export is an incident, `{"id": ..., "urgency": ..., "created_at": ...}`'
HISTORY_HELP = "each item of the history is a log entry, with its `type`, `created_at` and `incident.id`"
URGENCY = "urgency"
OTHER = {"high": "low", "low": "high"}
DEFAULTS: dict[str, Any] = {
    "fields": {
        "incident": "incident_number",
        "priority": "priority.summary",
        "reported": "created_at",
        "key": "id",
    },
    "events": {"acknowledge_log_entry": "response", "resolve_log_entry": "resolution"},
}
TEMPLATE = """\
# A sladsl mapping for PagerDuty incidents with their log entries.
#
# Export: the REST API v2's incidents as JSON (join the pages' `incidents`), and their log entries:
#   curl -H "Authorization: Token token=$TOKEN" \\
#     'https://api.pagerduty.com/incidents?since=2025-01-01&until=2025-04-01&limit=100' > incidents.json
#   curl -H "Authorization: Token token=$TOKEN" \\
#     'https://api.pagerduty.com/log_entries?since=2025-01-01&until=2025-04-01&limit=100' > log_entries.json
#
#   sladsl import incidents.json --from pagerduty --mapping pagerduty.toml --history log_entries.json
#   sladsl check agreement.sla incidents.json --from pagerduty --mapping pagerduty.toml --history log_entries.json

[time]
# PagerDuty writes every time in UTC with Z, so no zone is needed to read them.
# zone = "Europe/Oslo"   # only the zone records are written in

[fields]                 # record field = a path into the incident
incident = "incident_number"
priority = "priority.summary"   # when an incident's priority is null, its `urgency` is read instead
reported = "created_at"
key = "id"               # joins the log entries (their incident.id) to the incidents
# customer = "service.summary"  # the service, named under [customers.names]

[priorities]             # the priority's name, or the urgency = a severity of the agreement
P1 = "A"
P2 = "B"
P3 = "C"
high = "B"
low = "C"

[events]                 # log entry types that are records (trigger is the report; others are not read)
acknowledge_log_entry = "response"   # the first acknowledgement
resolve_log_entry = "resolution"

[customers]
# default = "acme"
# [customers.names]
# "Checkout API" = "acme"
"""


def read(export: Source, mapping: Mapping, bridge: Bridge, history: Sequence[Source] = ()) -> Iterator[Entry]:
    changes, problems = _history(history, mapping)
    for place, problem in problems:
        yield bridge.entry(place, problem)
    for node in rows_of(export, read_json(export), ("incidents",), "export"):
        place = place_of(export, node)
        if not isinstance(node.value, dict):
            yield bridge.entry(place, Reject("E0401", "this incident is not a JSON object", NOT_AN_OBJECT))
            continue
        get = node.text
        key = get(mapping.field("key"))
        priority = get(mapping.field("priority"))
        if mapping.field("priority") == URGENCY:
            priority = None  # the severity comes from the urgency: read below, with its changes
        mine = changes.pop(key.text, []) if key is not None else []
        # An urgency change changes the severity only of an incident whose severity came from its urgency.
        mine = [c for c in mine if c.field != "priority" or priority is None]
        ticket = ticket_of(place, get, mapping, priority=priority or _opened_with(get(URGENCY), mine))
        ticket.changes = mine
        yield from bridge.ticket(ticket)
    for ident, orphans in changes.items():
        count = f"{len(orphans)} log entries" if len(orphans) > 1 else "1 log entry"
        bridge.warn(
            "W0403",
            f"{count} for incident `{ident}` not imported: the export holds no incident with that id",
            orphans[0].place,
            None,
            "export the incidents and their log entries over the same time range",
        )


def _opened_with(urgency: Value | None, changes: list[Change]) -> Value | None:
    """The urgency an incident was triggered with: its `urgency` is the one it has now, so when its log entries
    change the urgency, the other of the two (`high`, `low`) than the one the first change set."""
    changed = sorted((c for c in changes if c.field == "priority"), key=lambda c: c.at.text if c.at else "")
    if urgency is None or not changed or changed[0].to.text not in OTHER:
        return urgency
    return Value(OTHER[changed[0].to.text], urgency.start, urgency.end)


def _history(
    history: Sequence[Source], mapping: Mapping
) -> tuple[dict[str, list[Change]], list[tuple[Place, Reject]]]:
    """The records and urgency changes of log entries, by the incident's id; the entries that cannot be read."""
    changes: dict[str, list[Change]] = {}
    problems: list[tuple[Place, Reject]] = []
    for source in history:
        for node in rows_of(source, read_json(source, "history"), ("log_entries",), "history"):
            place = place_of(source, node)
            if not isinstance(node.value, dict):
                problems.append((place, Reject("E0401", "this log entry is not a JSON object", HISTORY_HELP)))
                continue
            kind, at = node.text("type"), node.text("created_at")
            if kind is None:
                continue
            record = mapping.events.get(kind.text)
            change: Change | None = None
            if record is not None:
                change = Change("record", Value(record, kind.start, kind.end), at, place, "created_at")
            elif kind.text == "urgency_change_log_entry" and (urgency := node.text(URGENCY)) is not None:
                change = Change("priority", urgency, at, place, "created_at")
            if change is None:
                continue  # a trigger (the report), a notification, an escalation, a note: not measured
            incident = node.text("incident.id")
            if incident is None:
                problems.append(
                    (place, place.reject("E0411", "this log entry has no `incident.id`", HISTORY_HELP))
                )
                continue
            changes.setdefault(incident.text, []).append(change)
    return changes, problems
