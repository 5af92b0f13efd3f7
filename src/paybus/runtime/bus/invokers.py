"""How the dispatcher reaches each kind of remote target: functions and state machines."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson

from paybus.core.errors import ExecutionAlreadyExists, NotFound, PaybusError
from paybus.core.events.arns import TargetRef
from paybus.core.events.deadletter import NO_RESOURCE, SDK_CLIENT_ERROR, Failure
from paybus.runtime.bus.dispatcher import DeliveryFailed, TargetInvoker
from paybus.runtime.bus.planning import delivery_execution_name
from paybus.runtime.functions import Functions
from paybus.store.bus.records import DeliveryRecord

if TYPE_CHECKING:
    from paybus.runtime.workflows import Workflows


def _event(payload: str) -> Any:
    """A Lambda gets the JSON the rule produced; a plain-text template arrives as a string."""
    try:
        return orjson.loads(payload)
    except orjson.JSONDecodeError:
        return payload


def function_invoker(functions: Functions) -> TargetInvoker:
    """EventBridge invokes Lambda asynchronously: queued durably, retried by Lambda itself."""

    async def invoke(target: TargetRef, payload: str, delivery: DeliveryRecord) -> None:
        try:
            await functions.invoke_async(target.name, _event(payload))
        except NotFound as missing:
            raise DeliveryFailed(Failure(NO_RESOURCE, missing.message)) from None
        except PaybusError as error:
            raise DeliveryFailed(Failure(SDK_CLIENT_ERROR, error.message)) from None

    return invoke


def execution_name(delivery: DeliveryRecord) -> str:
    """One name per (event, rule, target): a redelivery finds the execution it started."""
    return delivery_execution_name(
        delivery.event_id, delivery.bus_name, delivery.rule_name, delivery.target_id
    )


def state_machine_invoker(workflows: Workflows) -> TargetInvoker:
    """StartExecution with the payload as input, named after the delivery: at most one
    execution per (event, rule, target) however often the delivery is retried."""

    async def invoke(target: TargetRef, payload: str, delivery: DeliveryRecord) -> None:
        arn = f"arn:aws:states:{workflows.region}:{workflows.account_id}:stateMachine:{target.name}"
        text = payload if _is_json(payload) else orjson.dumps(payload).decode()
        try:
            await workflows.start_execution(arn, execution_name(delivery), text)
        except ExecutionAlreadyExists:
            return  # started by an earlier attempt whose outcome was not recorded
        except NotFound as missing:
            raise DeliveryFailed(Failure(NO_RESOURCE, missing.message)) from None
        except PaybusError as error:
            raise DeliveryFailed(Failure(SDK_CLIENT_ERROR, error.message)) from None

    return invoke


def _is_json(text: str) -> bool:
    try:
        orjson.loads(text)
    except orjson.JSONDecodeError:
        return False
    return True
