"""`paybus sfn ...` end to end: the AWS CLI's commands on a real store, and `sfn run`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from paybus.cli.main import app
from paybus.core.errors import TaskTimedOut

runner = CliRunner()
SEED_MACHINE = "arn:aws:states:us-west-2:123456789123:stateMachine:MyStateMachine-h9czfryzj"
CALLBACK = {
    "StartAt": "WaitForWebhook",
    "States": {
        "WaitForWebhook": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
            "Parameters": {"FunctionName": "register", "Payload": {"token.$": "$$.Task.Token"}},
            "ResultPath": "$.payment",
            "End": True,
        }
    },
}


def sfn(store_url: str, *args: str) -> Any:
    result = runner.invoke(app, ["sfn", *args, "--store", store_url])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == 0, result.output
    return json.loads(result.output) if result.output.strip() else None


def test_the_seed_start_execution_command_and_a_task_token_callback(
    store_url: str, tmp_path: Path
) -> None:
    definition = tmp_path / "payment.asl.json"
    definition.write_text(json.dumps(CALLBACK))
    created = sfn(
        store_url,
        "create-state-machine",
        "--name",
        "MyStateMachine-h9czfryzj",
        "--definition",
        f"file://{definition}",
    )
    assert created["stateMachineArn"].endswith(":MyStateMachine-h9czfryzj")
    started = sfn(
        store_url,
        "start-execution",
        "--state-machine-arn",
        SEED_MACHINE,
        "--input",
        '{"key":"value"}',
    )
    arn = started["executionArn"]
    assert sfn(store_url, "describe-execution", "--execution-arn", arn)["status"] == "RUNNING"
    events = sfn(store_url, "get-execution-history", "--execution-arn", arn)["events"]
    scheduled = next(e for e in events if e["type"] == "TaskScheduled")
    token = json.loads(scheduled["taskScheduledEventDetails"]["parameters"])["Payload"]["token"]

    sfn(store_url, "send-task-success", "--task-token", token, "--task-output", '{"ok":true}')
    described = sfn(store_url, "describe-execution", "--execution-arn", arn)
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {"key": "value", "payment": {"ok": True}}
    try:
        sfn(store_url, "send-task-success", "--task-token", token, "--task-output", "{}")
    except TaskTimedOut:
        pass
    else:
        raise AssertionError("a second callback must be refused with TaskTimedOut")
    listed = sfn(store_url, "list-executions", "--state-machine-arn", SEED_MACHINE)
    assert [e["executionArn"] for e in listed["executions"]] == [arn]


def test_stop_execution_aborts_a_waiting_execution(store_url: str) -> None:
    sfn(store_url, "create-state-machine", "--name", "wait", "--definition", json.dumps(CALLBACK))
    arn = sfn(store_url, "start-execution", "--state-machine-arn", "wait")["executionArn"]
    sfn(store_url, "stop-execution", "--execution-arn", arn, "--error", "Cancelled")
    described = sfn(store_url, "describe-execution", "--execution-arn", arn)
    assert (described["status"], described["error"]) == ("ABORTED", "Cancelled")
    assert described["redriveStatus"] == "REDRIVABLE"
    assert "redriveDate" in sfn(store_url, "redrive-execution", "--execution-arn", arn)
    described = sfn(store_url, "describe-execution", "--execution-arn", arn)
    assert (described["status"], described["redriveCount"]) == ("RUNNING", 1)


def test_run_prints_the_result_and_the_history(tmp_path: Path, monkeypatch: Any) -> None:
    (tmp_path / "greeting.py").write_text(
        "def greet(event, context):\n    return {'hello': event['name']}\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    definition = tmp_path / "greet.json"
    definition.write_text(
        json.dumps(
            {
                "StartAt": "Greet",
                "States": {
                    "Greet": {
                        "Type": "Task",
                        "Resource": "arn:aws:lambda:region:account:function:greet",
                        "End": True,
                    }
                },
            }
        )
    )
    result = runner.invoke(
        app,
        [
            "sfn",
            "run",
            "--definition",
            str(definition),
            "--input",
            '{"name": "Ada"}',
            "--function",
            "greet=greeting:greet",
            "--history",
        ],
    )
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert (printed["status"], printed["output"]) == ("SUCCEEDED", {"hello": "Ada"})
    assert printed["history"][-1]["type"] == "ExecutionSucceeded"
    sys.modules.pop("greeting", None)


def test_run_exits_1_with_the_error_of_a_failed_execution(tmp_path: Path) -> None:
    definition = tmp_path / "fail.json"
    definition.write_text(
        json.dumps(
            {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Nope", "Cause": "why"}}}
        )
    )
    result = runner.invoke(app, ["sfn", "run", "--definition", str(definition)])
    assert result.exit_code == 1
    assert json.loads(result.output) == {
        "status": "FAILED",
        "output": None,
        "error": "Nope",
        "cause": "why",
    }


def test_run_waits_for_a_slow_task_declared_in_the_project_file(
    tmp_path: Path, monkeypatch: Any
) -> None:
    (tmp_path / "slow_steps.py").write_text(
        "import time\n\ndef settle(event, context):\n    time.sleep(0.3)\n    return 'settled'\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "paybus.toml").write_text(
        '[[functions]]\nname = "settle"\nhandler = "slow_steps:settle"\n'
    )
    definition = tmp_path / "flow.json"
    state = {"Type": "Task", "Resource": "settle", "End": True}
    definition.write_text(json.dumps({"StartAt": "S", "States": {"S": state}}))
    config = str(tmp_path / "paybus.toml")
    result = runner.invoke(app, ["sfn", "run", "--definition", str(definition), "-c", config])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["output"] == "settled"
    sys.modules.pop("slow_steps", None)
