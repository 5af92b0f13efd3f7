"""The delivery dispatcher: works off pending deliveries to targets outside the publishing
transaction (functions, state machines), with EventBridge's retry policy and dead-letter queues.

Retries back off exponentially with jitter until `MaximumRetryAttempts` (0-185, default 185) or
`MaximumEventAgeInSeconds` (60-86,400, default 86,400) is reached; errors no retry can fix (the
target is gone) skip the retries. Then the event goes to the target's DLQ, if it has one.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from paybus.core.events.arns import TargetRef, parse_target_arn
from paybus.core.events.deadletter import MAX_AGE, MAX_ATTEMPTS, Failure
from paybus.runtime.bus.planning import dead_letter_queue
from paybus.runtime.bus.service import BusService
from paybus.runtime.services import Service
from paybus.store.bus import deliveries
from paybus.store.bus.records import DeliveryRecord

log = logging.getLogger("paybus.bus")

DEFAULT_MAX_ATTEMPTS = 185
DEFAULT_MAX_AGE_SECONDS = 86_400
BASE_DELAY_SECONDS = 1.0
MAX_DELAY_SECONDS = 300.0


class DeliveryFailed(Exception):
    def __init__(self, failure: Failure) -> None:
        super().__init__(f"{failure.code}: {failure.message}")
        self.failure = failure


class TargetInvoker(Protocol):
    """Hands a payload to one kind of target; raises `DeliveryFailed` saying why not.

    `delivery` identifies the (event, rule, target) being delivered: an invoker that can make
    its call idempotent (a state machine's execution name) derives the key from it.
    """

    async def __call__(self, target: TargetRef, payload: str, delivery: DeliveryRecord) -> None: ...


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    max_age_seconds: int = DEFAULT_MAX_AGE_SECONDS

    @classmethod
    def of(cls, settings: Mapping[str, Any]) -> RetryPolicy:
        policy = settings.get("RetryPolicy") or {}
        return cls(
            int(policy.get("MaximumRetryAttempts", DEFAULT_MAX_ATTEMPTS)),
            int(policy.get("MaximumEventAgeInSeconds", DEFAULT_MAX_AGE_SECONDS)),
        )


def backoff_seconds(attempt: int, rng: random.Random) -> float:
    """Exponential backoff with "equal jitter": never zero, never above the cap."""
    ceiling = min(MAX_DELAY_SECONDS, BASE_DELAY_SECONDS * 2.0 ** max(attempt - 1, 0))
    return ceiling / 2 + rng.uniform(0, ceiling / 2)


class Dispatcher:
    def __init__(
        self,
        bus: BusService,
        invokers: Mapping[str, TargetInvoker],
        *,
        batch: int = 32,
        lease_seconds: float = 60.0,
        poll_seconds: float = 1.0,
        rng: random.Random | None = None,
    ) -> None:
        self.bus = bus
        self.store = bus.store
        self.invokers = dict(invokers)
        self.batch = batch
        self.lease_ms = int(lease_seconds * 1000)
        self.poll_seconds = poll_seconds
        self.rng = rng or random.Random()
        self.clock = bus.clock

    def service(self) -> Service:
        return Service("bus-dispatcher", self.run)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            worked = await self.dispatch_once()
            if worked:
                continue
            self.bus.deliveries_waiting.clear()
            waiting = asyncio.create_task(self.bus.deliveries_waiting.wait())
            stopping = asyncio.create_task(stop.wait())
            await asyncio.wait(
                [waiting, stopping], timeout=self.poll_seconds, return_when=asyncio.FIRST_COMPLETED
            )
            waiting.cancel()
            stopping.cancel()

    async def dispatch_once(self) -> int:
        """Claim and make every due delivery (up to a batch); returns how many were claimed."""
        now_ms = int(self.clock() * 1000)
        dialect = self.store.dialect
        claimed = await self.store.write(
            lambda: deliveries.claim_due(dialect, self.batch, self.lease_ms, now_ms)
        )
        await asyncio.gather(*(self._deliver(d) for d in claimed))
        return len(claimed)

    async def _deliver(self, delivery: DeliveryRecord) -> None:
        target = parse_target_arn(delivery.target_arn)
        invoker = self.invokers.get(target.kind)
        try:
            if invoker is None:
                raise DeliveryFailed(
                    Failure("NO_RESOURCE", f"no {target.kind} targets can be reached from here")
                )
            await invoker(target, delivery.payload, delivery)
        except DeliveryFailed as failed:
            await self._failed(delivery, failed.failure)
            return
        except Exception as error:  # a bug in an invoker must not stop the dispatcher
            log.exception(
                "delivery crashed",
                extra={"action": "bus.delivery_crashed", "delivery": delivery.id},
            )
            await self._failed(delivery, Failure("INTERNAL_ERROR", repr(error)))
            return
        now_ms = int(self.clock() * 1000)
        await self.store.write(lambda: deliveries.mark_delivered(delivery.id, now_ms))

    async def _failed(self, delivery: DeliveryRecord, failure: Failure) -> None:
        rules = await target_settings(self.bus, delivery)
        policy = RetryPolicy.of(rules)
        now_ms = int(self.clock() * 1000)
        age_s = (now_ms - delivery.created_at_ms) / 1000
        retries_made = delivery.attempts - 1
        if failure.permanent or retries_made >= policy.max_attempts:
            exhausted = MAX_ATTEMPTS
        else:
            delay = backoff_seconds(delivery.attempts, self.rng)
            if age_s + delay > policy.max_age_seconds:
                exhausted = MAX_AGE
            else:
                at = now_ms + int(delay * 1000)
                message = f"{failure.code}: {failure.message}"
                await self.store.write(lambda: deliveries.schedule_retry(delivery.id, at, message))
                return
        dlq = dead_letter_queue(rules)
        sent = await self.store.write(
            lambda: deliveries.mark_failed(
                delivery, failure, exhausted=exhausted, dead_letter_queue=dlq, now_ms=now_ms
            )
        )
        log.warning(
            "delivery failed for good",
            extra={
                "action": "bus.delivery_failed",
                "event_id": delivery.event_id,
                "rule": delivery.rule_name,
                "target": delivery.target_id,
                "error_code": failure.code,
                "exhausted": exhausted,
                "dead_lettered": sent,
            },
        )
        if sent and dlq is not None:
            self.bus.wake_queues({dlq})


async def target_settings(bus: BusService, delivery: DeliveryRecord) -> Mapping[str, Any]:
    """The delivery's target as PutTargets gave it now (retry policy, DLQ, HTTP parameters);
    empty if the rule or target is gone."""
    try:
        rules = await bus.rules_for(delivery.bus_name)
    except Exception:
        return {}
    for target in rules.targets.get(delivery.rule_name, []):
        if target.target_id == delivery.target_id:
            return target.settings
    return {}
