"""`paybus mappings ...`: event-source mappings (queue -> function), kept in the store.

A running `paybus up` or `paybus worker` picks up changes within seconds. The function must be
declared in paybus.toml; its handler is not imported here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from paybus.cli.local import ConfigOption, JsonOption, StoreOption, print_json, with_functions
from paybus.runtime.config import PaybusConfig
from paybus.runtime.functions import EventSourceMappings, Functions

T = TypeVar("T")
app = typer.Typer(help="Event-source mappings: queue -> function.", no_args_is_help=True)
console = Console()


def _on_mappings(
    config: Path | None,
    store: str | None,
    call: Callable[[EventSourceMappings], Awaitable[T]],
) -> T:
    async def work(functions: Functions, _: PaybusConfig) -> T:
        return await call(EventSourceMappings(functions))

    return with_functions(config, store, work)


@app.command("list")
def list_mappings(
    config: ConfigOption = None, store: StoreOption = None, json: JsonOption = False
) -> None:
    """List mappings with their state and batching settings."""
    mappings = _on_mappings(config, store, lambda m: m.list())
    if json:
        print_json(mappings)
        return
    table = Table("queue", "function", "state", "batch size", "window")
    table.add_column("uuid", no_wrap=True)  # whole, to copy into enable/disable/delete
    for m in mappings:
        table.add_row(
            m["EventSourceArn"].rsplit(":", 1)[-1],
            m["FunctionArn"].rsplit(":", 1)[-1],
            m["State"],
            str(m.get("BatchSize", "")),
            f"{m.get('MaximumBatchingWindowInSeconds', 0)} s",
            m["UUID"],
        )
    console.print(table)


@app.command("create")
def create(
    queue: Annotated[str, typer.Option("--queue", help="Source queue (name, URL or ARN).")],
    function: Annotated[str, typer.Option("--function", help="Function name.")],
    batch_size: Annotated[int, typer.Option("--batch-size", help="BatchSize.")] = 10,
    window: Annotated[
        int, typer.Option("--window", help="MaximumBatchingWindowInSeconds (0-300).")
    ] = 0,
    max_concurrency: Annotated[
        int | None, typer.Option("--max-concurrency", help="ScalingConfig.MaximumConcurrency.")
    ] = None,
    report_batch_item_failures: Annotated[
        bool,
        typer.Option("--report-batch-item-failures", help="Enable partial batch responses."),
    ] = False,
    filter_: Annotated[
        list[str] | None,
        typer.Option("--filter", help="Event pattern on the message body (repeatable)."),
    ] = None,
    disabled: Annotated[bool, typer.Option("--disabled", help="Create it disabled.")] = False,
    config: ConfigOption = None,
    store: StoreOption = None,
) -> None:
    """Create a mapping and print it as JSON."""
    settings: dict[str, Any] = {
        "BatchSize": batch_size,
        "MaximumBatchingWindowInSeconds": window,
        "FunctionResponseTypes": ["ReportBatchItemFailures"] if report_batch_item_failures else [],
        "FilterCriteria": {"Filters": [{"Pattern": p} for p in filter_ or []]},
    }
    if max_concurrency is not None:
        settings["ScalingConfig"] = {"MaximumConcurrency": max_concurrency}
    print_json(
        _on_mappings(
            config, store, lambda m: m.create(queue, function, settings, enabled=not disabled)
        )
    )


@app.command("enable")
def enable(uuid: str, config: ConfigOption = None, store: StoreOption = None) -> None:
    """Resume polling for a mapping."""
    _on_mappings(config, store, lambda m: m.update(uuid, enabled=True))
    typer.echo(f"mapping {uuid} enabled")


@app.command("disable")
def disable(uuid: str, config: ConfigOption = None, store: StoreOption = None) -> None:
    """Pause polling for a mapping (messages stay in the queue)."""
    _on_mappings(config, store, lambda m: m.update(uuid, enabled=False))
    typer.echo(f"mapping {uuid} disabled")


@app.command("delete")
def delete(uuid: str, config: ConfigOption = None, store: StoreOption = None) -> None:
    """Delete a mapping (its queue and messages stay)."""
    _on_mappings(config, store, lambda m: m.delete(uuid))
    typer.echo(f"mapping {uuid} deleted")
