"""Commands that work on the store directly, so they run with or without a `paybus up`.

Queue URLs and ARNs are named from the same configuration the server reads, so what a command
prints is what boto3 would get from the server.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Annotated, Any, TypeVar

import orjson
import typer

from paybus.core.errors import ValidationError
from paybus.core.queues.naming import QueueNaming
from paybus.runtime.assembly import public_base_url
from paybus.runtime.config import PaybusConfig, load_config
from paybus.runtime.queues import QueueService
from paybus.store.store import Store, open_store

T = TypeVar("T")

ConfigOption = Annotated[Path | None, typer.Option("--config", "-c", help="Project file.")]
StoreOption = Annotated[str | None, typer.Option("--store", help="Store URL.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def local_config(config: Path | None, store_url: str | None) -> PaybusConfig:
    return load_config(config, overrides={("store", "url"): store_url})


def queue_service(config: PaybusConfig, store: Store) -> QueueService:
    aws, server = config.aws, config.server
    naming = QueueNaming(aws.region, aws.account_id, public_base_url(server.host, server.port))
    return QueueService(store, naming, poll_interval=config.queue_settings.poll_seconds)


def with_queues(
    config: Path | None, store_url: str | None, work: Callable[[QueueService], Awaitable[T]]
) -> T:
    """Open the configured store, run `work` on a queue service over it, close the store."""
    loaded = local_config(config, store_url)

    async def main() -> T:
        store = await open_store(loaded.store_settings())
        try:
            return await work(queue_service(loaded, store))
        finally:
            await store.close()

    return asyncio.run(main())


def key_values(pairs: Sequence[str], what: str) -> dict[str, str]:
    """`KEY=VALUE` options as a mapping; an item without '=' names itself in the error."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValidationError(f"{what} {pair!r} must be written KEY=VALUE")
        out[key] = value
    return out


def print_json(value: Any) -> None:
    typer.echo(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode())
