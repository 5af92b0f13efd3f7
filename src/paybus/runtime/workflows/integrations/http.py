"""`arn:aws:states:::http:invoke`: a real HTTP request with httpx, answered in AWS's shape.

`ApiEndpoint` and `Method` are required; `Headers`, `QueryParameters` and `RequestBody` as AWS
takes them (`Transform.RequestBodyEncoding: URL_ENCODED` sends a form). `Authentication` names
an EventBridge connection on AWS; paybus has none, so it is accepted and not used. A response
outside 2xx fails the task with `States.Http.StatusCode.<code>`, as AWS does.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import httpx
import orjson

from paybus.core.asl import InvokeTask
from paybus.core.errors import FunctionError
from paybus.runtime.workflows.integrations import TaskIntegration

METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD")
TIMEOUT_SECONDS = 60.0


def http_invoke(client: httpx.AsyncClient | None = None) -> TaskIntegration:
    async def integration(task: InvokeTask, execution_arn: str) -> Any:
        request = _request(task.parameters if isinstance(task.parameters, dict) else {})
        try:
            if client is not None:
                response = await client.send(request)
            else:
                async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS) as own:
                    response = await own.send(request)
        except httpx.HTTPError as error:
            raise FunctionError(
                f"The HTTP request to {request.url} failed: {error}", "States.Http.Socket"
            ) from None
        result = _result(response)
        if not 200 <= response.status_code < 300:
            raise FunctionError(
                orjson.dumps(result).decode(), f"States.Http.StatusCode.{response.status_code}"
            )
        return result

    return integration


def _request(parameters: dict[str, Any]) -> httpx.Request:
    endpoint, method = parameters.get("ApiEndpoint"), parameters.get("Method")
    if not isinstance(endpoint, str) or not endpoint.startswith(("http://", "https://")):
        raise FunctionError(
            "The field 'ApiEndpoint' of http:invoke must be an http(s) URL", "States.Runtime"
        )
    if not isinstance(method, str) or method.upper() not in METHODS:
        raise FunctionError(
            f"The field 'Method' of http:invoke must be one of {', '.join(METHODS)}",
            "States.Runtime",
        )
    headers = {str(k): str(v) for k, v in (parameters.get("Headers") or {}).items()}
    query = parameters.get("QueryParameters") or {}
    body = parameters.get("RequestBody")
    content: bytes | None = None
    transform = parameters.get("Transform") or {}
    if body is not None and transform.get("RequestBodyEncoding") == "URL_ENCODED":
        content = urlencode(body if isinstance(body, dict) else {}, doseq=True).encode()
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
    elif body is not None:
        content = body.encode() if isinstance(body, str) else orjson.dumps(body)
        headers.setdefault("Content-Type", "application/json")
    return httpx.Request(method.upper(), endpoint, params=query, headers=headers, content=content)


def _result(response: httpx.Response) -> dict[str, Any]:
    text = response.text
    body: Any = text
    if "json" in response.headers.get("content-type", ""):
        try:
            body = orjson.loads(text)
        except orjson.JSONDecodeError:
            body = text
    return {
        "Headers": {k: [v] for k, v in response.headers.items()},
        "ResponseBody": body,
        "StatusCode": response.status_code,
        "StatusText": response.reason_phrase,
    }
