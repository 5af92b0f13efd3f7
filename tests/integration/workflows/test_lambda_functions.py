"""Lambda Task states run the functions declared in `[[functions]]` (and the
`[workflows.functions]` shorthand) through the one function registry, with Lambda's errors."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import orjson
import pytest

from paybus.core.errors import ConfigError
from paybus.runtime.config import PaybusConfig
from paybus.runtime.workflows import Workflows, build_workflows
from paybus.runtime.workflows.functions import declared_registry
from paybus.store.store import Store

from .helpers import VirtualClock, create, settle

HANDLERS = """
import time

def echo(event, context):
    return {"got": event, "name": context.function_name,
            "remaining_ms": context.get_remaining_time_in_millis()}

class CardDeclined(Exception):
    pass

def decline(event, context):
    raise CardDeclined("card_declined: insufficient funds")

def slow(event, context):
    time.sleep(2)
    return "late"
"""


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> PaybusConfig:
    module = f"sfn_handlers_{tmp_path.name.replace('-', '_')}"
    (tmp_path / f"{module}.py").write_text(textwrap.dedent(HANDLERS))
    monkeypatch.syspath_prepend(str(tmp_path))
    return PaybusConfig.model_validate(
        {
            "functions": [
                {"name": "charge", "handler": f"{module}:echo", "timeout": 5},
                {"name": "decline", "handler": f"{module}:decline"},
                {"name": "slow", "handler": f"{module}:slow", "timeout": 1},
                {"name": "single", "handler": f"{module}:echo", "reserved_concurrency": 0},
            ],
            "workflows": {"functions": {"short": f"{module}:echo"}},
        }
    )


def task(resource: str, **extra: Any) -> dict[str, Any]:
    state = {"Type": "Task", "Resource": resource, "End": True, **extra}
    return {"StartAt": "T", "States": {"T": state}}


async def run(workflows: Workflows, definition: Any, name: str) -> Any:
    clock = VirtualClock()
    workflows.store.clock = clock
    machine = await create(workflows, name, definition)
    started = await workflows.start_execution(machine, "e1", json.dumps({"amount": 42}))
    info = await settle(workflows, started.arn, clock)
    if info.status == "RUNNING":  # a function still running on its thread (the slow one)
        info = await workflows.wait_for_execution(started.arn, timeout=10)
    return info


async def test_task_states_reach_declared_functions_by_arn_name_and_lambda_invoke(
    store: Store, config: PaybusConfig
) -> None:
    workflows = build_workflows(store, config, functions=declared_registry(store, config))
    by_arn = await run(
        workflows, task("arn:aws:lambda:us-west-2:123456789123:function:charge"), "by-arn"
    )
    output = orjson.loads(by_arn.output)
    assert output["got"] == {"amount": 42} and output["name"] == "charge"
    assert 0 < output["remaining_ms"] <= 5000  # the declared timeout, not a default
    short = await run(workflows, task("short"), "by-name")
    assert orjson.loads(short.output)["name"] == "short"
    invoked = await run(
        workflows,
        task(
            "arn:aws:states:::lambda:invoke",
            Parameters={"FunctionName": "charge", "Payload": {"n.$": "$.amount"}},
        ),
        "invoke",
    )
    result = orjson.loads(invoked.output)
    assert result["StatusCode"] == 200 and result["Payload"]["got"] == {"n": 42}


async def test_handler_errors_reach_the_execution_in_lambdas_shape(
    store: Store, config: PaybusConfig
) -> None:
    workflows = build_workflows(store, config, functions=declared_registry(store, config))
    declined = await run(workflows, task("decline"), "declined")
    assert declined.status == "FAILED" and declined.error == "CardDeclined"
    cause = orjson.loads(declined.cause)
    assert cause["errorType"] == "CardDeclined"
    assert cause["errorMessage"] == "card_declined: insufficient funds"
    assert any("raise CardDeclined" in line for line in cause["stackTrace"])
    timed_out = await run(workflows, task("arn:aws:lambda:us-east-1:1:function:slow"), "slow")
    assert timed_out.error == "Lambda.Unknown"
    assert "Task timed out after 1.00 seconds" in timed_out.cause
    throttled = await run(workflows, task("single"), "throttled")
    assert throttled.error == "Lambda.TooManyRequestsException"
    missing = await run(workflows, task("nobody"), "missing")
    assert missing.error == "Lambda.ResourceNotFoundException"


async def test_caught_lambda_errors_use_the_handlers_exception_name(
    store: Store, config: PaybusConfig
) -> None:
    workflows = build_workflows(store, config, functions=declared_registry(store, config))
    definition = task(
        "decline",
        Catch=[{"ErrorEquals": ["CardDeclined"], "ResultPath": "$.failure", "Next": "Done"}],
    )
    del definition["States"]["T"]["End"]
    definition["States"]["T"]["Next"] = "Done"
    definition["States"]["Done"] = {"Type": "Pass", "End": True}
    info = await run(workflows, definition, "caught")
    assert info.status == "SUCCEEDED"
    assert orjson.loads(info.output)["failure"]["Error"] == "CardDeclined"


def test_a_function_declared_twice_is_a_config_error_naming_the_replacement() -> None:
    config = PaybusConfig.model_validate(
        {
            "functions": [{"name": "charge", "handler": "m:f"}],
            "workflows": {"functions": {"charge": "m:g"}},
        }
    )
    with pytest.raises(ConfigError, match=r"keep the \[\[functions\]\] entry"):
        declared_registry(None, config)  # type: ignore[arg-type]
