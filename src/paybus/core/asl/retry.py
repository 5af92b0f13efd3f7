"""Retry and Catch policy: which retrier or catcher handles an error, and the backoff delay."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from paybus.core.asl.errors import (
    ALL,
    DATA_LIMIT_EXCEEDED,
    HEARTBEAT_TIMEOUT,
    RUNTIME,
    TASK_FAILED,
    TIMEOUT,
)

DEFAULT_INTERVAL = 1
DEFAULT_MAX_ATTEMPTS = 3
DEFAULT_BACKOFF = 2.0


def is_handleable(error: str) -> bool:
    """`States.Runtime` always fails the execution: never retried, never caught."""
    return error != RUNTIME


def error_matches(error_equals: Sequence[str], error: str) -> bool:
    for name in error_equals:
        if name == error:
            return True
        if name == ALL and error != DATA_LIMIT_EXCEEDED:
            return True
        if name == TASK_FAILED and error not in (TIMEOUT, HEARTBEAT_TIMEOUT, DATA_LIMIT_EXCEEDED):
            return True
        if name == TIMEOUT and error == HEARTBEAT_TIMEOUT:
            return True
    return False


def first_match(handlers: Sequence[Mapping[str, Any]] | None, error: str) -> int | None:
    for index, handler in enumerate(handlers or ()):
        if error_matches(handler["ErrorEquals"], error):
            return index
    return None


def retry_delay(retrier: Mapping[str, Any], attempt: int, random_fraction: float) -> float:
    """Seconds to wait before retry number `attempt` (1-based)."""
    interval = retrier.get("IntervalSeconds", DEFAULT_INTERVAL)
    rate = retrier.get("BackoffRate", DEFAULT_BACKOFF)
    delay = float(interval) * float(rate) ** (attempt - 1)
    if "MaxDelaySeconds" in retrier:
        delay = min(delay, float(retrier["MaxDelaySeconds"]))
    if retrier.get("JitterStrategy", "NONE") == "FULL":
        delay *= random_fraction
    return delay


def max_attempts(retrier: Mapping[str, Any]) -> int:
    return int(retrier.get("MaxAttempts", DEFAULT_MAX_ATTEMPTS))
