"""The one small contract every provider module fulfils, and the refusals it may answer with."""

from __future__ import annotations

import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

import orjson

from paybus.core.errors import WebhookRefused


class Refusal(StrEnum):
    """Why a webhook was refused: the short reason in the response and the metric label."""

    MISSING_SIGNATURE = "missing_signature"
    BAD_SIGNATURE = "bad_signature"
    STALE_TIMESTAMP = "stale_timestamp"
    FUTURE_TIMESTAMP = "future_timestamp"
    MALFORMED_JSON = "malformed_json"
    MISSING_EVENT_ID = "missing_event_id"


@dataclass(frozen=True, slots=True)
class VerifiedEvent:
    """One authentic event: what the bus needs to publish it and to deduplicate it."""

    #: the processor's own event id, the deduplication key (`evt_...`, `webhook-id`, ...)
    event_id: str
    #: becomes the EventBridge `detail-type` (`invoice.paid`, `payment_approved`, ...)
    event_type: str
    #: when the processor created the event, for `time` and for ordering; None if not given
    occurred_at: datetime | None
    #: the whole event as the processor sent it: becomes `detail`
    payload: Any


class Verifier(Protocol):
    """Checks one delivery. `secrets` holds every active secret (rotation: any may match)."""

    name: str

    def verify(
        self, headers: Mapping[str, str], body: bytes, secrets: Sequence[str], now: float
    ) -> list[VerifiedEvent]: ...


def refuse(reason: Refusal, detail: str, status: int = 400) -> WebhookRefused:
    return WebhookRefused(reason.value, detail, status)


def any_matches(expected: bytes | str, candidates: Sequence[bytes | str]) -> bool:
    """Constant-time comparison against every candidate (no early exit on the first match)."""
    want = expected.encode() if isinstance(expected, str) else expected
    found = False
    for candidate in candidates:
        given = candidate.encode() if isinstance(candidate, str) else candidate
        found |= hmac.compare_digest(want, given)
    return found


def parse_json(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise refuse(Refusal.MALFORMED_JSON, f"body is not valid JSON: {error}") from None


def check_timestamp(timestamp: int, now: float, tolerance: int) -> None:
    """Reject stale AND far-future timestamps (a replay window in both directions)."""
    if now - timestamp > tolerance:
        raise refuse(
            Refusal.STALE_TIMESTAMP,
            f"timestamp {timestamp} is {int(now - timestamp)} s old (tolerance {tolerance} s)",
            401,
        )
    if timestamp - now > tolerance:
        raise refuse(
            Refusal.FUTURE_TIMESTAMP,
            f"timestamp {timestamp} is {int(timestamp - now)} s in the future "
            f"(tolerance {tolerance} s)",
            401,
        )
