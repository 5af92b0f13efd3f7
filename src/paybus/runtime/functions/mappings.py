"""Event-source mappings: created, changed and deleted in the store (so every worker sees them),
and a supervisor that keeps one poller running per enabled mapping whose function this process
has registered.
"""

from __future__ import annotations

import asyncio
import logging
import uuid as uuids
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from paybus.core.functions import MappingSettings, parse_mapping_settings
from paybus.runtime.functions.poller import MappingPoller
from paybus.runtime.functions.runner import Functions
from paybus.runtime.services import Service
from paybus.store.mappings import MappingRecord

log = logging.getLogger("paybus.mappings")


@dataclass(slots=True)
class _Running:
    record: MappingRecord
    stop: asyncio.Event
    task: asyncio.Task[None]


class EventSourceMappings:
    def __init__(
        self, functions: Functions, *, refresh_seconds: float = 2.0, poll_seconds: float = 1.0
    ) -> None:
        self.functions = functions
        self.queues = functions.queues
        self.store = functions.queues.store
        self.refresh_seconds = refresh_seconds
        self.poll_seconds = poll_seconds
        self._running: dict[str, _Running] = {}
        self._changed = asyncio.Event()

    # -- the API -------------------------------------------------------------------------------

    async def create(
        self,
        queue: str,
        function: str,
        settings: Mapping[str, Any] | None = None,
        *,
        enabled: bool = True,
        uuid: str | None = None,
    ) -> dict[str, Any]:
        name = self.queues.name_of(queue)
        record = await self.store.queues.get_queue(name)
        self.functions.get(function)
        parsed = parse_mapping_settings(settings or {}, fifo=record.attributes.fifo_queue)
        mapping = await self.store.mappings.create(
            uuid or str(uuids.uuid4()), name, function, parsed.to_json(), enabled=enabled
        )
        self._changed.set()
        return self.describe(mapping)

    async def update(
        self, uuid: str, settings: Mapping[str, Any] | None = None, *, enabled: bool | None = None
    ) -> dict[str, Any]:
        current = await self.store.mappings.get(uuid)
        if settings:
            queue = await self.store.queues.get_queue(current.queue_name)
            merged = {**current.config, **settings}
            parse_mapping_settings(merged, fifo=queue.attributes.fifo_queue)
        mapping = await self.store.mappings.update(uuid, config=settings, enabled=enabled)
        self._changed.set()
        return self.describe(mapping)

    async def delete(self, uuid: str) -> dict[str, Any]:
        mapping = await self.store.mappings.delete(uuid)
        self._changed.set()
        return {**self.describe(mapping), "State": "Deleting"}

    async def get(self, uuid: str) -> dict[str, Any]:
        return self.describe(await self.store.mappings.get(uuid))

    async def list(self) -> list[dict[str, Any]]:
        return [self.describe(m) for m in await self.store.mappings.list_all()]

    def describe(self, mapping: MappingRecord) -> dict[str, Any]:
        naming = self.queues.naming
        return {
            "UUID": mapping.uuid,
            "EventSourceArn": naming.arn(mapping.queue_name),
            "FunctionArn": self.functions.arn(mapping.function_name),
            "State": "Enabled" if mapping.enabled else "Disabled",
            "LastModified": mapping.updated_at_ms / 1000,
            "EventSourceMappingArn": (
                f"arn:aws:lambda:{naming.region}:{naming.account}:event-source-mapping:"
                f"{mapping.uuid}"
            ),
            **mapping.config,
        }

    # -- the supervisor ------------------------------------------------------------------------

    def service(self) -> Service:
        return Service("event-source-mappings", self.run)

    async def run(self, stop: asyncio.Event) -> None:
        try:
            while not stop.is_set():
                await self.reconcile()
                self._changed.clear()
                waiters = [
                    asyncio.ensure_future(stop.wait()),
                    asyncio.ensure_future(self._changed.wait()),
                ]
                await asyncio.wait(
                    waiters, timeout=self.refresh_seconds, return_when=asyncio.FIRST_COMPLETED
                )
                for waiter in waiters:
                    waiter.cancel()
        finally:
            await self._stop_all()

    async def reconcile(self) -> None:
        """Start pollers for new or changed enabled mappings; stop the others."""
        wanted = {
            m.uuid: m
            for m in await self.store.mappings.list_all()
            if m.enabled and m.function_name in self.functions.names()
        }
        for uuid, running in list(self._running.items()):
            if wanted.get(uuid) != running.record:
                await self._stop(uuid)
        for uuid, record in wanted.items():
            if uuid not in self._running:
                await self._start(record)

    async def _start(self, record: MappingRecord) -> None:
        queue = await self.store.queues.get_queue(record.queue_name)
        fifo = queue.attributes.fifo_queue
        settings: MappingSettings = parse_mapping_settings(record.config, fifo=fifo)
        poller = MappingPoller(
            record.uuid,
            record.queue_name,
            record.function_name,
            settings,
            self.functions,
            fifo=fifo,
            poll_seconds=self.poll_seconds,
        )
        stop = asyncio.Event()
        task = asyncio.create_task(poller.run(stop), name=f"paybus:mapping:{record.uuid}")
        self._running[record.uuid] = _Running(record, stop, task)
        log.info(
            "event-source mapping polling",
            extra={
                "action": "mappings.started",
                "mapping": record.uuid,
                "queue": record.queue_name,
                "function": record.function_name,
            },
        )

    async def _stop(self, uuid: str) -> None:
        running = self._running.pop(uuid)
        running.stop.set()
        await asyncio.gather(running.task, return_exceptions=True)

    async def _stop_all(self) -> None:
        for uuid in list(self._running):
            await self._stop(uuid)
