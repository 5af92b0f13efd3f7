"""Each pattern operator, checked on both the reference evaluator and the compiled matcher."""

from __future__ import annotations

from typing import Any

import pytest
from pattern_helpers import both_agree, envelope


def field(value: Any) -> dict[str, Any]:
    return envelope(value=value)


def on(*conditions: Any) -> dict[str, Any]:
    return {"detail": {"value": list(conditions)}}


@pytest.mark.parametrize(
    ("conditions", "value", "expected"),
    [
        # exact strings: byte for byte, no folding or trimming
        (["invoice.paid"], "invoice.paid", True),
        (["invoice.paid"], "Invoice.paid", False),
        (["a "], "a", False),
        (["🚀"], "🚀", True),
        ([""], "", True),
        ([""], None, False),
        # numbers compare as numbers: 300 = 300.0 = 3.0e2, never the string "300"
        ([300], 300.0, True),
        ([3.0e2], 300, True),
        ([300], "300", False),
        (["300"], 300, False),
        ([0.1], 0.1, True),
        ([-0.5], -0.5, True),
        ([9007199254740993], 9007199254740992, True),  # both are the same double
        # literals are typed
        ([True], True, True),
        ([True], "true", False),
        ([False], 0, False),
        ([1], True, False),
        ([None], None, True),
        ([None], "null", False),
        ([None], "", False),
        # OR inside the list, across operators
        (["x", {"prefix": "inv"}], "invoice", True),
        ([{"exists": True}, {"prefix": "nope"}], "anything", True),
    ],
)
def test_exact_values(conditions: list[Any], value: Any, expected: bool) -> None:
    assert both_agree(on(*conditions), field(value)) is expected


@pytest.mark.parametrize(
    ("condition", "value", "expected"),
    [
        ({"prefix": "in_"}, "in_1MtXq", True),
        ({"prefix": "in_"}, "pi_1MtXq", False),
        ({"prefix": ""}, "anything", True),
        ({"prefix": ""}, 5, False),
        ({"prefix": "1"}, 12, False),  # strings only
        ({"prefix": {"equals-ignore-case": "EventB"}}, "eventbridge", True),
        ({"prefix": {"equals-ignore-case": "EventB"}}, "Event", False),
        ({"suffix": ".png"}, "receipt.png", True),
        ({"suffix": ".png"}, "receipt.PNG", False),
        ({"suffix": ""}, "x", True),
        ({"suffix": {"equals-ignore-case": ".png"}}, "receipt.PNG", True),
        ({"suffix": {"equals-ignore-case": ".png"}}, "receipt.jpg", False),
        ({"equals-ignore-case": "alice"}, "ALICE", True),
        ({"equals-ignore-case": "alice"}, "alicia", False),
        ({"equals-ignore-case": ""}, "", True),
        ({"equals-ignore-case": ""}, "a", False),
        ({"equals-ignore-case": "straße"}, "STRASSE", False),  # 1:1 folding only
        ({"equals-ignore-case": "ÉTÉ"}, "été", True),
        ({"exactly": "x"}, "x", True),
        ({"exactly": "x"}, "X", False),
    ],
)
def test_string_operators(condition: dict[str, Any], value: Any, expected: bool) -> None:
    assert both_agree(on(condition), field(value)) is expected


@pytest.mark.parametrize(
    ("wildcard", "value", "expected"),
    [
        ("*.png", "dir/a.png", True),
        ("*.png", ".png", True),
        ("*.png", "a.jpg", False),
        ("arn:aws:events:*:*:event-bus/*", "arn:aws:events:us-east-1:1:event-bus/default", True),
        ("a*b*c", "abc", True),
        ("a*b*c", "axxbyyc", True),
        ("a*b*c", "acb", False),
        ("*", "", True),
        ("", "", True),
        ("", "a", False),
        ("a\\*b", "a*b", True),  # an escaped star is a literal star
        ("a\\*b", "axb", False),
        ("a\\\\b", "a\\b", True),  # an escaped backslash is one backslash
        ("line*end", "line\nend", True),
        ("*", 5, False),  # strings only
    ],
)
def test_wildcard(wildcard: str, value: Any, expected: bool) -> None:
    assert both_agree(on({"wildcard": wildcard}), field(value)) is expected


@pytest.mark.parametrize(
    ("condition", "value", "expected"),
    [
        ({"anything-but": "initializing"}, "running", True),
        ({"anything-but": "initializing"}, "initializing", False),
        ({"anything-but": "initializing"}, None, True),  # null is a value
        ({"anything-but": "initializing"}, 12, True),
        ({"anything-but": ["stopped", "overloaded"]}, "stopped", False),
        ({"anything-but": ["stopped", "overloaded"]}, "pending", True),
        ({"anything-but": 123}, 123.0, False),
        ({"anything-but": 123}, "123", True),
        ({"anything-but": 0}, 789, True),
        ({"anything-but": [100, 200, 300]}, 3e2, False),
        ({"anything-but": [100, 200, 300]}, 301, True),
        ({"anything-but": {"prefix": "init"}}, "initializing", False),
        ({"anything-but": {"prefix": "init"}}, "post-init", True),
        ({"anything-but": {"prefix": "init"}}, 12, True),
        ({"anything-but": {"prefix": ["init", "test"]}}, "test-1", False),
        ({"anything-but": {"suffix": [".txt", ".jpg"]}}, "file.txt.bak", True),
        ({"anything-but": {"suffix": [".txt", ".jpg"]}}, "file.jpg", False),
        ({"anything-but": {"equals-ignore-case": "initializing"}}, "INITIALIZING", False),
        ({"anything-but": {"equals-ignore-case": ["Stopped", "x"]}}, "running", True),
        ({"anything-but": {"equals-ignore-case": "x"}}, None, True),
        ({"anything-but": {"wildcard": "*/init/*"}}, "dir/init/file", False),
        ({"anything-but": {"wildcard": "*/dir/*"}}, "dir/init/file", True),
        ({"anything-but": {"wildcard": ""}}, "non-empty", True),
        ({"anything-but": {"wildcard": ""}}, "", False),
        ({"anything-but": {"wildcard": ["*/init/*", "*/dir/*"]}}, 7, True),
    ],
)
def test_anything_but(condition: dict[str, Any], value: Any, expected: bool) -> None:
    assert both_agree(on(condition), field(value)) is expected


@pytest.mark.parametrize("condition", ["initializing", ["x"], {"prefix": "a"}])
def test_anything_but_never_matches_a_missing_field(condition: Any) -> None:
    assert both_agree(on({"anything-but": condition}), envelope(other=1)) is False


@pytest.mark.parametrize(
    ("terms", "value", "expected"),
    [
        ([">", 0, "<=", 5], 5, True),
        ([">", 0, "<=", 5], 0, False),
        ([">", 0, "<=", 5], 5.000001, False),
        ([">=", 0, "<", 5], 0, True),
        ([">=", 0, "<", 5], 5, False),
        (["<", 10], -1e300, True),
        ([">", 100], 101.0, True),
        ([">", 100], "101", False),
        ([">", 100], None, False),
        (["=", 301.8], 301.8, True),
        (["=", 3.018e2], 301.80000000000001, True),
        (["=", 5], True, False),  # booleans are not numbers
        ([">", 1e300], 1.5e300, True),  # the whole double range
        (["<=", -1e308], -1.7e308, True),
        ([">", 5e9], 6e9, True),  # beyond event-ruler's old +-5e9 range
    ],
)
def test_numeric(terms: list[Any], value: Any, expected: bool) -> None:
    assert both_agree(on({"numeric": terms}), field(value)) is expected


@pytest.mark.parametrize(
    ("block", "value", "expected"),
    [
        ("10.0.0.0/24", "10.0.0.255", True),
        ("10.0.0.0/24", "10.0.1.0", False),
        ("10.0.0.0/24", "10.0.0.256", False),  # not an address at all
        ("10.0.0.0/8", "10.200.3.4", True),
        ("10.0.0.0/24", 167772161, False),  # strings only
        ("10.0.0.0/24", "::ffff:10.0.0.1", False),  # not an address event-ruler recognises
        ("10.0.0.0/24", "::ffff:a00:1", True),  # IPv4-mapped IPv6 is the IPv4 address
        ("2001:db8:1234:1a00::/64", "2001:0db8:1234:1a00:0000:0000:0000:0000", True),
        ("2001:db8:1234:1a00::/64", "2001:db8:1234:1a00:ffff:ffff:ffff:ffff", True),
        ("2001:db8:1234:1a00::/64", "2001:0db8:123f:1a01::", False),
        ("2001:db8:1234:1a00::/64", "10.0.0.1", False),  # families never mix
        ("10.0.0.9/24", "10.0.0.5", False),  # the block starts at the address given
    ],
)
def test_cidr(block: str, value: Any, expected: bool) -> None:
    assert both_agree(on({"cidr": block}), field(value)) is expected


def test_an_exact_ip_address_matches_any_spelling_of_it() -> None:
    assert both_agree(on("2001:db8::1"), field("2001:0db8:0000:0000:0000:0000:0000:0001"))
    assert both_agree(on("10.0.0.1"), field("10.0.0.1"))
    assert not both_agree(on("10.0.0.1"), field("10.0.0.2"))


@pytest.mark.parametrize(
    ("exists", "detail", "expected"),
    [
        (True, {"value": "x"}, True),
        (True, {"value": None}, True),  # null is present
        (True, {"value": ""}, True),
        (True, {}, False),
        (True, {"value": {"nested": 1}}, False),  # only leaves exist
        (True, {"value": []}, False),  # an empty array is no value
        (True, {"value": [None]}, True),
        (False, {}, True),
        (False, {"value": "x"}, False),
        (False, {"value": None}, False),
        (False, {"value": {"nested": 1}}, True),
        (False, {"value": []}, True),
    ],
)
def test_exists(exists: bool, detail: dict[str, Any], expected: bool) -> None:
    assert both_agree(on({"exists": exists}), envelope(**detail)) is expected


def test_exists_false_on_a_missing_parent() -> None:
    pattern = {"detail": {"homemade": {"S": [{"exists": False}]}}}
    assert both_agree(pattern, envelope(purchased={"N": "789"}))


def test_numbers_too_large_for_a_double_compare_exactly() -> None:
    huge = 10**400
    assert both_agree(on({"numeric": [">", 0]}), field(1e308))
    assert both_agree(f'{{"detail": {{"value": [{huge}]}}}}', field(huge)) is True
    assert both_agree(f'{{"detail": {{"value": [{huge}]}}}}', field(huge + 1)) is False
