"""Service integrations of Task states: what `arn:aws:states:::<service>:<api>` does in paybus.

Two kinds: a *unit* integration runs inside the transition's own transaction (a queue send
commits with the state change: exactly once), a *task* integration runs afterwards on the task
runner (at least once; idempotent where the service allows, like PutEvents' receipts).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from paybus.core.asl import InvokeTask
from paybus.store.sql import Unit

CALLBACK = ".waitForTaskToken"


@dataclass(frozen=True)
class UnitResult:
    """A unit integration's response, and the queues it put messages on (to wake pollers)."""

    response: Any
    queues: frozenset[str] = frozenset()


#: runs inside the transition's transaction: (task, now_ms) -> its response
UnitIntegration = Callable[[InvokeTask, int], Unit[UnitResult]]
#: runs on the task runner: (task, execution ARN) -> its response
TaskIntegration = Callable[[InvokeTask, str], Awaitable[Any]]


def service_api(resource: str) -> str | None:
    """`arn:aws:states:::sqs:sendMessage.waitForTaskToken` -> `sqs:sendMessage`."""
    prefix = "arn:aws:states:::"
    if not resource.startswith(prefix):
        return None
    return resource[len(prefix) :].removesuffix(CALLBACK)


def sdk_metadata() -> dict[str, Any]:
    """The SDK envelope AWS adds to request-response results."""
    return {"SdkHttpMetadata": {"HttpStatusCode": 200}, "SdkResponseMetadata": {}}
