"""Parallel: runs every branch as a child frame on the same input; output is their outputs in
branch order. The first failing branch aborts the others and fails the state; a redrive of
that failure runs only the branches that did not succeed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from paybus.core.asl.dataflow import finish, prepare_input
from paybus.core.asl.states.base import Advance, ChildSignal, Outcome, Raise, Signal, Suspend

if TYPE_CHECKING:
    from paybus.core.asl.run import Frame, Run


class ParallelState:
    def execute(self, run: Run, frame: Frame, state: Mapping[str, Any]) -> Outcome:
        value = prepare_input(run, frame, state, with_retry=True)
        run.emit(frame, "ParallelStateStarted")
        work = frame.work
        work.clear()
        count = len(state["Branches"])
        kept = frame.data.pop("redrive_partial", None) or {
            "results": [None] * count,
            "completed": [],
        }
        completed = set(kept["completed"])
        work.update(
            children=[],
            results=list(kept["results"]),
            remaining=count - len(completed),
            completed=sorted(completed),
        )
        for index in range(count):
            if index in completed:
                continue
            child = run.new_frame(
                frame, (*frame.scope, frame.state_name, index), value, {"branch": index}
            )
            work["children"].append(child.id)
            run.schedule(child.id)
        return Suspend()

    def resume(self, run: Run, frame: Frame, state: Mapping[str, Any], signal: Signal) -> Outcome:
        assert isinstance(signal, ChildSignal)
        work = frame.work
        child = run.frame(signal.child_id)
        work["children"].remove(child.id)
        if child.data["status"] == "failed":
            error, cause = child.data.get("error"), child.data.get("cause")
            run.drop_frame(child.id)
            for other in work["children"]:
                run.drop_frame(other)
            work["children"] = []
            return Raise(error, cause)
        work["results"][child.data["branch"]] = child.data["output"]
        work["completed"].append(child.data["branch"])
        run.drop_frame(child.id)
        work["remaining"] -= 1
        if work["remaining"]:
            return Suspend()
        output, assigned = finish(run, frame, state, work["results"], with_retry=True)
        run.emit(frame, "ParallelStateSucceeded")
        return Advance(output, state.get("Next"), assigned)
