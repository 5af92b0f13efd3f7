"""Write operations on tables, as data: a transaction is a list of them applied all or nothing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from paybus.core.tables.conditions import Condition


@dataclass(frozen=True, slots=True)
class Put:
    """Write a whole item, replacing any item with the same key."""

    table: str
    item: Mapping[str, Any]
    condition: Condition | None = None


@dataclass(frozen=True, slots=True)
class Update:
    """Change attributes of the item at `key`, creating it if absent (as DynamoDB does)."""

    table: str
    key: Mapping[str, Any]
    set: Mapping[str, Any] = field(default_factory=dict)
    add: Mapping[str, int | float] = field(default_factory=dict)
    remove: tuple[str, ...] = ()
    condition: Condition | None = None


@dataclass(frozen=True, slots=True)
class Delete:
    table: str
    key: Mapping[str, Any]
    condition: Condition | None = None


@dataclass(frozen=True, slots=True)
class Check:
    """Only test a condition on the item at `key`; writes nothing."""

    table: str
    key: Mapping[str, Any]
    condition: Condition


TableOp = Put | Update | Delete | Check
