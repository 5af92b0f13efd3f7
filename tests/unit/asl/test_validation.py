"""Definitions are refused on create with the state, the field and the reason."""

from __future__ import annotations

from typing import Any

import pytest

from paybus.core.asl import InvalidDefinition, parse_definition
from paybus.core.errors import ValidationError


def machine(**states: Any) -> dict[str, Any]:
    return {"StartAt": next(iter(states)), "States": states}


@pytest.mark.parametrize(
    ("definition", "fragment"),
    [
        (machine(A={"Type": "Task", "End": True}), 'The field "Resource" is required for Task'),
        (
            machine(A={"Type": "Pass", "Next": "B"}),
            "MISSING_TRANSITION_TARGET: Missing 'Next' target: B at /States/A/Next",
        ),
        (machine(A={"Type": "Pass", "Next": "A", "End": True}), "Only one of 'Next' or 'End'"),
        (
            machine(A={"Type": "Pass"}),
            "Exactly one of 'Next' or 'End: true' is required at /States/A",
        ),
        (
            machine(A={"Type": "Pass", "End": True, "Colour": 1}),
            'The field "Colour" is not'
            " supported by Step Functions for a Pass state at /States/A/Colour",
        ),
        (machine(A={"Type": "Dance", "End": True}), "unknown Type 'Dance'"),
        (
            machine(A={"Type": "Pass", "End": True, "InputPath": "a.b"}),
            "The value for the field 'InputPath' must be a valid JSONPath at /States/A/InputPath",
        ),
        (machine(A={"Type": "Pass", "End": True, "ResultPath": "$.a[*]"}), "valid ReferencePath"),
        (
            machine(A={"Type": "Pass", "End": True, "Parameters": {"x.$": "States.Nope()"}}),
            "unknown intrinsic function States.Nope",
        ),
        (
            machine(
                A={
                    "Type": "Task",
                    "Resource": "r",
                    "End": True,
                    "Retry": [{"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["X"]}],
                }
            ),
            "States.ALL must appear alone in the last retrier/catcher at /States/A/Retry[0]",
        ),
        (
            machine(
                A={
                    "Type": "Task",
                    "Resource": "r",
                    "End": True,
                    "Retry": [{"ErrorEquals": ["E"], "BackoffRate": 0.5}],
                }
            ),
            "'BackoffRate' must be a number >= 1.0",
        ),
        (
            machine(
                A={
                    "Type": "Task",
                    "Resource": "r",
                    "End": True,
                    "TimeoutSeconds": 5,
                    "HeartbeatSeconds": 5,
                }
            ),
            "HeartbeatSeconds must be smaller than TimeoutSeconds",
        ),
        (
            machine(
                A={
                    "Type": "Task",
                    "Resource": "r",
                    "End": True,
                    "Catch": [{"ErrorEquals": ["E"], "Next": "Z"}],
                }
            ),
            "Missing 'Next' target: Z at /States/A/Catch[0]/Next",
        ),
        (machine(A={"Type": "Choice", "Choices": []}), "needs a non-empty 'Choices' array"),
        (
            machine(
                A={
                    "Type": "Choice",
                    "Choices": [{"Variable": "$.x", "NumericEquals": "1", "Next": "A"}],
                }
            ),
            "'NumericEquals' needs a number",
        ),
        (
            machine(
                A={
                    "Type": "Choice",
                    "Choices": [
                        {"Not": {"Variable": "$.x", "IsNull": True, "Next": "A"}, "Next": "A"}
                    ],
                }
            ),
            "Nested choice rules cannot have 'Next'",
        ),
        (
            machine(A={"Type": "Wait", "Seconds": 1, "SecondsPath": "$.s", "End": True}),
            "Only one of 'Seconds', 'SecondsPath' may be present",
        ),
        (machine(A={"Type": "Wait", "Timestamp": "2016-03-14 01:59:00Z", "End": True}), "ISO-8601"),
        (
            machine(A={"Type": "Fail", "Error": "E", "ErrorPath": "$.e"}),
            "Only one of 'Error', 'ErrorPath'",
        ),
        (
            machine(
                A={
                    "Type": "Parallel",
                    "End": True,
                    "Branches": [
                        {"StartAt": "B", "States": {"B": {"Type": "Pass", "Next": "Outside"}}}
                    ],
                }
            ),
            "Missing 'Next' target: Outside at /States/A/Branches[0]/States/B/Next",
        ),
        (machine(A={"Type": "Map", "End": True}), "needs an 'ItemProcessor'"),
        (
            {
                "QueryLanguage": "JSONata",
                **machine(A={"Type": "Pass", "End": True, "QueryLanguage": "JSONPath"}),
            },
            "cannot use JSONPath inside a JSONata state machine",
        ),
        (
            {
                "QueryLanguage": "JSONata",
                **machine(A={"Type": "Pass", "End": True, "OutputPath": "$"}),
            },
            "it is a JSONPath field; this state uses JSONata",
        ),
        (
            {
                "QueryLanguage": "JSONata",
                **machine(A={"Type": "Pass", "End": True, "Output": "{% $states.input. %}"}),
            },
            "The JSONata expression in the field 'Output' is invalid",
        ),
        (
            machine(
                A={
                    "Type": "Task",
                    "Resource": "r",
                    "End": True,
                    "Retry": [{"ErrorEquals": ["States.Nonsense"]}],
                }
            ),
            "is not a predefined error",
        ),
    ],
)
def test_refused(definition: dict[str, Any], fragment: str) -> None:
    with pytest.raises(InvalidDefinition) as raised:
        parse_definition(definition)
    assert fragment in str(raised.value)
    assert isinstance(raised.value, ValidationError)


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(InvalidDefinition) as raised:
        parse_definition(machine(A={"Type": "Task", "Next": "B", "Extra": 1}))
    assert len(raised.value.problems) == 3


def test_text_that_is_not_json_is_refused() -> None:
    with pytest.raises(InvalidDefinition, match="INVALID_JSON_DESCRIPTION"):
        parse_definition("{not json")


def test_a_machine_using_every_state_type_is_accepted() -> None:
    parse_definition(
        machine(
            P={"Type": "Pass", "Result": 1, "ResultPath": "$.r", "Next": "T"},
            T={
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "f", "Payload.$": "$"},
                "TimeoutSecondsPath": "$.t",
                "Retry": [
                    {
                        "ErrorEquals": ["States.TaskFailed"],
                        "JitterStrategy": "FULL",
                        "MaxDelaySeconds": 5,
                    }
                ],
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "F"}],
                "Next": "C",
            },
            C={
                "Type": "Choice",
                "Choices": [
                    {
                        "And": [
                            {"Variable": "$.a", "IsPresent": True},
                            {"Variable": "$.a", "StringMatches": "x*"},
                        ],
                        "Next": "W",
                    }
                ],
                "Default": "S",
            },
            W={"Type": "Wait", "SecondsPath": "$.s", "Next": "M"},
            M={
                "Type": "Map",
                "ItemsPath": "$.items",
                "MaxConcurrency": 2,
                "ItemSelector": {"v.$": "$$.Map.Item.Value"},
                "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": True}}},
                "Next": "PL",
            },
            PL={
                "Type": "Parallel",
                "Branches": [{"StartAt": "B", "States": {"B": {"Type": "Succeed"}}}],
                "Next": "S",
            },
            S={"Type": "Succeed"},
            F={"Type": "Fail", "ErrorPath": "$.Error", "CausePath": "States.Format('{}', $.Cause)"},
        )
    )
