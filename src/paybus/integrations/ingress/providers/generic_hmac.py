"""Any HMAC sender without a dedicated module: header, algorithm, encoding, optional timestamp.

The signed bytes follow a template (`{body}` by default; e.g. `{timestamp}.{body}`), the header
value may carry a prefix (`sha256=` as GitHub-style senders do), and the event id and type are
read from top-level fields of the JSON body.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from paybus.integrations.ingress.contract import (
    Refusal,
    VerifiedEvent,
    any_matches,
    check_timestamp,
    parse_json,
    refuse,
)


@dataclass(frozen=True, slots=True)
class GenericHmacOptions:
    signature_header: str
    algorithm: Literal["sha256", "sha512", "sha1"] = "sha256"
    encoding: Literal["hex", "base64"] = "hex"
    #: text before the signature in the header value, e.g. "sha256="
    prefix: str = ""
    timestamp_header: str | None = None
    #: how the signed bytes are built; `{timestamp}` needs `timestamp_header`
    signed_payload: str = "{body}"
    tolerance_seconds: int = 300
    id_field: str = "id"
    type_field: str = "type"


class GenericHmacVerifier:
    name = "generic-hmac"

    def __init__(self, options: GenericHmacOptions) -> None:
        if "{body}" not in options.signed_payload:
            raise ValueError("signed_payload must contain {body}")
        if "{timestamp}" in options.signed_payload and not options.timestamp_header:
            raise ValueError("signed_payload uses {timestamp} but no timestamp_header is set")
        self.options = options

    def sign(self, body: bytes, secret: str, timestamp: str = "") -> str:
        before, _, after = self.options.signed_payload.partition("{body}")
        signed = before.format(timestamp=timestamp).encode() + body
        signed += after.format(timestamp=timestamp).encode()
        digest = hmac.new(secret.encode(), signed, getattr(hashlib, self.options.algorithm))
        raw = digest.digest()
        encoded = raw.hex() if self.options.encoding == "hex" else base64.b64encode(raw).decode()
        return self.options.prefix + encoded

    def verify(
        self, headers: Mapping[str, str], body: bytes, secrets: Sequence[str], now: float
    ) -> list[VerifiedEvent]:
        options = self.options
        given = headers.get(options.signature_header.lower())
        if not given:
            raise refuse(Refusal.MISSING_SIGNATURE, f"no {options.signature_header} header", 401)
        timestamp = ""
        if options.timestamp_header:
            timestamp = headers.get(options.timestamp_header.lower(), "")
            if not timestamp.isdigit():
                raise refuse(
                    Refusal.MISSING_SIGNATURE,
                    f"{options.timestamp_header} must be unix seconds, got {timestamp!r}",
                    401,
                )
            check_timestamp(int(timestamp), now, options.tolerance_seconds)
        expected = [self.sign(body, secret, timestamp) for secret in secrets]
        candidates = [part.strip() for part in given.split(",")]
        if not any(any_matches(e, candidates) for e in expected):
            raise refuse(Refusal.BAD_SIGNATURE, f"{options.signature_header} does not match", 401)
        payload = parse_json(body)
        fields = payload if isinstance(payload, dict) else {}
        event_id, event_type = fields.get(options.id_field), fields.get(options.type_field)
        if not isinstance(event_id, str | int) or isinstance(event_id, bool) or event_id == "":
            raise refuse(Refusal.MISSING_EVENT_ID, f"the body has no {options.id_field!r} field")
        occurred = datetime.fromtimestamp(int(timestamp), UTC) if timestamp else None
        kind = event_type if isinstance(event_type, str) and event_type else "webhook"
        return [VerifiedEvent(str(event_id), kind, occurred, payload)]
