"""A received message in ReceiveMessage's response shape: the system and message attributes
the caller asked for, and the digests SDKs check them against."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from paybus.core.queues import QueueMessage, md5_of_attributes, select_attributes
from paybus.core.queues.messages import attributes_to_json

#: legacy `AttributeNames` may name this for every system attribute
_ALL = "All"


def received_message(
    message: QueueMessage,
    system_names: Sequence[str],
    attribute_names: Sequence[str],
    *,
    sender_id: str,
) -> dict[str, Any]:
    shaped: dict[str, Any] = {
        "MessageId": message.message_id,
        "ReceiptHandle": message.receipt_handle,
        "MD5OfBody": message.md5_of_body,
        "Body": message.body,
    }
    system = _system_attributes(message, system_names, sender_id)
    if system:
        shaped["Attributes"] = system
    selected = select_attributes(message.attributes, list(attribute_names))
    if selected:
        shaped["MessageAttributes"] = attributes_to_json(selected)
        # the digest covers what is returned, so a client can check exactly that
        shaped["MD5OfMessageAttributes"] = md5_of_attributes(selected)
    return shaped


def _system_attributes(
    message: QueueMessage, names: Sequence[str], sender_id: str
) -> dict[str, str]:
    if not names:
        return {}
    every = message.system_attributes(sender_id)
    if _ALL in names:
        return every
    return {name: value for name, value in every.items() if name in names}
