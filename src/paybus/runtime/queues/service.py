"""The queue service: SQS's operations over the store, with long polling woken by sends.

Every method takes a queue as a URL, an ARN or a name, validates its parameters with SQS's
limits and error names, and returns plain values or AWS-shaped dictionaries (for batches).
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from paybus.core.errors import InvalidAttributeName, InvalidParameterValue, PaybusError
from paybus.core.queues import (
    MAX_VISIBILITY_TIMEOUT,
    MAX_WAIT_SECONDS,
    QueueMessage,
    check_batch_ids,
    decode_receipt,
    parse_attributes,
    prepare_message,
)
from paybus.core.queues.attributes import READ_ONLY
from paybus.core.queues.naming import QueueNaming
from paybus.runtime.ids import new_uuid
from paybus.runtime.queues.batches import (
    BatchResult,
    batch_too_long,
    failed_entry,
    outgoing_from_entry,
)
from paybus.runtime.queues.wakeups import Wakeups, wait_for_wakeup
from paybus.store.queues import SendResult
from paybus.store.store import Store

MAX_RECEIVE = 10


def _check_range(name: str, value: int | None, low: int, high: int) -> None:
    if value is not None and not (isinstance(value, int) and low <= value <= high):
        raise InvalidParameterValue(
            f"Value {value} for parameter {name} is invalid. Reason: Must be between {low} and "
            f"{high}, if provided."
        )


class QueueService:
    def __init__(
        self, store: Store, naming: QueueNaming | None = None, *, poll_interval: float = 1.0
    ) -> None:
        self.store = store
        self.naming = naming or QueueNaming()
        #: how often a long poll re-checks the store for sends it was not woken for
        self.poll_interval = poll_interval
        self.wakeups = Wakeups()

    def name_of(self, queue: str) -> str:
        return self.naming.name_of(queue)

    # -- queues --------------------------------------------------------------------------------

    async def create_queue(
        self,
        name: str,
        attributes: Mapping[str, str] | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> str:
        parsed = parse_attributes(name, attributes)
        await self.store.queues.create_queue(name, parsed, tags)
        return self.naming.url(name)

    async def get_queue_url(self, name: str) -> str:
        await self.store.queues.get_queue(name)
        return self.naming.url(name)

    async def list_queues(
        self, prefix: str = "", max_results: int | None = None, next_token: str | None = None
    ) -> tuple[list[str], str | None]:
        _check_range("MaxResults", max_results, 1, 1000)
        limit = max_results or 1000
        after = base64.urlsafe_b64decode(next_token).decode() if next_token else ""
        records = await self.store.queues.list_queues(prefix, after=after, limit=limit + 1)
        token = None
        if max_results is not None and len(records) > limit:
            records = records[:limit]
            token = base64.urlsafe_b64encode(records[-1].name.encode()).decode()
        return [self.naming.url(r.name) for r in records[:limit]], token

    async def delete_queue(self, queue: str) -> None:
        await self.store.queues.delete_queue(self.name_of(queue))

    async def purge_queue(self, queue: str) -> None:
        await self.store.queues.purge_queue(self.name_of(queue))

    async def get_queue_attributes(
        self, queue: str, names: Sequence[str] = ("All",)
    ) -> dict[str, str]:
        record = await self.store.queues.get_queue(self.name_of(queue))
        settable = record.attributes.to_aws()
        counts = await self.store.queues.counts(record.id)
        everything = {
            **settable,
            "ApproximateNumberOfMessages": str(counts.visible),
            "ApproximateNumberOfMessagesNotVisible": str(counts.in_flight),
            "ApproximateNumberOfMessagesDelayed": str(counts.delayed),
            "CreatedTimestamp": str(record.created_at_ms // 1000),
            "LastModifiedTimestamp": str(record.updated_at_ms // 1000),
            "QueueArn": self.naming.arn(record.name),
        }
        if "All" in names:
            return everything
        known = set(everything) | set(READ_ONLY) | {"RedrivePolicy", "Policy"}
        for name in names:
            if name not in known and name not in _OPTIONAL_ATTRIBUTES:
                raise InvalidAttributeName(f"Unknown Attribute {name}.")
        return {name: everything[name] for name in names if name in everything}

    async def set_queue_attributes(self, queue: str, attributes: Mapping[str, str]) -> None:
        await self.store.queues.set_attributes(self.name_of(queue), attributes)

    async def tag_queue(self, queue: str, tags: Mapping[str, str]) -> None:
        await self.store.queues.tag_queue(self.name_of(queue), tags)

    async def untag_queue(self, queue: str, keys: Sequence[str]) -> None:
        await self.store.queues.tag_queue(self.name_of(queue), {}, keys)

    async def list_queue_tags(self, queue: str) -> dict[str, str]:
        return dict((await self.store.queues.get_queue(self.name_of(queue))).tags)

    async def list_dead_letter_source_queues(self, queue: str) -> list[str]:
        sources = await self.store.queues.dead_letter_sources(self.name_of(queue))
        return [self.naming.url(name) for name in sources]

    # -- sending -------------------------------------------------------------------------------

    async def send_message(
        self,
        queue: str,
        body: str,
        *,
        delay_seconds: int | None = None,
        message_attributes: Mapping[str, Any] | None = None,
        group_id: str | None = None,
        deduplication_id: str | None = None,
        trace_header: str | None = None,
    ) -> SendResult:
        name = self.name_of(queue)
        message = prepare_message(
            new_uuid(),
            body,
            attributes=message_attributes,
            delay_seconds=delay_seconds,
            group_id=group_id,
            deduplication_id=deduplication_id,
            trace_header=trace_header,
        )
        (result,) = await self.store.queues.send(name, [message])
        if isinstance(result, PaybusError):
            raise result
        self.wakeups.notify(name)
        return result

    async def send_message_batch(
        self, queue: str, entries: Sequence[Mapping[str, Any]]
    ) -> BatchResult:
        name = self.name_of(queue)
        check_batch_ids([entry.get("Id", "") for entry in entries])
        prepared, failed = [], []
        for entry in entries:
            try:
                prepared.append((entry["Id"], outgoing_from_entry(entry)))
            except PaybusError as error:
                failed.append(failed_entry(entry["Id"], error))
        batch_too_long(sum(m.size for _, m in prepared))
        results = await self.store.queues.send(name, [m for _, m in prepared]) if prepared else []
        successful = []
        for (entry_id, _), result in zip(prepared, results, strict=True):
            if isinstance(result, PaybusError):
                failed.append(failed_entry(entry_id, result))
                continue
            successful.append(_send_entry(entry_id, result))
        if successful:
            self.wakeups.notify(name)
        return {"Successful": successful, "Failed": failed}

    # -- receiving -----------------------------------------------------------------------------

    async def receive_message(
        self,
        queue: str,
        *,
        max_messages: int = 1,
        visibility_timeout: int | None = None,
        wait_time_seconds: int | None = None,
    ) -> list[QueueMessage]:
        """Claim up to `max_messages`; with a wait, return as soon as any message is there."""
        _check_range("MaxNumberOfMessages", max_messages, 1, MAX_RECEIVE)
        _check_range("VisibilityTimeout", visibility_timeout, 0, MAX_VISIBILITY_TIMEOUT)
        _check_range("WaitTimeSeconds", wait_time_seconds, 0, MAX_WAIT_SECONDS)
        return await self.claim(
            self.name_of(queue), max_messages, visibility_timeout, wait_time_seconds
        )

    async def claim(
        self, name: str, limit: int, visibility_timeout: int | None, wait: float | None
    ) -> list[QueueMessage]:
        """Receive without SQS's 10-message cap (event-source mappings take up to 10,000)."""
        loop = asyncio.get_running_loop()
        if wait is None:
            wait = (
                await self.store.queues.get_queue(name)
            ).attributes.receive_message_wait_time_seconds
        deadline = loop.time() + wait
        while True:
            woken = self.wakeups.arm(name)  # before looking, so no send slips between
            result = await self.store.queues.receive(name, limit, visibility_timeout)
            remaining = deadline - loop.time()
            if result.messages or remaining <= 0:
                return [self._source_as_arn(m) for m in result.messages]
            pause = min(remaining, self.poll_interval)
            if result.next_visible_at_ms is not None:
                pause = min(pause, max(result.next_visible_at_ms - self.store.now_ms(), 0) / 1000)
            await wait_for_wakeup(woken, pause)

    def _source_as_arn(self, message: QueueMessage) -> QueueMessage:
        """The store keeps a dead-lettered message's source queue by name; clients see its ARN."""
        source = message.dead_letter_source_arn
        if source is None or source.startswith("arn:"):
            return message
        return dataclasses.replace(message, dead_letter_source_arn=self.naming.arn(source))

    # -- deleting and visibility ---------------------------------------------------------------

    async def delete_message(self, queue: str, receipt_handle: str) -> None:
        name = self.name_of(queue)
        await self.store.queues.delete(name, [decode_receipt(receipt_handle, name)])

    async def delete_message_batch(
        self, queue: str, entries: Sequence[Mapping[str, Any]]
    ) -> BatchResult:
        name = self.name_of(queue)
        check_batch_ids([entry.get("Id", "") for entry in entries])
        receipts, successful, failed = [], [], []
        for entry in entries:
            try:
                receipts.append(decode_receipt(str(entry.get("ReceiptHandle", "")), name))
            except PaybusError as error:
                failed.append(failed_entry(entry["Id"], error))
                continue
            successful.append({"Id": entry["Id"]})
        if receipts:
            await self.store.queues.delete(name, receipts)
        return {"Successful": successful, "Failed": failed}

    async def change_message_visibility(
        self, queue: str, receipt_handle: str, visibility_timeout: int
    ) -> None:
        name = self.name_of(queue)
        _check_range("VisibilityTimeout", visibility_timeout, 0, MAX_VISIBILITY_TIMEOUT)
        receipt = decode_receipt(receipt_handle, name)
        await self.store.queues.change_visibility(name, receipt, visibility_timeout)
        if visibility_timeout == 0:
            self.wakeups.notify(name)

    async def change_message_visibility_batch(
        self, queue: str, entries: Sequence[Mapping[str, Any]]
    ) -> BatchResult:
        check_batch_ids([entry.get("Id", "") for entry in entries])
        successful, failed = [], []
        for entry in entries:
            try:
                await self.change_message_visibility(
                    queue, str(entry.get("ReceiptHandle", "")), int(entry["VisibilityTimeout"])
                )
            except PaybusError as error:
                failed.append(failed_entry(entry["Id"], error))
                continue
            successful.append({"Id": entry["Id"]})
        return {"Successful": successful, "Failed": failed}

    # -- moving messages out of a dead-letter queue --------------------------------------------

    async def start_message_move_task(
        self,
        source_arn: str,
        destination_arn: str | None = None,
        max_per_second: int | None = None,
    ) -> str:
        _check_range("MaxNumberOfMessagesPerSecond", max_per_second, 1, 500)
        source = self.name_of(source_arn)
        destination = None if destination_arn is None else self.name_of(destination_arn)
        handle = base64.urlsafe_b64encode(f"{source}:{uuid.uuid4()}".encode()).decode()
        await self.store.queues.start_move_task(handle, source, destination, max_per_second)
        return handle

    async def cancel_message_move_task(self, handle: str) -> int:
        task = await self.store.queues.cancel_move_task(handle)
        return task.moved

    async def list_message_move_tasks(
        self, source_arn: str, max_results: int = 1
    ) -> list[dict[str, Any]]:
        _check_range("MaxResults", max_results, 1, 10)
        tasks = await self.store.queues.list_move_tasks(self.name_of(source_arn), max_results)
        out = []
        for task in tasks:
            entry: dict[str, Any] = {
                "Status": task.status,
                "SourceArn": self.naming.arn(task.source_queue),
                "ApproximateNumberOfMessagesMoved": task.moved,
                "ApproximateNumberOfMessagesToMove": task.to_move,
                "StartedTimestamp": task.started_at_ms,
            }
            if task.status == "RUNNING":
                entry["TaskHandle"] = task.handle
            if task.destination_queue is not None:
                entry["DestinationArn"] = self.naming.arn(task.destination_queue)
            if task.max_per_second is not None:
                entry["MaxNumberOfMessagesPerSecond"] = task.max_per_second
            if task.failure_reason is not None:
                entry["FailureReason"] = task.failure_reason
            out.append(entry)
        return out


_OPTIONAL_ATTRIBUTES = (
    "RedriveAllowPolicy",
    "KmsMasterKeyId",
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "FifoThroughputLimit",
    "FifoQueue",
)


def _send_entry(entry_id: str, result: SendResult) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "Id": entry_id,
        "MessageId": result.message_id,
        "MD5OfMessageBody": result.md5_of_body,
    }
    if result.md5_of_attributes is not None:
        entry["MD5OfMessageAttributes"] = result.md5_of_attributes
    if result.sequence_number is not None:
        entry["SequenceNumber"] = result.sequence_number
    return entry
