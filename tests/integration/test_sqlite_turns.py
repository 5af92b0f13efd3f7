"""Writers of processes sharing a SQLite file take turns at a kernel lock: a waiting write goes as
soon as the other process's turn ends, and a process killed during its turn gives it up."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from paybus.store.sql import execute, fetch_one
from paybus.store.sqlite.turns import turns_path
from paybus.store.store import open_store

HOLD = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o644)
fcntl.flock(fd, fcntl.LOCK_EX)
print("holding", flush=True)
time.sleep(60)
"""


async def test_a_write_waits_for_the_other_process_and_goes_when_it_dies(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    store = await open_store(f"sqlite:///{path}")
    try:
        await store.write(lambda: execute("CREATE TABLE t (n INTEGER)"))
        holder = subprocess.Popen(
            [sys.executable, "-c", HOLD, str(turns_path(path))], stdout=subprocess.PIPE
        )
        try:
            assert holder.stdout is not None and holder.stdout.readline() == b"holding\n"
            write = asyncio.ensure_future(
                store.write(lambda: execute("INSERT INTO t (n) VALUES (1)"))
            )
            await asyncio.sleep(0.3)
            assert not write.done(), "the write went while another process had the turn"
            os.kill(holder.pid, signal.SIGKILL)
            killed = time.monotonic()
            assert await asyncio.wait_for(write, 5) == 1
            # the kernel hands the turn over at once: no busy-handler sleep
            assert time.monotonic() - killed < 0.5
        finally:
            holder.kill()
            holder.wait()
        assert await store.read(lambda: fetch_one("SELECT count(*) FROM t")) == (1,)
    finally:
        await store.close()
