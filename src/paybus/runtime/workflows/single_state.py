"""TestState: run one state on its own, in memory, and report what it did.

The state runs inside a small machine: a `Pass` that sets the given variables first, then the
state, its `Next` targets replaced by `Succeed` stubs (so the run stops there and names the next
state). A `Wait` does not wait; Retry is not applied but reported (`RETRIABLE`), as AWS does; a
Catch that handles the error gives `CAUGHT_ERROR`. Tasks really run (functions, integrations).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from paybus.core.asl import HistoryEvent, InvalidDefinition, StartExecution, parse_definition
from paybus.core.asl import retry as retry_policy
from paybus.core.errors import ValidationError
from paybus.runtime.workflows.engine import WorkflowEngine
from paybus.runtime.workflows.express import ExpressRun

PRELUDE = "paybus:variables"
_FAILED = ("Failed", "TimedOut", "StartFailed", "SubmitFailed")


@dataclass(frozen=True)
class StateTestResult:
    status: str  # SUCCEEDED | FAILED | RETRIABLE | CAUGHT_ERROR
    output: str | None = None
    error: str | None = None
    cause: str | None = None
    next_state: str | None = None
    inspection: dict[str, Any] | None = None


async def run_state_test(
    engine: WorkflowEngine,
    definition: str,
    input: str | None = None,
    *,
    state_name: str | None = None,
    variables: str | None = None,
    machine_arn: str = "arn:aws:states:us-east-1:000000000000:stateMachine:TestState",
) -> StateTestResult:
    name, state, language = _the_state(definition, state_name)
    value = _json(input or "{}", "input")
    machine = _machine(name, state, language, _json(variables or "{}", "variables"))
    run = ExpressRun(parse_definition(orjson.dumps(machine).decode()), engine.runner, engine.now)
    arn = machine_arn.replace(":stateMachine:", ":express:") + f":test:{uuid.uuid4().hex}"
    outcome = await run.run(StartExecution(engine.now(), value, arn, machine_arn, uuid.uuid4().hex))
    return _result(name, state, run.history, outcome.status, outcome.output, value)


def _the_state(text: str, state_name: str | None) -> tuple[str, dict[str, Any], str]:
    parsed = _json(text, "definition")
    if not isinstance(parsed, dict):
        raise InvalidDefinition(["SCHEMA_VALIDATION_FAILED: the definition must be an object"])
    language = str(parsed.get("QueryLanguage", "JSONPath"))
    if "States" not in parsed:
        return "TestState", parsed, language
    if state_name is None or state_name not in parsed["States"]:
        raise ValidationError(
            f"stateName {state_name!r} must name a state of the definition's top-level States"
        )
    return state_name, dict(parsed["States"][state_name]), language


def _machine(name: str, state: dict[str, Any], language: str, variables: Any) -> dict[str, Any]:
    tested = dict(state)
    tested.pop("Retry", None)
    if tested.get("Type") == "Wait":
        kept = ("Comment", "InputPath", "OutputPath", "Output", "Assign", "Next", "End")
        tested = {"Type": "Pass", **{k: v for k, v in state.items() if k in kept}}
    states: dict[str, Any] = {name: tested}
    for target in _targets(state):
        if target != name:
            states[target] = {"Type": "Succeed"}
    start = name
    if isinstance(variables, dict) and variables:
        assign = {k: v for k, v in variables.items()}
        states[PRELUDE] = {"Type": "Pass", "Assign": assign, "Next": name}
        start = PRELUDE
    return {"QueryLanguage": language, "StartAt": start, "States": states}


def _targets(state: Mapping[str, Any]) -> list[str]:
    found = [state["Next"]] if "Next" in state else []
    found += [rule["Next"] for rule in state.get("Choices", ()) if "Next" in rule]
    found += [state["Default"]] if "Default" in state else []
    found += [catcher["Next"] for catcher in state.get("Catch", ()) if "Next" in catcher]
    return [t for t in found if isinstance(t, str)]


def _result(
    name: str,
    state: Mapping[str, Any],
    history: list[HistoryEvent],
    status: str,
    output: Any,
    input: Any,
) -> StateTestResult:
    failure = next((e for e in history if e.type.endswith(_FAILED) and e.details), None)
    error = failure.details.get("error") if failure and failure.details else None
    cause = failure.details.get("cause") if failure and failure.details else None
    entered = [e.details["name"] for e in history if e.type.endswith("StateEntered") and e.details]
    after = [n for n in entered if n not in (name, PRELUDE)]
    next_state = after[0] if after else None
    inspection = {"input": orjson.dumps(input).decode()}
    text = None if output is None else orjson.dumps(output).decode()
    if status == "SUCCEEDED":
        caught = failure is not None and next_state is not None
        result_status = "CAUGHT_ERROR" if caught else "SUCCEEDED"
        return StateTestResult(result_status, text, error, cause, next_state, inspection)
    final = next((e for e in reversed(history) if e.type == "ExecutionFailed"), None)
    if final is not None and final.details:
        error, cause = final.details.get("error", error), final.details.get("cause", cause)
    retriers = state.get("Retry")
    retriable = retry_policy.first_match(retriers, error or "")
    if retriable is not None and retriers and retry_policy.max_attempts(retriers[retriable]):
        return StateTestResult("RETRIABLE", None, error, cause, None, inspection)
    return StateTestResult("FAILED", None, error, cause, None, inspection)


def _json(text: str, what: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as problem:
        raise ValidationError(f"Invalid {what}: not a JSON text: {problem}") from None
