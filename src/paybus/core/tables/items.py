"""Items, their keys and updates: what a DynamoDB-like write does to an item, without storage."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from paybus.core.errors import ValidationError

Item = dict[str, Any]
MISSING: Any = object()
_SEGMENT = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


@dataclass(frozen=True, slots=True)
class KeySchema:
    """Which attributes form an item's key: a partition key and an optional sort key."""

    partition_key: str
    sort_key: str | None = None

    @property
    def names(self) -> list[str]:
        return [self.partition_key] + ([self.sort_key] if self.sort_key else [])

    def key_of(
        self, item: Mapping[str, Any], *, table: str, exact: bool = False
    ) -> tuple[str, str]:
        """The encoded (partition, sort) key of an item; `exact` rejects non-key attributes."""
        if exact:
            extra = sorted(set(item) - set(self.names))
            if extra:
                raise ValidationError(
                    f"key for table {table!r} has attribute {extra[0]!r} that is not part of "
                    f"the key schema ({', '.join(self.names)})"
                )
        partition = encode_key_value(
            table, self.partition_key, item.get(self.partition_key, MISSING)
        )
        sort = ""
        if self.sort_key:
            sort = encode_key_value(table, self.sort_key, item.get(self.sort_key, MISSING))
        return partition, sort

    def key_attributes(self, item: Mapping[str, Any]) -> Item:
        return {name: item[name] for name in self.names if name in item}


def encode_key_value(table: str, name: str, value: Any) -> str:
    """Keys are strings or numbers; 3 and 3.0 are the same key, "3" is another."""
    if value is MISSING:
        raise ValidationError(f"item for table {table!r} is missing its key attribute {name!r}")
    if isinstance(value, str):
        if not value:
            raise ValidationError(f"key attribute {name!r} of table {table!r} is an empty string")
        return "s:" + value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValidationError(f"key attribute {name!r} of table {table!r} is {value}")
        number = int(value) if float(value).is_integer() else value
        return f"n:{number!r}"
    raise ValidationError(
        f"key attribute {name!r} of table {table!r} must be a string or a number, "
        f"got {type(value).__name__}"
    )


def parse_path(path: str) -> list[str | int]:
    """`"a.b[2].c"` -> `["a", "b", 2, "c"]`."""
    segments: list[str | int] = []
    position = 0
    for match in _SEGMENT.finditer(path):
        if match.start() != position:
            raise ValidationError(f"invalid attribute path {path!r}")
        name, index = match.groups()
        segments.append(int(index) if index is not None else name)
        position = match.end()
        if position < len(path) and path[position] == ".":
            position += 1
    if not segments or position != len(path):
        raise ValidationError(f"invalid attribute path {path!r}")
    return segments


def resolve_path(item: Mapping[str, Any], path: str) -> Any:
    current: Any = item
    for segment in parse_path(path):
        if isinstance(segment, int):
            if not isinstance(current, list) or segment >= len(current):
                return MISSING
        elif not isinstance(current, Mapping) or segment not in current:
            return MISSING
        current = current[segment]
    return current


def apply_update(
    item: Mapping[str, Any],
    *,
    set_values: Mapping[str, Any] | None = None,
    add: Mapping[str, int | float] | None = None,
    remove: Iterable[str] = (),
    protected: Iterable[str] = (),
) -> Item:
    """A new item with `set_values` set, `add` added (missing counts as 0), `remove` removed.

    `protected` names the key attributes, which an update may not change.
    """
    updated: Item = _deep_copy(item)
    keys = set(protected)
    for path, value in (set_values or {}).items():
        _guard(path, keys)
        _assign(updated, path, value)
    for path, amount in (add or {}).items():
        _guard(path, keys)
        if not _is_number(amount):
            raise ValidationError(f"cannot add {amount!r} to {path!r}: the amount must be a number")
        current = resolve_path(updated, path)
        if current is MISSING:
            current = 0
        elif not _is_number(current):
            raise ValidationError(
                f"cannot add to attribute {path!r}: "
                f"it holds a {type(current).__name__}, not a number"
            )
        _assign(updated, path, current + amount)
    for path in remove:
        _guard(path, keys)
        _delete(updated, path)
    return updated


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _guard(path: str, keys: set[str]) -> None:
    head = parse_path(path)[0]
    if head in keys:
        raise ValidationError(f"cannot update key attribute {head!r}")


def _parent(item: Item, path: str) -> tuple[Any, str | int]:
    segments = parse_path(path)
    current: Any = item
    for segment in segments[:-1]:
        if isinstance(segment, int):
            if not isinstance(current, list) or segment >= len(current):
                raise ValidationError(f"attribute path {path!r} does not exist in the item")
            current = current[segment]
        else:
            if not isinstance(current, dict):
                raise ValidationError(f"attribute path {path!r} does not exist in the item")
            current = current.setdefault(segment, {})
    return current, segments[-1]


def _assign(item: Item, path: str, value: Any) -> None:
    parent, last = _parent(item, path)
    if isinstance(last, int):
        if not isinstance(parent, list):
            raise ValidationError(f"attribute path {path!r} indexes a value that is not a list")
        if last < len(parent):
            parent[last] = value
        else:
            parent.append(value)
    elif isinstance(parent, dict):
        parent[last] = value
    else:
        raise ValidationError(f"attribute path {path!r} does not name a map attribute")


def _delete(item: Item, path: str) -> None:
    try:
        parent, last = _parent(item, path)
    except ValidationError:
        return
    if isinstance(last, int) and isinstance(parent, list) and last < len(parent):
        del parent[last]
    elif isinstance(last, str) and isinstance(parent, dict):
        parent.pop(last, None)


def _deep_copy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _deep_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deep_copy(v) for v in value]
    return value
