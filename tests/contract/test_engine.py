"""The unit-of-work contract both engines keep: atomic units, isolation of failures, errors."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from paybus.core.errors import PaybusError, StoreError, StoreIntegrityError
from paybus.store.sql import execute, fetch_all, fetch_one
from paybus.store.store import Store

pytestmark = pytest.mark.asyncio


async def _scratch_table(store: Store) -> None:
    await store.write(lambda: execute("CREATE TABLE scratch (id INTEGER PRIMARY KEY, v TEXT)"))


def _insert(id_: int, value: str = "v") -> Any:
    return execute("INSERT INTO scratch (id, v) VALUES (:id, :v)", id=id_, v=value)


async def _ids(store: Store) -> list[int]:
    rows = await store.read(lambda: fetch_all("SELECT id FROM scratch ORDER BY id"))
    return [row[0] for row in rows]


async def test_concurrent_units_all_commit(store: Store) -> None:
    await _scratch_table(store)
    await asyncio.gather(*(store.write(lambda i=i: _insert(i)) for i in range(200)))
    assert await _ids(store) == list(range(200))


async def test_a_failing_unit_rolls_back_alone(store: Store) -> None:
    """Units sharing a group commit: the one that fails leaves no trace, the others land."""
    await _scratch_table(store)

    def half_then_fail() -> Any:
        yield from _insert(1000)
        raise PaybusError("changed my mind")

    outcomes = await asyncio.gather(
        *(store.write(lambda i=i: _insert(i)) for i in range(50)),
        store.write(half_then_fail),
        *(store.write(lambda i=i: _insert(i)) for i in range(50, 100)),
        return_exceptions=True,
    )
    errors = [o for o in outcomes if isinstance(o, BaseException)]
    assert [str(e) for e in errors] == ["changed my mind"]
    assert await _ids(store) == list(range(100))


async def test_constraint_violation_is_a_paybus_error_and_rolls_back_the_unit(store: Store) -> None:
    await _scratch_table(store)
    await store.write(lambda: _insert(1))

    def duplicate() -> Any:
        yield from _insert(2)
        yield from _insert(1)

    with pytest.raises(StoreIntegrityError, match="constraint"):
        await store.write(duplicate)
    assert await _ids(store) == [1]


async def test_bad_sql_is_a_store_error_not_a_driver_error(store: Store) -> None:
    with pytest.raises(StoreError) as raised:
        await store.read(lambda: fetch_all("SELECT nope FROM nowhere"))
    assert type(raised.value).__module__ == "paybus.core.errors"


async def test_units_compose_into_one_transaction(store: Store) -> None:
    await _scratch_table(store)

    def both() -> Any:
        yield from _insert(1, "a")
        row = yield from fetch_one("SELECT v FROM scratch WHERE id = 1")
        yield from _insert(2, row[0] + "b")
        return "done"

    assert await store.write(both) == "done"
    rows = await store.read(lambda: fetch_all("SELECT v FROM scratch ORDER BY id"))
    assert [r[0] for r in rows] == ["a", "ab"]


async def test_a_read_sees_every_write_that_returned(store: Store) -> None:
    await _scratch_table(store)
    for i in range(20):
        await store.write(lambda i=i: _insert(i))
        assert (await _ids(store))[-1] == i


async def test_ping_answers(store: Store) -> None:
    await store.ping()


async def test_writes_after_close_are_refused_not_lost(store_url: str) -> None:
    from paybus.core.errors import StoreUnavailable
    from paybus.store.store import open_store

    closing = await open_store(store_url)
    await closing.close()
    with pytest.raises(StoreUnavailable):
        await closing.write(lambda: execute("SELECT 1"))
