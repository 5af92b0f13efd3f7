"""Queue throughput: paybus (SQLite, PostgreSQL) against moto's SQS backend, in the same run.

Three workloads, each the same work on both sides:
- `single`: send 1 -> receive 1 -> delete 1, one client;
- `batch10`: send a batch of 10 -> receive 10 -> delete the batch, one client;
- `esm`: producers send batches of 10 while an event-source mapping (batch size 10) invokes a
  handler with Lambda's SQS event and deletes the batch; messages/s until all are handled.
  moto has no in-process poller, so its side runs the same loop by hand: receive 10, build the
  event, call the handler, delete the batch.
moto runs in memory with no durability; paybus commits every step. Figures are medians over
repetitions; read the ratios (the machine is shared).

    .venv/bin/python bench/queues.py [--quick] [--postgres URL]

The last line is `RESULT {json}`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).parent))
from store import fresh_pg_database, postgres_available  # the sibling benchmark

from paybus.core.functions import sqs_record
from paybus.core.queues.naming import QueueNaming
from paybus.runtime.functions import EventSourceMappings, FunctionConfig, Functions
from paybus.runtime.queues import QueueService
from paybus.store.store import open_store

BODY = orjson.dumps({"detail-type": "invoice.paid", "detail": {"id": "in_1", "amount": 4200}})


def _entries(start: int) -> list[dict[str, Any]]:
    return [{"Id": str(i), "MessageBody": BODY.decode()} for i in range(start, start + 10)]


# -- paybus -------------------------------------------------------------------------------------


async def paybus_cycles(url: str, seconds: float) -> dict[str, float]:
    store = await open_store(url)
    sqs = QueueService(store, QueueNaming())
    try:
        await sqs.create_queue("bench")
        count, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds:
            await sqs.send_message("bench", BODY.decode())
            (message,) = await sqs.receive_message("bench")
            await sqs.delete_message("bench", message.receipt_handle)
            count += 1
        single = count / (time.perf_counter() - started)
        count, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds:
            await sqs.send_message_batch("bench", _entries(0))
            batch = await sqs.receive_message("bench", max_messages=10)
            await sqs.delete_message_batch(
                "bench",
                [{"Id": str(i), "ReceiptHandle": m.receipt_handle} for i, m in enumerate(batch)],
            )
            count += len(batch)
        return {"single": single, "batch10": count / (time.perf_counter() - started)}
    finally:
        await store.close()


async def paybus_esm(url: str, total: int) -> float:
    store = await open_store(url)
    sqs = QueueService(store, QueueNaming(), poll_interval=0.05)
    functions = Functions(sqs)
    handled = 0
    done = asyncio.Event()

    async def handler(event: dict[str, Any], context: Any) -> None:
        nonlocal handled
        handled += len(event["Records"])
        if handled >= total:
            done.set()

    try:
        functions.register(FunctionConfig("bench", "x:y"), handler)
        await sqs.create_queue("esm")
        mappings = EventSourceMappings(functions, refresh_seconds=0.1, poll_seconds=0.05)
        await mappings.create(
            "esm", "bench", {"BatchSize": 10, "ScalingConfig": {"MaximumConcurrency": 8}}
        )
        stop = asyncio.Event()
        supervisor = asyncio.create_task(mappings.run(stop))
        await asyncio.sleep(0.3)  # pollers up and waiting
        started = time.perf_counter()

        async def produce(offset: int, step: int) -> None:
            for _ in range(offset, total, step):
                await sqs.send_message_batch("esm", _entries(0))

        await asyncio.gather(*(produce(p * 10, 40) for p in range(4)))
        await asyncio.wait_for(done.wait(), 120)
        while (await sqs.get_queue_attributes("esm"))[
            "ApproximateNumberOfMessagesNotVisible"
        ] != "0":
            await asyncio.sleep(0.005)  # the last acknowledgements
        elapsed = time.perf_counter() - started
        stop.set()
        await supervisor
        return total / elapsed
    finally:
        functions.close()
        await store.close()


# -- moto ---------------------------------------------------------------------------------------


def _moto_entries() -> dict[str, dict[str, Any]]:
    """A batch as moto's backend takes it (its HTTP layer fills in the optional keys)."""
    return {e["Id"]: {**e, "MessageAttributes": {}, "DelaySeconds": 0} for e in _entries(0)}


def moto_backend() -> Any:
    try:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.sqs.models import sqs_backends
    except ImportError:
        sys.exit("moto is not installed: pip install 'paybus[dev]'")
    backend = sqs_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
    backend.reset()
    return backend


def moto_cycles(seconds: float) -> dict[str, float]:
    backend = moto_backend()
    backend.create_queue("bench")
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        backend.send_message("bench", BODY.decode())
        (message,) = backend.receive_message("bench", 1, 0, 30)
        backend.delete_message("bench", message.receipt_handle)
        count += 1
    single = count / (time.perf_counter() - started)
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        backend.send_message_batch("bench", _moto_entries())
        batch = backend.receive_message("bench", 10, 0, 30)
        backend.delete_message_batch(
            "bench",
            [{"Id": str(i), "ReceiptHandle": m.receipt_handle} for i, m in enumerate(batch)],
        )
        count += len(batch)
    return {"single": single, "batch10": count / (time.perf_counter() - started)}


def moto_esm(total: int) -> float:
    """The poller's work done by hand: send a batch, receive 10, build the event, delete."""
    from paybus.core.queues import QueueMessage

    backend = moto_backend()
    backend.create_queue("esm")
    arn = "arn:aws:sqs:us-east-1:123456789012:esm"
    handled = 0
    started = time.perf_counter()
    # interleaved, so moto's queue stays short: its receive scans every message it holds
    while handled < total:
        backend.send_message_batch("esm", _moto_entries())
        batch = backend.receive_message("esm", 10, 0, 30)
        records = [
            sqs_record(
                QueueMessage(
                    m.id, m.receipt_handle, m.body, m.body_md5, {}, None,
                    int(m.sent_timestamp), m.approximate_receive_count,
                    int(m.approximate_first_receive_timestamp),
                ),
                queue_arn=arn, region="us-east-1", sender_id="123456789012",
            )
            for m in batch
        ]  # fmt: skip
        handled += len({"Records": records}["Records"])
        backend.delete_message_batch(
            "esm", [{"Id": str(i), "ReceiptHandle": m.receipt_handle} for i, m in enumerate(batch)]
        )
    return total / (time.perf_counter() - started)


# -- the run ------------------------------------------------------------------------------------


def _median(trials: list[float]) -> float:
    return round(statistics.median(trials))


def run(quick: bool, pg_admin: str | None) -> dict[str, Any]:
    seconds, repeats, total = (1.0, 3, 2000) if quick else (3.0, 5, 10000)
    pg = pg_admin if pg_admin and postgres_available(pg_admin) else None
    engines: list[tuple[str, Callable[[], tuple[str, Callable[[], None]]]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        counter = iter(range(10**6))
        engines.append(("sqlite", lambda: (f"sqlite:///{tmp}/q{next(counter)}.db", lambda: None)))
        if pg:
            engines.append(("postgresql", lambda: fresh_pg_database(pg)))
        results: dict[str, Any] = {
            "seconds_per_trial": seconds,
            "repeats": repeats,
            "esm_messages": total,
        }
        moto: dict[str, list[float]] = {"single": [], "batch10": [], "esm": []}
        for _ in range(repeats):
            cycles = moto_cycles(seconds)
            moto["single"].append(cycles["single"])
            moto["batch10"].append(cycles["batch10"])
            moto["esm"].append(moto_esm(total))
        results["moto"] = {k: _median(v) for k, v in moto.items()}
        for engine, fresh in engines:
            ours: dict[str, list[float]] = {"single": [], "batch10": [], "esm": []}
            for _ in range(repeats):
                url, drop = fresh()
                try:
                    cycles = asyncio.run(paybus_cycles(url, seconds))
                    ours["single"].append(cycles["single"])
                    ours["batch10"].append(cycles["batch10"])
                finally:
                    drop()
                url, drop = fresh()
                try:
                    ours["esm"].append(asyncio.run(paybus_esm(url, total)))
                finally:
                    drop()
            medians = {k: _median(v) for k, v in ours.items()}
            results[engine] = {
                **{f"{k}_per_s": v for k, v in medians.items()},
                **{
                    f"{k}_ratio_vs_moto": round(v / results["moto"][k], 2)
                    for k, v in medians.items()
                },
            }
        if not pg:
            results["postgresql"] = "skipped: no server answered"
    results["targets"] = {
        "sqlite esm >= 5000/s": results["sqlite"]["esm_per_s"] >= 5000,
        "postgresql esm >= 2000/s": isinstance(results["postgresql"], dict)
        and results["postgresql"]["esm_per_s"] >= 2000,
    }
    return results


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
    for name in ("moto", "sqlite", "postgresql"):
        print(f"{name:>10}: {results[name]}")
    sys.stdout.write("RESULT " + orjson.dumps(results).decode() + "\n")


if __name__ == "__main__":
    main()
