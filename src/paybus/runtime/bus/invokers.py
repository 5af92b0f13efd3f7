"""How the dispatcher reaches each kind of remote target."""

from __future__ import annotations

from typing import Any

import orjson

from paybus.core.errors import NotFound, PaybusError
from paybus.core.events.arns import TargetRef
from paybus.core.events.deadletter import NO_RESOURCE, SDK_CLIENT_ERROR, Failure
from paybus.runtime.bus.dispatcher import DeliveryFailed, TargetInvoker
from paybus.runtime.functions import Functions


def _event(payload: str) -> Any:
    """A Lambda gets the JSON the rule produced; a plain-text template arrives as a string."""
    try:
        return orjson.loads(payload)
    except orjson.JSONDecodeError:
        return payload


def function_invoker(functions: Functions) -> TargetInvoker:
    """EventBridge invokes Lambda asynchronously: queued durably, retried by Lambda itself."""

    async def invoke(target: TargetRef, payload: str) -> None:
        try:
            await functions.invoke_async(target.name, _event(payload))
        except NotFound as missing:
            raise DeliveryFailed(Failure(NO_RESOURCE, missing.message)) from None
        except PaybusError as error:
            raise DeliveryFailed(Failure(SDK_CLIENT_ERROR, error.message)) from None

    return invoke
