"""Adyen standard notifications: a batch of items, each signed on its own.

Per item: HMAC-SHA256, keyed with the hex-decoded key, over
`psp:originalReference:merchantAccountCode:merchantReference:value:currency:eventCode:success`
(missing fields empty, values not escaped), base64, in `additionalData.hmacSignature`. Every item
is checked: one forged item refuses the whole delivery. Adyen expects the body `[accepted]`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from paybus.integrations.ingress.contract import (
    Refusal,
    VerifiedEvent,
    any_matches,
    parse_json,
    refuse,
)

ACCEPTED = b"[accepted]"
_FIELDS = ("pspReference", "originalReference", "merchantAccountCode", "merchantReference")


def signing_string(item: Mapping[str, Any]) -> str:
    amount = item.get("amount") or {}
    parts = [str(item.get(name, "") or "") for name in _FIELDS]
    parts += [str(amount.get("value", "")), str(amount.get("currency", ""))]
    parts += [str(item.get("eventCode", "")), str(item.get("success", ""))]
    return ":".join(parts)


def sign(item: Mapping[str, Any], hex_key: str) -> str:
    try:
        key = binascii.unhexlify(hex_key)
    except binascii.Error:
        raise ValueError("an Adyen HMAC key is hexadecimal") from None
    digest = hmac.new(key, signing_string(item).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class AdyenVerifier:
    name = "adyen"

    def verify(
        self, headers: Mapping[str, str], body: bytes, secrets: Sequence[str], now: float
    ) -> list[VerifiedEvent]:
        document = parse_json(body)
        items = document.get("notificationItems") if isinstance(document, dict) else None
        if not isinstance(items, list) or not items:
            raise refuse(Refusal.MALFORMED_JSON, "no notificationItems in the body")
        return [self._item(index, entry, secrets) for index, entry in enumerate(items)]

    def _item(self, index: int, entry: Any, secrets: Sequence[str]) -> VerifiedEvent:
        item = entry.get("NotificationRequestItem") if isinstance(entry, dict) else None
        if not isinstance(item, dict):
            raise refuse(Refusal.MALFORMED_JSON, f"item {index} has no NotificationRequestItem")
        given = (item.get("additionalData") or {}).get("hmacSignature")
        if not isinstance(given, str) or not given:
            raise refuse(Refusal.MISSING_SIGNATURE, f"item {index} has no hmacSignature", 401)
        if not any_matches(given, [sign(item, key) for key in secrets]):
            raise refuse(Refusal.BAD_SIGNATURE, f"item {index}: hmacSignature does not match", 401)
        psp, code = item.get("pspReference"), item.get("eventCode")
        if not isinstance(psp, str) or not psp or not isinstance(code, str) or not code:
            raise refuse(Refusal.MISSING_EVENT_ID, f"item {index} has no pspReference or eventCode")
        return VerifiedEvent(f"{psp}:{code}", code, _occurred(item.get("eventDate")), item)


def _occurred(value: object) -> datetime | None:
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None
