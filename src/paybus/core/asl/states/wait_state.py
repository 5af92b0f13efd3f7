"""Wait: pauses the frame for `Seconds` or until `Timestamp` (or their `*Path` forms).

Emits a `StartTimer` effect and resumes on `TimerFired`; a moment already past continues at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from paybus.core.asl.dataflow import finish_passthrough, is_jsonata, passthrough_input
from paybus.core.asl.errors import QUERY_EVALUATION_ERROR, RUNTIME, StatesError
from paybus.core.asl.jsonata_mode import evaluate_value, is_expression
from paybus.core.asl.jsonpath import parse_path
from paybus.core.asl.scope import compact
from paybus.core.asl.states.base import Advance, Outcome, Signal, Suspend
from paybus.core.asl.timestamps import parse_timestamp

if TYPE_CHECKING:
    from paybus.core.asl.run import Frame, Run


class WaitState:
    def execute(self, run: Run, frame: Frame, state: Mapping[str, Any]) -> Outcome:
        value = passthrough_input(run, frame, state)
        until = self._until(run, frame, state, value)
        if until <= run.now:
            return self._done(run, frame, state, value)
        frame.work["value"] = value
        run.start_timer(frame, None, "wait", at=until)
        return Suspend()

    def resume(self, run: Run, frame: Frame, state: Mapping[str, Any], signal: Signal) -> Outcome:
        return self._done(run, frame, state, frame.work.get("value"))

    def _done(self, run: Run, frame: Frame, state: Mapping[str, Any], value: Any) -> Outcome:
        output, assigned = finish_passthrough(run, frame, state, value)
        return Advance(output, state.get("Next"), assigned)

    def _until(self, run: Run, frame: Frame, state: Mapping[str, Any], value: Any) -> datetime:
        scope = run.scope(frame, value)
        if is_jsonata(run, state):
            return self._until_jsonata(state, scope, run.now)
        if "Seconds" in state:
            return run.now + timedelta(seconds=state["Seconds"])
        if "Timestamp" in state:
            return _timestamp(state["Timestamp"])
        if "SecondsPath" in state:
            path = state["SecondsPath"]
            seconds = scope.resolve(parse_path(path), "SecondsPath")
            if not isinstance(seconds, int) or isinstance(seconds, bool):
                raise StatesError(
                    RUNTIME,
                    "The SecondsPath parameter does not reference an "
                    f"integer value: {path} == {compact(seconds)}",
                )
            if seconds < 0:
                raise StatesError(
                    RUNTIME,
                    f"The SecondsPath parameter references a negative value: {path} == {seconds}",
                )
            return run.now + timedelta(seconds=seconds)
        path = state["TimestampPath"]
        text = scope.resolve(parse_path(path), "TimestampPath")
        moment = parse_timestamp(text)
        if moment is None:
            shown = text if isinstance(text, str) else compact(text)
            raise StatesError(
                RUNTIME,
                "The TimestampPath parameter does not reference a valid "
                f"ISO-8601 extended offset date-time format string: {path} == "
                f"{shown}",
            )
        return moment

    def _until_jsonata(self, state: Mapping[str, Any], scope: Any, now: datetime) -> datetime:
        if "Seconds" in state:
            seconds = state["Seconds"]
            if is_expression(seconds):
                seconds = evaluate_value(seconds, scope, "Seconds")
            if not isinstance(seconds, int) or isinstance(seconds, bool) or seconds < 0:
                raise StatesError(
                    QUERY_EVALUATION_ERROR,
                    "The Seconds field must evaluate to a "
                    f"non-negative integer but was: {compact(seconds)}",
                )
            return now + timedelta(seconds=seconds)
        text = state["Timestamp"]
        if is_expression(text):
            text = evaluate_value(text, scope, "Timestamp")
        moment = parse_timestamp(text)
        if moment is None:
            shown = text if isinstance(text, str) else compact(text)
            raise StatesError(
                QUERY_EVALUATION_ERROR,
                "The Timestamp field cannot be parsed as "
                f"an ISO-8601 extended offset date-time format string: {shown}",
            )
        return moment


def _timestamp(text: str) -> datetime:
    moment = parse_timestamp(text)
    if moment is None:
        raise StatesError(RUNTIME, f"Invalid Timestamp: {text}")
    return moment
