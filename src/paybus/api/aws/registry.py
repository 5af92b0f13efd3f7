"""Which AWS services the API speaks: one builder per service, each given the runtime."""

from __future__ import annotations

from collections.abc import Callable

from paybus.api import events, sqs, stepfunctions
from paybus.api.aws.protocol import AwsService
from paybus.runtime.services import Runtime

#: add a service by appending its builder here (api/<service>.py defines `build(runtime)`)
BUILDERS: list[Callable[[Runtime], AwsService]] = [sqs.build, stepfunctions.build, events.build]


def services_for(runtime: Runtime) -> list[AwsService]:
    return [build(runtime) for build in BUILDERS]
