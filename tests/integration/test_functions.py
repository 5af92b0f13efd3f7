"""Functions and event-source mappings on both engines: Lambda's SQS event, batch outcomes,
DLQ after maxReceiveCount, partial batch responses, filters, and exactly-once table effects."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from paybus.core.errors import FunctionError, FunctionTimeout, TooManyRequests
from paybus.core.queues.naming import QueueNaming
from paybus.runtime.functions import EventSourceMappings, FunctionConfig, Functions
from paybus.runtime.queues import QueueService
from paybus.store.store import Store

DLQ_ARN = "arn:aws:sqs:us-east-1:000000000000:dlq"


@pytest.fixture
async def functions(store: Store) -> AsyncIterator[Functions]:
    runner = Functions(QueueService(store, QueueNaming(), poll_interval=0.05))
    yield runner
    runner.close()


@pytest.fixture
async def mappings(functions: Functions) -> AsyncIterator[EventSourceMappings]:
    supervisor = EventSourceMappings(functions, refresh_seconds=0.2, poll_seconds=0.05)
    stop = asyncio.Event()
    task = asyncio.create_task(supervisor.run(stop))
    yield supervisor
    stop.set()
    await asyncio.wait_for(task, 10)


async def until(check: Callable[[], Any], timeout: float = 20.0) -> None:
    """Wait for a condition the system reaches on its own (polls the store, not a sleep-guess)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        assert loop.time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.02)


async def empty(queues: QueueService, name: str) -> bool:
    attributes = await queues.get_queue_attributes(name)
    return (
        attributes["ApproximateNumberOfMessages"] == "0"
        and attributes["ApproximateNumberOfMessagesNotVisible"] == "0"
    )


async def test_handler_gets_lambdas_sqs_event_and_success_deletes_the_batch(
    functions: Functions, mappings: EventSourceMappings
) -> None:
    events: list[dict[str, Any]] = []

    def handler(event: dict[str, Any], context: Any) -> None:
        assert context.function_name == "notify" and context.get_remaining_time_in_millis() > 0
        events.append(event)

    functions.register(FunctionConfig("notify", "x:y"), handler)
    queues = functions.queues
    await queues.create_queue("invoices")
    await queues.send_message_batch(
        "invoices",
        [
            {
                "Id": str(i),
                "MessageBody": f'{{"n": {i}}}',
                "MessageAttributes": {"kind": {"DataType": "String", "StringValue": "paid"}},
            }
            for i in range(10)
        ],
    )
    await mappings.create("invoices", "notify", {"BatchSize": 10})
    await until(lambda: empty(queues, "invoices"))
    records = [r for e in events for r in e["Records"]]
    assert sorted(r["body"] for r in records) == sorted(f'{{"n": {i}}}' for i in range(10))
    record = records[0]
    assert set(record) == {
        "messageId", "receiptHandle", "body", "attributes", "messageAttributes", "md5OfBody",
        "md5OfMessageAttributes", "eventSource", "eventSourceARN", "awsRegion",
    }  # fmt: skip
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == "arn:aws:sqs:us-east-1:000000000000:invoices"
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert set(record["attributes"]) >= {"SentTimestamp", "ApproximateFirstReceiveTimestamp"}
    assert record["messageAttributes"]["kind"] == {
        "stringValue": "paid", "stringListValues": [], "binaryListValues": [], "dataType": "String",
    }  # fmt: skip


async def test_failing_handler_sends_the_batch_to_the_dlq_after_max_receive_count(
    functions: Functions, mappings: EventSourceMappings
) -> None:
    attempts: list[int] = []

    def handler(event: dict[str, Any], context: Any) -> None:
        attempts.append(int(event["Records"][0]["attributes"]["ApproximateReceiveCount"]))
        raise RuntimeError("smtp down")

    functions.register(FunctionConfig("notify", "x:y"), handler)
    queues = functions.queues
    await queues.create_queue("dlq")
    policy = f'{{"deadLetterTargetArn":"{DLQ_ARN}","maxReceiveCount":2}}'
    await queues.create_queue("q", {"RedrivePolicy": policy, "VisibilityTimeout": "1"})
    await queues.send_message("q", "poison")
    await mappings.create("q", "notify", {"BatchSize": 1})
    await until(lambda: _has_messages(queues, "dlq"))
    assert attempts == [1, 2]


async def _has_messages(queues: QueueService, name: str) -> bool:
    return (await queues.get_queue_attributes(name))["ApproximateNumberOfMessages"] != "0"


async def test_partial_batch_response_keeps_only_the_failed_records(
    functions: Functions, mappings: EventSourceMappings
) -> None:
    seen: list[str] = []

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        failures = []
        for record in event["Records"]:
            seen.append(record["body"])
            if record["body"] == "bad" and record["attributes"]["ApproximateReceiveCount"] == "1":
                failures.append({"itemIdentifier": record["messageId"]})
        return {"batchItemFailures": failures}

    functions.register(FunctionConfig("f", "x:y"), handler)
    queues = functions.queues
    await queues.create_queue("q", {"VisibilityTimeout": "1"})
    await queues.send_message_batch(
        "q", [{"Id": b, "MessageBody": b} for b in ("good", "bad", "fine")]
    )
    await mappings.create(
        "q", "f", {"BatchSize": 10, "FunctionResponseTypes": ["ReportBatchItemFailures"]}
    )
    await until(lambda: empty(queues, "q"))
    assert sorted(seen) == ["bad", "bad", "fine", "good"]


async def test_filter_criteria_discard_non_matching_messages(
    functions: Functions, mappings: EventSourceMappings
) -> None:
    bodies: list[str] = []
    functions.register(
        FunctionConfig("f", "x:y"),
        lambda event, context: bodies.extend(r["body"] for r in event["Records"]),
    )
    queues = functions.queues
    await queues.create_queue("q")
    wanted = '{"detail-type": "invoice.payment_failed"}'
    for body in (wanted, '{"detail-type": "invoice.paid"}', "not json"):
        await queues.send_message("q", body)
    pattern = '{"body": {"detail-type": ["invoice.payment_failed"]}}'
    await mappings.create("q", "f", {"FilterCriteria": {"Filters": [{"Pattern": pattern}]}})
    await until(lambda: empty(queues, "q"))
    assert bodies == [wanted]


async def test_thousand_concurrent_increments_on_one_key_give_the_exact_total(
    functions: Functions, mappings: EventSourceMappings, store: Store
) -> None:
    await store.tables.create_table("counters", "id")

    async def handler(event: dict[str, Any], context: Any) -> None:
        for _ in event["Records"]:
            context.tables.update_item("counters", {"id": "total"}, add={"n": 1})

    functions.register(FunctionConfig("count", "x:y"), handler)
    queues = functions.queues
    await queues.create_queue("q")
    for start in range(0, 1000, 10):
        await queues.send_message_batch(
            "q", [{"Id": str(i), "MessageBody": str(i)} for i in range(start, start + 10)]
        )
    await mappings.create(
        "q", "count", {"BatchSize": 10, "ScalingConfig": {"MaximumConcurrency": 8}}
    )
    await until(lambda: empty(queues, "q"), timeout=60)
    assert await store.tables.get_item("counters", {"id": "total"}) == {"id": "total", "n": 1000}


async def test_disabled_mapping_stops_polling(
    functions: Functions, mappings: EventSourceMappings
) -> None:
    calls: list[int] = []
    functions.register(FunctionConfig("f", "x:y"), lambda e, c: calls.append(1))
    queues = functions.queues
    await queues.create_queue("q")
    mapping = await mappings.create("q", "f", enabled=False)
    assert mapping["State"] == "Disabled"
    await queues.send_message("q", "x")
    await mappings.reconcile()
    assert not calls and await _has_messages(queues, "q")
    await mappings.update(mapping["UUID"], enabled=True)
    await until(lambda: empty(queues, "q"))
    assert calls == [1]


async def test_sync_invoke_timeout_and_reserved_concurrency(functions: Functions) -> None:
    release = asyncio.Event()

    async def slow(event: Any, context: Any) -> str:
        await release.wait()
        return "done"

    functions.register(FunctionConfig("slow", "x:y", timeout=1, reserved_concurrency=1), slow)
    first = asyncio.create_task(functions.invoke("slow", {}))
    await asyncio.sleep(0)
    with pytest.raises(TooManyRequests, match="reserved concurrency"):
        await functions.invoke("slow", {})
    release.set()
    assert await first == "done"
    release.clear()
    with pytest.raises(FunctionTimeout, match=r"timed out after 1\.00 seconds"):
        await functions.invoke("slow", {})

    def broken(event: Any, context: Any) -> None:
        raise KeyError("amount")

    functions.register(FunctionConfig("broken", "x:y"), broken)
    with pytest.raises(FunctionError) as raised:
        await functions.invoke("broken", {})
    assert raised.value.error_type == "KeyError"


async def test_async_invoke_retries_then_sends_a_record_to_the_destination(
    functions: Functions,
) -> None:
    from paybus.runtime.functions.asynchronous import async_invoker

    attempts: list[str] = []

    def handler(event: dict[str, Any], context: Any) -> None:
        attempts.append(context.aws_request_id)
        raise ValueError(f"card {event['card']} declined")

    queues = functions.queues
    await queues.create_queue("failures")
    config = FunctionConfig(
        "charge",
        "x:y",
        maximum_retry_attempts=2,
        retry_delay_seconds=0,
        on_failure_queue="failures",
    )
    functions.register(config, handler)
    request_id = await functions.invoke_async("charge", {"card": "4242"})
    stop = asyncio.Event()
    worker = asyncio.create_task(async_invoker(functions, 0.05).run(stop))
    try:
        await until(lambda: _has_messages(queues, "failures"))
    finally:
        stop.set()
        await worker
    assert attempts == [request_id] * 3
    (message,) = await queues.receive_message("failures")
    import orjson

    record = orjson.loads(message.body)
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestPayload"] == {"card": "4242"}
    assert record["responsePayload"] == {
        "errorMessage": "card 4242 declined",
        "errorType": "ValueError",
    }


async def test_handlers_read_committed_table_items_sync_and_async(
    functions: Functions, store: Store
) -> None:
    await store.tables.create_table("tokens", "id")
    await store.tables.put_item("tokens", {"id": "order-1", "token": "t-1"})

    def sync_reader(event: dict[str, Any], context: Any) -> Any:
        return context.tables.get_item("tokens", {"id": event["id"]})

    async def async_reader(event: dict[str, Any], context: Any) -> Any:
        return await context.tables.fetch_item("tokens", {"id": event["id"]})

    functions.register(FunctionConfig("sync-reader", "x:y"), sync_reader)
    functions.register(FunctionConfig("async-reader", "x:y"), async_reader)
    assert (await functions.invoke("sync-reader", {"id": "order-1"}))["token"] == "t-1"
    assert (await functions.invoke("async-reader", {"id": "order-1"}))["token"] == "t-1"
    assert await functions.invoke("sync-reader", {"id": "order-2"}) is None
