"""Messages: what SQS accepts (body characters, attributes, sizes, delays, FIFO ids) and the
digests it answers with. Validation here needs no queue; `check_for_queue` adds the queue's rules.
"""

from __future__ import annotations

import base64
import hashlib
import re
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from paybus.core.errors import (
    InvalidMessageContents,
    InvalidParameterValue,
)
from paybus.core.queues.attributes import MAX_DELAY_SECONDS, MAX_MESSAGE_SIZE, QueueAttributes

MAX_MESSAGE_ATTRIBUTES = 10
_BAD_BODY = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ATTRIBUTE_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,256}$")
_DATA_TYPE = re.compile(r"^(String|Number|Binary)(\.[A-Za-z0-9_.-]{1,255})?$")
_FIFO_ID = re.compile(r"^[!-~]{1,128}$")  # alphanumerics and punctuation, as SQS documents

#: name -> {"DataType": ..., "StringValue": ...} or {"DataType": ..., "BinaryValue": bytes}
MessageAttributes = dict[str, dict[str, Any]]


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """A message validated for sending, before the queue's own rules are applied."""

    message_id: str
    body: str
    md5_of_body: str
    attributes: MessageAttributes
    md5_of_attributes: str | None
    size: int
    delay_seconds: int | None = None
    group_id: str | None = None
    deduplication_id: str | None = None
    #: set on messages moved out of a dead-letter queue and back, or into one
    trace_header: str | None = None


@dataclass(frozen=True, slots=True)
class QueueMessage:
    """A message as a receive hands it out."""

    message_id: str
    receipt_handle: str
    body: str
    md5_of_body: str
    attributes: MessageAttributes
    md5_of_attributes: str | None
    sent_at_ms: int
    receive_count: int
    first_received_at_ms: int
    group_id: str | None = None
    deduplication_id: str | None = None
    sequence_number: str | None = None
    dead_letter_source_arn: str | None = None
    trace_header: str | None = None

    def system_attributes(self, sender_id: str) -> dict[str, str]:
        """Every system attribute of this receive, as SQS names them (all strings)."""
        out = {
            "SenderId": sender_id,
            "SentTimestamp": str(self.sent_at_ms),
            "ApproximateReceiveCount": str(self.receive_count),
            "ApproximateFirstReceiveTimestamp": str(self.first_received_at_ms),
        }
        if self.sequence_number is not None:
            out["SequenceNumber"] = self.sequence_number
        if self.deduplication_id is not None:
            out["MessageDeduplicationId"] = self.deduplication_id
        if self.group_id is not None:
            out["MessageGroupId"] = self.group_id
        if self.dead_letter_source_arn is not None:
            out["DeadLetterQueueSourceArn"] = self.dead_letter_source_arn
        if self.trace_header is not None:
            out["AWSTraceHeader"] = self.trace_header
        return out


def prepare_message(
    message_id: str,
    body: Any,
    *,
    attributes: Mapping[str, Any] | None = None,
    delay_seconds: int | None = None,
    group_id: str | None = None,
    deduplication_id: str | None = None,
    trace_header: str | None = None,
) -> OutgoingMessage:
    """Validate what SendMessage was given; raises the error SQS would, naming the value."""
    if not isinstance(body, str) or not body:
        raise InvalidParameterValue(
            "Invalid value for the parameter MessageBody: the message must be a string of at "
            "least 1 character"
        )
    # printable text holds none of the characters SQS refuses: the scan runs only otherwise
    bad = None if body.isprintable() else _BAD_BODY.search(body)
    if bad:
        raise InvalidMessageContents(
            f"Invalid characters found. Invalid binary character '#x{ord(bad.group()):X}' was "
            f"found in the message body, the set of allowed characters is #x9 | #xA | #xD | "
            f"#x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF"
        )
    if delay_seconds is not None and not 0 <= delay_seconds <= MAX_DELAY_SECONDS:
        raise InvalidParameterValue(
            f"Value {delay_seconds} for parameter DelaySeconds is invalid. Reason: must be "
            f"between 0 and {MAX_DELAY_SECONDS}, if provided."
        )
    for field, value in (
        ("MessageGroupId", group_id),
        ("MessageDeduplicationId", deduplication_id),
    ):
        if value is not None and not _FIFO_ID.match(value):
            raise InvalidParameterValue(
                f"Value {value!r} for parameter {field} is invalid. Reason: up to 128 "
                "alphanumeric or punctuation characters."
            )
    encoded = body.encode()
    checked = check_message_attributes(attributes or {})
    size = len(encoded) + attributes_size(checked)
    if size > MAX_MESSAGE_SIZE:
        raise InvalidParameterValue(
            f"One or more parameters are invalid. Reason: Message must be shorter than "
            f"{MAX_MESSAGE_SIZE} bytes (got {size})."
        )
    return OutgoingMessage(
        message_id=message_id,
        body=body,
        md5_of_body=hashlib.md5(encoded).hexdigest(),
        attributes=checked,
        md5_of_attributes=md5_of_attributes(checked) if checked else None,
        size=size,
        delay_seconds=delay_seconds,
        group_id=group_id,
        deduplication_id=deduplication_id,
        trace_header=trace_header,
    )


def check_for_queue(
    message: OutgoingMessage, queue: str, attributes: QueueAttributes
) -> str | None:
    """Apply the queue's rules to a prepared message; returns its deduplication key (FIFO)."""
    if message.size > attributes.maximum_message_size:
        raise InvalidParameterValue(
            f"One or more parameters are invalid. Reason: Message must be shorter than "
            f"{attributes.maximum_message_size} bytes (queue {queue!r}; got {message.size})."
        )
    if not attributes.fifo_queue:
        if message.deduplication_id is not None:
            raise InvalidParameterValue(
                "The request include parameter MessageDeduplicationId that is not valid for "
                f"this queue type (queue {queue!r} is a standard queue)"
            )
        return None
    if message.group_id is None:
        raise InvalidParameterValue(
            f"The request must contain the parameter MessageGroupId (queue {queue!r} is FIFO)."
        )
    if message.delay_seconds is not None and message.delay_seconds != 0:
        raise InvalidParameterValue(
            f"Value {message.delay_seconds} for parameter DelaySeconds is invalid. Reason: The "
            f"request include parameter that is not valid for this queue type (FIFO queue "
            f"{queue!r} takes only the queue's delay)."
        )
    dedup = message.deduplication_id
    if dedup is None:
        if not attributes.content_based_deduplication:
            raise InvalidParameterValue(
                f"The queue {queue!r} should either have ContentBasedDeduplication enabled or "
                "MessageDeduplicationId provided explicitly"
            )
        dedup = hashlib.sha256(message.body.encode()).hexdigest()
    if attributes.deduplication_scope == "messageGroup":
        return f"{message.group_id}\x00{dedup}"
    return dedup


def check_message_attributes(attributes: Mapping[str, Any]) -> MessageAttributes:
    if len(attributes) > MAX_MESSAGE_ATTRIBUTES:
        raise InvalidParameterValue(
            f"Number of message attributes [{len(attributes)}] exceeds the allowed maximum "
            f"[{MAX_MESSAGE_ATTRIBUTES}]."
        )
    checked: MessageAttributes = {}
    for name, value in attributes.items():
        _check_attribute_name(name)
        if not isinstance(value, Mapping):
            raise InvalidParameterValue(f"The message attribute {name!r} must be an object")
        data_type = value.get("DataType")
        if not isinstance(data_type, str) or not _DATA_TYPE.match(data_type):
            raise InvalidParameterValue(
                f"The message attribute {name!r} has an invalid message attribute type "
                f"{data_type!r}, the set of supported type prefixes is Binary, Number, and String."
            )
        checked[name] = _attribute_value(name, data_type, value)
    return checked


def _check_attribute_name(name: str) -> None:
    lowered = name.lower()
    if (
        not _ATTRIBUTE_NAME.match(name)
        or lowered.startswith(("aws.", "amazon."))
        or name.startswith(".")
        or name.endswith(".")
        or ".." in name
    ):
        raise InvalidParameterValue(f"Message attribute name {name!r} is invalid.")


def _attribute_value(name: str, data_type: str, value: Mapping[str, Any]) -> dict[str, Any]:
    if data_type.startswith("Binary"):
        raw = value.get("BinaryValue")
        if isinstance(raw, str):
            try:
                raw = base64.b64decode(raw, validate=True)
            except ValueError:
                raise InvalidParameterValue(
                    f"The message attribute {name!r} has a BinaryValue that is not base64"
                ) from None
        if not isinstance(raw, bytes | bytearray) or not raw:
            raise InvalidParameterValue(
                f"The message attribute {name!r} with type 'Binary' must use field 'Binary'."
            )
        return {"DataType": data_type, "BinaryValue": bytes(raw)}
    text = value.get("StringValue")
    if not isinstance(text, str) or not text:
        raise InvalidParameterValue(
            f"The message attribute {name!r} must contain non-empty message attribute value "
            f"for message attribute type {data_type.split('.')[0]!r}."
        )
    if data_type.startswith("Number"):
        try:
            float(text)
        except ValueError:
            raise InvalidParameterValue(
                f"Can't cast the value of message (user) attribute {name!r} to a number."
            ) from None
    return {"DataType": data_type, "StringValue": text}


def attributes_size(attributes: MessageAttributes) -> int:
    total = 0
    for name, value in attributes.items():
        payload = value.get("BinaryValue") or value["StringValue"].encode()
        total += len(name.encode()) + len(value["DataType"].encode()) + len(payload)
    return total


def md5_of_attributes(attributes: MessageAttributes) -> str:
    """SQS's digest of message attributes: sorted by name, length-prefixed fields."""
    buffer = bytearray()
    for name in sorted(attributes):
        value = attributes[name]
        for part in (name.encode(), value["DataType"].encode()):
            buffer += struct.pack(">I", len(part)) + part
        if "BinaryValue" in value:
            payload = value["BinaryValue"]
            buffer += b"\x02"
        else:
            payload = value["StringValue"].encode()
            buffer += b"\x01"
        buffer += struct.pack(">I", len(payload)) + payload
    return hashlib.md5(buffer).hexdigest()


def attributes_to_json(attributes: MessageAttributes) -> dict[str, Any]:
    """Attributes in a JSON-safe form (binary values base64), as stored and as the API sends."""
    return {
        name: (
            {"DataType": v["DataType"], "BinaryValue": base64.b64encode(v["BinaryValue"]).decode()}
            if "BinaryValue" in v
            else dict(v)
        )
        for name, v in attributes.items()
    }


def attributes_from_json(stored: Mapping[str, Any]) -> MessageAttributes:
    return {
        name: (
            {"DataType": v["DataType"], "BinaryValue": base64.b64decode(v["BinaryValue"])}
            if "BinaryValue" in v
            else dict(v)
        )
        for name, v in stored.items()
    }


def trace_header_from(system_attributes: Mapping[str, Any] | None) -> str | None:
    """SendMessage's `MessageSystemAttributes`: only `AWSTraceHeader`, of type String."""
    if not system_attributes:
        return None
    for name in system_attributes:
        if name != "AWSTraceHeader":
            raise InvalidParameterValue(
                f"Message system attribute name {name!r} is invalid: the only one a sender may "
                "set is AWSTraceHeader."
            )
    value = system_attributes["AWSTraceHeader"]
    text = value.get("StringValue") if isinstance(value, Mapping) else None
    if not isinstance(value, Mapping) or value.get("DataType") != "String" or not text:
        raise InvalidParameterValue(
            "Message system attribute AWSTraceHeader must have DataType 'String' and a "
            "non-empty StringValue."
        )
    return str(text)


def md5_of_trace_header(trace_header: str) -> str:
    """`MD5OfMessageSystemAttributes` of a message sent with an AWSTraceHeader."""
    return md5_of_attributes(
        {"AWSTraceHeader": {"DataType": "String", "StringValue": trace_header}}
    )


def select_attributes(attributes: MessageAttributes, wanted: list[str] | None) -> MessageAttributes:
    """ReceiveMessage's `MessageAttributeNames`: names, `All`, `.*`, or prefixes `foo.*`."""
    if not wanted:
        return {}
    if "All" in wanted or ".*" in wanted:
        return attributes
    prefixes = tuple(name[:-1] for name in wanted if name.endswith(".*"))
    exact = set(wanted)
    return {
        name: value
        for name, value in attributes.items()
        if name in exact or (prefixes and name.startswith(prefixes))
    }
