"""The 18 intrinsic functions, nesting, and their failures (States.IntrinsicFailure)."""

from __future__ import annotations

from typing import Any

import pytest

from paybus.core.asl.errors import StatesError
from paybus.core.asl.intrinsics import evaluate_intrinsic, parse_intrinsic
from paybus.core.asl.intrinsics.parser import IntrinsicSyntaxError
from paybus.core.asl.jsonpath import JsonPath, evaluate

DOC = {"a": 1, "name": "pay", "list": [1, 2, 2, 3], "obj": {"k": "v"}, "json": '{"x":[1,2]}'}


class FixedEntropy:
    def uuid4(self) -> str:
        return "0f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"

    def random(self) -> float:
        return 0.5


def run(text: str) -> Any:
    return evaluate_intrinsic(text, lambda path: evaluate(path, DOC), FixedEntropy())


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("States.Format('Hello {}, {}!', $.name, $.a)", "Hello pay, 1!"),
        ("States.Format('{} and {}', $.list, $.obj)", "[1, 2, 2, 3] and {k=v}"),
        ("States.Format('esc \\\\{\\\\} {}', true)", "esc {} true"),
        ("States.StringToJson($.json)", {"x": [1, 2]}),
        ("States.StringToJson('  ')", None),
        ("States.JsonToString($.obj)", '{"k":"v"}'),
        ("States.Array(1, 'two', $.a, null)", [1, "two", 1, None]),
        ("States.ArrayPartition($.list, 3)", [[1, 2, 2], [3]]),
        ("States.ArrayContains($.list, 3)", True),
        ("States.ArrayContains($.list, 9)", False),
        ("States.ArrayRange(1, 9, 2)", [1, 3, 5, 7, 9]),
        ("States.ArrayRange(5, 1, -2)", [5, 3, 1]),
        ("States.ArrayGetItem($.list, 3)", 3),
        ("States.ArrayLength($.list)", 4),
        ("States.ArrayUnique($.list)", [1, 2, 3]),
        ("States.Base64Encode('Data to encode')", "RGF0YSB0byBlbmNvZGU="),
        ("States.Base64Decode('RGF0YSB0byBlbmNvZGU=')", "Data to encode"),
        ("States.Hash('input data', 'SHA-1')", "aaff4a450a104cd177d28d18d74485e8cae074b7"),
        ("States.Hash('', 'MD5')", "d41d8cd98f00b204e9800998ecf8427e"),
        (
            'States.JsonMerge($.obj, States.StringToJson(\'{"k":1,"z":2}\'), false)',
            {"k": 1, "z": 2},
        ),
        ("States.MathAdd($.a, -1)", 0),
        ("States.MathAdd(2.5, 0)", 3),
        (
            "States.StringSplit('This.is+a,test=string', '.+,=')",
            ["This", "is", "a", "test", "string"],
        ),
        ("States.UUID()", "0f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"),
        ("States.MathRandom(10, 20)", 15),
        ("States.ArrayLength(States.ArrayUnique(States.Array(1, 1, 2)))", 2),
    ],
)
def test_function(expression: str, expected: Any) -> None:
    assert run(expression) == expected


def test_seeded_math_random_is_repeatable_and_in_range() -> None:
    first = run("States.MathRandom(1, 999, 1234)")
    assert first == run("States.MathRandom(1, 999, 1234)")
    assert 1 <= first < 999


@pytest.mark.parametrize(
    "expression",
    [
        "States.Format('{} {}', 1)",
        "States.ArrayPartition($.list, 0)",
        "States.ArrayRange(1, 2, 0)",
        "States.ArrayRange(0, 2000, 1)",
        "States.ArrayGetItem($.list, 10)",
        "States.JsonMerge($.obj, $.obj, true)",
        "States.Hash('x', 'SHA-999')",
        "States.MathAdd(2147483648, 1)",
        "States.StringToJson('{bad')",
        "States.ArrayLength($.name)",
    ],
)
def test_misuse_is_an_intrinsic_failure(expression: str) -> None:
    with pytest.raises(StatesError) as raised:
        run(expression)
    assert raised.value.error == "States.IntrinsicFailure"


@pytest.mark.parametrize(
    "expression",
    [
        "States.Nope(1)",
        "States.Format('x'",
        "States.Format('unterminated)",
        "States.Array(" * 11 + ")" * 11,
    ],
)
def test_malformed_calls_do_not_parse(expression: str) -> None:
    with pytest.raises(IntrinsicSyntaxError):
        parse_intrinsic(expression)


def test_path_arguments_with_brackets_parse() -> None:
    call = parse_intrinsic("States.Format('{}', $.abc.['def ghi'])")
    argument = call.arguments[1]
    assert isinstance(getattr(argument, "path", None), JsonPath)
