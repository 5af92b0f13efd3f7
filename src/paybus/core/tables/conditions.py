"""Conditions on an item, in the shape of boto3's `Attr(...)` builders: `Attr("tier").eq("gold")`.

Comparisons follow DynamoDB: values of different types never compare (a number is not below a
string), a missing attribute makes every comparison false except `ne`, and booleans are not
numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from paybus.core.tables.items import MISSING, resolve_path


class Condition:
    """A predicate over an item (None when the item does not exist)."""

    def evaluate(self, item: Mapping[str, Any] | None) -> bool:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError

    def __and__(self, other: Condition) -> Condition:
        return _And(self, other)

    def __or__(self, other: Condition) -> Condition:
        return _Or(self, other)

    def __invert__(self) -> Condition:
        return _Not(self)

    def __repr__(self) -> str:
        return self.describe()


@dataclass(frozen=True, repr=False)
class _And(Condition):
    left: Condition
    right: Condition

    def evaluate(self, item: Mapping[str, Any] | None) -> bool:
        return self.left.evaluate(item) and self.right.evaluate(item)

    def describe(self) -> str:
        return f"({self.left.describe()} AND {self.right.describe()})"


@dataclass(frozen=True, repr=False)
class _Or(Condition):
    left: Condition
    right: Condition

    def evaluate(self, item: Mapping[str, Any] | None) -> bool:
        return self.left.evaluate(item) or self.right.evaluate(item)

    def describe(self) -> str:
        return f"({self.left.describe()} OR {self.right.describe()})"


@dataclass(frozen=True, repr=False)
class _Not(Condition):
    inner: Condition

    def evaluate(self, item: Mapping[str, Any] | None) -> bool:
        return not self.inner.evaluate(item)

    def describe(self) -> str:
        return f"NOT {self.inner.describe()}"


@dataclass(frozen=True, repr=False)
class _Test(Condition):
    path: str
    name: str
    operands: tuple[Any, ...]
    test: Callable[..., bool]
    when_missing: bool = False

    def evaluate(self, item: Mapping[str, Any] | None) -> bool:
        value = MISSING if item is None else resolve_path(item, self.path)
        if value is MISSING:
            return self.when_missing
        return self.test(value, *self.operands)

    def describe(self) -> str:
        args = ", ".join([self.path, *(repr(o) for o in self.operands)])
        return f"{self.name}({args})"


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return type(value).__name__


def _ordered(op: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def test(value: Any, operand: Any) -> bool:
        return _kind(value) == _kind(operand) in ("number", "string") and op(value, operand)

    return test


def _equal(value: Any, operand: Any) -> bool:
    return _kind(value) == _kind(operand) and bool(value == operand)


class Attr:
    """Builds conditions on one attribute path (`"balance"`, `"address.city"`, `"tags[0]"`)."""

    def __init__(self, path: str) -> None:
        self.path = path

    def _test(
        self, name: str, test: Callable[..., bool], *ops: Any, missing: bool = False
    ) -> Condition:
        return _Test(self.path, name, ops, test, missing)

    def eq(self, value: Any) -> Condition:
        return self._test("eq", _equal, value)

    def ne(self, value: Any) -> Condition:
        return self._test("ne", lambda v, o: not _equal(v, o), value, missing=True)

    def lt(self, value: Any) -> Condition:
        return self._test("lt", _ordered(lambda a, b: a < b), value)

    def lte(self, value: Any) -> Condition:
        return self._test("lte", _ordered(lambda a, b: a <= b), value)

    def gt(self, value: Any) -> Condition:
        return self._test("gt", _ordered(lambda a, b: a > b), value)

    def gte(self, value: Any) -> Condition:
        return self._test("gte", _ordered(lambda a, b: a >= b), value)

    def between(self, low: Any, high: Any) -> Condition:
        within = _ordered(lambda a, b: a >= b)
        below = _ordered(lambda a, b: a <= b)
        return self._test("between", lambda v, lo, hi: within(v, lo) and below(v, hi), low, high)

    def begins_with(self, prefix: str) -> Condition:
        return self._test(
            "begins_with", lambda v, p: isinstance(v, str) and v.startswith(p), prefix
        )

    def contains(self, member: Any) -> Condition:
        def test(value: Any, wanted: Any) -> bool:
            if isinstance(value, str):
                return isinstance(wanted, str) and wanted in value
            return isinstance(value, list) and any(_equal(v, wanted) for v in value)

        return self._test("contains", test, member)

    def is_in(self, values: Sequence[Any]) -> Condition:
        return self._test("is_in", lambda v, vs: any(_equal(v, o) for o in vs), tuple(values))

    def exists(self) -> Condition:
        return self._test("attribute_exists", lambda v: True)

    def not_exists(self) -> Condition:
        return self._test("attribute_not_exists", lambda v: False, missing=True)
