"""Running `paybus up` as a user does, in a directory of its own, for the acceptance tests.

Imported by name (`from paybus_process import ...`): pytest puts this folder on sys.path.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

PAYBUS = str(Path(sys.executable).parent / "paybus")
REGION = "eu-west-1"
ACCOUNT = "123456789012"
#: long polls re-check the store only every 10 s, so a receive that returns sooner was woken
CONFIG = f"""
[aws]
region = "{REGION}"
account_id = "{ACCOUNT}"

[queue_settings]
poll_seconds = 10
"""


@dataclass(frozen=True)
class Server:
    url: str
    directory: Path
    process: subprocess.Popen[bytes]

    def log(self) -> str:
        return (self.directory / "paybus.log").read_text()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def paybus_up(
    directory: Path,
    config: str | None = CONFIG,
    *,
    port: int | None = None,
    env: dict[str, str] | None = None,
) -> Iterator[Server]:
    """`paybus up --port <port or a free one>` in `directory`, with `env` added to the
    environment; stopped with SIGTERM afterwards. `config=None` writes no project file: paybus
    then runs the seeds' applications."""
    if config is not None:
        (directory / "paybus.toml").write_text(config)
    port = port or free_port()
    environment = {**os.environ, **(env or {})}
    with (directory / "paybus.log").open("wb") as log:
        process = subprocess.Popen(
            [PAYBUS, "up", "--port", str(port)],
            cwd=directory,
            stdout=log,
            stderr=log,
            env=environment,
        )
        server = Server(f"http://127.0.0.1:{port}", directory, process)
        try:
            _wait_healthy(server)
            yield server
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_healthy(server: Server) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError(f"paybus exited early: {server.log()}")
        try:
            if httpx.get(f"{server.url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"paybus did not become healthy in 20 s: {server.log()}")


def client_for(server: Server, service: str, access_key: str = "test") -> Any:
    """A boto3 client of `service` on the server; a 12-digit access key calls as that account."""
    import boto3

    return boto3.client(
        service,
        endpoint_url=server.url,
        region_name=REGION,
        aws_access_key_id=access_key,
        aws_secret_access_key="test",
    )
