"""The working copy of one execution while the interpreter takes a step.

`Run` owns the mutable copy of the execution state, the effects and history produced so far, the
queue of frames to advance, and the deterministic entropy; `Frame` is a typed view of one frame
(the root machine, a Parallel branch or a Map iteration) stored as a plain dict.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections import deque
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from paybus.core.asl.definition import Definition, Scope
from paybus.core.asl.model import (
    CancelTask,
    CancelTimer,
    Effect,
    ExecutionState,
    HistoryEvent,
    StartTimer,
)
from paybus.core.asl.scope import EvaluationScope
from paybus.core.asl.states.base import Signal
from paybus.core.asl.timestamps import format_timestamp


class Frame:
    """A view over `state["frames"][id]`: where one thread of the execution stands."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    @property
    def id(self) -> str:
        return str(self.data["id"])

    @property
    def parent(self) -> str | None:
        parent = self.data.get("parent")
        return None if parent is None else str(parent)

    @property
    def scope(self) -> Scope:
        return tuple(self.data["scope"])

    @property
    def state_name(self) -> str:
        return str(self.data["state"])

    @property
    def input(self) -> Any:
        """The raw input of the current state (before InputPath)."""
        return self.data["input"]

    @property
    def work(self) -> dict[str, Any]:
        """Scratch data owned by the current state's handler (task ids, children, results)."""
        return self.data.setdefault("work", {})  # type: ignore[no-any-return]

    @property
    def variables(self) -> dict[str, Any]:
        return self.data.setdefault("variables", {})  # type: ignore[no-any-return]


class SeededEntropy:
    """Deterministic randomness derived from the execution's secret seed and a counter."""

    def __init__(self, state: ExecutionState) -> None:
        self.state = state

    def _next_bytes(self) -> bytes:
        counter = self.state["entropy_counter"]
        self.state["entropy_counter"] = counter + 1
        return hashlib.sha256(f"{self.state['seed']}:{counter}".encode()).digest()

    def uuid4(self) -> str:
        return str(uuid.UUID(bytes=self._next_bytes()[:16], version=4))

    def random(self) -> float:
        return int.from_bytes(self._next_bytes()[:7], "big") / float(1 << 56)


class Run:
    def __init__(self, definition: Definition, state: ExecutionState, now: datetime) -> None:
        self.definition = definition
        self.state = state
        self.now = now
        self.effects: list[Effect] = []
        self.history: list[HistoryEvent] = []
        self.queue: deque[tuple[str, Signal | None]] = deque()
        self.entropy = SeededEntropy(state)

    # ---- frames -------------------------------------------------------------------------------

    def frame(self, frame_id: str) -> Frame:
        return Frame(self.state["frames"][frame_id])

    def has_frame(self, frame_id: str) -> bool:
        return frame_id in self.state["frames"]

    def new_frame(
        self,
        parent: Frame | None,
        scope: Scope,
        start_input: Any,
        extra: Mapping[str, Any] | None = None,
    ) -> Frame:
        frame_id = self.new_id("f")
        start = self.definition.machine(scope)["StartAt"]
        data: dict[str, Any] = {
            "id": frame_id,
            "parent": parent.id if parent else None,
            "scope": list(scope),
            "state": start,
            "phase": "enter",
            "input": start_input,
            "variables": {},
            "last_event": parent.data["last_event"] if parent else 0,
            **(extra or {}),
        }
        self.state["frames"][frame_id] = data
        return Frame(data)

    def drop_frame(self, frame_id: str) -> None:
        """Forget a frame and its descendants, cancelling whatever they wait for."""
        for child_id in [
            f["id"] for f in self.state["frames"].values() if f.get("parent") == frame_id
        ]:
            self.drop_frame(child_id)
        self.cancel_waits(frame_id)
        self.state["frames"].pop(frame_id, None)

    def schedule(self, frame_id: str, signal: Signal | None = None, *, front: bool = False) -> None:
        if front:
            self.queue.appendleft((frame_id, signal))
        else:
            self.queue.append((frame_id, signal))

    def new_id(self, prefix: str) -> str:
        counter = self.state["id_counter"]
        self.state["id_counter"] = counter + 1
        return f"{prefix}{counter}"

    # ---- history ------------------------------------------------------------------------------

    def emit(
        self, frame: Frame | None, event_type: str, details: dict[str, Any] | None = None
    ) -> int:
        event_id = int(self.state["event_counter"]) + 1
        self.state["event_counter"] = event_id
        previous = frame.data["last_event"] if frame else self.state["last_event"]
        self.history.append(HistoryEvent(event_id, previous, self.now, event_type, details))
        if frame:
            frame.data["last_event"] = event_id
        self.state["last_event"] = event_id
        return event_id

    # ---- timers and tasks ---------------------------------------------------------------------

    def start_timer(
        self, frame: Frame, seconds: float | None, purpose: str, at: datetime | None = None
    ) -> str:
        timer_id = self.new_id("t")
        fire_at = at if at is not None else self.now + timedelta(seconds=seconds or 0)
        self.state["waits"][timer_id] = {"frame": frame.id, "purpose": purpose}
        self.effects.append(StartTimer(timer_id, fire_at, purpose))
        return timer_id

    def cancel_timer(self, timer_id: str) -> None:
        if self.state["waits"].pop(timer_id, None) is not None:
            self.effects.append(CancelTimer(timer_id))

    def register_task(self, frame: Frame, task_id: str, token: str | None) -> None:
        self.state["tasks"][task_id] = {"frame": frame.id, "token": token}

    def close_task(self, task_id: str, *, cancelled: bool) -> None:
        task = self.state["tasks"].pop(task_id, None)
        if task is not None and cancelled:
            self.effects.append(CancelTask(task_id, task.get("token")))

    def cancel_waits(self, frame_id: str) -> None:
        for timer_id in [t for t, w in self.state["waits"].items() if w["frame"] == frame_id]:
            self.cancel_timer(timer_id)
        for task_id in [t for t, w in self.state["tasks"].items() if w["frame"] == frame_id]:
            self.close_task(task_id, cancelled=True)

    def task_token(self, task_id: str) -> str:
        digest = hashlib.sha256(f"token:{self.state['seed']}:{task_id}".encode()).digest()
        return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")

    # ---- evaluation ---------------------------------------------------------------------------

    def visible_variables(self, frame: Frame) -> dict[str, Any]:
        chain: list[Frame] = []
        current: Frame | None = frame
        while current is not None:
            chain.append(current)
            current = self.frame(current.parent) if current.parent else None
        merged: dict[str, Any] = {}
        for item in reversed(chain):
            merged.update(item.variables)
        return merged

    def context(self, frame: Frame, *, with_retry: bool = False) -> dict[str, Any]:
        state_info: dict[str, Any] = {
            "EnteredTime": frame.data.get("entered_time", format_timestamp(self.now)),
            "Name": frame.state_name,
        }
        if with_retry:
            state_info["RetryCount"] = frame.data.get("retry_count", 0)
        context: dict[str, Any] = {
            "Execution": dict(self.state["context"]["Execution"]),
            "StateMachine": dict(self.state["context"]["StateMachine"]),
            "State": state_info,
        }
        token = frame.work.get("token")
        if token:
            context["Task"] = {"Token": token}
        return context

    def scope(self, frame: Frame, value: Any, *, with_retry: bool = False) -> EvaluationScope:
        return EvaluationScope(
            input=value,
            context=self.context(frame, with_retry=with_retry),
            variables=self.visible_variables(frame),
            entropy=self.entropy,
            now=self.now,
        )
