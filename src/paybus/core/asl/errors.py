"""ASL error names and the two exceptions of the language.

`InvalidDefinition` is raised on create (a `ValidationError` naming state, field and reason).
`StatesError` is internal: evaluation raises it and the interpreter turns it into execution data
(an error name and a cause), as Step Functions does.
"""

from __future__ import annotations

from paybus.core.errors import ValidationError

ALL = "States.ALL"
DATA_LIMIT_EXCEEDED = "States.DataLimitExceeded"
RUNTIME = "States.Runtime"
TIMEOUT = "States.Timeout"
HEARTBEAT_TIMEOUT = "States.HeartbeatTimeout"
TASK_FAILED = "States.TaskFailed"
PERMISSIONS = "States.Permissions"
RESULT_PATH_MATCH_FAILURE = "States.ResultPathMatchFailure"
PARAMETER_PATH_FAILURE = "States.ParameterPathFailure"
BRANCH_FAILED = "States.BranchFailed"
NO_CHOICE_MATCHED = "States.NoChoiceMatched"
INTRINSIC_FAILURE = "States.IntrinsicFailure"
EXCEED_TOLERATED_FAILURE_THRESHOLD = "States.ExceedToleratedFailureThreshold"
ITEM_READER_FAILED = "States.ItemReaderFailed"
RESULT_WRITER_FAILED = "States.ResultWriterFailed"
QUERY_EVALUATION_ERROR = "States.QueryEvaluationError"

PREDEFINED_ERRORS = frozenset(
    {
        ALL,
        DATA_LIMIT_EXCEEDED,
        RUNTIME,
        TIMEOUT,
        HEARTBEAT_TIMEOUT,
        TASK_FAILED,
        PERMISSIONS,
        RESULT_PATH_MATCH_FAILURE,
        PARAMETER_PATH_FAILURE,
        BRANCH_FAILED,
        NO_CHOICE_MATCHED,
        INTRINSIC_FAILURE,
        EXCEED_TOLERATED_FAILURE_THRESHOLD,
        ITEM_READER_FAILED,
        RESULT_WRITER_FAILED,
        QUERY_EVALUATION_ERROR,
    }
)


class InvalidDefinition(ValidationError):
    """A state machine definition that Step Functions would refuse on create."""

    code = "invalid_definition"
    aws_name = "InvalidDefinition"

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        header = f"Invalid State Machine Definition: {count} error{'s' if count != 1 else ''}"
        super().__init__(f"{header}: " + "; ".join(f"'{p}'" for p in self.problems))


class StatesError(Exception):
    """An ASL runtime error: becomes the execution's (or a catcher's) error and cause."""

    def __init__(self, error: str, cause: str | None = None) -> None:
        super().__init__(f"{error}: {cause}" if cause else error)
        self.error = error
        self.cause = cause


__all__ = [
    "PREDEFINED_ERRORS",
    "InvalidDefinition",
    "StatesError",
]
