"""Flatten an event into leaf fields, remembering which array element each leaf came from.

A field's name joins the object keys on its path with `.` (arrays add nothing), so `{"a.b": 1}`
and `{"a": {"b": 1}}` both give `a.b`. Objects and empty arrays are not leaves. Each leaf keeps
its array membership, ((array id, element index), ...) from the outermost array inwards, so a
match can refuse to combine fields taken from different elements of one array.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import count
from typing import Any, TypeAlias

from paybus.core.events.patterns.values import Scalar

Membership: TypeAlias = tuple[tuple[int, int], ...]
Leaf: TypeAlias = tuple[Scalar, Membership]
Fields: TypeAlias = dict[str, list[Leaf]]


def flatten_event(event: Mapping[str, Any]) -> Fields:
    """Every leaf of the event, grouped by field name."""
    fields: Fields = {}
    _walk_object(event, None, (), fields, count())
    return fields


def _walk_object(
    obj: Mapping[str, Any],
    prefix: str | None,
    membership: Membership,
    fields: Fields,
    ids: count[int],
) -> None:
    for key, value in obj.items():
        _walk(value, key if prefix is None else f"{prefix}.{key}", membership, fields, ids)


def _walk(value: Any, name: str, membership: Membership, fields: Fields, ids: count[int]) -> None:
    if isinstance(value, Mapping):
        _walk_object(value, name, membership, fields, ids)
    elif isinstance(value, list | tuple):
        array = next(ids)
        for index, element in enumerate(value):
            _walk(element, name, (*membership, (array, index)), fields, ids)
    else:
        fields.setdefault(name, []).append((value, membership))


def consistent(joined: dict[int, int], membership: Membership) -> bool:
    """No array appears in both with different element indexes."""
    if not joined or not membership:
        return True
    if len(membership) == 1:
        array, index = membership[0]
        return joined.get(array, index) == index
    return all(joined.get(array, index) == index for array, index in membership)


def join(joined: dict[int, int], membership: Membership) -> dict[int, int]:
    if not membership:
        return joined
    merged = dict(joined)
    merged.update(membership)
    return merged
