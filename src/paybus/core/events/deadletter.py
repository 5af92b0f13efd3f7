"""The message an event becomes in a rule target's dead-letter queue.

It carries the event (as the target would have received it) and EventBridge's attributes:
RULE_ARN, TARGET_ARN, ERROR_CODE, ERROR_MESSAGE, EXHAUSTED_RETRY_CONDITION, RETRY_ATTEMPTS.
"""

from __future__ import annotations

from dataclasses import dataclass

from paybus.core.queues import OutgoingMessage
from paybus.core.queues.messages import prepare_message

MAX_ATTEMPTS, MAX_AGE = "MaximumRetryAttempts", "MaximumEventAgeInSeconds"
#: error codes EventBridge reports; NO_RESOURCE and NO_PERMISSIONS are not retried
NO_RESOURCE, NO_PERMISSIONS, THROTTLING, TIMEOUT = (
    "NO_RESOURCE",
    "NO_PERMISSIONS",
    "THROTTLING",
    "TIMEOUT",
)
SDK_CLIENT_ERROR = "SDK_CLIENT_ERROR"
PERMANENT = frozenset({NO_RESOURCE, NO_PERMISSIONS})
_MAX_ERROR_MESSAGE = 1024


@dataclass(frozen=True, slots=True)
class Failure:
    code: str
    message: str
    #: no retry can fix it even though the code alone does not say so (an HTTP 400)
    final: bool = False

    @property
    def permanent(self) -> bool:
        return self.final or self.code in PERMANENT


def dead_letter_message(
    message_id: str,
    payload: str,
    *,
    rule_arn: str,
    target_arn: str,
    failure: Failure,
    exhausted: str,
    attempts: int,
) -> OutgoingMessage:
    def text(value: str) -> dict[str, str]:
        return {"DataType": "String", "StringValue": value}

    attributes = {
        "RULE_ARN": text(rule_arn),
        "TARGET_ARN": text(target_arn),
        "ERROR_CODE": text(failure.code),
        "ERROR_MESSAGE": text(failure.message[:_MAX_ERROR_MESSAGE] or failure.code),
        "EXHAUSTED_RETRY_CONDITION": text(exhausted),
        "RETRY_ATTEMPTS": {"DataType": "Number", "StringValue": str(attempts)},
    }
    return prepare_message(message_id, payload, attributes=attributes)
