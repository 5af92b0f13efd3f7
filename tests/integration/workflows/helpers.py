"""Driving durable executions in tests: a virtual clock, functions, and running to a settle."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from paybus.runtime.config import PaybusConfig
from paybus.runtime.workflows import EngineOptions, LambdaFunctions, Workflows, build_workflows
from paybus.runtime.workflows.service import ExecutionInfo
from paybus.store.store import Store

START = datetime(2024, 1, 1, tzinfo=UTC)


class VirtualClock:
    """Time stands still until a test moves it: Wait states and retries cost no real time."""

    def __init__(self, start: datetime = START) -> None:
        self.seconds = start.timestamp()

    def __call__(self) -> float:
        return self.seconds

    def advance_to_ms(self, ms: int) -> None:
        self.seconds = max(self.seconds, ms / 1000)


def workflows_on(
    store: Store,
    functions: dict[str, Callable[[Any, Any], Any]] | None = None,
    clock: VirtualClock | None = None,
    **options: Any,
) -> Workflows:
    if clock is not None:
        store.clock = clock
    registry = LambdaFunctions.in_memory(store, functions)
    # the AWS recordings show account 111111111111
    config = PaybusConfig.model_validate({"aws": {"account_id": "111111111111"}})
    workflows = build_workflows(store, config, invoker=registry)
    if options:
        engine = workflows.engine
        engine.options = EngineOptions(**{**engine.options.__dict__, **options})
    return workflows


async def settle(
    workflows: Workflows,
    arn: str,
    clock: VirtualClock,
    *,
    max_wait_ms: int | None = None,
) -> ExecutionInfo:
    """Run everything due, then jump the clock to the next timer, until the execution closes
    or waits for something no timer brings (a callback)."""
    for _ in range(10_000):
        await workflows.engine.run_until_idle()
        info = await workflows.describe_execution(arn)
        if info.status != "RUNNING":
            return info
        due = await workflows.engine.next_timer_ms()
        now_ms = int(clock() * 1000)
        if due is None or (max_wait_ms is not None and due - now_ms > max_wait_ms):
            return info
        clock.advance_to_ms(due)
    raise AssertionError("the execution did not settle")


async def create(workflows: Workflows, name: str, definition: Any, type: str = "STANDARD") -> str:
    info = await workflows.create_state_machine(name, json.dumps(definition), type=type)
    return info.arn
