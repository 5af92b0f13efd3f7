"""The AWS JSON 1.0/1.1 wire protocol: dispatch by `X-Amz-Target`, JSON in, JSON or errors out.

Requests are not authenticated (paybus is self-hosted behind your own network controls): any
SigV4 credentials are accepted. The region comes from the credential scope of the
`Authorization` header when present, otherwise from the configured default.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from paybus.core.errors import PaybusError

log = logging.getLogger("paybus.api")

_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([a-z0-9-]+)/")
MAX_REQUEST_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class AwsContext:
    """What an operation handler knows about the call besides its input."""

    region: str
    account_id: str
    operation: str
    request: Request


Operation = Callable[[dict[str, Any], AwsContext], Awaitable[Mapping[str, Any] | None]]


@dataclass(frozen=True)
class AwsService:
    #: the part of X-Amz-Target before the dot: "AmazonSQS", "AWSEvents", "AWSStepFunctions"
    target_prefix: str
    #: the part of `__type` before '#': "com.amazonaws.sqs"
    error_namespace: str
    operations: Mapping[str, Operation]
    #: AWS error name -> the legacy query code botocore reads from `x-amzn-query-error`
    query_error_codes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AwsErrorBody:
    status: int
    name: str
    message: str


class AwsServices:
    def __init__(self, services: list[AwsService], region: str, account_id: str) -> None:
        self.by_prefix = {service.target_prefix: service for service in services}
        self.region = region
        self.account_id = account_id


async def aws_json_endpoint(request: Request) -> Response:
    registry: AwsServices = request.app.state.aws_services
    target = request.headers.get("x-amz-target", "")
    content_type = request.headers.get("content-type", "application/x-amz-json-1.0")
    prefix, _, operation_name = target.partition(".")
    service = registry.by_prefix.get(prefix)
    if service is None:
        namespace = "com.amazonaws"
        return _error(
            namespace,
            None,
            content_type,
            AwsErrorBody(
                400,
                "UnknownOperationException",
                f"unknown X-Amz-Target {target!r}" if target else "missing X-Amz-Target header",
            ),
        )
    operation = service.operations.get(operation_name)
    if operation is None:
        return _error(
            service.error_namespace,
            service,
            content_type,
            AwsErrorBody(
                400, "UnknownOperationException", f"operation {operation_name!r} is not supported"
            ),
        )
    body = await request.body()
    if len(body) > MAX_REQUEST_BYTES:
        return _error(
            service.error_namespace,
            service,
            content_type,
            AwsErrorBody(
                413, "RequestEntityTooLarge", f"request body of {len(body)} bytes is too large"
            ),
        )
    try:
        params = orjson.loads(body) if body.strip() else {}
    except orjson.JSONDecodeError as error:
        return _error(
            service.error_namespace,
            service,
            content_type,
            AwsErrorBody(400, "SerializationException", f"request body is not valid JSON: {error}"),
        )
    if not isinstance(params, dict):
        return _error(
            service.error_namespace,
            service,
            content_type,
            AwsErrorBody(400, "SerializationException", "request body must be a JSON object"),
        )
    context = AwsContext(
        _region(request, registry.region), registry.account_id, operation_name, request
    )
    try:
        result = await operation(params, context)
    except PaybusError as error:
        return _error(service.error_namespace, service, content_type, _describe(error))
    except Exception:
        log.exception("operation failed", extra={"action": "api.internal_error", "target": target})
        return _error(
            service.error_namespace,
            service,
            content_type,
            AwsErrorBody(
                500,
                "InternalFailure",
                "the request failed for an unknown reason; see the server log",
            ),
        )
    return Response(orjson.dumps(result or {}), media_type=content_type)


def _region(request: Request, default: str) -> str:
    match = _SCOPE.search(request.headers.get("authorization", ""))
    return match.group(1) if match else default


def _describe(error: PaybusError) -> AwsErrorBody:
    return AwsErrorBody(error.http_status, error.aws_name, error.message)


def _error(
    namespace: str, service: AwsService | None, content_type: str, error: AwsErrorBody
) -> Response:
    headers = {"x-amzn-ErrorType": error.name}
    if service is not None and error.name in service.query_error_codes:
        party = "Receiver" if error.status >= 500 else "Sender"
        headers["x-amzn-query-error"] = f"{service.query_error_codes[error.name]};{party}"
    body = orjson.dumps({"__type": f"{namespace}#{error.name}", "message": error.message})
    return Response(body, status_code=error.status, media_type=content_type, headers=headers)
