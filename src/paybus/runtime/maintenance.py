"""Housekeeping services: removing what has outlived its retention, in bounded batches."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from paybus.runtime.services import Service, periodic
from paybus.store.bus.receipts import purge_expired_receipts
from paybus.store.store import Store

log = logging.getLogger("paybus.maintenance")
SWEEP_BATCH = 1000

#: removes at most `limit` expired rows and says how many it removed
Purge = Callable[[int], Awaitable[int]]


def sweeper(name: str, action: str, every_seconds: float, purge: Purge) -> Service:
    """A periodic service that purges in batches until a batch comes back short.

    Batches keep each transaction small, so a sweep never holds the writer for long.
    """

    async def sweep() -> int:
        total = 0
        while True:
            removed = await purge(SWEEP_BATCH)
            total += removed
            if removed < SWEEP_BATCH:
                break
        if total:
            log.info("expired rows removed", extra={"action": action, "count": total})
        return total

    return periodic(name, every_seconds, sweep)


def idempotency_sweeper(store: Store, every_seconds: float) -> Service:
    return sweeper(
        "idempotency-sweeper",
        "maintenance.idempotency_swept",
        every_seconds,
        lambda limit: store.tables.purge_expired_idempotency_keys(limit=limit),
    )


def receipt_sweeper(store: Store, every_seconds: float) -> Service:
    """Webhook event ids past their deduplication window are forgotten."""

    async def purge(limit: int) -> int:
        now = store.now_ms()
        return await store.write(lambda: purge_expired_receipts(now, limit))

    return sweeper("webhook-receipt-sweeper", "maintenance.receipts_swept", every_seconds, purge)
