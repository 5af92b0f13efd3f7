"""Lambda's SQS event: the records a function receives and the partial batch response."""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import Any

from paybus.core.queues import QueueMessage


def sqs_record(
    message: QueueMessage, *, queue_arn: str, region: str, sender_id: str
) -> dict[str, Any]:
    """One record exactly as Lambda builds it from an SQS message."""
    attributes = {
        key: value
        for key, value in message.system_attributes(sender_id).items()
        if key != "DeadLetterQueueSourceArn"
    }
    record: dict[str, Any] = {
        "messageId": message.message_id,
        "receiptHandle": message.receipt_handle,
        "body": message.body,
        "attributes": attributes,
        "messageAttributes": {
            name: _record_attribute(value) for name, value in message.attributes.items()
        },
        "md5OfBody": message.md5_of_body,
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
    if message.md5_of_attributes is not None:
        record["md5OfMessageAttributes"] = message.md5_of_attributes
    return record


def _record_attribute(value: Mapping[str, Any]) -> dict[str, Any]:
    binary = value.get("BinaryValue")
    out: dict[str, Any] = {
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": value["DataType"],
    }
    if binary is not None:
        out["binaryValue"] = base64.b64encode(binary).decode()
    else:
        out["stringValue"] = value["StringValue"]
    return out


class InvalidBatchResponse(Exception):
    """The function's partial batch response is malformed: the whole batch counts as failed."""


def failed_item_ids(response: Any, batch_ids: Sequence[str]) -> set[str]:
    """The message ids a ReportBatchItemFailures response names, by Lambda's rules.

    No response, an empty or null list: complete success. Anything malformed (not an object, a
    bad key, an empty or null or unknown itemIdentifier): complete failure, signalled by
    `InvalidBatchResponse`.
    """
    if response is None or response == "":
        return set()
    if not isinstance(response, Mapping):
        raise InvalidBatchResponse(f"the response is not an object: {response!r}")
    failures = response.get("batchItemFailures")
    if failures is None:
        return set()
    if not isinstance(failures, list):
        raise InvalidBatchResponse("batchItemFailures is not a list")
    known = set(batch_ids)
    failed: set[str] = set()
    for failure in failures:
        if not isinstance(failure, Mapping) or set(failure) != {"itemIdentifier"}:
            raise InvalidBatchResponse(f"invalid batch item failure {failure!r}")
        identifier = failure["itemIdentifier"]
        if not isinstance(identifier, str) or not identifier or identifier not in known:
            raise InvalidBatchResponse(f"itemIdentifier {identifier!r} is not in the batch")
        failed.add(identifier)
    return failed


def fifo_failures(messages: Sequence[QueueMessage], failed: set[str]) -> set[str]:
    """On FIFO, a failure also holds back every later message of its group in the batch."""
    blocked: set[str | None] = set()
    held = set()
    for message in messages:
        if message.message_id in failed or message.group_id in blocked:
            held.add(message.message_id)
            blocked.add(message.group_id)
    return held
