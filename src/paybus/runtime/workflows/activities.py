"""Activities: CreateActivity/DescribeActivity/ListActivities/DeleteActivity and the workers'
long poll, GetActivityTask (up to 60 s, then an empty answer, as AWS)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from paybus.core.asl import TaskPickedUp
from paybus.core.errors import ValidationError
from paybus.runtime.workflows import arns
from paybus.runtime.workflows.codec import encode_event, from_ms
from paybus.runtime.workflows.engine import WorkflowEngine
from paybus.store.sql import Unit
from paybus.store.workflows import activities, work

LONG_POLL_SECONDS = 60.0


@dataclass(frozen=True)
class ActivityInfo:
    arn: str
    name: str
    created: datetime


@dataclass(frozen=True)
class ActivityTask:
    token: str
    input: str


class Activities:
    def __init__(self, engine: WorkflowEngine, region: str, account_id: str) -> None:
        self.engine = engine
        self.store = engine.store
        self.region = region
        self.account_id = account_id
        self.poll_seconds = engine.options.poll_seconds
        self.long_poll_seconds = LONG_POLL_SECONDS

    def arn(self, name: str) -> str:
        return f"arn:aws:states:{self.region}:{self.account_id}:activity:{name}"

    async def create(self, name: str) -> ActivityInfo:
        arns.check_name(name, "activity name")
        arn, now = self.arn(name), self.store.now_ms()
        created = await self.store.write(lambda: activities.create_activity(name, arn, now))
        return ActivityInfo(arn, name, from_ms(created))

    async def describe(self, arn: str) -> ActivityInfo:
        name = _name(arn)
        found, created = await self.store.read(lambda: activities.get_activity(name))
        return ActivityInfo(found, name, from_ms(created))

    async def list(self) -> list[ActivityInfo]:
        rows = await self.store.read(activities.list_activities)
        return [ActivityInfo(arn, name, from_ms(created)) for name, arn, created in rows]

    async def delete(self, arn: str) -> None:
        name = _name(arn)
        await self.store.write(lambda: activities.delete_activity(name))

    async def get_task(self, arn: str, worker: str | None = None) -> ActivityTask | None:
        """The next task scheduled for the activity, or None after the long poll."""
        await self.describe(arn)  # ActivityDoesNotExist for an unknown ARN
        deadline = asyncio.get_running_loop().time() + self.long_poll_seconds
        while True:
            claimed = await self._claim(arn, worker)
            if claimed is not None:
                return ActivityTask(*claimed)
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                return None
            await asyncio.sleep(min(self.poll_seconds, left))

    async def _claim(self, arn: str, worker: str | None) -> tuple[str, str] | None:
        """Claim a task and, in the same transaction, tell its execution a worker took it."""
        dialect, now = self.store.dialect, self.store.now_ms()

        def unit() -> Unit[tuple[str, str, str] | None]:
            claimed = yield from activities.claim_activity_task(dialect, arn, worker, now)
            if claimed is None:
                return None
            token = yield from work.get_token(claimed[0])
            assert token is not None  # written with the activity task
            started = TaskPickedUp(from_ms(now), token.task_id, worker)
            yield from work.add_inbox_event(token.execution_arn, encode_event(started), now)
            return claimed[0], claimed[1], token.execution_arn

        found = await self.store.write(unit)
        if found is None:
            return None
        await self.engine.apply_inbox(found[2])
        return found[0], found[1]


def _name(arn: str) -> str:
    if ":activity:" not in arn:
        raise ValidationError(f"Invalid Arn: '{arn}' is not an activity ARN")
    return arn.rsplit(":activity:", 1)[1]
