"""`paybus connections ...` and `paybus api-destinations ...`: HTTP endpoints as rule targets.

A connection holds the authorization (secrets stay in the store and are never printed); an API
destination is an endpoint, a method and an invocation rate limit, used as a target by its ARN.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from paybus.cli.bus import console, json_argument, with_bus
from paybus.cli.local import ConfigOption, JsonOption, StoreOption, print_json
from paybus.core.errors import ValidationError
from paybus.runtime.bus.destinations import public_auth
from paybus.runtime.bus.parts import BusParts
from paybus.store.bus.records import ApiDestinationRecord, ConnectionRecord

connections_app = typer.Typer(
    help="Connections: authorization for HTTP targets.", no_args_is_help=True
)
destinations_app = typer.Typer(
    help="API destinations: HTTP endpoints as rule targets.", no_args_is_help=True
)


def _connection(parts: BusParts, record: ConnectionRecord) -> dict[str, Any]:
    return {
        "name": record.name,
        "arn": parts.destinations.connection_arn(record),
        "authorization_type": record.authorization_type,
        "auth_parameters": public_auth(record.authorization_type, record.auth_parameters),
        "state": record.state,
        "description": record.description,
    }


def _destination(parts: BusParts, record: ApiDestinationRecord) -> dict[str, Any]:
    return {
        "name": record.name,
        "arn": parts.destinations.destination_arn(record),
        "connection": record.connection_name,
        "endpoint": record.endpoint,
        "method": record.http_method,
        "rate_limit_per_second": record.rate_limit_per_second,
        "state": record.state,
        "description": record.description,
    }


def _auth_parameters(
    basic: str | None, api_key: str | None, auth_json: str | None
) -> tuple[str, dict[str, Any]]:
    given = [x for x in (basic, api_key, auth_json) if x is not None]
    if len(given) != 1:
        raise ValidationError("give exactly one of --basic, --api-key or --auth")
    if basic is not None:
        user, _, password = basic.partition(":")
        return "BASIC", {"BasicAuthParameters": {"Username": user, "Password": password}}
    if api_key is not None:
        name, sep, value = api_key.partition("=")
        if not sep:
            raise ValidationError("--api-key must be written HEADER=VALUE")
        return "API_KEY", {"ApiKeyAuthParameters": {"ApiKeyName": name, "ApiKeyValue": value}}
    spec = json_argument(auth_json or "", "--auth")
    if not isinstance(spec, dict) or "AuthorizationType" not in spec:
        raise ValidationError('--auth is {"AuthorizationType": ..., "AuthParameters": {...}}')
    return str(spec["AuthorizationType"]), dict(spec.get("AuthParameters") or {})


@connections_app.command("create")
def create_connection(
    name: str,
    basic: Annotated[str | None, typer.Option("--basic", help="USER:PASSWORD")] = None,
    api_key: Annotated[str | None, typer.Option("--api-key", help="HEADER=VALUE")] = None,
    auth: Annotated[
        str | None,
        typer.Option("--auth", help='JSON: {"AuthorizationType": ..., "AuthParameters": ...}'),
    ] = None,
    description: Annotated[str | None, typer.Option(help="What it is for.")] = None,
    config: ConfigOption = None,
    store: StoreOption = None,
) -> None:
    """Create a connection; prints its ARN."""
    kind, parameters = _auth_parameters(basic, api_key, auth)

    async def work(parts: BusParts) -> str:
        record = await parts.destinations.create_connection(name, kind, parameters, description)
        return parts.destinations.connection_arn(record)

    typer.echo(with_bus(config, store, work))


@connections_app.command("list")
def list_connections(
    config: ConfigOption = None, store: StoreOption = None, json: JsonOption = False
) -> None:
    """List connections (no secrets)."""

    async def work(parts: BusParts) -> list[dict[str, Any]]:
        return [_connection(parts, c) for c in await parts.destinations.list_connections()]

    rows = with_bus(config, store, work)
    if json:
        print_json(rows)
        return
    table = Table("name", "authorization", "state")
    for row in rows:
        table.add_row(row["name"], row["authorization_type"], row["state"])
    console.print(table)


@connections_app.command("describe")
def describe_connection(name: str, config: ConfigOption = None, store: StoreOption = None) -> None:
    """Print a connection as JSON (no secrets)."""

    async def work(parts: BusParts) -> dict[str, Any]:
        return _connection(parts, await parts.destinations.describe_connection(name))

    print_json(with_bus(config, store, work))


@connections_app.command("delete")
def delete_connection(name: str, config: ConfigOption = None, store: StoreOption = None) -> None:
    """Delete a connection."""
    with_bus(config, store, lambda p: p.destinations.delete_connection(name))
    typer.echo(f"connection {name!r} deleted")


@destinations_app.command("create")
def create_destination(
    name: str,
    connection: Annotated[str, typer.Option("--connection", help="Connection name or ARN.")],
    endpoint: Annotated[str, typer.Option("--endpoint", help="URL; '*' takes path values.")],
    method: Annotated[str, typer.Option("--method", help="HTTP method.")] = "POST",
    rate: Annotated[
        int | None, typer.Option("--rate", help="Invocations per second, 1-300.")
    ] = None,
    description: Annotated[str | None, typer.Option(help="What it is for.")] = None,
    config: ConfigOption = None,
    store: StoreOption = None,
) -> None:
    """Create an API destination; prints the ARN to use as a target."""

    async def work(parts: BusParts) -> str:
        record = await parts.destinations.create_destination(
            name, connection, endpoint, method.upper(), rate, description
        )
        return parts.destinations.destination_arn(record)

    typer.echo(with_bus(config, store, work))


@destinations_app.command("list")
def list_destinations(
    config: ConfigOption = None, store: StoreOption = None, json: JsonOption = False
) -> None:
    """List API destinations."""

    async def work(parts: BusParts) -> list[dict[str, Any]]:
        return [_destination(parts, d) for d in await parts.destinations.list_destinations()]

    rows = with_bus(config, store, work)
    if json:
        print_json(rows)
        return
    table = Table("name", "method", "endpoint", "connection", "rate/s")
    for row in rows:
        rate = row["rate_limit_per_second"]
        table.add_row(
            row["name"], row["method"], row["endpoint"], row["connection"], str(rate or 300)
        )
    console.print(table)


@destinations_app.command("describe")
def describe_destination(name: str, config: ConfigOption = None, store: StoreOption = None) -> None:
    """Print an API destination as JSON."""

    async def work(parts: BusParts) -> dict[str, Any]:
        return _destination(parts, await parts.destinations.describe_destination(name))

    print_json(with_bus(config, store, work))


@destinations_app.command("delete")
def delete_destination(name: str, config: ConfigOption = None, store: StoreOption = None) -> None:
    """Delete an API destination."""
    with_bus(config, store, lambda p: p.destinations.delete_destination(name))
    typer.echo(f"API destination {name!r} deleted")
