"""Acceptance fixtures: one real `paybus up` per module and a boto3 SQS client pointed at it.

Each test makes its own queues (the `name` fixture), so tests share the server, not state.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from paybus_process import REGION, Server, client_for, paybus_up

boto3 = pytest.importorskip("boto3", reason="boto3 is in the dev extra: pip install -e '.[dev]'")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with paybus_up(tmp_path_factory.mktemp("paybus")) as running:
        yield running


@pytest.fixture(scope="module")
def sqs(server: Server) -> Any:
    return boto3.client(
        "sqs",
        endpoint_url=server.url,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


@pytest.fixture
def name() -> str:
    """A queue name no other test uses."""
    return f"q-{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="module")
def events(server: Server) -> Any:
    return client_for(server, "events")
