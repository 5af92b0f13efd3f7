"""Webhook verification against signatures made by the processors' own libraries and vectors."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime

import pytest
import standardwebhooks
from stripe import WebhookSignature

from paybus.core.errors import ValidationError, WebhookRefused
from paybus.integrations.ingress import verify_webhook
from paybus.integrations.ingress.providers import adyen, checkout
from paybus.integrations.ingress.providers import stripe as stripe_provider

NOW = 1_700_000_000
STRIPE_SECRET = "whsec_test_secret"
INVOICE_PAID = json.dumps(
    {
        "id": "evt_1",
        "object": "event",
        "type": "invoice.paid",
        "created": NOW - 5,
        "data": {"object": {"id": "in_1", "amount_paid": 4200, "currency": "usd"}},
    },
    separators=(",", ":"),
).encode()


def stripe_header(body: bytes, secret: str = STRIPE_SECRET, at: int = NOW) -> str:
    return WebhookSignature.generate_signature_header(body.decode(), secret, at)


def refused(reason: str, call) -> WebhookRefused:  # type: ignore[no-untyped-def]
    with pytest.raises(WebhookRefused) as caught:
        call()
    assert caught.value.reason == reason, caught.value
    return caught.value


# -- Stripe ------------------------------------------------------------------------------------


def test_stripe_signature_made_by_stripe_python_is_accepted() -> None:
    headers = {"Stripe-Signature": stripe_header(INVOICE_PAID)}
    [event] = verify_webhook("stripe", STRIPE_SECRET, headers, INVOICE_PAID, now=NOW)
    assert (event.event_id, event.event_type) == ("evt_1", "invoice.paid")
    assert event.occurred_at == datetime.fromtimestamp(NOW - 5, UTC)
    assert event.payload["data"]["object"]["amount_paid"] == 4200


def test_stripe_published_vector() -> None:
    body = b'{"id":"evt_test_1","object":"event","type":"invoice.paid"}'
    header = "t=1700000000,v1=3e3e661992c26c45d9105cbea450acc1a34f8c6dbafbd891f858c6fd9054fe3e"
    [event] = verify_webhook(
        "stripe", "whsec_test_secret", {"stripe-signature": header}, body, now=1_700_000_100
    )
    assert event.event_id == "evt_test_1"


def test_stripe_our_signing_agrees_with_stripe_python() -> None:
    header = stripe_provider.signature_header(INVOICE_PAID, [STRIPE_SECRET], NOW)
    assert header == stripe_header(INVOICE_PAID)


def test_stripe_secret_rotation_any_v1_and_any_secret_may_match() -> None:
    old, new = "whsec_old", "whsec_new"
    header = stripe_provider.signature_header(INVOICE_PAID, [old, new], NOW)
    assert verify_webhook("stripe", [new], {"stripe-signature": header}, INVOICE_PAID, now=NOW)
    only_old = stripe_header(INVOICE_PAID, old)
    assert verify_webhook(
        "stripe", [new, old], {"stripe-signature": only_old}, INVOICE_PAID, now=NOW
    )


def test_stripe_body_changed_by_one_byte_is_refused() -> None:
    header = {"stripe-signature": stripe_header(INVOICE_PAID)}
    reserialized = json.dumps(json.loads(INVOICE_PAID)).encode()  # same JSON, other bytes
    error = refused(
        "bad_signature",
        lambda: verify_webhook("stripe", STRIPE_SECRET, header, reserialized, now=NOW),
    )
    assert error.status == 401


@pytest.mark.parametrize(("skew", "reason"), [(-301, "stale_timestamp"), (301, "future_timestamp")])
def test_stripe_tolerance_is_enforced_in_both_directions(skew: int, reason: str) -> None:
    header = {"stripe-signature": stripe_header(INVOICE_PAID, at=NOW + skew)}
    refused(reason, lambda: verify_webhook("stripe", STRIPE_SECRET, header, INVOICE_PAID, now=NOW))


def test_stripe_edges_of_tolerance_pass() -> None:
    for skew in (-300, 300):
        header = {"stripe-signature": stripe_header(INVOICE_PAID, at=NOW + skew)}
        assert verify_webhook("stripe", STRIPE_SECRET, header, INVOICE_PAID, now=NOW)


def test_stripe_v0_only_is_not_enough() -> None:
    signature = stripe_provider.sign(INVOICE_PAID, STRIPE_SECRET, NOW)
    header = {"stripe-signature": f"t={NOW},v0={signature}"}
    error = refused(
        "missing_signature",
        lambda: verify_webhook("stripe", STRIPE_SECRET, header, INVOICE_PAID, now=NOW),
    )
    assert "expected scheme v1" in error.detail


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "missing_signature"),
        ({"stripe-signature": "v1=abc"}, "bad_signature"),
        ({"stripe-signature": "t=soon,v1=abc"}, "bad_signature"),
    ],
)
def test_stripe_malformed_headers(headers: dict[str, str], reason: str) -> None:
    refused(reason, lambda: verify_webhook("stripe", STRIPE_SECRET, headers, INVOICE_PAID, now=NOW))


def test_stripe_signed_but_not_json_is_refused_as_malformed() -> None:
    body = b"not json"
    refused(
        "malformed_json",
        lambda: verify_webhook(
            "stripe", STRIPE_SECRET, {"stripe-signature": stripe_header(body)}, body, now=NOW
        ),
    )


# -- Standard Webhooks --------------------------------------------------------------------------

SW_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def test_standard_webhooks_published_test_vector() -> None:
    headers = {
        "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "webhook-timestamp": "1614265330",
        "webhook-signature": "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= "
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    }
    [event] = verify_webhook(
        "standard-webhooks", SW_SECRET, headers, b'{"test": 2432232314}', now=1614265330
    )
    assert event.event_id == "msg_p5jXN8AQM9LWM0D4loKWxJek"


def test_standard_webhooks_signed_by_the_reference_library() -> None:
    body = b'{"type": "payment.succeeded", "timestamp": "2026-11-22T10:00:00Z", "data": {}}'
    at = datetime.fromtimestamp(NOW, UTC)
    signature = standardwebhooks.Webhook(SW_SECRET).sign("msg_1", at, body.decode())
    headers = {"webhook-id": "msg_1", "webhook-timestamp": str(NOW), "webhook-signature": signature}
    [event] = verify_webhook("standard-webhooks", SW_SECRET, headers, body, now=NOW)
    assert event.event_type == "payment.succeeded"
    assert event.occurred_at == datetime(2026, 11, 22, 10, tzinfo=UTC)
    svix = {k.replace("webhook-", "svix-"): v for k, v in headers.items()}
    assert verify_webhook("standard-webhooks", SW_SECRET, svix, body, now=NOW)
    refused(
        "stale_timestamp",
        lambda: verify_webhook("standard-webhooks", SW_SECRET, headers, body, now=NOW + 301),
    )


# -- Checkout.com -------------------------------------------------------------------------------


def test_checkout_vector_and_refusal() -> None:
    body = b'{"id":"evt_test_1","object":"event","type":"invoice.paid"}'
    signature = "77c1b889d1713b5749b3d3e701bd1898f116515d09ab3b459460b49f99feb98e"
    assert checkout.sign(body, "cko_test_signature_key") == signature
    [event] = verify_webhook(
        "checkout", "cko_test_signature_key", {"Cko-Signature": signature}, body, now=NOW
    )
    assert event.event_id == "evt_test_1"
    refused(
        "bad_signature",
        lambda: verify_webhook("checkout", "other", {"cko-signature": signature}, body, now=NOW),
    )


def test_checkout_event_time_from_created_on() -> None:
    body = json.dumps(
        {
            "id": "evt_a",
            "type": "payment_approved",
            "created_on": "2023-05-22T11:56:04.8821546Z",
            "data": {},
        }
    ).encode()
    [event] = verify_webhook("checkout", "k", {"cko-signature": checkout.sign(body, "k")}, body)
    assert event.occurred_at == datetime(2023, 5, 22, 11, 56, 4, 882154, tzinfo=UTC)


# -- Adyen --------------------------------------------------------------------------------------

ADYEN_KEY = "74F490DD33F7327BAECC88B2947C011FC02D014A473AAA33A8EC93E4DC069174"


def adyen_item(psp: str, reference: str = ":slashes are fun", **extra: object) -> dict[str, object]:
    item = {
        "pspReference": psp,
        "originalReference": "",
        "merchantAccountCode": "AntoniStroinski",
        "merchantReference": reference,
        "amount": {"value": 1000, "currency": "EUR"},
        "eventCode": "AUTHORISATION",
        "success": "true",
        "eventDate": "2026-11-22T10:00:00+01:00",
        **extra,
    }
    item["additionalData"] = {"hmacSignature": adyen.sign(item, ADYEN_KEY)}
    return item


def test_adyen_published_vector() -> None:
    item = adyen_item("M8NB66SBZSGLNK82")
    assert adyen.signing_string(item) == (
        "M8NB66SBZSGLNK82::AntoniStroinski::slashes are fun:1000:EUR:AUTHORISATION:true"
    )
    assert item["additionalData"] == {
        "hmacSignature": "2EQYm7YJpKO4EtHSPu55SQTyWf8dkW5u2nD1tJFpViA="
    }


def test_adyen_every_item_is_checked_not_only_the_first() -> None:
    good, forged = adyen_item("A1"), adyen_item("B2")
    forged["amount"] = {"value": 999999, "currency": "EUR"}  # changed after signing
    body = json.dumps(
        {
            "live": "false",
            "notificationItems": [
                {"NotificationRequestItem": good},
                {"NotificationRequestItem": forged},
            ],
        }
    ).encode()
    error = refused("bad_signature", lambda: verify_webhook("adyen", ADYEN_KEY, {}, body, now=NOW))
    assert "item 1" in error.detail


def test_adyen_batch_gives_one_event_per_item() -> None:
    body = json.dumps(
        {
            "live": "false",
            "notificationItems": [
                {"NotificationRequestItem": adyen_item("A1")},
                {"NotificationRequestItem": adyen_item("B2", eventCode="CAPTURE")},
            ],
        }
    ).encode()
    events = verify_webhook("adyen", ADYEN_KEY, {}, body, now=NOW)
    assert [(e.event_id, e.event_type) for e in events] == [
        ("A1:AUTHORISATION", "AUTHORISATION"),
        ("B2:CAPTURE", "CAPTURE"),
    ]


# -- generic HMAC -------------------------------------------------------------------------------


def test_generic_hmac_with_prefix_base64_and_timestamp() -> None:
    import hashlib
    import hmac as hmac_module

    body = b'{"event_id": "e_1", "event": "paid"}'
    signed = f"{NOW}:".encode() + body
    digest = base64.b64encode(hmac_module.new(b"s3cret", signed, hashlib.sha512).digest()).decode()
    headers = {"X-Sig": "sha512=" + digest, "X-Time": str(NOW)}
    options = {
        "signature_header": "X-Sig",
        "algorithm": "sha512",
        "encoding": "base64",
        "prefix": "sha512=",
        "timestamp_header": "X-Time",
        "signed_payload": "{timestamp}:{body}",
        "id_field": "event_id",
        "type_field": "event",
    }
    [event] = verify_webhook("generic-hmac", "s3cret", headers, body, now=NOW, **options)
    assert (event.event_id, event.event_type) == ("e_1", "paid")
    refused(
        "stale_timestamp",
        lambda: verify_webhook("generic-hmac", "s3cret", headers, body, now=NOW + 1000, **options),
    )


def test_unknown_provider_and_bad_options_are_named() -> None:
    with pytest.raises(ValidationError, match="unknown webhook provider 'paypal'"):
        verify_webhook("paypal", "s", {}, b"{}")
    with pytest.raises(ValidationError, match=r"uses \{timestamp\} but no timestamp_header"):
        verify_webhook(
            "generic-hmac",
            "s",
            {},
            b"{}",
            signature_header="X",
            signed_payload="{timestamp}.{body}",
        )


def test_default_clock_is_now() -> None:
    at = int(time.time())
    header = {"stripe-signature": stripe_header(INVOICE_PAID, at=at)}
    assert verify_webhook("stripe", STRIPE_SECRET, header, INVOICE_PAID)
