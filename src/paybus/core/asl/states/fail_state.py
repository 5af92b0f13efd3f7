"""Fail: ends the machine (or branch/iteration) with an error and cause.

`Error`/`Cause` are literals (or `{% %}` in JSONata); `ErrorPath`/`CausePath` a path or intrinsic.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from paybus.core.asl.dataflow import evaluate_field
from paybus.core.asl.errors import RUNTIME, StatesError
from paybus.core.asl.payload import evaluate_dynamic
from paybus.core.asl.states.base import NoResume, Outcome, Raise

if TYPE_CHECKING:
    from paybus.core.asl.run import Frame, Run


class FailState(NoResume):
    def execute(self, run: Run, frame: Frame, state: Mapping[str, Any]) -> Outcome:
        error = self._value(run, frame, state, "Error")
        cause = self._value(run, frame, state, "Cause")
        return Raise(error, cause)

    def _value(self, run: Run, frame: Frame, state: Mapping[str, Any], key: str) -> str | None:
        if f"{key}Path" in state:
            scope = run.scope(frame, frame.input)
            value = evaluate_dynamic(state[f"{key}Path"], scope, f"{key}Path")
            if not isinstance(value, str):
                raise StatesError(
                    RUNTIME,
                    f"The {key}Path field must resolve to a string: {state[f'{key}Path']}",
                )
            return value
        if key in state:
            value = evaluate_field(run, frame, state, state[key], key)
            return value if isinstance(value, str) else None
        return None
