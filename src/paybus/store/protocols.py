"""The repository protocols the rest of paybus programs against: narrow, one per aggregate."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from paybus.core.tables import Condition, Item, KeySchema, TableOp


@dataclass(frozen=True, slots=True)
class TableInfo:
    name: str
    key_schema: KeySchema
    created_at_ms: int


@dataclass(frozen=True, slots=True)
class TransactResult:
    #: False when the idempotency key had been used: nothing was written this time
    applied: bool
    #: per operation: the new item (Put, Update), the deleted item (Delete) or None (Check)
    items: list[Item | None]


class TableRepository(Protocol):
    async def create_table(
        self, name: str, partition_key: str, sort_key: str | None = None
    ) -> bool: ...
    async def describe_table(self, name: str) -> TableInfo: ...
    async def list_tables(self) -> list[TableInfo]: ...
    async def delete_table(self, name: str) -> None: ...
    async def get_item(self, table: str, key: Mapping[str, Any]) -> Item | None: ...
    async def query(
        self, table: str, partition_value: Any, *, sort_prefix: str | None = None, limit: int = 100
    ) -> list[Item]: ...
    async def put_item(
        self, table: str, item: Mapping[str, Any], *, condition: Condition | None = None
    ) -> Item: ...
    async def update_item(
        self,
        table: str,
        key: Mapping[str, Any],
        *,
        set: Mapping[str, Any] | None = None,
        add: Mapping[str, int | float] | None = None,
        remove: Sequence[str] = (),
        condition: Condition | None = None,
    ) -> Item: ...
    async def delete_item(
        self, table: str, key: Mapping[str, Any], *, condition: Condition | None = None
    ) -> Item | None: ...
    async def transact_write(
        self, ops: Sequence[TableOp], *, idempotency_key: str | None = None
    ) -> TransactResult: ...
    async def purge_expired_idempotency_keys(self, limit: int = 1000) -> int: ...
