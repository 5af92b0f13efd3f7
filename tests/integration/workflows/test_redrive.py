"""RedriveExecution: a failed (or stopped) execution restarts at the state where it stopped,
with the same input, definition, ARN and variables; the states that succeeded do not run again."""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest

from paybus.core.errors import ExecutionDoesNotExist, ExecutionNotRedrivable, TaskTimedOut
from paybus.store.store import Store
from paybus.store.workflows import work

from .helpers import VirtualClock, create, settle, workflows_on

PAYMENT = {
    "StartAt": "Prepare",
    "States": {
        "Prepare": {
            "Type": "Pass",
            "Assign": {"order.$": "$.order"},
            "Result": {"prepared": True},
            "ResultPath": "$.prep",
            "Next": "Charge",
        },
        "Charge": {
            "Type": "Task",
            "Resource": "charge",
            "Parameters": {"order.$": "$order", "redrives.$": "$$.Execution.RedriveCount"},
            "ResultPath": "$.charge",
            "Next": "Done",
        },
        "Done": {"Type": "Pass", "End": True},
    },
}


class Flaky:
    """Fails its first call (the processor was down), succeeds afterwards."""

    def __init__(self) -> None:
        self.calls: list[Any] = []

    def __call__(self, event: Any, context: Any) -> Any:
        self.calls.append(event)
        if len(self.calls) == 1:
            raise ConnectionError("processor unavailable")
        return {"charged": event["order"], "after_redrives": event["redrives"]}


async def test_a_failed_execution_resumes_at_the_failed_state(store: Store) -> None:
    clock, charge = VirtualClock(), Flaky()
    workflows = workflows_on(store, {"charge": charge}, clock)
    machine = await create(workflows, "pay", PAYMENT)
    started = await workflows.start_execution(machine, "o1", json.dumps({"order": "o-1"}))
    failed = await settle(workflows, started.arn, clock)
    assert (failed.status, failed.error) == ("FAILED", "ConnectionError")
    assert (failed.redrive_status, failed.redrive_count) == ("REDRIVABLE", 0)

    await workflows.redrive_execution(started.arn)
    info = await settle(workflows, started.arn, clock)

    assert info.status == "SUCCEEDED" and info.error is None
    output = orjson.loads(info.output or "")
    assert output["charge"] == {"charged": "o-1", "after_redrives": 1}  # the variable survived
    assert output["prep"] == {"prepared": True}
    assert len(charge.calls) == 2 and info.redrive_count == 1 and info.redrive_date is not None
    types = [e["type"] for e in (await workflows.get_execution_history(info.arn)).events]
    assert types.count("PassStateEntered") == 2  # Prepare once, Done once: Prepare not re-run
    redriven = types.index("ExecutionRedriven")
    assert types[redriven - 1] == "ExecutionFailed" and types[redriven + 1] == "TaskStateEntered"
    assert info.redrive_status == "NOT_REDRIVABLE"
    assert info.redrive_status_reason == "Execution is SUCCEEDED and cannot be redriven"


async def test_only_closed_unsuccessful_executions_are_redrivable(store: Store) -> None:
    clock = VirtualClock()
    workflows = workflows_on(store, {"charge": lambda e, c: "ok"}, clock)
    machine = await create(workflows, "pay", PAYMENT)
    started = await workflows.start_execution(machine, "o1", json.dumps({"order": "o-1"}))
    assert (await settle(workflows, started.arn, clock)).status == "SUCCEEDED"
    with pytest.raises(ExecutionNotRedrivable, match="SUCCEEDED and cannot be redriven"):
        await workflows.redrive_execution(started.arn)
    with pytest.raises(ExecutionDoesNotExist):
        await workflows.redrive_execution(started.arn.replace(":o1", ":nope"))


async def test_a_stopped_callback_task_gets_a_new_token_when_redriven(store: Store) -> None:
    clock = VirtualClock()
    workflows = workflows_on(store, {"ask": lambda e, c: None}, clock)
    definition = {
        "StartAt": "Wait",
        "States": {
            "Wait": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                "Parameters": {"FunctionName": "ask", "Payload": {"t.$": "$$.Task.Token"}},
                "End": True,
            }
        },
    }
    machine = await create(workflows, "callback", definition)
    started = await workflows.start_execution(machine, "c1")
    await settle(workflows, started.arn, clock)
    first = await workflows.engine.store.read(lambda: _open_tokens(started.arn))
    with pytest.raises(ExecutionNotRedrivable, match="RUNNING"):
        await workflows.redrive_execution(started.arn)
    await workflows.stop_execution(started.arn, "Ops.Stopped", "by hand")
    await workflows.redrive_execution(started.arn)
    await settle(workflows, started.arn, clock)
    [second] = await workflows.engine.store.read(lambda: _open_tokens(started.arn))
    assert second not in first
    with pytest.raises(TaskTimedOut):
        await workflows.send_task_success(first[0], "{}")
    await workflows.send_task_success(second, '"paid"')
    info = await workflows.describe_execution(started.arn)
    assert (info.status, info.output) == ("SUCCEEDED", '"paid"')


def _open_tokens(arn: str) -> Any:
    return work.open_tokens(arn)


def _counting(fail_first_for: Any) -> tuple[list[Any], Any]:
    calls: list[Any] = []

    def handler(event: Any, context: Any) -> Any:
        calls.append(event)
        key = event["n"] if isinstance(event, dict) else event
        if key == fail_first_for and calls.count(event) == 1:
            raise ConnectionError(f"{key} unavailable")
        return {"done": key}

    return calls, handler


async def test_a_redriven_parallel_reruns_only_the_branch_that_failed(store: Store) -> None:
    clock = VirtualClock()
    calls, work = _counting("capture")
    workflows = workflows_on(store, {"work": work}, clock)

    def branch(name: str) -> dict[str, Any]:
        task = {"Type": "Task", "Resource": "work", "Parameters": {"n": name}, "End": True}
        return {"StartAt": name, "States": {name: task}}

    definition = {
        "StartAt": "Settle",
        "States": {
            "Settle": {
                "Type": "Parallel",
                "Branches": [branch("ledger"), branch("capture")],
                "End": True,
            }
        },
    }
    machine = await create(workflows, "settle", definition)
    started = await workflows.start_execution(machine, "s1")
    assert (await settle(workflows, started.arn, clock)).status == "FAILED"
    await workflows.redrive_execution(started.arn)
    info = await settle(workflows, started.arn, clock)
    assert info.status == "SUCCEEDED"
    assert orjson.loads(info.output or "") == [{"done": "ledger"}, {"done": "capture"}]
    assert calls.count({"n": "ledger"}) == 1 and calls.count({"n": "capture"}) == 2


async def test_a_redriven_map_reruns_only_the_iterations_that_failed(store: Store) -> None:
    clock = VirtualClock()
    calls, work = _counting(2)
    workflows = workflows_on(store, {"work": work}, clock)
    processor = {
        "StartAt": "Do",
        "States": {"Do": {"Type": "Task", "Resource": "work", "End": True}},
    }
    definition = {
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "MaxConcurrency": 1,
                "ItemProcessor": processor,
                "End": True,
            }
        },
    }
    machine = await create(workflows, "each", definition)
    started = await workflows.start_execution(machine, "m1", json.dumps({"items": [1, 2, 3]}))
    assert (await settle(workflows, started.arn, clock)).status == "FAILED"
    assert calls == [1, 2]  # one at a time: the third never started
    await workflows.redrive_execution(started.arn)
    info = await settle(workflows, started.arn, clock)
    assert info.status == "SUCCEEDED"
    assert orjson.loads(info.output or "") == [{"done": 1}, {"done": 2}, {"done": 3}]
    assert calls == [1, 2, 2, 3]
