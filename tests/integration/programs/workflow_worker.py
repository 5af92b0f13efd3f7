"""A paybus worker running the workflow services with the crash test's functions.

Run by tests/integration/workflows/test_crash.py, which kills it with SIGKILL again and again.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from paybus.core.errors import FunctionError
from paybus.runtime.config import PaybusConfig
from paybus.runtime.services import Runtime
from paybus.runtime.workflows import LambdaFunctions, build_workflows, workflow_services
from paybus.store.store import open_store


def work(event: Any, context: Any) -> Any:
    if event["retry"] == 0:  # every first attempt fails: the retry timer must survive kills
        raise FunctionError("busy", "Lambda.ServiceException")
    return {"doubled": event["n"] * 2}


def register(event: Any, context: Any) -> Any:
    return "registered"


async def main(url: str) -> None:
    store = await open_store(url)
    config = PaybusConfig.model_validate(
        {"workflows": {"poll_seconds": 0.05, "task_lease_seconds": 1.0}}
    )
    functions = LambdaFunctions.in_memory(store)
    functions.register("work", work)
    functions.register("register", register)
    workflows = build_workflows(store, config, invoker=functions)
    runtime = Runtime(store, workflow_services(workflows))
    await runtime.start()
    print("ready", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
