"""The seeds' first rule on both engines, end to end: Stripe-shaped events on the partner bus,
`source` prefix `aws.partner/` and `detail-type` invoice.paid / invoice.payment_failed, into a
queue that an event-source mapping feeds to a function; everything else goes nowhere."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from paybus.integrations.ingress.samples.ids import IdMaker
from paybus.integrations.ingress.samples.stripe_events import stripe_event
from paybus.runtime.assembly import build_runtime
from paybus.runtime.config import PaybusConfig
from paybus.runtime.functions import FunctionConfig
from paybus.runtime.services import Runtime
from paybus.store.store import Store

SOURCE = "aws.partner/stripe.com/ed_seed"
SEED_RULE = {
    "source": [{"prefix": "aws.partner/"}],
    "detail-type": ["invoice.paid", "invoice.payment_failed"],
}


@pytest.fixture
async def runtime(store: Store) -> AsyncIterator[Runtime]:
    built = build_runtime(PaybusConfig(), store)
    yield built
    assert built.functions is not None
    built.functions.close()


async def test_stripe_invoices_reach_the_function_and_nothing_else_does(runtime: Runtime) -> None:
    assert runtime.bus_admin and runtime.bus and runtime.queues and runtime.functions
    assert runtime.mappings
    handled: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    loop = asyncio.get_running_loop()

    def notify(event: dict[str, Any], context: Any) -> None:
        for record in event["Records"]:
            loop.call_soon_threadsafe(handled.put_nowait, json.loads(record["body"]))

    runtime.functions.register(FunctionConfig("notify", "tests:unused"), handler=notify)
    await runtime.start()
    try:
        await runtime.bus_admin.create_partner_source(SOURCE)
        await runtime.bus_admin.create_bus(SOURCE, event_source_name=SOURCE)
        await runtime.queues.create_queue("notifications")
        await runtime.mappings.create("notifications", "notify", {"BatchSize": 10})
        await runtime.bus_admin.put_rule("invoices", SEED_RULE, bus=SOURCE)
        await runtime.bus_admin.put_targets(
            "invoices",
            [{"Id": "q", "Arn": "arn:aws:sqs:us-east-1:000000000000:notifications"}],
            bus=SOURCE,
        )
        ids, now = IdMaker(5), 1_800_000_000
        kinds = ["invoice.paid", "charge.succeeded", "invoice.payment_failed", "customer.created"]
        sent = [
            stripe_event(kind, ids, now) if kind != "customer.created" else {"id": "evt_x"}
            for kind in kinds
        ]
        response = await runtime.bus.put_events(
            [
                {
                    "EventBusName": SOURCE,
                    "Source": SOURCE,
                    "DetailType": kind,
                    "Detail": json.dumps(event),
                }
                for kind, event in zip(kinds, sent, strict=True)
            ]
        )
        assert response["FailedEntryCount"] == 0
        first = await asyncio.wait_for(handled.get(), timeout=20)
        second = await asyncio.wait_for(handled.get(), timeout=20)
    finally:
        await runtime.drain(timeout=5)
    got = sorted([first, second], key=lambda e: e["detail-type"])
    assert [e["detail-type"] for e in got] == ["invoice.paid", "invoice.payment_failed"]
    assert got[0]["detail"]["data"]["object"]["object"] == "invoice"
    assert handled.empty(), "charge.succeeded and customer.created match no rule"
    counts = await runtime.queues.get_queue_attributes("notifications")
    assert counts["ApproximateNumberOfMessages"] == "0", "the mapping deleted what it handled"
