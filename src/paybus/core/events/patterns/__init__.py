"""EventBridge event patterns: the full language, AWS's exact errors, and a compiled matcher.

- `compile_pattern(pattern)`: validate; raises InvalidEventPattern with AWS's reason.
- `test_event_pattern(event, pattern)`: what TestEventPattern answers.
- `RuleMatcher`: every rule of a bus, matched at a cost set by the event.
- `matches_pattern(pattern, event)`: the plain reference evaluator the matcher is tested against.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from paybus.core.errors import ValidationError
from paybus.core.events.patterns.compiler import (
    CompiledPattern,
    PatternLimits,
    compile_pattern,
)
from paybus.core.events.patterns.matcher import RuleMatcher
from paybus.core.events.patterns.reference import matches_pattern

INVALID_EVENT = "Parameter Event is not valid."


def test_event_pattern(
    event: Mapping[str, Any] | str | bytes,
    pattern: CompiledPattern | Mapping[str, Any] | str,
    limits: PatternLimits | None = None,
) -> bool:
    """Whether `event` matches `pattern`, as EventBridge's TestEventPattern decides it.

    Raises `InvalidEventPattern` for a bad pattern and `ValidationError("Parameter Event is not
    valid.")` for an event that is not a JSON object.
    """
    if isinstance(event, str | bytes):
        try:
            event = orjson.loads(event)
        except orjson.JSONDecodeError:
            raise ValidationError(INVALID_EVENT) from None
    if not isinstance(event, Mapping):
        raise ValidationError(INVALID_EVENT)
    if not isinstance(pattern, CompiledPattern):
        pattern = compile_pattern(pattern, limits)
    return matches_pattern(pattern, event)


test_event_pattern.__test__ = False  # type: ignore[attr-defined]  # not a pytest test

__all__ = [
    "INVALID_EVENT",
    "CompiledPattern",
    "PatternLimits",
    "RuleMatcher",
    "compile_pattern",
    "matches_pattern",
    "test_event_pattern",
]
