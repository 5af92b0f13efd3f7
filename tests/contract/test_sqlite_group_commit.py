"""SQLite specifics: concurrent writers share commits; durability settings are applied."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from prometheus_client import REGISTRY

from paybus.store.sql import execute, fetch_one
from paybus.store.store import open_store


def _commits() -> float:
    return (
        REGISTRY.get_sample_value("paybus_store_commit_batch_units_count", {"engine": "sqlite"})
        or 0.0
    )


async def test_many_concurrent_writers_share_few_commits(tmp_path: Path) -> None:
    store = await open_store(f"sqlite:///{tmp_path / 'p.db'}")
    try:
        await store.write(lambda: execute("CREATE TABLE s (id INTEGER PRIMARY KEY)"))
        before = _commits()
        await asyncio.gather(
            *(
                store.write(lambda i=i: execute("INSERT INTO s VALUES (:i)", i=i))
                for i in range(500)
            )
        )
        commits = _commits() - before
        assert commits < 250, f"500 units took {commits} commits: group commit is not grouping"
        count = await store.read(lambda: fetch_one("SELECT count(*) FROM s"))
        assert count == (500,)
    finally:
        await store.close()


async def test_wal_and_synchronous_full_are_applied(tmp_path: Path) -> None:
    path = tmp_path / "p.db"
    store = await open_store(f"sqlite:///{path}?synchronous=FULL")
    try:
        mode = await store.read(lambda: fetch_one("PRAGMA journal_mode"))
        sync = await store.read(lambda: fetch_one("PRAGMA synchronous"))
        assert mode == ("wal",)
        assert sync == (2,)  # FULL
    finally:
        await store.close()
    with sqlite3.connect(path) as plain:
        assert plain.execute("PRAGMA integrity_check").fetchone() == ("ok",)


async def test_checkpoints_run_off_the_writer_and_keep_up_with_it(tmp_path: Path) -> None:
    """The writer never checkpoints inside a commit; the checkpointer thread does, once the WAL
    is past its threshold, and every committed row is in the database afterwards."""
    path = tmp_path / "p.db"
    store = await open_store(f"sqlite:///{path}")
    engine = store.engine
    checkpointer = engine.checkpointer  # type: ignore[attr-defined]
    checkpointer.threshold_bytes = 64 * 1024
    body = "x" * 2000
    try:
        await store.write(lambda: execute("CREATE TABLE s (id INTEGER PRIMARY KEY, body TEXT)"))
        for start in range(0, 3000, 100):
            await asyncio.gather(
                *(
                    store.write(lambda i=i: execute("INSERT INTO s VALUES (:i, :b)", i=i, b=body))
                    for i in range(start, start + 100)
                )
            )

        def caught_up() -> bool:
            result = checkpointer.last_result
            return result is not None and result[0] == 0 and result[1] == result[2]

        for _ in range(200):
            if caught_up():
                break
            await asyncio.sleep(0.02)
        # 3,000 rows of 2 KB are 6 MB of pages: the checkpointer copied them while they came,
        # and after the last commit it copied the rest
        assert checkpointer.runs > 0
        assert caught_up(), checkpointer.last_result
    finally:
        await store.close()
    with sqlite3.connect(path) as reopened:
        assert reopened.execute("SELECT count(*) FROM s").fetchone() == (3000,)
