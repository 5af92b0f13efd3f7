"""Publications from concurrent callers, written as one unit.

A webhook delivery carries one event, and written alone it costs the store a unit and four
statements of its own. Callers that hand over publications on the same turn of the event loop
are written together instead: `publish` takes any number, with one receipt claim, one queue
lookup and one INSERT per table for all of them. Nobody waits longer for it: the batch goes to
the store on the loop's next turn, and a busy loop simply makes bigger batches.

A combined write that fails is tried again per caller, so a publication the store refuses fails
only the caller that made it (a failed unit rolls back whole, so nothing is written twice).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from paybus.store.bus.events import Publication, PublishOutcome

#: publications written together at most; a fuller batch goes at once and a new one starts
MAX_BATCH = 256

Write = Callable[[list[Publication]], Awaitable[PublishOutcome]]
_Waiter = tuple[Sequence[Publication], "asyncio.Future[list[bool]]"]


class PublicationBatcher:
    def __init__(self, write: Write) -> None:
        self._write = write
        self._waiting: list[_Waiter] = []
        self._size = 0
        self._flushes: set[asyncio.Task[None]] = set()

    async def publish(self, publications: Sequence[Publication]) -> list[bool]:
        """Write `publications` with whatever other callers publish now; per publication,
        False when its webhook receipt showed it was published before."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[list[bool]] = loop.create_future()
        if not self._waiting:
            loop.call_soon(self._flush)
        self._waiting.append((publications, future))
        self._size += len(publications)
        if self._size >= MAX_BATCH:
            self._flush()
        return await future

    def _flush(self) -> None:
        if not self._waiting:
            return  # a full batch went early; this turn's flush has nothing left
        waiting, self._waiting, self._size = self._waiting, [], 0
        task = asyncio.get_running_loop().create_task(self._write_all(waiting))
        self._flushes.add(task)
        task.add_done_callback(self._flushes.discard)

    async def _write_all(self, waiting: list[_Waiter]) -> None:
        try:
            if len(waiting) == 1:
                await _settle(waiting[0], self._write)
                return
            together = [p for publications, _ in waiting for p in publications]
            try:
                outcome = await self._write(together)
            except Exception:
                for waiter in waiting:  # each on its own: the failure stays with its caller
                    await _settle(waiter, self._write)
                return
            offset = 0
            for publications, future in waiting:
                if not future.done():
                    future.set_result(outcome.published[offset : offset + len(publications)])
                offset += len(publications)
        except asyncio.CancelledError:
            for _, future in waiting:
                future.cancel()
            raise


async def _settle(waiter: _Waiter, write: Write) -> None:
    publications, future = waiter
    try:
        outcome = await write(list(publications))
    except Exception as error:
        if not future.done():
            future.set_exception(error)
        return
    if not future.done():
        future.set_result(outcome.published)
