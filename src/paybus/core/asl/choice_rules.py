"""JSONPath Choice rules: the 39 comparison operators and the And/Or/Not combinators.

A rule is a JSON object from the definition; `matches` answers whether it holds for the input.
A type mismatch is simply false; a missing `Variable` is `States.Runtime` (except `IsPresent`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from paybus.core.asl.errors import StatesError
from paybus.core.asl.jsonpath import parse_path
from paybus.core.asl.scope import EvaluationScope
from paybus.core.asl.timestamps import parse_timestamp


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


_VALIDATORS: dict[str, Callable[[Any], Any]] = {
    "String": lambda v: v if isinstance(v, str) else None,
    "Numeric": lambda v: v if _is_number(v) else None,
    "Timestamp": parse_timestamp,
    "Boolean": lambda v: v if isinstance(v, bool) else None,
}

_RELATIONS: dict[str, Callable[[Any, Any], bool]] = {
    "Equals": lambda a, b: bool(a == b),
    "LessThan": lambda a, b: bool(a < b),
    "GreaterThan": lambda a, b: bool(a > b),
    "LessThanEquals": lambda a, b: bool(a <= b),
    "GreaterThanEquals": lambda a, b: bool(a >= b),
}


def _comparison(kind: str, relation: str) -> Callable[[Any, Any], bool]:
    validate, compare = _VALIDATORS[kind], _RELATIONS[relation]

    def test(value: Any, operand: Any) -> bool:
        left, right = validate(value), validate(operand)
        return left is not None and right is not None and compare(left, right)

    return test


COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    f"{kind}{relation}": _comparison(kind, relation)
    for kind in ("String", "Numeric", "Timestamp")
    for relation in _RELATIONS
}
COMPARISONS["BooleanEquals"] = _comparison("Boolean", "Equals")


def string_matches(value: Any, pattern: Any) -> bool:
    if not isinstance(value, str) or not isinstance(pattern, str):
        return False
    regex = "".join(
        ".*" if token == "*" else re.escape(token[-1])
        for token in re.findall(r"\\\\|\\\*|\*|.", pattern, flags=re.DOTALL)
    )
    return re.fullmatch(regex, value, flags=re.DOTALL) is not None


TYPE_TESTS: dict[str, Callable[[Any], bool]] = {
    "IsNull": lambda v: v is None,
    "IsNumeric": _is_number,
    "IsString": lambda v: isinstance(v, str),
    "IsBoolean": lambda v: isinstance(v, bool),
    "IsTimestamp": lambda v: parse_timestamp(v) is not None,
}

OPERATORS = frozenset(
    {
        *COMPARISONS,
        *(f"{name}Path" for name in COMPARISONS),
        "StringMatches",
        "IsPresent",
        *TYPE_TESTS,
    }
)
COMBINATORS = frozenset({"And", "Or", "Not"})


def operator_of(rule: Mapping[str, Any]) -> str | None:
    found = [key for key in rule if key in OPERATORS or key in COMBINATORS]
    return found[0] if len(found) == 1 else None


def matches(rule: Mapping[str, Any], scope: EvaluationScope) -> bool:
    if "And" in rule:
        return all(matches(r, scope) for r in rule["And"])
    if "Or" in rule:
        return any(matches(r, scope) for r in rule["Or"])
    if "Not" in rule:
        return not matches(rule["Not"], scope)
    operator = operator_of(rule)
    operand = rule[operator] if operator else None
    variable = parse_path(rule["Variable"])
    if operator == "IsPresent":
        try:
            scope.resolve(variable, "Variable")
        except StatesError:
            return operand is False
        return operand is True
    value = scope.resolve(variable, "Variable")
    if operator in TYPE_TESTS:
        return TYPE_TESTS[operator](value) == operand
    if operator == "StringMatches":
        return string_matches(value, operand)
    if operator is not None and operator.endswith("Path"):
        other = scope.resolve(parse_path(operand), operator)
        return COMPARISONS[operator[:-4]](value, other)
    return COMPARISONS[str(operator)](value, operand)
