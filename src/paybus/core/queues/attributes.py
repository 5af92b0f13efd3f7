"""Queue attributes: SQS's names, ranges and defaults, parsed and validated without storage.

Attributes travel as SQS does, a mapping of attribute name to string. `QueueAttributes` is the
parsed form the rest of paybus reads; `to_aws()` gives the settable attributes back as strings.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from functools import lru_cache
from typing import Any

import orjson

from paybus.core.errors import InvalidAttributeName, InvalidAttributeValue, InvalidParameterValue

MAX_VISIBILITY_TIMEOUT = 43_200
MAX_DELAY_SECONDS = 900
MAX_WAIT_SECONDS = 20
MAX_MESSAGE_SIZE = 1_048_576
DEFAULT_MAX_RECEIVE_COUNT = 10
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
_FIFO_NAME = re.compile(r"^[A-Za-z0-9_-]{1,75}\.fifo$")

#: attribute name -> (inclusive range) for the integer attributes
_RANGES: dict[str, tuple[int, int]] = {
    "DelaySeconds": (0, MAX_DELAY_SECONDS),
    "MaximumMessageSize": (1_024, MAX_MESSAGE_SIZE),
    "MessageRetentionPeriod": (60, 1_209_600),
    "ReceiveMessageWaitTimeSeconds": (0, MAX_WAIT_SECONDS),
    "VisibilityTimeout": (0, MAX_VISIBILITY_TIMEOUT),
    "KmsDataKeyReusePeriodSeconds": (60, 86_400),
}
_BOOLEANS = ("FifoQueue", "ContentBasedDeduplication", "SqsManagedSseEnabled")
_CHOICES: dict[str, tuple[str, ...]] = {
    "DeduplicationScope": ("messageGroup", "queue"),
    "FifoThroughputLimit": ("perQueue", "perMessageGroupId"),
}
#: accepted and kept so they round-trip, but they change nothing here (no IAM, no KMS)
_OPAQUE = ("Policy", "KmsMasterKeyId", "RedriveAllowPolicy")
READ_ONLY = (
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
    "CreatedTimestamp",
    "LastModifiedTimestamp",
    "QueueArn",
)
FIFO_ONLY = ("ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit")


@dataclass(frozen=True, slots=True)
class RedrivePolicy:
    dead_letter_target_arn: str
    max_receive_count: int = DEFAULT_MAX_RECEIVE_COUNT

    @property
    def dead_letter_queue(self) -> str:
        return queue_name_from_arn(self.dead_letter_target_arn)


@dataclass(frozen=True, slots=True)
class QueueAttributes:
    """The settable attributes of one queue, SQS's defaults where unset."""

    delay_seconds: int = 0
    maximum_message_size: int = MAX_MESSAGE_SIZE
    message_retention_period: int = 345_600
    receive_message_wait_time_seconds: int = 0
    visibility_timeout: int = 30
    redrive_policy: RedrivePolicy | None = None
    fifo_queue: bool = False
    content_based_deduplication: bool = False
    deduplication_scope: str = "queue"
    fifo_throughput_limit: str = "perQueue"
    sqs_managed_sse_enabled: bool = True
    kms_data_key_reuse_period_seconds: int = 300
    #: attributes kept verbatim (Policy, KmsMasterKeyId, RedriveAllowPolicy)
    opaque: tuple[tuple[str, str], ...] = ()

    def to_aws(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for name, attr in _FIELD_OF.items():
            value = getattr(self, attr)
            if name in FIFO_ONLY and not self.fifo_queue:
                continue
            if name == "FifoQueue" and not value:
                continue
            if isinstance(value, bool):
                out[name] = "true" if value else "false"
            elif isinstance(value, int):
                out[name] = str(value)
        if self.redrive_policy is not None:
            out["RedrivePolicy"] = orjson.dumps(
                {
                    "deadLetterTargetArn": self.redrive_policy.dead_letter_target_arn,
                    "maxReceiveCount": self.redrive_policy.max_receive_count,
                }
            ).decode()
        out.update(self.opaque)
        return out

    def with_changes(self, changes: Mapping[str, str]) -> QueueAttributes:
        """These attributes with `changes` (SetQueueAttributes) applied; FifoQueue is fixed."""
        if (
            "FifoQueue" in changes
            and _boolean("FifoQueue", changes["FifoQueue"]) != self.fifo_queue
        ):
            raise InvalidAttributeValue(
                "Invalid value for the parameter FifoQueue. Reason: Modifying queue type is "
                "not supported."
            )
        return _apply(self, changes)


_FIELD_OF = {
    "DelaySeconds": "delay_seconds",
    "MaximumMessageSize": "maximum_message_size",
    "MessageRetentionPeriod": "message_retention_period",
    "ReceiveMessageWaitTimeSeconds": "receive_message_wait_time_seconds",
    "VisibilityTimeout": "visibility_timeout",
    "FifoQueue": "fifo_queue",
    "ContentBasedDeduplication": "content_based_deduplication",
    "DeduplicationScope": "deduplication_scope",
    "FifoThroughputLimit": "fifo_throughput_limit",
    "SqsManagedSseEnabled": "sqs_managed_sse_enabled",
    "KmsDataKeyReusePeriodSeconds": "kms_data_key_reuse_period_seconds",
}
assert set(_FIELD_OF.values()) <= {f.name for f in fields(QueueAttributes)}


def parse_attributes(name: str, given: Mapping[str, str] | None) -> QueueAttributes:
    """CreateQueue's attributes for queue `name`, validated, with defaults filled in."""
    check_queue_name(name)
    given = dict(given or {})
    fifo = name.endswith(".fifo")
    if "FifoQueue" in given and _boolean("FifoQueue", given["FifoQueue"]) != fifo:
        raise InvalidParameterValue(
            f"Invalid value for the parameter FifoQueue: queue name {name!r} "
            + ("must end with '.fifo' for a FIFO queue" if not fifo else "ends with '.fifo'")
        )
    base = QueueAttributes(fifo_queue=fifo)
    attributes = _apply(base, given)
    return attributes


def _apply(base: QueueAttributes, given: Mapping[str, str]) -> QueueAttributes:
    changes: dict[str, Any] = {}
    opaque = dict(base.opaque)
    for key, raw in given.items():
        value = str(raw)
        if key in READ_ONLY or (
            key not in _FIELD_OF and key not in _OPAQUE and key != "RedrivePolicy"
        ):
            raise InvalidAttributeName(f"Unknown Attribute {key}.")
        if key in FIFO_ONLY and not base.fifo_queue:
            raise InvalidAttributeName(f"Unknown Attribute {key}.")
        if key in _RANGES:
            changes[_FIELD_OF[key]] = _integer(key, value)
        elif key in _BOOLEANS:
            changes[_FIELD_OF[key]] = _boolean(key, value)
        elif key in _CHOICES:
            if value not in _CHOICES[key]:
                raise _bad_value(key, value, f"must be one of {', '.join(_CHOICES[key])}")
            changes[_FIELD_OF[key]] = value
        elif key == "RedrivePolicy":
            changes["redrive_policy"] = parse_redrive_policy(value) if value else None
        else:
            opaque[key] = value
    changes["opaque"] = tuple(sorted(opaque.items()))
    result = replace(base, **changes)
    if result.fifo_throughput_limit == "perMessageGroupId" and (
        result.deduplication_scope != "messageGroup"
    ):
        raise _bad_value(
            "FifoThroughputLimit",
            result.fifo_throughput_limit,
            "perMessageGroupId requires DeduplicationScope messageGroup",
        )
    return result


def parse_redrive_policy(text: str) -> RedrivePolicy:
    try:
        policy = orjson.loads(text)
    except orjson.JSONDecodeError:
        raise _bad_value("RedrivePolicy", text, "not valid JSON") from None
    if not isinstance(policy, dict) or not isinstance(policy.get("deadLetterTargetArn"), str):
        raise _bad_value("RedrivePolicy", text, "deadLetterTargetArn is required")
    unknown = sorted(set(policy) - {"deadLetterTargetArn", "maxReceiveCount"})
    if unknown:
        raise _bad_value("RedrivePolicy", text, f"unknown key {unknown[0]!r}")
    count = policy.get("maxReceiveCount", DEFAULT_MAX_RECEIVE_COUNT)
    try:
        count = int(count)
    except (TypeError, ValueError):
        raise _bad_value("RedrivePolicy", text, "maxReceiveCount must be an integer") from None
    if not 1 <= count <= 1000:
        raise _bad_value("RedrivePolicy", text, "maxReceiveCount must be from 1 to 1000")
    arn = policy["deadLetterTargetArn"]
    queue_name_from_arn(arn)
    return RedrivePolicy(arn, count)


@lru_cache(maxsize=4096)
def stored_attributes(name: str, text: str) -> QueueAttributes:
    """Attributes as stored (the JSON of `to_aws()`); cached since every receive reads them."""
    return parse_attributes(name, orjson.loads(text))


def check_queue_name(name: str) -> None:
    if not (_FIFO_NAME.match(name) if name.endswith(".fifo") else _NAME.match(name)):
        raise InvalidParameterValue(
            f"Invalid value for the parameter QueueName: {name!r}. Reason: Can only include "
            "alphanumeric characters, hyphens, or underscores. 1 to 80 in length"
        )


def queue_name_from_arn(arn: str) -> str:
    parts = arn.split(":")
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "sqs" or not parts[5]:
        raise InvalidParameterValue(f"Invalid value for the parameter QueueArn: {arn!r}")
    return parts[5]


def _integer(key: str, value: str) -> int:
    low, high = _RANGES[key]
    try:
        number = int(value)
    except ValueError:
        raise _bad_value(key, value, f"must be an integer from {low} to {high}") from None
    if not low <= number <= high:
        raise _bad_value(key, value, f"must be an integer from {low} to {high}")
    return number


def _boolean(key: str, value: str) -> bool:
    lowered = str(value).lower()
    if lowered not in ("true", "false"):
        raise _bad_value(key, value, "must be true or false")
    return lowered == "true"


def _bad_value(key: str, value: str, reason: str) -> InvalidAttributeValue:
    return InvalidAttributeValue(
        f"Invalid value for the parameter {key}: {value!r}. Reason: {reason}."
    )
