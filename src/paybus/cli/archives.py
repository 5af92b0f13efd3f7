"""`paybus archives ...` and `paybus replays ...`: keep a bus's events, and send a window of
them again, with a progress bar while a replay runs.

`replays start` drives the replay itself (one bucket per transaction, shared safely with a
running server's replay runner), so it also works without `paybus up`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import orjson
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from paybus.cli.bus import BusOption, console, with_bus
from paybus.cli.events_patterns import pattern_input, read_argument
from paybus.cli.local import ConfigOption, JsonOption, StoreOption, print_json
from paybus.core.errors import ValidationError
from paybus.runtime.bus.parts import BusParts
from paybus.store.bus.records import ArchiveRecord, ReplayRecord

archives_app = typer.Typer(help="Event archives (CreateArchive and friends).", no_args_is_help=True)
replays_app = typer.Typer(help="Replays of archived events.", no_args_is_help=True)


def _iso(ms: int | None) -> str | None:
    return None if ms is None else datetime.fromtimestamp(ms / 1000, UTC).isoformat()


def parse_time(text: str, option: str) -> datetime:
    if text == "now":
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(f"{option} {text!r} is not an ISO-8601 time or 'now'") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def archive_row(parts: BusParts, archive: ArchiveRecord) -> dict[str, Any]:
    return {
        "name": archive.name,
        "arn": parts.archives.arn(archive.name),
        "bus": archive.bus_name,
        "state": archive.state,
        "pattern": archive.event_pattern,
        "description": archive.description,
        "retention_days": archive.retention_days,
        "event_count": archive.event_count,
        "size_bytes": archive.size_bytes,
        "created": _iso(archive.created_at_ms),
    }


def replay_row(parts: BusParts, replay: ReplayRecord) -> dict[str, Any]:
    return {
        "name": replay.name,
        "arn": parts.replays.arn(replay.name),
        "archive": replay.archive_name,
        "bus": replay.bus_name,
        "rules": replay.rule_filter,
        "state": replay.state,
        "state_reason": replay.state_reason,
        "event_start_time": _iso(replay.start_time_ms),
        "event_end_time": _iso(replay.end_time_ms),
        "event_last_replayed_time": _iso(replay.last_replayed_time_ms),
        "replayed": replay.replayed,
        "total": replay.total,
        "replay_start_time": _iso(replay.started_at_ms),
        "replay_end_time": _iso(replay.finished_at_ms),
    }


# -- archives -----------------------------------------------------------------------------------


@archives_app.command("create")
def create_archive(
    name: str,
    bus: BusOption = "default",
    pattern: Annotated[
        str | None, typer.Option("--pattern", "-p", help="Keep only matching events.")
    ] = None,
    retention_days: Annotated[
        int, typer.Option("--retention-days", help="Days to keep events; 0 keeps them forever.")
    ] = 0,
    description: Annotated[str | None, typer.Option(help="What the archive is for.")] = None,
    config: ConfigOption = None,
    store: StoreOption = None,
) -> None:
    """Archive a bus's events from now on; prints the archive's ARN."""
    text = None
    if pattern is not None:
        given = pattern_input(read_argument("--pattern", pattern))
        text = given if isinstance(given, str) else orjson.dumps(given).decode()

    async def work(parts: BusParts) -> str:
        source = parts.admin.bus_arn(bus)
        archive = await parts.archives.create(
            name, source, event_pattern=text, description=description, retention_days=retention_days
        )
        return parts.archives.arn(archive.name)

    typer.echo(with_bus(config, store, work))


@archives_app.command("list")
def list_archives(
    bus: Annotated[str | None, typer.Option("--bus", "-b", help="Only this bus's.")] = None,
    prefix: Annotated[str, typer.Option("--prefix", help="Names starting with.")] = "",
    config: ConfigOption = None,
    store: StoreOption = None,
    json: JsonOption = False,
) -> None:
    """List archives with their event counts and retention."""

    async def work(parts: BusParts) -> list[dict[str, Any]]:
        source = None if bus is None else parts.admin.bus_arn(bus)
        return [archive_row(parts, a) for a in await parts.archives.list(prefix, source)]

    rows = with_bus(config, store, work)
    if json:
        print_json(rows)
        return
    table = Table("name", "bus", "state", "events", "bytes", "retention")
    for row in rows:
        days = row["retention_days"]
        table.add_row(
            row["name"],
            row["bus"],
            row["state"],
            str(row["event_count"]),
            str(row["size_bytes"]),
            f"{days} days" if days else "forever",
        )
    console.print(table)


@archives_app.command("describe")
def describe_archive(name: str, config: ConfigOption = None, store: StoreOption = None) -> None:
    """Print an archive (DescribeArchive) as JSON."""

    async def work(parts: BusParts) -> dict[str, Any]:
        return archive_row(parts, await parts.archives.describe(name))

    print_json(with_bus(config, store, work))


@archives_app.command("delete")
def delete_archive(name: str, config: ConfigOption = None, store: StoreOption = None) -> None:
    """Delete an archive and the events it kept."""
    with_bus(config, store, lambda p: p.archives.delete(name))
    typer.echo(f"archive {name!r} deleted")


# -- replays ------------------------------------------------------------------------------------


async def _drive(parts: BusParts, name: str) -> ReplayRecord:
    replay = await parts.replays.describe(name)
    columns = (TextColumn("replaying {task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        bar = progress.add_task(name, total=replay.total)
        while replay.state not in ("COMPLETED", "CANCELLED", "FAILED"):
            replay = await parts.replays.step(name)
            progress.update(bar, completed=replay.replayed)
    return replay


@replays_app.command("start")
def start_replay(
    name: str,
    archive: Annotated[str, typer.Option("--archive", "-a", help="Archive name or ARN.")],
    start: Annotated[str, typer.Option("--from", help="Event time from (ISO-8601).")],
    end: Annotated[str, typer.Option("--to", help="Event time to (ISO-8601, or 'now').")] = "now",
    rule: Annotated[
        list[str] | None, typer.Option("--rule", "-r", help="Only this rule (repeatable).")
    ] = None,
    wait: Annotated[
        bool, typer.Option("--wait/--no-wait", help="Run it here with a progress bar.")
    ] = True,
    config: ConfigOption = None,
    store: StoreOption = None,
    json: JsonOption = False,
) -> None:
    """Replay an archive's events from a time window to its bus (all rules, or --rule ones)."""
    begin, finish = parse_time(start, "--from"), parse_time(end, "--to")

    async def work(parts: BusParts) -> dict[str, Any]:
        record = await parts.archives.describe(archive)
        destination = parts.admin.bus_arn(record.bus_name)
        rules = [parts.admin.rule_arn(record.bus_name, r) for r in rule or []] or None
        replay = await parts.replays.start(
            name, parts.archives.arn(record.name), begin, finish, destination, rules
        )
        if wait:
            replay = await _drive(parts, name)
        return replay_row(parts, replay)

    row = with_bus(config, store, work)
    if json:
        print_json(row)
        return
    typer.echo(f"replay {name!r} {row['state']}: {row['replayed']} of {row['total']} events")


@replays_app.command("describe")
def describe_replay(name: str, config: ConfigOption = None, store: StoreOption = None) -> None:
    """Print a replay (DescribeReplay) as JSON: state, progress, times."""

    async def work(parts: BusParts) -> dict[str, Any]:
        return replay_row(parts, await parts.replays.describe(name))

    print_json(with_bus(config, store, work))


@replays_app.command("cancel")
def cancel_replay(name: str, config: ConfigOption = None, store: StoreOption = None) -> None:
    """Cancel a STARTING or RUNNING replay."""

    async def work(parts: BusParts) -> str:
        await parts.replays.cancel(name)
        return (await parts.replays.step(name)).state

    typer.echo(f"replay {name!r} {with_bus(config, store, work)}")
