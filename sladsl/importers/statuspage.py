"""A status page's incident history (Atlassian Statuspage): incidents as its API gives them (the page's
`/api/v2/incidents.json`, an object with `incidents`, or the manage API's `/v1/pages/ID/incidents`, a list), and
scheduled maintenances (`/api/v2/scheduled-maintenances.json`, `scheduled_maintenances`), read as `outage` records.

An incident is an outage from its `created_at` to its `resolved_at`; one that is not resolved (no `resolved_at`)
has no end and is rejected (`E0411`) until it is. An item with a `scheduled_for` is a maintenance: an outage from
`scheduled_for` to `scheduled_until`, tagged `maintenance`, announced (`notice`) at its `created_at`. The
mapping's [tags] give an outage tags by its `impact` (`none`, `minor`, `major`, `critical`) and by the `name` of
each of its `components`; [customers.names] give it customers by component name. An outage with a component no
customer is named for (or with no components) is every customer's. By default an incident of impact `none` is
left out with a warning ([skip]). Statuspage writes times with the page zone's offset.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sladsl.importers.bridge import Bridge
from sladsl.importers.exports import Node, place_of, read_json, rows_of
from sladsl.importers.mapping import Mapping
from sladsl.source import Source
from sladsl.timeline.formats import Entry, Reject

LISTS = ("incidents", "scheduled_maintenances")
NOT_AN_OBJECT = 'each item of the export is an incident, `{"id": ..., "created_at": ..., "resolved_at": ...}`'
MAINTENANCE = "maintenance"
DEFAULTS: dict[str, Any] = {
    "fields": {"incident": "id", "start": "created_at", "end": "resolved_at"},
    "skip": {"field": "impact", "values": ["none"]},
}
TEMPLATE = """\
# A sladsl mapping for a status page's incident history (Atlassian Statuspage), read as outages.
#
# Export: the page's incidents and scheduled maintenances as JSON (a page's public API needs no key):
#   curl https://status.example.com/api/v2/incidents.json > incidents.json
#   curl https://status.example.com/api/v2/scheduled-maintenances.json > maintenances.json
# or every incident of the page through the manage API:
#   curl -H "Authorization: OAuth $KEY" 'https://api.statuspage.io/v1/pages/PAGE_ID/incidents' > incidents.json
#
#   sladsl import incidents.json --from statuspage --mapping statuspage.toml --history maintenances.json
#   sladsl check agreement.sla incidents.json --from statuspage --mapping statuspage.toml

[time]
# Statuspage writes every time with the page zone's offset, so no zone is needed to read them.
# zone = "Europe/Oslo"   # only the zone records are written in

[fields]                 # record field = a path into the incident
incident = "id"
start = "created_at"     # or "started_at", when incidents are opened after the outage began
end = "resolved_at"      # an incident without it is not resolved: it is rejected until it is

[tags]                   # an impact or a component's name = the outage's tags (the agreement's exclusions)
# minor = ["degraded"]
# "Third-party SMS gateway" = ["third_party"]

[customers]
# [customers.names]      # a component's name = the customer its outages are for (else every customer's)
# "ACME dedicated cluster" = "acme"

[skip]                   # incidents that are not outages: each gets a warning
field = "impact"
values = ["none"]
"""


def read(export: Source, mapping: Mapping, bridge: Bridge, history: Sequence[Source] = ()) -> Iterator[Entry]:
    for source in (export, *history):
        for node in _items(source, "export" if source is export else "history"):
            place = place_of(source, node)
            if not isinstance(node.value, dict):
                yield bridge.entry(place, Reject("E0401", "this incident is not a JSON object", NOT_AN_OBJECT))
                continue
            get = node.text
            ident = get(mapping.field("incident"))
            names = [n for c in node.items("components") if (n := c.text("name")) is not None]
            tags = [t for n in names for t in mapping.tags.get(n.text, ())]
            customers = _customers([n.text for n in names], mapping)
            if get("scheduled_for") is not None:
                tags = [MAINTENANCE, *tags]
                start, end, notice = get("scheduled_for"), get("scheduled_until"), get("created_at")
            else:
                skip = get(mapping.skip_field)
                if skip is not None and skip.text in mapping.skip_values:
                    bridge.warn(
                        "W0401",
                        f"`{ident.text if ident else 'this incident'}` is not imported: its "
                        f"`{mapping.skip_field}` is `{skip.text}`",
                        place,
                        skip,
                        "the mapping's [skip] leaves out incidents that were no outage; remove the value there "
                        "to import it",
                    )
                    continue
                impact = get("impact")
                tags = [*(mapping.tags.get(impact.text, ()) if impact else ()), *tags]
                start, end, notice = get(mapping.field("start")), get(mapping.field("end")), None
                if end is None and start is not None:
                    status = get("status")
                    said = f" (its status is `{status.text}`)" if status is not None else ""
                    yield bridge.entry(
                        place,
                        place.reject(
                            "E0411",
                            f"this incident has no `{mapping.field('end') or 'end'}`: it is not resolved{said}",
                            "an outage needs its end: import the history again once the incident is resolved",
                            status,
                        ),
                    )
                    continue
            tags = list(dict.fromkeys(tags))
            yield from bridge.outage(place, ident, start, end, tags=tags, customers=customers, notice=notice)


def _items(source: Source, what: str) -> list[Node]:
    """The incidents and maintenances of an export: a list, or the lists under `incidents` and
    `scheduled_maintenances`."""
    node = read_json(source, what)
    if isinstance(node.value, list):
        return node.value
    found: list[Node] = []
    if isinstance(node.value, dict):
        for key in LISTS:
            items = node.value.get(key)
            if items is not None and isinstance(items.value, list):
                found += items.value
        if found or any(key in node.value for key in LISTS):
            return found
    return rows_of(source, node, LISTS, what)  # not a list of records: E0401, naming the keys


def _customers(components: list[str], mapping: Mapping) -> list[str | None]:
    """The customers an outage is for: those its components are named for; [None] (every customer's) when one of
    its components is named for no customer, or it has none."""
    found: list[str] = []
    for name in components:
        customer = mapping.customers.get(name, mapping.default_customer)
        if customer is None:
            return [None]
        found.append(customer)
    customers: list[str | None] = [*sorted(set(found))]
    return customers or [None]
