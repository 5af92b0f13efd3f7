"""Processes sharing a database file take turns at writing, woken by the kernel, not by polling.

SQLite lets one connection write at a time. A connection that finds the write lock taken calls
its busy handler, which sleeps 1, 2, 5, 10, ... up to 100 ms between tries: under load a waiting
writer keeps oversleeping the other's commits. Measured with `paybus up --processes 2` at full
webhook load, the p99 answer took 1.6 s although each commit took under a millisecond.

So paybus's writers queue at a kernel lock first: an exclusive `flock` on a file beside the
database, held from BEGIN IMMEDIATE to COMMIT. The kernel wakes the next writer as soon as the
lock is released, and the waiting thread sleeps without holding the GIL. Writers that are not
paybus (the sqlite3 shell) still meet SQLite's busy timeout, which also bounds how long any
writer holds the lock: its BEGIN gives up after `busy_timeout_ms`. The kernel releases the lock
of a process that dies, `kill -9` included.

The lock lives on its own file: the POSIX locks on the database's files are SQLite's, and
closing any descriptor of one of those files would drop them (see checkpointer.py). Where there
is no `flock` (Windows), writers meet only SQLite's busy handler, as before.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from types import TracebackType


def turns_path(database: Path) -> Path:
    return database.with_name(database.name + "-writer")


class WriterTurns:
    """The cross-process turn at writing: `with turns:` around each write transaction."""

    def __init__(self, database: Path) -> None:
        self.path = turns_path(database)
        self._fd: int | None = None

    def open(self) -> None:
        if sys.platform != "win32":
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> None:
        if self._fd is not None:
            _flock(self._fd, exclusive=True)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._fd is not None:
            _flock(self._fd, exclusive=False)


def _flock(fd: int, *, exclusive: bool) -> None:
    import fcntl  # POSIX only: `open` leaves no descriptor to lock elsewhere

    fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_UN)
