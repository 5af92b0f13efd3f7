"""Reading the AWS-recorded ASL cases from the shared folder (never copied into the project).

The recordings normalise values to placeholders (`<timestamp>`, `date`, `generated-uuid`, ...);
`prepare_case` turns a recorded case back into something runnable and `matches` compares with
placeholders standing for any value.
"""

from __future__ import annotations

import copy
import json
import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

from .harness import START


def shared_dir() -> Path:
    configured = os.environ.get("PAYBUS_SHARED_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[3] / ".." / "shared"


def cases_file() -> Path:
    return shared_dir() / "conformance" / "asl" / "cases.jsonl"


def load_cases() -> list[dict[str, Any]]:
    path = cases_file()
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


WORD_PLACEHOLDERS = {
    "timestamp",
    "date",
    "generated-uuid",
    "start-time",
    "entered-time",
    "snf_role_arn",
}


def _string_matches(expected: str, actual: Any) -> bool:
    if expected in WORD_PLACEHOLDERS:
        return isinstance(actual, str)
    if "<" not in expected:
        return expected == actual
    pattern = re.escape(expected)
    pattern = re.sub(r"\\<[^>]*?\\>|<[^>]*?>", ".+", pattern)
    return isinstance(actual, str) and re.fullmatch(pattern, actual, re.DOTALL) is not None


def matches(expected: Any, actual: Any) -> bool:
    if isinstance(expected, str):
        return _string_matches(expected, actual)
    if isinstance(expected, dict):
        return (
            isinstance(actual, dict)
            and set(expected) == set(actual)
            and all(matches(v, actual[k]) for k, v in expected.items())
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(expected) == len(actual)
            and all(matches(e, a) for e, a in zip(expected, actual, strict=True))
        )
    return bool(expected == actual) and type(expected) is type(actual)


def _parse(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _timestamp_from_cause(cause: str) -> str:
    return cause.rsplit("== ", 1)[-1] if "== " in cause else cause.rsplit("string: ", 1)[-1]


def prepare_case(case: dict[str, Any]) -> tuple[dict[str, Any], Any, dict[str, Any]]:
    """(definition, input, expected) with the recording's placeholders made concrete."""
    definition = copy.deepcopy(case["definition"])
    value = _parse(case["input"])
    expected = dict(case["expected"])
    expected["output"] = _parse(expected.get("output"))
    name = case["id"].rsplit("::", 1)[-1]
    if name == "test_base_map[ITEMS_DOUBLE_QUOTES]":
        # The recorded file is the template; the test substituted this expression for Items.
        definition["States"]["Start"]["Items"] = "{% [1,2,3] %}"
    if isinstance(value, dict):
        ts = value.get("TimestampValue")
        if ts == "date":
            value["TimestampValue"] = (
                "2016-03-14T01:59:00.123456789Z"
                if "NANOSECONDS" in name
                else "2016-03-14T01:59:00Z"
            )
        elif ts == "timestamp":
            value["TimestampValue"] = _timestamp_from_cause(expected["cause"])
        if value.get("start_at") == "<timestamp>":
            value["start_at"] = _start_at(name)
    return definition, value, expected


def _start_at(name: str) -> str:
    if "too_far_in_future" in name:
        days = int(name.rsplit("[", 1)[-1].rstrip("]"))
        return (START + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")
    suffix = name.rsplit("[", 1)[-1].rstrip("]")
    # the recorded test formats a future time without an offset: not valid for ASL
    return (START + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S") + suffix
