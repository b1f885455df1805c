"""Zendesk Support: tickets as the Ticket API gives them (`/api/v2/tickets`, the incremental export
`/api/v2/incremental/tickets/cursor`, or a search's `results`), saved as JSON; and, given with `--history`, the
tickets' audits (`/api/v2/tickets/ID/audits`: `audits`, each with its `ticket_id`, `created_at`, `author_id` and
`events`) or ticket metric events (`/api/v2/incremental/ticket_metric_events`: `ticket_metric_events`, each with
`ticket_id`, `metric`, `type` and `time`), joined to the tickets by `ticket_id` = the ticket's `id`.

An audit's `Change` events on `status` and `priority` make pauses, resolutions and changes of severity (the
mapping's [statuses]: `pending` and `hold` pause by default); its first public `Comment` by someone other than the
requester is the first reply (`response`); a `Create` event on `priority` is the priority the ticket was opened
with, which the ticket's own `priority` (its priority now) is not. A metric event is a record when the mapping's
[events] names its `metric type` (`"reply_time fulfill" = "response"`). A ticket merged into another is closed
with the tag `closed_by_merge`: the default [skip] leaves it out with a warning. Zendesk writes UTC times with Z.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sladsl.importers.bridge import Bridge, Change, ticket_of
from sladsl.importers.exports import Node, Place, Value, place_of, read_json, rows_of
from sladsl.importers.mapping import Mapping
from sladsl.source import Source
from sladsl.timeline.formats import Entry, Reject

NOT_AN_OBJECT = 'each item of the export is a ticket, `{"id": ..., "priority": ..., "created_at": ...}`'
HISTORY_HELP = (
    "each item of the history is an audit (`ticket_id`, `created_at`, `events`) or a ticket metric event"
)
CHANGED = {"status": "status", "priority": "priority"}
DEFAULTS: dict[str, Any] = {
    "fields": {
        "incident": "id",
        "priority": "priority",
        "reported": "created_at",
        "customer": "organization_id",
        "channel": "via.channel",
        "key": "id",
    },
    "statuses": {"pause": ["pending", "hold"], "resolution": ["solved", "closed"]},
    "events": {
        "reply_time fulfill": "response",
        "pausable_update_time pause": "paused",
        "pausable_update_time activate": "resumed",
    },
    "skip": {"field": "tags", "values": ["closed_by_merge"]},
}
TEMPLATE = """\
# A sladsl mapping for Zendesk Support tickets, with their audits or ticket metric events.
#
# Export: the Ticket API as JSON (join the pages' `tickets`), and the audits of those tickets:
#   curl -u you@example.com/token:$TOKEN 'https://SUB.zendesk.com/api/v2/tickets.json' > tickets.json
#   curl -u you@example.com/token:$TOKEN 'https://SUB.zendesk.com/api/v2/tickets/ID/audits.json' > audits.json
# or, for pauses and first replies without the audits, the incremental ticket metric events:
#   curl -u ... 'https://SUB.zendesk.com/api/v2/incremental/ticket_metric_events.json?start_time=T' > m.json
#
#   sladsl import tickets.json --from zendesk --mapping zendesk.toml --history audits.json -o timeline.jsonl
#   sladsl check agreement.sla tickets.json --from zendesk --mapping zendesk.toml --history audits.json

[time]
# Zendesk writes every time in UTC with Z (2025-03-10T14:00:00Z), so no zone is needed to read them.
# zone = "Europe/Oslo"   # only the zone records are written in

[fields]                 # record field = a path into the ticket
incident = "id"
priority = "priority"    # the priority now; an audit's Create event gives the one the ticket was opened with
reported = "created_at"
customer = "organization_id"
channel = "via.channel"
key = "id"               # joins the audits and metric events (their ticket_id) to the tickets

[priorities]             # Zendesk's priority = a severity of the agreement (edit the right-hand sides)
urgent = "A"
high = "B"
normal = "C"
# low = { severity = "C", plan = "standard" }

[statuses]               # Zendesk's status values: new, open, pending, hold, solved, closed
pause = ["pending", "hold"]          # entering one pauses the clock, leaving it resumes
resolution = ["solved", "closed"]    # entering one resolves the ticket (again, after a reopening)

[events]                 # ticket metric events, "metric type" = a record type (others are not read)
"reply_time fulfill" = "response"
"pausable_update_time pause" = "paused"
"pausable_update_time activate" = "resumed"

[customers]
# default = "acme"       # the customer of a ticket with no organization
# [customers.names]      # the ticket's organization_id = the timeline's customer id
# "360001234567" = "acme"

[skip]                   # a ticket merged into another is closed with this tag: each gets a warning
field = "tags"
values = ["closed_by_merge"]
"""


def read(export: Source, mapping: Mapping, bridge: Bridge, history: Sequence[Source] = ()) -> Iterator[Entry]:
    changes, opened_with, problems = _history(history, mapping)
    for place, problem in problems:
        yield bridge.entry(place, problem)
    for node in rows_of(export, read_json(export), ("tickets", "results"), "export"):
        place = place_of(export, node)
        if not isinstance(node.value, dict):
            yield bridge.entry(place, Reject("E0401", "this ticket is not a JSON object", NOT_AN_OBJECT))
            continue
        get = node.text
        key = get(mapping.field("key"))
        mine = changes.pop(key.text, []) if key is not None else []
        first = opened_with.pop(key.text, None) if key is not None else None
        ticket = ticket_of(
            place, get, mapping, priority=first or get(mapping.field("priority")), skip=_skip(node, mapping)
        )
        requester = get("requester_id")
        for change in mine:
            if change.field != "comment":
                ticket.changes.append(change)
            elif requester is None or change.to.text != requester.text:  # an agent's public reply
                to = Value("response", change.to.start, change.to.end)
                ticket.changes.append(Change("record", to, change.at, change.place, change.when))
        yield from bridge.ticket(ticket)
    for ident, orphans in changes.items():
        count = f"{len(orphans)} history entries" if len(orphans) > 1 else "1 history entry"
        bridge.warn(
            "W0403",
            f"{count} for ticket `{ident}` not imported: the export holds no ticket with that id",
            orphans[0].place,
            None,
            "export the tickets and their audits over the same filter",
        )


def _skip(node: Node, mapping: Mapping) -> Value | None:
    """The value of the [skip] field; of a list (the ticket's `tags`), the item [skip] names, if any."""
    found = node.get(mapping.skip_field)
    if found is not None and isinstance(found.value, list):
        for item in found.value:
            if isinstance(item.value, str) and item.value in mapping.skip_values:
                return Value(item.value, item.start, item.end)
        return None
    return node.text(mapping.skip_field)


def _history(
    history: Sequence[Source], mapping: Mapping
) -> tuple[dict[str, list[Change]], dict[str, Value], list[tuple[Place, Reject]]]:
    """By ticket id: the changes of audits and metric events (a public comment as a `comment` change whose `to`
    is its author), and the priority each Create event opened a ticket with; and the items that cannot be read."""
    changes: dict[str, list[Change]] = {}
    opened_with: dict[str, Value] = {}
    problems: list[tuple[Place, Reject]] = []
    for source in history:
        for node in rows_of(source, read_json(source, "history"), ("audits", "ticket_metric_events"), "history"):
            place = place_of(source, node)
            if not isinstance(node.value, dict):
                problems.append((place, Reject("E0401", "this history item is not a JSON object", HISTORY_HELP)))
                continue
            ticket = node.text("ticket_id")
            if ticket is None:
                problems.append(
                    (place, place.reject("E0411", "this history item has no `ticket_id`", HISTORY_HELP))
                )
                continue
            mine = changes.setdefault(ticket.text, [])
            if "metric" in node.value:  # a ticket metric event
                metric, kind = node.text("metric"), node.text("type")
                record = mapping.events.get(f"{metric.text if metric else ''} {kind.text if kind else ''}")
                if record is not None and kind is not None:
                    to = Value(record, kind.start, kind.end)
                    mine.append(Change("record", to, node.text("time"), place, "time"))
                continue
            at, author = node.text("created_at"), node.text("author_id")
            for event in node.items("events"):  # each change is placed at its audit, where its time is
                kind, field, value = event.text("type"), event.text("field_name"), event.text("value")
                public = event.get("public")
                if kind is None:
                    continue
                if kind.text == "Create" and field is not None and field.text == "priority" and value is not None:
                    opened_with[ticket.text] = value
                elif kind.text == "Change" and field is not None and field.text in CHANGED and value is not None:
                    mine.append(Change(CHANGED[field.text], value, at, place, "created_at"))
                elif kind.text == "Comment" and public is not None and public.value is True:
                    by = event.text("author_id") or author
                    if by is not None:
                        mine.append(Change("comment", by, at, place, "created_at"))
    return {k: v for k, v in changes.items() if v}, opened_with, problems
