"""`POST /webhooks/<source>`: the raw body goes to the receiver untouched (verification is on
the exact bytes), and its answer goes back as is."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from paybus.integrations.ingress.receiver import WebhookReceiver


async def webhook_endpoint(request: Request) -> Response:
    receiver: WebhookReceiver | None = request.app.state.webhooks
    source = request.path_params["source"]
    if receiver is None:
        return Response(b'{"error":"unknown_source"}', 404, media_type="application/json")
    body = await request.body()
    answer = await receiver.receive(
        source, request.headers, body, request.headers.get("content-type", "")
    )
    return Response(answer.body, answer.status, media_type=answer.media_type)
