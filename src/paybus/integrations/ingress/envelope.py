"""The EventBridge envelope a processor's own integration gives its events, built from a
verified webhook: `source` is the partner event source, `detail-type` the processor's event
type, `detail` the whole event, `time` when the processor created it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from paybus.core.events.envelope import format_time
from paybus.integrations.ingress.contract import VerifiedEvent


def partner_envelope(
    verified: VerifiedEvent,
    *,
    event_id: str,
    event_source: str,
    account: str,
    region: str,
    received_at: datetime,
) -> dict[str, Any]:
    return {
        "version": "0",
        "id": event_id,
        "detail-type": verified.event_type,
        "source": event_source,
        "account": account,
        "time": format_time(verified.occurred_at or received_at),
        "region": region,
        "resources": [f"arn:aws:events:{region}::event-source/{event_source}"],
        "detail": verified.payload,
    }
