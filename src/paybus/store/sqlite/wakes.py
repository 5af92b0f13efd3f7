"""Wake-up hints between processes sharing a SQLite file: Unix datagrams sent after the commit.

PostgreSQL carries hints on LISTEN/NOTIFY. SQLite has no channel of its own, so each process
that listens (`paybus up`, each of its `--processes`, `paybus worker`) binds a Unix datagram
socket in a directory beside the database, `<database>-wakes/`. After each commit the writer
sends the topics its units named (`sql.wake`), each once, in one datagram to every other socket
there. The contract is PostgreSQL's: a rolled-back unit sends nothing, and a hint is never the
truth; one lost to a full socket buffer or a crash costs one poll interval.

- The writer lists the directory again when it changes (a `stat` per commit) and at least once
  a second; a new listener wakes all its loops once, as hints sent before it listened are gone.
- The socket of a process that died (`kill -9`) refuses datagrams; the first sender that meets
  it removes it.
- Socket paths are limited to 107 bytes. A database whose directory path is too long for that
  gets its directory under the system's temporary directory, named by the database's path.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import secrets
import socket
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from paybus.store.metrics import WAKE_LISTENING, WAKES_RECEIVED, WAKES_SENT
from paybus.store.wakes import EVERYTHING, kind_of

log = logging.getLogger("paybus.store")

#: the longest the writer trusts its list of listening processes
PEERS_SECONDS = 1.0
#: `sun_path` holds 108 bytes with its terminating NUL
_MAX_SOCKET_PATH = 107
_SOCKET_NAME_LENGTH = 32
_SUFFIX = ".sock"
#: one datagram's topics at most: a send of more is split
_DATAGRAM_BYTES = 16 * 1024


def wakes_directory(database: Path) -> Path:
    """Where the processes sharing `database` bind their sockets."""
    beside = database.resolve().with_name(database.name + "-wakes")
    if len(str(beside)) + 1 + _SOCKET_NAME_LENGTH <= _MAX_SOCKET_PATH:
        return beside
    digest = hashlib.sha256(str(database.resolve()).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"paybus-wakes-{digest}"


def socket_name() -> str:
    """This process's socket: its pid, for whoever looks, and randomness, for uniqueness."""
    return f"{os.getpid()}-{secrets.token_hex(6)}{_SUFFIX}"


class WakeSender:
    """Used by the writer thread only: sends committed topics to the other processes."""

    def __init__(self, directory: Path, own: str) -> None:
        self._directory = directory
        self._own = own
        self._peers: list[str] = []
        self._listed_at = float("-inf")
        self._changed = -1
        self._socket: socket.socket | None = None

    def send(self, topics: Iterable[str]) -> None:
        peers = self._current_peers()
        if not peers:
            return
        if self._socket is None:
            self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            self._socket.setblocking(False)
        chosen = sorted(set(topics))
        for datagram in _datagrams(chosen):
            for peer in list(peers):  # a copy: a gone peer is removed from the list meanwhile
                self._send_one(datagram, peer)
        for topic in chosen:
            WAKES_SENT.labels(kind_of(topic)).inc()

    def close(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    def _current_peers(self) -> list[str]:
        """The other processes' sockets: listed again when the directory changes (one `stat`
        per commit) and at least once a second (its time may not move for two changes close
        together)."""
        now = time.monotonic()
        try:
            changed = os.stat(self._directory).st_mtime_ns
        except OSError:
            return []  # nobody has listened yet
        if changed != self._changed or now - self._listed_at >= PEERS_SECONDS:
            self._changed, self._listed_at = changed, now
            try:
                names = os.listdir(self._directory)
            except OSError:
                names = []
            self._peers = [
                str(self._directory / n) for n in names if n.endswith(_SUFFIX) and n != self._own
            ]
        return self._peers

    def _send_one(self, datagram: bytes, peer: str) -> None:
        assert self._socket is not None
        try:
            self._socket.sendto(datagram, peer)
        except ConnectionRefusedError:
            # nobody reads it: its process is gone; the first sender to notice tidies it away
            self._forget(peer, unlink=True)
        except FileNotFoundError:
            self._forget(peer, unlink=False)
        except OSError:
            pass  # its buffer is full (it has wake-ups pending anyway) or it is going away

    def _forget(self, peer: str, *, unlink: bool) -> None:
        with contextlib.suppress(ValueError):
            self._peers.remove(peer)
        if unlink:
            with contextlib.suppress(OSError):
                os.unlink(peer)


def _datagrams(topics: list[str]) -> Iterable[bytes]:
    chunk: list[bytes] = []
    size = 0
    for topic in topics:
        encoded = topic.encode()
        if chunk and size + len(encoded) + 1 > _DATAGRAM_BYTES:
            yield b"\n".join(chunk)
            chunk, size = [], 0
        chunk.append(encoded)
        size += len(encoded) + 1
    if chunk:
        yield b"\n".join(chunk)


class SqliteWakeListener:
    """This process's socket: calls `on_wake(topic)` for each hint another process sends."""

    def __init__(self, directory: Path, name: str, on_wake: Callable[[str], None]) -> None:
        self.path = directory / name
        self._on_wake = on_wake
        #: set while listening (tests wait for it)
        self.listening = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        try:
            receiver = self._bind()
        except OSError as error:
            # without a socket this process still finds other processes' work by polling
            log.warning(
                "cannot listen for wake-ups from other processes",
                extra={"action": "store.wake_listen_failed", "error": str(error)},
            )
            await stop.wait()
            return
        loop.add_reader(receiver.fileno(), self._drain, receiver)
        WAKE_LISTENING.set(1)
        self.listening.set()
        log.info("listening for wake-ups", extra={"action": "store.wake_listening"})
        self._on_wake(EVERYTHING)  # hints sent before this socket existed are gone
        try:
            await stop.wait()
        finally:
            loop.remove_reader(receiver.fileno())
            receiver.close()
            with contextlib.suppress(OSError):
                os.unlink(self.path)
            WAKE_LISTENING.set(0)
            self.listening.clear()

    def _bind(self) -> socket.socket:
        self.path.parent.mkdir(mode=0o755, exist_ok=True)
        receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            receiver.setblocking(False)
            receiver.bind(str(self.path))
        except OSError:
            receiver.close()
            raise
        return receiver

    def _drain(self, receiver: socket.socket) -> None:
        while True:
            try:
                datagram = receiver.recv(_DATAGRAM_BYTES)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            for topic in datagram.decode(errors="replace").split("\n"):
                if topic:
                    WAKES_RECEIVED.labels(kind_of(topic)).inc()
                    self._on_wake(topic)
