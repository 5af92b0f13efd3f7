"""What a handler receives besides its event: Lambda's context object, with a transactional
table handle whose writes commit together with the acknowledgement of the handler's messages.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from paybus.core.tables import Condition, Delete, Item, Put, TableOp, Update
from paybus.store.queues import Effect

#: the loop the store lives on, and its `get_item`
ItemReader = tuple[
    asyncio.AbstractEventLoop,
    Callable[[str, Mapping[str, Any]], Coroutine[Any, Any, Item | None]],
]


class TransactionalTables:
    """Table writes buffered until the invocation's outcome is known.

    For a queue-triggered invocation they commit in the same transaction as the delete of the
    messages that succeeded; for a direct invocation they commit when the handler returns. If
    the handler fails, nothing is written. Writes with an `idempotency_key` apply at most once.
    Reads see what is committed (not this invocation's own buffered writes): `get_item` from a
    sync handler (it runs on a worker thread), `await fetch_item(...)` from an async one.
    """

    def __init__(self, reader: ItemReader | None = None) -> None:
        self.effects: list[Effect] = []
        self._reader = reader

    def get_item(self, table: str, key: Mapping[str, Any]) -> Item | None:
        if self._reader is None:
            raise RuntimeError("this context has no store to read tables from")
        loop, read = self._reader
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            raise RuntimeError("an async handler reads with: await context.tables.fetch_item(...)")
        return asyncio.run_coroutine_threadsafe(read(table, key), loop).result()

    async def fetch_item(self, table: str, key: Mapping[str, Any]) -> Item | None:
        if self._reader is None:
            raise RuntimeError("this context has no store to read tables from")
        return await self._reader[1](table, key)

    def put_item(
        self, table: str, item: Mapping[str, Any], *, condition: Condition | None = None
    ) -> None:
        self.transact_write([Put(table, dict(item), condition)])

    def update_item(
        self,
        table: str,
        key: Mapping[str, Any],
        *,
        set: Mapping[str, Any] | None = None,
        add: Mapping[str, int | float] | None = None,
        remove: Sequence[str] = (),
        condition: Condition | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        op = Update(table, dict(key), dict(set or {}), dict(add or {}), tuple(remove), condition)
        self.transact_write([op], idempotency_key=idempotency_key)

    def delete_item(
        self, table: str, key: Mapping[str, Any], *, condition: Condition | None = None
    ) -> None:
        self.transact_write([Delete(table, dict(key), condition)])

    def transact_write(self, ops: Sequence[TableOp], *, idempotency_key: str | None = None) -> None:
        self.effects.append((list(ops), idempotency_key))


@dataclass(slots=True)
class LambdaContext:
    """Lambda's context: the same attribute names, so handlers move between paybus and AWS."""

    aws_request_id: str
    function_name: str
    invoked_function_arn: str
    deadline: float  # time.monotonic() value
    tables: TransactionalTables = field(default_factory=TransactionalTables)
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 128
    log_group_name: str = ""
    log_stream_name: str = ""

    @property
    def function_arn(self) -> str:
        return self.invoked_function_arn

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))
