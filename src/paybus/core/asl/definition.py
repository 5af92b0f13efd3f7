"""A validated state machine: the raw ASL plus an index of its nested machines.

Parallel branches and Map processors are addressed by a *scope*, a tuple of (state name, branch
index) pairs from the root, so execution state can name "where a frame runs" as plain JSON.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from paybus.core.asl.errors import InvalidDefinition
from paybus.core.asl.validation import validate_definition

Scope = tuple[str | int, ...]


@dataclass(frozen=True)
class Definition:
    raw: Mapping[str, Any]
    machines: dict[Scope, Mapping[str, Any]] = field(default_factory=dict)

    @property
    def query_language(self) -> str:
        return str(self.raw.get("QueryLanguage", "JSONPath"))

    @property
    def timeout_seconds(self) -> int | None:
        value = self.raw.get("TimeoutSeconds")
        return int(value) if value is not None else None

    def machine(self, scope: Scope) -> Mapping[str, Any]:
        return self.machines[scope]

    def state(self, scope: Scope, name: str) -> Mapping[str, Any]:
        return self.machines[scope]["States"][name]  # type: ignore[no-any-return]

    def language_of(self, state: Mapping[str, Any]) -> str:
        return str(state.get("QueryLanguage", self.query_language))


def parse_definition(source: str | Mapping[str, Any]) -> Definition:
    """Parse (if text) and validate a definition; raise `InvalidDefinition` with every problem."""
    if isinstance(source, str):
        try:
            raw = json.loads(source)
        except ValueError as exc:
            raise InvalidDefinition([f"INVALID_JSON_DESCRIPTION: {exc} at /"]) from None
    else:
        raw = source
    validate_definition(raw)
    machines: dict[Scope, Mapping[str, Any]] = {}
    _index(raw, (), machines)
    return Definition(raw, machines)


def _index(
    machine: Mapping[str, Any], scope: Scope, machines: dict[Scope, Mapping[str, Any]]
) -> None:
    machines[scope] = machine
    for name, state in machine["States"].items():
        if state["Type"] == "Parallel":
            for index, branch in enumerate(state["Branches"]):
                _index(branch, (*scope, name, index), machines)
        elif state["Type"] == "Map":
            processor = state.get("ItemProcessor", state.get("Iterator"))
            _index(processor, (*scope, name, 0), machines)
