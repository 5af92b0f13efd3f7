"""Receiving a webhook: refuse what is not authentic, publish what is, answer fast.

The answer is sent only after the event is durable on the partner bus (its publication is one
transaction with the deduplication receipt), and a redelivery of an event already received is
answered 200 without publishing it again. Nothing of a refused request is stored, and no
secret or payload reaches the logs.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson
from prometheus_client import Counter, Histogram

from paybus.core.errors import InvalidState, NotFound, WebhookRefused
from paybus.integrations.ingress.contract import Verifier
from paybus.integrations.ingress.envelope import partner_envelope
from paybus.integrations.ingress.providers.adyen import ACCEPTED
from paybus.integrations.ingress.registry import verifier_for
from paybus.runtime.bus import BusService
from paybus.runtime.config import WebhookSource
from paybus.runtime.ids import new_event_id

log = logging.getLogger("paybus.ingress")

RECEIVED = Counter(
    "paybus_webhooks_received_total",
    "Webhook deliveries by source and outcome (published, duplicate, or a refusal reason).",
    ["source", "outcome"],
)
LATENCY = Histogram(
    "paybus_webhook_seconds",
    "Time from a webhook's arrival to its answer, by source.",
    ["source"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0),
)


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: bytes
    media_type: str = "application/json"


@dataclass(frozen=True)
class _Source:
    config: WebhookSource
    verifier: Verifier
    secrets: list[str]
    #: the source's metric series, looked up once (labels() costs a lock and a dict per call)
    published: Counter
    duplicates: Counter
    latency: Histogram

    @classmethod
    def of(cls, config: WebhookSource) -> _Source:
        return cls(
            config,
            verifier_for(config.provider, **config.options),
            config.resolved_secrets(),
            RECEIVED.labels(config.name, "published"),
            RECEIVED.labels(config.name, "duplicate"),
            LATENCY.labels(config.name),
        )


class WebhookReceiver:
    def __init__(self, bus: BusService, sources: list[WebhookSource]) -> None:
        self.bus = bus
        self.sources = {s.name: _Source.of(s) for s in sources}

    async def receive(
        self, source_name: str, headers: Mapping[str, str], body: bytes, content_type: str
    ) -> Answer:
        started = time.perf_counter()
        source = self.sources.get(source_name)
        if source is None:
            unknown = WebhookRefused(
                "unknown_source", f"no webhook source named {source_name!r}", 404
            )
            return _refused(source_name, unknown)
        try:
            answer = await self._accept(source, headers, body, content_type)
        except WebhookRefused as refused:
            answer = _refused(source_name, refused)
        source.latency.observe(time.perf_counter() - started)
        return answer

    async def _accept(
        self, source: _Source, headers: Mapping[str, str], body: bytes, content_type: str
    ) -> Answer:
        config = source.config
        if len(body) > config.max_body_bytes:
            raise WebhookRefused(
                "body_too_large", f"body of {len(body)} bytes is over {config.max_body_bytes}", 413
            )
        if "json" not in content_type.lower():
            raise WebhookRefused(
                "unsupported_content_type", f"expected application/json, got {content_type!r}", 415
            )
        verified = source.verifier.verify(headers, body, source.secrets, self.bus.clock())
        now = datetime.fromtimestamp(self.bus.clock(), UTC)
        retention_ms = int(config.dedup_days * 86_400_000)
        events = [
            (
                partner_envelope(
                    v,
                    event_id=new_event_id(),
                    event_source=config.event_source,
                    account=self.bus.account,
                    region=self.bus.region,
                    received_at=now,
                ),
                (config.name, v.event_id, retention_ms),
            )
            for v in verified
        ]
        try:
            published = await self.bus.publish_events(config.event_source, events)
        except NotFound:
            # not associated yet: 503 makes the processor retry later, so nothing is lost
            raise WebhookRefused(
                "source_not_associated",
                f"event source {config.event_source} is not associated with an event bus",
                503,
            ) from None
        except InvalidState:
            # deactivated (or deleted by the partner): refused, and the processor retries later
            raise WebhookRefused(
                "source_not_active",
                f"event source {config.event_source} is deactivated",
                503,
            ) from None
        for event, fresh in zip(verified, published, strict=True):
            outcome = "published" if fresh else "duplicate"
            (source.published if fresh else source.duplicates).inc()
            if not log.isEnabledFor(logging.INFO):
                continue
            log.info(
                "webhook " + outcome,
                extra={
                    "action": f"ingress.{outcome}",
                    "source": config.name,
                    "event_id": event.event_id,
                    "event_type": event.event_type,
                },
            )
        if config.provider == "adyen":
            return Answer(200, ACCEPTED, "text/plain")
        duplicates = sum(1 for fresh in published if not fresh)
        return Answer(200, orjson.dumps({"received": True, "duplicates": duplicates}))


def _refused(source_name: str, refused: WebhookRefused) -> Answer:
    RECEIVED.labels(source_name, refused.reason).inc()
    log.warning(
        "webhook refused",
        extra={"action": "ingress.refused", "source": source_name, "reason": refused.reason},
    )
    body = orjson.dumps({"error": refused.reason, "message": refused.detail})
    return Answer(refused.status, body)
