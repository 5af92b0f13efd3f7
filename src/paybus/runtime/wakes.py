"""Wake-ups from other processes sharing the database, routed to this process's own hooks.

The store's listener (PostgreSQL LISTEN, a socket on SQLite; topics in `paybus.store.wakes`)
hears what another process committed, and each topic sets the event a commit in this process
would have set: a long poll on the queue, the bus dispatcher, the workflow engine's task claims
and timers. A topic no hook here cares about is dropped; a lost one costs the poll interval of
the loop it would wake.
"""

from __future__ import annotations

from collections.abc import Callable

from paybus.runtime.bus.service import BusService
from paybus.runtime.queues.wakeups import Wakeups
from paybus.runtime.services import Service
from paybus.runtime.workflows.engine import WorkflowEngine
from paybus.runtime.workflows.express_starts import ExpressStarts
from paybus.store.store import Store
from paybus.store.wakes import (
    DELIVERIES,
    EVERYTHING,
    QUEUE_PREFIX,
    WORKFLOW_EXPRESS,
    WORKFLOW_TASKS,
    WORKFLOW_TIMERS,
)


class WakeRouter:
    def __init__(
        self,
        *,
        queues: Wakeups | None = None,
        bus: BusService | None = None,
        engine: WorkflowEngine | None = None,
        express: ExpressStarts | None = None,
    ) -> None:
        self._queues = queues
        self._hooks: dict[str, Callable[[], None]] = {}
        if bus is not None:
            self._hooks[DELIVERIES] = bus.deliveries_waiting.set
        if engine is not None:
            self._hooks[WORKFLOW_TASKS] = engine.wake_claims
            self._hooks[WORKFLOW_TIMERS] = engine.wake_timers
        if express is not None:
            self._hooks[WORKFLOW_EXPRESS] = express.wake

    def __call__(self, topic: str) -> None:
        if topic.startswith(QUEUE_PREFIX):
            if self._queues is not None:
                self._queues.notify(topic[len(QUEUE_PREFIX) :])
            return
        if topic == EVERYTHING:
            self._wake_everything()
            return
        hook = self._hooks.get(topic)
        if hook is not None:
            hook()

    def _wake_everything(self) -> None:
        if self._queues is not None:
            self._queues.notify_every()
        for hook in self._hooks.values():
            hook()


def wake_listener(
    store: Store,
    *,
    queues: Wakeups | None = None,
    bus: BusService | None = None,
    engine: WorkflowEngine | None = None,
    express: ExpressStarts | None = None,
) -> Service | None:
    """The service that listens for other processes' wake-ups; None if the store has none."""
    router = WakeRouter(queues=queues, bus=bus, engine=engine, express=express)
    listener = store.wake_listener(router)
    return None if listener is None else Service("wake-listener", listener.run)
