"""`RuleMatcher`: all rules of a bus compiled together, matched at a cost set by the event.

Each branch of each rule (a pattern has one branch per `$or` combination) is posted in the
`PathIndex` of one of its fields, the most selective one. Matching an event walks only the
fields some rule uses, probes each field's index for candidate branches, and verifies just
those candidates. So the cost depends on the event and on how many rules it nearly matches, not
on how many rules the bus has.

Rules can be added and removed while other threads match: changes publish in an order that lets
a reader see a rule either fully, not at all, or (while it is being added, replaced or removed)
as some of its branches. Changes themselves must not overlap: the caller serialises them (core
holds no locks; the bus service owns one per bus).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from itertools import count
from typing import Any

from paybus.core.events.patterns.compiler import (
    Branch,
    CompiledPattern,
    PatternLimits,
    compile_pattern,
)
from paybus.core.events.patterns.fieldtree import FieldTree
from paybus.core.events.patterns.index import PathIndex
from paybus.core.events.patterns.verify import BranchField, EventFields, verify

_REBALANCE_FROM = 16  # revisit a posting's anchors when it reaches 16, 32, 64, ... branches


@dataclass(frozen=True, slots=True, eq=False)  # identity: hashed fast, posted as itself
class _Branch:
    branch_id: int
    rule_id: str
    fields: tuple[BranchField, ...]
    anchor: BranchField | None


class RuleMatcher:
    """The compiled rules of one event bus.

    `add_rule` validates the pattern (raising `InvalidEventPattern`) and replaces any rule of the
    same id; `remove_rule` forgets one; `matches` returns the ids of the rules an event matches.
    `matches` is safe alongside one writer; writers must not overlap each other.
    """

    def __init__(self, limits: PatternLimits | None = None) -> None:
        self._limits = limits or PatternLimits()
        self._ids = count(1)
        self._tree = FieldTree()
        self._paths: dict[str, PathIndex] = {}
        self._branches: dict[int, _Branch] = {}
        self._always: tuple[_Branch, ...] = ()  # branches with no indexable field
        self._rules: dict[str, tuple[int, ...]] = {}
        self._next_review = _REBALANCE_FROM  # branch count at which all anchors are reviewed

    def __len__(self) -> int:
        return len(self._rules)

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self._rules

    def __iter__(self) -> Iterator[str]:
        return iter(tuple(self._rules))

    # -- writing ------------------------------------------------------------------------------

    def add_rule(self, rule_id: str, pattern: CompiledPattern | str | Mapping[str, Any]) -> None:
        """Compile `pattern` (unless already compiled) and match events against it as `rule_id`."""
        compiled = (
            pattern
            if isinstance(pattern, CompiledPattern)
            else compile_pattern(pattern, self._limits)
        )
        # The new branches are live before the old ones go, so a rule being replaced is matched
        # throughout (by either version) by concurrent readers.
        replaced = self._rules.get(rule_id, ())
        added = tuple(self._add_branch(rule_id, b) for b in compiled.branches)
        self._rules[rule_id] = added
        self._drop_branches(replaced)
        if len(self._branches) >= self._next_review:
            # Early rules chose anchors from little evidence; review all of them each time the
            # rule set doubles (amortised: each branch is reviewed O(log n) times).
            self._next_review = 2 * len(self._branches)
            self._rebalance(tuple(self._branches.values()))

    def remove_rule(self, rule_id: str) -> bool:
        """Stop matching `rule_id`; False if there was no such rule."""
        return self._remove(rule_id)

    def _add_branch(self, rule_id: str, branch: Branch) -> int:
        fields = tuple(BranchField.of(path, conditions) for path, conditions in branch)
        for field in fields:
            self._tree.add(field.path)
            index = self._paths.get(field.path)
            if index is None:
                index = self._paths[field.path] = PathIndex()
            for condition in field.conditions:
                index.note(condition, +1)
        anchor = self._choose_anchor(fields)
        branch_id = next(self._ids)
        record = self._branches[branch_id] = _Branch(branch_id, rule_id, fields, anchor)
        if anchor is None:
            self._always = (*self._always, record)
            return branch_id
        self._post(anchor, record)
        index = self._paths[anchor.path]
        for condition in anchor.conditions:
            crowd = index.posted(condition)
            if len(crowd) >= _REBALANCE_FROM and len(crowd) & (len(crowd) - 1) == 0:
                self._rebalance(crowd)
        return branch_id

    def _remove(self, rule_id: str) -> bool:
        branch_ids = self._rules.pop(rule_id, None)
        if branch_ids is None:
            return False
        self._drop_branches(branch_ids)
        return True

    def _drop_branches(self, branch_ids: tuple[int, ...]) -> None:
        for branch_id in branch_ids:
            branch = self._branches.pop(branch_id)
            if branch.anchor is None:
                self._always = tuple(b for b in self._always if b is not branch)
            else:
                self._unpost(branch.anchor, branch)
            for field in branch.fields:
                index = self._paths[field.path]
                for condition in field.conditions:
                    index.note(condition, -1)
                if not index.in_use:
                    del self._paths[field.path]
                self._tree.remove(field.path)

    def _post(self, anchor: BranchField, branch: _Branch) -> None:
        index = self._paths[anchor.path]
        for condition in anchor.conditions:
            index.add(condition, branch)

    def _unpost(self, anchor: BranchField, branch: _Branch) -> None:
        index = self._paths[anchor.path]
        for condition in anchor.conditions:
            index.remove(condition, branch)

    def _rank(self, field: BranchField) -> tuple[float, int, int]:
        """Lower is better: guessed share of events let through, crowding, shallowness."""
        index = self._paths[field.path]
        share = min(1.0, sum(index.share(condition) for condition in field.conditions))
        crowding = sum(index.crowding(condition) for condition in field.conditions)
        return share, crowding, -field.path.count(".")

    def _choose_anchor(self, fields: tuple[BranchField, ...]) -> BranchField | None:
        """The field whose conditions should let the fewest events through to verification."""
        candidates = [field for field in fields if not field.absent_ok]  # absence has no value
        return min(candidates, key=self._rank) if candidates else None

    def _rebalance(self, crowd: tuple[object, ...]) -> None:
        """Re-anchor branches whose anchor now looks far less selective than another field.

        Anchors are chosen when a rule arrives, from what the earlier rules suggest; as rules
        accumulate the estimate improves, so crowded postings (at sizes 16, 32, 64, ...) and,
        each time the rule set doubles, all branches are revisited. A branch is posted at its
        new anchor before it leaves the old one, so concurrent readers never miss it.
        """
        for branch in crowd:
            if not isinstance(branch, _Branch) or branch.anchor is None:
                continue
            if self._branches.get(branch.branch_id) is not branch:
                continue  # dropped or already moved
            best = self._choose_anchor(branch.fields)
            if best is None or best == branch.anchor:
                continue
            if self._rank(best)[0] * 2 > self._rank(branch.anchor)[0]:
                continue
            moved = _Branch(branch.branch_id, branch.rule_id, branch.fields, best)
            self._post(best, moved)
            self._branches[branch.branch_id] = moved
            self._unpost(branch.anchor, branch)

    # -- reading ------------------------------------------------------------------------------

    def matches(self, event: Mapping[str, Any]) -> set[str]:
        """Ids of the rules `event` matches."""
        fields = self._tree.collect(event)
        candidates: set[object] = set(self._always)
        paths = self._paths
        for path, leaves in fields.items():
            index = paths.get(path)
            if index is None or not index.postings:
                continue
            if index.any_value:
                candidates.update(index.any_value)
            for value, _ in leaves:
                index.probe(value, candidates)
        matched: set[str] = set()
        view = EventFields(fields)
        for candidate in candidates:
            branch: _Branch = candidate  # type: ignore[assignment]
            if branch.rule_id not in matched and verify(branch.fields, view):
                matched.add(branch.rule_id)
        return matched
