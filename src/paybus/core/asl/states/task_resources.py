"""How a Task's `Resource` ARN reads: integration pattern and the history events it produces."""

from __future__ import annotations

from dataclasses import dataclass

CALLBACK_SUFFIX = ".waitForTaskToken"


@dataclass(frozen=True)
class ResourceInfo:
    arn: str
    family: str  # "Task" (service integration), "LambdaFunction" (legacy ARN) or "Activity"
    resource_type: str
    resource: str
    region: str

    @property
    def callback(self) -> bool:
        return self.arn.endswith(CALLBACK_SUFFIX)

    @property
    def needs_token(self) -> bool:
        return self.callback or self.family == "Activity"


def describe_resource(arn: str) -> ResourceInfo:
    parts = arn.split(":")
    region = parts[3] if len(parts) > 3 else ""
    if len(parts) >= 7 and parts[2] == "lambda" and parts[5] == "function":
        return ResourceInfo(arn, "LambdaFunction", "lambda", arn, region)
    if len(parts) >= 7 and parts[2] == "states" and parts[5] == "activity":
        return ResourceInfo(arn, "Activity", "activity", arn, region)
    if len(parts) >= 7 and parts[2] == "states":
        service = parts[5]
        api = ":".join(parts[6:])
        return ResourceInfo(arn, "Task", service, api, region)
    return ResourceInfo(arn, "LambdaFunction", "lambda", arn, region)
