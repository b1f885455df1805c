"""The VS Code extension's TextMate grammar, tokenized as VS Code does it (vscode-textmate with Oniguruma in node)
on every agreement in `agreements/` (the seeds and the corpus): comments, strings, `§` citations, percentages,
durations, keywords and defined names get the scopes meant for them, and no line is left without one.

The tokenizer is `editors/vscode/test/tokenize.js`; its packages come from `npm ci` in `editors/vscode`, which
`.ci/run` does. Without node, or without those packages, the test is skipped and says what to run; under CI
(`CI` set, as `.ci/run` sets it) a missing package fails it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from sladsl.language.parser import keywords
from sladsl.source import comment_column
from tests.helpers import AGREEMENTS, ROOT

EXTENSION = ROOT / "editors" / "vscode"
TOKENIZE = EXTENSION / "test" / "tokenize.js"
CITATION = re.compile(r'§[ \t]*("[^"\n]*"|[0-9]+(\.[0-9]+)*[a-z]?(\([a-z0-9]+\))?)')
STRING = re.compile(r'"[^"\n]*"')
PERCENT = re.compile(r"\b[0-9]+(\.[0-9]+)?%")
DURATION = re.compile(
    r"\b[0-9]+[ \t]+(business[ \t]+)?(minutes?|hours?|days?|weeks?|months?)\b(?!:)"
)  # `3 business days`, `48 hours`
WORD = re.compile(r"\b[a-z_][a-z_]*\b")
KEYWORD_SCOPES = ("storage.type.", "keyword.", "constant.language.", "support.variable.measure.")


def run_tokenizer(*files: str, stdin: str | None = None) -> list[dict[str, object]]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the grammar is tested with vscode-textmate, which runs in node")
    if not (EXTENSION / "node_modules" / "vscode-textmate").is_dir():
        missing = "the extension's packages are missing: run `npm ci` in editors/vscode (as .ci/run does)"
        if os.environ.get("CI"):
            pytest.fail(missing)
        pytest.skip(missing)
    done = subprocess.run(
        [node, str(TOKENIZE), *files], input=stdin, capture_output=True, text=True, check=False, timeout=120
    )
    assert done.returncode == 0, done.stderr
    found: list[dict[str, object]] = json.loads(done.stdout)
    return found


@pytest.fixture(scope="module")
def seeds() -> dict[Path, list[list[list[str]]]]:
    """For each seed agreement, for each line, the scopes of each character."""
    found = run_tokenizer(*(str(p) for p in AGREEMENTS))
    result = {}
    for path, tokenized in zip(AGREEMENTS, found, strict=True):
        lines = []
        for tokens in tokenized["lines"]:  # type: ignore[attr-defined]
            lines.append([list(t["scopes"]) for t in tokens for _ in t["text"]])
        result[path] = lines
    return result


def masked(line: str) -> str:
    """The line with its comment, strings and citations blanked out: what is left is keywords, names, numbers."""
    at = comment_column(line)
    code = line if at is None else line[:at]
    for pattern in (CITATION, STRING):
        code = pattern.sub(lambda m: " " * len(m.group()), code)
    return code


def has(scopes: list[str], name: str) -> bool:
    return any(s == name or s.startswith(name) for s in scopes)


@pytest.mark.parametrize("path", AGREEMENTS, ids=lambda p: p.stem)
def test_seed_lines_get_their_intended_scopes(path: Path, seeds: dict[Path, list[list[list[str]]]]) -> None:
    lines = path.read_text(encoding="utf-8").rstrip("\n").split("\n")
    scoped = seeds[path]
    assert len(scoped) == len(lines)
    counts = dict.fromkeys(("comment", "string", "citation", "percent", "duration", "keyword", "definition"), 0)
    for number, (line, chars) in enumerate(zip(lines, scoped, strict=True), start=1):
        where = f"{path.name}:{number}: {line}"
        assert len(chars) == len(line), where
        if line.strip():
            assert any(len(s) > 1 for s in chars), f"a line with no scope at all: {where}"
        at = comment_column(line)
        if at is not None:
            counts["comment"] += 1
            assert all(has(s, "comment.line.number-sign.sla") for s in chars[at:]), where
        code = line if at is None else line[:at]
        for match in CITATION.finditer(code):
            counts["citation"] += 1
            assert all(has(s, "meta.citation.sla") for s in chars[match.start() : match.end()]), where
        without_citations = CITATION.sub(lambda m: " " * len(m.group()), code)
        for match in STRING.finditer(without_citations):
            counts["string"] += 1
            assert all(has(s, "string.quoted.double.sla") for s in chars[match.start() : match.end()]), where
        bare = masked(line)
        for match in PERCENT.finditer(bare):
            counts["percent"] += 1
            assert all(has(s, "constant.numeric.percentage.sla") for s in chars[match.start() : match.end()])
        for match in DURATION.finditer(bare):
            counts["duration"] += 1
            assert all(has(s, "constant.numeric.duration.sla") for s in chars[match.start() : match.end()]), where
        known = set(keywords())
        for match in WORD.finditer(bare):
            if match.group() in known:
                counts["keyword"] += 1
                assert any(has(chars[match.start()], prefix) for prefix in KEYWORD_SCOPES), (match.group(), where)
        defined = re.match(r"(calendar|plan|severity|credit|availability) +([A-Za-z0-9_]+)", line)
        if defined:
            counts["definition"] += 1
            assert all(has(s, "entity.name.") for s in chars[defined.start(2) : defined.end(2)]), where
    assert counts["comment"] and counts["citation"] and counts["keyword"] and counts["definition"], counts


def test_the_seeds_together_show_every_kind_of_literal(seeds: dict[Path, list[list[list[str]]]]) -> None:
    seen = {scope for lines in seeds.values() for chars in lines for scopes in chars for scope in scopes}
    for scope in (
        "comment.line.number-sign.sla",
        "string.quoted.double.sla",
        "meta.citation.sla",
        "constant.numeric.percentage.sla",
        "constant.numeric.duration.sla",
        "constant.numeric.hours.sla",
        "constant.numeric.date.sla",
        "entity.name.type.calendar.sla",
        "entity.name.constant.severity.sla",
        "support.constant.zone.sla",
        "keyword.other.target-kind.sla",
    ):
        assert scope in seen, scope


def test_every_keyword_of_the_grammar_is_highlighted_as_one() -> None:
    """The TextMate grammar's word lists are kept by hand; this holds them to grammar/sla.lark."""
    words = keywords()
    [found] = run_tokenizer("-", stdin="\n".join(f"    {w}" for w in words) + "\n")
    missed = []
    for word, tokens in zip(words, found["lines"], strict=True):  # type: ignore[call-overload]
        [token] = [t for t in tokens if t["text"].strip()]
        if token["text"] != word or not any(s.startswith(KEYWORD_SCOPES) for s in token["scopes"]):
            missed.append((word, token))
    assert missed == []


def test_a_hash_in_a_string_is_not_a_comment_and_an_unclosed_string_is_marked() -> None:
    [found] = run_tokenizer("-", stdin='provider "Ticket #1"  # a note\n    customer "no end\n')
    first, second = found["lines"]  # type: ignore[misc]
    assert [t["text"] for t in first if "comment.line.number-sign.sla" in t["scopes"]] == ["#", " a note"]
    assert any("invalid.illegal.unclosed-string.sla" in t["scopes"] for t in second)
