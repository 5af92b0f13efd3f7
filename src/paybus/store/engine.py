"""The contract each database engine fulfils: run units of work, read or write."""

from __future__ import annotations

from typing import Protocol, TypeVar

from paybus.store.dialect import Dialect
from paybus.store.sql import UnitFactory

T = TypeVar("T")


class Engine(Protocol):
    dialect: Dialect

    async def start(self) -> None:
        """Connect; raise `StoreUnavailable` or `ConfigError` naming what is wrong."""

    async def write(self, unit: UnitFactory[T]) -> T:
        """Run `unit` in a transaction; return once it is committed (durable)."""

    async def read(self, unit: UnitFactory[T]) -> T:
        """Run `unit` on a read connection, seeing everything committed before the call."""

    async def ping(self) -> None:
        """Raise `StoreUnavailable` if the database cannot answer."""

    async def close(self) -> None:
        """Finish the work already submitted, then release connections."""
