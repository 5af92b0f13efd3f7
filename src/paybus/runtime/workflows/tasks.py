"""Running a Task state's resource: what each `Resource` ARN means, and its outcome as an event.

Lambda functions (a function ARN or name, or `arn:aws:states:::lambda:invoke`) run through the
`FunctionInvoker`, service integrations through `integrations/`; an integration this process was
not given (no queue service, say) answers with a `States.Runtime` failure naming what is
missing, so the execution fails visibly, never hangs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import orjson

from paybus.core.asl import Event, InvokeTask, TaskFailed, TaskSubmitted, TaskSucceeded
from paybus.core.errors import FunctionError, NotFound, PaybusError
from paybus.runtime.workflows.functions import FunctionInvoker
from paybus.runtime.workflows.integrations import TaskIntegration

LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"
CALLBACK = ".waitForTaskToken"
RUNTIME_ERROR = "States.Runtime"

#: integrations that need a paybus service this process was built without
UNAVAILABLE = {
    "sqs": "the SQS-compatible queue service",
    "events": "the EventBridge-compatible bus",
    "activity": "activities (GetActivityTask workers)",
}


class TaskRunner:
    def __init__(
        self,
        invoker: FunctionInvoker,
        now: Callable[[], datetime],
        integrations: dict[str, TaskIntegration] | None = None,
    ) -> None:
        self.invoker = invoker
        self.now = now
        self.integrations = dict(integrations or {})

    async def run(self, task: InvokeTask, execution_arn: str = "") -> Event:
        """Run `task` once; its outcome (success, failure, or submitted for callbacks)."""
        try:
            result = await self._dispatch(task, execution_arn)
        except FunctionError as error:
            return TaskFailed(self.now(), task.task_id, error.error_type, error.message)
        except NotFound as error:
            return TaskFailed(
                self.now(), task.task_id, "Lambda.ResourceNotFoundException", error.message
            )
        except IntegrationUnavailable as error:
            return TaskFailed(self.now(), task.task_id, RUNTIME_ERROR, str(error))
        except PaybusError as error:
            return TaskFailed(self.now(), task.task_id, error.aws_name, error.message)
        try:
            orjson.dumps(result)
        except TypeError as error:
            return TaskFailed(
                self.now(),
                task.task_id,
                "Runtime.MarshalError",
                f"Unable to marshal response: {error}",
            )
        if task.callback:
            return TaskSubmitted(self.now(), task.task_id, result)
        return TaskSucceeded(self.now(), task.task_id, result)

    async def _dispatch(self, task: InvokeTask, execution_arn: str) -> Any:
        resource = task.resource.removesuffix(CALLBACK)
        if resource == LAMBDA_INVOKE:
            return await self._lambda_invoke(task.parameters)
        parts = resource.split(":")
        if resource.startswith("arn:aws:states:::"):
            api = ":".join(parts[5:])
            for prefix, integration in self.integrations.items():
                if api == prefix or api.startswith(prefix + ".") or api.startswith(prefix + ":"):
                    return await integration(task, execution_arn)
            raise IntegrationUnavailable(resource, parts[5])
        if len(parts) >= 6 and parts[2] == "states" and parts[5] == "activity":
            raise IntegrationUnavailable(resource, "activity")
        return await self.invoker.invoke(resource, task.parameters)

    async def _lambda_invoke(self, parameters: Any) -> Any:
        if not isinstance(parameters, dict) or not isinstance(parameters.get("FunctionName"), str):
            raise FunctionError(
                "The field 'FunctionName' is required by lambda:invoke", "States.Runtime"
            )
        payload = await self.invoker.invoke(parameters["FunctionName"], parameters.get("Payload"))
        return {
            "ExecutedVersion": "$LATEST",
            "Payload": payload,
            "SdkHttpMetadata": {"HttpStatusCode": 200},
            "SdkResponseMetadata": {},
            "StatusCode": 200,
        }


class IntegrationUnavailable(Exception):
    def __init__(self, resource: str, service: str) -> None:
        what = UNAVAILABLE.get(service, f"the '{service}' service")
        super().__init__(
            f"integration not available: {resource} needs {what}, which this paybus does not "
            "run yet"
        )
