"""Reading AWS JSON request parameters with the errors AWS gives for missing or ill-typed ones.

botocore validates its own requests, but other clients (curl, older SDKs, the query-compatible
CLI paths) do not: a wrong type must be a 400 that names the parameter, never a 500.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from paybus.core.errors import InvalidParameterValue, MissingParameter


def required_string(params: Mapping[str, Any], name: str) -> str:
    value = params.get(name)
    if value is None:
        raise MissingParameter(f"The request must contain the parameter {name}.")
    if not isinstance(value, str):
        raise _wrong_type(name, value, "a string")
    return value


def optional_string(params: Mapping[str, Any], name: str) -> str | None:
    value = params.get(name)
    if value is not None and not isinstance(value, str):
        raise _wrong_type(name, value, "a string")
    return value


def optional_int(params: Mapping[str, Any], name: str) -> int | None:
    value = params.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _wrong_type(name, value, "an integer")
    return value


def required_int(params: Mapping[str, Any], name: str) -> int:
    value = optional_int(params, name)
    if value is None:
        raise MissingParameter(f"The request must contain the parameter {name}.")
    return value


def string_map(params: Mapping[str, Any], name: str) -> dict[str, str]:
    value = params.get(name) or {}
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise _wrong_type(name, value, "a map of strings to strings")
    return dict(value)


def string_list(params: Mapping[str, Any], name: str) -> list[str]:
    value = params.get(name) or []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _wrong_type(name, value, "a list of strings")
    return value


def object_list(params: Mapping[str, Any], name: str) -> list[dict[str, Any]]:
    value = params.get(name)
    if value is None:
        raise MissingParameter(f"The request must contain the parameter {name}.")
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise _wrong_type(name, value, "a list of objects")
    return value


def _wrong_type(name: str, value: Any, expected: str) -> InvalidParameterValue:
    shown = repr(value)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    return InvalidParameterValue(
        f"Value {shown} for parameter {name} is invalid: must be {expected}."
    )
