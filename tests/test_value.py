"""Values are equal whatever their place: a model node's span, a record's number and entry are left out of
equality and hashing, and nothing else is."""

from __future__ import annotations

import operator
import pickle

import pytest
from msgspec.structs import replace

from sladsl import model
from sladsl.evaluation.engine import plain
from sladsl.source import Source, Span
from sladsl.timeline.records import Event

HERE = Span("a.sla", 0, 10, 1, 1, 1, 11)
THERE = Span("b.sla", 40, 50, 7, 3, 7, 13)


def target(span: Span | None = HERE) -> model.Target:
    return model.Target("response", "P1", None, model.BusinessTime("core", 3600), None, False, "§4.1", span)


def test_a_node_written_elsewhere_is_equal_and_hashes_alike() -> None:
    assert target(HERE) == target(THERE) == target(None)
    assert operator.ne(target(HERE), target(THERE)) is False  # `!=` is `==` negated
    assert hash(target(HERE)) == hash(target(THERE))
    assert len({target(HERE), target(THERE)}) == 1


def test_every_other_field_counts() -> None:
    base = target()
    for changed in (
        replace(base, kind="restore"),
        replace(base, severity="P2"),
        replace(base, plan="gold"),
        replace(base, deadline=model.BusinessTime("core", 3601)),
        replace(base, after="response"),
        replace(base, cadence=True),
        replace(base, citation="§4.2"),
    ):
        assert changed != base
        assert operator.eq(changed, base) is False


def test_a_value_is_never_equal_to_another_kind_of_thing() -> None:
    rules = model.ClockRules(start_calendar="core", start_span=HERE)
    assert rules == model.ClockRules(start_calendar="core", start_span=THERE)
    assert rules != model.ClockRules(start_calendar="other", start_span=HERE)
    assert rules != ("core", False, None, (), ())
    assert target() != rules


def test_a_record_is_equal_wherever_it_was_read() -> None:
    first, second = plain(0, {"type": "response"}), plain(9, {"type": "response"})
    assert Event("INC-1", "response", 100, None, 0, first) == Event("INC-1", "response", 100, None, 9, second)
    assert Event("INC-1", "response", 100, None, 0, first) != Event("INC-1", "response", 101, None, 0, first)


def test_a_kept_value_reads_back_equal_with_its_place() -> None:
    back = pickle.loads(pickle.dumps(target(THERE)))
    assert back == target(HERE)
    assert back.span == THERE


def test_a_source_is_an_immutable_value_that_pickles_under_every_protocol() -> None:
    source = Source("a.sla", "first\nsecond\n")
    assert source == Source("a.sla", "first\nsecond\n") != Source("b.sla", "first\nsecond\n")
    assert hash(source) == hash(Source("a.sla", "first\nsecond\n"))
    for field in ("name", "text", "line_starts"):
        with pytest.raises(AttributeError, match="immutable"):
            setattr(source, field, "x")
        with pytest.raises(AttributeError, match="immutable"):
            delattr(source, field)
    assert source.line_starts == (0, 6, 13)
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        again = pickle.loads(pickle.dumps(source, protocol))
        assert again == source
        assert again.line_starts == (0, 6, 13)
        assert again.span(6, 12) == source.span(6, 12) == Span("a.sla", 6, 12, 2, 1, 2, 7)
