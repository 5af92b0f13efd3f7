"""Units of work committed per second: the paybus store against plain drivers, in the same run.

SQLite: paybus (one group-committing writer thread) vs plain `sqlite3` where every writer thread
commits each unit on its own, with `synchronous=NORMAL` and `FULL`, at 1, 16 and 64 concurrent
writers. PostgreSQL (when a server answers): paybus vs plain psycopg on a pool of the same size.
Each unit inserts one ~300-byte event row. Trials alternate between paybus and the peer; the
figures are medians over repetitions, and the ratios are what to read (the machine is shared).

    .venv/bin/python bench/store.py [--quick] [--postgres URL]

The last line is `RESULT {json}`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from paybus.store.sql import execute
from paybus.store.store import open_store

PAYLOAD = orjson.dumps(
    {
        "type": "invoice.paid",
        "data": {
            "object": {
                "id": "in_" + "x" * 24,
                "amount_paid": 4200,
                "currency": "usd",
                "lines": ["l" * 150],
            }
        },
    }
).decode()
SCHEMA = "CREATE TABLE IF NOT EXISTS bench_events (id TEXT PRIMARY KEY, body TEXT NOT NULL)"
INSERT = "INSERT INTO bench_events (id, body) VALUES (:id, :body)"
WRITERS = (1, 16, 64)
console = Console(stderr=True)


# -- SQLite --------------------------------------------------------------------------------------


def peer_sqlite(path: Path, synchronous: str, writers: int, seconds: float) -> float:
    """Plain sqlite3: each thread commits every unit in its own transaction."""
    setup = sqlite3.connect(path)
    setup.execute("PRAGMA journal_mode=WAL")
    setup.execute(SCHEMA)
    setup.close()
    stop = time.perf_counter() + seconds
    counts = [0] * writers

    def work(slot: int) -> None:
        connection = sqlite3.connect(path, isolation_level=None, timeout=60)
        connection.execute(f"PRAGMA synchronous={synchronous}")
        while time.perf_counter() < stop:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute(INSERT, {"id": uuid.uuid4().hex, "body": PAYLOAD})
            connection.execute("COMMIT")
            counts[slot] += 1
        connection.close()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(writers)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.perf_counter() - started)


async def paybus_units(url: str, writers: int, seconds: float) -> float:
    store = await open_store(url)
    try:
        await store.write(lambda: execute(SCHEMA))
        stop = time.perf_counter() + seconds
        counts = [0] * writers

        async def work(slot: int) -> None:
            while time.perf_counter() < stop:
                await store.write(lambda: execute(INSERT, id=uuid.uuid4().hex, body=PAYLOAD))
                counts[slot] += 1

        started = time.perf_counter()
        await asyncio.gather(*(work(n) for n in range(writers)))
        return sum(counts) / (time.perf_counter() - started)
    finally:
        await store.close()


# -- PostgreSQL ----------------------------------------------------------------------------------


async def peer_postgres(dsn: str, writers: int, seconds: float, pool_max: int) -> float:
    """Plain psycopg: a pool of the same size, one transaction per unit."""
    from psycopg_pool import AsyncConnectionPool

    sql = INSERT.replace(":id", "%(id)s").replace(":body", "%(body)s")
    async with AsyncConnectionPool(dsn, min_size=2, max_size=pool_max, open=False) as pool:
        await pool.open(wait=True)
        async with pool.connection() as connection:
            await connection.execute(SCHEMA)
        stop = time.perf_counter() + seconds
        counts = [0] * writers

        async def work(slot: int) -> None:
            while time.perf_counter() < stop:
                async with pool.connection() as connection, connection.transaction():
                    await connection.execute(sql, {"id": uuid.uuid4().hex, "body": PAYLOAD})
                counts[slot] += 1

        started = time.perf_counter()
        await asyncio.gather(*(work(n) for n in range(writers)))
        return sum(counts) / (time.perf_counter() - started)


def fresh_pg_database(admin_url: str) -> tuple[str, Callable[[], None]]:
    import psycopg

    name = f"paybus_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return admin_url.rsplit("/", 1)[0] + "/" + name, drop


def postgres_available(admin_url: str) -> bool:
    try:
        import psycopg

        with psycopg.connect(admin_url, connect_timeout=3):
            return True
    except Exception:
        return False


# -- the run -------------------------------------------------------------------------------------


def run(quick: bool, pg_admin: str | None) -> dict[str, Any]:
    seconds = 1.0 if quick else 3.0
    repeats = 3 if quick else 5
    results: dict[str, Any] = {"seconds_per_trial": seconds, "repeats": repeats, "sqlite": {}}
    plan = [(sync, w) for sync in ("NORMAL", "FULL") for w in WRITERS]
    pg = pg_admin if pg_admin and postgres_available(pg_admin) else None
    total = (len(plan) + (len(WRITERS) if pg else 0)) * repeats * 2
    with (
        Progress(console=console, transient=True) as progress,
        tempfile.TemporaryDirectory() as tmp,
    ):
        task = progress.add_task("store benchmark", total=total)
        for sync, writers in plan:
            ours, peer = [], []
            for attempt in range(repeats):
                base = Path(tmp) / f"{sync}-{writers}-{attempt}"
                url = f"sqlite:///{base}-paybus.db?synchronous={sync}"
                ours.append(asyncio.run(paybus_units(url, writers, seconds)))
                progress.advance(task)
                peer.append(peer_sqlite(Path(f"{base}-peer.db"), sync, writers, seconds))
                progress.advance(task)
            results["sqlite"][f"{sync}/{writers}"] = _summary(ours, peer)
        if pg:
            results["postgresql"] = {}
            for writers in WRITERS:
                ours, peer = [], []
                for _ in range(repeats):
                    url, drop = fresh_pg_database(pg)
                    try:
                        ours.append(
                            asyncio.run(paybus_units(f"{url}?pool_max=10", writers, seconds))
                        )
                        progress.advance(task)
                        peer.append(asyncio.run(peer_postgres(url, writers, seconds, 10)))
                        progress.advance(task)
                    finally:
                        drop()
                results["postgresql"][str(writers)] = _summary(ours, peer)
        else:
            results["postgresql"] = "skipped: no server answered"
    full, normal = results["sqlite"]["FULL/64"]["ratio"], results["sqlite"]["NORMAL/64"]["ratio"]
    results["targets"] = {
        "FULL/64 >= 10x": full >= 10,
        "NORMAL/64 >= 2x": normal >= 2,
    }
    return results


def _summary(ours: list[float], peer: list[float]) -> dict[str, float]:
    paybus, plain = statistics.median(ours), statistics.median(peer)
    return {
        "paybus_per_s": round(paybus),
        "peer_per_s": round(plain),
        "ratio": round(paybus / plain, 2),
    }


def show(results: dict[str, Any]) -> None:
    table = Table(title="units of work committed per second (median)")
    for column in ("engine", "synchronous", "writers", "paybus", "peer", "ratio"):
        table.add_column(column, justify="right")
    for key, row in results["sqlite"].items():
        sync, writers = key.split("/")
        table.add_row(
            "sqlite",
            sync,
            writers,
            str(row["paybus_per_s"]),
            str(row["peer_per_s"]),
            f"{row['ratio']}x",
        )
    if isinstance(results["postgresql"], dict):
        for writers, row in results["postgresql"].items():
            table.add_row(
                "postgresql",
                "-",
                writers,
                str(row["paybus_per_s"]),
                str(row["peer_per_s"]),
                f"{row['ratio']}x",
            )
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short trials, fewer repetitions")
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "PAYBUS_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
        help="admin URL of a PostgreSQL server to benchmark against ('' to skip)",
    )
    args = parser.parse_args()
    results = run(args.quick, args.postgres or None)
    show(results)
    sys.stdout.write("RESULT " + orjson.dumps(results).decode() + "\n")


if __name__ == "__main__":
    main()
