"""Hostile inputs for `bench/fuzz.py`, each made from one `random.Random`: agreements and timelines.

Every generator takes the random source it is given and nothing else, so an input is remade exactly from the
campaign's seed and its index (`bench/fuzz.py --replay`). Three families:

- agreements mutated from the five bundled `agreements/*.sla`: bytes flipped, lines deleted, doubled, swapped or
  borrowed from another agreement, tokens deleted, doubled, swapped or replaced by keywords, indentation changed,
  Unicode, NUL, byte-order marks, CRLF and CR-only line ends, numbers of thousands of digits, 20,000-character
  lines, deep parentheses and long sums in formulas, and truncation;
- agreements generated from `grammar/sla.lark` by walking its rules (depth and size bounded, terminals drawn
  from names that refer to each other so that some texts also pass the checker), sometimes after a valid
  header, sometimes mutated once more;
- the five bundled timelines changed record by record (fields of the wrong JSON type, missing or extra fields,
  duplicated ids, moved records, times in a DST gap or fold, years 0001 and 9999, extreme offsets, bad zones,
  huge numbers, deep nesting, lone surrogate escapes, control characters), written as JSON Lines, a JSON array
  or CSV, and then changed as text (blank and Unicode-space lines, trailing junk, truncation, a byte-order
  mark, CRLF, CR-only, bytes that are not UTF-8, NUL).

A timeline keeps its vendor, so it is checked against the agreement it was written for.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lark import Lark

ROOT = Path(__file__).resolve().parent.parent
VENDORS = ["cloudcti", "isl-online", "izy", "opti-q", "zegal"]
SEED_AGREEMENTS = {v: (ROOT / "agreements" / f"{v}.sla").read_text(encoding="utf-8") for v in VENDORS}
SEED_TIMELINES = {v: (ROOT / "agreements" / f"{v}.timeline.jsonl").read_bytes() for v in VENDORS}
GRAMMAR = (ROOT / "grammar" / "sla.lark").read_text(encoding="utf-8")


@dataclass
class Case:
    """One input: what it is, the name it is read under (a timeline's extension picks its format), its bytes,
    and the operations that made it. An agreement also carries the timeline it is checked over."""

    kind: str  # "agreement" or "timeline"
    vendor: str
    name: str
    data: bytes
    how: list[str] = field(default_factory=list)
    timeline_name: str = ""
    timeline: bytes = b""


# ---- pools --------------------------------------------------------------------------------------------------

KEYWORDS = sorted(set(re.findall(r'"([a-z_]+)"', GRAMMAR)))
# fmt: off
SPECIALS = [
    "(", ")", ":", "%", "§", '"', "->", "-", ",", "=", "#", "/", "*", "+", "\t", "\\", "§ 5", '§ "x"',
    "99", "0", "-1", "1.5", "24:00", "25:61", "2025-02-30", "2024-02-29", "0000-00-00", "CET", "EST",
    "Europe/Oslo", "America/Argentina", "Europe", "UTC", "monday", "NO", "XX", "EUR", "1e9", "0x10",
]
UNICODE = [
    "é", "ß", "Ω", "中文", "🙂", "\u200b", "\u00a0", "\u2028", "\u2029", "\u0085", "\ufeff", "\u202e",
    "e\u0301", "１２", "٣", "²", "\u3000", "\x0c", "\x0b", "\x1c", "\x7f", "\x1b[31m", "ǅ", "İ", "ﬁ",
]
# fmt: on
HUGE_DIGITS = [4301, 4400, 5000, 20000]


def huge_number(rng: random.Random) -> str:
    """A number past Python's 4,300-digit limit on int(str), or one that does not fit a C long."""
    return rng.choice(
        [
            "1" + "0" * (rng.choice(HUGE_DIGITS) - 1),
            "9" * rng.choice([19, 20, 40, 400]),
            "1." + "5" * rng.choice([4400, 100]),
            "0" * 5000 + "1",
        ]
    )


# ---- agreement mutations ------------------------------------------------------------------------------------

TOKEN = re.compile(r'"[^"\n]*"|\d{4}-\d{2}-\d{2}|\d{2}:\d{2}|\d+(?:\.\d+)?%?|[A-Za-z_][\w/+-]*|->|\s+|.', re.S)


def _lines(text: str) -> list[str]:
    return text.split("\n")


def _line_op(rng: random.Random, text: str) -> tuple[str, str]:
    lines = _lines(text)
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    op = rng.choice(["delete", "dup", "swap", "move", "borrow"])
    if op == "delete":
        del lines[i]
    elif op == "dup":
        lines.insert(i, lines[i])
    elif op == "swap":
        lines[i], lines[j] = lines[j], lines[i]
    elif op == "move":
        lines.insert(j, lines.pop(i))
    else:  # a clause of another agreement: a new mix of names and features
        other = _lines(SEED_AGREEMENTS[rng.choice(VENDORS)])
        lines.insert(i, rng.choice(other))
    return f"line-{op}", "\n".join(lines)


def _token_op(rng: random.Random, text: str) -> tuple[str, str]:
    tokens = TOKEN.findall(text)
    solid = [k for k, t in enumerate(tokens) if not t.isspace()]
    if not solid:
        return "token-none", text
    i, j = rng.choice(solid), rng.choice(solid)
    op = rng.choice(["delete", "dup", "swap", "keyword", "special", "insert"])
    if op == "delete":
        del tokens[i]
    elif op == "dup":
        tokens.insert(i, tokens[i] + " ")
    elif op == "swap":
        tokens[i], tokens[j] = tokens[j], tokens[i]
    elif op == "keyword":
        tokens[i] = rng.choice(KEYWORDS)
    elif op == "special":
        tokens[i] = rng.choice(SPECIALS)
    else:
        tokens.insert(i, " " + rng.choice(KEYWORDS + SPECIALS) + " ")
    return f"token-{op}", "".join(tokens)


def _indent_op(rng: random.Random, text: str) -> tuple[str, str]:
    lines = _lines(text)
    i = rng.randrange(len(lines))
    body = lines[i].lstrip(" \t")
    lines[i] = rng.choice(["", " ", "  ", "      ", "        ", "\t", "    \t", "\u00a0   ", " " * 400]) + body
    return "indent", "\n".join(lines)


def _insert(rng: random.Random, text: str, what: str) -> str:
    at = rng.randrange(len(text) + 1)
    return text[:at] + what + text[at:]


def _number_op(rng: random.Random, text: str) -> tuple[str, str]:
    spots = [m for m in re.finditer(r"\d+", text)]
    if not spots:
        return "huge-number", _insert(rng, text, huge_number(rng))
    m = rng.choice(spots)
    return "huge-number", text[: m.start()] + huge_number(rng) + text[m.end() :]


def _long_line_op(rng: random.Random, text: str) -> tuple[str, str]:
    n = 20_000
    line = rng.choice(
        [
            "# " + "x" * n,
            '    service "' + "y" * n + '"',
            "severity " + "Z" * n + ' "long"',
            "response for A within 2 hours of core_hours  § " + "1." * (n // 2) + "1",
            " ".join(["open"] * (n // 5)),
            "x" * n,
        ]
    )
    lines = _lines(text)
    lines.insert(rng.randrange(len(lines) + 1), line)
    return "long-line", "\n".join(lines)


def _nesting_op(rng: random.Random, text: str) -> tuple[str, str]:
    """Deep parentheses or a long sum in a formula: the parser and checker recurse over expressions."""
    depth = rng.choice([10, 60, 200, 450, 1000, 3000])
    terms = rng.choice([50, 450, 500, 2000])
    expression = rng.choice(
        [
            "(" * depth + "N" + ")" * depth,
            "+".join(["N"] * terms),
            "N" + "*(N" * depth + ")" * depth,
            "(" * depth + "N",  # never closed
            "-".join(["(N)"] * terms),
        ]
    )
    lines = _lines(text)
    formulas = [k for k, line in enumerate(lines) if line.lstrip().startswith("formula ")]
    if formulas:
        k = rng.choice(formulas)
        lines[k] = f"    formula {expression} where N = downtime_minutes"
    else:
        lines += [
            "availability deep per calendar month at least 99%:",
            f"    formula {expression} where N = downtime_minutes",
        ]
    return "deep-formula", "\n".join(lines)


MEASURES = {"N": "downtime_minutes", "P": "maintenance_minutes", "D": "period_minutes", "C": "counted_minutes"}


def _expression(rng: random.Random, depth: int) -> str:
    if depth == 0 or rng.random() < 0.3:
        return rng.choice([*MEASURES, "0", "1", "100", "0.5"])
    left, right = _expression(rng, depth - 1), _expression(rng, depth - 1)
    shape = rng.choice(["{} + {}", "{} - {}", "{} * {}", "{} / {}", "({} / {})", "({} - {}) / {}"])
    return shape.format(left, right, _expression(rng, depth - 1))


def _formula_op(rng: random.Random, text: str) -> tuple[str, str]:
    """A small formula of its own: a division by a measure that is zero in some periods is valid to lint."""
    expression = _expression(rng, rng.randint(1, 3))
    used = [name for name in MEASURES if re.search(rf"\b{name}\b", expression)] or ["N"]
    line = f"    formula {expression} where " + ", ".join(f"{n} = {MEASURES[n]}" for n in used)
    lines = _lines(text)
    formulas = [k for k, x in enumerate(lines) if x.lstrip().startswith("formula ")]
    if formulas:
        lines[rng.choice(formulas)] = line
    else:
        lines += ["availability uptime2 per calendar month at least 99%:", line]
    return "formula", "\n".join(lines)


def _repeat_op(rng: random.Random, text: str) -> tuple[str, str]:
    """One line many times: a clause repeated a thousand times shows work that grows faster than the text."""
    lines = _lines(text)
    i = rng.randrange(len(lines))
    times = min(rng.choice([10, 100, 1000, 3000]), 200_000 // (len(lines[i]) + 1))  # some 200 KB at most
    lines[i : i + 1] = [lines[i]] * max(1, times)
    return "repeat-line", "\n".join(lines)


def _unicode_op(rng: random.Random, text: str) -> tuple[str, str]:
    return "unicode", _insert(rng, text, rng.choice(UNICODE))


def _nul_op(rng: random.Random, text: str) -> tuple[str, str]:
    return "nul", _insert(rng, text, "\x00")


def _bom_op(rng: random.Random, text: str) -> tuple[str, str]:
    return ("bom", "\ufeff" + text) if rng.random() < 0.7 else ("bom-inside", _insert(rng, text, "\ufeff"))


def _line_end_op(rng: random.Random, text: str) -> tuple[str, str]:
    op = rng.choice(["crlf", "cr", "mixed"])
    if op == "crlf":
        return "crlf", text.replace("\n", "\r\n")
    if op == "cr":
        return "cr-only", text.replace("\n", "\r")
    return "mixed-ends", "".join(ch if ch != "\n" else rng.choice(["\n", "\r\n", "\r", "\n\r"]) for ch in text)


def _truncate_op(rng: random.Random, text: str) -> tuple[str, str]:
    return "truncate", text[: rng.randrange(len(text) + 1)]


def _keyword_line_op(rng: random.Random, text: str) -> tuple[str, str]:
    """A line of keywords and specials, at a random indentation: a clause the parser has never seen."""
    words = [rng.choice(KEYWORDS + SPECIALS) for _ in range(rng.randint(1, 8))]
    lines = _lines(text)
    lines.insert(rng.randrange(len(lines) + 1), rng.choice(["", "    ", "        "]) + " ".join(words))
    return "keyword-line", "\n".join(lines)


TEXT_OPS: list[tuple[int, Callable[[random.Random, str], tuple[str, str]]]] = [
    (8, _line_op),
    (10, _token_op),
    (3, _indent_op),
    (2, _unicode_op),
    (1, _nul_op),
    (1, _bom_op),
    (1, _line_end_op),
    (1, _number_op),
    (1, _long_line_op),
    (1, _nesting_op),
    (1, _truncate_op),
    (2, _keyword_line_op),
    (1, _formula_op),
    (1, _repeat_op),
]


def _pick(rng: random.Random, weighted: list[tuple[int, Any]]) -> Any:
    return rng.choices([op for _, op in weighted], weights=[w for w, _ in weighted])[0]


def _flip_bytes(rng: random.Random, data: bytes) -> bytes:
    if not data:
        return bytes([rng.randrange(256)])
    raw = bytearray(data)
    for _ in range(rng.randint(1, 5)):
        i = rng.randrange(len(raw))
        raw[i] ^= 1 << rng.randrange(8)
    return bytes(raw)


def mutate_agreement_text(rng: random.Random, text: str, ops: int) -> tuple[list[str], bytes]:
    """`ops` text operations, then, now and then, bytes flipped: the UTF-8 the agreement is read from."""
    how = []
    for _ in range(ops):
        name, text = _pick(rng, TEXT_OPS)(rng, text)
        how.append(name)
    data = text.encode("utf-8", "surrogatepass")
    if rng.random() < 0.08:
        data = _flip_bytes(rng, data)
        how.append("byte-flip")
    return how, data


# ---- agreements from the grammar ----------------------------------------------------------------------------

TERMINALS: dict[str, list[str]] = {
    "NAME": ["core", "core_hours", "support", "A", "B", "critical", "uptime", "refund", "premium", "x", "_"],
    "INT": ["0", "1", "2", "4", "8", "24", "99", "365", "3653", "4000"],
    "DECIMAL": ["0.5", "1.0", "99.9", "100.0", "0.0001"],
    "PERCENT": ["99%", "99.9%", "98%", "0%", "100%", "101%", "50%", "99.95%", "0.0%"],
    "TIME": ["08:00", "17:00", "00:00", "24:00", "23:59", "22:00", "04:00", "12:30", "99:99"],
    "DATE": ["2025-12-24", "2025-02-29", "2024-02-29", "2025-06-01", "0000-01-01", "9999-12-31", "2025-13-01"],
    "CURRENCY": ["EUR", "USD", "NOK", "XXX"],
    "COUNTRY": ["NO", "SI", "HK", "GB", "US", "NL", "XX"],
    "ZONE_NAME": [
        "Europe/Oslo",
        "UTC",
        "Asia/Hong_Kong",
        "Europe/Ljubljana",
        "CET",
        "Europe",
        "America/Argentina",
        "Etc/GMT+12",
        "Mars/Olympus",
        "America/Argentina/Buenos_Aires",
        "Australia/Lord_Howe",
    ],
    "STRING": ['"Critical"', '"T"', '""', '"a § b # c"', '"NY"', '"éß"'],
    "CITATION": ["§ 5", '§ "Title"', "§5.2.1a(i)", '§ ""', "§ 7"],
}
# Tame values: all valid, and names that the header below defines, so that more texts pass the checker.
TAME: dict[str, list[str]] = {
    "NAME": ["core"],  # most names in a clause are calendars
    "INT": ["1", "2", "4", "8"],
    "DECIMAL": ["0.5", "1.5"],
    "PERCENT": ["99%", "98%", "95%", "50%"],
    "TIME": ["08:00", "17:00", "12:30"],
    "DATE": ["2025-12-24", "2025-06-01"],
    "CURRENCY": ["EUR"],
    "COUNTRY": ["NO"],
    "ZONE_NAME": ["Europe/Oslo", "UTC"],
    "STRING": ['"Critical"', '"T"'],
    "CITATION": ["§ 5", '§ "Title"'],
}
# In tame texts a name is drawn by the clause it stands in, so that it refers to something of the right kind.
TAME_NAMES: dict[str, list[str]] = {
    "code": ["A", "B"],
    "codes": ["A", "B"],
    "on_plans": ["premium"],
    "plan": ["gold"],
    "calendar": ["hours2"],
    "categories": ["public"],
    "availability": ["uptime"],
    "commitment_ref": ["uptime"],
    "ladder": ["refund", "uptime"],
    "hourly_credit": ["late"],
    "flat_credit": ["flat"],
    "exclude": ["ddos", "force_majeure"],
    "variable": ["N"],
    "binding": ["N"],
}
HEADER = (
    'agreement "T":\n    zone Europe/Oslo\ncalendar core:\n    open monday to friday 08:00-17:00\n'
    'severity A "Critical"\nseverity B "Major"\nplan premium "Premium"\n'
)


class GrammarWalker:
    """Random derivations of `document` from the grammar's own rules, as Lark compiled them (EBNF expanded).

    Each nonterminal's cheapest expansion is known, so past `depth` levels or `budget` symbols the walk takes
    it and always ends. Indentation follows `_INDENT` and `_DEDENT`; terminals come from `TERMINALS` (names that
    refer to each other), and a keyword is its own text."""

    def __init__(self) -> None:
        lark = Lark(GRAMMAR, parser="lalr", start="document")
        self.rules: dict[str, list[list[str]]] = {}
        for rule in lark.rules:
            self.rules.setdefault(rule.origin.name, []).append([s.name for s in rule.expansion])
        self.literal = {t.name: t.pattern.value for t in lark.terminals if t.pattern.type == "str"}
        self.cost = self._costs()

    def _costs(self) -> dict[str, int]:
        cost = {name: 10**9 for name in self.rules}
        changed = True
        while changed:
            changed = False
            for name, expansions in self.rules.items():
                best = min(1 + sum(cost.get(s, 1) for s in e) for e in expansions)
                if best < cost[name]:
                    cost[name], changed = best, True
        return cost

    def document(self, rng: random.Random, depth: int = 12, budget: int = 60, header: bool = False) -> str:
        """A few clauses, each walked on its own: a document walked whole is mostly empty, since its list of
        clauses is one more choice among the others. After a `header`, no second one; with tame values, fewer
        clauses, since one mistake is enough to refuse the whole text."""
        unit = rng.choice(["    "] * 8 + ["  ", "   "])
        tame = rng.random() < 0.6
        clauses = [e[0] for e in self.rules["_item"] if not (header and e == ["agreement"])]
        return "".join(
            self.item(rng, rng.choice(clauses), unit, TAME if tame else TERMINALS, depth=depth, budget=budget)
            for _ in range(rng.randint(1, 5 if tame else 12))
        )

    def item(
        self, rng: random.Random, clause: str, unit: str, pools: dict[str, list[str]], *, depth: int, budget: int
    ) -> str:
        out: list[str] = []
        level, spent, at_line_start = 0, 0, True
        stack: list[tuple[str, int, str]] = [(clause, 0, "")]
        while stack:
            symbol, d, context = stack.pop()  # context: the nearest named rule around, `name` left out
            if symbol in self.rules:
                expansions = self.rules[symbol]
                if d >= depth or spent >= budget:
                    chosen = min(expansions, key=lambda e: sum(self.cost.get(s, 1) for s in e))
                else:
                    chosen = rng.choice(expansions)
                spent += 1
                inner = context if symbol.startswith("_") or symbol == "name" else symbol
                stack.extend((s, d + 1, inner) for s in reversed(chosen))
            elif symbol == "_INDENT":
                level += 1
            elif symbol == "_DEDENT":
                level = max(0, level - 1)
            elif symbol == "_NL":
                if rng.random() < 0.05:
                    out.append("  # " + rng.choice(["note", "§ 5", '"', "x" * 50]))
                out.append("\n" * rng.choice([1, 1, 1, 2]))
                at_line_start = True
            else:
                choices = pools.get(symbol, ["x"])
                if symbol == "NAME" and pools is TAME:
                    choices = TAME_NAMES.get(context, choices)
                word = self.literal.get(symbol) or rng.choice(choices)
                if symbol in ("INT", "DECIMAL") and rng.random() < 0.02:
                    word = huge_number(rng)
                if at_line_start:
                    out.append(unit * level)
                    at_line_start = False
                else:
                    out.append(" ")
                out.append(word)
        return "".join(out)


_WALKER: GrammarWalker | None = None


def walker() -> GrammarWalker:
    global _WALKER  # noqa: PLW0603 - built once: Lark compiles the grammar in about a second
    if _WALKER is None:
        _WALKER = GrammarWalker()
    return _WALKER


def agreement_case(rng: random.Random) -> Case:
    """A mutated seed agreement (three times in four) or one from the grammar, with the timeline it is checked
    over: its seed's own, or, for a grammar text, a seed's timeline with its severities and plans renamed to
    the ones the text declares."""
    vendor = rng.choice(VENDORS)
    if rng.random() < 0.75:
        how, data = mutate_agreement_text(rng, SEED_AGREEMENTS[vendor], rng.choice([1, 1, 1, 2, 2, 3, 4]))
        return Case(
            "agreement", vendor, f"{vendor}.sla", data, how, f"{vendor}.timeline.jsonl", SEED_TIMELINES[vendor]
        )
    header = rng.random() < 0.7
    text = walker().document(rng, rng.choice([8, 12, 16]), rng.choice([20, 60, 150]), header)
    how = ["grammar"]
    if header:
        text = HEADER + text
        how.append("header")
    data = text.encode("utf-8")
    if rng.random() < 0.3:
        more, data = mutate_agreement_text(rng, text, 1)
        how += more
    timeline = _renamed(rng, SEED_TIMELINES[vendor], text)
    return Case("agreement", vendor, "grammar.sla", data, how, f"{vendor}.timeline.jsonl", timeline)


def _renamed(rng: random.Random, timeline: bytes, text: str) -> bytes:
    """A seed timeline whose severities and plans are ones the agreement text declares, where it declares any."""
    severities = re.findall(r"^severity (\S+)", text, re.M) or ["A"]
    plans = re.findall(r"^plan (\S+)", text, re.M) or ["premium"]
    lines = []
    for line in timeline.decode("utf-8").splitlines():
        record = json.loads(line)
        if "severity" in record:
            record["severity"] = rng.choice(severities)
        if "plan" in record:
            record["plan"] = rng.choice(plans)
        lines.append(json.dumps(record))
    return ("\n".join(lines) + "\n").encode("utf-8")


# ---- timelines ----------------------------------------------------------------------------------------------


class Raw(str):
    """JSON text written as it is: a number of 5,000 digits, nesting 2,000 deep, an escape JSON forbids."""


# fmt: off
INSTANT_FIELDS = ["at", "start", "end", "notice", "reported"]
FIELDS = [
    "type", "incident", "customer", "severity", "plan", "at", "start", "end", "tags", "notice", "reported",
    "fee", "currency", "zone", "credit", "period", "id", "channel",
]
DST = [
    "2025-03-30T02:30:00[Europe/Oslo]", "2025-10-26T02:30:00[Europe/Oslo]",
    "2025-10-26T02:30:00+01:00[Europe/Oslo]", "2025-10-26T02:30:00+02:00[Europe/Oslo]",
    "2025-03-30T02:30:00+02:00[Europe/Oslo]", "2025-03-09T02:30:00[America/New_York]",
    "2025-11-02T01:30:00[America/New_York]", "2025-04-06T01:45:00[Australia/Lord_Howe]",
    "2025-10-05T02:15:00[Australia/Lord_Howe]", "2025-03-30T01:00:00Z", "2025-10-26T00:59:59Z",
]
YEARS = [
    "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "1969-12-31T23:59:59Z", "1970-01-01T00:00:00+14:00",
    "2099-12-31T23:59:59-12:00", "2100-01-01T00:00:00Z", "0000-01-01T00:00:00Z", "1970-01-01T00:00:00Z",
]
OFFSETS = [
    "+14:00", "-12:00", "+23:59", "-23:59", "+24:00", "+99:99", "-00:00", "Z", "z", "+0200", "+02", "+05:45",
    "+00:00:30", "+02:00:00.5", "",
]
ZONES = [
    "[Europe]", "[America/Argentina]", "[CET]", "[EST5EDT]", "[Etc/GMT+12]", "[" + "x" * 300 + "]",
    "[../../etc/passwd]", "[Europe/Oslo\u0000]", "[]", "[UTC]", "[utc]", "[Europe//Oslo]", "[/]",
    "[Europe/Oslo ]", "[posixrules]", "[Factory]", "[Asia]", "[" + "Europe/" * 60 + "Oslo]",
]
WRONG = [
    0, -1, 1.5, True, False, None, [], {}, ["a", 1], {"a": 1}, "", " ", "x", 10**30, 1e308, -0.0,
    Raw("1" + "0" * 5000), Raw("1e400"), Raw("-1e400"), Raw("NaN"), Raw("Infinity"), Raw("9e999999"),
]
STRINGS = [
    "\ud800", "\udfff", "\udc00\ud800", "\ud83d\ude00", "\u0000", "\x1b[31mred", "\x07", "\u2028", "\u202e",
    "INC-١", "ınc", "e\u0301", "🙂" * 50, "a" * 20_000, "\t", "\\", '"', "\ufeff", "\x7f",
]

# fmt: on


def instant(rng: random.Random) -> Any:
    base = rng.choice(["2025-04-16T16:00:00", "2025-03-30T02:30:00", "2025-10-26T02:30:00", "2025-12-31T23:59:59"])
    pick = rng.randrange(6)
    if pick == 0:
        return rng.choice(DST)
    if pick == 1:
        return rng.choice(YEARS)
    if pick == 2:
        return base + rng.choice(OFFSETS)
    if pick == 3:
        return base + rng.choice(["+02:00", "", "Z"]) + rng.choice(ZONES)
    if pick == 4:
        return rng.choice(
            [
                "2025-04-16 16:00:00+02:00",
                "2025-04-16t16:00:00Z",
                "2025-04-16T16:00:60Z",
                "2025-02-29T10:00:00Z",
                "2025-04-16T16:00:00.999999999+02:00",
                "2025-W16-3T16:00Z",
                "20250416T160000Z",
                "yesterday",
                "2025-04-16T24:00:00Z",
                "+2025-04-16T16:00:00Z",
                "2025-04-16T16:00:00+02:00\u00a0",
            ]
        )
    return rng.choice(WRONG)


def _deep(rng: random.Random) -> Raw:
    depth = rng.choice([50, 500, 999, 1500, 5000])
    if rng.random() < 0.5:
        return Raw("[" * depth + "]" * depth)
    return Raw('{"a":' * depth + "1" + "}" * depth)


def _record_op(rng: random.Random, records: list[dict[str, Any]]) -> str:
    """Change the list of records in place; name the change."""
    if not records:
        records.append({"type": "reported"})
        return "record-new"
    i = rng.randrange(len(records))
    r = records[i]
    op = rng.choice(
        [
            "wrong-type",
            "missing",
            "extra",
            "dup",
            "move",
            "shuffle",
            "instant",
            "instant",
            "zone-field",
            "huge",
            "deep",
            "string",
            "string",
            "type",
            "reference",
            "swap-ends",
            "numeric-id",
            "drop",
        ]
    )
    keys = list(r)
    if op == "wrong-type" and keys:
        r[rng.choice(keys)] = rng.choice(WRONG)
    elif op == "missing" and keys:
        del r[rng.choice(keys)]
    elif op == "extra":
        r[rng.choice([*FIELDS, "note", "", "TYPE", "at "])] = rng.choice([*WRONG, "x", "A"])
    elif op == "dup":
        copy = dict(r)
        if "at" in copy and rng.random() < 0.5:
            copy["at"] = instant(rng)
        records.insert(rng.randrange(len(records) + 1), copy)
    elif op == "move":
        records.insert(rng.randrange(len(records)), records.pop(i))
    elif op == "shuffle":
        rng.shuffle(records)
    elif op == "instant":
        present = [k for k in INSTANT_FIELDS if k in r]
        r[rng.choice(present or INSTANT_FIELDS)] = instant(rng)
    elif op == "zone-field":
        r["zone"] = rng.choice([z.strip("[]") for z in ZONES] + ["Asia/Tokyo", "Europe/London", "UTC"])
    elif op == "huge":
        r[rng.choice(["fee", "incident", "id", "at", "severity"])] = rng.choice(
            [
                Raw(huge_number(rng).lstrip("0") or "0"),
                Raw("9e999999"),
                "9e999999",
                Raw("1" + "0" * 400 + ".5"),
                "-1",
                "1E+1000000",
                "0.000000000000000000001",
                "NaN",
                "Infinity",
                "1_000",
            ]
        )
    elif op == "deep":
        r[rng.choice([*keys, "tags"]) if keys else "x"] = _deep(rng)
    elif op == "string":
        r[rng.choice([*keys, "incident", "customer", "id", "channel", "tags"])] = rng.choice(STRINGS)
    elif op == "type":
        r["type"] = rng.choice(
            [
                "Reported",
                "reported ",
                "",
                "unknown",
                ["reported"],
                None,
                1,
                "customer",
                "outage",
                "claim",
                "severity_changed",
                "paused",
                "resumed",
            ]
        )
    elif op == "reference":
        field_ = rng.choice(["customer", "severity", "plan", "credit", "incident", "period", "tags", "currency"])
        r[field_] = rng.choice(
            [
                "nobody",
                "Z",
                "INC-99",
                "2025-13",
                "2025-Q5",
                "0000",
                "2025-Y",
                "x",
                ["ddos", "ddos"],
                ["", " "],
                "eur",
                "EURO",
                "force_majeure",
                "2025-06..2025-01",
            ]
        )
    elif op == "swap-ends" and "start" in r and "end" in r:
        r["start"], r["end"] = r["end"], r["start"]
    elif op == "numeric-id":
        r[rng.choice(["incident", "id", "customer"])] = rng.choice(
            [100000000000000000000001, 2**63, -1, 0, 1.0, 1e23, True]
        )
    elif op == "drop":
        del records[i]
    return op


def dump(value: Any, ascii_only: bool) -> str:
    """JSON text for a value, with `Raw` text kept as it is and dictionary keys of any kind."""
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, dict):
        pairs = (f"{dump(str(k), ascii_only)}: {dump(v, ascii_only)}" for k, v in value.items())
        return "{" + ", ".join(pairs) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(dump(v, ascii_only) for v in value) + "]"
    return json.dumps(value, ensure_ascii=ascii_only)


def write_lines(records: list[dict[str, Any]], ascii_only: bool) -> str:
    return "".join(dump(r, ascii_only) + "\n" for r in records)


def write_array(rng: random.Random, records: list[dict[str, Any]], ascii_only: bool) -> str:
    items = [dump(r, ascii_only) for r in records]
    layout = rng.choice(["one-line", "a-line-each", "indented"])
    if layout == "one-line":
        return "[" + ", ".join(items) + "]"
    if layout == "a-line-each":
        return "[\n" + ",\n".join(items) + "\n]\n"
    return "[\n" + ",\n".join("    " + item for item in items) + "\n]\n"


def write_csv(rng: random.Random, records: list[dict[str, Any]], ascii_only: bool) -> str:
    columns: list[str] = []
    for r in records:
        columns += [str(k) for k in r if str(k) not in columns]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=rng.choice(["\n", "\r\n"]))
    writer.writerow(columns)
    for r in records:
        row = []
        for c in columns:
            v = r.get(c, "")
            if isinstance(v, str) and not isinstance(v, Raw):
                row.append(v)
            elif isinstance(v, list) and all(isinstance(t, str) for t in v):
                row.append(";".join(v))
            else:
                row.append(dump(v, ascii_only))
        writer.writerow(row)
    return out.getvalue()


BLANKS = ["", "   ", "\t", "\r", "\u00a0", "\u3000", "\u2028", "\x1c", "\x0c", "\u200b", "\ufeff", "\x85"]
JUNK = ["garbage", "}", "]", ",", "\u00a0", "{", '"', "\\", "//", "\x00", "[", " ,", "\u2028"]


def _text_op(rng: random.Random, text: str) -> tuple[str, str]:
    lines = text.split("\n")
    i = rng.randrange(len(lines))
    op = rng.choice(
        [
            "blank",
            "blank",
            "junk-line",
            "junk-end",
            "truncate",
            "bom",
            "crlf",
            "cr-only",
            "nul",
            "control",
            "line-delete",
            "line-dup",
            "line-swap",
            "long-line",
            "prepend-blanks",
            "unicode",
        ]
    )
    if op == "blank":
        lines.insert(i, rng.choice(BLANKS))
    elif op == "junk-line":
        lines[i] = lines[i] + rng.choice(JUNK)
    elif op == "junk-end":
        lines.append(rng.choice(JUNK))
    elif op == "truncate":
        return op, text[: rng.randrange(len(text) + 1)]
    elif op == "bom":
        return op, "\ufeff" + text
    elif op == "crlf":
        return op, text.replace("\n", "\r\n")
    elif op == "cr-only":
        return op, text.replace("\n", "\r")
    elif op == "nul":
        return op, _insert(rng, text, "\x00")
    elif op == "control":
        return op, _insert(rng, text, chr(rng.choice([1, 7, 8, 11, 12, 27, 31, 127])))
    elif op == "line-delete":
        del lines[i]
    elif op == "line-dup":
        lines.insert(i, lines[i])
    elif op == "line-swap":
        j = rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    elif op == "long-line":
        lines.insert(i, '{"type": "customer", "id": "' + "z" * 20_000 + '"}')
    elif op == "prepend-blanks":  # past the first 4 KB now and then, where the format is looked for
        return op, "\n" * rng.choice([1, 3, 100, 5000]) + text
    else:
        return op, _insert(rng, text, rng.choice(UNICODE))
    return op, "\n".join(lines)


def _byte_op(rng: random.Random, data: bytes) -> tuple[str, bytes]:
    op = rng.choice(["invalid-utf8", "byte-flip", "cesu-surrogate", "truncate-bytes"])
    if op == "invalid-utf8":
        bad = rng.choice([b"\xff", b"\xc3", b"\xc0\xaf", b"\xe2\x82", b"\xf8\x88\x80\x80\x80", b"\x80"])
        at = rng.randrange(len(data) + 1)
        return op, data[:at] + bad + data[at:]
    if op == "byte-flip":
        return op, _flip_bytes(rng, data)
    if op == "cesu-surrogate":
        at = rng.randrange(len(data) + 1)
        return op, data[:at] + b"\xed\xa0\x80" + data[at:]
    return op, data[: rng.randrange(len(data) + 1)]


def timeline_case(rng: random.Random) -> Case:
    """A seed timeline changed record by record, written as JSON Lines, a JSON array or CSV, then changed as
    text and bytes; named so that its extension picks the format it was written in."""
    vendor = rng.choice(VENDORS)
    records = [json.loads(line) for line in SEED_TIMELINES[vendor].decode("utf-8").splitlines() if line.strip()]
    how = [_record_op(rng, records) for _ in range(rng.choice([0, 1, 1, 2, 2, 3, 4]))]
    ascii_only = rng.random() < 0.5
    form = rng.choices(["lines", "array", "array-as-lines", "csv"], weights=[5, 2, 1, 2])[0]
    if form == "lines":
        text, name = write_lines(records, ascii_only), f"{vendor}.timeline.jsonl"
    elif form == "array":
        text, name = write_array(rng, records, ascii_only), f"{vendor}.timeline.json"
    elif form == "array-as-lines":  # an array in a file named .jsonl: read as JSON Lines all the same
        text, name = write_array(rng, records, ascii_only), f"{vendor}.timeline.jsonl"
    else:
        text, name = write_csv(rng, records, ascii_only), f"{vendor}.timeline.csv"
    how.insert(0, form)
    for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
        op, text = _text_op(rng, text)
        how.append(op)
    data = text.encode("utf-8", "surrogatepass")  # a lone surrogate written raw becomes bytes that are not UTF-8
    if rng.random() < 0.1:
        op, data = _byte_op(rng, data)
        how.append(op)
    return Case("timeline", vendor, name, data, how)
