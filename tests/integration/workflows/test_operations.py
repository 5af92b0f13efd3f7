"""Step Functions operations over a real store: task tokens and their errors, stop, idempotent
starts, definitions kept per execution, history paging, Express runs, missing integrations."""

from __future__ import annotations

import json
from typing import Any

import pytest

from paybus.core.asl import InvalidDefinition
from paybus.core.errors import (
    ExecutionAlreadyExists,
    ExecutionDoesNotExist,
    InvalidExecutionInput,
    InvalidName,
    InvalidToken,
    StateMachineAlreadyExists,
    StateMachineDoesNotExist,
    StateMachineTypeNotSupported,
    TaskDoesNotExist,
    TaskTimedOut,
)
from paybus.runtime.workflows import Workflows
from paybus.store.store import Store

from .helpers import VirtualClock, create, settle, workflows_on

CALLBACK = {
    "StartAt": "Wait for approval",
    "States": {
        "Wait for approval": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
            "Parameters": {"FunctionName": "notify", "Payload": {"token.$": "$$.Task.Token"}},
            "TimeoutSeconds": 60,
            "HeartbeatSeconds": 10,
            "End": True,
        }
    },
}


class Tokens:
    def __init__(self) -> None:
        self.seen: list[str] = []

    def notify(self, event: Any, context: Any) -> Any:
        self.seen.append(event["token"])
        return "notified"


async def _waiting(store: Store) -> tuple[Workflows, VirtualClock, str, str]:
    clock, tokens = VirtualClock(), Tokens()
    workflows = workflows_on(store, {"notify": tokens.notify}, clock)
    machine = await create(workflows, "approval", CALLBACK)
    started = await workflows.start_execution(machine, "order-1")
    info = await settle(workflows, started.arn, clock, max_wait_ms=0)
    assert info.status == "RUNNING" and len(tokens.seen) == 1
    return workflows, clock, started.arn, tokens.seen[0]


async def test_a_token_completes_once_then_answers_task_timed_out(store: Store) -> None:
    workflows, clock, arn, token = await _waiting(store)
    await workflows.send_task_success(token, '{"approved": true}')
    info = await settle(workflows, arn, clock)
    assert (info.status, json.loads(info.output)) == ("SUCCEEDED", {"approved": True})
    with pytest.raises(TaskTimedOut):
        await workflows.send_task_success(token, "{}")
    with pytest.raises(TaskTimedOut):
        await workflows.send_task_failure(token, "Late", "too late")


async def test_a_late_callback_after_the_task_timed_out_gets_task_timed_out(store: Store) -> None:
    workflows, clock, arn, token = await _waiting(store)
    for _ in range(7):  # heartbeats every 8 s keep it alive past the 10 s heartbeat interval
        clock.seconds += 8
        await workflows.engine.run_until_idle()
        await workflows.send_task_heartbeat(token)
    assert (await workflows.describe_execution(arn)).status == "RUNNING"
    clock.seconds += 8  # 64 s: TimeoutSeconds caps the task, heartbeats or not
    info = await settle(workflows, arn, clock, max_wait_ms=0)
    assert (info.status, info.error) == ("FAILED", "States.Timeout")
    with pytest.raises(TaskTimedOut):
        await workflows.send_task_success(token, "{}")
    with pytest.raises(TaskTimedOut):
        await workflows.send_task_heartbeat(token)


async def test_a_missed_heartbeat_fails_the_task(store: Store) -> None:
    workflows, clock, arn, _ = await _waiting(store)
    info = await settle(workflows, arn, clock)
    assert (info.status, info.error) == ("FAILED", "States.HeartbeatTimeout")


async def test_unknown_and_malformed_tokens_are_named(store: Store) -> None:
    workflows = workflows_on(store)
    with pytest.raises(InvalidToken):
        await workflows.send_task_success("not a token", "{}")
    with pytest.raises(TaskDoesNotExist):
        await workflows.send_task_success("A" * 43, "{}")


async def test_send_task_failure_fails_the_execution_with_the_callers_error(store: Store) -> None:
    workflows, clock, arn, token = await _waiting(store)
    await workflows.send_task_failure(token, "card_declined", "insufficient funds")
    info = await settle(workflows, arn, clock)
    assert (info.status, info.error, info.cause) == (
        "FAILED",
        "card_declined",
        "insufficient funds",
    )


async def test_stop_aborts_and_withdraws_the_token(store: Store) -> None:
    workflows, _, arn, token = await _waiting(store)
    await workflows.stop_execution(arn, "Cancelled", "customer left")
    info = await workflows.describe_execution(arn)
    assert (info.status, info.error, info.cause) == ("ABORTED", "Cancelled", "customer left")
    assert info.stopped is not None
    history = (await workflows.get_execution_history(arn)).events
    assert history[-1]["type"] == "ExecutionAborted"
    with pytest.raises(TaskTimedOut):
        await workflows.send_task_success(token, "{}")
    assert await workflows.engine.next_timer_ms() is None, "its timers went with it"


async def test_start_is_idempotent_by_name_while_running(store: Store) -> None:
    workflows, clock, arn, token = await _waiting(store)
    machine = (await workflows.describe_execution(arn)).machine_arn
    again = await workflows.start_execution(machine, "order-1")
    assert again.arn == arn
    with pytest.raises(ExecutionAlreadyExists):
        await workflows.start_execution(machine, "order-1", '{"other": 1}')
    await workflows.send_task_success(token, "{}")
    await settle(workflows, arn, clock)
    with pytest.raises(ExecutionAlreadyExists):
        await workflows.start_execution(machine, "order-1")


async def test_bad_requests_are_refused_with_aws_errors(store: Store) -> None:
    workflows = workflows_on(store)
    machine = await create(
        workflows, "m", {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
    )
    with pytest.raises(InvalidExecutionInput):
        await workflows.start_execution(machine, "x", "{not json")
    with pytest.raises(InvalidName):
        await workflows.start_execution(machine, "has space")
    with pytest.raises(StateMachineDoesNotExist):
        await workflows.start_execution(machine.replace(":m", ":nope"))
    with pytest.raises(ExecutionDoesNotExist):
        await workflows.describe_execution(machine.replace("stateMachine:m", "execution:m:x"))
    with pytest.raises(StateMachineAlreadyExists):
        await create(
            workflows, "m", {"StartAt": "Q", "States": {"Q": {"Type": "Pass", "End": True}}}
        )
    with pytest.raises(InvalidDefinition, match="Missing 'Next' target: Z"):
        await create(
            workflows, "bad", {"StartAt": "P", "States": {"P": {"Type": "Pass", "Next": "Z"}}}
        )
    with pytest.raises(StateMachineTypeNotSupported):
        await workflows.start_sync_execution(machine)


async def test_running_executions_keep_the_definition_they_started_with(store: Store) -> None:
    workflows, clock, arn, token = await _waiting(store)
    machine = (await workflows.describe_execution(arn)).machine_arn
    await workflows.update_state_machine(
        machine, json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    )
    await workflows.send_task_success(token, '{"from": "old definition"}')
    info = await settle(workflows, arn, clock)
    assert json.loads(info.output) == {"from": "old definition"}
    fresh = await workflows.start_execution(machine, "order-2", '{"n": 2}')
    assert (await settle(workflows, fresh.arn, clock)).output == '{"n":2}'


async def test_history_pages_newest_first_or_oldest_first(store: Store) -> None:
    clock = VirtualClock()
    workflows = workflows_on(store, clock=clock)
    chain = {
        "StartAt": "S0",
        "States": {
            f"S{i}": {"Type": "Pass", **({"Next": f"S{i + 1}"} if i < 4 else {"End": True})}
            for i in range(5)
        },
    }
    machine = await create(workflows, "chain", chain)
    arn = (await workflows.start_execution(machine, "e")).arn
    first = await workflows.get_execution_history(arn, max_results=5)
    second = await workflows.get_execution_history(arn, max_results=5, next_token=first.next_token)
    ids = [e["id"] for e in first.events + second.events]
    assert ids == list(range(1, 11)) and second.next_token is not None
    newest = await workflows.get_execution_history(arn, max_results=1, reverse=True)
    assert newest.events[0]["type"] == "ExecutionSucceeded"
    listed, _ = await workflows.list_executions(machine, status="SUCCEEDED")
    assert [e.name for e in listed] == ["e"]


async def test_express_runs_in_memory_and_answers_synchronously(store: Store) -> None:
    workflows = workflows_on(store, {"double": lambda e, c: {"n": e["n"] * 2}})
    definition = {
        "StartAt": "Double",
        "States": {"Double": {"Type": "Task", "Resource": "double", "End": True}},
    }
    machine = await create(workflows, "fast", definition, type="EXPRESS")
    result = await workflows.start_sync_execution(machine, input='{"n": 21}')
    assert (result.status, result.output) == ("SUCCEEDED", '{"n":42}')
    with pytest.raises(InvalidDefinition):
        await create(workflows, "callback", CALLBACK, type="EXPRESS")


async def test_integrations_paybus_does_not_have_fail_the_execution_visibly(store: Store) -> None:
    clock = VirtualClock()
    workflows = workflows_on(store, clock=clock)
    definition = {
        "StartAt": "Send",
        "States": {
            "Send": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sns:publish",
                "Parameters": {"TopicArn": "t", "Message": "hi"},
                "End": True,
            }
        },
    }
    machine = await create(workflows, "sqs", definition)
    info = await settle(workflows, (await workflows.start_execution(machine)).arn, clock)
    assert (info.status, info.error) == ("FAILED", "States.Runtime")
    assert "integration not available" in info.cause


async def test_a_failing_handler_reports_its_exception_like_lambda(store: Store) -> None:
    def broken(event: Any, context: Any) -> Any:
        raise ValueError("no such customer")

    clock = VirtualClock()
    workflows = workflows_on(store, {"broken": broken}, clock)
    definition = {
        "StartAt": "T",
        "States": {"T": {"Type": "Task", "Resource": "broken", "End": True}},
    }
    machine = await create(workflows, "broken", definition)
    info = await settle(workflows, (await workflows.start_execution(machine)).arn, clock)
    assert (info.status, info.error) == ("FAILED", "ValueError")
    assert json.loads(info.cause)["errorMessage"] == "no such customer"


async def test_a_task_starts_a_child_execution_and_waits_for_its_output(store: Store) -> None:
    clock = VirtualClock()
    workflows = workflows_on(store, {"double": lambda e, c: {"n": e["n"] * 2}}, clock)
    child = await create(
        workflows,
        "child",
        {"StartAt": "D", "States": {"D": {"Type": "Task", "Resource": "double", "End": True}}},
    )
    parent = {
        "StartAt": "Run child",
        "States": {
            "Run child": {
                "Type": "Task",
                "Resource": "arn:aws:states:::states:startExecution.sync:2",
                "Parameters": {"StateMachineArn": child, "Input": {"n.$": "$.n"}},
                "OutputPath": "$.Output",
                "End": True,
            }
        },
    }
    machine = await create(workflows, "parent", parent)
    started = await workflows.start_execution(machine, "p", '{"n": 21}')
    info = await settle(workflows, started.arn, clock)
    assert (info.status, info.output) == ("SUCCEEDED", '{"n":42}')
    children, _ = await workflows.list_executions(child)
    assert [c.status for c in children] == ["SUCCEEDED"]
