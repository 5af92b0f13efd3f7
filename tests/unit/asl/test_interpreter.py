"""The interpreter's behaviour per state type, driven through the in-memory test driver."""

from __future__ import annotations

import json
from typing import Any

from paybus.core.asl import StartExecution, TaskSucceeded, parse_definition, step

from .harness import EXECUTION_ARN, MACHINE_ARN, START, Driver, TaskError


def machine(**states: Any) -> dict[str, Any]:
    return {"StartAt": next(iter(states)), "States": states}


def test_pass_applies_the_five_processing_fields_in_order() -> None:
    driver = Driver.of(
        machine(
            A={
                "Type": "Pass",
                "InputPath": "$.in",
                "Parameters": {"doubled.$": "States.MathAdd($.v, $.v)", "name.$": "$$.State.Name"},
                "ResultPath": "$.in.out",
                "OutputPath": "$.in",
                "End": True,
            }
        )
    ).start({"in": {"v": 4}, "drop": 1})
    assert driver.output == {"v": 4, "out": {"doubled": 8, "name": "A"}}


def test_result_path_into_a_scalar_fails_with_result_path_match_failure() -> None:
    driver = Driver.of(
        machine(A={"Type": "Pass", "Result": 1, "ResultPath": "$.x.y", "End": True})
    ).start({"x": "scalar"})
    assert driver.error == "States.ResultPathMatchFailure"


def test_task_retry_backoff_is_capped_and_jitter_comes_from_the_seed() -> None:
    attempts: list[Any] = []

    def flaky(event: Any) -> Any:
        attempts.append(event)
        if len(attempts) < 4:
            raise TaskError("Busy", "try later")
        return "done"

    definition = machine(
        T={
            "Type": "Task",
            "Resource": "flaky",
            "End": True,
            "Retry": [
                {
                    "ErrorEquals": ["Busy"],
                    "IntervalSeconds": 3,
                    "MaxAttempts": 5,
                    "BackoffRate": 2,
                    "MaxDelaySeconds": 5,
                }
            ],
        }
    )
    driver = Driver.of(definition, {"flaky": flaky}).start({})
    assert driver.output == "done"
    assert (driver.now - START).total_seconds() == 3 + 5 + 5
    jittered = dict(definition)
    jittered["States"]["T"]["Retry"][0]["JitterStrategy"] = "FULL"
    runs = []
    for _ in range(2):
        attempts.clear()
        runs.append(Driver.of(jittered, {"flaky": flaky}).start({}).now)
    assert runs[0] == runs[1] and (runs[0] - START).total_seconds() < 13


def test_catch_places_the_error_output_at_its_result_path() -> None:
    def boom(event: Any) -> Any:
        raise TaskError("CardDeclined", "insufficient funds")

    driver = Driver.of(
        machine(
            T={
                "Type": "Task",
                "Resource": "boom",
                "Next": "Done",
                "Catch": [
                    {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Recover"}
                ],
            },
            Recover={"Type": "Pass", "End": True},
            Done={"Type": "Succeed"},
        ),
        {"boom": boom},
    ).start({"order": 1})
    assert driver.output == {
        "order": 1,
        "error": {"Error": "CardDeclined", "Cause": "insufficient funds"},
    }
    # a bare function name is a Lambda function: legacy LambdaFunction* events
    assert driver.event_types[-5:-2] == [
        "LambdaFunctionFailed",
        "TaskStateExited",
        "PassStateEntered",
    ]


def test_runtime_errors_are_not_caught_by_states_all() -> None:
    driver = Driver.of(
        machine(
            T={
                "Type": "Task",
                "Resource": "f",
                "InputPath": "$.missing",
                "End": True,
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "R"}],
            },
            R={"Type": "Succeed"},
        ),
        {"f": lambda e: e},
    ).start({})
    assert driver.error == "States.Runtime"
    assert driver.cause is not None
    assert driver.cause.startswith(
        "An error occurred while executing the state 'T' (entered at the event id #2)."
    )


def test_heartbeat_timeout_and_heartbeats_that_keep_a_task_alive() -> None:
    definition = machine(
        T={
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {"token.$": "$$.Task.Token"},
            "HeartbeatSeconds": 10,
            "TimeoutSeconds": 100,
            "End": True,
        }
    )
    driver = Driver.of(definition, {"sendMessage.waitForTaskToken": lambda e: {}}).start({})
    token = driver.waiting_tokens[0]
    driver.advance(8)
    driver.send_heartbeat(token)
    driver.advance(8)
    assert driver.status == "RUNNING"
    driver.advance(5)
    assert (driver.status, driver.error) == ("FAILED", "States.HeartbeatTimeout")
    assert driver.waiting_tokens == []


def test_a_late_result_for_a_closed_task_is_ignored() -> None:
    definition = parse_definition(machine(T={"Type": "Task", "Resource": "f", "End": True}))
    first = step(definition, None, StartExecution(START, {}, EXECUTION_ARN, MACHINE_ARN, "s"))
    task_id = first.effects[0].task_id  # type: ignore[union-attr]
    done = step(definition, first.state, TaskSucceeded(START, task_id, 1))
    again = step(definition, done.state, TaskSucceeded(START, task_id, 2))
    assert again.history == [] and again.state["output"] == 1


def test_map_respects_max_concurrency_and_keeps_item_order() -> None:
    definition = machine(
        M={
            "Type": "Map",
            "ItemsPath": "$.items",
            "MaxConcurrency": 2,
            "ItemSelector": {"value.$": "$$.Map.Item.Value", "index.$": "$$.Map.Item.Index"},
            "ItemProcessor": {
                "StartAt": "Work",
                "States": {
                    "Work": {
                        "Type": "Task",
                        "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                        "Parameters": {
                            "FunctionName": "work",
                            "Payload": {"token.$": "$$.Task.Token"},
                        },
                        "End": True,
                    }
                },
            },
            "End": True,
        }
    )
    driver = Driver.of(definition, {"work": lambda e: None}).start({"items": ["a", "b", "c"]})
    assert len(driver.waiting_tokens) == 2
    for answer in ("first", "second", "third"):
        driver.send_task_success(driver.waiting_tokens[0], answer)
    assert driver.output == ["first", "second", "third"]


def test_map_tolerated_failures_and_batches() -> None:
    def check(batch: Any) -> Any:
        if 3 in batch["Items"]:
            raise TaskError("Bad", "three")
        return sum(batch["Items"])

    definition = machine(
        M={
            "Type": "Map",
            "ItemBatcher": {"MaxItemsPerBatch": 2, "BatchInput": {"k": 1}},
            "ToleratedFailureCount": 1,
            "ItemProcessor": {
                "StartAt": "T",
                "States": {"T": {"Type": "Task", "Resource": "check", "End": True}},
            },
            "End": True,
        }
    )
    driver = Driver.of(definition, {"check": check}).start([1, 2, 3, 4, 5])
    assert driver.output == [3, {"Error": "Bad", "Cause": "three"}, 5]
    strict = json.loads(json.dumps(definition))
    strict["States"]["M"]["ToleratedFailureCount"] = 0
    strict["States"]["M"]["ToleratedFailurePercentage"] = 0
    assert Driver.of(strict, {"check": check}).start([1, 2, 3]).error == "Bad"


def test_a_failing_branch_aborts_its_sibling_and_withdraws_its_token() -> None:
    definition = machine(
        P={
            "Type": "Parallel",
            "End": True,
            "Branches": [
                {
                    "StartAt": "Wait",
                    "States": {
                        "Wait": {
                            "Type": "Task",
                            "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                            "Parameters": {"FunctionName": "noop", "Payload": {}},
                            "End": True,
                        }
                    },
                },
                {"StartAt": "Boom", "States": {"Boom": {"Type": "Fail", "Error": "Boom"}}},
            ],
        }
    )
    driver = Driver.of(definition, {"noop": lambda e: None}).start({})
    assert (driver.status, driver.error) == ("FAILED", "Boom")
    assert driver.waiting_tokens == []
    assert driver.event_types[-2:] == ["ParallelStateFailed", "ExecutionFailed"]


def test_wait_seconds_starts_a_timer() -> None:
    driver = Driver.of(machine(W={"Type": "Wait", "Seconds": 30, "End": True})).start(
        {"a": 1}, max_wait=None
    )
    assert (driver.now - START).total_seconds() == 30
    assert driver.output == {"a": 1}


def test_variables_are_assigned_after_the_state_and_read_later() -> None:
    driver = Driver.of(
        machine(
            A={"Type": "Pass", "Assign": {"total.$": "$.n", "label": "x"}, "Next": "B"},
            B={
                "Type": "Pass",
                "Assign": {"total.$": "States.MathAdd($total, 1)", "seen.$": "$total"},
                "Next": "C",
            },
            C={
                "Type": "Pass",
                "Parameters": {"total.$": "$total", "seen.$": "$seen", "label.$": "$label"},
                "End": True,
            },
        )
    ).start({"n": 1})
    assert driver.output == {"total": 2, "seen": 1, "label": "x"}


def test_jsonata_task_arguments_output_and_assign() -> None:
    definition = {
        "QueryLanguage": "JSONata",
        **machine(
            T={
                "Type": "Task",
                "Resource": "double",
                "Arguments": {"value": "{% $states.input.n %}", "id": "{% $uuid() %}"},
                "Assign": {"last": "{% $states.result.value %}"},
                "Output": {
                    "result": "{% $states.result.value %}",
                    "context": "{% $states.context.State.Name %}",
                },
                "Next": "Check",
            },
            Check={
                "Type": "Choice",
                "Choices": [{"Condition": "{% $last > 5 %}", "Next": "Big"}],
                "Default": "Small",
            },
            Big={"Type": "Pass", "Output": {"size": "big", "last": "{% $last %}"}, "End": True},
            Small={"Type": "Fail", "Error": "Small"},
        ),
    }
    driver = Driver.of(
        definition, {"double": lambda e: {"value": e["n" if "n" in e else "value"] * 2}}
    ).start({"n": 4})
    assert driver.output == {"size": "big", "last": 8}
    assert len(driver.invocations[0].parameters["id"]) == 36


def test_jsonata_errors_are_query_evaluation_errors_and_catchable() -> None:
    definition = {
        "QueryLanguage": "JSONata",
        **machine(
            T={
                "Type": "Task",
                "Resource": "f",
                "Arguments": "{% $states.input.a + 'x' %}",
                "Catch": [
                    {
                        "ErrorEquals": ["States.QueryEvaluationError"],
                        "Next": "Caught",
                        "Output": "{% $states.errorOutput.Error %}",
                    }
                ],
                "End": True,
            },
            Caught={"Type": "Succeed"},
        ),
    }
    driver = Driver.of(definition, {"f": lambda e: e}).start({"a": 1})
    assert driver.output == "States.QueryEvaluationError"
    assert "EvaluationFailed" in driver.event_types


def test_stop_and_execution_timeout() -> None:
    waiting = machine(W={"Type": "Wait", "Seconds": 1000, "End": True})
    assert Driver.of(waiting).start({}).status == "SUCCEEDED"
    driver = Driver.of({**waiting, "TimeoutSeconds": 10}).start({})
    assert (driver.status, driver.error) == ("TIMED_OUT", "States.Timeout")
    assert driver.event_types[-1] == "ExecutionTimedOut"
    token_wait = machine(
        T={
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
            "Parameters": {"FunctionName": "f"},
            "End": True,
        }
    )
    aborted = Driver.of(token_wait, {"f": lambda e: None}).start({})
    aborted.stop("Manual", "operator")
    assert (aborted.status, aborted.error) == ("ABORTED", "Manual")
    assert aborted.waiting_tokens == []


def test_state_is_json_and_replaying_the_same_events_gives_the_same_execution() -> None:
    parameters = {"FunctionName": "f", "Payload": {"u.$": "States.UUID()"}}
    definition = machine(
        T={
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
            "Parameters": parameters,
            "End": True,
        }
    )
    first = Driver.of(definition, {"f": lambda e: None}).start({})
    second = Driver.of(definition, {"f": lambda e: None}).start({})
    assert first.waiting_tokens == second.waiting_tokens
    assert first.invocations[0].parameters == second.invocations[0].parameters
    assert json.loads(json.dumps(first.state)) == first.state


def test_history_events_have_aws_shape() -> None:
    driver = Driver.of(machine(A={"Type": "Pass", "End": True})).start({"x": 1})
    events = [event.as_aws() for event in driver.history]
    assert events[1]["stateEnteredEventDetails"] == {
        "name": "A",
        "input": '{"x":1}',
        "inputDetails": {"truncated": False},
    }
    # as recorded on AWS: the first state's Entered event points at 0, not at ExecutionStarted
    assert [e["previousEventId"] for e in events] == [0, 0, 2, 3]
    assert events[-1]["executionSucceededEventDetails"]["output"] == '{"x":1}'
