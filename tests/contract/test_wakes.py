"""Wake-up hints (`paybus.store.wakes`): a committed unit that left work tells the other
processes sharing the database each topic once (PostgreSQL NOTIFY, SQLite datagrams); a
rolled-back one tells nothing."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest

from paybus.core.queues import prepare_message
from paybus.runtime.queues import QueueService
from paybus.store.sql import Unit, execute, wake
from paybus.store.sqlite.wakes import wakes_directory
from paybus.store.store import Store, open_store
from paybus.store.wakes import CHANNEL, EVERYTHING, queue_topic


@pytest.fixture
async def heard(store: Store) -> AsyncIterator[list[str]]:
    """The topics another process hears while the test runs: a LISTENing connection on
    PostgreSQL, the socket of a second store on the same file on SQLite."""
    if store.dialect.name != "postgresql":
        async for topics in _heard_on_sqlite(store):
            yield topics
        return
    import psycopg

    assert store.settings.dsn is not None
    connection = await psycopg.AsyncConnection.connect(store.settings.dsn, autocommit=True)
    await connection.execute(f"LISTEN {CHANNEL}")
    payloads: list[str] = []

    async def collect() -> None:
        async for notify in connection.notifies():
            payloads.append(notify.payload)

    task = asyncio.create_task(collect())
    yield payloads
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await connection.close()


async def _heard_on_sqlite(store: Store) -> AsyncIterator[list[str]]:
    other = await open_store(f"sqlite:///{store.settings.path}")
    topics: list[str] = []
    listener = other.wake_listener(lambda topic: topics.append(topic))
    assert listener is not None
    stop = asyncio.Event()
    task = asyncio.create_task(listener.run(stop))
    await asyncio.wait_for(listener.listening.wait(), 5)  # type: ignore[attr-defined]
    topics.clear()  # a new listener wakes everything once
    yield topics
    stop.set()
    await task
    await other.close()


async def settle(payloads: list[str], count: int, timeout: float = 5.0) -> list[str]:
    """The payloads once `count` have come, after a pause in which any extra one would show."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while len(payloads) < count and loop.time() < deadline:
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.3)
    return sorted(payloads)


def messages(n: int) -> list[Any]:
    return [prepare_message(f"m{i}", f"body {i}") for i in range(n)]


async def test_a_send_of_many_messages_notifies_its_queue_once(
    store: Store, heard: list[str]
) -> None:
    queues = QueueService(store)
    await queues.create_queue("orders")
    await queues.create_queue("refunds")
    await store.queues.send("orders", messages(10))
    assert await settle(heard, 1) == [queue_topic("orders")]


async def test_one_transaction_notifies_each_topic_once(store: Store, heard: list[str]) -> None:
    def unit() -> Unit[None]:
        for topic in ("queue:a", "queue:b", "queue:a", "deliveries", "queue:a"):
            yield from wake(topic)

    await store.write(unit)
    assert await settle(heard, 3) == ["deliveries", "queue:a", "queue:b"]


async def test_a_rolled_back_transaction_notifies_nothing(store: Store, heard: list[str]) -> None:
    def unit() -> Unit[None]:
        yield from wake(queue_topic("orders"))
        yield from execute("SELECT * FROM no_such_table")

    with pytest.raises(Exception, match="no_such_table"):
        await store.write(unit)
    assert await settle(heard, 0) == []


async def test_a_process_does_not_hear_its_own_hints(store: Store) -> None:
    if store.dialect.name != "sqlite":
        pytest.skip("PostgreSQL delivers a NOTIFY to its own sender's listener too")
    topics: list[str] = []
    listener = store.wake_listener(topics.append)
    assert listener is not None
    stop = asyncio.Event()
    task = asyncio.create_task(listener.run(stop))
    await asyncio.wait_for(listener.listening.wait(), 5)  # type: ignore[attr-defined]
    assert topics == [EVERYTHING], "a new listener wakes every loop once"
    await store.write(lambda: wake(queue_topic("orders")))
    await asyncio.sleep(0.3)
    stop.set()
    await task
    assert topics == [EVERYTHING]


async def test_dead_processes_sockets_are_tidied_away_and_the_living_still_hear(
    store: Store, heard: list[str]
) -> None:
    if store.dialect.name != "sqlite":
        pytest.skip("SQLite's wake-up sockets")
    assert store.settings.path is not None
    directory = wakes_directory(store.settings.path)
    dead = [directory / f"{12345 + n}-deadbeef0000.sock" for n in range(5)]
    for path in dead:
        left = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        left.bind(str(path))
        left.close()  # the file stays, as after kill -9: nobody reads it
    await store.write(lambda: wake(queue_topic("orders")))
    assert await settle(heard, 1) == [queue_topic("orders")]
    assert [path for path in dead if path.exists()] == []


async def test_wake_hints_off_sends_and_hears_nothing(store_url: str) -> None:
    separator = "&" if "?" in store_url else "?"
    store = await open_store(f"{store_url}{separator}wake_hints=off")
    try:
        assert store.wake_listener(lambda topic: None) is None
    finally:
        await store.close()
