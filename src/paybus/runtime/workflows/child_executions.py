"""`arn:aws:states:::states:startExecution` (and `.sync`, `.sync:2`): a Task starts another
state machine's execution; with `.sync` it waits for that execution to close.

The child's name makes a re-run of the task (after a worker died) find the same child instead
of starting a second one: without a `Name`, paybus derives one from the parent task.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import orjson

from paybus.core.asl import InvokeTask
from paybus.core.errors import FunctionError
from paybus.runtime.workflows.integrations import TaskIntegration

if TYPE_CHECKING:
    from paybus.runtime.workflows.service import ExecutionInfo, Workflows


def child_executions(workflows: Callable[[], Workflows]) -> TaskIntegration:
    async def start_execution(task: InvokeTask, execution_arn: str) -> Any:
        parameters = task.parameters if isinstance(task.parameters, dict) else {}
        machine = parameters.get("StateMachineArn")
        if not isinstance(machine, str):
            raise FunctionError(
                "The field 'StateMachineArn' is required by states:startExecution",
                "States.Runtime",
            )
        name = parameters.get("Name") or _derived_name(task)
        value = parameters.get("Input", {})
        text = value if isinstance(value, str) else orjson.dumps(value).decode()
        started = await workflows().start_execution(machine, name, text)
        if not task.resource.removesuffix(".waitForTaskToken").endswith((".sync", ".sync:2")):
            return {"ExecutionArn": started.arn, "StartDate": started.started.isoformat()}
        info = await workflows().wait_for_execution(started.arn)
        return _sync_result(info, as_json=task.resource.endswith(":2"))

    return start_execution


def _derived_name(task: InvokeTask) -> str:
    digest = hashlib.sha256(f"{task.token}:{task.task_id}:{task.parameters}".encode())
    return f"child-{digest.hexdigest()[:32]}"


def _sync_result(info: ExecutionInfo, *, as_json: bool) -> Any:
    if info.status != "SUCCEEDED":
        # AWS: the parent task fails with States.TaskFailed, the child's describe as the cause
        cause = orjson.dumps(
            {
                "ExecutionArn": info.arn,
                "Status": info.status,
                "Error": info.error,
                "Cause": info.cause,
            }
        ).decode()
        raise FunctionError(cause, "States.TaskFailed")
    output: Any = info.output
    if as_json and output is not None:
        output = orjson.loads(output)
    return {
        "ExecutionArn": info.arn,
        "Input": info.input,
        "Name": info.name,
        "Output": output,
        "StartDate": int(info.started.timestamp() * 1000),
        "StateMachineArn": info.machine_arn,
        "Status": info.status,
        "StopDate": int(info.stopped.timestamp() * 1000) if info.stopped else None,
    }
