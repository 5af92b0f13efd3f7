"""Checkout.com events: `payment_approved`, `payment_captured`, `payment_declined`.

Amounts are minor units with an UPPERCASE currency (Stripe uses lowercase); captured events carry
`timestamp` where the others carry `created_on`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from paybus.integrations.ingress.samples.ids import IdMaker

EVENT_TYPES = ("payment_approved", "payment_captured", "payment_declined")


def checkout_event(event_type: str, ids: IdMaker, now: int) -> dict[str, Any]:
    if event_type not in EVENT_TYPES:
        raise KeyError(event_type)
    event_id, payment_id = ids.checkout("evt"), ids.checkout("pay")
    at = datetime.fromtimestamp(now, UTC).isoformat().replace("+00:00", "Z")
    declined = event_type == "payment_declined"
    data: dict[str, Any] = {
        "id": payment_id,
        "action_id": ids.checkout("act"),
        "reference": f"ORD-{ids.number(1000, 9999)}-{ids.number(1000, 9999)}",
        "amount": ids.number(5, 500) * 100,
        "currency": ids.choice(["USD", "EUR", "GBP"]),
        "processed_on": at,
        "response_code": "20051" if declined else "10000",
        "response_summary": "Insufficient Funds" if declined else "Approved",
        "customer": {"id": ids.checkout("cus"), "email": f"buyer{ids.number(1, 9999)}@example.com"},
        "metadata": {},
        "risk": {"flagged": False, "score": ids.number(0, 40)},
        "source": {"type": "card", "scheme": "VISA", "last_4": "4242", "bin": "424242"},
    }
    event: dict[str, Any] = {"id": event_id, "type": event_type, "version": "1.0.29"}
    if event_type == "payment_captured":
        data["balances"] = {
            "total_authorized": data["amount"],
            "total_captured": data["amount"],
            "available_to_refund": data["amount"],
            "available_to_capture": 0,
        }
        event["source"] = "gateway"
        event["timestamp"] = at
    else:
        event["created_on"] = at
    event["data"] = data
    event["_links"] = {"self": {"href": f"https://api.checkout.com/events/{event_id}"}}
    return event
