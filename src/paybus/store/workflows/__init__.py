"""Workflow storage: state machines, executions, history, tokens, timers, tasks and inboxes.

Everything here is a unit of work (or a piece of one) over plain rows; the runtime composes
them with the interpreter's `step` so that one event's whole effect commits in one transaction.
"""

from paybus.store.workflows.records import (
    ExecutionRow,
    HistoryChunk,
    MachineRow,
    TaskRow,
    TokenRow,
)

__all__ = ["ExecutionRow", "HistoryChunk", "MachineRow", "TaskRow", "TokenRow"]
