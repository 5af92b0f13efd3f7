"""Lambda-style functions: handlers, invocation (sync and async), and event-source mappings."""

from paybus.runtime.functions.context import LambdaContext, TransactionalTables
from paybus.runtime.functions.definitions import FunctionConfig, load_handler
from paybus.runtime.functions.mappings import EventSourceMappings
from paybus.runtime.functions.runner import Functions

__all__ = [
    "EventSourceMappings",
    "FunctionConfig",
    "Functions",
    "LambdaContext",
    "TransactionalTables",
    "load_handler",
]
