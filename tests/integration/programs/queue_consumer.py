"""Consumes a queue through an event-source mapping whose handler increments a counter per
message; prints a line per batch handled. The durability test kills it with SIGKILL mid-run.
"""

from __future__ import annotations

import asyncio
import sys
import time
from typing import Any

from paybus.core.queues.naming import QueueNaming
from paybus.runtime.functions import EventSourceMappings, FunctionConfig, Functions
from paybus.runtime.queues import QueueService
from paybus.store.store import open_store


def count_each(event: dict[str, Any], context: Any) -> None:
    for record in event["Records"]:
        context.tables.update_item("counts", {"id": record["body"]}, add={"n": 1})
    time.sleep(0.01)  # keep batches in flight long enough to be killed among them
    print("batch", flush=True)


async def main(url: str, seconds: float) -> None:
    store = await open_store(url)
    functions = Functions(QueueService(store, QueueNaming(), poll_interval=0.05))
    functions.register(FunctionConfig("count", "queue_consumer:count_each"), count_each)
    mappings = EventSourceMappings(functions, refresh_seconds=0.2, poll_seconds=0.05)
    print("ready", flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().call_later(seconds, stop.set)
    await mappings.run(stop)
    await store.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], float(sys.argv[2])))
