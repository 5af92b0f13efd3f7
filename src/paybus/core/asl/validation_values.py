"""Checks for single field values: paths, templates, intrinsics, JSONata strings, numbers.

Each check returns a reason (str) or None; `validation.py` adds the location.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from paybus.core.asl.intrinsics import parse_intrinsic
from paybus.core.asl.intrinsics.parser import IntrinsicSyntaxError
from paybus.core.asl.jsonata_mode import JsonataSyntaxError, check_syntax, is_expression
from paybus.core.asl.jsonpath import JsonPathSyntaxError, parse_path


def path_problem(
    value: Any, field: str, *, nullable: bool = False, reference: bool = False, context: bool = True
) -> str | None:
    if value is None and nullable:
        return None
    kind = "ReferencePath" if reference else "JSONPath"
    if not isinstance(value, str):
        return f"The value for the field '{field}' must be a valid {kind}"
    try:
        path = parse_path(value)
    except JsonPathSyntaxError:
        return f"The value for the field '{field}' must be a valid {kind}"
    if reference and not path.is_reference:
        return f"The value for the field '{field}' must be a valid ReferencePath"
    if path.root == "$$" and not context:
        return f"The field '{field}' cannot reference the context object"
    return None


def dynamic_problem(value: Any, field: str, *, intrinsics: bool = True) -> str | None:
    """A `.$` value: a path, a context path, a variable or (where allowed) an intrinsic call."""
    if isinstance(value, str) and value.startswith("States."):
        if not intrinsics:
            return f"Intrinsic functions are not supported in the field '{field}'"
        try:
            parse_intrinsic(value)
        except IntrinsicSyntaxError as exc:
            return f"The value for the field '{field}' must be a valid intrinsic function: {exc}"
        return None
    return path_problem(value, field)


def template_problems(template: Any, field: str, *, intrinsics: bool = True) -> list[str]:
    """Problems inside a JSONPath payload template (every `.$` key, recursively)."""
    problems: list[str] = []
    if isinstance(template, Mapping):
        for key, value in template.items():
            if key.endswith(".$"):
                problem = dynamic_problem(value, key, intrinsics=intrinsics)
                if problem:
                    problems.append(problem)
            else:
                problems.extend(template_problems(value, field, intrinsics=intrinsics))
    elif isinstance(template, list):
        for item in template:
            problems.extend(template_problems(item, field, intrinsics=intrinsics))
    return problems


def jsonata_problems(value: Any, field: str) -> list[str]:
    """Syntax errors in every `{% %}` string inside a JSONata-mode value."""
    if is_expression(value):
        try:
            check_syntax(value)
        except JsonataSyntaxError as exc:
            return [f"The JSONata expression in the field '{field}' is invalid: {exc}"]
        return []
    if isinstance(value, Mapping):
        return [p for k, v in value.items() for p in jsonata_problems(v, f"{field}/{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in jsonata_problems(v, f"{field}/{i}")]
    return []


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def integer_problem(
    value: Any, field: str, minimum: int, maximum: int | None = None, *, jsonata: bool = False
) -> str | None:
    if jsonata and is_expression(value):
        return None
    if not is_int(value) or value < minimum or (maximum is not None and value > maximum):
        upper = f" and at most {maximum}" if maximum is not None else ""
        return f"The field '{field}' must be an integer of at least {minimum}{upper}"
    return None
