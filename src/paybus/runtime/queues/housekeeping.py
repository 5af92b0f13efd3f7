"""Queue background work: removing messages past retention and running message move tasks."""

from __future__ import annotations

import logging

from paybus.runtime.maintenance import sweeper
from paybus.runtime.services import Service, periodic
from paybus.store.store import Store

log = logging.getLogger("paybus.queues")
#: messages moved per tick when a task sets no rate (SQS adapts; we move briskly)
DEFAULT_MOVE_RATE = 500


def retention_sweeper(store: Store, every_seconds: float) -> Service:
    """Messages past their queue's retention period are removed."""
    return sweeper(
        "queue-retention-sweeper",
        "queues.retention_swept",
        every_seconds,
        store.queues.sweep_expired,
    )


async def run_move_tasks(store: Store, seconds: float = 1.0) -> int:
    """Advance every running move task by one tick's worth of messages; returns moved."""
    moved = 0
    for task in await store.queues.list_move_tasks(limit=100, running_only=True):
        rate = task.max_per_second or DEFAULT_MOVE_RATE
        count = await store.queues.move_messages(task.handle, max(1, int(rate * seconds)))
        moved += count
        if count:
            log.info(
                "messages moved",
                extra={"action": "queues.moved", "task": task.handle, "count": count},
            )
    return moved


def move_task_runner(store: Store, every_seconds: float = 1.0) -> Service:
    return periodic("queue-move-tasks", every_seconds, lambda: run_move_tasks(store, every_seconds))
