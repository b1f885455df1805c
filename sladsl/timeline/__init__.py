"""Timelines: the records of incidents, outages, customers and claims that an agreement is evaluated over.

    bytes or text ─formats→ Entry (a record's place and parsed value) ─records→ a typed, checked record

`formats` splits JSON Lines, CSV and JSON arrays into entries, numbered in order, each with its place in the
file. `records` checks an entry against the agreement and gives back a `Customer`, `Incident`, `Event`, `Outage`
or `Claim`, or raises `Reject` with the reason. Neither keeps anything between records: what depends on other
records (a second report, an event for an incident never reported) is the evaluation's business.
"""
