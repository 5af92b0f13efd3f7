"""The match conditions a pattern compiles to, each deciding one event leaf value.

A field's value list in a pattern becomes a tuple of conditions (OR). Every condition but
`Absent` tests a present leaf value (string, number, boolean or null); `Absent`
(`{"exists": false}`) is decided from the absence of the field, by whoever walks the event.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from paybus.core.events.patterns.ipaddr import ip_bytes_if_possible
from paybus.core.events.patterns.values import NumberKey, Scalar, fold, is_number, number_key
from paybus.core.events.patterns.wildcard import WildcardPattern


class Condition:
    """Base class: `matches` says whether one present leaf value satisfies the condition."""

    __slots__ = ()

    def matches(self, value: Scalar) -> bool:
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class Exactly(Condition):
    """An exact string (`"a"` or `{"exactly": "a"}`)."""

    text: str

    def matches(self, value: Scalar) -> bool:
        return isinstance(value, str) and value == self.text


@dataclass(frozen=True, slots=True)
class ExactAddress(Condition):
    """An exact string that is an IP address: any spelling of that address matches."""

    text: str
    address: bytes

    def matches(self, value: Scalar) -> bool:
        return isinstance(value, str) and ip_bytes_if_possible(value) == self.address


@dataclass(frozen=True, slots=True)
class Literal(Condition):
    """`true`, `false` or `null`."""

    value: bool | None

    def matches(self, value: Scalar) -> bool:
        if self.value is None:
            return value is None
        return isinstance(value, bool) and value is self.value


@dataclass(frozen=True, slots=True)
class NumberEquals(Condition):
    """A number in the value list, or `{"numeric": ["=", n]}`: numeric equality."""

    key: NumberKey

    def matches(self, value: Scalar) -> bool:
        return is_number(value) and number_key(value) == self.key  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class NumericRange(Condition):
    """`{"numeric": [">", a, "<=", b]}`; a missing bound is unbounded."""

    low: NumberKey | None
    low_open: bool
    high: NumberKey | None
    high_open: bool

    def matches(self, value: Scalar) -> bool:
        kind = value.__class__
        if kind is float:
            x: NumberKey = value  # type: ignore[assignment]
        elif kind is int or (kind is not bool and is_number(value)):
            x = number_key(value)  # type: ignore[arg-type]
        else:
            return False
        if self.low is not None and (x < self.low or (self.low_open and x == self.low)):
            return False
        return not (
            self.high is not None and (x > self.high or (self.high_open and x == self.high))
        )


@dataclass(frozen=True, slots=True)
class Prefix(Condition):
    text: str

    def matches(self, value: Scalar) -> bool:
        return isinstance(value, str) and value.startswith(self.text)


@dataclass(frozen=True, slots=True)
class Suffix(Condition):
    text: str

    def matches(self, value: Scalar) -> bool:
        return isinstance(value, str) and value.endswith(self.text)


@dataclass(frozen=True, slots=True)
class EqualsIgnoreCase(Condition):
    folded: str

    def matches(self, value: Scalar) -> bool:
        return isinstance(value, str) and fold(value) == self.folded


@dataclass(frozen=True, slots=True)
class PrefixIgnoreCase(Condition):
    folded: str

    def matches(self, value: Scalar) -> bool:
        return isinstance(value, str) and fold(value).startswith(self.folded)


@dataclass(frozen=True, slots=True)
class SuffixIgnoreCase(Condition):
    folded: str

    def matches(self, value: Scalar) -> bool:
        return isinstance(value, str) and fold(value).endswith(self.folded)


@dataclass(frozen=True, slots=True)
class Wildcard(Condition):
    pattern: WildcardPattern
    regex: re.Pattern[str] = field(compare=False, hash=False, repr=False)

    @classmethod
    def of(cls, pattern: WildcardPattern) -> Wildcard:
        return cls(pattern, pattern.regex())

    def matches(self, value: Scalar) -> bool:
        return isinstance(value, str) and self.regex.fullmatch(value) is not None


@dataclass(frozen=True, slots=True)
class Cidr(Condition):
    """A string IP address inside [first, last] of the same address family."""

    text: str
    first: bytes
    last: bytes

    def matches(self, value: Scalar) -> bool:
        if not isinstance(value, str):
            return False
        address = ip_bytes_if_possible(value)
        return (
            address is not None
            and len(address) == len(self.first)
            and self.first <= address <= self.last
        )


@dataclass(frozen=True, slots=True)
class AnythingBut(Condition):
    """Any value except the listed strings (or numbers); null and other types match."""

    strings: frozenset[str] = frozenset()
    numbers: frozenset[NumberKey] = frozenset()

    def matches(self, value: Scalar) -> bool:
        if isinstance(value, str):
            return value not in self.strings
        if is_number(value):
            return number_key(value) not in self.numbers  # type: ignore[arg-type]
        return True


@dataclass(frozen=True, slots=True)
class AnythingButPrefix(Condition):
    texts: frozenset[str]

    def matches(self, value: Scalar) -> bool:
        return not (isinstance(value, str) and any(value.startswith(t) for t in self.texts))


@dataclass(frozen=True, slots=True)
class AnythingButSuffix(Condition):
    texts: frozenset[str]

    def matches(self, value: Scalar) -> bool:
        return not (isinstance(value, str) and any(value.endswith(t) for t in self.texts))


@dataclass(frozen=True, slots=True)
class AnythingButIgnoreCase(Condition):
    folded: frozenset[str]

    def matches(self, value: Scalar) -> bool:
        return not (isinstance(value, str) and fold(value) in self.folded)


@dataclass(frozen=True, slots=True)
class AnythingButWildcard(Condition):
    patterns: tuple[Wildcard, ...]

    def matches(self, value: Scalar) -> bool:
        return not (isinstance(value, str) and any(w.matches(value) for w in self.patterns))


@dataclass(frozen=True, slots=True)
class Exists(Condition):
    """`{"exists": true}`: any leaf value, null included."""

    def matches(self, value: Scalar) -> bool:
        return True


@dataclass(frozen=True, slots=True)
class Absent(Condition):
    """`{"exists": false}`: satisfied by the field's absence, never by a value."""

    def matches(self, value: Scalar) -> bool:
        return False
