"""Jira Service Management: issues as the REST API gives them with their changelog (`/rest/api/3/search?
expand=changelog`, or each issue from `/rest/api/3/issue/KEY?expand=changelog`), saved as JSON: an object
with `issues`, or an array of issues. The issue's `key`, `fields.priority.name` and `fields.created` make the
report; `fields.resolutiondate` the resolution; the changelog's `status` and `priority` items (`toString`) the
pauses, resolutions (again after a reopening) and changes of severity. A JSM SLA field ("Time to first
response") is a custom field whose id differs between sites: name it under [fields] as a path, like
`fields.customfield_10020.completedCycles.0.stopTime.iso8601`. Jira's times carry an offset (`-0600`)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sladsl.importers.bridge import Bridge, Change, ticket_of
from sladsl.importers.exports import place_of, read_json, rows_of
from sladsl.importers.mapping import Mapping
from sladsl.source import Source
from sladsl.timeline.formats import Entry, Reject

NOT_AN_OBJECT = 'each item of the export is an issue, `{"key": ..., "fields": {...}}`'
CHANGED = {"status": "status", "priority": "priority"}
DEFAULTS: dict[str, Any] = {
    "fields": {
        "incident": "key",
        "priority": "fields.priority.name",
        "reported": "fields.created",
        "resolution": "fields.resolutiondate",
        "customer": "fields.customfield_10002.0.name",
    },
    "statuses": {"pause": ["Waiting for customer"], "resolution": ["Resolved", "Done", "Closed"]},
}
TEMPLATE = """\
# A sladsl mapping for Jira Service Management issues with their changelog.
#
# Export: the REST API's search with the changelog, saved as JSON (each page's `issues`; join the pages):
#   curl -u you@example.com:$TOKEN \\
#     'https://SITE.atlassian.net/rest/api/3/search?jql=project=HELP&expand=changelog&maxResults=100' > issues.json
# The changelog of an issue with more than 100 changes is cut short in a search: fetch such an issue alone
# (/rest/api/3/issue/KEY?expand=changelog) and put it in the list.
#
#   sladsl import issues.json --from jira --mapping jira.toml -o timeline.jsonl
#   sladsl check agreement.sla issues.json --from jira --mapping jira.toml

[time]
# Jira writes every time with its offset (2025-03-10T09:15:00.000+0100), so no zone is needed to read them.
# zone = "Europe/Oslo"   # only the zone records are written in

[fields]                 # record field = a path into the issue
incident = "key"
priority = "fields.priority.name"
reported = "fields.created"
resolution = "fields.resolutiondate"
customer = "fields.customfield_10002.0.name"   # Organizations; find your field's id under Settings > Issues
# response = "fields.customfield_10020.completedCycles.0.stopTime.iso8601"   # "Time to first response"

[priorities]             # Jira's priority name = a severity of the agreement (edit the right-hand sides)
Highest = "A"
High = "B"
Medium = "C"
# Low = { severity = "C", plan = "standard" }

[statuses]               # status names as the workflow has them
pause = ["Waiting for customer"]
resolution = ["Resolved", "Done", "Closed"]
# response = ["In Progress"]

[customers]
# default = "acme"
# [customers.names]
# "ACME Corporation" = "acme"

# [skip]                 # issues resolved as duplicates of another: each gets a warning
# field = "fields.resolution.name"
# values = ["Duplicate"]
"""


def read(export: Source, mapping: Mapping, bridge: Bridge, history: Sequence[Source] = ()) -> Iterator[Entry]:
    for issue in rows_of(export, read_json(export), ("issues",), "export"):
        place = place_of(export, issue)
        if not isinstance(issue.value, dict):
            yield bridge.entry(place, Reject("E0401", "this issue is not a JSON object", NOT_AN_OBJECT))
            continue
        get = issue.text
        ticket = ticket_of(place, get, mapping)
        for entry in issue.items("changelog.histories"):
            for item in entry.items("items"):
                field, to = item.text("field"), item.text("toString")
                if field is None or field.text not in CHANGED or to is None:
                    continue  # a change to another field (assignee, comment): nothing an agreement measures
                ticket.changes.append(
                    Change(CHANGED[field.text], to, entry.text("created"), place_of(export, item))
                )
        yield from bridge.ticket(ticket)
