"""The AWS-recorded executions of ../shared/conformance/asl/cases.jsonl, through the durable
runtime on both engines: every transition committed to the store, timers fired by the timer
unit, history read back from the store. Same status, output, error, cause and event types."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from asl.conformance import cases_file, load_cases, matches, prepare_case

from paybus.store.store import Store, open_store

from .helpers import VirtualClock, create, settle, workflows_on

CASES = load_cases()

pytestmark = [
    pytest.mark.skipif(not CASES, reason=f"AWS-recorded ASL cases not found at {cases_file()}"),
    pytest.mark.asyncio(loop_scope="module"),
]
ENGINES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=ENGINES)
async def shared_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Store]:
    """One store per engine for all cases (a fresh schema per case costs more than the case)."""
    if request.param == "sqlite":
        url = f"sqlite:///{Path(tmp_path_factory.mktemp('conformance')) / 'paybus.db'}"
    else:
        url = request.getfixturevalue("pg_module_url")
    store = await open_store(url)
    yield store
    await store.close()


@pytest.mark.parametrize("case", CASES, ids=[c["id"].rsplit("::", 1)[-1] for c in CASES])
async def test_recorded_execution_through_the_store(
    shared_store: Store, case: dict[str, Any]
) -> None:
    definition, value, expected = prepare_case(case)
    clock = VirtualClock()
    workflows = workflows_on(shared_store, clock=clock)
    name = f"case-{uuid.uuid4().hex[:12]}"
    machine = await create(workflows, name, definition)
    started = await workflows.start_execution(machine, name, json.dumps(value))
    waits = expected["status"].endswith("Entered")
    info = await settle(workflows, started.arn, clock, max_wait_ms=86_400_000 if waits else None)
    history = (await workflows.get_execution_history(started.arn, max_results=1000)).events
    _assert_same_history(case["events"], history)
    assert history[-1]["type"] == expected["status"]
    if expected["status"] == "ExecutionSucceeded":
        assert info.status == "SUCCEEDED"
        assert info.output is not None and matches(expected["output"], json.loads(info.output))
    if expected["status"] == "ExecutionFailed":
        assert (info.status, info.error) == ("FAILED", expected.get("error"))
        assert info.cause == expected.get("cause") or matches(expected.get("cause"), info.cause)


def _assert_same_history(recorded: list[dict[str, Any]], ours: list[dict[str, Any]]) -> None:
    if all(isinstance(e["id"], int) for e in recorded) and recorded[-1]["id"] == len(recorded):
        assert [e["type"] for e in ours] == [e["type"] for e in recorded]
        assert [e["id"] for e in ours] == list(range(1, len(ours) + 1))
        return
    by_id = {e["id"]: e["type"] for e in ours}
    kept = {e["id"]: e["type"] for e in recorded if isinstance(e["id"], int)}
    assert {i: by_id.get(i) for i in kept} == kept
    assert len(ours) == max(kept)
