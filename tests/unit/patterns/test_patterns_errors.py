"""Invalid patterns are rejected with AWS's exact reason, and AWS's limits hold."""

from __future__ import annotations

import json
from typing import Any

import pytest

from paybus.core.errors import InvalidEventPattern
from paybus.core.events.patterns import PatternLimits, RuleMatcher, compile_pattern

PREFIX = "Event pattern is not valid. Reason: "
MIXED = (
    "Inside anything but list, either all values are number or string, mixed type is not supported"
)
EIC_LIST = (
    "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported."
)


def reason(pattern: str | dict[str, Any], limits: PatternLimits | None = None) -> str:
    with pytest.raises(InvalidEventPattern) as raised:
        compile_pattern(pattern, limits)
    assert raised.value.message == PREFIX + raised.value.reason
    assert raised.value.aws_name == "InvalidEventPatternException"
    return raised.value.reason


def on(condition: Any) -> dict[str, Any]:
    return {"detail": {"state": [condition]}}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "{'bad': 'quotation'}",
            "Unexpected character (''' (code 39)): was expecting double-quote to start field name"
            "\n at [Source: (String)\"{'bad': 'quotation'}\"; line: 1, column: 2]",
        ),
        (
            '{"not": closed mark"',
            "Unrecognized token 'closed': was expecting (JSON String, Number, Array, Object or "
            "token 'null', 'true' or 'false')"
            '\n at [Source: (String)"{"not": closed mark""; line: 1, column: 15]',
        ),
        (
            '["not", "a", "dict", "but valid json"]',
            "Filter is not an object"
            '\n at [Source: (String)"["not", "a", "dict", "but valid json"]"; line: 1, column: 2]',
        ),
        (
            "this is valid json but not a dict",
            "Unrecognized token 'this': was expecting (JSON String, Number, Array, Object or "
            "token 'null', 'true' or 'false')"
            '\n at [Source: (String)"this is valid json but not a dict"; line: 1, column: 5]',
        ),
    ],
)
def test_text_that_is_not_a_json_object(text: str, expected: str) -> None:
    assert reason(text) == expected


def test_syntax_errors_report_line_and_column() -> None:
    assert reason('{\n  "a": [1,]\n}').endswith("line: 2, column: 11]")
    assert reason('{"a": [').startswith("Unexpected end-of-input: expected close marker for Array")
    assert reason('{"a": "\\q"}').startswith("Unrecognized character escape 'q' (code 113)")
    assert reason('{"a": [01]}').startswith("Invalid numeric value: Leading zeroes not allowed")


def test_long_sources_are_truncated_like_jacksons() -> None:
    text = '{"a": [' + " " * 600 + "?]}"
    assert '"[truncated 110 chars]; line: 1, column: ' in reason(text)


def test_semantic_errors_come_before_later_syntax_errors() -> None:
    # Read as a stream, as event-ruler does: the empty array is met before the bad token.
    assert reason('{"a": [], "b": nope}') == "Empty arrays are not allowed"


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ({"resources": []}, "Empty arrays are not allowed"),
        ({"int": 42}, '"int" must be an object or an array'),
        ({"string": "my-value"}, '"string" must be an object or an array'),
        ({"detail": {}}, "Empty objects are not allowed"),
        ({"a": [["nested"]]}, "Match value must be String, number, true, false, or null"),
        (on({}), "Match expression name not found"),
        (on({"EXISTS": True}), "Unrecognized match type EXISTS"),
        (on({"NUMERIC": ["=", 5]}), "Unrecognized match type NUMERIC"),
        (on({"regex": "a.*"}), "Unrecognized match type regex"),
        (on({"prefix": "a", "suffix": "b"}), "Only one key allowed in match expression"),
        (on({"exists": "yes"}), "exists match pattern must be either true or false."),
        (on({"exactly": 5}), "exact match pattern must be a string"),
        (on({"prefix": 123}), "prefix match pattern must be a string"),
        (on({"prefix": ["x"]}), "prefix match pattern must be a string"),
        (on({"prefix": {"other": "x"}}), "Unsupported prefix pattern: other"),
        (
            on({"prefix": {"equals-ignore-case": 1}}),
            "equals-ignore-case match pattern must be a string",
        ),
        (on({"suffix": [".png"]}), "suffix match pattern must be a string"),
        (on({"suffix": {"other": "x"}}), "Unsupported suffix pattern: other"),
        (on({"equals-ignore-case": ["x"]}), "equals-ignore-case match pattern must be a string"),
        (
            on({"equals-ignore-case": {"prefix": "x"}}),
            "equals-ignore-case match pattern must be a string",
        ),
        (on({"wildcard": 123}), "wildcard match pattern must be a string"),
        (on({"wildcard": ["a*"]}), "wildcard match pattern must be a string"),
        (
            on({"wildcard": "arn:aws:events:us-east-1:**:event-bus/*"}),
            "Consecutive wildcard characters at pos 26",
        ),
        (on({"wildcard": "a\\b"}), "Invalid escape character at pos 2"),
        (on({"wildcard": "trailing\\"}), "Invalid escape character at pos 9"),
        (on({"numeric": 10}), "Value of numeric must be an array."),
        (on({"numeric": [">", 0, ">", 0]}), "Bad numeric range operator: >"),
        (on({"numeric": [">", 0, "<"]}), "Value of < must be numeric"),
        (on({"numeric": ["=", "5"]}), "Value of equals must be numeric"),
        (on({"numeric": [">=", None]}), "Value of >= must be numeric"),
        (on({"numeric": ["!=", 5]}), "Unrecognized numeric range operator: !="),
        (on({"numeric": [5]}), "Invalid member in numeric match: 5"),
        (on({"numeric": []}), "Invalid member in numeric match: ]"),
        (on({"numeric": ["=", 5, "<", 6]}), "Too many elements in numeric expression"),
        (on({"numeric": ["<", 5, ">", 1]}), "Too many elements in numeric expression"),
        (on({"numeric": [">", 1, "<", 5, 6]}), "Too many terms in numeric range expression"),
        (on({"numeric": [">", 1, 5]}), "Bad value in numeric range: 5"),
        (on({"numeric": [">", 5, "<", 5]}), "Bottom must be less than top"),
        (on({"numeric": ["<", 5], "x": 1}), "Too many elements in numeric expression"),
        (
            on({"anything-but": None}),
            "Value of anything-but must be an array or single string/number value.",
        ),
        (
            on({"anything-but": True}),
            "Value of anything-but must be an array or single string/number value.",
        ),
        (
            on({"anything-but": ["stopped", None]}),
            "Inside anything but list, start|null|boolean is not supported.",
        ),
        (
            on({"anything-but": ["a", 1]}),
            MIXED,
        ),
        (
            on({"anything-but": []}),
            MIXED,
        ),
        (on({"anything-but": {"exists": True}}), "Unsupported anything-but pattern: exists"),
        (on({"anything-but": {"prefix": ""}}), "Null prefix/suffix not allowed"),
        (on({"anything-but": {"suffix": ["x", ""]}}), "Null prefix/suffix not allowed"),
        (on({"anything-but": {"prefix": 123}}), "prefix/suffix match pattern must be a string"),
        (
            on({"anything-but": {"suffix": [None, ".txt"]}}),
            "prefix/suffix match pattern must be a string",
        ),
        (
            on({"anything-but": {"prefix": None}}),
            "Value of anything-but must be an array or single string/number value.",
        ),
        (
            on({"anything-but": {"prefix": {"equals-ignore-case": "file"}}}),
            "Value of anything-but must be an array or single string/number value.",
        ),
        (
            on({"anything-but": {"equals-ignore-case": 123}}),
            EIC_LIST,
        ),
        (
            on({"anything-but": {"equals-ignore-case": ["a", True]}}),
            EIC_LIST,
        ),
        (on({"anything-but": {"wildcard": 123}}), "wildcard match pattern must be a string"),
        (
            on({"anything-but": {"wildcard": [123, "*/dir/*"]}}),
            "wildcard match pattern must be a string",
        ),
        (on({"anything-but": {"wildcard": ["a**"]}}), "Consecutive wildcard characters at pos 2"),
        (on({"anything-but": "x", "y": 1}), "Too many elements in numeric expression"),
        (on({"cidr": "bad-filter"}), "Malformed CIDR, one '/' required"),
        (on({"cidr": "10.0.0.0/8/9"}), "Malformed CIDR, one '/' required"),
        (on({"cidr": "bad-/64filter"}), "Malformed CIDR, mask bits must be an integer"),
        (on({"cidr": "10.0.0.0/-1"}), "Malformed CIDR, mask bits must not be negative"),
        (on({"cidr": "xx.11.xx/8"}), "Nonstandard IP address: xx.11.xx"),
        (on({"cidr": "xxxx:db8:1234:1a00::/64"}), "Nonstandard IP address: xxxx:db8:1234:1a00::"),
        (on({"cidr": "10.0.0.256/24"}), "Invalid IP address: 10.0.0.256"),
        (on({"cidr": "10.0.0.0/32"}), "IPv4 mask bits must be < 32"),
        (on({"cidr": "::/128"}), "IPv6 mask bits must be < 128"),
        (on({"cidr": ["bad-type"]}), "prefix match pattern must be a string"),
    ],
)
def test_reasons(pattern: dict[str, Any], expected: str) -> None:
    assert reason(pattern) == expected


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ({"$or": {"a": ["1"]}, "b": []}, "Empty arrays are not allowed"),
        # Rejected as $or, then read as an ordinary field name: that reading's error is reported.
        ({"$or": [{"a": ["1"]}]}, "Unrecognized match type a"),
        ({"$or": [{"prefix": ["a"]}, {"x": ["b"]}]}, "prefix match pattern must be a string"),
        ({"$or": ["a", {"b": ["1"]}]}, "Unrecognized match type b"),
    ],
)
def test_or_errors_follow_event_rulers_fallback(pattern: dict[str, Any], expected: str) -> None:
    assert reason(pattern) == expected


def test_pattern_size_limit_defaults_to_2048_and_is_configurable_to_4096() -> None:
    def of_size(size: int) -> str:
        head = '{"source": ["'
        return head + "x" * (size - len(head) - 3) + '"]}'

    compile_pattern(of_size(2048))
    assert "2048" in reason(of_size(2049))
    compile_pattern(of_size(4096), PatternLimits(max_size=4096))
    assert "4096" in reason(of_size(4097), PatternLimits(max_size=4096))
    with pytest.raises(ValueError, match="max_size"):
        PatternLimits(max_size=4097)
    # Sizes count UTF-16 code units, as AWS's Java service does: an emoji counts twice.
    emoji = '{"a": ["' + "🚀" * 1017 + '"]}'
    assert len(emoji) == 1028
    assert "(2045)" in reason(emoji, PatternLimits(max_size=2044))


def test_or_combinations_above_1000_are_rejected() -> None:
    def alternatives(n: int, key: str) -> list[dict[str, Any]]:
        return [{key: [str(i)]} for i in range(n)]

    ok = {"$or": alternatives(10, "a"), "detail": {"$or": alternatives(100, "b")}}
    assert len(compile_pattern(json.dumps(ok), PatternLimits(max_size=4096)).branches) == 1000
    too_many = {"$or": alternatives(11, "a"), "detail": {"$or": alternatives(100, "b")}}
    assert "1000" in reason(json.dumps(too_many), PatternLimits(max_size=4096))


def test_wildcards_too_complex_are_rejected() -> None:
    too_complex = (
        "Rule is too complex - try using fewer wildcard characters or fewer repeating "
        "character sequences after a wildcard character"
    )
    assert reason({"EventBusArn": [{"wildcard": "*:*:*:*:*:event-bus/*"}]}) == too_complex
    assert reason({"a": [{"anything-but": {"wildcard": ["*a*a*a*a*a*"]}}]}) == too_complex
    for fine in (
        "/Users/*/dir/dir/dir/dir/dir/doc.txt",
        "arn:aws:events:us-east-1:*:event-bus/*",
        "*:stack/SharedStack/*",
        "*cmd.exe*mycommand*",
    ):
        compile_pattern({"a": [{"wildcard": fine}]})
    # Complexity adds up over the patterns of one field, $or branches included.
    stacks = [{"x": [{"wildcard": f"*:stack/{name}/*"}]} for name in ("Api", "Data", "Web", "Ops")]
    assert reason({"$or": stacks}) == too_complex
    compile_pattern({"$or": stacks[:3]})


@pytest.mark.parametrize("value", [float("nan"), {1, 2}, object()])
def test_a_parsed_pattern_holding_non_json_values_is_invalid(value: Any) -> None:
    assert reason({"a": [value]}).startswith("Pattern is not JSON: ")


def test_the_matcher_rejects_invalid_patterns_and_keeps_the_previous_rule() -> None:
    matcher = RuleMatcher()
    matcher.add_rule("r", {"source": ["a"]})
    with pytest.raises(InvalidEventPattern):
        matcher.add_rule("r", {"source": []})
    assert matcher.matches({"source": "a"}) == {"r"}
