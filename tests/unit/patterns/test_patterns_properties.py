"""Properties: the compiled RuleMatcher agrees with the reference evaluator, always.

Patterns and events are generated over a small vocabulary so they often nearly match: shared
keys (dotted ones too), arrays of objects and of scalars, `$or`, every operator. Rules are
added, replaced and removed in between.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paybus.core.errors import InvalidEventPattern
from paybus.core.events.patterns import (
    CompiledPattern,
    RuleMatcher,
    compile_pattern,
    matches_pattern,
)
from paybus.core.events.patterns.jsontext import Kind, Tokens

SETTINGS = settings(
    max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
KEYS = ["a", "b", "c", "a.b"]
STRINGS = ["", "x", "xy", "XY", "abc", "a*c", "10.0.0.1", "10.0.0.77", "2001:db8::1", "é"]
NUMBERS = [0, 1, -1, 2.5, 300, 300.0, 1e3, 10**20]

scalars = st.one_of(st.sampled_from(STRINGS), st.sampled_from(NUMBERS), st.booleans(), st.none())
text = st.sampled_from(STRINGS)
affix = st.sampled_from(["a", "x", "ab", "é", "10."])


def _numeric() -> st.SearchStrategy[list[Any]]:
    bound = st.sampled_from([-1, 0, 1, 2.5, 300])
    one = st.tuples(st.sampled_from([">", ">=", "<", "<=", "="]), bound).map(list)
    two = st.tuples(
        st.sampled_from([">", ">="]),
        st.just(0),
        st.sampled_from(["<", "<="]),
        st.sampled_from([2.5, 300]),
    ).map(list)
    return st.one_of(one, two)


conditions = st.one_of(
    scalars,
    st.fixed_dictionaries(
        {"prefix": st.one_of(text, st.fixed_dictionaries({"equals-ignore-case": affix}))}
    ),
    st.fixed_dictionaries(
        {"suffix": st.one_of(text, st.fixed_dictionaries({"equals-ignore-case": affix}))}
    ),
    st.fixed_dictionaries({"equals-ignore-case": text}),
    st.fixed_dictionaries(
        {"wildcard": st.sampled_from(["*", "x*", "*y", "a*c", "*b*", "abc", "", "a\\*c"])}
    ),
    st.fixed_dictionaries(
        {
            "anything-but": st.one_of(
                text,
                st.sampled_from([0, 1, 300]),
                st.lists(text, min_size=1, max_size=3),
                st.lists(st.sampled_from([0, 2.5, 300]), min_size=1, max_size=3),
                st.fixed_dictionaries({"prefix": affix}),
                st.fixed_dictionaries({"suffix": st.lists(affix, min_size=1, max_size=2)}),
                st.fixed_dictionaries(
                    {"equals-ignore-case": st.lists(text, min_size=1, max_size=2)}
                ),
                st.fixed_dictionaries({"wildcard": st.sampled_from(["*y", "a*", ["x*", "*c"]])}),
            )
        }
    ),
    st.fixed_dictionaries({"numeric": _numeric()}),
    st.fixed_dictionaries({"exists": st.booleans()}),
    st.fixed_dictionaries({"cidr": st.sampled_from(["10.0.0.0/24", "2001:db8::/32"])}),
)


def _pattern_objects(leaf: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    value_lists = st.lists(conditions, min_size=1, max_size=3)

    def extend(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        nested = st.dictionaries(st.sampled_from(KEYS), children, min_size=1, max_size=3)
        with_or = st.builds(
            lambda base, alternatives: {**base, "$or": alternatives},
            st.dictionaries(st.sampled_from(KEYS), children, max_size=2),
            st.lists(nested, min_size=2, max_size=3),
        )
        return st.one_of(nested, with_or)

    return st.recursive(value_lists, extend, max_leaves=6).filter(lambda p: isinstance(p, dict))


patterns = _pattern_objects(conditions)
event_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.sampled_from(KEYS), children, max_size=3),
    ),
    max_leaves=10,
)
events = st.dictionaries(st.sampled_from(KEYS), event_values, max_size=4)


def _compiled(pattern: dict[str, Any]) -> CompiledPattern | None:
    try:
        return compile_pattern(pattern)
    except InvalidEventPattern:
        return None


@SETTINGS
@given(
    rules=st.lists(patterns, min_size=1, max_size=6),
    removed=st.sets(st.integers(min_value=0, max_value=5), max_size=3),
    replaced=st.sets(st.integers(min_value=0, max_value=5), max_size=2),
    sample=st.lists(events, min_size=1, max_size=6),
)
def test_matcher_agrees_with_reference(
    rules: list[dict[str, Any]],
    removed: set[int],
    replaced: set[int],
    sample: list[dict[str, Any]],
) -> None:
    compiled = {f"r{i}": c for i, p in enumerate(rules) if (c := _compiled(p)) is not None}
    matcher = RuleMatcher()
    for rule_id, pattern in compiled.items():
        matcher.add_rule(rule_id, pattern)
    for index in replaced:  # replacing a rule by another rule's pattern
        rule_id, donor = f"r{index}", f"r{(index + 1) % len(rules)}"
        if rule_id in compiled and donor in compiled:
            compiled[rule_id] = compiled[donor]
            matcher.add_rule(rule_id, compiled[donor])
    for index in removed:
        if compiled.pop(f"r{index}", None) is not None:
            assert matcher.remove_rule(f"r{index}")
    for event in sample:
        expected = {rule_id for rule_id, c in compiled.items() if matches_pattern(c, event)}
        assert matcher.matches(event) == expected


@settings(
    SETTINGS, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(pattern=patterns, sample=st.lists(events, min_size=1, max_size=4))
def test_agreement_holds_when_every_array_is_indexed(
    pattern: dict[str, Any], sample: list[dict[str, Any]], monkeypatch_buckets: None
) -> None:
    compiled = _compiled(pattern)
    if compiled is None:
        return
    matcher = RuleMatcher()
    matcher.add_rule("r", compiled)
    for event in sample:
        assert ("r" in matcher.matches(event)) == matches_pattern(compiled, event)


@SETTINGS
@given(pattern=patterns)
def test_text_and_parsed_forms_compile_alike(pattern: dict[str, Any]) -> None:
    try:
        from_object = compile_pattern(pattern)
    except InvalidEventPattern as error:
        with pytest.raises(InvalidEventPattern) as again:
            compile_pattern(json.dumps(pattern, indent=2))
        assert again.value.reason == error.reason
        return
    assert compile_pattern(json.dumps(pattern, indent=2)).branches == from_object.branches


json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=8),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=12,
)


@SETTINGS
@given(value=json_values, indent=st.sampled_from([None, 1]))
def test_tokenizer_reads_any_valid_json(value: Any, indent: int | None) -> None:
    text = json.dumps(value, indent=indent, ensure_ascii=bool(indent))
    assert _rebuild(Tokens(text)) == value


def _rebuild(tokens: Tokens) -> Any:
    token = tokens.next()
    assert token is not None
    return _value(tokens, token)


def _value(tokens: Tokens, token: Any) -> Any:
    if token.kind is Kind.START_OBJECT:
        result: dict[str, Any] = {}
        while (name := tokens.next()) is not None and name.kind is Kind.FIELD_NAME:
            result[name.text] = _value(tokens, tokens.next())
        return result
    if token.kind is Kind.START_ARRAY:
        items = []
        while (item := tokens.next()) is not None and item.kind is not Kind.END_ARRAY:
            items.append(_value(tokens, item))
        return items
    return token.value


@pytest.fixture
def monkeypatch_buckets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Index every path's leaves by array element, however few, to exercise that code.

    Kept for all generated inputs of the test on purpose (hence the suppressed health check).
    """
    monkeypatch.setattr("paybus.core.events.patterns.verify._BUCKET_FROM", 0)
