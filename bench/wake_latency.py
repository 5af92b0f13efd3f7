"""Cross-process wake-up latency on each engine: a message sent by one process, received by a
long poll (ReceiveMessage, WaitTimeSeconds=20) already waiting in another process; wake-up hints
(LISTEN/NOTIFY on PostgreSQL, datagrams on SQLite) against polling alone (`?wake_hints=off`,
what paybus did before), in the same run, at the shipped poll interval
(`queue_settings.poll_seconds`, 1 s). PostgreSQL is skipped when no server answers.

The receiver is a separate process (this script with `--receive`) running the runtime that
`paybus up` runs; this process sends at random moments (uniform over two poll intervals), each
send once the receiver's long poll waits again.

    .venv/bin/python bench/wake_latency.py [--quick] [--postgres ADMIN_URL] [--poll-seconds S]

The last line is `RESULT {json}`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).parent))
from store import fresh_pg_database, postgres_available  # the sibling benchmark

from paybus.runtime.assembly import build_runtime
from paybus.runtime.config import PaybusConfig
from paybus.runtime.queues import QueueService
from paybus.store.store import open_store

QUEUE = "bench-wake"
STOP = "stop"


def _config(poll_seconds: float) -> PaybusConfig:
    return PaybusConfig.model_validate(
        {"queue_settings": {"poll_seconds": poll_seconds}, "workflows": {"poll_seconds": 0.5}}
    )


async def receive(url: str, poll_seconds: float) -> None:
    """The receiving process: long-poll the queue, print each message's latency in seconds."""
    store = await open_store(url)
    runtime = build_runtime(_config(poll_seconds), store)
    await runtime.start()
    for service in runtime.services:
        listener: Any = getattr(service.run, "__self__", None)
        if service.name == "wake-listener" and listener is not None:
            await asyncio.wait_for(listener.listening.wait(), 10)
    assert runtime.queues is not None
    print("ready", flush=True)
    try:
        while True:
            got = await runtime.queues.receive_message(QUEUE, wait_time_seconds=20)
            for message in got:
                if message.body == STOP:
                    return
                print(f"{time.time() - float(message.body):.6f}", flush=True)
                await runtime.queues.delete_message(QUEUE, message.receipt_handle)
    finally:
        await runtime.drain(timeout=2)
        await store.close()


async def trial(url: str, poll_seconds: float, rounds: int) -> list[float]:
    store = await open_store(url)
    sender = QueueService(store)
    receiver = subprocess.Popen(
        [sys.executable, __file__, "--receive", url, "--poll-seconds", str(poll_seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert receiver.stdout is not None
    latencies: list[float] = []
    try:
        assert (await asyncio.to_thread(receiver.stdout.readline)).strip() == "ready"
        rng = random.Random(7)
        for _ in range(rounds):
            await asyncio.sleep(rng.uniform(0.05, 0.05 + 2 * poll_seconds))
            await sender.send_message(QUEUE, repr(time.time()))
            latencies.append(float(await asyncio.to_thread(receiver.stdout.readline)))
        await sender.send_message(QUEUE, STOP)
        receiver.wait(timeout=30)
    finally:
        if receiver.poll() is None:
            receiver.kill()
        await store.close()
    return latencies


def _summary(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    return {
        "median_ms": round(statistics.median(ordered) * 1000, 2),
        "p90_ms": round(ordered[int(0.9 * (len(ordered) - 1))] * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
    }


async def measure(engine: str, url: str, poll_seconds: float, rounds: int) -> dict[str, Any]:
    setup = await open_store(url)
    await QueueService(setup).create_queue(QUEUE)
    await setup.close()
    results: dict[str, Any] = {}
    for mode, query in (("polling", "?wake_hints=off"), ("hints", "")):
        latencies = await trial(url + query, poll_seconds, rounds)
        results[mode] = _summary(latencies)
        print(f"{engine:10} {mode:8} {results[mode]}", flush=True)
    results["median_ratio_polling_over_hints"] = round(
        results["polling"]["median_ms"] / results["hints"]["median_ms"], 1
    )
    return results


async def run(admin_url: str | None, poll_seconds: float, rounds: int) -> dict[str, Any]:
    results: dict[str, Any] = {"poll_seconds": poll_seconds, "rounds": rounds}
    with tempfile.TemporaryDirectory() as tmp:
        sqlite_url = f"sqlite:///{Path(tmp) / 'wake.db'}"
        results["sqlite"] = await measure("sqlite", sqlite_url, poll_seconds, rounds)
    if admin_url is not None:
        url, drop = fresh_pg_database(admin_url)
        try:
            results["postgresql"] = await measure("postgresql", url, poll_seconds, rounds)
        finally:
            drop()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "PAYBUS_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument("--poll-seconds", type=float, default=1.0)
    parser.add_argument("--receive", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.receive:
        asyncio.run(receive(args.receive, args.poll_seconds))
        return
    admin_url = args.postgres if postgres_available(args.postgres) else None
    if admin_url is None:
        print(f"no PostgreSQL at {args.postgres}: SQLite only", flush=True)
    rounds = 10 if args.quick else 30
    results = asyncio.run(run(admin_url, args.poll_seconds, rounds))
    print("RESULT " + orjson.dumps(results).decode())


if __name__ == "__main__":
    main()
