"""The AWS JSON protocol seam: dispatch by X-Amz-Target, errors in the shape botocore parses."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from paybus.api.app import create_app
from paybus.api.aws import AwsContext, AwsService
from paybus.api.aws.protocol import AwsServices
from paybus.core.errors import NotFound, StoreUnavailable
from paybus.runtime.services import Runtime
from paybus.store.store import Store

JSON_10 = {"content-type": "application/x-amz-json-1.0"}


async def echo(params: dict[str, Any], context: AwsContext) -> dict[str, Any]:
    return {"Echo": params, "Region": context.region, "Account": context.account_id}


async def missing(params: dict[str, Any], context: AwsContext) -> None:
    raise NotFound(f"queue {params.get('QueueUrl')!r} does not exist")


async def store_down(params: dict[str, Any], context: AwsContext) -> None:
    raise StoreUnavailable("database unavailable")


async def crash(params: dict[str, Any], context: AwsContext) -> None:
    raise RuntimeError("secret internals")


SERVICE = AwsService(
    "TestService",
    "com.amazonaws.test",
    {"Echo": echo, "Missing": missing, "StoreDown": store_down, "Crash": crash},
    query_error_codes={"ResourceNotFoundException": "AWS.Test.NonExistent"},
)


@pytest.fixture
async def client(store: Store) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(Runtime(store))
    app.state.aws_services = AwsServices([SERVICE], "eu-west-1", "123456789012")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://paybus") as http:
        yield http


async def call(
    client: httpx.AsyncClient, target: str, body: bytes, **headers: str
) -> httpx.Response:
    return await client.post(
        "/", content=body, headers={**JSON_10, "x-amz-target": target, **headers}
    )


async def test_dispatches_and_answers_in_the_request_content_type(
    client: httpx.AsyncClient,
) -> None:
    response = await call(
        client,
        "TestService.Echo",
        b'{"A": 1}',
        authorization="AWS4-HMAC-SHA256 Credential=AKID/20261122/us-west-2/test/aws4_request, ...",
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-amz-json-1.0"
    assert response.json() == {"Echo": {"A": 1}, "Region": "us-west-2", "Account": "123456789012"}


async def test_region_defaults_to_configuration(client: httpx.AsyncClient) -> None:
    assert (await call(client, "TestService.Echo", b"")).json()["Region"] == "eu-west-1"


async def test_paybus_errors_become_aws_errors(client: httpx.AsyncClient) -> None:
    response = await call(client, "TestService.Missing", b'{"QueueUrl": "q"}')
    assert response.status_code == 400
    assert response.json() == {
        "__type": "com.amazonaws.test#ResourceNotFoundException",
        "message": "queue 'q' does not exist",
    }
    assert response.headers["x-amzn-query-error"] == "AWS.Test.NonExistent;Sender"


async def test_store_trouble_is_a_5xx(client: httpx.AsyncClient) -> None:
    response = await call(client, "TestService.StoreDown", b"{}")
    assert response.status_code == 503
    assert response.json()["__type"].endswith("#ServiceUnavailable")


async def test_unexpected_failures_do_not_leak_internals(client: httpx.AsyncClient) -> None:
    response = await call(client, "TestService.Crash", b"{}")
    assert response.status_code == 500
    assert "secret" not in response.text
    assert response.json()["__type"].endswith("#InternalFailure")


@pytest.mark.parametrize(
    ("target", "body", "error", "message"),
    [
        ("", b"{}", "UnknownOperationException", "missing X-Amz-Target header"),
        ("Nope.Echo", b"{}", "UnknownOperationException", "unknown X-Amz-Target 'Nope.Echo'"),
        (
            "TestService.Nope",
            b"{}",
            "UnknownOperationException",
            "operation 'Nope' is not supported",
        ),
        ("TestService.Echo", b"{not json", "SerializationException", "not valid JSON"),
        ("TestService.Echo", b"[1]", "SerializationException", "must be a JSON object"),
    ],
)
async def test_bad_requests_are_named(
    client: httpx.AsyncClient, target: str, body: bytes, error: str, message: str
) -> None:
    response = await call(client, target, body)
    assert response.status_code == 400
    assert response.json()["__type"].endswith("#" + error)
    assert message in response.json()["message"]
