"""Webhook receipts: a processor event id remembered for the deduplication window, then freed."""

from __future__ import annotations

from paybus.store.sql import Unit, execute, fetch_one


def purge_expired_receipts(now_ms: int, limit: int) -> Unit[int]:
    removed = yield from execute(
        "DELETE FROM webhook_receipts WHERE (source_name, event_id) IN ("
        "SELECT source_name, event_id FROM webhook_receipts WHERE expires_at <= :now "
        "LIMIT :limit)",
        now=now_ms,
        limit=limit,
    )
    return removed


def receipt_count(source_name: str) -> Unit[int]:
    row = yield from fetch_one(
        "SELECT count(*) FROM webhook_receipts WHERE source_name = :source", source=source_name
    )
    return int(row[0]) if row else 0
