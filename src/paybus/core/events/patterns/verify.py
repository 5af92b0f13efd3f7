"""Verifying one branch against the walked leaves of an event, arrays included.

Most branches are decided in one pass: each field needs an accepted leaf, and leaves outside
arrays can always be combined. Only when two fields draw on array elements, or an
`{"exists": false}` depends on which elements were chosen, does the exact search run: it
backtracks over the fields in sorted order, as event-ruler does, and looks up the leaves of the
array elements already chosen instead of scanning every element.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from paybus.core.events.patterns.conditions import Absent, Condition, Exactly, NumberEquals
from paybus.core.events.patterns.flatten import Fields, Leaf, consistent, join
from paybus.core.events.patterns.values import Scalar, is_number, number_key

_BUCKET_FROM = 16  # leaves of one path before the exact search indexes them by array element


@dataclass(frozen=True, slots=True)
class BranchField:
    """One field of a branch; `accepts` tests a present leaf value against its conditions."""

    path: str
    conditions: tuple[Condition, ...]
    absent_ok: bool
    accepts: Callable[[Scalar], bool] = dataclasses.field(compare=False, hash=False, repr=False)
    # When every condition is an exact string: those strings, looked up rather than scanned.
    only_strings: frozenset[str] | None = dataclasses.field(compare=False, hash=False, repr=False)

    @classmethod
    def of(cls, path: str, conditions: tuple[Condition, ...]) -> BranchField:
        absent_ok = any(isinstance(c, Absent) for c in conditions)
        only_strings = None
        if all(isinstance(c, Exactly) for c in conditions):
            only_strings = frozenset(c.text for c in conditions if isinstance(c, Exactly))
        return cls(path, conditions, absent_ok, _acceptor(conditions), only_strings)


def _acceptor(conditions: tuple[Condition, ...]) -> Callable[[Scalar], bool]:
    """A value test specialised for the common shapes (a set of exact strings, numbers)."""
    strings = frozenset(c.text for c in conditions if isinstance(c, Exactly))
    numbers = frozenset(c.key for c in conditions if isinstance(c, NumberEquals))
    others = tuple(
        c.matches for c in conditions if not isinstance(c, Exactly | NumberEquals | Absent)
    )
    if not numbers and not others:
        return lambda value: value.__class__ is str and value in strings

    def accepts(value: Scalar) -> bool:
        if isinstance(value, str):
            if value in strings:
                return True
        elif numbers and is_number(value) and number_key(value) in numbers:  # type: ignore[arg-type]
            return True
        return any(matches(value) for matches in others)

    return accepts


class EventFields:
    """The leaves of one event, with per-path indexes by array element built on demand."""

    __slots__ = ("_buckets", "_strings", "fields")

    def __init__(self, fields: Fields) -> None:
        self.fields = fields
        self._buckets: dict[str, _Buckets] = {}
        self._strings: dict[str, dict[str, list[Leaf]]] = {}

    def with_strings(self, path: str, strings: frozenset[str]) -> list[Leaf]:
        """The leaves of a (long) path whose value is one of `strings`, by lookup."""
        by_string = self._strings.get(path)
        if by_string is None:
            by_string = self._strings[path] = {}
            for leaf in self.fields.get(path, ()):
                if leaf[0].__class__ is str:
                    by_string.setdefault(leaf[0], []).append(leaf)
        found: list[Leaf] = []
        for text in strings:
            found.extend(by_string.get(text, ()))
        return found

    def candidates(self, path: str, joined: dict[int, int]) -> Iterator[Leaf]:
        """Leaves of `path` that may agree with the array elements chosen so far."""
        leaves = self.fields.get(path)
        if leaves is None:
            return
        if not joined or len(leaves) < _BUCKET_FROM:
            yield from leaves
            return
        buckets = self._buckets.get(path)
        if buckets is None:
            buckets = self._buckets[path] = _Buckets(leaves)
        yield from buckets.free
        for array, by_index in buckets.nested.items():
            index = joined.get(array)
            if index is None:
                for group in by_index.values():
                    yield from group
            else:
                yield from by_index.get(index, ())


class _Buckets:
    """Leaves of one path grouped by their outermost array and element."""

    __slots__ = ("free", "nested")

    def __init__(self, leaves: list[Leaf]) -> None:
        self.free: list[Leaf] = []
        self.nested: dict[int, dict[int, list[Leaf]]] = {}
        for leaf in leaves:
            membership = leaf[1]
            if not membership:
                self.free.append(leaf)
                continue
            array, index = membership[0]
            self.nested.setdefault(array, {}).setdefault(index, []).append(leaf)


def verify(branch: tuple[BranchField, ...], event: EventFields) -> bool:
    """Whether the branch matches; the one-pass answer unless arrays make choices interact."""
    fields = event.fields
    from_arrays_only = 0
    exact_needed = False
    for field in branch:
        leaves = fields.get(field.path)
        if not leaves:
            if field.absent_ok:
                continue
            return False
        if field.only_strings is not None and len(leaves) >= _BUCKET_FROM:
            hits = event.with_strings(field.path, field.only_strings)
            if not hits:
                return False
            from_arrays_only += all(membership for _, membership in hits)
            continue
        hit_free = hit_in_array = has_free = False
        for value, membership in leaves:
            if not membership:
                has_free = True
                if field.accepts(value):
                    hit_free = True
                    break
            elif not hit_in_array and field.accepts(value):
                hit_in_array = True
        if hit_free:
            continue
        maybe_absent = field.absent_ok and not has_free
        if not hit_in_array and not maybe_absent:
            return False
        exact_needed = exact_needed or maybe_absent
        from_arrays_only += hit_in_array
    if exact_needed or from_arrays_only > 1:
        return _exact(branch, 0, event, {})
    return True


def _exact(
    branch: tuple[BranchField, ...], at: int, event: EventFields, joined: dict[int, int]
) -> bool:
    """Backtrack over the branch's fields, keeping array elements consistent (event-ruler)."""
    if at == len(branch):
        return True
    field = branch[at]
    if field.only_strings is not None and len(event.fields.get(field.path, ())) >= _BUCKET_FROM:
        return any(
            consistent(joined, membership)
            and _exact(branch, at + 1, event, join(joined, membership))
            for _, membership in event.with_strings(field.path, field.only_strings)
        )
    agreeing = False
    for value, membership in event.candidates(field.path, joined):
        if not consistent(joined, membership):
            continue
        agreeing = True
        if field.accepts(value) and _exact(branch, at + 1, event, join(joined, membership)):
            return True
    return field.absent_ok and not agreeing and _exact(branch, at + 1, event, joined)
