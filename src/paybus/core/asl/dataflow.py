"""A state's input and output processing in whichever query language it uses.

JSONPath: InputPath → Parameters/ItemSelector → work → ResultSelector → ResultPath → OutputPath.
JSONata: `Arguments` in, `Output` out (default: the result), `$states.*` bound. `Assign` in both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from paybus.core.asl.jsonata_mode import evaluate_value
from paybus.core.asl.payload import (
    apply_input_path,
    apply_output_path,
    evaluate_template,
    finish_output,
    place_result,
)
from paybus.core.asl.scope import EvaluationScope

if TYPE_CHECKING:
    from paybus.core.asl.run import Frame, Run


def is_jsonata(run: Run, state: Mapping[str, Any]) -> bool:
    return run.definition.language_of(state) == "JSONata"


def evaluate_field(
    run: Run,
    frame: Frame,
    state: Mapping[str, Any],
    value: Any,
    field_name: str,
    scope: EvaluationScope | None = None,
) -> Any:
    """A value that may hold `{% %}` expressions (JSONata) or is literal (JSONPath)."""
    if not is_jsonata(run, state):
        return value
    return evaluate_value(value, scope or run.scope(frame, frame.input), field_name)


def prepare_input(
    run: Run,
    frame: Frame,
    state: Mapping[str, Any],
    template_field: str = "Parameters",
    *,
    with_retry: bool = False,
) -> Any:
    """The input the state works on (a task's parameters, the branches' input)."""
    raw = frame.input
    scope = run.scope(frame, raw, with_retry=with_retry)
    if is_jsonata(run, state):
        if "Arguments" in state:
            return evaluate_value(state["Arguments"], scope, "Arguments")
        return raw
    value = apply_input_path(state, raw, scope)
    if template_field in state:
        value = evaluate_template(state[template_field], scope.with_input(value), template_field)
    return value


def passthrough_input(run: Run, frame: Frame, state: Mapping[str, Any]) -> Any:
    """InputPath only (Choice, Wait, Succeed): JSONata states see the raw input."""
    if is_jsonata(run, state):
        return frame.input
    return apply_input_path(state, frame.input, run.scope(frame, frame.input))


def finish(
    run: Run,
    frame: Frame,
    state: Mapping[str, Any],
    result: Any,
    *,
    assign_from: Any = None,
    with_retry: bool = False,
    rule: Mapping[str, Any] | None = None,
) -> tuple[Any, dict[str, Any] | None]:
    """(output, assigned variables) of a state that produced `result`."""
    raw = frame.input
    scope = run.scope(frame, raw, with_retry=with_retry)
    holder = rule if rule is not None and ("Assign" in rule or "Output" in rule) else state
    if is_jsonata(run, state):
        scope.result = result
        scope.extra["result"] = True
        assigned = _assign_jsonata(holder, scope)
        if "Output" in holder:
            return evaluate_value(holder["Output"], scope, "Output"), assigned
        return result, assigned
    assigned = None
    if "Assign" in holder:
        source = result if assign_from is None else assign_from
        if "ResultSelector" in state:
            source = evaluate_template(
                state["ResultSelector"], scope.with_input(result), "ResultSelector"
            )
        assigned = evaluate_template(holder["Assign"], scope.with_input(source), "Assign")
    return finish_output(state, raw, result, scope), assigned


def finish_passthrough(
    run: Run,
    frame: Frame,
    state: Mapping[str, Any],
    value: Any,
    rule: Mapping[str, Any] | None = None,
) -> tuple[Any, dict[str, Any] | None]:
    """Output of a state without a result (Choice, Wait, Succeed): OutputPath or Output."""
    scope = run.scope(frame, frame.input)
    holder = rule if rule is not None and ("Assign" in rule or "Output" in rule) else state
    if is_jsonata(run, state):
        assigned = _assign_jsonata(holder, scope)
        if "Output" in holder:
            return evaluate_value(holder["Output"], scope, "Output"), assigned
        return frame.input, assigned
    assigned = None
    if "Assign" in holder:
        assigned = evaluate_template(holder["Assign"], scope.with_input(value), "Assign")
    return apply_output_path(state, value, scope), assigned


def catch_output(
    run: Run,
    frame: Frame,
    state: Mapping[str, Any],
    catcher: Mapping[str, Any],
    error_output: dict[str, Any],
) -> tuple[Any, dict[str, Any] | None]:
    scope = run.scope(frame, frame.input)
    if is_jsonata(run, state):
        scope.error_output = error_output
        assigned = _assign_jsonata(catcher, scope)
        if "Output" in catcher:
            return evaluate_value(catcher["Output"], scope, "Output"), assigned
        return error_output, assigned
    assigned = None
    if "Assign" in catcher:
        assigned = evaluate_template(catcher["Assign"], scope.with_input(error_output), "Assign")
    output = place_result(
        catcher.get("ResultPath", "$"), frame.input, error_output, "ResultPath" in catcher
    )
    return output, assigned


def _assign_jsonata(holder: Mapping[str, Any], scope: EvaluationScope) -> dict[str, Any] | None:
    if "Assign" not in holder:
        return None
    value = evaluate_value(holder["Assign"], scope, "Assign")
    return dict(value) if isinstance(value, Mapping) else None
