"""`paybus tables ...`: look at and change application tables (balances, counters) by hand."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import orjson
import typer
from rich.console import Console
from rich.table import Table

from paybus.core.errors import ValidationError
from paybus.runtime.config import load_config
from paybus.store.store import Store, open_store

T = TypeVar("T")
app = typer.Typer(help="Application tables (DynamoDB-like items).", no_args_is_help=True)
console = Console()

ConfigOption = Annotated[Path | None, typer.Option("--config", "-c", help="Project file.")]
StoreOption = Annotated[str | None, typer.Option("--store", help="Store URL.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _with_store(
    config: Path | None, store_url: str | None, work: Callable[[Store], Awaitable[T]]
) -> T:
    settings = load_config(config, overrides={("store", "url"): store_url}).store_settings()

    async def main() -> T:
        store = await open_store(settings)
        try:
            return await work(store)
        finally:
            await store.close()

    return asyncio.run(main())


def _object(text: str, what: str) -> dict[str, Any]:
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError as error:
        raise ValidationError(f"{what} is not valid JSON: {error}") from None
    if not isinstance(value, dict):
        raise ValidationError(f"{what} must be a JSON object, got {text!r}")
    return value


def _print_json(value: Any) -> None:
    typer.echo(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode())


@app.command("create")
def create(
    name: str,
    partition_key: Annotated[str, typer.Option("--partition-key", help="Partition key attribute.")],
    sort_key: Annotated[str | None, typer.Option("--sort-key", help="Sort key attribute.")] = None,
    config: ConfigOption = None,
    store: StoreOption = None,
) -> None:
    """Create a table (a no-op if it exists with the same keys)."""
    created = _with_store(
        config, store, lambda s: s.tables.create_table(name, partition_key, sort_key)
    )
    typer.echo(f"table {name!r} {'created' if created else 'already exists'}")


@app.command("list")
def list_tables(
    config: ConfigOption = None, store: StoreOption = None, json: JsonOption = False
) -> None:
    """List tables and their key schemas."""
    infos = _with_store(config, store, lambda s: s.tables.list_tables())
    if json:
        _print_json(
            [
                {
                    "name": i.name,
                    "partition_key": i.key_schema.partition_key,
                    "sort_key": i.key_schema.sort_key,
                }
                for i in infos
            ]
        )
        return
    table = Table("name", "partition key", "sort key")
    for info in infos:
        table.add_row(info.name, info.key_schema.partition_key, info.key_schema.sort_key or "")
    console.print(table)


@app.command("get")
def get(
    name: str,
    key: Annotated[str, typer.Argument(help='The key as JSON, e.g. \'{"customer_id": "cus_1"}\'.')],
    config: ConfigOption = None,
    store: StoreOption = None,
) -> None:
    """Print one item as JSON; exit 1 if it does not exist."""
    item = _with_store(config, store, lambda s: s.tables.get_item(name, _object(key, "key")))
    if item is None:
        typer.echo(f"no item with key {key} in table {name!r}", err=True)
        raise typer.Exit(1)
    _print_json(item)


@app.command("put")
def put(
    name: str,
    item: Annotated[str, typer.Argument(help="The whole item as JSON, key attributes included.")],
    config: ConfigOption = None,
    store: StoreOption = None,
) -> None:
    """Write a whole item, replacing any item with the same key."""
    _print_json(
        _with_store(config, store, lambda s: s.tables.put_item(name, _object(item, "item")))
    )


@app.command("query")
def query(
    name: str,
    partition_value: Annotated[str, typer.Argument(help="Partition key value (JSON or a string).")],
    prefix: Annotated[str | None, typer.Option("--prefix", help="Sort keys starting with.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many items.")] = 100,
    config: ConfigOption = None,
    store: StoreOption = None,
) -> None:
    """Print the items of one partition, in sort-key order, as JSON."""
    try:
        value: Any = orjson.loads(partition_value)
    except orjson.JSONDecodeError:
        value = partition_value
    items = _with_store(
        config, store, lambda s: s.tables.query(name, value, sort_prefix=prefix, limit=limit)
    )
    _print_json(items)
