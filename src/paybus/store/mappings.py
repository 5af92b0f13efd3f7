"""Event-source mappings (queue -> function) as rows, so every worker sharing the store polls
the same mappings. The mapping's settings are validated above the store and kept as JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from paybus.core.errors import NotFound
from paybus.store.sql import Row, Unit, execute, fetch_all, fetch_one

_COLUMNS = "uuid, queue_name, function_name, config, enabled, created_at, updated_at"


@dataclass(frozen=True, slots=True)
class MappingRecord:
    uuid: str
    queue_name: str
    function_name: str
    config: dict[str, Any]
    enabled: bool
    created_at_ms: int
    updated_at_ms: int


def _record(row: Row) -> MappingRecord:
    return MappingRecord(
        row[0], row[1], row[2], orjson.loads(row[3]), bool(row[4]), int(row[5]), int(row[6])
    )


def _missing(uuid: str) -> NotFound:
    return NotFound(f"The resource you requested does not exist. (event source mapping {uuid})")


def create_mapping(
    uuid: str, queue: str, function: str, config: Mapping[str, Any], enabled: bool, now_ms: int
) -> Unit[MappingRecord]:
    yield from execute(
        f"INSERT INTO event_source_mappings ({_COLUMNS}) "
        "VALUES (:uuid, :queue, :function, :config, :enabled, :now, :now)",
        uuid=uuid,
        queue=queue,
        function=function,
        config=orjson.dumps(dict(config)).decode(),
        enabled=enabled,
        now=now_ms,
    )
    return MappingRecord(uuid, queue, function, dict(config), enabled, now_ms, now_ms)


def get_mapping(uuid: str) -> Unit[MappingRecord]:
    row = yield from fetch_one(
        f"SELECT {_COLUMNS} FROM event_source_mappings WHERE uuid = :uuid", uuid=uuid
    )
    if row is None:
        raise _missing(uuid)
    return _record(row)


def list_mappings() -> Unit[list[MappingRecord]]:
    rows = yield from fetch_all(
        f"SELECT {_COLUMNS} FROM event_source_mappings ORDER BY created_at, uuid"
    )
    return [_record(row) for row in rows]


def update_mapping(
    uuid: str, config: Mapping[str, Any] | None, enabled: bool | None, now_ms: int
) -> Unit[MappingRecord]:
    current = yield from get_mapping(uuid)
    merged = current.config if config is None else {**current.config, **config}
    state = current.enabled if enabled is None else enabled
    yield from execute(
        "UPDATE event_source_mappings SET config = :config, enabled = :enabled, "
        "updated_at = :now WHERE uuid = :uuid",
        config=orjson.dumps(merged).decode(),
        enabled=state,
        now=now_ms,
        uuid=uuid,
    )
    return MappingRecord(
        uuid,
        current.queue_name,
        current.function_name,
        merged,
        state,
        current.created_at_ms,
        now_ms,
    )


def delete_mapping(uuid: str) -> Unit[MappingRecord]:
    current = yield from get_mapping(uuid)
    yield from execute("DELETE FROM event_source_mappings WHERE uuid = :uuid", uuid=uuid)
    return current
