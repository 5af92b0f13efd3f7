"""The reference evaluator: one pattern against one event, by the plainest means.

It flattens the whole event and tries every branch by backtracking over its fields in sorted
order, the order event-ruler's machine walks them. Each field takes a leaf whose array
membership agrees with the leaves already chosen; `{"exists": false}` holds when no leaf of that
name agrees with them. The compiled `RuleMatcher` must give the same answers; tests check it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from paybus.core.events.patterns.compiler import Branch, CompiledPattern, compile_pattern
from paybus.core.events.patterns.conditions import Absent
from paybus.core.events.patterns.flatten import Fields, consistent, flatten_event, join


def matches_pattern(
    pattern: CompiledPattern | str | Mapping[str, Any], event: Mapping[str, Any]
) -> bool:
    """Whether `event` matches `pattern` (compiled, JSON text, or a parsed object)."""
    compiled = pattern if isinstance(pattern, CompiledPattern) else compile_pattern(pattern)
    fields = flatten_event(event)
    return any(branch_matches(branch, fields) for branch in compiled.branches)


def branch_matches(branch: Branch, fields: Fields) -> bool:
    return _match_from(branch, 0, fields, {})


def _match_from(branch: Branch, index: int, fields: Fields, joined: dict[int, int]) -> bool:
    if index == len(branch):
        return True
    path, conditions = branch[index]
    leaves = [leaf for leaf in fields.get(path, ()) if consistent(joined, leaf[1])]
    for value, membership in leaves:
        if any(condition.matches(value) for condition in conditions) and _match_from(
            branch, index + 1, fields, join(joined, membership)
        ):
            return True
    absent_allowed = any(isinstance(condition, Absent) for condition in conditions)
    return absent_allowed and not leaves and _match_from(branch, index + 1, fields, joined)
