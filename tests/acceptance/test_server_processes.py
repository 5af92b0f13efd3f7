"""`paybus up --processes 2` (here `[server] processes = 2`): two processes serve one port and one
SQLite file; every accepted webhook is queued once, a sibling that dies is replaced, and SIGTERM
stops them all."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from paybus_process import Server, paybus_up

from paybus.integrations.ingress.samples.ids import IdMaker
from paybus.integrations.ingress.samples.signed import signed_delivery

pytestmark = pytest.mark.skipif(not Path("/proc").exists(), reason="reads /proc (Linux)")

SECRET = "whsec_processes"
CONFIG = f"""
[server]
processes = 2

[[queues]]
name = "stripe-events"

[[webhooks]]
name = "stripe"
provider = "stripe"
secrets = ["{SECRET}"]
event_source = "aws.partner/stripe.com/ed_processes"

[[rules]]
name = "all-stripe"
bus = "aws.partner/stripe.com/ed_processes"
event_pattern = {{ source = [{{ prefix = "aws.partner/stripe.com" }}] }}
targets = [{{ Id = "q", Arn = "arn:aws:sqs:::stripe-events" }}]
"""


def children(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
                found.append(int(entry.name))
    return found


def wait_for(check, seconds: float = 15.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out")


def deliver(server: Server, count: int) -> list[int]:
    ids = IdMaker()
    now = int(time.time())
    deliveries = [signed_delivery("stripe", "invoice.paid", SECRET, ids, now) for _ in range(count)]

    def post(delivery) -> int:  # type: ignore[no-untyped-def]
        # a connection per request: the kernel spreads new connections over both processes
        response = httpx.post(
            f"{server.url}/webhooks/stripe", content=delivery.body, headers=delivery.headers
        )
        return response.status_code

    with ThreadPoolExecutor(16) as pool:
        return list(pool.map(post, deliveries))


def test_two_processes_share_the_port_and_the_store(tmp_path: Path) -> None:
    with paybus_up(tmp_path, CONFIG) as server:
        [sibling] = wait_for(lambda: children(server.process.pid))
        statuses = deliver(server, 300)
        assert statuses == [200] * 300
        with sqlite3.connect(tmp_path / "paybus.db") as db:
            assert db.execute("SELECT count(*) FROM queue_messages").fetchone() == (300,)
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)

        os.kill(sibling, signal.SIGKILL)
        [replacement] = wait_for(
            lambda: [pid for pid in children(server.process.pid) if pid != sibling]
        )
        assert deliver(server, 50) == [200] * 50
        assert "sibling server process exited" in server.log()

        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(timeout=30) == 0
        wait_for(lambda: not Path(f"/proc/{replacement}").exists())


def test_a_sibling_stops_when_the_first_process_is_killed(tmp_path: Path) -> None:
    with paybus_up(tmp_path, CONFIG) as server:
        [sibling] = wait_for(lambda: children(server.process.pid))
        server.process.kill()
        server.process.wait()
        # nobody is left serving the port (and holding the database) behind the user's back
        wait_for(lambda: not Path(f"/proc/{sibling}").exists() or _zombie(sibling))


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def test_a_sibling_killed_under_load_loses_no_acknowledged_webhook(tmp_path: Path) -> None:
    """SIGKILL of a sibling while both processes take webhooks: it may die holding the turn at
    writing or in the middle of a batch. Every webhook answered 200 is queued, and the
    processor's retries of the others leave each event queued exactly once."""
    ids = IdMaker(11)
    now = int(time.time())
    deliveries = [signed_delivery("stripe", "invoice.paid", SECRET, ids, now) for _ in range(800)]

    with paybus_up(tmp_path, CONFIG) as server, httpx.Client(timeout=30) as client:

        def post(delivery) -> int | None:  # type: ignore[no-untyped-def]
            try:
                response = client.post(
                    f"{server.url}/webhooks/stripe", content=delivery.body, headers=delivery.headers
                )
            except httpx.TransportError:
                return None  # the connection died with the process: the processor retries
            return response.status_code

        [sibling] = wait_for(lambda: children(server.process.pid))
        wait_for(lambda: server.log().count("listening on") == 2)  # both accept connections
        with ThreadPoolExecutor(16) as pool:
            pending = [pool.submit(post, d) for d in deliveries]
            wait_for(lambda: sum(f.done() for f in pending) >= 200)
            os.kill(sibling, signal.SIGKILL)
            statuses = [f.result() for f in pending]
        acknowledged = {
            json.loads(d.body)["id"] for d, s in zip(deliveries, statuses, strict=True) if s == 200
        }
        assert len(acknowledged) >= 200
        assert acknowledged <= queued_event_ids(tmp_path), "an acknowledged webhook was lost"

        wait_for(lambda: [pid for pid in children(server.process.pid) if pid != sibling])
        retried = [d for d, s in zip(deliveries, statuses, strict=True) if s != 200]
        with ThreadPoolExecutor(16) as pool:
            assert list(pool.map(post, retried)) == [200] * len(retried)
        queued = queued_event_ids(tmp_path, distinct=False)
        assert sorted(queued) == sorted(json.loads(d.body)["id"] for d in deliveries)
        with sqlite3.connect(tmp_path / "paybus.db") as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def queued_event_ids(tmp_path: Path, *, distinct: bool = True):  # type: ignore[no-untyped-def]
    with sqlite3.connect(tmp_path / "paybus.db") as db:
        bodies = [row[0] for row in db.execute("SELECT body FROM queue_messages")]
    ids = [json.loads(body)["detail"]["id"] for body in bodies]
    return set(ids) if distinct else ids
