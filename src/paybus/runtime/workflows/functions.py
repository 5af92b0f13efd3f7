"""Local Lambda-style functions: `handler(event, context)` callables registered by name.

The workflow runtime invokes functions only through the `FunctionInvoker` protocol, so the
function runner of issue 4 (`runtime/functions`) can replace `LocalFunctions` without touching
the executor. Names resolve like Lambda's: a bare name, a partial or a full function ARN (any
region and account, as the seed's placeholders), with or without a version qualifier.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import random
import time
import traceback
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import orjson

from paybus.core.errors import ConfigError, FunctionError, NotFound

Handler = Callable[[Any, Any], Any]


class FunctionInvoker(Protocol):
    async def invoke(self, function: str, payload: Any) -> Any:
        """Run the function named `function` (name or ARN) with `payload`; return its result.

        Raise `NotFound` for an unknown function and `FunctionError(message, error_type)`
        when the handler fails (`error_type` is what Lambda reports as `errorType`).
        """


def function_name(reference: str) -> str:
    """`arn:aws:lambda:r:a:function:NAME[:qualifier]`, `a:function:NAME` or `NAME` -> NAME."""
    parts = reference.split(":")
    if "function" in parts:
        index = parts.index("function")
        if index + 1 < len(parts):
            return parts[index + 1]
    return reference


@dataclass(frozen=True)
class LambdaContext:
    """The parts of Lambda's context object handlers commonly read."""

    function_name: str
    invoked_function_arn: str
    aws_request_id: str
    deadline: float
    memory_limit_in_mb: int = 128
    function_version: str = "$LATEST"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


def load_handler(spec: str) -> Handler:
    """Import `module:callable` (`module:attr.attr` for nested attributes)."""
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise ConfigError(f"function handler {spec!r} must be written 'module:callable'")
    try:
        target: Any = importlib.import_module(module_name)
    except ImportError as error:
        raise ConfigError(f"cannot import module {module_name!r} for {spec!r}: {error}") from None
    for part in attribute.split("."):
        target = getattr(target, part, None)
        if target is None:
            raise ConfigError(f"{spec!r}: module {module_name!r} has no attribute {attribute!r}")
    if not callable(target):
        raise ConfigError(f"{spec!r} is not callable")
    handler: Handler = target
    return handler


@dataclass
class LocalFunctions:
    """A registry of handlers run in this process; sync handlers run on worker threads."""

    handlers: dict[str, Handler] = field(default_factory=dict)
    region: str = "us-east-1"
    account_id: str = "000000000000"
    timeout_seconds: float = 900.0
    #: `module:callable` specs imported on first use (processes that rarely run functions)
    lazy: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_specs(
        cls, specs: Mapping[str, str], *, eager: bool = True, **options: Any
    ) -> LocalFunctions:
        """Handlers from `module:callable` specs; `eager` imports them now, so a bad spec
        stops a server at start rather than failing its first execution."""
        if eager:
            return cls({name: load_handler(spec) for name, spec in specs.items()}, **options)
        return cls(lazy=dict(specs), **options)

    def register(self, name: str, handler: Handler) -> None:
        self.handlers[function_name(name)] = handler

    async def invoke(self, function: str, payload: Any) -> Any:
        name = function_name(function)
        if name not in self.handlers and name in self.lazy:
            self.handlers[name] = load_handler(self.lazy[name])
        handler = self.handlers.get(name)
        if handler is None:
            raise NotFound(f"Function not found: {self._arn(name)}")
        # a request id, not a secret: no urandom call (slow on some VMs) on every invocation
        request_id = str(uuid.UUID(int=random.getrandbits(128), version=4))
        context = LambdaContext(
            name, self._arn(name), request_id, time.monotonic() + self.timeout_seconds
        )
        try:
            if inspect.iscoroutinefunction(handler):
                return await handler(payload, context)
            return await asyncio.to_thread(handler, payload, context)
        except FunctionError:
            raise
        except Exception as error:
            raise FunctionError(_lambda_cause(error), type(error).__name__) from error

    def _arn(self, name: str) -> str:
        return f"arn:aws:lambda:{self.region}:{self.account_id}:function:{name}"


def _lambda_cause(error: Exception) -> str:
    """The JSON Lambda's Python runtime reports for an unhandled exception."""
    frames = traceback.format_tb(error.__traceback__)
    return orjson.dumps(
        {
            "errorMessage": str(error),
            "errorType": type(error).__name__,
            "requestId": "",
            "stackTrace": [line.strip() for line in frames],
        }
    ).decode()
