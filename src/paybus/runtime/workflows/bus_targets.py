"""A state machine as an event-bus rule's target: the dispatcher starts an execution with the
matched event (after the target's input transformer) as its input, as EventBridge does.

Delivery is at least once, like EventBridge's: the execution name is left to paybus (a UUID).
A machine that does not exist is a `NO_RESOURCE` failure, an input that is not JSON an
`SDK_CLIENT_ERROR` one; both go to the target's retry policy and dead-letter queue.
"""

from __future__ import annotations

from collections.abc import Callable

from paybus.core.errors import NotFound, PaybusError
from paybus.core.events.arns import TargetRef
from paybus.core.events.deadletter import NO_RESOURCE, SDK_CLIENT_ERROR, Failure
from paybus.runtime.bus.dispatcher import DeliveryFailed, TargetInvoker
from paybus.runtime.workflows.service import Workflows


def state_machine_invoker(workflows: Callable[[], Workflows | None]) -> TargetInvoker:
    async def invoke(target: TargetRef, payload: str) -> None:
        running = workflows()
        if running is None:
            raise DeliveryFailed(Failure(NO_RESOURCE, "this paybus runs no workflows"))
        try:
            await running.start_execution(target.name, None, payload)
        except NotFound as missing:
            raise DeliveryFailed(Failure(NO_RESOURCE, missing.message)) from None
        except PaybusError as error:
            raise DeliveryFailed(Failure(SDK_CLIENT_ERROR, error.message)) from None

    return invoke
