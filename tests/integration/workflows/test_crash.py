"""SIGKILL the worker again and again while executions wait on retry backoff, Wait states and
task tokens: after restarts every execution finishes with the right output, exactly once.

PAYBUS_SOAK=1 runs many more rounds and executions.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from paybus.core.errors import TaskTimedOut
from paybus.runtime.workflows import Workflows, build_workflows
from paybus.store.store import open_store
from paybus.store.workflows import work

PROGRAM = Path(__file__).parents[1] / "programs" / "workflow_worker.py"
SOAK = os.environ.get("PAYBUS_SOAK") == "1"
ROUNDS = 30 if SOAK else 4
EXECUTIONS = 200 if SOAK else 12
MACHINE = {
    "StartAt": "Work",
    "States": {
        "Work": {
            "Type": "Task",
            "Resource": "work",
            "Parameters": {"n.$": "$.n", "retry.$": "$$.State.RetryCount"},
            "ResultPath": "$.work",
            "Retry": [
                {"ErrorEquals": ["Lambda.ServiceException"], "IntervalSeconds": 1, "MaxAttempts": 5}
            ],
            "Next": "Pause",
        },
        "Pause": {"Type": "Wait", "Seconds": 1, "Next": "Approve"},
        "Approve": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
            "Parameters": {
                "FunctionName": "register",
                "Payload": {"token.$": "$$.Task.Token", "n.$": "$.n"},
            },
            "ResultPath": "$.approval",
            "Next": "Done",
        },
        "Done": {"Type": "Pass", "End": True},
    },
}


def _spawn(url: str) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, str(PROGRAM), url], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "ready"
    return process


def _kill(process: subprocess.Popen[str]) -> None:
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL


async def _approve_waiting(workflows: Workflows, arns: list[str]) -> int:
    """Play the webhook: answer every token an execution waits on."""
    answered = 0
    for n, arn in enumerate(arns):
        for token in await workflows.store.read(lambda a=arn: work.open_tokens(a)):
            with contextlib.suppress(TaskTimedOut):
                await workflows.send_task_success(token, json.dumps({"n": n}))
                answered += 1
    return answered


async def _open(workflows: Workflows, arns: list[str]) -> list[str]:
    return [a for a in arns if (await workflows.describe_execution(a)).status == "RUNNING"]


async def _crash_loop(url: str) -> None:
    store = await open_store(url)
    workflows = build_workflows(store, run_tasks_here=False)
    machine = await workflows.create_state_machine("crashy", json.dumps(MACHINE))
    arns = [
        (await workflows.start_execution(machine.arn, f"e{n}", json.dumps({"n": n}))).arn
        for n in range(EXECUTIONS)
    ]
    rng = random.Random(6)
    for _ in range(ROUNDS):
        worker = _spawn(url)
        await asyncio.sleep(rng.uniform(0.3, 1.2))
        await _approve_waiting(workflows, arns)
        _kill(worker)
    worker = _spawn(url)
    try:
        deadline = time.monotonic() + 60
        while await _open(workflows, arns):
            assert time.monotonic() < deadline, "executions did not finish after the restarts"
            await _approve_waiting(workflows, arns)
            await asyncio.sleep(0.1)
    finally:
        _kill(worker)
    for n, arn in enumerate(arns):
        info = await workflows.describe_execution(arn)
        assert info.status == "SUCCEEDED", (arn, info.error, info.cause)
        assert json.loads(info.output or "") == {
            "n": n,
            "work": {"doubled": 2 * n},
            "approval": {"n": n},
        }
        events = (await workflows.get_execution_history(arn, max_results=1000)).events
        assert [e["id"] for e in events] == list(range(1, len(events) + 1))
        closing = [e["type"] for e in events if e["type"].startswith("Execution")]
        assert closing == ["ExecutionStarted", "ExecutionSucceeded"], "finished exactly once"
        assert [e["type"] for e in events].count("TaskSucceeded") == 1
    await store.close()


async def test_sqlite_executions_survive_repeated_sigkill(tmp_path: Path) -> None:
    await _crash_loop(f"sqlite:///{tmp_path / 'paybus.db'}")


@pytest.mark.postgres
async def test_postgres_executions_survive_repeated_sigkill(pg_url: str) -> None:
    await _crash_loop(pg_url)
