"""The field paths the rules of a bus use, as a tree the matcher walks events along.

Walking an event through this tree collects only the leaves some rule looks at and skips every
other subtree unread, so a 256 KB event costs little when rules look at a few fields. Keys are
split on `.` on both sides, so dotted keys and nesting meet (`"a.b"` reaches the node a → b).
Nodes are shared with concurrent readers: a writer only adds or deletes whole children, which is
safe in place, and reference counts say when a path is no longer used.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import count
from typing import Any

from paybus.core.events.patterns.flatten import Fields, Membership

_WIDE = 16  # objects with more keys than this are walked by the names in use


class _Node:
    __slots__ = ("children", "entries", "path", "uses")

    def __init__(self, path: str | None) -> None:
        self.children: dict[str, _Node] = {}
        # The same children as a tuple replaced whole on change, for readers that iterate.
        self.entries: tuple[tuple[str, _Node], ...] = ()
        self.path = path  # the field name ending here; None for the root
        self.uses = 0  # how many rule fields end here


class FieldTree:
    def __init__(self) -> None:
        self._root = _Node(None)

    def add(self, path: str) -> None:
        node = self._root
        for segment in path.split("."):
            child = node.children.get(segment)
            if child is None:
                name = segment if node.path is None else f"{node.path}.{segment}"
                child = _Node(name)
                node.children[segment] = child
                node.entries = (*node.entries, (segment, child))
            node = child
        node.uses += 1

    def remove(self, path: str) -> None:
        trail = [self._root]
        segments = path.split(".")
        for segment in segments:
            trail.append(trail[-1].children[segment])
        trail[-1].uses -= 1
        for depth in range(len(segments), 0, -1):
            node = trail[depth]
            if node.uses or node.children:
                break
            parent = trail[depth - 1]
            parent.entries = tuple(e for e in parent.entries if e[1] is not node)
            del parent.children[segments[depth - 1]]

    def collect(self, event: Mapping[str, Any]) -> Fields:
        """The event's leaves at used paths, with their array memberships."""
        fields: Fields = {}
        _object(event, self._root, (), fields, count())
        return fields


def _object(
    obj: Mapping[str, Any], node: _Node, membership: Membership, fields: Fields, ids: count[int]
) -> None:
    children = node.children
    if len(obj) > _WIDE and len(children) * 4 < len(obj) and "." not in "".join(obj):
        # A wide object, few names in use, no dotted key: look the used names up instead.
        for name, child in node.entries:
            if name in obj:
                _value(obj[name], child, membership, fields, ids)
        return
    for key, value in obj.items():
        found = children.get(key)
        if found is None and "." in key:
            found = _descend(node, key)
        if found is None:
            continue
        child = found
        kind = value.__class__
        if kind is str or kind is int or kind is float or kind is bool or value is None:
            if child.uses:
                fields.setdefault(child.path, []).append((value, membership))  # type: ignore[arg-type]
        elif kind is dict:
            if child.children:
                _object(value, child, membership, fields, ids)
        else:
            _value(value, child, membership, fields, ids)


def _leaf(value: Any, node: _Node, membership: Membership, fields: Fields) -> None:
    leaves = fields.get(node.path)  # type: ignore[arg-type]
    if leaves is None:
        fields[node.path] = [(value, membership)]  # type: ignore[index]
    else:
        leaves.append((value, membership))


def _value(
    value: Any, node: _Node, membership: Membership, fields: Fields, ids: count[int]
) -> None:
    """Any JSON value (or mapping / sequence standing for one) at `node`."""
    if isinstance(value, Mapping):
        if node.children:
            _object(value, node, membership, fields, ids)
    elif isinstance(value, list | tuple):
        _array(value, node, membership, fields, ids)
    elif node.uses:
        _leaf(value, node, membership, fields)


def _array(
    items: list[Any] | tuple[Any, ...],
    node: _Node,
    membership: Membership,
    fields: Fields,
    ids: count[int],
) -> None:
    if not (node.uses or node.children):
        return
    array = next(ids)
    for index, value in enumerate(items):
        inner = (*membership, (array, index))
        if value.__class__ is dict:
            if node.children:
                _object(value, node, inner, fields, ids)
        else:
            _value(value, node, inner, fields, ids)


def _descend(node: _Node, key: str) -> _Node | None:
    for segment in key.split("."):
        found = node.children.get(segment)
        if found is None:
            return None
        node = found
    return node
