"""The workflow store's claims on both engines: a due timer or a free task goes to one claimant,
a lease hides a task until it runs out, and an execution's inbox comes back in order, once."""

from __future__ import annotations

import asyncio

from paybus.store.store import Store
from paybus.store.workflows import work


async def test_concurrent_claimants_take_each_due_timer_once(store: Store) -> None:
    for n in range(40):
        await store.write(lambda n=n: work.add_timer(f"arn:e{n % 4}", f"t{n}", 1_000 + n))
    await store.write(lambda: work.add_timer("arn:later", "t-late", 10_000))
    dialect = store.dialect
    claims = await asyncio.gather(
        *(store.write(lambda: work.take_due_timers(dialect, 5_000, 7)) for _ in range(8))
    )
    taken = [timer for claim in claims for _, timer, _ in claim]
    assert sorted(taken) == sorted(f"t{n}" for n in range(40)), "each due timer exactly once"
    assert await store.read(work.next_timer_due) == 10_000


async def test_a_leased_task_is_hidden_until_its_lease_runs_out_or_is_released(
    store: Store,
) -> None:
    dialect = store.dialect
    await store.write(lambda: work.add_task("arn:e", "task1", '{"task_id": "task1"}', 0))
    first = await store.write(lambda: work.claim_tasks(dialect, 100, 1_100, 10))
    assert [(t.task_id, t.attempts) for t in first] == [("task1", 1)]
    assert await store.write(lambda: work.claim_tasks(dialect, 1_000, 2_000, 10)) == []
    again = await store.write(lambda: work.claim_tasks(dialect, 1_100, 2_100, 10))
    assert [(t.task_id, t.attempts) for t in again] == [("task1", 2)], "lease ran out: re-run"
    await store.write(lambda: work.release_tasks([("arn:e", "task1")]))
    assert len(await store.write(lambda: work.claim_tasks(dialect, 1_200, 2_200, 10))) == 1


async def test_an_inbox_is_taken_in_order_and_only_once(store: Store) -> None:
    for n in range(5):
        await store.write(lambda n=n: work.add_inbox_event("arn:e", f'{{"n": {n}}}', n))
    await store.write(lambda: work.add_inbox_event("arn:other", '{"n": 9}', 9))
    assert await store.read(lambda: work.inbox_executions(10)) == ["arn:e", "arn:other"]
    taken = await store.write(lambda: work.take_inbox("arn:e"))
    assert [event.event for event in taken] == [f'{{"n": {n}}}' for n in range(5)]
    assert await store.write(lambda: work.take_inbox("arn:e")) == []


async def test_a_closed_token_stays_closed(store: Store) -> None:
    await store.write(lambda: work.add_token("tok", "arn:e", "task1", 1))
    assert await store.read(lambda: work.open_tokens("arn:e")) == ["tok"]
    await store.write(lambda: work.close_token("tok", 2))
    await store.write(lambda: work.close_token("tok", 3))
    token = await store.read(lambda: work.get_token("tok"))
    assert token is not None and token.closed_at == 2
    assert await store.read(lambda: work.open_tokens("arn:e")) == []
