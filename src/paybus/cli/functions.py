"""`paybus functions ...`: the functions the project file declares, and invoking one by hand.

Functions are declared in paybus.toml (`[[functions]]`) and registered by each process that
runs them; `invoke` imports the handler (`module:callable`) in this process, exactly as
`paybus up` would, and commits its table writes when it returns.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.table import Table

from paybus.cli.local import (
    ConfigOption,
    JsonOption,
    StoreOption,
    declared_functions,
    local_config,
    print_json,
    with_functions,
)
from paybus.core.errors import FunctionError, ValidationError
from paybus.runtime.config import PaybusConfig
from paybus.runtime.functions import Functions

app = typer.Typer(help="Lambda-style functions declared in paybus.toml.", no_args_is_help=True)
console = Console()


@app.command("list")
def list_functions(
    config: ConfigOption = None, store: StoreOption = None, json: JsonOption = False
) -> None:
    """List the functions paybus.toml declares (handlers are not imported)."""
    declared = declared_functions(local_config(config, store))
    rows = [
        {
            "name": f.name,
            "handler": f.handler,
            "timeout": f.timeout,
            "reserved_concurrency": f.reserved_concurrency,
        }
        for f in declared.values()
    ]
    if json:
        print_json(rows)
        return
    if not rows:
        typer.echo("no functions declared (add [[functions]] to paybus.toml)")
        return
    table = Table("name", "handler", "timeout", "reserved concurrency")
    for f in declared.values():
        reserved = "" if f.reserved_concurrency is None else str(f.reserved_concurrency)
        table.add_row(f.name, f.handler, f"{f.timeout:g} s", reserved)
    console.print(table)


@app.command("invoke")
def invoke(
    name: str,
    payload: Annotated[
        str, typer.Option("--payload", help="The event as JSON; '-' reads standard input.")
    ] = "{}",
    asynchronous: Annotated[
        bool,
        typer.Option(
            "--async", help="Queue the invocation (Event); a running paybus up or worker runs it."
        ),
    ] = False,
    config: ConfigOption = None,
    store: StoreOption = None,
) -> None:
    """Invoke a function: print its result as JSON, or its error and exit 1."""
    text = sys.stdin.read() if payload == "-" else payload
    try:
        event = orjson.loads(text)
    except orjson.JSONDecodeError as error:
        raise ValidationError(f"--payload is not valid JSON: {error}") from None

    async def work(functions: Functions, _: PaybusConfig) -> Any:
        if asynchronous:
            return {"RequestId": await functions.invoke_async(name, event), "StatusCode": 202}
        try:
            return await functions.invoke(name, event)
        except FunctionError as error:
            return _Failed(error)

    result = with_functions(config, store, work, load=() if asynchronous else (name,))
    if isinstance(result, _Failed):
        print_json({"errorMessage": result.error.message, "errorType": result.error.error_type})
        raise typer.Exit(1)
    print_json(result)


class _Failed:
    """A handler's failure, carried out of the event loop to be printed."""

    def __init__(self, error: FunctionError) -> None:
        self.error = error
