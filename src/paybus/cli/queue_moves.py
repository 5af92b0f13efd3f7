"""Driving a message move task from the command line, with a progress bar.

The server's move-task runner advances running tasks too; the command moves the messages itself
so it finishes without a server, and the two share the work safely (each move is one unit).
"""

from __future__ import annotations

import asyncio

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from paybus.runtime.queues import QueueService
from paybus.store.queues.records import MoveTask

#: messages moved per unit when no rate is given
CHUNK = 500


async def drive_move(
    queues: QueueService, handle: str, rate: int | None, console: Console
) -> MoveTask:
    """Move the task's messages until it is no longer running; returns the finished task."""
    repository = queues.store.queues
    task = await repository.get_move_task(handle)
    columns = (TextColumn("moving"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        bar = progress.add_task("move", total=task.to_move)
        while task.status == "RUNNING":
            await repository.move_messages(handle, rate or CHUNK)
            task = await repository.get_move_task(handle)
            progress.update(bar, completed=task.moved)
            if rate is not None and task.status == "RUNNING":
                await asyncio.sleep(1)  # the rate is per second: pacing is the point
    return task
