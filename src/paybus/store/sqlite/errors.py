"""sqlite3 exceptions become paybus errors here and go no further."""

from __future__ import annotations

import sqlite3

from paybus.core.errors import StoreError, StoreIntegrityError, StoreUnavailable


def translate(error: sqlite3.Error) -> StoreError:
    if isinstance(error, sqlite3.IntegrityError):
        return StoreIntegrityError(f"SQLite constraint violated: {error}")
    message = str(error)
    if isinstance(error, sqlite3.OperationalError) and (
        "locked" in message or "busy" in message or "unable to open" in message
    ):
        return StoreUnavailable(f"SQLite database unavailable: {message}")
    return StoreError(f"SQLite error: {message}")
