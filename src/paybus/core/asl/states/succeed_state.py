"""Succeed: ends the machine (or branch/iteration) successfully with its processed input."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from paybus.core.asl.dataflow import finish_passthrough, passthrough_input
from paybus.core.asl.states.base import Advance, NoResume, Outcome

if TYPE_CHECKING:
    from paybus.core.asl.run import Frame, Run


class SucceedState(NoResume):
    def execute(self, run: Run, frame: Frame, state: Mapping[str, Any]) -> Outcome:
        value = passthrough_input(run, frame, state)
        output, _ = finish_passthrough(run, frame, state, value)
        return Advance(output, None)
