"""A tiny in-memory runtime for the interpreter's tests: runs tasks with Python functions,
advances a virtual clock to fire timers, and answers task tokens."""

from __future__ import annotations

import heapq
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from paybus.core.asl import (
    CancelTask,
    CancelTimer,
    Definition,
    Event,
    Finish,
    HistoryEvent,
    InvokeTask,
    StartExecution,
    StartTimer,
    StopExecution,
    TaskFailed,
    TaskHeartbeat,
    TaskSubmitted,
    TaskSucceeded,
    TimerFired,
    WaitForToken,
    parse_definition,
    step,
)

START = datetime(2024, 1, 1, tzinfo=UTC)
MACHINE_ARN = "arn:aws:states:us-east-1:111111111111:stateMachine:TestMachine"
EXECUTION_ARN = "arn:aws:states:us-east-1:111111111111:execution:TestMachine:exec-1"


class TaskError(Exception):
    """Raised by a test function to fail its task with an error name and cause."""

    def __init__(self, error: str, cause: str | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.cause = cause


Function = Callable[[Any], Any]


@dataclass
class Driver:
    definition: Definition
    functions: Mapping[str, Function] = field(default_factory=dict)
    now: datetime = START
    seed: str = "seed"
    state: dict[str, Any] | None = None
    history: list[HistoryEvent] = field(default_factory=list)
    timers: list[tuple[datetime, int, str]] = field(default_factory=list)
    timer_purposes: dict[str, str] = field(default_factory=dict)
    cancelled_timers: set[str] = field(default_factory=set)
    tokens: dict[str, str] = field(default_factory=dict)
    invocations: list[InvokeTask] = field(default_factory=list)
    finish: Finish | None = None
    pending: list[Event] = field(default_factory=list)
    _sequence: int = 0

    @classmethod
    def of(cls, definition: Any, functions: Mapping[str, Function] | None = None) -> Driver:
        return cls(parse_definition(definition), dict(functions or {}))

    # ---- driving ---------------------------------------------------------------------------

    def start(self, input_value: Any, *, max_wait: timedelta | None = None) -> Driver:
        self._apply(
            StartExecution(
                self.now,
                input_value,
                EXECUTION_ARN,
                MACHINE_ARN,
                self.seed,
                role_arn="snf_role_arn",
            )
        )
        return self.run(max_wait=max_wait)

    def run(self, *, max_wait: timedelta | None = None) -> Driver:
        """Deliver pending events, then fire timers in time order until nothing is left."""
        for _ in range(100_000):
            if self.pending:
                self._apply(self.pending.pop(0))
                continue
            if self.finish is not None or not self._fire_next_timer(max_wait):
                return self
        raise AssertionError("the execution did not settle")

    def _fire_next_timer(self, max_wait: timedelta | None) -> bool:
        """Fire the next Wait/retry/execution timer; task timeouts only fire through advance()."""
        while self.timers:
            at, _, timer_id = self.timers[0]
            if timer_id in self.cancelled_timers:
                heapq.heappop(self.timers)
                continue
            if max_wait is not None and at - self.now > max_wait:
                return False
            if self.timer_purposes[timer_id] in ("task_timeout", "heartbeat_timeout"):
                return False
            heapq.heappop(self.timers)
            self.now = max(self.now, at)
            self._apply(TimerFired(self.now, timer_id))
            return True
        return False

    def send_task_success(self, token: str, output: Any) -> Driver:
        self._apply(TaskSucceeded(self.now, self.tokens.pop(token), output))
        return self.run()

    def send_task_failure(self, token: str, error: str, cause: str | None = None) -> Driver:
        self._apply(TaskFailed(self.now, self.tokens.pop(token), error, cause))
        return self.run()

    def send_heartbeat(self, token: str) -> None:
        self._apply(TaskHeartbeat(self.now, self.tokens[token]))

    def stop(self, error: str | None = None, cause: str | None = None) -> Driver:
        self._apply(StopExecution(self.now, error, cause))
        return self

    def advance(self, seconds: float) -> Driver:
        """Move the clock, firing every timer due on the way."""
        target = self.now + timedelta(seconds=seconds)
        while self.timers and self.finish is None:
            at, _, timer_id = self.timers[0]
            if at > target:
                break
            heapq.heappop(self.timers)
            if timer_id in self.cancelled_timers:
                continue
            self.now = max(self.now, at)
            self._apply(TimerFired(self.now, timer_id))
            while self.pending:
                self._apply(self.pending.pop(0))
        self.now = target
        return self

    # ---- effects -----------------------------------------------------------------------------

    def _apply(self, event: Event) -> None:
        transition = step(self.definition, self.state, event)
        self.state = transition.state
        self.history.extend(transition.history)
        for effect in transition.effects:
            self._perform(effect)

    def _perform(self, effect: Any) -> None:
        if isinstance(effect, StartTimer):
            self._sequence += 1
            heapq.heappush(self.timers, (effect.fire_at, self._sequence, effect.timer_id))
            self.timer_purposes[effect.timer_id] = effect.purpose
        elif isinstance(effect, CancelTimer):
            self.cancelled_timers.add(effect.timer_id)
        elif isinstance(effect, WaitForToken):
            self.tokens[effect.token] = effect.task_id
        elif isinstance(effect, CancelTask):
            if effect.token:
                self.tokens.pop(effect.token, None)
        elif isinstance(effect, InvokeTask):
            self.invocations.append(effect)
            self.pending.append(self._invoke(effect))
        elif isinstance(effect, Finish):
            self.finish = effect

    def _invoke(self, task: InvokeTask) -> Event:
        resource = task.resource
        payload = task.parameters
        wrap = False
        if resource.startswith("arn:aws:states:::lambda:invoke"):
            resource, payload, wrap = (
                task.parameters["FunctionName"],
                task.parameters.get("Payload"),
                True,
            )
        name = resource.rsplit(":", 1)[-1]
        function = self.functions.get(name) or self.functions.get(resource)
        if function is None:
            return TaskFailed(
                self.now,
                task.task_id,
                "Lambda.ResourceNotFoundException",
                f"Function not found: {resource}",
            )
        try:
            result = function(payload)
        except TaskError as exc:
            return TaskFailed(self.now, task.task_id, exc.error, exc.cause)
        if wrap:
            result = {"ExecutedVersion": "$LATEST", "Payload": result, "StatusCode": 200}
        if task.callback:
            return TaskSubmitted(self.now, task.task_id, result)
        return TaskSucceeded(self.now, task.task_id, result)

    # ---- reading -----------------------------------------------------------------------------

    @property
    def status(self) -> str:
        assert self.state is not None
        return str(self.state["status"])

    @property
    def output(self) -> Any:
        assert self.state is not None
        return self.state["output"]

    @property
    def error(self) -> str | None:
        assert self.state is not None
        return self.state["error"]

    @property
    def cause(self) -> str | None:
        assert self.state is not None
        return self.state["cause"]

    @property
    def event_types(self) -> list[str]:
        return [event.type for event in self.history]

    @property
    def waiting_tokens(self) -> list[str]:
        return list(self.tokens)
