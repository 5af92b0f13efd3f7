"""Standard Webhooks (and Svix): `webhook-id`, `webhook-timestamp`, `webhook-signature`.

HMAC-SHA256 over `"{id}.{timestamp}.{raw body}"`, keyed with the base64 decoding of the secret
after `whsec_`; the header lists space-separated `v1,<base64>` entries, any of which may match.
Timestamps must be within 5 minutes either way. Svix's `svix-*` headers are accepted too.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
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

TOLERANCE_SECONDS = 300


def secret_key(secret: str) -> bytes:
    try:
        return base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    except binascii.Error:
        raise ValueError("a Standard Webhooks secret is 'whsec_' followed by base64") from None


def sign(message_id: str, timestamp: int, body: bytes, secret: str) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def _header(headers: Mapping[str, str], name: str) -> str | None:
    return headers.get(f"webhook-{name}") or headers.get(f"svix-{name}")


class StandardWebhooksVerifier:
    name = "standard-webhooks"

    def verify(
        self, headers: Mapping[str, str], body: bytes, secrets: Sequence[str], now: float
    ) -> list[VerifiedEvent]:
        message_id, raw_time, raw_signatures = (
            _header(headers, "id"),
            _header(headers, "timestamp"),
            _header(headers, "signature"),
        )
        if not message_id or not raw_time or not raw_signatures:
            raise refuse(
                Refusal.MISSING_SIGNATURE,
                "webhook-id, webhook-timestamp and webhook-signature are all required",
                401,
            )
        try:
            timestamp = int(raw_time)
        except ValueError:
            raise refuse(
                Refusal.BAD_SIGNATURE, f"webhook-timestamp {raw_time!r} is not an integer", 401
            ) from None
        check_timestamp(timestamp, now, TOLERANCE_SECONDS)
        candidates = [entry for entry in raw_signatures.split(" ") if entry.startswith("v1,")]
        expected = [sign(message_id, timestamp, body, secret) for secret in secrets]
        if not candidates or not any(any_matches(e, candidates) for e in expected):
            raise refuse(Refusal.BAD_SIGNATURE, "no v1 signature matches the payload", 401)
        payload = parse_json(body)
        fields = payload if isinstance(payload, dict) else {}
        event_type = fields.get("type")
        return [
            VerifiedEvent(
                message_id,
                event_type if isinstance(event_type, str) and event_type else "webhook",
                _occurred(fields.get("timestamp")),
                payload,
            )
        ]


def _occurred(value: object) -> datetime | None:
    """The payload's own ISO-8601 `timestamp` (webhook-timestamp is the attempt, not the event)."""
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None
