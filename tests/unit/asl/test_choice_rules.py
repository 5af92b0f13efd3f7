"""Choice rule operators against the input, including the type-mismatch and missing rules."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from paybus.core.asl.choice_rules import matches, string_matches
from paybus.core.asl.errors import StatesError
from paybus.core.asl.scope import EvaluationScope

from .test_intrinsics import FixedEntropy

INPUT = {
    "s": "beta",
    "n": 7,
    "f": 2.5,
    "b": True,
    "t": "2024-01-01T00:00:00Z",
    "nil": None,
    "other": 7,
    "later": "2024-06-01T00:00:00+02:00",
}


def scope() -> EvaluationScope:
    return EvaluationScope(INPUT, {}, {}, FixedEntropy(), datetime(2024, 1, 1, tzinfo=UTC))


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"Variable": "$.s", "StringEquals": "beta"}, True),
        ({"Variable": "$.s", "StringLessThan": "gamma"}, True),
        ({"Variable": "$.s", "StringGreaterThanEquals": "beta"}, True),
        ({"Variable": "$.n", "NumericEquals": 7}, True),
        ({"Variable": "$.f", "NumericLessThan": 3}, True),
        ({"Variable": "$.n", "NumericGreaterThan": 7}, False),
        ({"Variable": "$.n", "NumericEqualsPath": "$.other"}, True),
        ({"Variable": "$.s", "NumericEquals": 7}, False),
        ({"Variable": "$.b", "BooleanEquals": True}, True),
        ({"Variable": "$.t", "TimestampLessThan": "2024-01-02T00:00:00Z"}, True),
        ({"Variable": "$.later", "TimestampGreaterThanPath": "$.t"}, True),
        ({"Variable": "$.s", "StringMatches": "b*a"}, True),
        ({"Variable": "$.s", "StringMatches": "b\\*"}, False),
        ({"Variable": "$.nil", "IsNull": True}, True),
        ({"Variable": "$.missing", "IsPresent": False}, True),
        ({"Variable": "$.n", "IsNumeric": True}, True),
        ({"Variable": "$.s", "IsString": True}, True),
        ({"Variable": "$.b", "IsBoolean": False}, False),
        ({"Variable": "$.t", "IsTimestamp": True}, True),
        (
            {
                "And": [
                    {"Variable": "$.n", "NumericGreaterThan": 1},
                    {"Not": {"Variable": "$.s", "StringEquals": "alpha"}},
                ]
            },
            True,
        ),
        (
            {
                "Or": [
                    {"Variable": "$.n", "NumericLessThan": 1},
                    {"Variable": "$.b", "BooleanEquals": False},
                ]
            },
            False,
        ),
    ],
)
def test_rule(rule: dict[str, Any], expected: bool) -> None:
    assert matches(rule, scope()) is expected


def test_a_missing_variable_is_a_runtime_error() -> None:
    with pytest.raises(StatesError) as raised:
        matches({"Variable": "$.missing", "StringEquals": "x"}, scope())
    assert raised.value.error == "States.Runtime"


def test_string_matches_escapes() -> None:
    assert string_matches("a*b", "a\\*b")
    assert string_matches("log-2024.txt", "log-*.txt")
    assert not string_matches("log.csv", "log-*.txt")
