"""Checkout.com: `Cko-Signature` is the hex HMAC-SHA256 of the raw body with the webhook's key.

No timestamp is signed, so a replay cannot be bounded in time: deduplication on the event `id`
is what makes a replayed delivery harmless.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from datetime import datetime

from paybus.integrations.ingress.contract import (
    Refusal,
    VerifiedEvent,
    any_matches,
    parse_json,
    refuse,
)

HEADER = "cko-signature"


def sign(body: bytes, key: str) -> str:
    return hmac.new(key.encode(), body, hashlib.sha256).hexdigest()


class CheckoutVerifier:
    name = "checkout"

    def verify(
        self, headers: Mapping[str, str], body: bytes, secrets: Sequence[str], now: float
    ) -> list[VerifiedEvent]:
        given = headers.get(HEADER)
        if not given:
            raise refuse(Refusal.MISSING_SIGNATURE, "no Cko-Signature header", 401)
        if not any_matches(given.strip().lower(), [sign(body, key) for key in secrets]):
            raise refuse(Refusal.BAD_SIGNATURE, "Cko-Signature does not match the payload", 401)
        event = parse_json(body)
        if not isinstance(event, dict):
            raise refuse(Refusal.MALFORMED_JSON, "a Checkout.com event must be a JSON object")
        event_id, event_type = event.get("id"), event.get("type")
        if not isinstance(event_id, str) or not event_id:
            raise refuse(Refusal.MISSING_EVENT_ID, "the Checkout.com event has no id")
        if not isinstance(event_type, str) or not event_type:
            raise refuse(Refusal.MALFORMED_JSON, "the Checkout.com event has no type")
        return [VerifiedEvent(event_id, event_type, _occurred(event), event)]


def _occurred(event: dict[str, object]) -> datetime | None:
    # most types carry created_on; payment_captured and friends carry timestamp instead
    for field in ("created_on", "timestamp"):
        value = event.get(field)
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value)  # 3.11+: "Z", 7 fractional digits
            except ValueError:
                continue
    return None
