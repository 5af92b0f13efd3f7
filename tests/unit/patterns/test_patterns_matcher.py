"""RuleMatcher: the rules of a bus compiled together, changed while events are matched."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from pattern_helpers import envelope

import paybus.core.events.patterns as patterns
from paybus.core.events.patterns import RuleMatcher, compile_pattern
from paybus.core.events.patterns import verify as verify_module


def stripe_rule(event_type: str, customer: str) -> dict[str, Any]:
    return {
        "source": [{"prefix": "aws.partner/stripe.com"}],
        "detail-type": [event_type],
        "detail": {"data": {"object": {"customer": [customer]}}},
    }


def stripe_event(event_type: str, customer: str, **extra: Any) -> dict[str, Any]:
    event = envelope(data={"object": {"customer": customer, **extra}})
    event["detail-type"] = event_type
    return event


def test_matches_returns_the_ids_of_matching_rules() -> None:
    matcher = RuleMatcher()
    matcher.add_rule("paid-42", stripe_rule("invoice.paid", "cus_42"))
    matcher.add_rule("paid-43", stripe_rule("invoice.paid", "cus_43"))
    matcher.add_rule("all-paid", {"detail-type": ["invoice.paid"]})
    assert matcher.matches(stripe_event("invoice.paid", "cus_42")) == {"paid-42", "all-paid"}
    assert matcher.matches(stripe_event("invoice.voided", "cus_42")) == set()
    assert (
        len(matcher) == 3
        and "paid-42" in matcher
        and set(matcher)
        == {
            "paid-42",
            "paid-43",
            "all-paid",
        }
    )


def test_add_rule_replaces_and_remove_rule_forgets() -> None:
    matcher = RuleMatcher()
    matcher.add_rule("r", stripe_rule("invoice.paid", "cus_1"))
    matcher.add_rule("r", stripe_rule("invoice.paid", "cus_2"))
    assert matcher.matches(stripe_event("invoice.paid", "cus_1")) == set()
    assert matcher.matches(stripe_event("invoice.paid", "cus_2")) == {"r"}
    assert matcher.remove_rule("r") is True
    assert matcher.remove_rule("r") is False
    assert matcher.matches(stripe_event("invoice.paid", "cus_2")) == set()
    assert len(matcher) == 0


def test_removing_every_rule_leaves_nothing_behind() -> None:
    matcher = RuleMatcher()
    for i in range(300):
        matcher.add_rule(f"r{i}", stripe_rule("invoice.paid", f"cus_{i % 7}"))
    matcher.add_rule("or", {"$or": [{"a": [1]}, {"b": {"c": [{"exists": False}]}}]})
    for rule_id in list(matcher):
        matcher.remove_rule(rule_id)
    assert matcher._paths == {} and matcher._branches == {} and matcher._always == ()
    assert matcher._tree.collect(stripe_event("invoice.paid", "cus_1")) == {}


def test_a_rule_with_or_matches_once() -> None:
    matcher = RuleMatcher()
    matcher.add_rule(
        "either", {"$or": [{"detail-type": ["invoice.paid"]}, {"source": [{"prefix": "aws."}]}]}
    )
    assert matcher.matches(stripe_event("invoice.paid", "c")) == {"either"}


def test_rules_made_only_of_absences_are_checked_for_every_event() -> None:
    matcher = RuleMatcher()
    matcher.add_rule("no-detail-status", {"detail": {"status": [{"exists": False}]}})
    assert matcher.matches(envelope()) == {"no-detail-status"}
    assert matcher.matches(envelope(status="x")) == set()


def test_compiled_patterns_can_be_shared_between_matchers() -> None:
    compiled = compile_pattern(stripe_rule("invoice.paid", "cus_1"))
    first, second = RuleMatcher(), RuleMatcher()
    first.add_rule("a", compiled)
    second.add_rule("b", compiled)
    event = stripe_event("invoice.paid", "cus_1")
    assert first.matches(event) == {"a"} and second.matches(event) == {"b"}


def test_verification_work_does_not_grow_with_unrelated_rules(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The branches verified for an event stay the same when 5,000 rules it cannot match join."""
    calls: list[int] = []
    real_verify = verify_module.verify

    def counting(branch: Any, event: Any) -> bool:
        calls.append(1)
        return real_verify(branch, event)

    monkeypatch.setattr("paybus.core.events.patterns.matcher.verify", counting)
    event = stripe_event("invoice.paid", "cus_7", amount=5000)
    matcher = RuleMatcher()
    for i in range(10):
        matcher.add_rule(f"r{i}", stripe_rule("invoice.paid", f"cus_{i}"))
    matcher.matches(event)
    few = len(calls)
    for i in range(10, 5010):
        matcher.add_rule(f"r{i}", stripe_rule(f"type.{i % 40}", f"cus_{i}"))
    calls.clear()
    assert matcher.matches(event) == {"r7"}
    assert len(calls) <= few


def test_a_256_kb_event_is_matched_quickly() -> None:
    lines = [
        {"id": f"il_{i}", "price": {"id": f"price_{i}"}, "quantity": i % 9} for i in range(3000)
    ]
    event = stripe_event("invoice.paid", "cus_1", lines={"data": lines}, blob="x" * 100_000)
    matcher = RuleMatcher()
    for i in range(2000):
        matcher.add_rule(
            f"bulk-{i}",
            {
                "detail": {
                    "data": {
                        "object": {
                            "lines": {
                                "data": {
                                    "price": {"id": [f"price_{i}"]},
                                    "quantity": [{"numeric": [">=", 8]}],
                                }
                            }
                        }
                    }
                }
            },
        )
    started = time.perf_counter()
    matched = matcher.matches(event)
    elapsed = time.perf_counter() - started
    assert matched == {f"bulk-{i}" for i in range(2000) if i % 9 == 8}
    assert elapsed < 1.0  # generous for a loaded CI machine; the benchmark reports the figure


def test_rules_can_change_while_other_threads_match() -> None:
    matcher = RuleMatcher()
    matcher.add_rule("stable", stripe_rule("invoice.paid", "cus_1"))
    event = stripe_event("invoice.paid", "cus_1")
    stop = threading.Event()
    problems: list[str] = []

    def reader() -> None:
        while not stop.is_set():
            try:
                if "stable" not in matcher.matches(event):
                    problems.append("stable rule missed")
            except Exception as error:  # the test reports any exception a reader hits
                problems.append(repr(error))

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for thread in threads:
        thread.start()
    try:
        for round_ in range(30):
            for i in range(40):
                matcher.add_rule(f"r{i}", stripe_rule("invoice.paid", f"cus_{(i + round_) % 3}"))
            matcher.add_rule("stable", stripe_rule("invoice.paid", "cus_1"))  # replaced in place
            for i in range(0, 40, 2):
                matcher.remove_rule(f"r{i}")
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert problems == []


def test_public_api_is_complete() -> None:
    assert set(patterns.__all__) == {
        "INVALID_EVENT",
        "CompiledPattern",
        "PatternLimits",
        "RuleMatcher",
        "compile_pattern",
        "matches_pattern",
        "test_event_pattern",
    }
    for name in patterns.__all__:
        assert hasattr(patterns, name)
