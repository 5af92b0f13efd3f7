"""Activities: CreateActivity/DescribeActivity/ListActivities/DeleteActivity and the workers'
long poll, GetActivityTask (up to 60 s, then an empty answer, as AWS)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from paybus.core.errors import ValidationError
from paybus.runtime.workflows import arns
from paybus.runtime.workflows.codec import from_ms
from paybus.store.store import Store
from paybus.store.workflows import activities

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
    def __init__(
        self, store: Store, region: str, account_id: str, poll_seconds: float = 0.5
    ) -> None:
        self.store = store
        self.region = region
        self.account_id = account_id
        self.poll_seconds = poll_seconds
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
        dialect, now = self.store.dialect, self.store.now_ms()
        return await self.store.write(
            lambda: activities.claim_activity_task(dialect, arn, worker, now)
        )


def _name(arn: str) -> str:
    if ":activity:" not in arn:
        raise ValidationError(f"Invalid Arn: '{arn}' is not an activity ARN")
    return arn.rsplit(":activity:", 1)[1]
