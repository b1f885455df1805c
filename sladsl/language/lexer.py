"""A Pygments lexer for `.sla` files, registered as `sla` through the `pygments.lexers` entry point.

It colours by the grammar's vocabulary: clause keywords, target kinds, citations, literals and names. It is a
highlighter, not a parser: it never rejects text, so a file with errors still shows.
"""

from __future__ import annotations

from typing import ClassVar

from pygments.lexer import RegexLexer, words
from pygments.token import Comment, Keyword, Name, Number, Operator, Punctuation, String, Text, Whitespace

from sladsl.language.ast import MONTHS, WEEKDAYS

CLAUSES = (
    "agreement",
    "calendar",
    "severity",
    "plan",
    "add-on",
    "clock",
    "kpi",
    "availability",
    "credit",
    "cap",
    "minimum",
    "claim",
    "report",
    "no",
    "stacking",
)
KINDS = ("response", "restore", "resolution", "update")
KEYWORDS = (
    "provider",
    "customer",
    "service",
    "effective",
    "zone",
    "open",
    "closed",
    "always",
    "on",
    "public",
    "holidays",
    "of",
    "subdivision",
    "categories",
    "every",
    "day",
    "to",
    "for",
    "within",
    "business",
    "days",
    "by",
    "end",
    "same",
    "next",
    "counting",
    "from",
    "after",
    "deadline",
    "outside",
    "hours",
    "start",
    "at",
    "opening",
    "pause",
    "while",
    "waiting",
    "change",
    "keep_elapsed",
    "restart",
    "retroactive",
    "becomes",
    "least",
    "most",
    "met",
    "per",
    "exclude",
    "planned",
    "maintenance",
    "with",
    "notice",
    "formula",
    "where",
    "round",
    "half",
    "up",
    "down",
    "decimals",
    "decimal",
    "above",
    "below",
    "and",
    "hour",
    "late",
    "started",
    "whole",
    "when",
    "missed",
    "fee",
    "award",
    "failure",
    "starts",
    "ends",
    "quarter",
    "year",
    "month",
    "credits",
    "working",
    "downtime",
    "times",
    "rounded",
    "incidents",
    "tagged",
)
UNITS = ("minutes", "minute", "weeks", "week", "months")
MEASURES = ("period_minutes", "downtime_minutes", "maintenance_minutes", "counted_minutes")
CONSTANTS = WEEKDAYS + MONTHS


class SlaLexer(RegexLexer):
    """Service level agreements written in the sladsl language."""

    name = "sladsl"
    aliases: ClassVar[list[str]] = ["sla", "sladsl"]
    filenames: ClassVar[list[str]] = ["*.sla"]
    mimetypes: ClassVar[list[str]] = ["text/x-sla"]
    url = "https://pypi.org/project/sladsl/"
    # Pygments' Slash lexer also claims `*.sla`; a name match alone should find this one.
    priority = 0.5

    @staticmethod
    def analyse_text(text: str) -> float:
        return 1.0 if "agreement " in text and "§" in text else 0.0

    tokens: ClassVar[dict[str, list[tuple[object, ...]]]] = {
        "root": [
            (r"[ \t]+", Whitespace),
            (r"\r?\n", Whitespace),
            (r"#[^\n]*", Comment.Single),
            (r'§[ \t]*("[^"\n]*"|[0-9]+(\.[0-9]+)*[a-z]?(\([a-z0-9]+\))?)', Name.Label),
            (r'"[^"\n]*"', String.Double),
            (r"[0-9]{4}-[0-9]{2}-[0-9]{2}", Number.Integer),
            (r"[0-9]{2}:[0-9]{2}", Number.Integer),
            (r"[0-9]+(\.[0-9]+)?%", Number.Float),
            (r"[0-9]+\.[0-9]+", Number.Float),
            (r"[0-9]+", Number.Integer),
            (r"[A-Za-z]+/[A-Za-z0-9_+\-/]+", Name.Namespace),  # a time zone like Europe/Oslo
            (words(CLAUSES, suffix=r"\b"), Keyword.Declaration),
            (words(KINDS, suffix=r"\b"), Keyword.Type),
            (words(MEASURES, suffix=r"\b"), Name.Builtin),
            (words(CONSTANTS, suffix=r"\b"), Name.Constant),
            (words(KEYWORDS + UNITS, suffix=r"\b"), Keyword),
            (r"[A-Z]{3}(?=[ \t]+[0-9])", Name.Constant),  # a currency code before an amount
            (r"[A-Za-z_][A-Za-z0-9_]*", Name),
            (r"->|[=+\-*/]", Operator),
            (r"[:,()]", Punctuation),
            (r".", Text),
        ],
    }
