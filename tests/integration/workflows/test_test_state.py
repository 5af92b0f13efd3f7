"""TestState: one state run on its own, reporting its output, the next state, and what an
error would do (FAILED, RETRIABLE under a Retry, CAUGHT_ERROR under a Catch)."""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest

from paybus.core.errors import ValidationError
from paybus.store.store import Store

from .helpers import workflows_on


def declined(event: Any, context: Any) -> Any:
    raise PermissionError("card_declined")


async def test_a_pass_state_reports_its_output_and_next_state(store: Store) -> None:
    workflows = workflows_on(store)
    state = {"Type": "Pass", "Parameters": {"total.$": "States.MathAdd($.a, $.b)"}, "Next": "Pay"}
    result = await workflows.test_state(json.dumps(state), '{"a": 2, "b": 40}')
    assert (result.status, result.next_state) == ("SUCCEEDED", "Pay")
    assert orjson.loads(result.output or "") == {"total": 42}


async def test_a_choice_names_the_branch_taken_and_variables_are_visible(store: Store) -> None:
    workflows = workflows_on(store)
    machine = {
        "StartAt": "Route",
        "States": {
            "Route": {
                "Type": "Choice",
                "Choices": [{"Variable": "$limit", "NumericLessThan": 100, "Next": "Small"}],
                "Default": "Large",
            },
            "Small": {"Type": "Succeed"},
            "Large": {"Type": "Succeed"},
        },
    }
    result = await workflows.test_state(
        json.dumps(machine), "{}", state_name="Route", variables='{"limit": 50}'
    )
    assert (result.status, result.next_state) == ("SUCCEEDED", "Small")
    with pytest.raises(ValidationError):
        await workflows.test_state(json.dumps(machine), "{}", state_name="Nope")


async def test_task_errors_are_failed_retriable_or_caught(store: Store) -> None:
    workflows = workflows_on(store, {"charge": declined, "echo": lambda e, c: e})
    task: dict[str, Any] = {"Type": "Task", "Resource": "charge", "End": True}
    failed = await workflows.test_state(json.dumps(task))
    assert (failed.status, failed.error) == ("FAILED", "PermissionError")
    retried = {**task, "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 2}]}
    assert (await workflows.test_state(json.dumps(retried))).status == "RETRIABLE"
    caught = {
        **task,
        "Catch": [{"ErrorEquals": ["PermissionError"], "Next": "Declined"}],
    }
    result = await workflows.test_state(json.dumps(caught))
    assert (result.status, result.next_state, result.error) == (
        "CAUGHT_ERROR",
        "Declined",
        "PermissionError",
    )
    assert orjson.loads(result.output or "")["Error"] == "PermissionError"
    ok = await workflows.test_state(json.dumps({**task, "Resource": "echo"}), '{"n": 1}')
    assert (ok.status, ok.output) == ("SUCCEEDED", '{"n":1}')
