"""The runtime: the store plus every background service, started together and drained together.

A service is a coroutine `run(stop)` that loops until `stop` is set, finishing the unit of work
it is in before returning. Draining sets `stop` and waits up to a timeout; services still
running after it are cancelled (their uncommitted work is redone by the next claimant).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from paybus.runtime.config import PaybusConfig
from paybus.store.store import Store

if TYPE_CHECKING:
    from paybus.runtime.bus import BusService
    from paybus.runtime.bus.admin import BusAdmin
    from paybus.runtime.bus.archives import Archives
    from paybus.runtime.bus.replays import Replays
    from paybus.runtime.functions import EventSourceMappings, Functions
    from paybus.runtime.queues import QueueService
    from paybus.runtime.workflows import Workflows

log = logging.getLogger("paybus.runtime")


@dataclass(frozen=True, slots=True)
class Service:
    name: str
    run: Callable[[asyncio.Event], Awaitable[None]]


class Runtime:
    def __init__(
        self,
        store: Store,
        services: list[Service] | None = None,
        config: PaybusConfig | None = None,
    ) -> None:
        self.store = store
        self.config = config or PaybusConfig()
        self.services = list(services or [])
        #: Step Functions operations (set by `build_runtime`; the API builds one if absent)
        self.workflows: Workflows | None = None
        self._stop = asyncio.Event()
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._startup: list[Callable[[], Awaitable[None]]] = []
        #: the SQS-like queues, functions and event-source mappings (set by `build_runtime`)
        self.queues: QueueService | None = None
        self.functions: Functions | None = None
        self.mappings: EventSourceMappings | None = None
        #: the event bus and its management (set by `build_runtime`)
        self.bus: BusService | None = None
        self.bus_admin: BusAdmin | None = None
        self.archives: Archives | None = None
        self.replays: Replays | None = None

    @property
    def running(self) -> bool:
        return bool(self._tasks) and not self._stop.is_set()

    def add(self, service: Service) -> None:
        self.services.append(service)

    def on_start(self, step: Callable[[], Awaitable[None]]) -> None:
        """Run `step` at start, before any service (e.g. creating the default event bus)."""
        self._startup.append(step)

    async def start(self) -> None:
        for step in self._startup:
            await step()
        for service in self.services:
            task = asyncio.create_task(self._supervise(service), name=f"paybus:{service.name}")
            self._tasks[service.name] = task
        log.info(
            "runtime started",
            extra={"action": "runtime.started", "services": [s.name for s in self.services]},
        )

    async def drain(self, timeout: float = 30.0) -> None:
        """Ask every service to finish what it is doing, wait up to `timeout`, then stop it."""
        self._stop.set()
        if not self._tasks:
            return
        _, pending = await asyncio.wait(self._tasks.values(), timeout=timeout)
        for task in pending:
            log.warning(
                "service did not drain in time",
                extra={"action": "runtime.cancelled", "service": task.get_name()},
            )
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        self._tasks.clear()
        log.info("runtime drained", extra={"action": "runtime.drained"})

    async def _supervise(self, service: Service) -> None:
        """Run a service; if it crashes, log it and restart it after a pause."""
        while not self._stop.is_set():
            try:
                await service.run(self._stop)
                return
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception(
                    "service crashed; restarting",
                    extra={"action": "runtime.service_crashed", "service": service.name},
                )
                await _sleep_unless(self._stop, 1.0)


async def _sleep_unless(stop: asyncio.Event, seconds: float) -> bool:
    """Sleep `seconds` or until `stop` is set; True if stopping."""
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        return False
    return True


def periodic(name: str, every: float, work: Callable[[], Awaitable[object]]) -> Service:
    """A service that runs `work` every `every` seconds until stopped."""

    async def run(stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await work()
            except Exception:
                log.exception(
                    "periodic work failed",
                    extra={"action": "runtime.periodic_failed", "service": name},
                )
            if await _sleep_unless(stop, every):
                return

    return Service(name, run)
