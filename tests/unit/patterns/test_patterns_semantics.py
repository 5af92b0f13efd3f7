"""How patterns combine: AND/OR, arrays, array consistency, `$or`, paths and repeated keys."""

from __future__ import annotations

from typing import Any

from pattern_helpers import both_agree, envelope

from paybus.core.events.patterns import compile_pattern

STAFF = {
    "employees": [
        {"firstName": "John", "lastName": "Doe"},
        {"firstName": "Anna", "lastName": "Smith"},
        {"firstName": "Peter", "lastName": "Jones"},
    ]
}


def test_fields_are_anded_and_values_ored() -> None:
    pattern = {
        "source": [{"prefix": "aws.partner/stripe.com"}],
        "detail-type": ["a", "invoice.paid"],
    }
    assert both_agree(pattern, envelope())
    assert not both_agree({**pattern, "region": ["eu-west-1"]}, envelope())


def test_fields_not_named_are_ignored_and_named_ones_must_exist() -> None:
    assert both_agree({"detail": {"status": ["paid"]}}, envelope(status="paid", extra=1))
    assert not both_agree({"detail": {"missing": ["paid"]}}, envelope(status="paid"))


def test_an_event_array_matches_when_any_element_does() -> None:
    event = envelope(tags=["vip", "eu"])
    assert both_agree({"detail": {"tags": ["eu"]}}, event)
    assert not both_agree({"detail": {"tags": ["us"]}}, event)
    assert both_agree({"resources": [{"prefix": "arn:"}]}, {"resources": ["x", "arn:aws:1"]})


def test_an_empty_array_is_no_value() -> None:
    assert not both_agree({"resources": [None]}, {"resources": []})
    assert not both_agree({"resources": [{"anything-but": "x"}]}, {"resources": []})


def test_arrays_of_objects_are_crushed_into_their_parent_field() -> None:
    assert both_agree({"employees": {"firstName": ["Anna"]}}, STAFF)
    nested = {"employees": [[STAFF["employees"][0], STAFF["employees"][1]], [{"firstName": "P"}]]}
    assert both_agree({"employees": {"firstName": ["Anna"]}}, nested)


def test_a_match_never_combines_fields_from_different_elements_of_one_array() -> None:
    assert both_agree({"employees": {"firstName": ["Anna"], "lastName": ["Smith"]}}, STAFF)
    assert not both_agree({"employees": {"firstName": ["Anna"], "lastName": ["Jones"]}}, STAFF)


def test_array_consistency_applies_per_array_not_across_arrays() -> None:
    event = {"a": [{"x": 1}, {"x": 2}], "b": [{"y": 1}, {"y": 2}]}
    assert both_agree({"a": {"x": [2]}, "b": {"y": [1]}}, event)


def test_metrics_examples_from_event_ruler() -> None:
    one_metric = {"metrics": [{"metricName": "CPUUtilization", "namespace": "AWS/ES"}]}
    two_metrics = {
        "metrics": [
            {"metricName": "CPUUtilization", "namespace": "AWS/EC2"},
            {"metricName": "ReadLatency", "namespace": "AWS/ES"},
        ]
    }
    strict = {"metrics": {"metricName": ["CPUUtilization"], "namespace": ["AWS/ES"]}}
    loose = {
        "metrics": {
            "metricName": ["CPUUtilization", "ReadLatency"],
            "namespace": ["AWS/EC2", "AWS/ES"],
        }
    }
    assert both_agree(strict, one_metric)
    assert not both_agree(strict, two_metrics)
    assert both_agree(loose, two_metrics)


def test_exists_inside_an_array_of_objects() -> None:
    event = envelope(automations=[{"key1": "v"}, {"id": "match"}, {"key2": "v"}])
    assert both_agree({"detail": {"automations": {"id": [{"exists": True}]}}}, event)


def test_exists_false_looks_only_at_the_chosen_array_element() -> None:
    # "a.b" sorts first: element 0 is chosen, and it has no "c".
    event = {"a": [{"b": "x"}, {"c": 1}]}
    assert both_agree({"a": {"b": ["x"], "c": [{"exists": False}]}}, event)
    # With a free "c" outside any array, absence fails whatever element was chosen.
    assert not both_agree({"a": {"b": ["x"], "c": [{"exists": False}]}}, {**event, "a.c": 5})


def test_null_and_empty_string_are_different() -> None:
    assert both_agree({"detail": {"v": [None]}}, envelope(v=None))
    assert not both_agree({"detail": {"v": [None]}}, envelope(v=""))
    assert both_agree({"detail": {"v": [""]}}, envelope(v=""))
    assert not both_agree({"detail": {"v": [""]}}, envelope(v=None))
    assert not both_agree({"detail": {"v": [None]}}, envelope())


def test_or_at_the_top_level() -> None:
    pattern = {
        "source": [{"prefix": "aws.partner/stripe.com"}],
        "$or": [
            {"detail-type": ["charge.failed"]},
            {"detail": {"amount": [{"numeric": [">", 100]}]}},
        ],
    }
    assert both_agree(pattern, envelope(amount=500))
    assert not both_agree(pattern, envelope(amount=5))


def test_or_nested_in_an_object_and_in_another_or() -> None:
    pattern = {
        "detail": {
            "$or": [
                {"c-count": [{"numeric": [">", 0, "<=", 5]}]},
                {"d-count": [{"numeric": ["<", 10]}], "$or": [{"x": [1]}, {"y": [2]}]},
            ]
        }
    }
    assert both_agree(pattern, envelope(**{"c-count": 3}))
    assert both_agree(pattern, envelope(**{"d-count": 3, "y": 2}))
    assert not both_agree(pattern, envelope(**{"d-count": 3, "y": 3}))
    assert len(compile_pattern(pattern).branches) == 3


def test_parallel_ors_multiply() -> None:
    pattern = {
        "$or": [{"a": ["1"]}, {"b": ["2"]}],
        "detail": {"$or": [{"c": ["3"]}, {"d": ["4"]}, {"e": ["5"]}]},
    }
    assert len(compile_pattern(pattern).branches) == 6
    assert both_agree(pattern, {"b": "2", "detail": {"e": "5"}})
    assert not both_agree(pattern, {"b": "2", "detail": {"f": "5"}})


def test_a_field_after_an_or_overrides_the_same_path_inside_it() -> None:
    # event-ruler writes later fields into every branch built so far, replacing same paths.
    pattern_text = '{"$or": [{"a": ["1"]}, {"b": ["2"]}], "a": ["3"]}'
    assert both_agree(pattern_text, {"a": "3"})
    assert not both_agree(pattern_text, {"a": "1"})
    assert both_agree(pattern_text, {"a": "3", "b": "2"})


def test_or_that_does_not_qualify_is_an_ordinary_field_name() -> None:
    # Not an array of 2+ objects free of operator names: event-ruler's backward compatibility.
    as_object = {"source": ["s"], "$or": {"metricType": ["MetricType"]}}
    assert both_agree(as_object, {"source": "s", "$or": {"metricType": "MetricType"}})
    with_operators = {"$or": [{"numeric": [">", 1]}, {"prefix": "a"}]}
    assert both_agree(with_operators, {"$or": "abc"})
    assert both_agree(with_operators, {"$or": 5})


def test_a_repeated_key_keeps_its_last_value() -> None:
    text = (
        '{"detail": {"location": [{"prefix": "us-"}], "location": [{"anything-but": "us-east"}]}}'
    )
    assert both_agree(text, envelope(location="eu-central-1"))


def test_a_repeated_path_spelled_two_ways_keeps_the_last() -> None:
    text = '{"detail": {"a.b": ["1"], "a": {"b": ["2"]}}}'
    assert both_agree(text, envelope(a={"b": "2"}))
    assert not both_agree(text, envelope(a={"b": "1"}))


def test_dotted_keys_and_nesting_are_the_same_path_both_ways() -> None:
    assert both_agree(
        {"detail": {"state": {"status": ["running"]}}}, envelope(**{"state.status": "running"})
    )
    assert both_agree(
        {"detail": {"state.status": ["running"]}}, envelope(state={"status": "running"})
    )
    assert not both_agree(
        {"detail": {"state": {"status": ["running"]}}},
        envelope(**{"state.status": {"status": "running"}}),
    )


def test_json_inside_a_string_is_not_parsed() -> None:
    assert not both_agree({"detail": {"my-key": ["v"]}}, {"detail": '{"my-key": "v"}'})


def test_field_and_operator_names_are_case_sensitive() -> None:
    assert not both_agree({"Source": ["aws.partner/stripe.com/ed_123"]}, envelope())


def test_keys_sort_as_java_does_when_arrays_interact() -> None:
    # U+FFFF sorts after U+10000 in UTF-16 order (surrogates come first), unlike code points.
    pattern = {"a": {"\U00010000": ["x"], "\uffff": [{"exists": False}]}}
    event: dict[str, Any] = {"a": [{"\U00010000": "x"}, {"\uffff": 1}]}
    assert both_agree(pattern, event)
