"""Housekeeping services: removing what has outlived its retention."""

from __future__ import annotations

import logging

from paybus.runtime.services import Service, periodic
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
