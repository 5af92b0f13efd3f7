"""The whole paybus exception tree, in one place.

Every error paybus raises derives from `PaybusError` and carries a stable `code`. The HTTP API
maps codes to AWS error names (`aws_name`) so boto3 and the AWS CLI see the errors they expect.
Driver exceptions (sqlite3, psycopg) never cross the store boundary: they become `StoreError`s.

    PaybusError
    ├── ValidationError            bad input: names the field and the offending value
    │   ├── InvalidEventPattern    EventBridge's "Event pattern is not valid. Reason: ..."
    │   └── ConfigError            a bad paybus.toml key or value, a bad store URL
    ├── NotFound                   a resource that does not exist
    ├── AlreadyExists              a resource created twice with different attributes
    ├── ConditionalCheckFailed     a table write whose condition did not hold
    ├── LimitExceeded              a documented AWS limit was hit
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


class LimitExceeded(PaybusError):
    code = "limit_exceeded"
    aws_name = "LimitExceededException"


class StoreError(PaybusError):
    code = "store_error"
    aws_name = "InternalFailure"


class StoreUnavailable(StoreError):
    code = "store_unavailable"
    aws_name = "ServiceUnavailable"


class StoreIntegrityError(StoreError):
    code = "store_integrity_error"
    aws_name = "InternalFailure"


__all__ = [
    "AlreadyExists",
    "ConditionalCheckFailed",
    "ConfigError",
    "InvalidEventPattern",
    "LimitExceeded",
    "NotFound",
    "PaybusError",
    "StoreError",
    "StoreIntegrityError",
    "StoreUnavailable",
    "ValidationError",
]
