"""Commands that work on the store directly, so they run with or without a `paybus up`.

Queue URLs and ARNs are named from the same configuration the server reads, so what a command
prints is what boto3 would get from the server.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Annotated, Any, TypeVar

import orjson
import typer

from paybus.core.errors import ConfigError, ValidationError
from paybus.core.queues.naming import QueueNaming
from paybus.runtime.assembly import public_base_url
from paybus.runtime.config import PaybusConfig, load_config
from paybus.runtime.functions import FunctionConfig, Functions
from paybus.runtime.functions.definitions import Handler
from paybus.runtime.queues import QueueService
from paybus.store.store import Store, open_store

T = TypeVar("T")

ConfigOption = Annotated[Path | None, typer.Option("--config", "-c", help="Project file.")]
StoreOption = Annotated[str | None, typer.Option("--store", help="Store URL.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def local_config(config: Path | None, store_url: str | None) -> PaybusConfig:
    put_project_on_path(config)
    return load_config(config, overrides={("store", "url"): store_url})


def put_project_on_path(config: Path | None) -> None:
    """Handlers (`module:callable`) are found next to the project file, as Lambda finds them
    in its task root; a console script's own `sys.path` does not include that directory."""
    directory = str((config.parent if config is not None else Path()).resolve())
    if directory not in sys.path:
        sys.path.insert(0, directory)


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


def declared_functions(config: PaybusConfig) -> dict[str, FunctionConfig]:
    """The `[[functions]]` of the project file, by name (handlers not imported)."""
    return {d.name: FunctionConfig(**d.model_dump()) for d in config.functions}


def with_functions(
    config: Path | None,
    store_url: str | None,
    work: Callable[[Functions, PaybusConfig], Awaitable[T]],
    *,
    load: Sequence[str] = (),
) -> T:
    """Run `work` on the project's functions over the store. Only the functions named in `load`
    have their handler imported; the others are known by name (enough to map a queue to one)."""
    loaded = local_config(config, store_url)
    declared = declared_functions(loaded)

    async def main() -> T:
        store = await open_store(loaded.store_settings())
        functions = Functions(queue_service(loaded, store))
        try:
            for name, function in declared.items():
                functions.register(function, None if name in load else _not_loaded(name))
            return await work(functions, loaded)
        finally:
            functions.close()
            await store.close()

    return asyncio.run(main())


def _not_loaded(name: str) -> Handler:
    def handler(event: Any, context: Any) -> Any:
        raise ConfigError(f"function {name!r} was not loaded by this command")

    return handler
