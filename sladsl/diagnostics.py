"""Diagnostics are data: a code, a message, spans with labels, notes, a help line, and the clause's section.

`sladsl.render.diagnostics` renders them as text (in the style of rustc and Elm) or as JSON. Codes are stable:
`E01xx` syntax, `E02xx` meaning, `E03xx` timeline data, `E04xx` exports read by an importer, `W02xx` warnings
about an agreement, `W03xx` about a timeline, `W04xx` about an import. The table below is the documentation; the
README lists it and every code has a test file under `tests/data/`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import msgspec

from sladsl.source import Source, Span

CODES: dict[str, str] = {
    "E0101": "unexpected input: a token the grammar does not allow here",
    "E0102": "a block header is missing its `:`",
    "E0103": "a string is not closed on its line",
    "E0104": "indentation does not match any enclosing block",
    "E0105": "a tab in indentation",
    "E0106": "a percentage is missing its `%`",
    "E0107": "a time is not written as `HH:MM`",
    "E0108": "the file ends in the middle of a clause",
    "E0109": "a character that is not part of the language",
    "E0110": "a date that does not exist",
    "E0111": "a time of day that does not exist",
    "E0112": "an empty file, or one with no clauses",
    "E0113": "an agreement file that is not UTF-8 text",
    "E0114": "a formula nested too deeply, or of too many terms",
    "E0115": "a number of more than 18 digits",
    "E0201": "a name is defined twice",
    "E0202": "a name is used but not defined",
    "E0203": "an unknown time zone",
    "E0204": "a time zone abbreviation instead of an IANA name",
    "E0205": "an unknown holiday country, subdivision or category",
    "E0206": "a percentage outside 0-100",
    "E0207": "an opening of zero length, or longer than a day",
    "E0208": "a calendar that is never open",
    "E0209": "business time counted in days, weeks or months",
    "E0210": "an update cadence on a target other than `update`, or `every` missing on one",
    "E0211": "a target counted from another target that is not defined for the same severity",
    "E0212": "a band whose lower bound is above its upper bound",
    "E0213": "a cap smaller than one credit",
    "E0214": "amounts of different kinds that cannot be compared",
    "E0215": "a formula uses a name it does not bind, or binds one twice",
    "E0216": "the agreement header is missing or given twice",
    "E0217": "no time zone for a calendar",
    "E0218": "a clock rule given twice",
    "E0219": "a severity downgrade to the same severity",
    "E0220": "a duration or day count longer than 10 years",
    "E0221": "a deadline or window its calendar is not open enough to reach",
    "E0222": "a formula that divides by zero in a period (the check stops)",
    "E0223": "an availability commitment that states its rounding twice",
    "E0224": "an availability, or a credit for downtime, rounded to more than 10 decimals",
    "E0225": "a maintenance budget stated twice, or counted in months",
    "E0226": "a credit for downtime that pays zero times the fee",
    "E0227": "an incident tag excluded twice from one kind of target",
    "E0228": "a calendar that states its zone, or the customer's holidays, twice",
    "E0229": "maintenance, or an outage report window, counted on a calendar that follows the customer",
    "E0231": "a working day without a calendar, or on a calendar whose open days differ in length",
    "E0301": "a timeline line or record that is not valid JSON (or CSV)",
    "E0302": "a record with no `type`, or an unknown one",
    "E0303": "a record missing a field, or with a field that is empty or of the wrong kind",
    "E0304": "a timestamp with no offset or zone",
    "E0305": "a timestamp that is not one, or whose offset contradicts its zone",
    "E0306": "a local time that does not exist (the clocks skip it)",
    "E0307": "a local time that happens twice, given without an offset",
    "E0308": "a severity the agreement does not define",
    "E0309": "a plan the agreement does not define, or an add-on given as a plan",
    "E0310": "an event for an incident that was never reported, or whose report was rejected",
    "E0311": "an incident, customer or outage id given twice",
    "E0312": "an end before its start, or an event before its report",
    "E0313": "a negative, infinite or non-numeric amount, or one too large or too small",
    "E0314": "an unknown time zone in a timestamp",
    "E0315": "a timeline file that is not UTF-8 text",
    "E0317": "a timestamp before 1970 or from 2100 on",
    "E0318": "a time zone abbreviation (`CET`) in a timestamp or a customer's zone",
    "E0319": "a claim for a credit the agreement does not define",
    "E0320": "an outage tag that no `exclude` of the agreement names, nor `maintenance`",
    "E0321": "a customer the timeline's `customer` records do not declare",
    "E0322": "a claim whose period is not a year, quarter or month, or that names neither incident nor period",
    "E0323": "an outage with a `notice` but no `maintenance` tag",
    "E0324": "a customer's `fee_period` that is not `month`, `quarter` or `year`",
    "E0325": "a customer's `country` or `subdivision` with no known public holidays",
    "E0326": "a customer record without the zone or country a calendar takes from it",
    "E0330": "a customer's add-on the agreement does not define, or a plan given as an add-on",
    "E0331": "an incident tag that no `exclude incidents tagged` of the agreement names",
    "E0401": "an export that cannot be read as its kind: not CSV or JSON, no header, or not a list of records",
    "E0402": "a CSV export whose columns are separated by another delimiter than the mapping's",
    "E0403": "a column the mapping names that the export's header does not have",
    "E0404": "a priority the mapping does not map to a severity",
    "E0405": "an exported time without an offset, and no zone in the mapping",
    "E0406": "an exported time in a layout the mapping does not read",
    "E0407": "an exported local time that does not exist in the mapping's zone (the clocks skip it)",
    "E0408": "an exported local time that happens twice in the mapping's zone, and no rule to choose",
    "E0409": "a mapping file that is not TOML, or has a key or value it does not know",
    "E0410": "a mapping that maps to a severity or plan the agreement does not define",
    "E0411": "an exported ticket without its id, priority or opening time",
    "E0412": "a customer the mapping's [customers.names] does not map",
    "E0413": "an event the mapping's [events] does not map to a record type",
    "W0301": "outages that overlap but carry different tags",
    "W0302": "a claim that matches no award",
    "W0303": "a minimum award that cannot be compared with a customer's awards (another unit)",
    "W0401": "an exported ticket left out because the mapping's [skip] names it (merged into another)",
    "W0402": "an exported local time that happens twice, taken as the mapping's `ambiguous` rule says",
    "W0403": "history for a ticket the export does not hold",
    "W0201": "ladder bands leave a range of the measure uncovered",
    "W0202": "ladder bands overlap",
    "W0203": "a ladder band no value can reach",
    "W0204": "a declared severity with no target",
    "W0205": "a clause without a `§` citation",
    "W0206": "an hourly credit that does not say how a part hour counts",
    "W0207": "a cap smaller than one award it limits",
    "W0208": "overlapping openings in one day",
    "W0209": "a ladder band above 100% or below 0%",
    "W0210": "a formula divides by something that can be zero",
    "W0211": "a less severe target that can fall due before a more severe one reported at the same moment",
    "W0212": "a ladder that reads overlaps for the customer but leaves a gap above a paying band",
    "W0213": "a cap that no awards can reach",
    "W0214": "a clock start rule that holds a target counted while its calendar is closed",
    "W0215": "a maintenance budget that can hold all the time in its period",
    "W0216": "a credit for the fee of the time down that does not say how its award is rounded",
    "W0217": "a claim window counted from when the failure starts that can close before its figure is known",
    "W0218": "incidents excluded from a kind of target the agreement sets none of",
    "W0219": "a calendar that follows the customer's zone in an agreement that names no zone of its own",
}


class Label(msgspec.Struct, frozen=True):
    """A secondary span with a short message, shown under the primary one."""

    span: Span
    message: str


class Diagnostic(msgspec.Struct, frozen=True):
    """A problem found in a file: its stable code, a lowercase message naming things in backticks, the primary
    span and its label, labelled secondary spans, notes, one `help` line (the only place for a suggestion), and
    the agreement section (`§`) it sits in. The level follows the code: `E` errors, `W` warnings.

    When the help suggests different text for the primary span (a did-you-mean), `replacement` holds that text,
    so an editor can offer the fix without reading the help line; it is None when there is no such fix."""

    code: str
    message: str
    span: Span | None = None
    label: str = ""
    secondary: tuple[Label, ...] = ()
    notes: tuple[str, ...] = ()
    help: str | None = None
    section: str | None = None
    replacement: str | None = None

    @property
    def is_error(self) -> bool:
        return self.code.startswith("E")

    @property
    def level(self) -> str:
        return "error" if self.is_error else "warning"

    def sort_key(self) -> tuple[str, int, int, str]:
        if self.span is None:
            return ("", 0, 0, self.code)
        return (self.span.file, self.span.line, self.span.column, self.code)


class SlaError(Exception):
    """The one error type the library raises: it carries the diagnostics that explain it."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        self.diagnostics = sorted(diagnostics, key=Diagnostic.sort_key)
        first = self.diagnostics[0] if self.diagnostics else None
        super().__init__(f"{first.code}: {first.message}" if first else "invalid input")

    def __reduce__(self) -> tuple[type[SlaError], tuple[list[Diagnostic]]]:
        return (SlaError, (self.diagnostics,))  # so it crosses from a --jobs worker whole


def decode(name: str, raw: bytes, code: str) -> tuple[Source, list[Diagnostic]]:
    """Bytes as UTF-8 text (a byte-order mark is dropped). Bytes that are not UTF-8 give one diagnostic, `code`,
    at the first bad byte; the returned source then shows them replaced, so the excerpt can still be printed."""
    try:
        return Source(name, raw.decode("utf-8-sig")), []
    except UnicodeDecodeError as error:
        source = Source(name, raw.decode("utf-8-sig", errors="replace"))
        offset = len(raw[: error.start].decode("utf-8-sig", errors="replace"))
        what = "an agreement" if code == "E0113" else "a timeline"
        return source, [
            Diagnostic(
                code,
                f"byte {error.start} is not UTF-8 text",
                source.span(offset, offset + 1),
                "not UTF-8",
                help=f"{what} must be UTF-8 text; is this the right file?",
            )
        ]


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    """The closest candidate, if any is close enough to be a likely typo. Among many candidates (a timeline's
    customers), only those of about the word's length are compared."""
    pool = candidates if isinstance(candidates, (list, tuple)) else list(candidates)
    if len(pool) > 1000:
        size = len(word)
        pool = [c for c in pool if abs(len(c) - size) <= 2]
    import difflib  # noqa: PLC0415 (only a problem needs it, and a check that has none starts sooner without it)

    found = difflib.get_close_matches(word, pool, n=1, cutoff=0.6)
    return found[0] if found else None
