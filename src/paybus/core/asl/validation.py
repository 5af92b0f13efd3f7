"""Validate a definition on create, collecting every problem with its location.

Messages follow Step Functions' shape, `CODE: reason at /States/<state>/<field>`, and
`InvalidDefinition` lists them all. Per-state-type checks live in `_STATE_CHECKS`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from paybus.core.asl import fields as F
from paybus.core.asl.choice_rules import COMBINATORS, COMPARISONS, OPERATORS, TYPE_TESTS
from paybus.core.asl.errors import ALL, PREDEFINED_ERRORS, InvalidDefinition
from paybus.core.asl.jsonata_mode import is_expression
from paybus.core.asl.timestamps import parse_timestamp
from paybus.core.asl.validation_values import (
    dynamic_problem,
    integer_problem,
    is_number,
    jsonata_problems,
    path_problem,
    template_problems,
)

SCHEMA = "SCHEMA_VALIDATION_FAILED"


class _Checker:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def add(self, where: str, reason: str, code: str = SCHEMA) -> None:
        self.problems.append(f"{code}: {reason} at {where}")


def validate_definition(definition: Any) -> None:
    """Raise `InvalidDefinition` naming every problem; return None if the machine is valid."""
    checker = _Checker()
    if not isinstance(definition, Mapping):
        raise InvalidDefinition([f"{SCHEMA}: The definition must be a JSON object at /"])
    for key in definition:
        if key not in F.TOP_LEVEL_FIELDS:
            checker.add(f"/{key}", f'The field "{key}" is not supported by Step Functions')
    language = definition.get("QueryLanguage", "JSONPath")
    if language not in ("JSONPath", "JSONata"):
        checker.add("/QueryLanguage", "The value must be one of [JSONPath, JSONata]")
        language = "JSONPath"
    if "TimeoutSeconds" in definition:
        _integer(checker, "", definition["TimeoutSeconds"], "TimeoutSeconds", 1)
    if "Version" in definition and not isinstance(definition["Version"], str):
        checker.add("/Version", "The field 'Version' must be a string")
    _check_machine(checker, definition, "", language)
    if checker.problems:
        raise InvalidDefinition(checker.problems)


def _check_machine(
    checker: _Checker, machine: Mapping[str, Any], where: str, language: str
) -> None:
    states = machine.get("States")
    start = machine.get("StartAt")
    if not isinstance(states, Mapping) or not states:
        checker.add(
            f"{where}/States", 'The field "States" is required and must be a non-empty object'
        )
        states = {}
    if not isinstance(start, str):
        checker.add(f"{where}/StartAt", 'The field "StartAt" is required and must be a string')
    elif states and start not in states:
        checker.add(
            f"{where}/StartAt", f"Missing 'Next' target: {start}", "MISSING_TRANSITION_TARGET"
        )
    for name, state in states.items():
        location = f"{where}/States/{name}"
        if len(name) > F.MAX_STATE_NAME:
            checker.add(
                location, f"State name '{name}' is longer than {F.MAX_STATE_NAME} characters"
            )
        if not isinstance(state, Mapping):
            checker.add(location, f"State '{name}' must be a JSON object")
            continue
        _check_state(checker, name, state, location, language, states)


def _check_state(
    checker: _Checker,
    name: str,
    state: Mapping[str, Any],
    where: str,
    machine_language: str,
    siblings: Mapping[str, Any],
) -> None:
    kind = state.get("Type")
    if kind not in F.STATE_TYPES:
        checker.add(
            f"{where}/Type",
            f"State '{name}' has an unknown Type {kind!r}; use one of "
            + ", ".join(sorted(F.STATE_TYPES)),
        )
        return
    language = state.get("QueryLanguage", machine_language)
    if language not in ("JSONPath", "JSONata"):
        checker.add(f"{where}/QueryLanguage", "The value must be one of [JSONPath, JSONata]")
        return
    if machine_language == "JSONata" and language == "JSONPath":
        checker.add(
            f"{where}/QueryLanguage",
            f"State '{name}' cannot use JSONPath inside a JSONata state machine",
        )
    both, path_only, jsonata_only = F.FIELDS[kind]
    allowed = F.COMMON | both | (path_only if language == "JSONPath" else jsonata_only)
    if kind not in F.TERMINAL_TYPES:
        allowed |= F.TRANSITION
    for key in state:
        if key not in allowed:
            other = "JSONata" if language == "JSONPath" else "JSONPath"
            hint = (
                f" (it is a {other} field; this state uses {language})"
                if key in path_only | jsonata_only
                else ""
            )
            checker.add(
                f"{where}/{key}",
                f'The field "{key}" is not supported by Step Functions for a {kind} state{hint}',
            )
    if kind not in F.TERMINAL_TYPES:
        _check_transition(checker, state, where, siblings)
    if language == "JSONPath":
        _check_jsonpath_fields(checker, state, where, kind)
    else:
        for key in ("Arguments", "Output", "Items", "ItemSelector"):
            if key in state:
                for problem in jsonata_problems(state[key], key):
                    checker.add(f"{where}/{key}", problem)
    if "Assign" in state:
        _check_assign(checker, state["Assign"], f"{where}/Assign", language)
    if kind in F.WITH_RETRY:
        _check_retry(checker, state.get("Retry"), f"{where}/Retry")
        _check_catch(checker, state.get("Catch"), f"{where}/Catch", siblings, language)
    _STATE_CHECKS[kind](StateSite(checker, name, state, where, language, siblings))


def _check_transition(
    checker: _Checker, state: Mapping[str, Any], where: str, siblings: Mapping[str, Any]
) -> None:
    has_next, end = "Next" in state, state.get("End")
    if has_next and end is not None:
        checker.add(where, "Only one of 'Next' or 'End' can be present")
    elif not has_next and end is not True:
        checker.add(where, "Exactly one of 'Next' or 'End: true' is required")
    if "End" in state and not isinstance(end, bool):
        checker.add(f"{where}/End", "The field 'End' must be a boolean")
    if has_next:
        _target(checker, state["Next"], f"{where}/Next", siblings)


def _target(checker: _Checker, target: Any, where: str, siblings: Mapping[str, Any]) -> None:
    if not isinstance(target, str) or target not in siblings:
        checker.add(where, f"Missing 'Next' target: {target}", "MISSING_TRANSITION_TARGET")


_PATH_FIELDS = {"InputPath": True, "OutputPath": True}


def _check_jsonpath_fields(
    checker: _Checker, state: Mapping[str, Any], where: str, kind: str
) -> None:
    for key in ("InputPath", "OutputPath"):
        if key in state:
            _add(checker, f"{where}/{key}", path_problem(state[key], key, nullable=True))
    if "ResultPath" in state:
        _add(
            checker,
            f"{where}/ResultPath",
            path_problem(state["ResultPath"], "ResultPath", nullable=True, reference=True),
        )
    for key in ("Parameters", "ResultSelector", "ItemSelector"):
        if key in state:
            if kind != "Pass" and key == "Parameters" and not isinstance(state[key], Mapping):
                checker.add(f"{where}/{key}", f"The field '{key}' must be a JSON object")
            for problem in template_problems(state[key], key):
                checker.add(f"{where}/{key}", problem)
    for key in (
        "TimeoutSecondsPath",
        "HeartbeatSecondsPath",
        "SecondsPath",
        "TimestampPath",
        "ItemsPath",
        "MaxConcurrencyPath",
        "ToleratedFailurePercentagePath",
        "ToleratedFailureCountPath",
    ):
        if key in state:
            _add(checker, f"{where}/{key}", path_problem(state[key], key))


def _check_assign(checker: _Checker, assign: Any, where: str, language: str) -> None:
    if not isinstance(assign, Mapping):
        checker.add(where, "The field 'Assign' must be a JSON object")
        return
    for key in assign:
        name = key[:-2] if key.endswith(".$") else key
        if not name.isidentifier() or name == "states":
            checker.add(f"{where}/{key}", f"'{name}' is not a valid variable name")
    if language == "JSONPath":
        for problem in template_problems(assign, "Assign"):
            checker.add(where, problem)
    else:
        for problem in jsonata_problems(assign, "Assign"):
            checker.add(where, problem)


def _check_error_equals(checker: _Checker, item: Mapping[str, Any], where: str, last: bool) -> None:
    errors = item.get("ErrorEquals")
    if not isinstance(errors, list) or not errors or not all(isinstance(e, str) for e in errors):
        checker.add(
            f"{where}/ErrorEquals",
            "The field 'ErrorEquals' must be a non-empty array of error names",
        )
        return
    if ALL in errors and (len(errors) > 1 or not last):
        checker.add(f"{where}/ErrorEquals", f"{ALL} must appear alone in the last retrier/catcher")
    for error in errors:
        if error.startswith("States.") and error not in PREDEFINED_ERRORS:
            checker.add(
                f"{where}/ErrorEquals",
                f"'{error}' is not a predefined error (user errors may not start with 'States.')",
            )


def _items(checker: _Checker, value: Any, where: str, field: str) -> list[Mapping[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        checker.add(where, f"The field '{field}' must be an array of objects")
        return []
    return value


def _check_retry(checker: _Checker, retry: Any, where: str) -> None:
    retriers = _items(checker, retry, where, "Retry")
    for index, retrier in enumerate(retriers):
        at = f"{where}[{index}]"
        for key in retrier:
            if key not in F.RETRIER_FIELDS:
                checker.add(f"{at}/{key}", f'The field "{key}" is not supported in a retrier')
        _check_error_equals(checker, retrier, at, index == len(retriers) - 1)
        if "IntervalSeconds" in retrier:
            _integer(
                checker, at, retrier["IntervalSeconds"], "IntervalSeconds", 1, F.MAX_RETRY_NUMBER
            )
        if "MaxAttempts" in retrier:
            _integer(checker, at, retrier["MaxAttempts"], "MaxAttempts", 0, F.MAX_RETRY_NUMBER)
        if "MaxDelaySeconds" in retrier:
            _integer(
                checker, at, retrier["MaxDelaySeconds"], "MaxDelaySeconds", 1, F.MAX_RETRY_NUMBER
            )
        rate = retrier.get("BackoffRate", 2.0)
        if not is_number(rate) or rate < 1.0:
            checker.add(f"{at}/BackoffRate", "The field 'BackoffRate' must be a number >= 1.0")
        if retrier.get("JitterStrategy", "NONE") not in ("FULL", "NONE"):
            checker.add(f"{at}/JitterStrategy", "The field 'JitterStrategy' must be FULL or NONE")


def _check_catch(
    checker: _Checker, catch: Any, where: str, siblings: Mapping[str, Any], language: str
) -> None:
    catchers = _items(checker, catch, where, "Catch")
    for index, catcher in enumerate(catchers):
        at = f"{where}[{index}]"
        for key in catcher:
            if key not in F.CATCHER_FIELDS:
                checker.add(f"{at}/{key}", f'The field "{key}" is not supported in a catcher')
        _check_error_equals(checker, catcher, at, index == len(catchers) - 1)
        _target(checker, catcher.get("Next"), f"{at}/Next", siblings)
        if language == "JSONPath" and "Output" in catcher:
            checker.add(f"{at}/Output", "The field 'Output' needs QueryLanguage JSONata")
        if language == "JSONata" and "ResultPath" in catcher:
            checker.add(f"{at}/ResultPath", "The field 'ResultPath' needs QueryLanguage JSONPath")
        if "ResultPath" in catcher:
            _add(
                checker,
                f"{at}/ResultPath",
                path_problem(catcher["ResultPath"], "ResultPath", nullable=True, reference=True),
            )
        if "Assign" in catcher:
            _check_assign(checker, catcher["Assign"], f"{at}/Assign", language)


def _integer(
    checker: _Checker,
    where: str,
    value: Any,
    field: str,
    minimum: int,
    maximum: int | None = None,
    *,
    jsonata: bool = False,
) -> None:
    _add(
        checker,
        f"{where}/{field}",
        integer_problem(value, field, minimum, maximum, jsonata=jsonata),
    )


def _add(checker: _Checker, where: str, problem: str | None) -> None:
    if problem:
        checker.add(where, problem)


def _exclusive(checker: _Checker, state: Mapping[str, Any], where: str, *keys: str) -> int:
    present = [k for k in keys if k in state]
    if len(present) > 1:
        checker.add(
            where, "Only one of " + ", ".join(f"'{k}'" for k in present) + " may be present"
        )
    return len(present)


# ---- per state type --------------------------------------------------------------------------


class StateSite(NamedTuple):
    """Where a per-state check looks: the state, its name and path, its query language, and
    its sibling states (for transition targets)."""

    checker: _Checker
    name: str
    state: Mapping[str, Any]
    where: str
    language: str
    siblings: Mapping[str, Any]


StateCheck = Callable[[StateSite], None]


def _no_more_checks(site: StateSite) -> None:
    """Pass and Succeed: the checks every state gets are all they need."""


def _check_task(site: StateSite) -> None:
    checker, name, state, where, language, _ = site
    if not isinstance(state.get("Resource"), str) or not state.get("Resource"):
        checker.add(f"{where}/Resource", f"The field \"Resource\" is required for Task '{name}'")
    jsonata = language == "JSONata"
    for key in ("TimeoutSeconds", "HeartbeatSeconds"):
        _exclusive(checker, state, where, key, f"{key}Path")
        if key in state:
            _integer(checker, where, state[key], key, 1, F.MAX_RETRY_NUMBER, jsonata=jsonata)
    timeout, heartbeat = state.get("TimeoutSeconds"), state.get("HeartbeatSeconds")
    if isinstance(timeout, int) and isinstance(heartbeat, int) and heartbeat >= timeout:
        checker.add(
            f"{where}/HeartbeatSeconds", "HeartbeatSeconds must be smaller than TimeoutSeconds"
        )
    credentials = state.get("Credentials")
    if credentials is not None and (
        not isinstance(credentials, Mapping) or not ({"RoleArn", "RoleArn.$"} & set(credentials))
    ):
        checker.add(
            f"{where}/Credentials", "The field 'Credentials' must have 'RoleArn' or 'RoleArn.$'"
        )


def _check_choice(site: StateSite) -> None:
    checker, name, state, where, language, siblings = site
    choices = state.get("Choices")
    if not isinstance(choices, list) or not choices:
        checker.add(f"{where}/Choices", f"Choice '{name}' needs a non-empty 'Choices' array")
        choices = []
    for index, rule in enumerate(choices):
        at = f"{where}/Choices[{index}]"
        if not isinstance(rule, Mapping):
            checker.add(at, "A choice rule must be a JSON object")
            continue
        _target(checker, rule.get("Next"), f"{at}/Next", siblings)
        if "Assign" in rule:
            _check_assign(checker, rule["Assign"], f"{at}/Assign", language)
        if language == "JSONata":
            _check_condition(checker, rule, at)
        else:
            if "Output" in rule:
                checker.add(f"{at}/Output", "The field 'Output' needs QueryLanguage JSONata")
            _check_rule(checker, rule, at, top=True)
    if "Default" in state:
        _target(checker, state["Default"], f"{where}/Default", siblings)


def _check_condition(checker: _Checker, rule: Mapping[str, Any], where: str) -> None:
    allowed = {"Condition", "Next", "Assign", "Output", "Comment"}
    for key in rule:
        if key not in allowed:
            checker.add(
                f"{where}/{key}", f'The field "{key}" is not supported in a JSONata choice rule'
            )
    condition = rule.get("Condition")
    if not isinstance(condition, bool) and not is_expression(condition):
        checker.add(
            f"{where}/Condition",
            "The field 'Condition' is required and must be a boolean or a {% %} expression",
        )
    for problem in jsonata_problems(condition, "Condition"):
        checker.add(f"{where}/Condition", problem)


def _check_rule(checker: _Checker, rule: Mapping[str, Any], where: str, top: bool) -> None:
    allowed = {"Variable", "Comment", *OPERATORS, *COMBINATORS}
    if top:
        allowed |= {"Next", "Assign"}
    elif "Next" in rule:
        checker.add(f"{where}/Next", "Nested choice rules cannot have 'Next'")
    for key in rule:
        if key not in allowed and key != "Next":
            checker.add(f"{where}/{key}", f'The field "{key}" is not supported in a choice rule')
    operators = [k for k in rule if k in OPERATORS or k in COMBINATORS]
    if len(operators) != 1:
        checker.add(where, "A choice rule needs exactly one comparison operator or And/Or/Not")
        return
    operator = operators[0]
    operand = rule[operator]
    if operator in ("And", "Or"):
        if not isinstance(operand, list) or not operand:
            checker.add(f"{where}/{operator}", f"'{operator}' must be a non-empty array of rules")
            return
        for index, sub in enumerate(operand):
            if isinstance(sub, Mapping):
                _check_rule(checker, sub, f"{where}/{operator}[{index}]", top=False)
            else:
                checker.add(f"{where}/{operator}[{index}]", "A choice rule must be an object")
        return
    if operator == "Not":
        if isinstance(operand, Mapping):
            _check_rule(checker, operand, f"{where}/Not", top=False)
        else:
            checker.add(f"{where}/Not", "'Not' must be a single rule object")
        return
    _add(checker, f"{where}/Variable", path_problem(rule.get("Variable"), "Variable"))
    _add(checker, f"{where}/{operator}", _operand_problem(operator, operand))


def _operand_problem(operator: str, operand: Any) -> str | None:
    if operator.endswith("Path"):
        return path_problem(operand, operator)
    if operator in TYPE_TESTS or operator in ("IsPresent", "BooleanEquals"):
        return None if isinstance(operand, bool) else f"'{operator}' needs a boolean"
    if operator == "StringMatches" or operator.startswith("String"):
        return None if isinstance(operand, str) else f"'{operator}' needs a string"
    if operator.startswith("Numeric"):
        return None if is_number(operand) else f"'{operator}' needs a number"
    if operator.startswith("Timestamp") and operator in COMPARISONS:
        valid = parse_timestamp(operand) is not None
        return None if valid else f"'{operator}' needs an ISO-8601 timestamp"
    return None


def _check_wait(site: StateSite) -> None:
    checker, name, state, where, language, _ = site
    count = _exclusive(
        checker, state, where, "Seconds", "Timestamp", "SecondsPath", "TimestampPath"
    )
    if count == 0:
        checker.add(
            where,
            f"Wait '{name}' needs one of 'Seconds', 'Timestamp', 'SecondsPath', 'TimestampPath'",
        )
    jsonata = language == "JSONata"
    if "Seconds" in state:
        _integer(checker, where, state["Seconds"], "Seconds", 0, jsonata=jsonata)
    timestamp = state.get("Timestamp")
    literal = "Timestamp" in state and not (jsonata and is_expression(timestamp))
    if literal and parse_timestamp(timestamp) is None:
        checker.add(
            f"{where}/Timestamp",
            "The field 'Timestamp' must be an ISO-8601 extended offset date-time",
        )
    for key in ("Seconds", "Timestamp"):
        if jsonata and key in state:
            for problem in jsonata_problems(state[key], key):
                checker.add(f"{where}/{key}", problem)


def _check_fail(site: StateSite) -> None:
    checker, _, state, where, language, _ = site
    for key in ("Error", "Cause"):
        _exclusive(checker, state, where, key, f"{key}Path")
        if key in state and not isinstance(state[key], str):
            checker.add(f"{where}/{key}", f"The field '{key}' must be a string")
        if language == "JSONata" and key in state:
            for problem in jsonata_problems(state[key], key):
                checker.add(f"{where}/{key}", problem)
        if f"{key}Path" in state:
            _add(checker, f"{where}/{key}Path", dynamic_problem(state[f"{key}Path"], f"{key}Path"))


def _check_parallel(site: StateSite) -> None:
    checker, name, state, where, language, _ = site
    branches = state.get("Branches")
    if not isinstance(branches, list) or not branches:
        checker.add(f"{where}/Branches", f"Parallel '{name}' needs a non-empty 'Branches' array")
        return
    for index, branch in enumerate(branches):
        at = f"{where}/Branches[{index}]"
        if not isinstance(branch, Mapping):
            checker.add(at, "A branch must be a JSON object with StartAt and States")
            continue
        _check_sub_machine(checker, branch, at, language)


def _check_sub_machine(
    checker: _Checker, machine: Mapping[str, Any], where: str, language: str
) -> None:
    for key in machine:
        if key not in ("StartAt", "States", "Comment", "ProcessorConfig", "QueryLanguage"):
            checker.add(f"{where}/{key}", f'The field "{key}" is not supported by Step Functions')
    _check_machine(checker, machine, where, machine.get("QueryLanguage", language))


def _check_map(site: StateSite) -> None:
    checker, name, state, where, language, _ = site
    count = _exclusive(checker, state, where, "ItemProcessor", "Iterator")
    if count == 0:
        checker.add(where, f"Map '{name}' needs an 'ItemProcessor' (or legacy 'Iterator')")
    processor = state.get("ItemProcessor", state.get("Iterator"))
    if isinstance(processor, Mapping):
        config = processor.get("ProcessorConfig", {})
        if (
            not isinstance(config, Mapping)
            or config.get("Mode", "INLINE") not in ("INLINE", "DISTRIBUTED")
            or config.get("ExecutionType", "STANDARD") not in ("STANDARD", "EXPRESS")
        ):
            checker.add(
                f"{where}/ItemProcessor/ProcessorConfig",
                "Mode must be INLINE or DISTRIBUTED and ExecutionType STANDARD or EXPRESS",
            )
        _check_sub_machine(checker, processor, f"{where}/ItemProcessor", language)
    elif count:
        checker.add(f"{where}/ItemProcessor", "The field 'ItemProcessor' must be an object")
    _exclusive(checker, state, where, "ItemSelector", "Parameters")
    jsonata = language == "JSONata"
    _exclusive(checker, state, where, "MaxConcurrency", "MaxConcurrencyPath")
    if "MaxConcurrency" in state:
        _integer(checker, where, state["MaxConcurrency"], "MaxConcurrency", 0, jsonata=jsonata)
    if "ToleratedFailureCount" in state:
        _integer(
            checker,
            where,
            state["ToleratedFailureCount"],
            "ToleratedFailureCount",
            0,
            jsonata=jsonata,
        )
    percentage = state.get("ToleratedFailurePercentage")
    literal = "ToleratedFailurePercentage" in state and not (jsonata and is_expression(percentage))
    if literal and (not isinstance(percentage, int | float) or not 0 <= percentage <= 100):
        checker.add(
            f"{where}/ToleratedFailurePercentage",
            "The field 'ToleratedFailurePercentage' must be a number between 0 and 100",
        )
    batcher = state.get("ItemBatcher")
    if batcher is not None:
        _check_batcher(checker, batcher, f"{where}/ItemBatcher", jsonata)


def _check_batcher(checker: _Checker, batcher: Any, where: str, jsonata: bool) -> None:
    if not isinstance(batcher, Mapping):
        checker.add(where, "The field 'ItemBatcher' must be an object")
        return
    sizes = (
        "MaxItemsPerBatch",
        "MaxItemsPerBatchPath",
        "MaxInputBytesPerBatch",
        "MaxInputBytesPerBatchPath",
    )
    if not any(k in batcher for k in sizes):
        checker.add(where, "ItemBatcher needs MaxItemsPerBatch or MaxInputBytesPerBatch")
    for key in ("MaxItemsPerBatch", "MaxInputBytesPerBatch"):
        if key in batcher:
            _integer(
                checker,
                where,
                batcher[key],
                key,
                1,
                262_144 if key == "MaxInputBytesPerBatch" else None,
                jsonata=jsonata,
            )
    if "BatchInput" in batcher and not isinstance(batcher["BatchInput"], Mapping):
        checker.add(f"{where}/BatchInput", "The field 'BatchInput' must be an object")


_STATE_CHECKS: dict[str, StateCheck] = {
    "Pass": _no_more_checks,
    "Task": _check_task,
    "Choice": _check_choice,
    "Wait": _check_wait,
    "Succeed": _no_more_checks,
    "Fail": _check_fail,
    "Parallel": _check_parallel,
    "Map": _check_map,
}
