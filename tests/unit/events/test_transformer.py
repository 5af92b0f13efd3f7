"""Target input: Input, InputPath and InputTransformer as EventBridge applies them."""

from __future__ import annotations

import json

import pytest

from paybus.core.errors import ValidationError
from paybus.core.events.transformer import (
    InputTransformer,
    RuleContext,
    TargetInput,
    target_payload,
    validate_target_input,
)

EVENT = {
    "version": "0",
    "id": "e-1",
    "detail-type": "invoice.payment_failed",
    "source": "aws.partner/stripe.com/ed_1",
    "account": "123456789012",
    "time": "2026-11-22T12:00:00Z",
    "region": "eu-west-1",
    "resources": ["arn:r0", "arn:r1"],
    "detail": {
        "data": {
            "object": {
                "id": "in_1",
                "customer_email": "a@example.com",
                "amount_due": 2000,
                "attempt_count": 2,
            }
        }
    },
}
RULE = RuleContext(
    "arn:aws:events:eu-west-1:123456789012:rule/failed", "failed", "2026-11-22T12:00:01Z"
)


def payload(spec: TargetInput) -> str:
    validate_target_input(spec)
    return target_payload(EVENT, spec, RULE)


def test_no_input_settings_deliver_the_whole_event() -> None:
    assert json.loads(payload(TargetInput())) == EVENT


def test_constant_input() -> None:
    assert payload(TargetInput(input='{"fixed": true}')) == '{"fixed": true}'


def test_input_path() -> None:
    assert (
        json.loads(payload(TargetInput(input_path="$.detail.data.object")))
        == (EVENT["detail"]["data"]["object"])
    )  # type: ignore[index]
    assert json.loads(payload(TargetInput(input_path="$.resources[1]"))) == "arn:r1"


def test_transformer_bare_values_keep_their_json_type_strings_get_raw_text() -> None:
    transformer = InputTransformer(
        template='{"email": <email>, "due": <due>, '
        '"text": "Invoice <invoice> failed (<due> cents)",'
        ' "rule": <aws.events.rule-name>, "at": "<aws.events.event.ingestion-time>"}',
        paths={
            "email": "$.detail.data.object.customer_email",
            "due": "$.detail.data.object.amount_due",
            "invoice": "$.detail.data.object.id",
        },
    )
    assert json.loads(payload(TargetInput(transformer=transformer))) == {
        "email": "a@example.com",
        "due": 2000,
        "text": "Invoice in_1 failed (2000 cents)",
        "rule": "failed",
        "at": "2026-11-22T12:00:01Z",
    }


def test_missing_paths_leave_the_variable_undefined() -> None:
    transformer = InputTransformer('"Hello <name>!"', {"name": "$.detail.nobody"})
    assert payload(TargetInput(transformer=transformer)) == '"Hello !"'


def test_reserved_event_variables() -> None:
    transformer = InputTransformer(
        '{"event": <aws.events.event>, "whole": <aws.events.event.json>}'
    )
    result = json.loads(payload(TargetInput(transformer=transformer)))
    assert "detail" not in result["event"] and result["event"]["id"] == "e-1"
    assert result["whole"] == EVENT


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            TargetInput(input="{}", input_path="$"),
            "Only one of Input, InputPath, or InputTransformer",
        ),
        (TargetInput(input="{not json"), "Input is not valid JSON"),
        (TargetInput(input_path="detail"), "must start with '\\$'"),
        (TargetInput(transformer=InputTransformer("")), "InputTemplate must be 1 to 8192"),
        (
            TargetInput(transformer=InputTransformer("<x>", {"AWS.x": "$.a"})),
            "'AWS.x' is not valid",
        ),
        (
            TargetInput(transformer=InputTransformer("<x>", {f"k{i}": "$.a" for i in range(101)})),
            "at most 100",
        ),
        (
            TargetInput(transformer=InputTransformer("<aws.events.nope>")),
            "unknown reserved variable",
        ),
    ],
)
def test_bad_settings_are_named(spec: TargetInput, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        validate_target_input(spec)
