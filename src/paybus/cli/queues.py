"""`paybus queues ...`: create, inspect, feed, drain and redrive SQS queues from the shell.

Every command works on the store directly (no server needed) with SQS's semantics: a `receive`
here is a real receive (it counts toward `maxReceiveCount`), and `move` is StartMessageMoveTask.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from paybus.cli.errors import fail
from paybus.cli.local import (
    ConfigOption,
    JsonOption,
    StoreOption,
    key_values,
    print_json,
    with_queues,
)
from paybus.cli.queue_moves import drive_move
from paybus.core.queues import QueueMessage
from paybus.runtime.queues import QueueService
from paybus.store.queues.records import MoveTask

app = typer.Typer(help="SQS queues: send, receive, inspect, redrive.", no_args_is_help=True)
console = Console()

AttributeOption = Annotated[
    list[str] | None,
    typer.Option("--attribute", "-a", help="Queue attribute KEY=VALUE (repeatable)."),
]


@app.command("create")
def create(
    name: str,
    attribute: AttributeOption = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", help="Tag KEY=VALUE.")] = None,
    config: ConfigOption = None,
    store: StoreOption = None,
) -> None:
    """Create a queue (names ending in .fifo are FIFO) and print its URL."""
    attributes = key_values(attribute or [], "--attribute")
    tags = key_values(tag or [], "--tag")
    url = with_queues(config, store, lambda q: q.create_queue(name, attributes, tags))
    typer.echo(url)


@app.command("list")
def list_queues(
    prefix: Annotated[str, typer.Option("--prefix", help="Names starting with.")] = "",
    config: ConfigOption = None,
    store: StoreOption = None,
    json: JsonOption = False,
) -> None:
    """List queues with their message counts and dead-letter queue."""
    rows = with_queues(config, store, lambda q: _summaries(q, prefix))
    if json:
        print_json(rows)
        return
    table = Table("name", "type", "available", "in flight", "delayed", "dead-letter queue")
    for row in rows:
        table.add_row(
            row["name"],
            row["type"],
            str(row["available"]),
            str(row["in_flight"]),
            str(row["delayed"]),
            row["dead_letter_queue"] or "",
        )
    console.print(table)


async def _summaries(queues: QueueService, prefix: str) -> list[dict[str, Any]]:
    out = []
    for record in await queues.store.queues.list_queues(prefix):
        counts = await queues.store.queues.counts(record.id)
        redrive = record.attributes.redrive_policy
        out.append(
            {
                "name": record.name,
                "url": queues.naming.url(record.name),
                "type": "fifo" if record.attributes.fifo_queue else "standard",
                "available": counts.visible,
                "in_flight": counts.in_flight,
                "delayed": counts.delayed,
                "dead_letter_queue": (
                    f"{redrive.dead_letter_queue} (after {redrive.max_receive_count} receives)"
                    if redrive
                    else None
                ),
            }
        )
    return out


@app.command("attributes")
def attributes(
    name: str,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Change an attribute: KEY=VALUE (repeatable)."),
    ] = None,
    config: ConfigOption = None,
    store: StoreOption = None,
    json: JsonOption = False,
) -> None:
    """Print every attribute of a queue, after applying any --set changes."""
    changes = key_values(set_ or [], "--set")

    async def work(queues: QueueService) -> dict[str, str]:
        if changes:
            await queues.set_queue_attributes(name, changes)
        return await queues.get_queue_attributes(name)

    values = with_queues(config, store, work)
    if json:
        print_json(values)
        return
    table = Table("attribute", "value")
    for key in sorted(values):
        table.add_row(key, values[key])
    console.print(table)


@app.command("send")
def send(
    name: str,
    body: Annotated[str, typer.Argument(help="The message body; '-' reads standard input.")],
    group_id: Annotated[str | None, typer.Option("--group-id", help="MessageGroupId.")] = None,
    deduplication_id: Annotated[
        str | None, typer.Option("--deduplication-id", help="MessageDeduplicationId.")
    ] = None,
    delay: Annotated[int | None, typer.Option("--delay", help="DelaySeconds (0-900).")] = None,
    attribute: Annotated[
        list[str] | None,
        typer.Option("--attribute", "-a", help="String message attribute NAME=VALUE."),
    ] = None,
    config: ConfigOption = None,
    store: StoreOption = None,
    json: JsonOption = False,
) -> None:
    """Send one message and print its id."""
    text = typer.get_text_stream("stdin").read() if body == "-" else body
    message_attributes = {
        key: {"DataType": "String", "StringValue": value}
        for key, value in key_values(attribute or [], "--attribute").items()
    }
    result = with_queues(
        config,
        store,
        lambda q: q.send_message(
            name,
            text,
            delay_seconds=delay,
            message_attributes=message_attributes,
            group_id=group_id,
            deduplication_id=deduplication_id,
        ),
    )
    if json:
        print_json(
            {
                "MessageId": result.message_id,
                "MD5OfMessageBody": result.md5_of_body,
                "SequenceNumber": result.sequence_number,
                "Duplicate": result.duplicate,
            }
        )
        return
    duplicate = " (duplicate: not enqueued again)" if result.duplicate else ""
    typer.echo(f"{result.message_id}{duplicate}")


@app.command("receive")
def receive(
    name: str,
    max_messages: Annotated[int, typer.Option("--max", help="At most this many (1-10).")] = 1,
    wait: Annotated[int, typer.Option("--wait", help="Long-poll seconds (0-20).")] = 0,
    visibility: Annotated[
        int | None, typer.Option("--visibility", help="Hide received messages this long.")
    ] = None,
    delete: Annotated[bool, typer.Option("--delete", help="Delete what was received.")] = False,
    config: ConfigOption = None,
    store: StoreOption = None,
    json: JsonOption = False,
) -> None:
    """Receive messages (a real receive: it counts toward the redrive policy)."""

    async def work(queues: QueueService) -> list[QueueMessage]:
        messages = await queues.receive_message(
            name, max_messages=max_messages, visibility_timeout=visibility, wait_time_seconds=wait
        )
        for message in messages if delete else []:
            await queues.delete_message(name, message.receipt_handle)
        return messages

    messages = with_queues(config, store, work)
    if json:
        print_json([_message_json(m) for m in messages])
        return
    if not messages:
        typer.echo("no messages")
        return
    table = Table("message id", "receives", "body")
    for message in messages:
        table.add_row(message.message_id, str(message.receive_count), message.body)
    console.print(table)


def _message_json(message: QueueMessage) -> dict[str, Any]:
    return {
        "MessageId": message.message_id,
        "ReceiptHandle": message.receipt_handle,
        "Body": message.body,
        "MD5OfBody": message.md5_of_body,
        "Attributes": message.system_attributes("paybus-cli"),
        "MessageAttributes": {k: v for k, v in message.attributes.items() if "StringValue" in v},
    }


@app.command("purge")
def purge(name: str, config: ConfigOption = None, store: StoreOption = None) -> None:
    """Delete every message in the queue (at most once a minute, as SQS)."""
    with_queues(config, store, lambda q: q.purge_queue(name))
    typer.echo(f"queue {name!r} purged")


@app.command("delete")
def delete(
    name: str,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    config: ConfigOption = None,
    store: StoreOption = None,
) -> None:
    """Delete a queue and every message in it."""
    if not yes:
        typer.confirm(f"Delete queue {name!r} and all its messages?", abort=True)
    with_queues(config, store, lambda q: q.delete_queue(name))
    typer.echo(f"queue {name!r} deleted")


@app.command("move")
def move(
    dead_letter_queue: Annotated[str, typer.Argument(help="The queue to move messages out of.")],
    to: Annotated[
        str | None,
        typer.Option("--to", help="Destination queue [default: each message's source queue]."),
    ] = None,
    rate: Annotated[
        int | None, typer.Option("--rate", help="Messages per second (1-500) [default: fast].")
    ] = None,
    config: ConfigOption = None,
    store: StoreOption = None,
) -> None:
    """Move messages out of a dead-letter queue (StartMessageMoveTask), showing progress."""

    async def work(queues: QueueService) -> MoveTask:
        handle = await queues.start_message_move_task(dead_letter_queue, to, rate)
        return await drive_move(queues, handle, rate, console)

    task = with_queues(config, store, work)
    target = repr(to) if to else "their source queues"
    summary = f"moved {task.moved} messages from {dead_letter_queue!r} to {target}"
    if task.status != "COMPLETED":
        fail(f"{summary}, then the move stopped ({task.status}): {task.failure_reason}")
    typer.echo(summary)
