"""`test_event_pattern`: TestEventPattern's answer for events and patterns in any form."""

from __future__ import annotations

import pytest

from paybus.core.errors import InvalidEventPattern, ValidationError
from paybus.core.events import patterns

EVENT_TEXT = '{"source": "aws.partner/stripe.com/ed_1", "detail": {"amount": 300.0}}'


def test_events_and_patterns_as_text_objects_or_compiled() -> None:
    pattern = {"detail": {"amount": [300]}}
    compiled = patterns.compile_pattern(pattern)
    for event in (EVENT_TEXT, EVENT_TEXT.encode(), {"detail": {"amount": 3e2}}):
        assert patterns.test_event_pattern(event, pattern) is True
        assert patterns.test_event_pattern(event, compiled) is True
        assert patterns.test_event_pattern(event, '{"detail": {"amount": [301]}}') is False


@pytest.mark.parametrize("event", ['"just a string"', "[1, 2]", "{not json", ["a"]])
def test_an_event_that_is_not_a_json_object_is_a_validation_error(event: object) -> None:
    with pytest.raises(ValidationError) as raised:
        patterns.test_event_pattern(event, {"source": ["x"]})  # type: ignore[arg-type]
    assert raised.value.message == "Parameter Event is not valid."
    assert raised.value.aws_name == "ValidationException"


def test_an_invalid_pattern_raises_with_the_aws_message() -> None:
    with pytest.raises(InvalidEventPattern) as raised:
        patterns.test_event_pattern(EVENT_TEXT, {"source": "x"})
    assert (
        str(raised.value)
        == 'Event pattern is not valid. Reason: "source" must be an object or an array'
    )


def test_limits_apply() -> None:
    pattern = {"source": ["x" * 3000]}
    with pytest.raises(InvalidEventPattern):
        patterns.test_event_pattern(EVENT_TEXT, pattern)
    limits = patterns.PatternLimits(max_size=4096)
    assert patterns.test_event_pattern(EVENT_TEXT, pattern, limits) is False
