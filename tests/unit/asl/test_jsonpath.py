"""JSONPath evaluation and ResultPath writes, with a hypothesis round trip as the reference."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paybus.core.asl.jsonpath import JsonPathSyntaxError, PathNotFound, evaluate, parse_path, write

DOC = {
    "a": {"b": [1, 2, {"c": 3}]},
    "delivery-partner": "UQS",
    "x y": 1,
    "items": [{"type": "a", "n": 1}, {"type": "b", "n": 5}, {"n": 7}],
}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$", DOC),
        ("$.a.b[2].c", 3),
        ("$.a.b[-1]", {"c": 3}),
        ("$.delivery-partner", "UQS"),
        ("$['x y']", 1),
        ("$.a.b.length()", 3),
        ("$.items[*].type", ["a", "b"]),
        ("$.items[?(@.n > 2)].n", [5, 7]),
        ("$.items[0:2].n", [1, 5]),
        ("$..c", [3]),
        ("$.nothing[*].type", []),
    ],
)
def test_evaluate(path: str, expected: Any) -> None:
    assert evaluate(path, DOC) == expected


def test_a_missing_definite_path_raises() -> None:
    with pytest.raises(PathNotFound):
        evaluate("$.a.missing", DOC)


@pytest.mark.parametrize("text", ["a.b", "$.a[", "$.a[x]", "$.a.length().b"])
def test_syntax_errors(text: str) -> None:
    with pytest.raises(JsonPathSyntaxError):
        parse_path(text)


def test_reference_paths_only_allow_names_and_indexes() -> None:
    assert parse_path("$.a['b'][0]").is_reference
    assert not parse_path("$.a[*]").is_reference
    assert not parse_path("$$.Execution").is_reference


def test_write_creates_objects_and_refuses_to_walk_through_scalars() -> None:
    assert write({"a": 1}, "$.b.c", 2) == {"a": 1, "b": {"c": 2}}
    with pytest.raises(PathNotFound):
        write({"a": 1}, "$.a.c", 2)


names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=6)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(names, inner, max_size=3),
    max_leaves=8,
)


@given(
    document=st.dictionaries(names, json_values, max_size=4),
    steps=st.lists(names, min_size=1, max_size=4),
    value=json_values,
)
def test_write_then_read_round_trips(
    document: dict[str, Any], steps: list[str], value: Any
) -> None:
    path = "$." + ".".join(steps)
    try:
        written = write(document, path, value)
    except PathNotFound:
        return  # the path walks through a non-object: ResultPathMatchFailure territory
    assert evaluate(path, written) == value
    bracketed = "$" + "".join(f"['{s}']" for s in steps)
    assert evaluate(bracketed, written) == value
