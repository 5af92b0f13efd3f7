"""The AWS-recorded executions in ../shared/conformance/asl/cases.jsonl, run on the interpreter.

Each case must end with AWS's status, output, error and cause, and produce the same sequence of
history event types. Skipped when the shared folder is absent.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from .conformance import cases_file, load_cases, matches, prepare_case
from .harness import Driver

CASES = load_cases()

pytestmark = pytest.mark.skipif(
    not CASES,
    reason=f"AWS-recorded ASL cases not found at {cases_file()} "
    "(set PAYBUS_SHARED_DIR to the shared folder)",
)


def _run(case: dict[str, Any]) -> tuple[Driver, dict[str, Any]]:
    definition, value, expected = prepare_case(case)
    driver = Driver.of(definition)
    # a recorded history that stops at WaitStateEntered was read while the execution waited
    max_wait = timedelta(days=1) if expected["status"].endswith("Entered") else None
    driver.start(value, max_wait=max_wait)
    return driver, expected


@pytest.mark.parametrize("case", CASES, ids=[c["id"].rsplit("::", 1)[-1] for c in CASES])
def test_recorded_execution(case: dict[str, Any]) -> None:
    driver, expected = _run(case)
    _assert_same_history(case["events"], driver)
    assert driver.history[-1].type == expected["status"]
    if expected["status"] == "ExecutionSucceeded":
        assert matches(expected["output"], driver.output), driver.output
    if expected["status"] == "ExecutionFailed":
        assert driver.error == expected.get("error")
        assert driver.cause == expected.get("cause") or matches(
            expected.get("cause"), driver.cause
        ), driver.cause


def _assert_same_history(recorded: list[dict[str, Any]], driver: Driver) -> None:
    """Same event types in the same order. Some recordings drop repeated events and keep the
    original ids on the others (ids shown as [0]); then each kept id must match ours."""
    if all(isinstance(e["id"], int) for e in recorded) and recorded[-1]["id"] == len(recorded):
        assert driver.event_types == [e["type"] for e in recorded]
        return
    ours = {event.id: event.type for event in driver.history}
    kept = {e["id"]: e["type"] for e in recorded if isinstance(e["id"], int)}
    assert {i: ours.get(i) for i in kept} == kept
    assert len(driver.history) == max(kept)
