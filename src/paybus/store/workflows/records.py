"""The rows of the workflow tables as frozen dataclasses; JSON columns stay text."""

from __future__ import annotations

from dataclasses import dataclass

from paybus.store.sql import Row


@dataclass(frozen=True, slots=True)
class MachineRow:
    name: str
    id: str
    arn: str
    type: str
    definition_id: str
    role_arn: str
    created_at: int
    updated_at: int

    COLUMNS = "name, id, arn, type, definition_id, role_arn, created_at, updated_at"

    @classmethod
    def of(cls, row: Row) -> MachineRow:
        return cls(row[0], row[1], row[2], row[3], row[4], row[5], int(row[6]), int(row[7]))


@dataclass(frozen=True, slots=True)
class ExecutionRow:
    arn: str
    machine_id: str
    machine_arn: str
    name: str
    definition_id: str
    status: str
    input: str
    output: str | None
    error: str | None
    cause: str | None
    state: str
    event_count: int
    started_at: int
    stopped_at: int | None

    COLUMNS = (
        "arn, machine_id, machine_arn, name, definition_id, status, input, output, error, "
        "cause, state, event_count, started_at, stopped_at"
    )

    @classmethod
    def of(cls, row: Row) -> ExecutionRow:
        stopped = None if row[13] is None else int(row[13])
        return cls(*row[:11], int(row[11]), int(row[12]), stopped)  # type: ignore[call-arg]


@dataclass(frozen=True, slots=True)
class ExecutionSummary:
    """What ListExecutions shows: no state, input or output."""

    arn: str
    machine_arn: str
    name: str
    status: str
    started_at: int
    stopped_at: int | None


@dataclass(frozen=True, slots=True)
class HistoryChunk:
    """The history events one transition appended, as a JSON array of AWS-shaped events."""

    first_id: int
    last_id: int
    events: str


@dataclass(frozen=True, slots=True)
class TokenRow:
    token: str
    execution_arn: str
    task_id: str
    closed_at: int | None


@dataclass(frozen=True, slots=True)
class TaskRow:
    """A task invocation to run: the interpreter's `InvokeTask` as JSON, leased to one worker."""

    execution_arn: str
    task_id: str
    request: str
    attempts: int


@dataclass(frozen=True, slots=True)
class InboxEvent:
    id: int
    execution_arn: str
    event: str
