"""Compile an event pattern into branches: sorted (field path, conditions) lists ANDed together.

This mirrors event-ruler's JsonRuleCompiler, which AWS runs: the pattern is read in document
order, a repeated path keeps its last value, and each `$or` multiplies the branches built so far.
If that reading fails, event-ruler retries with `$or` as an ordinary field name (its
backward-compatibility rule) and reports that second attempt's error. AWS's own limits (pattern
size, `$or` combinations, wildcard complexity) are checked here too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias

from paybus.core.errors import InvalidEventPattern
from paybus.core.events.patterns.conditions import (
    AnythingButWildcard,
    Condition,
    ExactAddress,
    Exactly,
    Literal,
    NumberEquals,
    Wildcard,
)
from paybus.core.events.patterns.expressions import barf, match_expression, take
from paybus.core.events.patterns.ipaddr import ip_bytes_if_possible
from paybus.core.events.patterns.jsontext import Kind, Tokens, location_suffix
from paybus.core.events.patterns.values import number_key
from paybus.core.events.patterns.wildcard import TOO_COMPLEX, WildcardPattern, complexity

OR = "$or"
RESERVED_IN_OR = frozenset(
    {
        "exactly", "equals-ignore-case", "prefix", "suffix", "anything-but", "exists",
        "wildcard", "numeric", "cidr", "html", "=", "<", "<=", ">", ">=", "regex",
        "not-wildcard", "not-equals-ignore-case", "date-after", "date-on-or-after",
        "date-before", "date-on-or-before", "in-date-range", "ip-address-in-range",
        "ip-address-not-in-range",
    }
)  # fmt: skip
MAX_PATTERN_SIZE = 4096  # the API model's bound; the quota defaults to 2,048

Key: TypeAlias = tuple[str, tuple[Condition, ...]]
Branch: TypeAlias = tuple[Key, ...]  # sorted by path, as event-ruler's machine reads them
_Draft: TypeAlias = dict[str, tuple[Condition, ...]]


@dataclass(frozen=True, slots=True)
class PatternLimits:
    """AWS's limits on one event pattern."""

    max_size: int = 2048
    max_or_combinations: int = 1000
    max_wildcard_complexity: int = 10  # a field whose wildcards reach this is rejected

    def __post_init__(self) -> None:
        if not 1 <= self.max_size <= MAX_PATTERN_SIZE:
            raise ValueError(f"max_size must be between 1 and {MAX_PATTERN_SIZE}")


@dataclass(frozen=True, slots=True)
class CompiledPattern:
    """A validated pattern: it matches an event when any branch does."""

    source: str
    branches: tuple[Branch, ...]

    @property
    def paths(self) -> frozenset[str]:
        return frozenset(path for branch in self.branches for path, _ in branch)


class _TooManyCombinations(Exception):
    """AWS's limit, not a syntax problem: never retried with `$or` as a field name."""


def compile_pattern(
    pattern: str | Mapping[str, Any], limits: PatternLimits | None = None
) -> CompiledPattern:
    """Validate and compile a pattern given as JSON text or as an already-parsed object."""
    limits = limits or PatternLimits()
    source = pattern if isinstance(pattern, str) else pattern_text(pattern)
    size = java_length(source)
    if size > limits.max_size:
        barf(f"Event pattern is longer than {limits.max_size} characters ({size})")
    try:
        drafts = _compile(source, limits, or_enabled=True)
    except _TooManyCombinations:
        barf(f"The $or expands to more than {limits.max_or_combinations} combinations")
    except InvalidEventPattern:
        if f'"{OR}"' not in source and "\\" not in source:
            raise
        drafts = _compile(source, limits, or_enabled=False)
    branches = tuple(dict.fromkeys(_sorted_branch(draft) for draft in drafts))
    _check_wildcard_complexity(branches, limits)
    return CompiledPattern(source, branches)


def pattern_text(pattern: Mapping[str, Any]) -> str:
    """The JSON text of a parsed pattern, as a client would send it (compact)."""
    try:
        return json.dumps(pattern, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as error:  # NaN, sets, objects: nothing JSON can carry
        raise InvalidEventPattern(f"Pattern is not JSON: {error}") from None


def java_length(text: str) -> int:
    """Length as AWS (Java) counts it: UTF-16 code units, so an emoji counts twice."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def utf16_order(path: str) -> bytes:
    """Java compares strings by UTF-16 code unit; event-ruler sorts field names that way."""
    return path.encode("utf-16-be", "surrogatepass")


def _sorted_branch(draft: _Draft) -> Branch:
    return tuple(sorted(draft.items(), key=lambda item: utf16_order(item[0])))


def _compile(source: str, limits: PatternLimits, *, or_enabled: bool) -> list[_Draft]:
    tokens = Tokens(source)
    first = tokens.next()
    if first is None or first.kind is not Kind.START_OBJECT:
        end = first.end if first is not None else len(source)
        raise InvalidEventPattern("Filter is not an object" + location_suffix(source, end))
    compiler = _Compiler(tokens, limits, or_enabled)
    drafts: list[_Draft] = []
    compiler.object(drafts, (), inside_or=False)
    return drafts or [{}]


class _Compiler:
    def __init__(self, tokens: Tokens, limits: PatternLimits, or_enabled: bool) -> None:
        self.tokens = tokens
        self.limits = limits
        self.or_enabled = or_enabled

    def object(self, drafts: list[_Draft], path: tuple[str, ...], *, inside_or: bool) -> None:
        """Read an object's fields after its `{`, through its `}`."""
        fields_present = False
        while (token := take(self.tokens)).kind is not Kind.END_OBJECT:
            fields_present = True
            name = token.text
            if self.or_enabled and name == OR:
                self.or_relationship(drafts, path)
                continue
            if inside_or and name in RESERVED_IN_OR:
                barf(f"{name} is Ruler reserved fieldName which cannot be used inside {OR}.")
            value = take(self.tokens)
            if value.kind is Kind.START_OBJECT:
                self.object(drafts, (*path, name), inside_or=inside_or)
            elif value.kind is Kind.START_ARRAY:
                self.values(drafts, ".".join((*path, name)))
            else:
                barf(f'"{name}" must be an object or an array')
        if not fields_present:
            barf("Empty objects are not allowed")

    def or_relationship(self, drafts: list[_Draft], path: tuple[str, ...]) -> None:
        """`"$or": [{...}, {...}]`: each alternative extends a copy of every branch so far."""
        before = [dict(draft) for draft in drafts]
        drafts.clear()
        if take(self.tokens).kind is not Kind.START_ARRAY:
            barf(f"It must be an Array followed with {OR}.")
        alternatives = 0
        while (token := take(self.tokens)).kind is not Kind.END_ARRAY:
            alternatives += 1
            if token.kind is not Kind.START_OBJECT:
                barf(f"Only JSON object is allowed in array of {OR} relationship.")
            extended = [dict(draft) for draft in before] or [{}]
            self.object(extended, path, inside_or=True)
            drafts.extend(extended)
            if len(drafts) > self.limits.max_or_combinations:
                raise _TooManyCombinations
        if alternatives < 2:
            barf(f"There must have at least 2 Objects in {OR} relationship.")

    def values(self, drafts: list[_Draft], name: str) -> None:
        """A field's value list: OR of literal values and match expressions."""
        conditions: list[Condition] = []
        while (token := take(self.tokens)).kind is not Kind.END_ARRAY:
            if token.kind is Kind.START_OBJECT:
                conditions.append(match_expression(self.tokens))
            elif token.kind is Kind.STRING:
                address = ip_bytes_if_possible(token.text)
                literal = Exactly(token.text)
                conditions.append(literal if address is None else ExactAddress(token.text, address))
            elif token.kind.is_number:
                assert isinstance(token.value, int | float)
                conditions.append(NumberEquals(number_key(token.value)))
            elif token.kind in (Kind.TRUE, Kind.FALSE, Kind.NULL):
                assert token.value is None or isinstance(token.value, bool)
                conditions.append(Literal(token.value))
            else:
                barf("Match value must be String, number, true, false, or null")
        if not conditions:
            barf("Empty arrays are not allowed")
        if not drafts:
            drafts.append({})
        unique = tuple(dict.fromkeys(conditions))
        for draft in drafts:
            draft[name] = unique


def _check_wildcard_complexity(branches: tuple[Branch, ...], limits: PatternLimits) -> None:
    by_path: dict[str, list[WildcardPattern]] = {}
    for branch in branches:
        for path, conditions in branch:
            for condition in conditions:
                if isinstance(condition, Wildcard):
                    by_path.setdefault(path, []).append(condition.pattern)
                elif isinstance(condition, AnythingButWildcard):
                    by_path.setdefault(path, []).extend(w.pattern for w in condition.patterns)
    limit = limits.max_wildcard_complexity
    for patterns in by_path.values():
        if any(p.has_star for p in patterns) and complexity(patterns, limit) >= limit:
            barf(TOO_COMPLEX)
