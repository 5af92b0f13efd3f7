"""Queues behave as SQS on both engines: visibility, receipts, redrive, FIFO, delays, limits."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from paybus.core.errors import (
    BatchEntryIdsNotDistinct,
    InvalidAttributeValue,
    InvalidMessageContents,
    InvalidParameterValue,
    MessageNotInflight,
    PurgeQueueInProgress,
    QueueDoesNotExist,
    QueueNameExists,
    ReceiptHandleIsInvalid,
)
from paybus.core.queues.naming import QueueNaming
from paybus.runtime.queues import QueueService
from paybus.store.store import open_store

DLQ_ARN = "arn:aws:sqs:us-east-1:000000000000:dlq"


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def sqs(store_url: str, clock: Clock) -> AsyncIterator[QueueService]:
    store = await open_store(store_url, clock=clock)
    try:
        yield QueueService(store, QueueNaming(), poll_interval=0.05)
    finally:
        await store.close()


async def test_message_is_hidden_for_its_visibility_timeout_then_redelivered(
    sqs: QueueService, clock: Clock
) -> None:
    await sqs.create_queue("q", {"VisibilityTimeout": "30"})
    sent = await sqs.send_message("q", "hello")
    (first,) = await sqs.receive_message("q")
    assert (first.message_id, first.body, first.receive_count) == (sent.message_id, "hello", 1)
    assert first.md5_of_body == "5d41402abc4b2a76b9719d911017c592"
    assert await sqs.receive_message("q") == []
    clock.advance(31)
    (again,) = await sqs.receive_message("q")
    assert again.receive_count == 2 and again.receipt_handle != first.receipt_handle
    # the old handle deletes nothing (as SQS); the newest one deletes
    await sqs.delete_message("q", first.receipt_handle)
    clock.advance(31)
    (third,) = await sqs.receive_message("q")
    await sqs.delete_message("q", third.receipt_handle)
    clock.advance(31)
    assert await sqs.receive_message("q") == []


async def test_poison_message_reaches_dlq_after_exactly_max_receive_count(
    sqs: QueueService, clock: Clock
) -> None:
    await sqs.create_queue("dlq")
    policy = f'{{"deadLetterTargetArn":"{DLQ_ARN}","maxReceiveCount":3}}'
    await sqs.create_queue("q", {"RedrivePolicy": policy, "VisibilityTimeout": "5"})
    await sqs.send_message("q", "poison")
    receives = 0
    for _ in range(10):
        if await sqs.receive_message("q"):
            receives += 1
        clock.advance(6)
    assert receives == 3
    (dead,) = await sqs.receive_message("dlq")
    assert dead.body == "poison" and dead.dead_letter_source_arn == sqs.naming.arn("q")
    assert await sqs.list_dead_letter_source_queues("dlq") == [sqs.naming.url("q")]


async def test_change_visibility_restarts_the_clock_and_zero_releases(
    sqs: QueueService, clock: Clock
) -> None:
    await sqs.create_queue("q")
    await sqs.send_message("q", "m")
    (m,) = await sqs.receive_message("q")
    clock.advance(15)
    await sqs.change_message_visibility("q", m.receipt_handle, 10)
    clock.advance(9)
    assert await sqs.receive_message("q") == []
    clock.advance(2)
    (again,) = await sqs.receive_message("q")
    await sqs.change_message_visibility("q", again.receipt_handle, 0)
    (third,) = await sqs.receive_message("q")
    with pytest.raises(ReceiptHandleIsInvalid, match="expired"):
        await sqs.change_message_visibility("q", again.receipt_handle, 5)
    await sqs.change_message_visibility("q", third.receipt_handle, 0)
    with pytest.raises(MessageNotInflight):
        await sqs.change_message_visibility("q", third.receipt_handle, 5)


async def test_receipt_handles_are_checked(sqs: QueueService) -> None:
    await sqs.create_queue("a")
    await sqs.create_queue("b")
    await sqs.send_message("a", "m")
    (m,) = await sqs.receive_message("a")
    with pytest.raises(ReceiptHandleIsInvalid, match="not a valid receipt handle"):
        await sqs.delete_message("a", "garbage!")
    with pytest.raises(ReceiptHandleIsInvalid, match="for queue 'b'"):
        await sqs.delete_message("b", m.receipt_handle)


async def test_fifo_orders_by_group_and_holds_a_group_while_in_flight(
    sqs: QueueService, clock: Clock
) -> None:
    await sqs.create_queue("f.fifo", {"ContentBasedDeduplication": "true"})
    for i in range(4):
        await sqs.send_message("f.fifo", f"a{i}", group_id="A")
    await sqs.send_message("f.fifo", "b0", group_id="B")
    first = await sqs.receive_message("f.fifo", max_messages=2)
    assert [m.body for m in first] == ["a0", "a1"]
    # A is in flight: only B may be handed out
    second = await sqs.receive_message("f.fifo", max_messages=10)
    assert [m.body for m in second] == ["b0"]
    await sqs.delete_message("f.fifo", first[0].receipt_handle)
    assert await sqs.receive_message("f.fifo", max_messages=10) == []
    clock.advance(31)  # a1 (and b0) time out: a1 comes back before a2
    again = await sqs.receive_message("f.fifo", max_messages=10)
    assert [m.body for m in again] == ["a1", "a2", "a3", "b0"]


async def test_fifo_deduplication_window_outlives_deletion(sqs: QueueService, clock: Clock) -> None:
    await sqs.create_queue("f.fifo")
    sent = await sqs.send_message("f.fifo", "x", group_id="g", deduplication_id="d1")
    (m,) = await sqs.receive_message("f.fifo")
    await sqs.delete_message("f.fifo", m.receipt_handle)
    again = await sqs.send_message("f.fifo", "x", group_id="g", deduplication_id="d1")
    assert again.message_id == sent.message_id and again.duplicate
    assert await sqs.receive_message("f.fifo") == []
    clock.advance(301)
    fresh = await sqs.send_message("f.fifo", "x", group_id="g", deduplication_id="d1")
    assert fresh.message_id != sent.message_id
    assert int(fresh.sequence_number or 0) > int(sent.sequence_number or 0)


async def test_fifo_rules_name_the_problem(sqs: QueueService) -> None:
    await sqs.create_queue("f.fifo")
    with pytest.raises(InvalidParameterValue, match="MessageGroupId"):
        await sqs.send_message("f.fifo", "x", deduplication_id="d")
    with pytest.raises(InvalidParameterValue, match="ContentBasedDeduplication"):
        await sqs.send_message("f.fifo", "x", group_id="g")
    with pytest.raises(InvalidParameterValue, match="DelaySeconds"):
        await sqs.send_message("f.fifo", "x", group_id="g", deduplication_id="d", delay_seconds=5)


async def test_delays_queue_and_per_message(sqs: QueueService, clock: Clock) -> None:
    await sqs.create_queue("q", {"DelaySeconds": "10"})
    await sqs.send_message("q", "queue-delayed")
    await sqs.send_message("q", "now", delay_seconds=0)
    assert [m.body for m in await sqs.receive_message("q", max_messages=10)] == ["now"]
    attributes = await sqs.get_queue_attributes("q")
    assert attributes["ApproximateNumberOfMessagesDelayed"] == "1"
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "1"
    clock.advance(11)
    assert [m.body for m in await sqs.receive_message("q")] == ["queue-delayed"]


async def test_retention_removes_expired_messages(sqs: QueueService, clock: Clock) -> None:
    await sqs.create_queue("q", {"MessageRetentionPeriod": "60"})
    await sqs.send_message("q", "old")
    clock.advance(61)
    assert await sqs.receive_message("q") == []
    assert await sqs.store.queues.sweep_expired() == 1


async def test_batches_report_per_entry_failures(sqs: QueueService) -> None:
    await sqs.create_queue("q")
    result = await sqs.send_message_batch(
        "q",
        [
            {"Id": "ok", "MessageBody": "fine"},
            {"Id": "bad", "MessageBody": "nul \x00 char"},
            {"Id": "late", "MessageBody": "x", "DelaySeconds": 901},
        ],
    )
    assert [e["Id"] for e in result["Successful"]] == ["ok"]
    codes = {e["Id"]: e["Code"] for e in result["Failed"]}
    assert codes == {"bad": "InvalidMessageContents", "late": "InvalidParameterValue"}
    with pytest.raises(BatchEntryIdsNotDistinct, match="Id a repeated"):
        await sqs.send_message_batch("q", [{"Id": "a", "MessageBody": "1"}] * 2)
    (m,) = await sqs.receive_message("q", max_messages=10)
    deleted = await sqs.delete_message_batch(
        "q", [{"Id": "1", "ReceiptHandle": m.receipt_handle}, {"Id": "2", "ReceiptHandle": "x"}]
    )
    assert deleted["Successful"] == [{"Id": "1"}]
    assert deleted["Failed"][0]["Code"] == "ReceiptHandleIsInvalid"


async def test_queue_lifecycle_and_errors(sqs: QueueService) -> None:
    url = await sqs.create_queue("orders", {"VisibilityTimeout": "60"})
    assert url.endswith("/000000000000/orders")
    assert await sqs.create_queue("orders", {"VisibilityTimeout": "60"}) == url
    with pytest.raises(QueueNameExists, match="VisibilityTimeout"):
        await sqs.create_queue("orders", {"VisibilityTimeout": "61"})
    with pytest.raises(InvalidAttributeValue, match="VisibilityTimeout: '43201'"):
        await sqs.create_queue("other", {"VisibilityTimeout": "43201"})
    with pytest.raises(QueueDoesNotExist, match="'missing'"):
        await sqs.send_message("missing", "x")
    with pytest.raises(InvalidMessageContents):
        await sqs.send_message(url, "\ufffe")
    with pytest.raises(InvalidParameterValue, match="MaxNumberOfMessages"):
        await sqs.receive_message(url, max_messages=11)
    await sqs.send_message(url, "x")
    await sqs.purge_queue(url)
    with pytest.raises(PurgeQueueInProgress):
        await sqs.purge_queue(url)
    assert (await sqs.get_queue_attributes(url))["ApproximateNumberOfMessages"] == "0"
    await sqs.delete_queue(url)
    assert await sqs.list_queues() == ([], None)


async def test_message_attributes_round_trip_with_sqs_digest(sqs: QueueService) -> None:
    await sqs.create_queue("q")
    attributes = {"tenant": {"DataType": "String", "StringValue": "acme"}}
    sent = await sqs.send_message("q", "body", message_attributes=attributes)
    # the digest the AWS SDKs verify (moto computes the same value)
    assert sent.md5_of_attributes == "c52f727da6769fcbc66f3f8555ce234a"
    (m,) = await sqs.receive_message("q")
    assert m.attributes == attributes


async def test_long_poll_is_woken_by_a_send(sqs: QueueService) -> None:
    await sqs.create_queue("q")
    loop = asyncio.get_running_loop()
    started = loop.time()
    waiting = asyncio.create_task(sqs.receive_message("q", wait_time_seconds=20))
    await asyncio.sleep(0)
    await sqs.send_message("q", "wake")
    (m,) = await asyncio.wait_for(waiting, 5)
    assert m.body == "wake" and loop.time() - started < 5


async def test_move_task_returns_dead_letters_to_their_source(
    sqs: QueueService, clock: Clock
) -> None:
    from paybus.runtime.queues.housekeeping import run_move_tasks

    await sqs.create_queue("dlq")
    policy = f'{{"deadLetterTargetArn":"{DLQ_ARN}","maxReceiveCount":1}}'
    await sqs.create_queue("q", {"RedrivePolicy": policy})
    for i in range(3):
        await sqs.send_message("q", f"m{i}")
    await sqs.receive_message("q", max_messages=10)
    clock.advance(31)
    assert await sqs.receive_message("q", max_messages=10) == []
    handle = await sqs.start_message_move_task(DLQ_ARN)
    assert await run_move_tasks(sqs.store) == 3
    await run_move_tasks(sqs.store)
    (task,) = await sqs.list_message_move_tasks(DLQ_ARN)
    assert task["Status"] == "COMPLETED" and task["ApproximateNumberOfMessagesMoved"] == 3
    assert handle and len(await sqs.receive_message("q", max_messages=10)) == 3


@pytest.mark.parametrize("consumers", [8])
async def test_concurrent_consumers_lose_nothing_and_never_share_a_message(
    store_url: str, consumers: int
) -> None:
    """Many consumers claiming at once: every message is handed out once within its window."""
    store = await open_store(store_url)
    sqs = QueueService(store, QueueNaming(), poll_interval=0.05)
    try:
        await sqs.create_queue("q", {"VisibilityTimeout": "60"})
        total = 400
        for start in range(0, total, 10):
            await sqs.send_message_batch(
                "q", [{"Id": str(i), "MessageBody": str(i)} for i in range(start, start + 10)]
            )
        received: list[str] = []

        async def consume() -> None:
            while True:
                batch = await sqs.receive_message("q", max_messages=10)
                if not batch:
                    return
                received.extend(m.body for m in batch)
                # delete only half of them: the rest stay in flight, still never handed out again
                keep = [m for m in batch if int(m.body) % 2 == 0]
                if keep:
                    await sqs.delete_message_batch(
                        "q",
                        [
                            {"Id": str(i), "ReceiptHandle": m.receipt_handle}
                            for i, m in enumerate(keep)
                        ],
                    )

        await asyncio.gather(*(consume() for _ in range(consumers)))
        assert sorted(received, key=int) == [str(i) for i in range(total)]
        attributes = await sqs.get_queue_attributes("q")
        assert attributes["ApproximateNumberOfMessagesNotVisible"] == str(total // 2)
    finally:
        await store.close()
