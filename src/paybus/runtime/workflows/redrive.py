"""RedriveExecution's rules, as AWS states them: which closed executions may restart, and the
`redriveStatus`/`redriveStatusReason` DescribeExecution shows for each."""

from __future__ import annotations

from typing import Any

from paybus.core.errors import ExecutionNotRedrivable
from paybus.store.workflows.records import ExecutionRow

REDRIVABLE_MS = 14 * 24 * 3600 * 1000
MAX_DURATION_MS = 365 * 24 * 3600 * 1000
MAX_HISTORY_EVENTS = 24_999


def redrive_status(row: ExecutionRow, state: dict[str, Any], now_ms: int) -> tuple[str, str | None]:
    """(`REDRIVABLE` | `NOT_REDRIVABLE`, the reason when not)."""
    reason = _refusal(row, state, now_ms)
    return ("NOT_REDRIVABLE", reason) if reason else ("REDRIVABLE", None)


def check_redrivable(row: ExecutionRow, state: dict[str, Any], now_ms: int) -> None:
    reason = _refusal(row, state, now_ms)
    if reason:
        raise ExecutionNotRedrivable(f"Execution '{row.arn}' cannot be redriven: {reason}")


def _refusal(row: ExecutionRow, state: dict[str, Any], now_ms: int) -> str | None:
    if row.status in ("RUNNING", "SUCCEEDED"):
        return f"Execution is {row.status} and cannot be redriven"
    if row.stopped_at is not None and now_ms - row.stopped_at > REDRIVABLE_MS:
        return "Execution redrivable period exceeded"
    if now_ms - row.started_at > MAX_DURATION_MS:
        return "Execution duration exceeded the maximum of one year"
    if row.event_count >= MAX_HISTORY_EVENTS:
        return "Execution history event limit exceeded"
    if state.get("redrive_point") is None:
        return "Execution has no state to resume at"
    return None
