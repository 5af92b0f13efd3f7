"""API destinations on both engines, against a real HTTP server on loopback: the request an
endpoint receives, retries, the DLQ with EventBridge's six attributes, and the rate limit."""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from paybus.runtime.assembly import build_runtime
from paybus.runtime.bus.dispatcher import Dispatcher
from paybus.runtime.bus.http_target import HttpTargets, RateLimiter
from paybus.runtime.config import PaybusConfig
from paybus.runtime.services import Runtime
from paybus.store.store import Store

QUEUE_ARN = "arn:aws:sqs:us-east-1:000000000000:{}"
PAID = {"detail-type": ["invoice.paid"]}


@dataclass
class Endpoint:
    """An HTTP/1.1 server answering each request with the next scripted status."""

    statuses: list[int]
    requests: list[dict[str, Any]] = field(default_factory=list)
    port: int = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode()
        line, *header_lines = head.split("\r\n")
        headers = {k.lower(): v for k, _, v in (h.partition(": ") for h in header_lines if h)}
        body = await reader.readexactly(int(headers.get("content-length", 0)))
        self.requests.append({"line": line, "headers": headers, "body": body})
        status = self.statuses[min(len(self.requests), len(self.statuses)) - 1]
        writer.write(f"HTTP/1.1 {status} X\r\ncontent-length: 2\r\n\r\nok".encode())
        await writer.drain()
        writer.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture
async def runtime(store: Store) -> AsyncIterator[Runtime]:
    built = build_runtime(PaybusConfig(), store)
    assert built.bus is not None
    await built.bus.start()
    yield built
    assert built.functions is not None
    built.functions.close()


async def serve(statuses: list[int]) -> tuple[Endpoint, asyncio.Server]:
    endpoint = Endpoint(statuses)
    server = await asyncio.start_server(endpoint.handle, "127.0.0.1", 0)
    endpoint.port = server.sockets[0].getsockname()[1]
    return endpoint, server


async def destination_rule(runtime: Runtime, endpoint: Endpoint, **target: Any) -> HttpTargets:
    from paybus.api.events import bus_parts

    parts = bus_parts(runtime)
    await parts.destinations.create_connection(
        "stripe-hooks",
        "API_KEY",
        {"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "s3cret"}},
    )
    destination = await parts.destinations.create_destination(
        "hooks", "stripe-hooks", f"{endpoint.url}/hooks/*", "POST", 100
    )
    await parts.admin.put_rule("paid", PAID)
    arn = parts.destinations.destination_arn(destination)
    await parts.admin.put_targets("paid", [{"Id": "http", "Arn": arn, **target}])
    return HttpTargets(parts.bus)


def entry() -> dict[str, str]:
    return {"Source": "billing", "DetailType": "invoice.paid", "Detail": '{"id": "in_1"}'}


async def drive(runtime: Runtime, targets: HttpTargets, clock: list[float], rounds: int) -> None:
    assert runtime.bus
    dispatcher = Dispatcher(
        runtime.bus, {"api-destination": targets.invoker()}, rng=random.Random(1)
    )
    for _ in range(rounds):
        await dispatcher.dispatch_once()
        clock[0] += 400


async def test_endpoint_gets_the_event_with_auth_path_and_headers(runtime: Runtime) -> None:
    assert runtime.bus
    endpoint, server = await serve([200])
    async with server:
        targets = await destination_rule(
            runtime,
            endpoint,
            InputPath="$.detail",
            HttpParameters={
                "PathParameterValues": ["in_1"],
                "HeaderParameters": {"x-tenant": "acme"},
                "QueryStringParameters": {"source": "paybus"},
            },
        )
        clock = [runtime.store.clock()]
        runtime.store.clock = lambda: clock[0]
        await runtime.bus.put_events([entry()])
        await drive(runtime, targets, clock, 2)
    [request] = endpoint.requests
    assert request["line"] == "POST /hooks/in_1?source=paybus HTTP/1.1"
    assert request["headers"]["x-api-key"] == "s3cret"
    assert request["headers"]["x-tenant"] == "acme"
    assert json.loads(request["body"]) == {"id": "in_1"}


async def test_failing_endpoint_lands_in_the_dlq_after_its_retry_policy(runtime: Runtime) -> None:
    assert runtime.bus and runtime.queues
    await runtime.queues.create_queue("dlq")
    endpoint, server = await serve([503])
    async with server:
        targets = await destination_rule(
            runtime,
            endpoint,
            RetryPolicy={"MaximumRetryAttempts": 2},
            DeadLetterConfig={"Arn": QUEUE_ARN.format("dlq")},
        )
        clock = [runtime.store.clock()]
        runtime.store.clock = lambda: clock[0]
        await runtime.bus.put_events([entry()])
        await drive(runtime, targets, clock, 5)
    assert len(endpoint.requests) == 3, "the first attempt and two retries"
    [message] = await runtime.queues.receive_message("dlq", max_messages=10)
    attributes = {k: v["StringValue"] for k, v in message.attributes.items()}
    assert set(attributes) == {
        "RULE_ARN",
        "TARGET_ARN",
        "ERROR_CODE",
        "ERROR_MESSAGE",
        "EXHAUSTED_RETRY_CONDITION",
        "RETRY_ATTEMPTS",
    }
    assert attributes["ERROR_MESSAGE"].startswith("HTTP 503")
    assert attributes["EXHAUSTED_RETRY_CONDITION"] == "MaximumRetryAttempts"
    assert attributes["RETRY_ATTEMPTS"] == "3"
    assert "api-destination/hooks/" in attributes["TARGET_ARN"]
    assert json.loads(message.body)["detail"] == {"id": "in_1"}


async def test_a_client_error_is_not_retried(runtime: Runtime) -> None:
    assert runtime.bus and runtime.queues
    await runtime.queues.create_queue("dlq")
    endpoint, server = await serve([400])
    async with server:
        targets = await destination_rule(
            runtime, endpoint, DeadLetterConfig={"Arn": QUEUE_ARN.format("dlq")}
        )
        clock = [runtime.store.clock()]
        runtime.store.clock = lambda: clock[0]
        await runtime.bus.put_events([entry()])
        await drive(runtime, targets, clock, 3)
    assert len(endpoint.requests) == 1
    [message] = await runtime.queues.receive_message("dlq")
    assert message.attributes["RETRY_ATTEMPTS"]["StringValue"] == "1"


async def test_rate_limit_paces_invocations() -> None:
    limiter = RateLimiter()
    started = time.monotonic()
    for _ in range(30):
        await limiter.acquire("hooks", 20)  # a burst of 20, then 20 a second
    assert 0.45 <= time.monotonic() - started < 1.5
