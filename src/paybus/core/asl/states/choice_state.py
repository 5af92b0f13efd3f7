"""Choice: picks the `Next` state from the first rule that holds, else `Default`.

JSONPath rules use comparison operators; JSONata rules a boolean `Condition`. No match and no
`Default` fails with `States.NoChoiceMatched`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from paybus.core.asl.choice_rules import matches
from paybus.core.asl.dataflow import finish_passthrough, is_jsonata, passthrough_input
from paybus.core.asl.errors import NO_CHOICE_MATCHED, QUERY_EVALUATION_ERROR, StatesError
from paybus.core.asl.jsonata_mode import evaluate_value
from paybus.core.asl.scope import compact
from paybus.core.asl.states.base import Advance, NoResume, Outcome, Raise

if TYPE_CHECKING:
    from paybus.core.asl.run import Frame, Run


class ChoiceState(NoResume):
    def execute(self, run: Run, frame: Frame, state: Mapping[str, Any]) -> Outcome:
        value = passthrough_input(run, frame, state)
        scope = run.scope(frame, value)
        jsonata = is_jsonata(run, state)
        for rule in state["Choices"]:
            if self._holds(rule, scope, jsonata):
                output, assigned = finish_passthrough(run, frame, state, value, rule)
                return Advance(output, rule["Next"], assigned)
        if "Default" in state:
            output, assigned = finish_passthrough(run, frame, state, value)
            return Advance(output, state["Default"], assigned)
        return Raise(NO_CHOICE_MATCHED, "No Matches!")

    def _holds(self, rule: Mapping[str, Any], scope: Any, jsonata: bool) -> bool:
        if not jsonata:
            return matches(rule, scope)
        result = evaluate_value(rule["Condition"], scope, "Condition")
        if not isinstance(result, bool):
            raise StatesError(
                QUERY_EVALUATION_ERROR,
                f"The Condition field must evaluate to a boolean but was: {compact(result)}",
            )
        return result
