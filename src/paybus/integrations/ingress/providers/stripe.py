"""Stripe: `Stripe-Signature: t=...,v1=...[,v1=...]`, HMAC-SHA256 over `"{t}.{raw body}"`.

The key is the whole `whsec_...` string as bytes (not decoded). Any `v1` may match (one per
active secret while a secret is rolled); `v0` and other schemes are ignored so a sender cannot
downgrade. The timestamp must be within the tolerance in both directions: stripe-python accepts
any future timestamp, which would let a captured delivery be replayed later.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from paybus.integrations.ingress.contract import (
    Refusal,
    VerifiedEvent,
    any_matches,
    check_timestamp,
    parse_json,
    refuse,
)

HEADER = "stripe-signature"
TOLERANCE_SECONDS = 300


def sign(body: bytes, secret: str, timestamp: int) -> str:
    """The `v1` signature Stripe sends: also how `paybus trigger` signs its events."""
    signed = f"{timestamp}.".encode() + body
    return hmac.digest(secret.encode(), signed, "sha256").hex()


def signature_header(body: bytes, secrets: Sequence[str], timestamp: int) -> str:
    return ",".join([f"t={timestamp}", *(f"v1={sign(body, s, timestamp)}" for s in secrets)])


class StripeVerifier:
    name = "stripe"

    def __init__(self, tolerance: int = TOLERANCE_SECONDS) -> None:
        self.tolerance = tolerance

    def verify(
        self, headers: Mapping[str, str], body: bytes, secrets: Sequence[str], now: float
    ) -> list[VerifiedEvent]:
        header = headers.get(HEADER)
        if not header:
            raise refuse(Refusal.MISSING_SIGNATURE, "no Stripe-Signature header", 401)
        timestamp, signatures = _parse_header(header)
        if not signatures:
            raise refuse(
                Refusal.MISSING_SIGNATURE, "no signatures found with expected scheme v1", 401
            )
        check_timestamp(timestamp, now, self.tolerance)
        expected = [sign(body, secret, timestamp) for secret in secrets]
        if not any(any_matches(e, signatures) for e in expected):
            raise refuse(Refusal.BAD_SIGNATURE, "no v1 signature matches the payload", 401)
        return [_describe(parse_json(body))]


def _parse_header(header: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    signatures: list[str] = []
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError:
                raise refuse(
                    Refusal.BAD_SIGNATURE, f"timestamp {value!r} is not an integer", 401
                ) from None
        elif key == "v1":
            signatures.append(value)
    if timestamp is None:
        raise refuse(Refusal.BAD_SIGNATURE, "Stripe-Signature has no timestamp (t=)", 401)
    return timestamp, signatures


def _describe(event: object) -> VerifiedEvent:
    if not isinstance(event, dict):
        raise refuse(Refusal.MALFORMED_JSON, "a Stripe event must be a JSON object")
    event_id, event_type = event.get("id"), event.get("type")
    if not isinstance(event_id, str) or not event_id:
        raise refuse(Refusal.MISSING_EVENT_ID, "the Stripe event has no id")
    if not isinstance(event_type, str) or not event_type:
        raise refuse(Refusal.MALFORMED_JSON, "the Stripe event has no type")
    created = event.get("created")
    occurred = (
        datetime.fromtimestamp(created, UTC)
        if isinstance(created, int | float) and not isinstance(created, bool)
        else None
    )
    return VerifiedEvent(event_id, event_type, occurred, event)
