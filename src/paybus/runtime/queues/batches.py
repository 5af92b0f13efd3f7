"""Batch entries in SQS's request and response shapes, for the batch operations."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from paybus.core.errors import BatchRequestTooLong, PaybusError
from paybus.core.queues import OutgoingMessage, prepare_message, trace_header_from
from paybus.core.queues.attributes import MAX_MESSAGE_SIZE
from paybus.runtime.ids import new_uuid

#: {"Successful": [...], "Failed": [{"Id", "SenderFault", "Code", "Message"}]}
BatchResult = dict[str, list[dict[str, Any]]]


def outgoing_from_entry(entry: Mapping[str, Any]) -> OutgoingMessage:
    delay = entry.get("DelaySeconds")
    return prepare_message(
        new_uuid(),
        entry.get("MessageBody"),
        attributes=entry.get("MessageAttributes"),
        delay_seconds=None if delay is None else int(delay),
        group_id=entry.get("MessageGroupId"),
        deduplication_id=entry.get("MessageDeduplicationId"),
        trace_header=trace_header_from(entry.get("MessageSystemAttributes")),
    )


def failed_entry(entry_id: str, error: PaybusError) -> dict[str, Any]:
    return {"Id": entry_id, "SenderFault": True, "Code": error.aws_name, "Message": error.message}


def batch_too_long(total: int) -> None:
    if total > MAX_MESSAGE_SIZE:
        raise BatchRequestTooLong(
            f"Batch requests cannot be longer than {MAX_MESSAGE_SIZE} bytes. You have sent "
            f"{total} bytes."
        )
