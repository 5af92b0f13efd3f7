"""Per-field candidate index: event value → the branches anchored on that field.

Every branch is posted under the conditions of one of its fields (its anchor). Probing a value
costs hash lookups and a few slices, whatever the number of postings: exact values, numbers,
case-folded strings and IP addresses by hash; prefixes and suffixes by probing only the prefix
lengths in use; numeric ranges by bisecting sorted bounds. The index may over-report (ranges,
CIDR blocks, wildcards, anything-but); the matcher verifies every candidate, so it must never
under-report.

Readers run while a writer changes postings: every posting is an immutable tuple replaced
whole, dictionaries only gain or lose keys, and sorted tables are swapped as one object.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import Any

from paybus.core.events.patterns.conditions import (
    Absent,
    Cidr,
    Condition,
    EqualsIgnoreCase,
    ExactAddress,
    Exactly,
    Literal,
    NumberEquals,
    NumericRange,
    Prefix,
    PrefixIgnoreCase,
    Suffix,
    SuffixIgnoreCase,
    Wildcard,
)
from paybus.core.events.patterns.ipaddr import ip_bytes_if_possible, looks_like_ip
from paybus.core.events.patterns.values import NumberKey, Scalar, fold, is_number, number_key

Postings = tuple[object, ...]  # the posted branches themselves, so readers need no lookup
_EMPTY: Postings = ()
# How many more values than an exact one an operator accepts (a guess, used to pick anchors).
_WIDTH = {"exact": 1.0, "fixed": 2.0, "affix": 6.0}
_RANGE_SHARE = 0.3  # of numbers (or addresses) a range is guessed to accept


@dataclass(frozen=True, slots=True)
class _Ranges:
    """Numeric ranges sorted by bound: lower-bounded ones by low, the rest by high."""

    lows: tuple[NumberKey, ...] = ()
    low_ids: Postings = ()
    highs: tuple[NumberKey, ...] = ()
    high_ids: Postings = ()

    def probe(self, x: NumberKey) -> tuple[Postings, Postings]:
        # Ranges whose low bound is <= x, and upper-only ranges whose high bound is >= x.
        below = self.low_ids[: bisect_right(self.lows, x)]
        return below, self.high_ids[bisect_left(self.highs, x) :]


class _Affixes:
    """Prefix (or suffix) postings: text → ids, plus the lengths worth slicing."""

    __slots__ = ("_texts_per_length", "lengths", "table")

    def __init__(self) -> None:
        self.table: dict[str, Postings] = {}
        self.lengths: tuple[int, ...] = ()
        self._texts_per_length: dict[int, int] = {}

    def add(self, text: str, branch: object) -> None:
        current = self.table.get(text)
        self.table[text] = (branch,) if current is None else (*current, branch)
        if current is None:
            size = len(text)
            self._texts_per_length[size] = self._texts_per_length.get(size, 0) + 1
            if size not in self.lengths:
                self.lengths = tuple(sorted((*self.lengths, size)))

    def remove(self, text: str, branch: object) -> None:
        current = self.table.get(text)
        if current is None:
            return
        remaining = _without(current, branch)
        if remaining:
            self.table[text] = remaining
            return
        del self.table[text]
        size = len(text)
        self._texts_per_length[size] -= 1
        if not self._texts_per_length[size]:
            del self._texts_per_length[size]
            self.lengths = tuple(n for n in self.lengths if n != size)

    def prefixes_of(self, text: str, out: set[object]) -> None:
        table = self.table
        for length in self.lengths:
            if length > len(text):
                break
            hit = table.get(text[:length])
            if hit:
                out.update(hit)

    def suffixes_of(self, text: str, out: set[object]) -> None:
        table = self.table
        for length in self.lengths:
            if length > len(text):
                break
            hit = table.get(text[len(text) - length :])
            if hit:
                out.update(hit)

    def count(self, text: str) -> int:
        return len(self.table.get(text, _EMPTY))


class PathIndex:
    """The candidate index of one field path."""

    def __init__(self) -> None:
        self.strings: dict[str, Postings] = {}
        self.numbers: dict[NumberKey, Postings] = {}
        self.literals: dict[str, Postings] = {}  # "true", "false", "null"
        self.addresses: dict[bytes, Postings] = {}
        self.folded: dict[str, Postings] = {}
        self.prefixes = _Affixes()
        self.suffixes = _Affixes()
        self.folded_prefixes = _Affixes()
        self.folded_suffixes = _Affixes()
        self.ranges = _Ranges()
        self.cidrs: Postings = ()
        self.strings_any: Postings = ()  # wildcards with neither a literal head nor tail
        self.any_value: Postings = ()  # exists:true and every anything-but
        self.postings = 0
        self._constants: dict[Condition, int] = {}  # every rule's conditions on this path

    # -- reading ------------------------------------------------------------------------------

    def probe(self, value: Scalar, out: set[object]) -> None:
        """Add to `out` the branches whose anchor condition may accept `value`."""
        if isinstance(value, str):
            self._probe_string(value, out)
        elif isinstance(value, bool) or value is None:
            hit = self.literals.get(_literal_name(value))
            if hit:
                out.update(hit)
        elif is_number(value):
            key = number_key(value)
            hit = self.numbers.get(key)
            if hit:
                out.update(hit)
            lows, highs = self.ranges.probe(key)
            out.update(lows)
            out.update(highs)

    def _probe_string(self, text: str, out: set[object]) -> None:
        hit = self.strings.get(text)
        if hit:
            out.update(hit)
        if self.prefixes.lengths:
            self.prefixes.prefixes_of(text, out)
        if self.suffixes.lengths:
            self.suffixes.suffixes_of(text, out)
        if self.folded or self.folded_prefixes.lengths or self.folded_suffixes.lengths:
            folded = fold(text)
            hit = self.folded.get(folded)
            if hit:
                out.update(hit)
            self.folded_prefixes.prefixes_of(folded, out)
            self.folded_suffixes.suffixes_of(folded, out)
        if self.strings_any:
            out.update(self.strings_any)
        if (self.addresses or self.cidrs) and looks_like_ip(text):
            if self.cidrs:
                out.update(self.cidrs)
            address = ip_bytes_if_possible(text)
            hit = self.addresses.get(address) if address is not None else None
            if hit:
                out.update(hit)

    # -- writing ------------------------------------------------------------------------------

    def note(self, condition: Condition, delta: int) -> None:
        """Count a condition some rule uses on this path (+1) or no longer uses (-1)."""
        uses = self._constants.get(condition, 0) + delta
        if uses > 0:
            self._constants[condition] = uses
        else:
            self._constants.pop(condition, None)

    @property
    def in_use(self) -> bool:
        return bool(self._constants) or self.postings > 0

    def share(self, condition: Condition) -> float:
        """Guessed fraction of events with this field that `condition` lets through.

        Rules spread their constants over the values events carry, so a path on which rules
        use many distinct constants (customer ids) is more selective than one with few
        (currencies).
        """
        kind, _ = self._slot(condition)
        if kind == "any":
            return 1.0
        if kind == "range":
            return _RANGE_SHARE
        return min(1.0, _WIDTH[kind] / (1 + len(self._constants)))

    def posted(self, condition: Condition) -> Postings:
        """Branches posted under exactly this condition's slot (hashed and affix slots)."""
        hashed = self._hashed(condition)
        if hashed is not None:
            mapping, key = hashed
            return mapping.get(key, _EMPTY)
        affixes = self._affixes(condition)
        if affixes is not None:
            text, table = affixes
            return table.table.get(text, _EMPTY)
        return _EMPTY

    def add(self, condition: Condition, branch: object) -> None:
        self.postings += 1
        self._change(condition, branch, adding=True)

    def remove(self, condition: Condition, branch: object) -> None:
        self.postings -= 1
        self._change(condition, branch, adding=False)

    def _change(self, condition: Condition, branch: object, *, adding: bool) -> None:
        if isinstance(condition, NumericRange):
            self.ranges = _change_range(self.ranges, condition, branch, adding)
            return
        affixes = self._affixes(condition)
        if affixes is not None:
            text, table = affixes
            (table.add if adding else table.remove)(text, branch)
            return
        hashed = self._hashed(condition)
        if hashed is not None:
            mapping, key = hashed
            current = mapping.get(key, _EMPTY)
            updated = (*current, branch) if adding else _without(current, branch)
            if updated:
                mapping[key] = updated
            else:
                mapping.pop(key, None)
            return
        name = "any_value"
        if isinstance(condition, Cidr):
            name = "cidrs"
        elif isinstance(condition, Wildcard):
            name = "strings_any"
        current = getattr(self, name)
        setattr(self, name, (*current, branch) if adding else _without(current, branch))

    def _hashed(self, condition: Condition) -> tuple[dict[Any, Postings], Any] | None:
        if isinstance(condition, Exactly):
            return self.strings, condition.text
        if isinstance(condition, NumberEquals):
            return self.numbers, condition.key
        if isinstance(condition, Literal):
            return self.literals, _literal_name(condition.value)
        if isinstance(condition, ExactAddress):
            return self.addresses, condition.address
        if isinstance(condition, EqualsIgnoreCase):
            return self.folded, condition.folded
        return None

    def _affixes(self, condition: Condition) -> tuple[str, _Affixes] | None:
        if isinstance(condition, Prefix):
            return condition.text, self.prefixes
        if isinstance(condition, Suffix):
            return condition.text, self.suffixes
        if isinstance(condition, PrefixIgnoreCase):
            return condition.folded, self.folded_prefixes
        if isinstance(condition, SuffixIgnoreCase):
            return condition.folded, self.folded_suffixes
        if isinstance(condition, Wildcard) and (condition.pattern.head or condition.pattern.tail):
            pattern = condition.pattern
            if not pattern.has_star:
                return pattern.head, self.prefixes  # no star: only the exact text can match
            if pattern.head:
                return pattern.head, self.prefixes
            return pattern.tail, self.suffixes
        return None

    def _slot(self, condition: Condition) -> tuple[str, int]:
        """(kind of slot, branches already posted there) for a condition."""
        hashed = self._hashed(condition)
        if hashed is not None:
            mapping, key = hashed
            return "exact", len(mapping.get(key, _EMPTY))
        affixes = self._affixes(condition)
        if affixes is not None:
            text, table = affixes
            return ("fixed" if len(text) >= 4 else "affix"), table.count(text)
        if isinstance(condition, NumericRange):
            return "range", len(self.ranges.low_ids) + len(self.ranges.high_ids)
        if isinstance(condition, Cidr):
            return "range", len(self.cidrs)
        return "any", len(self.any_value) + len(self.strings_any)

    def crowding(self, condition: Condition) -> int:
        return self._slot(condition)[1]


def indexable(condition: Condition) -> bool:
    """Every condition but `exists: false` can be looked up from a present value."""
    return not isinstance(condition, Absent)


def _change_range(
    ranges: _Ranges, condition: NumericRange, branch: object, adding: bool
) -> _Ranges:
    if condition.low is not None:
        lows, ids = _sorted_change(ranges.lows, ranges.low_ids, condition.low, branch, adding)
        return _Ranges(lows, ids, ranges.highs, ranges.high_ids)
    assert condition.high is not None
    highs, ids = _sorted_change(ranges.highs, ranges.high_ids, condition.high, branch, adding)
    return _Ranges(ranges.lows, ranges.low_ids, highs, ids)


def _sorted_change(
    keys: tuple[NumberKey, ...], ids: Postings, key: NumberKey, branch: object, adding: bool
) -> tuple[tuple[NumberKey, ...], Postings]:
    if adding:
        at = bisect_right(keys, key)
        return (*keys[:at], key, *keys[at:]), (*ids[:at], branch, *ids[at:])
    at = ids.index(branch, bisect_left(keys, key), bisect_right(keys, key))
    return keys[:at] + keys[at + 1 :], ids[:at] + ids[at + 1 :]


def _without(postings: Postings, branch: object) -> Postings:
    index = postings.index(branch) if branch in postings else -1
    if index < 0:
        return postings
    return postings[:index] + postings[index + 1 :]


def _literal_name(value: bool | None) -> str:
    return "null" if value is None else "true" if value else "false"
