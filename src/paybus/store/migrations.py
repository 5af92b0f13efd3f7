"""Versioned schema migrations: `NNNN_name.sql` files per engine, applied in order at start.

All pending migrations apply in one transaction; PostgreSQL starters take an advisory lock so
several workers starting together migrate once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

from paybus.core.errors import StoreError
from paybus.store.dialect import Dialect
from paybus.store.sql import Unit, execute, fetch_all, split_script

_FILE = re.compile(r"^(\d{4})_(\w+)\.sql$")

CREATE_LEDGER = """
CREATE TABLE IF NOT EXISTS paybus_schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at BIGINT NOT NULL
)"""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]


def load_migrations(engine: str) -> list[Migration]:
    package = resources.files(f"paybus.store.{_package(engine)}.migrations")
    found: list[Migration] = []
    for entry in package.iterdir():
        match = _FILE.match(entry.name)
        if match:
            statements = tuple(split_script(entry.read_text(encoding="utf-8")))
            found.append(Migration(int(match.group(1)), match.group(2), statements))
    found.sort(key=lambda m: m.version)
    return found


def canonical_schema(engine: str) -> list[str]:
    text = resources.files(f"paybus.store.{_package(engine)}").joinpath("schema.sql").read_text()
    return split_script(text)


def _package(engine: str) -> str:
    return "postgres" if engine == "postgresql" else engine


def migrate(dialect: Dialect, migrations: list[Migration], now_ms: int) -> Unit[list[int]]:
    """Apply every migration not yet applied; returns the versions applied now."""
    if dialect.migration_lock:
        yield from fetch_all(dialect.migration_lock)
    yield from execute(CREATE_LEDGER)
    rows: list[Any] = yield from fetch_all("SELECT version FROM paybus_schema_migrations")
    applied = {int(row[0]) for row in rows}
    known = {m.version for m in migrations}
    newer = sorted(applied - known)
    if newer:
        raise StoreError(
            f"the database has schema version {newer[-1]}, newer than this paybus knows "
            f"(up to {max(known, default=0)}): upgrade paybus"
        )
    done: list[int] = []
    for migration in migrations:
        if migration.version in applied:
            continue
        for statement in migration.statements:
            yield from execute(statement)
        yield from execute(
            "INSERT INTO paybus_schema_migrations (version, name, applied_at) "
            "VALUES (:version, :name, :now)",
            version=migration.version,
            name=migration.name,
            now=now_ms,
        )
        done.append(migration.version)
    return done
