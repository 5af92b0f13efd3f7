"""Lambda Task states run the functions of the one registry, `runtime.functions.Functions`.

The executor calls functions only through the `FunctionInvoker` protocol; `LambdaFunctions` is
its implementation over the registry that `[[functions]]` (and the `[workflows.functions]`
shorthand) fill, so a Task gets the same timeouts, reserved concurrency and context as any other
invocation. Failures become Lambda's error shape in the execution: the handler's exception type
as the error and Lambda's JSON error document as the cause; a timeout is `Lambda.Unknown`, a
throttle `Lambda.TooManyRequestsException`, an unknown function `Lambda.ResourceNotFoundException`.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any, Protocol

import orjson

from paybus.core.errors import FunctionError, FunctionTimeout, NotFound, TooManyRequests
from paybus.core.queues.naming import QueueNaming
from paybus.runtime.config import PaybusConfig
from paybus.runtime.functions import FunctionConfig, Functions
from paybus.runtime.functions.declared import declared_functions
from paybus.runtime.functions.definitions import Handler
from paybus.runtime.queues import QueueService
from paybus.store.store import Store

UNKNOWN = "Lambda.Unknown"
THROTTLED = "Lambda.TooManyRequestsException"
NOT_FOUND = "Lambda.ResourceNotFoundException"


class FunctionInvoker(Protocol):
    async def invoke(self, function: str, payload: Any) -> Any:
        """Run the function named `function` (name or ARN) with `payload`; return its result.

        Raise `FunctionError(cause, error)` with the error and cause the execution records.
        """


def function_name(reference: str) -> str:
    """`arn:aws:lambda:r:a:function:NAME[:qualifier]`, `a:function:NAME` or `NAME` -> NAME."""
    parts = reference.split(":")
    if "function" in parts:
        index = parts.index("function")
        if index + 1 < len(parts):
            return parts[index + 1]
    return reference


class LambdaFunctions:
    """`FunctionInvoker` over the function registry (built on first use when given a factory:
    a process that never runs a task, like the CLI, imports no handler)."""

    def __init__(self, functions: Functions | Callable[[], Functions]) -> None:
        self._functions = functions if isinstance(functions, Functions) else None
        self._factory = None if isinstance(functions, Functions) else functions

    @property
    def functions(self) -> Functions:
        if self._functions is None:
            assert self._factory is not None
            self._functions = self._factory()
        return self._functions

    @classmethod
    def in_memory(
        cls, store: Store, handlers: dict[str, Handler] | None = None, *, timeout: float = 900.0
    ) -> LambdaFunctions:
        """A registry of Python callables (tests, the bench, `paybus sfn run`)."""
        invoker = cls(Functions(QueueService(store)))
        for name, handler in (handlers or {}).items():
            invoker.register(name, handler, timeout=timeout)
        return invoker

    def register(self, name: str, handler: Handler, *, timeout: float = 900.0) -> None:
        name = function_name(name)
        self.functions.register(FunctionConfig(name, f"{name}:handler", timeout), handler)

    async def invoke(self, function: str, payload: Any) -> Any:
        name = function_name(function)
        try:
            return await self.functions.invoke(name, payload)
        except FunctionTimeout as timeout:
            raise FunctionError(_unknown_cause(timeout.message), UNKNOWN) from None
        except FunctionError as error:
            raise FunctionError(_lambda_cause(error), error.error_type) from None
        except TooManyRequests as throttled:
            raise FunctionError(throttled.message, THROTTLED) from None
        except NotFound as missing:
            raise FunctionError(missing.message, NOT_FOUND) from None


def declared_registry(store: Store, config: PaybusConfig) -> Functions:
    """The functions the project file declares, in a registry of their own."""
    naming = QueueNaming(config.aws.region, config.aws.account_id)
    functions = Functions(QueueService(store, naming))
    for declared in declared_functions(config):
        functions.register(declared)
    return functions


def _lambda_cause(error: FunctionError) -> str:
    """The JSON Lambda's Python runtime reports for an unhandled exception."""
    original = error.__cause__
    frames = traceback.format_tb(original.__traceback__) if original is not None else []
    message = str(original) if original is not None else error.message
    return orjson.dumps(
        {
            "errorMessage": message,
            "errorType": error.error_type,
            "requestId": "",
            "stackTrace": [line.strip() for line in frames],
        }
    ).decode()


def _unknown_cause(message: str) -> str:
    payload = orjson.dumps({"errorMessage": message}).decode()
    return (
        "The cause could not be determined because Lambda did not return an error type. "
        f"Returned payload: {payload}"
    )
