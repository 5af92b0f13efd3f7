"""Function definitions: a `module:callable` handler with Lambda's timeout, concurrency and
asynchronous-invocation settings."""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from paybus.core.errors import ConfigError, InvalidParameterValue

_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
Handler = Callable[[Any, Any], Any]


@dataclass(frozen=True, slots=True)
class FunctionConfig:
    name: str
    #: "package.module:callable"
    handler: str
    #: seconds, as Lambda's Timeout (1-900, default 3)
    timeout: float = 3.0
    #: at most this many invocations at once (None: unreserved)
    reserved_concurrency: int | None = None
    #: asynchronous invocations: retries after the first attempt (0-2, default 2)
    maximum_retry_attempts: int = 2
    #: asynchronous invocations: seconds before the first retry (Lambda waits ~1 min, then ~2)
    retry_delay_seconds: int = 60
    #: asynchronous invocations: queue that receives an invocation record after the last failure
    on_failure_queue: str | None = None
    #: asynchronous invocations: queue that receives the failed event itself (Lambda's DLQ)
    dead_letter_queue: str | None = None

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise InvalidParameterValue(
                f"Function name {self.name!r} is invalid: 1-64 letters, digits, '-' or '_'"
            )
        if not 0 < self.timeout <= 900:
            raise InvalidParameterValue(
                f"Timeout {self.timeout} of function {self.name!r} must be from 1 to 900 seconds"
            )
        if self.reserved_concurrency is not None and not 0 <= self.reserved_concurrency <= 1000:
            raise InvalidParameterValue(
                f"ReservedConcurrentExecutions {self.reserved_concurrency} of function "
                f"{self.name!r} must be from 0 to 1000"
            )
        if not 0 <= self.maximum_retry_attempts <= 2:
            raise InvalidParameterValue(
                f"MaximumRetryAttempts {self.maximum_retry_attempts} of function {self.name!r} "
                "must be 0, 1 or 2"
            )


def load_handler(reference: str) -> Handler:
    """Import `module:callable`; a ConfigError names what could not be found."""
    module_name, _, attribute = reference.partition(":")
    if not module_name or not attribute:
        raise ConfigError(f"handler {reference!r} must be written 'module:callable'")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise ConfigError(
            f"handler {reference!r}: cannot import {module_name!r}: {error}"
        ) from None
    target: Any = module
    for part in attribute.split("."):
        target = getattr(target, part, None)
        if target is None:
            raise ConfigError(f"handler {reference!r}: {module_name!r} has no {attribute!r}")
    if not callable(target):
        raise ConfigError(f"handler {reference!r} is not callable")
    return target  # type: ignore[no-any-return]


def is_async(handler: Handler) -> bool:
    return inspect.iscoroutinefunction(handler) or inspect.iscoroutinefunction(
        getattr(handler, "__call__", None)  # noqa: B004  # a callable object's async __call__
    )
