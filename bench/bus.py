"""Event bus throughput: PutEvents routed to queue targets, paybus (SQLite, PostgreSQL) against
moto's EventBridge + SQS backends driven in-process, in the same run.

Each bus has 10, 100 or 1,000 rules (`source` + one `detail-type` each, one queue target each,
rules spread over 10 queues); every event matches exactly one rule. Work on both sides: PutEvents
in batches of 10 until the events sit in their queues (paybus: durable, committed before PutEvents
returns; moto: in memory). paybus runs 4 producers side by side (group commit); moto is
single-threaded Python with no I/O, so one producer is its best case.

Latency: at a paced 1,000 events/s (a batch of 10 every 10 ms), the time from PutEvents' call
to the batch being receivable from its queue; p50 and p99 in ms.

    .venv/bin/python bench/bus.py [--quick] [--postgres URL]

Figures are medians over repetitions; read the ratios (the machine is shared). The last line is
`RESULT {json}`.
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

from paybus.core.queues.naming import QueueNaming
from paybus.runtime.bus.parts import BusParts
from paybus.runtime.queues import QueueService
from paybus.store.store import open_store

RULE_COUNTS = (10, 100, 1000)
QUEUES = 10
PRODUCERS = 4
SOURCE = "aws.partner/stripe.com/ed_bench"
ACCOUNT = "123456789012"
REGION = "us-east-1"
DETAIL = orjson.dumps({"id": "evt_1", "object": "event", "data": {"object": {"id": "in_1"}}})


def rule_pattern(i: int) -> str:
    return orjson.dumps({"source": [SOURCE], "detail-type": [f"type.{i}"]}).decode()


def batch(start: int, rules: int) -> list[dict[str, Any]]:
    return [
        {"Source": SOURCE, "DetailType": f"type.{(start + k) % rules}", "Detail": DETAIL.decode()}
        for k in range(10)
    ]


def queue_arn(i: int) -> str:
    return f"arn:aws:sqs:{REGION}:{ACCOUNT}:bench-{i % QUEUES}"


# -- paybus -------------------------------------------------------------------------------------


async def paybus_setup(url: str, rules: int) -> tuple[Any, BusParts, QueueService]:
    store = await open_store(url)
    queues = QueueService(store, QueueNaming(REGION, ACCOUNT))
    parts = BusParts.build(store, region=REGION, account=ACCOUNT)
    await parts.bus.start()
    for q in range(QUEUES):
        await queues.create_queue(f"bench-{q}")
    for i in range(rules):
        await parts.admin.put_rule(f"r{i}", rule_pattern(i))
        await parts.admin.put_targets(f"r{i}", [{"Id": "q", "Arn": queue_arn(i)}])
    return store, parts, queues


async def paybus_throughput(url: str, rules: int, total: int) -> float:
    store, parts, queues = await paybus_setup(url, rules)
    try:
        await parts.bus.put_events(batch(0, rules))  # matcher compiled, caches warm
        started = time.perf_counter()

        async def produce(offset: int) -> None:
            for start in range(offset * 10, total, PRODUCERS * 10):
                response = await parts.bus.put_events(batch(start, rules))
                assert response["FailedEntryCount"] == 0, response

        await asyncio.gather(*(produce(p) for p in range(PRODUCERS)))
        elapsed = time.perf_counter() - started
        held = 0
        for q in range(QUEUES):
            counts = await queues.get_queue_attributes(f"bench-{q}")
            held += int(counts["ApproximateNumberOfMessages"])
        assert held >= total, f"only {held} of {total} events reached their queues"
        return total / elapsed
    finally:
        await store.close()


async def paybus_latency(url: str, seconds: float) -> list[float]:
    """Paced at 1,000 events/s into one rule's queue: PutEvents call -> batch receivable."""
    store, parts, queues = await paybus_setup(url, 100)
    samples: list[float] = []
    try:
        entries = [{**e, "DetailType": "type.0"} for e in batch(0, 100)]
        deadline = time.perf_counter() + seconds
        tick = time.perf_counter()
        while time.perf_counter() < deadline:
            began = time.perf_counter()
            await parts.bus.put_events(entries)
            got = 0
            while got < 10:
                got += len(await queues.receive_message("bench-0", max_messages=10))
            samples.append((time.perf_counter() - began) * 1000)
            tick += 0.010
            pause = tick - time.perf_counter()
            if pause > 0:
                await asyncio.sleep(pause)  # pacing to the target rate is the point here
        return samples
    finally:
        await store.close()


# -- moto ---------------------------------------------------------------------------------------


def moto_backends() -> tuple[Any, Any]:
    try:
        import jsonpath_ng  # noqa: F401  # moto's events targets need it
        from moto.events.models import events_backends
        from moto.sqs.models import sqs_backends
    except ImportError:
        sys.exit("moto's EventBridge is not installed: pip install 'paybus[bench]'")
    events, sqs = events_backends[ACCOUNT][REGION], sqs_backends[ACCOUNT][REGION]
    events.reset()
    sqs.reset()
    return events_backends[ACCOUNT][REGION], sqs_backends[ACCOUNT][REGION]


def moto_throughput(rules: int, total: int) -> float:
    events, sqs = moto_backends()
    for q in range(QUEUES):
        sqs.create_queue(f"bench-{q}")
    for i in range(rules):
        events.put_rule(f"r{i}", event_pattern=rule_pattern(i), state="ENABLED")
        events.put_targets(f"r{i}", None, [{"Id": "q", "Arn": queue_arn(i)}])
    started = time.perf_counter()
    for start in range(0, total, 10):
        events.put_events(batch(start, rules))
    elapsed = time.perf_counter() - started
    held = sum(len(sqs.get_queue(f"bench-{q}").messages) for q in range(QUEUES))
    assert held >= total, f"moto: only {held} of {total} events reached their queues"
    return total / elapsed


# -- the run ------------------------------------------------------------------------------------


def _median(trials: list[float]) -> float:
    return round(statistics.median(trials), 1)


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * fraction))], 2)


def engine_urls(tmp: str, pg: str | None) -> list[tuple[str, Callable[[], tuple[str, Any]]]]:
    counter = iter(range(10**6))
    engines: list[tuple[str, Callable[[], tuple[str, Any]]]] = [
        ("sqlite", lambda: (f"sqlite:///{tmp}/b{next(counter)}.db", lambda: None))
    ]
    if pg:
        engines.append(("postgresql", lambda: fresh_pg_database(pg)))
    return engines


def moto_totals(quick: bool) -> dict[int, int]:
    """moto loops over every rule per event: fewer events at 1,000 rules keep the run short."""
    return {10: 500, 100: 300, 1000: 60} if quick else {10: 2000, 100: 1000, 1000: 200}


def run(quick: bool, pg_admin: str | None) -> dict[str, Any]:
    repeats, total, latency_seconds = (3, 2000, 2.0) if quick else (5, 10000, 5.0)
    pg = pg_admin if pg_admin and postgres_available(pg_admin) else None
    results: dict[str, Any] = {"repeats": repeats, "events_per_trial": total, "moto": {}}
    for rules in RULE_COUNTS:
        trials = [moto_throughput(rules, moto_totals(quick)[rules]) for _ in range(repeats)]
        results["moto"][f"{rules}_rules_per_s"] = _median(trials)
    with tempfile.TemporaryDirectory() as tmp:
        for engine, fresh in engine_urls(tmp, pg):
            row: dict[str, Any] = {}
            for rules in RULE_COUNTS:
                trials = []
                for _ in range(repeats):
                    url, drop = fresh()
                    try:
                        trials.append(asyncio.run(paybus_throughput(url, rules, total)))
                    finally:
                        drop()
                row[f"{rules}_rules_per_s"] = _median(trials)
                row[f"{rules}_rules_ratio_vs_moto"] = round(
                    row[f"{rules}_rules_per_s"] / results["moto"][f"{rules}_rules_per_s"], 1
                )
            url, drop = fresh()
            try:
                samples = asyncio.run(paybus_latency(url, latency_seconds))
            finally:
                drop()
            row["latency_ms_p50_at_1000_per_s"] = _percentile(samples, 0.50)
            row["latency_ms_p99_at_1000_per_s"] = _percentile(samples, 0.99)
            results[engine] = row
    if not pg:
        results["postgresql"] = "skipped: no server answered"
    sqlite, postgres = results["sqlite"], results["postgresql"]
    results["targets"] = {
        "sqlite >= 5000/s at 100 rules": sqlite["100_rules_per_s"] >= 5000,
        "postgresql >= 2000/s at 100 rules": isinstance(postgres, dict)
        and postgres["100_rules_per_s"] >= 2000,
        "sqlite p99 < 20 ms at 1000/s": sqlite["latency_ms_p99_at_1000_per_s"] < 20,
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
