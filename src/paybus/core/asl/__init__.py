"""Amazon States Language: validation, JSONPath/JSONata evaluation and a pure interpreter.

A runtime drives an execution like this::

    definition = parse_definition(text)                  # raises InvalidDefinition
    t = step(definition, None, StartExecution(now, input, execution_arn, machine_arn, seed))
    persist(t.state, t.history); perform(t.effects)      # InvokeTask, StartTimer, Finish, ...
    t = step(definition, t.state, TaskSucceeded(now, task_id, output))   # and so on

`t.state` is plain JSON data; effects and history events are frozen dataclasses.
"""

from paybus.core.asl.definition import Definition, parse_definition
from paybus.core.asl.errors import InvalidDefinition
from paybus.core.asl.interpreter import step
from paybus.core.asl.model import (
    CancelTask,
    CancelTimer,
    Effect,
    Event,
    ExecutionState,
    Finish,
    HistoryEvent,
    InvokeTask,
    RedriveExecution,
    StartExecution,
    StartTimer,
    StopExecution,
    TaskFailed,
    TaskHeartbeat,
    TaskPickedUp,
    TaskSubmitted,
    TaskSucceeded,
    TimerFired,
    Transition,
    WaitForToken,
)

__all__ = [
    "CancelTask",
    "CancelTimer",
    "Definition",
    "Effect",
    "Event",
    "ExecutionState",
    "Finish",
    "HistoryEvent",
    "InvalidDefinition",
    "InvokeTask",
    "RedriveExecution",
    "StartExecution",
    "StartTimer",
    "StopExecution",
    "TaskFailed",
    "TaskHeartbeat",
    "TaskPickedUp",
    "TaskSubmitted",
    "TaskSucceeded",
    "TimerFired",
    "Transition",
    "WaitForToken",
    "parse_definition",
    "step",
]
