"""Connections and API destinations (HTTP targets) as units of work."""

from __future__ import annotations

from typing import Any

import orjson

from paybus.core.errors import AlreadyExists, NotFound
from paybus.store.bus.records import ApiDestinationRecord, ConnectionRecord
from paybus.store.sql import Row, Unit, execute, fetch_all, fetch_one

_CONNECTION = (
    "name, authorization_type, auth_parameters, description, state, created_at, updated_at"
)
_DESTINATION = (
    "name, connection_name, endpoint, http_method, rate_limit_per_second, description, state, "
    "created_at, updated_at"
)


def _connection(row: Row) -> ConnectionRecord:
    return ConnectionRecord(
        row[0], row[1], orjson.loads(row[2]), row[3], row[4], int(row[5]), int(row[6])
    )


def _destination(row: Row) -> ApiDestinationRecord:
    rate = None if row[4] is None else int(row[4])
    return ApiDestinationRecord(
        row[0], row[1], row[2], row[3], rate, row[5], row[6], int(row[7]), int(row[8])
    )


# -- connections --------------------------------------------------------------------------------


def _connection_params(record: ConnectionRecord) -> dict[str, Any]:
    return {
        "name": record.name,
        "type": record.authorization_type,
        "params": orjson.dumps(record.auth_parameters).decode(),
        "description": record.description,
        "state": record.state,
    }


def _destination_params(record: ApiDestinationRecord) -> dict[str, Any]:
    return {
        "name": record.name,
        "connection": record.connection_name,
        "endpoint": record.endpoint,
        "method": record.http_method,
        "rate": record.rate_limit_per_second,
        "description": record.description,
    }


def create_connection(record: ConnectionRecord) -> Unit[ConnectionRecord]:
    created = yield from execute(
        f"INSERT INTO event_connections ({_CONNECTION}) VALUES (:name, :type, :params, "
        ":description, :state, :now, :now) ON CONFLICT (name) DO NOTHING",
        **_connection_params(record),
        now=record.created_at_ms,
    )
    if not created:
        raise AlreadyExists(f"Connection {record.name} already exists.")
    return record


def get_connection(name: str) -> Unit[ConnectionRecord]:
    row = yield from fetch_one(
        f"SELECT {_CONNECTION} FROM event_connections WHERE name = :n", n=name
    )
    if row is None:
        raise NotFound(f"Failed to describe the connection(s). Connection '{name}' does not exist.")
    return _connection(row)


def list_connections(prefix: str) -> Unit[list[ConnectionRecord]]:
    rows = yield from fetch_all(
        f"SELECT {_CONNECTION} FROM event_connections WHERE substr(name, 1, :n) = :prefix "
        "ORDER BY name",
        n=len(prefix),
        prefix=prefix,
    )
    return [_connection(r) for r in rows]


def update_connection(record: ConnectionRecord) -> Unit[ConnectionRecord]:
    yield from get_connection(record.name)
    yield from execute(
        "UPDATE event_connections SET authorization_type = :type, auth_parameters = :params, "
        "description = :description, state = :state, updated_at = :now WHERE name = :name",
        **_connection_params(record),
        now=record.updated_at_ms,
    )
    return (yield from get_connection(record.name))


def delete_connection(name: str) -> Unit[ConnectionRecord]:
    record = yield from get_connection(name)
    yield from execute("DELETE FROM event_connections WHERE name = :n", n=name)
    return record


# -- API destinations ---------------------------------------------------------------------------


def create_destination(record: ApiDestinationRecord) -> Unit[ApiDestinationRecord]:
    yield from get_connection(record.connection_name)
    created = yield from execute(
        f"INSERT INTO event_api_destinations ({_DESTINATION}) VALUES (:name, :connection, "
        ":endpoint, :method, :rate, :description, :state, :now, :now) "
        "ON CONFLICT (name) DO NOTHING",
        **_destination_params(record),
        state=record.state,
        now=record.created_at_ms,
    )
    if not created:
        raise AlreadyExists(f"An api-destination '{record.name}' already exists.")
    return record


def get_destination(name: str) -> Unit[ApiDestinationRecord]:
    row = yield from fetch_one(
        f"SELECT {_DESTINATION} FROM event_api_destinations WHERE name = :n", n=name
    )
    if row is None:
        raise NotFound(f"An api-destination '{name}' does not exist.")
    return _destination(row)


def list_destinations(prefix: str, connection: str | None) -> Unit[list[ApiDestinationRecord]]:
    wanted = " AND connection_name = :connection" if connection else ""
    rows = yield from fetch_all(
        f"SELECT {_DESTINATION} FROM event_api_destinations WHERE substr(name, 1, :n) = :prefix"
        f"{wanted} ORDER BY name",
        n=len(prefix),
        prefix=prefix,
        connection=connection,
    )
    return [_destination(r) for r in rows]


def update_destination(record: ApiDestinationRecord) -> Unit[ApiDestinationRecord]:
    yield from get_destination(record.name)
    yield from get_connection(record.connection_name)
    yield from execute(
        "UPDATE event_api_destinations SET connection_name = :connection, endpoint = :endpoint, "
        "http_method = :method, rate_limit_per_second = :rate, description = :description, "
        "updated_at = :now WHERE name = :name",
        **_destination_params(record),
        now=record.updated_at_ms,
    )
    return (yield from get_destination(record.name))


def delete_destination(name: str) -> Unit[None]:
    yield from get_destination(name)
    yield from execute("DELETE FROM event_api_destinations WHERE name = :n", n=name)


def destination_with_connection(name: str) -> Unit[tuple[ApiDestinationRecord, ConnectionRecord]]:
    destination = yield from get_destination(name)
    connection = yield from get_connection(destination.connection_name)
    return destination, connection
