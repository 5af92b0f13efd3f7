"""Writes items as fast as it can from many coroutines; prints each id once its write returned.

Run by the durability test, which kills this process with SIGKILL mid-burst.
"""

from __future__ import annotations

import asyncio
import sys

from paybus.store.store import open_store


async def main(url: str, writers: int) -> None:
    store = await open_store(url)
    await store.tables.create_table("burst", "id")
    counter = iter(range(10**9))

    async def writer() -> None:
        while True:
            n = next(counter)
            await store.tables.put_item("burst", {"id": n, "payload": "x" * 200})
            sys.stdout.write(f"{n}\n")
            sys.stdout.flush()

    print("ready", flush=True)
    await asyncio.gather(*(writer() for _ in range(writers)))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
