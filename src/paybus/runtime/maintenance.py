"""Housekeeping services: removing what has outlived its retention."""

from __future__ import annotations

import logging
from collections.abc import Callable

from paybus.runtime.services import Service, periodic
from paybus.store.bus.receipts import purge_expired_receipts
from paybus.store.sql import Unit
from paybus.store.store import Store

log = logging.getLogger("paybus.maintenance")


def idempotency_sweeper(store: Store, every_seconds: float) -> Service:
    async def sweep() -> int:
        total = 0
        while True:
            removed = await store.tables.purge_expired_idempotency_keys(limit=1000)
            total += removed
            if removed < 1000:
                break
        if total:
            log.info(
                "expired idempotency keys removed",
                extra={"action": "maintenance.idempotency_swept", "count": total},
            )
        return total

    return periodic("idempotency-sweeper", every_seconds, sweep)


def receipt_sweeper(store: Store, every_seconds: float) -> Service:
    """Webhook event ids past their deduplication window are forgotten."""

    async def sweep() -> int:
        total = 0
        while True:
            removed = await store.write(_purge_receipts_now(store))
            total += removed
            if removed < 1000:
                break
        if total:
            log.info(
                "expired webhook receipts removed",
                extra={"action": "maintenance.receipts_swept", "count": total},
            )
        return total

    return periodic("webhook-receipt-sweeper", every_seconds, sweep)


def _purge_receipts_now(store: Store) -> Callable[[], Unit[int]]:
    now = store.now_ms()
    return lambda: purge_expired_receipts(now, 1000)
