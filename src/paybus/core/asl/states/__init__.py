"""One handler per state type; `HANDLERS` maps the ASL `Type` to it."""

from paybus.core.asl.states.base import StateHandler
from paybus.core.asl.states.choice_state import ChoiceState
from paybus.core.asl.states.fail_state import FailState
from paybus.core.asl.states.map_state import MapState
from paybus.core.asl.states.parallel_state import ParallelState
from paybus.core.asl.states.pass_state import PassState
from paybus.core.asl.states.succeed_state import SucceedState
from paybus.core.asl.states.task_state import TaskState
from paybus.core.asl.states.wait_state import WaitState

HANDLERS: dict[str, StateHandler] = {
    "Pass": PassState(),
    "Task": TaskState(),
    "Choice": ChoiceState(),
    "Wait": WaitState(),
    "Succeed": SucceedState(),
    "Fail": FailState(),
    "Parallel": ParallelState(),
    "Map": MapState(),
}

__all__ = ["HANDLERS", "StateHandler"]
