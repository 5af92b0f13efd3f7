"""kill -9 during a write burst: every write whose await returned is still there afterwards."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from paybus.store.store import open_store

PROGRAM = Path(__file__).parent / "programs" / "write_burst.py"
ACKNOWLEDGED_BEFORE_KILL = 2_000


def _burst_then_kill(url: str) -> set[int]:
    process = subprocess.Popen(
        [sys.executable, str(PROGRAM), url, "64"], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    acknowledged: set[int] = set()
    try:
        assert process.stdout.readline().strip() == "ready"
        for line in process.stdout:
            acknowledged.add(int(line))
            if len(acknowledged) >= ACKNOWLEDGED_BEFORE_KILL:
                break
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.kill()
        process.wait()
    assert process.returncode == -signal.SIGKILL
    return acknowledged


async def _assert_all_present(url: str, acknowledged: set[int]) -> None:
    store = await open_store(url)
    try:
        missing = [
            n
            for n in sorted(acknowledged)
            if await store.tables.get_item("burst", {"id": n}) is None
        ]
        assert not missing, f"{len(missing)} acknowledged writes lost, e.g. {missing[:5]}"
    finally:
        await store.close()


async def test_sqlite_keeps_every_acknowledged_write_after_sigkill(tmp_path: Path) -> None:
    path = tmp_path / "paybus.db"
    url = f"sqlite:///{path}"
    acknowledged = _burst_then_kill(url)
    with sqlite3.connect(path) as plain:
        assert plain.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    await _assert_all_present(url, acknowledged)


@pytest.mark.postgres
async def test_postgres_keeps_every_acknowledged_write_after_sigkill(pg_url: str) -> None:
    acknowledged = _burst_then_kill(pg_url)
    await _assert_all_present(pg_url, acknowledged)
