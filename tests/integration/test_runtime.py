"""Services start together and drain together: work in progress finishes, stragglers stop."""

from __future__ import annotations

import asyncio

from paybus.runtime.services import Runtime, Service, periodic
from paybus.store.store import Store


async def test_drain_lets_work_in_progress_finish(store: Store) -> None:
    finished: list[int] = []
    started = asyncio.Event()

    async def worker(stop: asyncio.Event) -> None:
        n = 0
        while not stop.is_set():
            started.set()
            await asyncio.sleep(0.2)  # a unit of work that takes a while
            finished.append(n)
            n += 1

    runtime = Runtime(store, [Service("slow", worker)])
    await runtime.start()
    await started.wait()
    await runtime.drain(timeout=5)
    assert finished == [0], "the unit in progress completes; no new one starts"
    assert not runtime.running


async def test_drain_cancels_a_service_that_does_not_stop(store: Store) -> None:
    cancelled = asyncio.Event()

    async def stubborn(stop: asyncio.Event) -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    runtime = Runtime(store, [Service("stubborn", stubborn)])
    await runtime.start()
    await asyncio.sleep(0)
    await asyncio.wait_for(runtime.drain(timeout=0.2), timeout=5)
    assert cancelled.is_set()


async def test_a_crashing_service_is_restarted(store: Store) -> None:
    runs: list[int] = []

    async def flaky(stop: asyncio.Event) -> None:
        runs.append(1)
        if len(runs) == 1:
            raise RuntimeError("boom")
        await stop.wait()

    runtime = Runtime(store, [Service("flaky", flaky)])
    await runtime.start()
    for _ in range(100):
        if len(runs) == 2:
            break
        await asyncio.sleep(0.05)
    await runtime.drain(timeout=5)
    assert len(runs) == 2


async def test_periodic_work_runs_until_stopped(store: Store) -> None:
    ticks: list[int] = []

    async def tick() -> None:
        ticks.append(1)

    runtime = Runtime(store, [periodic("ticker", 0.01, tick)])
    await runtime.start()
    while len(ticks) < 3:
        await asyncio.sleep(0.01)
    await runtime.drain(timeout=5)
    count = len(ticks)
    await asyncio.sleep(0.05)
    assert len(ticks) == count
