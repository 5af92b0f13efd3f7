"""Every TestEventPattern case recorded against real AWS gives AWS's answer.

The cases live outside the project (`../shared/conformance/event-patterns/`, or
$PAYBUS_SHARED_DIR); they are read at test time and never copied here. File name suffixes:
none = matches, `_NEG` = valid and does not match, `_EXC` = invalid with the message in
expected-errors.txt.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import json5
import pytest

from paybus.core.errors import InvalidEventPattern
from paybus.core.events.patterns import RuleMatcher, test_event_pattern

SHARED = Path(
    os.environ.get("PAYBUS_SHARED_DIR", Path(__file__).resolve().parents[3] / ".." / "shared")
)
CASES = SHARED / "conformance" / "event-patterns"
MISSING = f"AWS conformance cases not found at {CASES} (set PAYBUS_SHARED_DIR to the shared folder)"

pytestmark = pytest.mark.skipif(not CASES.is_dir(), reason=MISSING)


def _case_files() -> list[Path]:
    return sorted(CASES.glob("*.json5")) if CASES.is_dir() else []


def _expected_errors() -> dict[str, str]:
    lines = (CASES / "expected-errors.txt").read_text(encoding="utf-8").splitlines()
    return dict(line.split(" | ", 1) for line in lines if line.strip())


def _load(path: Path) -> dict[str, Any]:
    case: dict[str, Any] = json5.loads(path.read_text(encoding="utf-8"))
    return case


@pytest.mark.parametrize("path", _case_files(), ids=lambda path: path.stem)
def test_aws_case(path: Path) -> None:
    case = _load(path)
    name = path.stem
    if name.endswith("_EXC"):
        with pytest.raises(InvalidEventPattern) as raised:
            test_event_pattern(case["Event"], case["EventPattern"])
        assert raised.value.message == _expected_errors()[name]
        with pytest.raises(InvalidEventPattern):
            RuleMatcher().add_rule(name, case["EventPattern"])
        return
    expected = not name.endswith("_NEG")
    assert test_event_pattern(case["Event"], case["EventPattern"]) is expected
    matcher = RuleMatcher()
    matcher.add_rule(name, case["EventPattern"])
    assert (name in matcher.matches(case["Event"])) is expected


def test_every_error_case_has_an_expected_message() -> None:
    names = {path.stem for path in _case_files() if path.stem.endswith("_EXC")}
    assert names, "no _EXC cases found"
    assert names <= set(_expected_errors())


def test_multi_key_pair_keeps_the_last_occurrence_of_a_repeated_key() -> None:
    event = json5.loads((CASES / "complex_multi_key_event.json").read_text(encoding="utf-8"))
    pattern_text = (CASES / "complex_multi_key_event_pattern.json").read_text(encoding="utf-8")
    assert test_event_pattern(event, pattern_text) is True


def test_all_cases_in_one_matcher_give_the_same_answers() -> None:
    """One bus with every valid case's pattern: each event matches exactly as on its own."""
    cases = {p.stem: _load(p) for p in _case_files() if not p.stem.endswith("_EXC")}
    matcher = RuleMatcher()
    for name, case in cases.items():
        matcher.add_rule(name, case["EventPattern"])
    for name, case in cases.items():
        expected = {
            other
            for other, other_case in cases.items()
            if test_event_pattern(case["Event"], other_case["EventPattern"])
        }
        assert matcher.matches(case["Event"]) == expected, name
