"""`GET /metrics`: every paybus metric in the Prometheus text format."""

from __future__ import annotations

import asyncio

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    disable_created_metrics,
    generate_latest,
)
from starlette.requests import Request
from starlette.responses import Response

# `_created` series double the output and no dashboard reads them
disable_created_metrics()  # type: ignore[no-untyped-call]


async def metrics_endpoint(request: Request) -> Response:
    body = await asyncio.to_thread(generate_latest, REGISTRY)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
