"""Several workers on one store: each claims work with SKIP LOCKED (PostgreSQL) or through the
single writer (SQLite); every task runs once and every execution closes once."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from typing import Any

from paybus.runtime.workflows import LambdaFunctions, Workflows, build_workflows
from paybus.store.store import Store, open_store

FAN_OUT = {
    "StartAt": "Fan out",
    "States": {
        "Fan out": {
            "Type": "Parallel",
            "Branches": [
                {"StartAt": b, "States": {b: {"Type": "Task", "Resource": "count", "End": True}}}
                for b in ("A", "B", "C")
            ],
            "End": True,
        }
    },
}


async def test_two_workers_share_the_work_without_running_anything_twice(
    store: Store, store_url: str
) -> None:
    calls: Counter[str] = Counter()

    def count(event: Any, context: Any) -> Any:
        key = json.dumps(event, sort_keys=True)
        calls[key] += 1
        return event["n"]

    starter = build_workflows(store, run_tasks_here=False)
    machine = await starter.create_state_machine("fan", json.dumps(FAN_OUT))
    arns = [
        (await starter.start_execution(machine.arn, f"e{n}", json.dumps({"n": n}))).arn
        for n in range(20)
    ]
    other_store = await open_store(store_url)
    try:
        workers: list[Workflows] = []
        for worker_store in (store, other_store):
            functions = LambdaFunctions.in_memory(worker_store)
            functions.register("count", count)
            workers.append(build_workflows(worker_store, invoker=functions))

        async def drive(worker: Workflows) -> None:
            for _ in range(50):
                await worker.engine.run_until_idle()
                statuses = [(await starter.describe_execution(a)).status for a in arns]
                if "RUNNING" not in statuses:
                    return
                await asyncio.sleep(0.02)

        await asyncio.gather(*(drive(w) for w in workers))
    finally:
        await other_store.close()
    for n, arn in enumerate(arns):
        info = await starter.describe_execution(arn)
        assert (info.status, json.loads(info.output or "")) == ("SUCCEEDED", [n, n, n])
        events = (await starter.get_execution_history(arn)).events
        assert [e["type"] for e in events].count("ExecutionSucceeded") == 1
    assert sum(calls.values()) == 60 and set(calls.values()) == {3}
