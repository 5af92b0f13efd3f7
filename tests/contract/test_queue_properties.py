"""Queue invariants under generated workloads (hypothesis), with concurrent consumers:

- no message is lost: every message sent is eventually received until it is deleted;
- no message is handed to two consumers while it is inside its visibility window;
- a deleted message never comes back.

Each example runs on a fresh SQLite store with a controlled clock; the PostgreSQL claim path is
covered by the concurrent-consumer contract test in test_queues.py on both engines.
"""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paybus.core.queues.naming import QueueNaming
from paybus.runtime.queues import QueueService
from paybus.store.store import open_store

VISIBILITY = 30

Send = st.tuples(st.just("send"), st.integers(1, 12))
Receive = st.tuples(st.just("receive"), st.integers(1, 4))  # that many consumers at once
Delete = st.tuples(st.just("delete"), st.integers(0, 100))  # a percentage of in-flight ones
Wait = st.tuples(st.just("wait"), st.sampled_from([1, 10, VISIBILITY + 1]))
Operations = st.lists(st.one_of(Send, Receive, Delete, Wait), min_size=1, max_size=25)


@dataclass
class Model:
    now: float = 1_700_000_000.0
    sent: set[str] = field(default_factory=set)
    deleted: set[str] = field(default_factory=set)
    #: message body -> (receipt handle, end of its visibility window)
    in_flight: dict[str, tuple[str, float]] = field(default_factory=dict)


async def _run(operations: list[tuple[str, int]], directory: Path) -> None:
    model = Model()
    store = await open_store(f"sqlite:///{directory / 'q.db'}", clock=lambda: model.now)
    sqs = QueueService(store, QueueNaming(), poll_interval=0.01)
    try:
        await sqs.create_queue("q", {"VisibilityTimeout": str(VISIBILITY)})
        for kind, amount in operations:
            await STEPS[kind](sqs, model, amount)
        model.now += VISIBILITY + 1  # everything in flight becomes visible again
        await _drain(sqs, model)
    finally:
        await store.close()


async def _send(sqs: QueueService, model: Model, count: int) -> None:
    start = len(model.sent)
    bodies = [str(start + i) for i in range(count)]
    for offset in range(0, count, 10):
        chunk = bodies[offset : offset + 10]
        await sqs.send_message_batch("q", [{"Id": b, "MessageBody": b} for b in chunk])
    model.sent.update(bodies)


async def _receive(sqs: QueueService, model: Model, consumers: int) -> None:
    batches = await asyncio.gather(
        *(sqs.receive_message("q", max_messages=10) for _ in range(consumers))
    )
    seen: set[str] = set()
    for batch in batches:
        for message in batch:
            body = message.body
            assert body not in seen, f"message {body} handed to two consumers at once"
            assert body not in model.deleted, f"deleted message {body} came back"
            previous = model.in_flight.get(body)
            assert previous is None or previous[1] <= model.now, (
                f"message {body} handed out again inside its visibility window"
            )
            seen.add(body)
            model.in_flight[body] = (message.receipt_handle, model.now + VISIBILITY)


async def _delete(sqs: QueueService, model: Model, percent: int) -> None:
    live = [(b, h) for b, (h, until) in model.in_flight.items() if until > model.now]
    chosen = live[: len(live) * percent // 100]
    for offset in range(0, len(chosen), 10):
        entries = [
            {"Id": str(i), "ReceiptHandle": h}
            for i, (_, h) in enumerate(chosen[offset : offset + 10])
        ]
        result = await sqs.delete_message_batch("q", entries)
        assert not result["Failed"], result["Failed"]
    for body, _ in chosen:
        model.deleted.add(body)
        del model.in_flight[body]


async def _wait(sqs: QueueService, model: Model, seconds: int) -> None:
    model.now += seconds


STEPS = {"send": _send, "receive": _receive, "delete": _delete, "wait": _wait}


async def _drain(sqs: QueueService, model: Model) -> None:
    """Everything not deleted is still there, exactly once."""
    remaining: list[str] = []
    while batch := await sqs.receive_message("q", max_messages=10):
        remaining += [m.body for m in batch]
    assert sorted(remaining, key=int) == sorted(model.sent - model.deleted, key=int)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operations=Operations)
def test_queue_invariants_hold_for_any_workload(operations: list[tuple[str, int]]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        asyncio.run(_run(operations, Path(directory)))
