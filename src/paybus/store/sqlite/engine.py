"""SQLite engine: one writer thread group-commits units of work; readers have their own connections.

Many coroutines submit units; the writer takes every unit waiting and commits them all with one
COMMIT, so one fsync (with `synchronous=FULL`) is shared by the whole group. Each caller awaits
its own outcome. A unit that fails rolls back alone: the batch first runs without savepoints
(each costs more than a typical unit); if a unit fails, the batch is rolled back and run again
with every unit in its own SAVEPOINT. Units may therefore run more than once before they commit,
as on PostgreSQL after a serialization failure: they must have no effects outside their SQL.

Processes sharing the file take turns at writing through a kernel lock (`turns.py`), and after
each commit the writer tells them about the work its units left (`wakes.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import sqlite3
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from paybus.core.errors import ConfigError, PaybusError, StoreUnavailable
from paybus.store.dialect import SQLITE
from paybus.store.engine import WakeListening
from paybus.store.metrics import COMMIT_BATCH, COMMIT_SECONDS, UNITS
from paybus.store.settings import StoreSettings
from paybus.store.sql import Sql, UnitFactory
from paybus.store.sqlite.checkpointer import Checkpointer
from paybus.store.sqlite.errors import translate
from paybus.store.sqlite.turns import WriterTurns
from paybus.store.sqlite.wakes import SqliteWakeListener, WakeSender, socket_name, wakes_directory

T = TypeVar("T")
log = logging.getLogger("paybus.store")

# bound once: looking a labelled child up costs more than the increment itself
_WRITES_OK = UNITS.labels("sqlite", "write", "ok")
_WRITES_FAILED = UNITS.labels("sqlite", "write", "error")
_READS_OK = UNITS.labels("sqlite", "read", "ok")
_READS_FAILED = UNITS.labels("sqlite", "read", "error")
_BATCH_SIZE = COMMIT_BATCH.labels("sqlite")
_COMMIT_TIME = COMMIT_SECONDS.labels("sqlite")


@dataclass(slots=True)
class _Job:
    unit: UnitFactory[Any]
    future: asyncio.Future[Any]
    loop: asyncio.AbstractEventLoop
    outcome: Any = None
    error: BaseException | None = field(default=None)
    #: the wake-up topics the unit named, sent to other processes once it has committed
    topics: set[str] = field(default_factory=set)


_STOP = object()
#: the writer's page cache (KiB): the hot pages of every index the publish path touches
_WRITER_CACHE_KIB = 64 * 1024
#: prepared statements kept per connection (Python's default is 128)
_CACHED_STATEMENTS = 2048
#: a WAL file reset after a complete checkpoint is truncated down to this size
_JOURNAL_SIZE_LIMIT = 64 * 1024 * 1024


class SqliteEngine:
    dialect = SQLITE

    def __init__(self, settings: StoreSettings) -> None:
        assert settings.path is not None
        self._settings = settings
        self._path = settings.path
        self._jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._writer: threading.Thread | None = None
        self._readers: ThreadPoolExecutor | None = None
        self._reader_local = threading.local()
        self._reader_connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._closed = False
        self.checkpointer = Checkpointer(lambda: self._connect(read_only=False), self._path)
        #: the turn at writing that paybus processes sharing the file queue for
        self._turns = WriterTurns(self._path)
        #: wake-up hints to and from the other processes sharing the file
        self._wakes_directory = wakes_directory(self._path)
        self._wake_name = socket_name()
        self._wakes = (
            WakeSender(self._wakes_directory, self._wake_name) if settings.wake_hints else None
        )

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        if self._path.parent and not self._path.parent.exists():
            raise ConfigError(
                f"cannot open SQLite database {str(self._path)!r}: "
                f"directory {str(self._path.parent)!r} does not exist"
            )
        started: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        loop = asyncio.get_running_loop()
        self._writer = threading.Thread(
            target=self._writer_main, args=(loop, started), name="paybus-sqlite-writer", daemon=True
        )
        self._writer.start()
        await started
        self.checkpointer.start()
        self._readers = ThreadPoolExecutor(
            max_workers=self._settings.readers, thread_name_prefix="paybus-sqlite-reader"
        )

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._writer is not None:
            self._jobs.put(_STOP)
            await asyncio.to_thread(self._writer.join)
            await asyncio.to_thread(self.checkpointer.stop)
        self._refuse_leftovers()
        if self._readers is not None:
            self._readers.shutdown(wait=True)
        with self._lock:
            for connection in self._reader_connections:
                connection.close()
            self._reader_connections.clear()

    def _refuse_leftovers(self) -> None:
        """Units submitted while the store was closing never ran: tell their callers so."""
        leftovers: list[_Job] = []
        while True:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                break
            if isinstance(job, _Job):
                job.error = StoreUnavailable("the store closed before this write ran")
                leftovers.append(job)
        for job in leftovers:
            with contextlib.suppress(RuntimeError):
                job.loop.call_soon_threadsafe(_settle_jobs, [job])

    # -- public API --------------------------------------------------------------------------

    async def write(self, unit: UnitFactory[T]) -> T:
        if self._closed:
            raise StoreUnavailable("the store is closed")
        loop = asyncio.get_running_loop()
        job = _Job(unit, loop.create_future(), loop)
        self._jobs.put(job)
        result: T = await job.future
        return result

    async def read(self, unit: UnitFactory[T]) -> T:
        if self._readers is None or self._closed:
            raise StoreUnavailable("the store is closed")
        loop = asyncio.get_running_loop()
        try:
            result: T = await loop.run_in_executor(self._readers, self._read_sync, unit)
        except PaybusError:
            _READS_FAILED.inc()
            raise
        _READS_OK.inc()
        return result

    async def ping(self) -> None:
        def probe() -> Any:
            row = yield Sql("SELECT 1", {}, "one")
            return row

        await self.read(probe)

    def wake_listener(self, on_wake: Callable[[str], None]) -> WakeListening | None:
        if self._wakes is None:
            return None
        return SqliteWakeListener(self._wakes_directory, self._wake_name, on_wake)

    # -- connections -------------------------------------------------------------------------

    def _connect(self, *, read_only: bool) -> sqlite3.Connection:
        try:
            # multi-row INSERTs have one text per row count: room for all of them in the cache
            connection = sqlite3.connect(
                self._path,
                isolation_level=None,
                check_same_thread=False,
                timeout=0,
                cached_statements=_CACHED_STATEMENTS,
            )
            connection.execute(f"PRAGMA busy_timeout = {self._settings.busy_timeout_ms}")
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute(f"PRAGMA synchronous = {self._settings.synchronous}")
            connection.execute("PRAGMA foreign_keys = ON")
            if read_only:
                connection.execute("PRAGMA query_only = ON")
        except sqlite3.Error as error:
            raise StoreUnavailable(
                f"cannot open SQLite database {str(self._path)!r}: {error}"
            ) from error
        return connection

    def _reader(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._reader_local, "connection", None)
        if connection is None:
            connection = self._connect(read_only=True)
            self._reader_local.connection = connection
            with self._lock:
                self._reader_connections.append(connection)
        return connection

    def _read_sync(self, unit: UnitFactory[T]) -> T:
        connection = self._reader()
        try:
            # one snapshot for every statement of the unit
            connection.execute("BEGIN")
            try:
                return _drive(connection.cursor(), unit, set())
            finally:
                connection.execute("COMMIT")
        except sqlite3.Error as error:
            raise translate(error) from error

    # -- the writer thread -------------------------------------------------------------------

    def _writer_main(self, loop: asyncio.AbstractEventLoop, started: asyncio.Future[None]) -> None:
        try:
            connection = self._writer_connection()
        except PaybusError as error:
            loop.call_soon_threadsafe(_settle_start, started, error)
            return
        try:
            self._turns.open()
        except OSError as error:
            connection.close()
            failure = StoreUnavailable(f"cannot open {str(self._turns.path)!r}: {error}")
            loop.call_soon_threadsafe(_settle_start, started, failure)
            return
        loop.call_soon_threadsafe(_settle_start, started, None)
        try:
            self._writer_loop(connection)
        finally:
            connection.close()
            self._turns.close()
            if self._wakes is not None:
                self._wakes.close()

    def _writer_connection(self) -> sqlite3.Connection:
        connection = self._connect(read_only=False)
        try:
            # checkpoints run on the checkpointer's thread, never inside one of our commits;
            # a page cache that holds the hot index pages saves re-reading them from the WAL
            connection.execute("PRAGMA wal_autocheckpoint = 0")
            connection.execute(f"PRAGMA journal_size_limit = {_JOURNAL_SIZE_LIMIT}")
            connection.execute(f"PRAGMA cache_size = -{_WRITER_CACHE_KIB}")
        except sqlite3.Error as error:
            connection.close()
            raise translate(error) from error
        return connection

    def _writer_loop(self, connection: sqlite3.Connection) -> None:
        stopping = False
        while not stopping:
            first = self._jobs.get()
            if first is _STOP:
                break
            batch: list[_Job] = [first]
            while len(batch) < self._settings.max_batch:
                try:
                    job = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if job is _STOP:
                    stopping = True
                    break
                batch.append(job)
            self._commit_batch(connection, batch)

    def _commit_batch(self, connection: sqlite3.Connection, batch: list[_Job]) -> None:
        started = time.perf_counter()
        # cursors made once per batch: one for the units' statements, one for transaction control
        cursor, control = connection.cursor(), connection.cursor()
        with self._turns:  # our turn among the processes sharing the file
            try:
                control.execute("BEGIN IMMEDIATE")
                if _run_optimistically(cursor, batch):
                    control.execute("COMMIT")
                elif len(batch) == 1:
                    control.execute("ROLLBACK")  # its only unit failed
                else:
                    # a unit failed: undo the batch and run it again with each unit in its own
                    # savepoint, so the failing unit rolls back alone and the others commit
                    control.execute("ROLLBACK")
                    control.execute("BEGIN IMMEDIATE")
                    for job in batch:
                        _run_in_savepoint(cursor, control, job)
                    control.execute("COMMIT")
            except sqlite3.Error as error:
                # the commit itself failed (disk full, locked by another process past the timeout):
                # nothing of this batch is durable, so every caller hears about it
                failure = translate(error)
                log.error(
                    "sqlite commit failed",
                    extra={"action": "store.commit_failed", "error": str(error)},
                )
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                for job in batch:
                    job.outcome, job.error = None, failure
        if self._wakes is not None:
            topics = [job.topics for job in batch if job.error is None and job.topics]
            if topics:
                self._wakes.send(set().union(*topics))  # committed: now others may look
        self.checkpointer.nudge()
        _COMMIT_TIME.observe(time.perf_counter() - started)
        _BATCH_SIZE.observe(len(batch))
        failed = 0
        by_loop: dict[asyncio.AbstractEventLoop, list[_Job]] = defaultdict(list)
        for job in batch:
            failed += job.error is not None
            by_loop[job.loop].append(job)
        _WRITES_OK.inc(len(batch) - failed)
        if failed:
            _WRITES_FAILED.inc(failed)
        for loop, jobs in by_loop.items():
            # one wake-up per loop per batch, not one per unit
            with contextlib.suppress(RuntimeError):  # that loop is closed: nobody waits any more
                loop.call_soon_threadsafe(_settle_jobs, jobs)


def _run_optimistically(cursor: sqlite3.Cursor, batch: list[_Job]) -> bool:
    """Run the batch without savepoints (they cost more than most units); False if one failed."""
    return all(_run(cursor, job) for job in batch)


def _run_in_savepoint(cursor: sqlite3.Cursor, control: sqlite3.Cursor, job: _Job) -> None:
    control.execute("SAVEPOINT unit")
    if not _run(cursor, job):
        control.execute("ROLLBACK TO unit")
    control.execute("RELEASE unit")


def _run(cursor: sqlite3.Cursor, job: _Job) -> bool:
    """Run one unit, keeping its outcome or its error on the job; True if it succeeded."""
    job.outcome, job.error = None, None
    job.topics.clear()
    try:
        job.outcome = _drive(cursor, job.unit, job.topics)
    except sqlite3.Error as error:
        job.error = translate(error)
        job.error.__cause__ = error
    except BaseException as error:  # the unit's own error goes to its caller
        job.error = error
    return job.error is None


def _drive(cursor: sqlite3.Cursor, unit: UnitFactory[T], topics: set[str]) -> T:
    """Run the unit's statements; collect the topics it wakes (sent once it has committed)."""
    generator = unit()
    try:
        statement = next(generator)
        while True:
            if statement.fetch == "wake":
                topics.add(statement.text)
                statement = generator.send(None)
            else:
                statement = generator.send(_execute(cursor, statement))
    except StopIteration as done:
        result: T = done.value
        return result
    finally:
        generator.close()


def _execute(cursor: sqlite3.Cursor, statement: Sql) -> Any:
    fetch = statement.fetch
    cursor.execute(statement.text, statement.params)
    if fetch == "all":
        return cursor.fetchall()
    if fetch == "one":
        return cursor.fetchone()
    return cursor.rowcount


def _settle_start(future: asyncio.Future[None], error: BaseException | None) -> None:
    if error is None:
        future.set_result(None)
    else:
        future.set_exception(error)


def _settle_jobs(jobs: list[_Job]) -> None:
    for job in jobs:
        if job.future.done():
            continue  # the caller was cancelled; the unit may still have committed
        if job.error is not None:
            job.future.set_exception(job.error)
        else:
            job.future.set_result(job.outcome)
