"""What an expression can see while a state runs: input, context object, variables, entropy.

Both query languages evaluate against an `EvaluationScope`; the interpreter builds one per state.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from paybus.core.asl.errors import RUNTIME, StatesError
from paybus.core.asl.intrinsics.evaluate import Entropy
from paybus.core.asl.jsonpath import JsonPath, PathNotFound, evaluate


def compact(value: Any) -> str:
    """JSON text as AWS prints it in causes and history details (no spaces)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


@dataclass
class EvaluationScope:
    """One state's view: its input, `$$`, the variables in scope and a source of randomness."""

    input: Any
    context: dict[str, Any]
    variables: dict[str, Any]
    entropy: Entropy
    now: datetime
    result: Any = None
    error_output: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    def with_input(self, value: Any) -> EvaluationScope:
        return EvaluationScope(
            value,
            self.context,
            self.variables,
            self.entropy,
            self.now,
            self.result,
            self.error_output,
            self.extra,
        )

    def resolve(self, path: JsonPath, field_name: str, document: Any = None) -> Any:
        """Evaluate `path` on the input, `$$` or a variable; missing → `States.Runtime`."""
        if path.root == "$$":
            target, where = self.context, "context object"
        elif path.variable is not None:
            name = path.variable
            if name not in self.variables:
                raise StatesError(
                    RUNTIME,
                    f"The variable '{path.text}' specified for the field '{field_name}' "
                    "could not be found",
                )
            target, where = self.variables[name], "variable"
        else:
            target, where = (self.input if document is None else document), "input"
        try:
            return evaluate(path, target)
        except PathNotFound:
            shown = compact(target)
            raise StatesError(
                RUNTIME,
                f"The JSONPath '{path.text}' specified for the field '{field_name}' could not be "
                f"found in the {where} '{shown}'",
            ) from None
