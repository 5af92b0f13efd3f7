"""DynamoDB-like application tables, the pure part: conditions, keys, updates, write operations.

The store runs these inside its transactions; handlers use them for atomic counters and
conditional writes that commit together with the acknowledgement of their message.
"""

from paybus.core.tables.conditions import Attr, Condition
from paybus.core.tables.items import Item, KeySchema, apply_update
from paybus.core.tables.ops import Check, Delete, Put, TableOp, Update

__all__ = [
    "Attr",
    "Check",
    "Condition",
    "Delete",
    "Item",
    "KeySchema",
    "Put",
    "TableOp",
    "Update",
    "apply_update",
]
