"""Helpers for the event-pattern tests: an envelope builder and a matcher-vs-reference check.

Imported by name (`from pattern_helpers import ...`): pytest puts this folder on sys.path.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from paybus.core.events.patterns import RuleMatcher, compile_pattern, matches_pattern


def envelope(**detail: Any) -> dict[str, Any]:
    """A minimal EventBridge event whose `detail` is the keyword arguments."""
    return {
        "version": "0",
        "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        "detail-type": "invoice.paid",
        "source": "aws.partner/stripe.com/ed_123",
        "account": "111122223333",
        "time": "2024-03-07T18:27:56Z",
        "region": "us-west-2",
        "resources": [],
        "detail": detail,
    }


def both_agree(pattern: Mapping[str, Any] | str, event: Mapping[str, Any]) -> bool:
    """Match with the reference evaluator and the compiled matcher; fail if they differ."""
    compiled = compile_pattern(pattern)
    expected = matches_pattern(compiled, event)
    matcher = RuleMatcher()
    matcher.add_rule("rule", compiled)
    assert ("rule" in matcher.matches(event)) == expected, "matcher and reference disagree"
    return expected
