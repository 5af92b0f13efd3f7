"""Webhooks over HTTP, end to end: verified, published on the partner bus in the envelope the
processor's EventBridge integration produces, deduplicated, refusals with reasons."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY

from paybus.api.app import create_app
from paybus.integrations.ingress.providers import adyen
from paybus.integrations.ingress.samples.ids import IdMaker
from paybus.integrations.ingress.samples.signed import signed_delivery
from paybus.runtime.assembly import build_runtime
from paybus.runtime.bus.partners import PartnerSources
from paybus.runtime.config import PaybusConfig
from paybus.runtime.services import Runtime
from paybus.store.store import Store

SOURCE = "aws.partner/stripe.com/ed_test_paybus"
SECRET = "whsec_integration"
ADYEN_KEY = "74F490DD33F7327BAECC88B2947C011FC02D014A473AAA33A8EC93E4DC069174"


def config(**stripe: Any) -> PaybusConfig:
    return PaybusConfig.model_validate(
        {
            "webhooks": [
                {
                    "name": "stripe",
                    "provider": "stripe",
                    "secrets": [SECRET],
                    "event_source": SOURCE,
                    **stripe,
                },
                {
                    "name": "adyen",
                    "provider": "adyen",
                    "secrets": [ADYEN_KEY],
                    "event_source": "aws.partner/adyen.com/merchant_1",
                },
            ]
        }
    )


async def started(store: Store, cfg: PaybusConfig) -> Runtime:
    runtime = build_runtime(cfg, store)
    for step in runtime._startup:
        await step()
    return runtime


@pytest.fixture
async def runtime(store: Store) -> AsyncIterator[Runtime]:
    runtime = await started(store, config())
    assert runtime.queues and runtime.bus_admin
    await runtime.queues.create_queue("stripe-events")
    await runtime.bus_admin.put_rule(
        "all-stripe", {"source": [{"prefix": "aws.partner/stripe.com"}]}, bus=SOURCE
    )
    await runtime.bus_admin.put_targets(
        "all-stripe",
        [{"Id": "q", "Arn": "arn:aws:sqs:us-east-1:000000000000:stripe-events"}],
        bus=SOURCE,
    )
    yield runtime
    assert runtime.functions
    runtime.functions.close()


@pytest.fixture
async def http(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://paybus") as client:
        yield client


async def queued(runtime: Runtime) -> list[dict[str, Any]]:
    assert runtime.queues
    messages = await runtime.queues.receive_message(
        "stripe-events", max_messages=10, wait_time_seconds=0
    )
    return [json.loads(m.body) for m in messages]


def delivery(event_type: str = "invoice.paid", *, seed: int = 1, at: int | None = None):  # type: ignore[no-untyped-def]
    return signed_delivery("stripe", event_type, SECRET, IdMaker(seed), at or int(time.time()))


async def test_signed_stripe_webhook_becomes_the_partner_event(
    runtime: Runtime, http: httpx.AsyncClient
) -> None:
    sent = delivery("invoice.payment_failed")
    response = await http.post("/webhooks/stripe", content=sent.body, headers=sent.headers)
    assert response.status_code == 200, response.text
    [event] = await queued(runtime)
    stripe_event = json.loads(sent.body)
    assert event["source"] == SOURCE
    assert event["detail-type"] == "invoice.payment_failed"
    assert event["detail"] == stripe_event
    assert event["resources"] == [f"arn:aws:events:us-east-1::event-source/{SOURCE}"]
    created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(stripe_event["created"]))
    assert event["time"] == created


async def test_redelivery_is_acknowledged_but_not_published_again(
    runtime: Runtime, http: httpx.AsyncClient
) -> None:
    sent = delivery()
    first = await http.post("/webhooks/stripe", content=sent.body, headers=sent.headers)
    again = await http.post("/webhooks/stripe", content=sent.body, headers=sent.headers)
    assert first.json() == {"received": True, "duplicates": 0}
    assert again.status_code == 200 and again.json() == {"received": True, "duplicates": 1}
    assert len(await queued(runtime)) == 1


async def test_duplicate_storm_publishes_once(runtime: Runtime, http: httpx.AsyncClient) -> None:
    sent = delivery(seed=7)
    responses = await asyncio.gather(
        *(
            http.post("/webhooks/stripe", content=sent.body, headers=sent.headers)
            for _ in range(100)
        )
    )
    assert {r.status_code for r in responses} == {200}
    assert sum(r.json()["duplicates"] == 0 for r in responses) == 1
    assert len(await queued(runtime)) == 1


async def test_a_burst_of_events_each_sent_twice_publishes_each_once(
    runtime: Runtime, http: httpx.AsyncClient
) -> None:
    """Concurrent deliveries are written together: a retry racing its original in the same
    write is still a duplicate, and every other event is published."""
    sent = [delivery("payment_intent.succeeded", seed=100 + n) for n in range(40)]
    await http.post("/webhooks/stripe", content=sent[0].body, headers=sent[0].headers)
    responses = await asyncio.gather(
        *(
            http.post("/webhooks/stripe", content=s.body, headers=s.headers)
            for s in sent + sent[::-1]
        )
    )
    assert {r.status_code for r in responses} == {200}
    assert sum(r.json()["duplicates"] == 0 for r in responses) == 39
    assert runtime.queues
    ids: list[str] = []
    while batch := await runtime.queues.receive_message(
        "stripe-events", max_messages=10, wait_time_seconds=0
    ):
        ids += [json.loads(m.body)["detail"]["id"] for m in batch]
    assert sorted(ids) == sorted(json.loads(s.body)["id"] for s in sent)


def flip_last(signature: str) -> str:
    """The same signature with its last hex digit changed: always a different signature."""
    return signature[:-1] + ("0" if signature[-1] != "0" else "1")


def refusals(source: str, reason: str) -> float:
    return (
        REGISTRY.get_sample_value(
            "paybus_webhooks_received_total", {"source": source, "outcome": reason}
        )
        or 0.0
    )


@pytest.mark.parametrize(
    ("mutate", "status", "reason"),
    [
        (
            lambda b, h: (b, {**h, "stripe-signature": flip_last(h["stripe-signature"])}),
            401,
            "bad_signature",
        ),
        (
            lambda b, h: (b.replace(b'"livemode":false', b'"livemode":true'), h),
            401,
            "bad_signature",
        ),
        (
            lambda b, h: (b, {k: v for k, v in h.items() if k != "stripe-signature"}),
            401,
            "missing_signature",
        ),
        (lambda b, h: (b, {**h, "content-type": "text/plain"}), 415, "unsupported_content_type"),
        (lambda b, h: (b + b" " * 2_000_000, h), 413, "body_too_large"),
    ],
    ids=["tampered-signature", "tampered-body", "no-signature", "content-type", "too-large"],
)
async def test_refusals_store_nothing_and_say_why(
    runtime: Runtime, http: httpx.AsyncClient, mutate: Any, status: int, reason: str
) -> None:
    sent = delivery(seed=3)
    body, headers = mutate(sent.body, sent.headers)
    before = refusals("stripe", reason)
    response = await http.post("/webhooks/stripe", content=body, headers=headers)
    assert response.status_code == status
    assert response.json()["error"] == reason
    assert SECRET not in response.text
    assert await queued(runtime) == []
    assert refusals("stripe", reason) == before + 1


@pytest.mark.parametrize(("skew", "reason"), [(-400, "stale_timestamp"), (400, "future_timestamp")])
async def test_timestamps_outside_tolerance_are_refused(
    runtime: Runtime, http: httpx.AsyncClient, skew: int, reason: str
) -> None:
    sent = delivery(at=int(time.time()) + skew)
    response = await http.post("/webhooks/stripe", content=sent.body, headers=sent.headers)
    assert (response.status_code, response.json()["error"]) == (401, reason)


async def test_unknown_source_and_wrong_method(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/webhooks/paypal", content=b"{}", headers={"content-type": "application/json"}
    )
    assert (response.status_code, response.json()["error"]) == (404, "unknown_source")
    assert (await http.get("/webhooks/stripe")).status_code == 405


async def test_unassociated_source_answers_503_so_the_processor_retries(store: Store) -> None:
    runtime = await started(store, config(associate=False))
    transport = httpx.ASGITransport(app=create_app(runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://paybus") as client:
        sent = delivery()
        response = await client.post("/webhooks/stripe", content=sent.body, headers=sent.headers)
    assert (response.status_code, response.json()["error"]) == (503, "source_not_associated")
    assert runtime.functions
    runtime.functions.close()


async def test_deactivated_source_answers_503_until_activated_again(
    runtime: Runtime, http: httpx.AsyncClient
) -> None:
    assert runtime.bus_admin
    sources = PartnerSources(runtime.bus_admin)
    await sources.deactivate(SOURCE)
    assert (await sources.describe(SOURCE)).state == "PENDING"
    sent = delivery(seed=11)
    refused = await http.post("/webhooks/stripe", content=sent.body, headers=sent.headers)
    assert (refused.status_code, refused.json()["error"]) == (503, "source_not_active")
    assert await queued(runtime) == [], "nothing published while deactivated"

    await sources.activate(SOURCE)
    retried = await http.post("/webhooks/stripe", content=sent.body, headers=sent.headers)
    assert retried.json() == {"received": True, "duplicates": 0}, "the refusal kept no receipt"
    assert len(await queued(runtime)) == 1


async def test_adyen_batch_answers_accepted(http: httpx.AsyncClient) -> None:
    def item(psp: str) -> dict[str, Any]:
        fields = {
            "pspReference": psp,
            "merchantAccountCode": "Acme",
            "merchantReference": "o-1",
            "amount": {"value": 1000, "currency": "EUR"},
            "eventCode": "AUTHORISATION",
            "success": "true",
        }
        return {**fields, "additionalData": {"hmacSignature": adyen.sign(fields, ADYEN_KEY)}}

    body = json.dumps(
        {
            "live": "false",
            "notificationItems": [
                {"NotificationRequestItem": item("A")},
                {"NotificationRequestItem": item("B")},
            ],
        }
    ).encode()
    response = await http.post(
        "/webhooks/adyen", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 200 and response.text == "[accepted]"


async def test_event_ids_are_forgotten_after_the_dedup_window(store: Store) -> None:
    from paybus.store.bus.receipts import purge_expired_receipts, receipt_count

    now = [1_900_000_000.0]
    store.clock = lambda: now[0]
    runtime = await started(store, config(dedup_days=1))
    transport = httpx.ASGITransport(app=create_app(runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://paybus") as client:
        sent = delivery(at=int(now[0]))
        first = await client.post("/webhooks/stripe", content=sent.body, headers=sent.headers)
        assert first.json()["duplicates"] == 0
        now[0] += 86_401
        assert await store.write(lambda: purge_expired_receipts(store.now_ms(), 100)) == 1
        assert await store.read(lambda: receipt_count("stripe")) == 0
        resent = delivery(seed=1, at=int(now[0]))  # the same Stripe event id, re-signed
        again = await client.post("/webhooks/stripe", content=resent.body, headers=resent.headers)
    assert again.json()["duplicates"] == 0, "past the window the event is new again"
    assert runtime.functions
    runtime.functions.close()


async def test_a_store_that_cannot_take_the_event_answers_503_so_the_processor_retries(
    runtime: Runtime, http: httpx.AsyncClient, store: Store
) -> None:
    await store.close()
    sent = delivery("invoice.paid")
    response = await http.post("/webhooks/stripe", content=sent.body, headers=sent.headers)
    assert response.status_code == 503
    assert response.json() == {"error": "store_unavailable"}
