"""Map's preparation: the item list, ItemSelector, MaxConcurrency, tolerated failures, batches."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from paybus.core.asl.dataflow import is_jsonata
from paybus.core.asl.errors import QUERY_EVALUATION_ERROR, RUNTIME, StatesError
from paybus.core.asl.jsonata_mode import evaluate_value
from paybus.core.asl.jsonpath import parse_path
from paybus.core.asl.payload import apply_input_path, evaluate_template
from paybus.core.asl.scope import compact

if TYPE_CHECKING:
    from paybus.core.asl.run import Frame, Run


def map_input(run: Run, frame: Frame, state: Mapping[str, Any]) -> Any:
    if is_jsonata(run, state):
        return frame.input
    return apply_input_path(state, frame.input, run.scope(frame, frame.input))


def map_items(run: Run, frame: Frame, state: Mapping[str, Any], value: Any) -> list[Any]:
    scope = run.scope(frame, value)
    if is_jsonata(run, state):
        items = evaluate_value(state["Items"], scope, "Items") if "Items" in state else value
        if not isinstance(items, list):
            raise StatesError(
                QUERY_EVALUATION_ERROR,
                f"Map state input must be an array but was: {compact(items)}",
            )
        return items
    path = state.get("ItemsPath", "$")
    items = scope.resolve(parse_path(path), "ItemsPath")
    if not isinstance(items, list):
        raise StatesError(RUNTIME, f"Map state input must be an array but was: {compact(items)}")
    return items


def _number_setting(
    run: Run, frame: Frame, state: Mapping[str, Any], value: Any, key: str, kind: str
) -> Any:
    if key in state:
        setting = state[key]
        if is_jsonata(run, state):
            setting = evaluate_value(setting, run.scope(frame, value), key)
        return setting
    if f"{key}Path" in state:
        path = state[f"{key}Path"]
        setting = run.scope(frame, value).resolve(parse_path(path), f"{key}Path")
        valid = isinstance(setting, int | float) and not isinstance(setting, bool)
        if kind == "integer":
            valid = valid and float(setting).is_integer()
        if not valid:
            raise StatesError(
                RUNTIME,
                f"The {key}Path field refers to value "
                f'"{compact(setting)}" which is not a valid {kind}: {path}',
            )
        return setting
    return None


def max_concurrency(run: Run, frame: Frame, state: Mapping[str, Any], value: Any) -> int:
    setting = _number_setting(run, frame, state, value, "MaxConcurrency", "integer")
    if setting is None:
        return 0
    if int(setting) < 0:
        raise StatesError(RUNTIME, "MaxConcurrency must be a non-negative integer.")
    return int(setting)


def tolerated_failures(
    run: Run, frame: Frame, state: Mapping[str, Any], value: Any, total: int
) -> int | None:
    """How many iterations may fail; None means the first failure fails the Map."""
    percentage = _number_setting(run, frame, state, value, "ToleratedFailurePercentage", "float")
    count = _number_setting(run, frame, state, value, "ToleratedFailureCount", "integer")
    if percentage is not None and not 0 <= percentage <= 100:
        raise StatesError(RUNTIME, "ToleratedFailurePercentage must be between 0 and 100.")
    if count is not None and count < 0:
        raise StatesError(RUNTIME, "ToleratedFailureCount must be a non-negative integer.")
    limits = []
    if percentage is not None:
        limits.append(math.floor(total * percentage / 100))
    if count is not None:
        limits.append(int(count))
    return min(limits) if limits and any(limits) else None


def batch_items(
    run: Run, frame: Frame, state: Mapping[str, Any], value: Any, items: list[Any]
) -> list[Any]:
    batcher = state.get("ItemBatcher")
    if not isinstance(batcher, Mapping):
        return items
    scope = run.scope(frame, value)
    jsonata = is_jsonata(run, state)

    def setting(key: str) -> Any:
        if key in batcher:
            raw = batcher[key]
            return evaluate_value(raw, scope, key) if jsonata else raw
        if f"{key}Path" in batcher:
            return scope.resolve(parse_path(batcher[f"{key}Path"]), f"{key}Path")
        return None

    max_items = setting("MaxItemsPerBatch") or len(items) or 1
    max_bytes = setting("MaxInputBytesPerBatch")
    batch_input = batcher.get("BatchInput")
    if batch_input is not None:
        batch_input = (
            evaluate_value(batch_input, scope, "BatchInput")
            if jsonata
            else evaluate_template(batch_input, scope, "BatchInput")
        )
    batches: list[Any] = []
    current: list[Any] = []
    for item in items:
        candidate = [*current, item]
        too_big = max_bytes is not None and len(compact(candidate).encode()) > max_bytes
        if current and (len(current) >= max_items or too_big):
            batches.append(current)
            candidate = [item]
        current = candidate
    if current:
        batches.append(current)
    return [
        {"Items": batch} if batch_input is None else {"BatchInput": batch_input, "Items": batch}
        for batch in batches
    ]


def iteration_input(
    run: Run, frame: Frame, state: Mapping[str, Any], value: Any, index: int, item: Any
) -> Any:
    selector_key = "ItemSelector" if "ItemSelector" in state else "Parameters"
    if selector_key not in state:
        return item
    scope = run.scope(frame, value)
    scope.context["Map"] = {"Item": {"Index": index, "Value": item}}
    if is_jsonata(run, state):
        return evaluate_value(state[selector_key], scope, selector_key)
    return evaluate_template(state[selector_key], scope, selector_key)
