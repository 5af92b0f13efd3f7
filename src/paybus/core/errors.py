"""The whole paybus exception tree, in one place.

Every error paybus raises derives from `PaybusError` and carries a stable `code`. The HTTP API
maps codes to AWS error names (`aws_name`) so boto3 and the AWS CLI see the errors they expect.
Driver exceptions (sqlite3, psycopg) never cross the store boundary: they become `StoreError`s.

    PaybusError
    ├── ValidationError            bad input: names the field and the offending value
    │   ├── InvalidEventPattern    EventBridge's "Event pattern is not valid. Reason: ..."
    │   ├── ConfigError            a bad paybus.toml key or value, a bad store URL
    │   ├── MissingParameter       AWS APIs: a required request parameter is absent
    │   ├── InvalidParameterValue  SQS: a request parameter out of range or malformed
    │   ├── InvalidAttributeName   SQS: a queue or message attribute name that does not exist
    │   ├── InvalidAttributeValue  SQS: a queue attribute value out of range
    │   ├── InvalidMessageContents SQS: a body with characters SQS does not allow
    │   ├── ReceiptHandleIsInvalid SQS: a receipt handle that is malformed or of another queue
    │   ├── MessageNotInflight     SQS: visibility change (or ack) of a message not in flight
    │   ├── BatchRequestError      SQS: a malformed batch request as a whole
    │   │   ├── EmptyBatchRequest
    │   │   ├── TooManyEntriesInBatchRequest
    │   │   ├── BatchEntryIdsNotDistinct
    │   │   ├── InvalidBatchEntryId
    │   │   └── BatchRequestTooLong
    │   ├── InvalidArn             Step Functions: an ARN that does not parse
    │   ├── InvalidName            Step Functions: a state machine or execution name AWS refuses
    │   ├── InvalidExecutionInput  Step Functions: execution input that is not a JSON text
    │   ├── InvalidOutput          Step Functions: SendTaskSuccess output that is not JSON
    │   ├── InvalidToken           Step Functions: a task token paybus never issued in that shape
    │   ├── StateMachineTypeNotSupported  Step Functions: e.g. StartSyncExecution of a STANDARD
    │   ├── ExecutionNotRedrivable Step Functions: redrive of an execution that cannot be
    │   ├── IllegalStatus          EventBridge: e.g. CancelReplay of a replay that has finished
    │   └── InvalidState           EventBridge: e.g. ActivateEventSource of a pending source
    ├── NotFound                   a resource that does not exist
    │   ├── QueueDoesNotExist      SQS: no queue of that name or URL
    │   ├── ActivityDoesNotExist   Step Functions: no activity of that ARN
    │   ├── StateMachineDoesNotExist  Step Functions
    │   ├── ExecutionDoesNotExist  Step Functions
    │   └── TaskDoesNotExist       Step Functions: a well-formed task token nobody is waiting on
    ├── AlreadyExists              a resource created twice with different attributes
    │   ├── QueueNameExists        SQS: CreateQueue of an existing name with other attributes
    │   ├── StateMachineAlreadyExists  Step Functions: same name, other definition or role
    │   └── ExecutionAlreadyExists Step Functions: same name, closed or other input
    ├── TaskTimedOut               Step Functions: a callback for a task already closed
    ├── ConditionalCheckFailed     a table write whose condition did not hold
    ├── WebhookRefused             a webhook that failed verification: a short reason and a status
    ├── LimitExceeded              a documented AWS limit was hit
    │   ├── OverLimit              SQS: too many messages in flight
    │   ├── PurgeQueueInProgress   SQS: a second purge within 60 seconds
    │   ├── TooManyRequests        Lambda: reserved concurrency exhausted (throttled)
    │   └── PolicyLengthExceeded   EventBridge: a bus policy over 10,240 characters
    ├── FunctionError              Lambda: the handler raised or returned something unusable
    │   └── FunctionTimeout        Lambda: the handler ran past its timeout
    └── StoreError                 the database failed
        ├── StoreUnavailable       cannot connect / database locked past the timeout
        └── StoreIntegrityError    a constraint the caller did not expect was violated
"""

from __future__ import annotations

from typing import ClassVar


class PaybusError(Exception):
    """Root of every error paybus raises on purpose."""

    code: ClassVar[str] = "paybus_error"
    aws_name: ClassVar[str] = "InternalFailure"
    #: the HTTP status the AWS-compatible API answers with
    http_status: ClassVar[int] = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ValidationError(PaybusError):
    code = "validation_error"
    aws_name = "ValidationException"


class InvalidEventPattern(ValidationError):
    code = "invalid_event_pattern"
    aws_name = "InvalidEventPatternException"

    def __init__(self, reason: str) -> None:
        super().__init__(f"Event pattern is not valid. Reason: {reason}")
        self.reason = reason


class ConfigError(ValidationError):
    code = "config_error"
    aws_name = "ValidationException"


class NotFound(PaybusError):
    code = "not_found"
    aws_name = "ResourceNotFoundException"


class AlreadyExists(PaybusError):
    code = "already_exists"
    aws_name = "ResourceAlreadyExistsException"


class ConditionalCheckFailed(PaybusError):
    code = "conditional_check_failed"
    aws_name = "ConditionalCheckFailedException"


class WebhookRefused(PaybusError):
    """A webhook delivery refused before anything was stored (bad signature, stale, ...)."""

    code = "webhook_refused"
    aws_name = "WebhookRefused"

    def __init__(self, reason: str, detail: str, status: int = 400) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
        self.status = status


class LimitExceeded(PaybusError):
    code = "limit_exceeded"
    aws_name = "LimitExceededException"


class MissingParameter(ValidationError):
    code = "missing_parameter"
    aws_name = "MissingParameter"


class InvalidParameterValue(ValidationError):
    code = "invalid_parameter_value"
    aws_name = "InvalidParameterValue"


class InvalidAttributeName(ValidationError):
    code = "invalid_attribute_name"
    aws_name = "InvalidAttributeName"


class InvalidAttributeValue(ValidationError):
    code = "invalid_attribute_value"
    aws_name = "InvalidAttributeValue"


class InvalidMessageContents(ValidationError):
    code = "invalid_message_contents"
    aws_name = "InvalidMessageContents"


class ReceiptHandleIsInvalid(ValidationError):
    code = "receipt_handle_is_invalid"
    aws_name = "ReceiptHandleIsInvalid"


class MessageNotInflight(ValidationError):
    code = "message_not_inflight"
    aws_name = "MessageNotInflight"


class BatchRequestError(ValidationError):
    code = "batch_request_error"
    aws_name = "InvalidParameterValue"


class EmptyBatchRequest(BatchRequestError):
    code = "empty_batch_request"
    aws_name = "EmptyBatchRequest"


class TooManyEntriesInBatchRequest(BatchRequestError):
    code = "too_many_entries_in_batch_request"
    aws_name = "TooManyEntriesInBatchRequest"


class BatchEntryIdsNotDistinct(BatchRequestError):
    code = "batch_entry_ids_not_distinct"
    aws_name = "BatchEntryIdsNotDistinct"


class InvalidBatchEntryId(BatchRequestError):
    code = "invalid_batch_entry_id"
    aws_name = "InvalidBatchEntryId"


class BatchRequestTooLong(BatchRequestError):
    code = "batch_request_too_long"
    aws_name = "BatchRequestTooLong"


class QueueDoesNotExist(NotFound):
    code = "queue_does_not_exist"
    aws_name = "QueueDoesNotExist"


class QueueNameExists(AlreadyExists):
    code = "queue_name_exists"
    aws_name = "QueueNameExists"


class OverLimit(LimitExceeded):
    code = "over_limit"
    aws_name = "OverLimit"


class PurgeQueueInProgress(LimitExceeded):
    code = "purge_queue_in_progress"
    aws_name = "PurgeQueueInProgress"


class TooManyRequests(LimitExceeded):
    code = "too_many_requests"
    aws_name = "TooManyRequestsException"


class FunctionError(PaybusError):
    """A handler failed; `error_type` is what Lambda reports as `errorType`."""

    code = "function_error"
    aws_name = "Unhandled"

    def __init__(self, message: str, error_type: str = "Exception") -> None:
        super().__init__(message)
        self.error_type = error_type


class FunctionTimeout(FunctionError):
    code = "function_timeout"
    aws_name = "Unhandled"

    def __init__(self, message: str) -> None:
        super().__init__(message, "Sandbox.Timedout")


class InvalidArn(ValidationError):
    code = "invalid_arn"
    aws_name = "InvalidArn"


class InvalidName(ValidationError):
    code = "invalid_name"
    aws_name = "InvalidName"


class InvalidExecutionInput(ValidationError):
    code = "invalid_execution_input"
    aws_name = "InvalidExecutionInput"


class InvalidOutput(ValidationError):
    code = "invalid_output"
    aws_name = "InvalidOutput"


class InvalidToken(ValidationError):
    code = "invalid_token"
    aws_name = "InvalidToken"


class StateMachineTypeNotSupported(ValidationError):
    code = "state_machine_type_not_supported"
    aws_name = "StateMachineTypeNotSupported"


class ExecutionNotRedrivable(ValidationError):
    code = "execution_not_redrivable"
    aws_name = "ExecutionNotRedrivable"


class ActivityDoesNotExist(NotFound):
    code = "activity_does_not_exist"
    aws_name = "ActivityDoesNotExist"


class IllegalStatus(ValidationError):
    code = "illegal_status"
    aws_name = "IllegalStatusException"


class InvalidState(ValidationError):
    code = "invalid_state"
    aws_name = "InvalidStateException"


class PolicyLengthExceeded(LimitExceeded):
    code = "policy_length_exceeded"
    aws_name = "PolicyLengthExceededException"


class StateMachineDoesNotExist(NotFound):
    code = "state_machine_does_not_exist"
    aws_name = "StateMachineDoesNotExist"


class ExecutionDoesNotExist(NotFound):
    code = "execution_does_not_exist"
    aws_name = "ExecutionDoesNotExist"


class TaskDoesNotExist(NotFound):
    code = "task_does_not_exist"
    aws_name = "TaskDoesNotExist"


class StateMachineAlreadyExists(AlreadyExists):
    code = "state_machine_already_exists"
    aws_name = "StateMachineAlreadyExists"


class ExecutionAlreadyExists(AlreadyExists):
    code = "execution_already_exists"
    aws_name = "ExecutionAlreadyExists"


class TaskTimedOut(PaybusError):
    """A SendTask* call for a task that timed out, failed, or got its answer already."""

    code = "task_timed_out"
    aws_name = "TaskTimedOut"


class StoreError(PaybusError):
    code = "store_error"
    aws_name = "InternalFailure"
    http_status = 500


class StoreUnavailable(StoreError):
    code = "store_unavailable"
    aws_name = "ServiceUnavailable"
    http_status = 503


class StoreIntegrityError(StoreError):
    code = "store_integrity_error"
    aws_name = "InternalFailure"


__all__ = [
    "ActivityDoesNotExist",
    "AlreadyExists",
    "BatchEntryIdsNotDistinct",
    "BatchRequestError",
    "BatchRequestTooLong",
    "ConditionalCheckFailed",
    "ConfigError",
    "EmptyBatchRequest",
    "ExecutionAlreadyExists",
    "ExecutionDoesNotExist",
    "ExecutionNotRedrivable",
    "FunctionError",
    "FunctionTimeout",
    "IllegalStatus",
    "InvalidArn",
    "InvalidAttributeName",
    "InvalidAttributeValue",
    "InvalidBatchEntryId",
    "InvalidEventPattern",
    "InvalidExecutionInput",
    "InvalidMessageContents",
    "InvalidName",
    "InvalidOutput",
    "InvalidParameterValue",
    "InvalidState",
    "InvalidToken",
    "LimitExceeded",
    "MessageNotInflight",
    "MissingParameter",
    "NotFound",
    "OverLimit",
    "PaybusError",
    "PolicyLengthExceeded",
    "PurgeQueueInProgress",
    "QueueDoesNotExist",
    "QueueNameExists",
    "ReceiptHandleIsInvalid",
    "StateMachineAlreadyExists",
    "StateMachineDoesNotExist",
    "StateMachineTypeNotSupported",
    "StoreError",
    "StoreIntegrityError",
    "StoreUnavailable",
    "TaskDoesNotExist",
    "TaskTimedOut",
    "TooManyEntriesInBatchRequest",
    "TooManyRequests",
    "ValidationError",
    "WebhookRefused",
]
