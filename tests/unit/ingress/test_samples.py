"""`paybus trigger`'s events: accepted by the processors' own libraries, shaped as today's APIs."""

from __future__ import annotations

import json

import pytest
import stripe

from paybus.integrations.ingress import verify_webhook
from paybus.integrations.ingress.samples.ids import IdMaker
from paybus.integrations.ingress.samples.signed import EVENT_TYPES, signed_delivery

NOW = 1_790_000_000


@pytest.mark.parametrize("event_type", EVENT_TYPES["stripe"])
def test_stripe_samples_verify_with_stripe_python(event_type: str) -> None:
    delivery = signed_delivery("stripe", event_type, "whsec_trigger", IdMaker(1), NOW)
    # stripe-python checks only staleness, against the real clock: give it a wide tolerance
    event = stripe.Webhook.construct_event(
        delivery.body.decode(),
        delivery.headers["stripe-signature"],
        "whsec_trigger",
        tolerance=None,
    )
    assert event["type"] == event_type and event["id"] == delivery.event_id
    assert event["id"].startswith("evt_") and len(event["id"]) == 28
    [verified] = verify_webhook("stripe", "whsec_trigger", delivery.headers, delivery.body, now=NOW)
    assert verified.event_id == delivery.event_id


@pytest.mark.parametrize(
    "event_type", ["invoice.paid", "invoice.payment_failed", "invoice.payment_succeeded"]
)
def test_invoices_have_the_basil_shape(event_type: str) -> None:
    delivery = signed_delivery("stripe", event_type, "s", IdMaker(2), NOW)
    event = json.loads(delivery.body)
    invoice = event["data"]["object"]
    assert event["api_version"] >= "2025-03-31.basil"
    for removed in ("subscription", "payment_intent", "charge", "paid"):
        assert removed not in invoice
    assert invoice["parent"]["subscription_details"]["subscription"].startswith("sub_")
    assert invoice["payments"]["data"][0]["payment"]["payment_intent"].startswith("pi_")
    paid = event_type != "invoice.payment_failed"
    assert invoice["status"] == ("paid" if paid else "open")
    assert invoice["amount_remaining"] == invoice["amount_due"] - invoice["amount_paid"]


def test_failed_payment_intent_carries_the_decline() -> None:
    event = json.loads(
        signed_delivery("stripe", "payment_intent.payment_failed", "s", IdMaker(3), NOW).body
    )
    intent = event["data"]["object"]
    assert intent["status"] == "requires_payment_method"
    assert intent["last_payment_error"]["decline_code"] == "generic_decline"


def test_updated_events_carry_previous_attributes() -> None:
    event = json.loads(signed_delivery("stripe", "customer.updated", "s", IdMaker(4), NOW).body)
    assert "previous_attributes" in event["data"]


@pytest.mark.parametrize("event_type", EVENT_TYPES["checkout"])
def test_checkout_samples_verify(event_type: str) -> None:
    delivery = signed_delivery("checkout", event_type, "cko_key", IdMaker(5), NOW)
    [verified] = verify_webhook("checkout", "cko_key", delivery.headers, delivery.body, now=NOW)
    assert verified.event_type == event_type and verified.occurred_at is not None
    payload = verified.payload
    assert payload["data"]["currency"].isupper()


def test_ids_are_unique_across_a_burst() -> None:
    ids = IdMaker(6)
    deliveries = [signed_delivery("stripe", "invoice.paid", "s", ids, NOW) for _ in range(500)]
    assert len({d.event_id for d in deliveries}) == 500


def test_unknown_types_are_refused() -> None:
    with pytest.raises(KeyError, match=r"invoice\.exploded"):
        signed_delivery("stripe", "invoice.exploded", "s", IdMaker(), NOW)
