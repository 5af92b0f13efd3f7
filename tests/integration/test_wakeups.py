"""Cross-process wake-ups: work committed by one process is noticed by another at once
(LISTEN/NOTIFY on PostgreSQL, datagrams between the processes sharing a SQLite file), not at
its next poll, which these tests set to 30 s. A lost hint or a dropped listener connection costs
a poll interval, never the work itself.

Each "process" is a runtime with its own store (its own pool and listener): they share nothing
but the database, as separate processes do. `test_a_worker_process_*` runs a real `paybus worker`.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from queue import Empty, Queue
from typing import Any

import pytest

from paybus.runtime.assembly import build_runtime
from paybus.runtime.config import PaybusConfig
from paybus.runtime.functions import FunctionConfig
from paybus.runtime.queues import QueueService
from paybus.runtime.services import Runtime
from paybus.runtime.wakes import WakeRouter
from paybus.runtime.workflows import build_workflows
from paybus.store.metrics import WAKE_RECONNECTS
from paybus.store.store import open_store
from paybus.store.wakes import EVERYTHING

POSTGRES_ONLY = "a PostgreSQL listener's connection"
SLOW_POLL = 30.0
QUICK = 1.0
PAYBUS = str(Path(sys.executable).parent / "paybus")


def config(poll_seconds: float = SLOW_POLL) -> PaybusConfig:
    return PaybusConfig.model_validate(
        {
            "queue_settings": {"poll_seconds": poll_seconds},
            "workflows": {"poll_seconds": poll_seconds},
        }
    )


@pytest.fixture
def url(store_url: str) -> str:
    """A database on either engine, shared by the test's processes."""
    return store_url


@pytest.fixture
def pg_only_url(store_url: str) -> str:
    if store_url.startswith("sqlite"):
        pytest.skip(POSTGRES_ONLY)
    return store_url


def listener_of(runtime: Runtime) -> Any:
    """The process's wake-up listener (`store/postgres/listener.py`, `store/sqlite/wakes.py`)."""
    for service in runtime.services:
        if service.name == "wake-listener":
            return service.run.__self__  # type: ignore[attr-defined]
    raise AssertionError("the runtime has no wake-up listener")


@asynccontextmanager
async def process(
    url: str, poll_seconds: float = SLOW_POLL, **register: Any
) -> AsyncIterator[Runtime]:
    """A paybus process (`paybus up` without HTTP) on `url`, listening for wake-ups."""
    store = await open_store(url)
    runtime = build_runtime(config(poll_seconds), store)
    assert runtime.functions is not None
    for name, handler in register.items():
        runtime.functions.register(FunctionConfig(name, f"tests:{name}"), handler)
    await runtime.start()
    await asyncio.wait_for(listener_of(runtime).listening.wait(), 10)
    try:
        yield runtime
    finally:
        await runtime.drain(timeout=5)
        await store.close()


def queues(runtime: Runtime) -> QueueService:
    assert runtime.queues is not None
    return runtime.queues


async def timed_receive(receiver: Runtime, sender: Runtime, queue: str) -> tuple[float, list[str]]:
    """Seconds from a send in `sender` to a waiting long poll in `receiver` getting it."""
    receive = asyncio.create_task(queues(receiver).receive_message(queue, wait_time_seconds=20))
    await asyncio.sleep(0.3)  # the long poll has looked once and waits
    started = time.monotonic()
    await queues(sender).send_message(queue, "paid")
    got = await asyncio.wait_for(receive, SLOW_POLL)
    return time.monotonic() - started, [m.body for m in got]


async def test_a_send_in_one_process_wakes_a_long_poll_in_another(url: str) -> None:
    async with process(url) as api, process(url) as other:
        await queues(api).create_queue("orders")
        elapsed, bodies = await timed_receive(other, api, "orders")
        assert bodies == ["paid"]
        assert elapsed < QUICK, f"woken after {elapsed:.2f} s: the poll found it, not the hint"


async def test_a_workflow_task_and_its_callback_are_picked_up_by_another_process(
    url: str,
) -> None:
    tokens: asyncio.Queue[str] = asyncio.Queue()

    def register(event: Any, context: Any) -> None:
        tokens.put_nowait(event["token"])

    def double(event: Any, context: Any) -> Any:
        return {"doubled": event["n"] * 2}

    machine = {
        "StartAt": "Approve",
        "States": {
            "Approve": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                "Parameters": {"FunctionName": "register", "Payload": {"token.$": "$$.Task.Token"}},
                "ResultPath": None,
                "Next": "Double",
            },
            "Double": {"Type": "Task", "Resource": "double", "End": True},
        },
    }
    async with process(url, register=register, double=double) as worker:
        # the CLI's way: this process only starts executions and answers callbacks
        cli_store = await open_store(url)
        try:
            cli = build_workflows(cli_store, config(), run_tasks_here=False)
            created = await cli.create_state_machine("payout", json.dumps(machine))
            started = time.monotonic()
            execution = await cli.start_execution(created.arn, "p-1", '{"n": 21}')
            token = await asyncio.wait_for(tokens.get(), SLOW_POLL)
            task_latency = time.monotonic() - started

            answered = time.monotonic()
            await cli.send_task_success(token, "{}")
            assert worker.workflows is not None
            done = await worker.workflows.wait_for_execution(execution.arn, SLOW_POLL)
            callback_latency = time.monotonic() - answered
        finally:
            await cli_store.close()
    assert done.status == "SUCCEEDED" and json.loads(done.output or "") == {"doubled": 42}
    assert task_latency < QUICK, f"first task picked up after {task_latency:.2f} s"
    assert callback_latency < QUICK, f"task after the callback ran after {callback_latency:.2f} s"


async def test_an_express_execution_started_by_the_cli_runs_in_a_worker_at_once(url: str) -> None:
    ran: asyncio.Queue[float] = asyncio.Queue()

    def record(event: Any, context: Any) -> None:
        ran.put_nowait(time.monotonic())

    machine = {
        "StartAt": "Record",
        "States": {"Record": {"Type": "Task", "Resource": "record", "End": True}},
    }
    async with process(url, record=record):
        cli_store = await open_store(url)
        try:
            cli = build_workflows(cli_store, config(), run_tasks_here=False)
            created = await cli.create_state_machine("quick", json.dumps(machine), type="EXPRESS")
            started = time.monotonic()
            await cli.start_execution(created.arn, "q-1", "{}")
            latency = await asyncio.wait_for(ran.get(), SLOW_POLL) - started
        finally:
            await cli_store.close()
    assert latency < QUICK, f"the worker ran it after {latency:.2f} s"


async def test_the_listener_reconnects_after_its_connection_is_killed(pg_only_url: str) -> None:
    url = pg_only_url
    import psycopg

    async with process(url) as api, process(url) as other:
        await queues(api).create_queue("orders")
        listener = listener_of(other)
        killed = listener.backend_pid
        reconnects = WAKE_RECONNECTS._value.get()
        async with await psycopg.AsyncConnection.connect(url, autocommit=True) as admin:
            await admin.execute("SELECT pg_terminate_backend(%s)", [killed])
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10
        while listener.backend_pid in (None, killed):
            assert loop.time() < deadline, "the listener did not reconnect"
            await asyncio.sleep(0.02)
        assert WAKE_RECONNECTS._value.get() == reconnects + 1

        elapsed, bodies = await timed_receive(other, api, "orders")
        assert bodies == ["paid"] and elapsed < QUICK, f"woken after {elapsed:.2f} s"


async def test_a_lost_hint_costs_the_poll_interval_not_the_message(url: str) -> None:
    async with process(url) as api, process(url, poll_seconds=0.5) as other:
        await queues(api).create_queue("orders")
        engine: Any = api.store.engine
        if api.store.dialect.name == "postgresql":
            engine._notifier.add = lambda topics: None
        else:
            engine._wakes.send = lambda topics: None
        elapsed, bodies = await timed_receive(other, api, "orders")
        assert bodies == ["paid"], "the poll finds what the lost hint did not announce"
        assert elapsed < 0.5 + QUICK


# -- a real `paybus worker` ---------------------------------------------------------------------

HANDLERS = """
import time


def seen(event, context):
    for record in event["Records"]:
        context.tables.put_item("seen", {"id": record["body"], "at": time.time()})
"""

PROJECT = """
[queue_settings]
poll_seconds = 30.0

[workflows]
poll_seconds = 30.0

[[queues]]
name = "orders"

[[functions]]
name = "seen"
handler = "handlers:seen"

[[event_source_mappings]]
queue = "orders"
function = "seen"
"""


@pytest.fixture
def worker(url: str, tmp_path: Path) -> Iterator[Queue[dict[str, Any]]]:
    """A `paybus worker` process on `url`; yields its JSON log lines as they come."""
    (tmp_path / "handlers.py").write_text(HANDLERS)
    (tmp_path / "paybus.toml").write_text(PROJECT)
    process = subprocess.Popen(
        [PAYBUS, "worker", "--store", url, "--log-format", "json"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: Queue[dict[str, Any]] = Queue()

    def read() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            if line.startswith("{"):
                lines.put(json.loads(line))

    threading.Thread(target=read, daemon=True).start()
    try:
        yield lines
    finally:
        process.kill()  # its pollers wait out their 30 s poll before a graceful stop
        process.wait(timeout=20)


def wait_for_action(lines: Queue[dict[str, Any]], action: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            line = lines.get(timeout=max(deadline - time.monotonic(), 0.01))
        except Empty:
            raise AssertionError(f"the worker never logged {action!r}") from None
        if line.get("action") == action:
            return


async def test_a_worker_process_handles_a_message_sent_by_another_process_at_once(
    url: str, worker: Queue[dict[str, Any]]
) -> None:
    store = await open_store(url)
    try:
        await store.tables.create_table("seen", "id")
        sender = QueueService(store)
        await asyncio.to_thread(wait_for_action, worker, "store.wake_listening")

        async def handled(body: str) -> float:
            sent = time.time()
            await sender.send_message("orders", body)
            deadline = time.monotonic() + SLOW_POLL
            while (item := await store.tables.get_item("seen", {"id": body})) is None:
                assert time.monotonic() < deadline, f"{body} was never handled"
                await asyncio.sleep(0.01)
            return float(item["at"]) - sent

        await handled("warm-up")  # the mapping's pollers are running and waiting
        latencies = [await handled(f"order-{n}") for n in range(3)]
    finally:
        await store.close()
    assert max(latencies) < QUICK, f"handled after {latencies} s: the poll found them"


async def test_wake_hints_off_leaves_a_process_to_its_poll(url: str) -> None:
    store = await open_store(f"{url}{'&' if '?' in url else '?'}wake_hints=off")
    try:
        assert store.wake_listener(lambda topic: None) is None
    finally:
        await store.close()


async def test_each_topic_wakes_the_loop_that_waits_for_it(tmp_path: Path) -> None:
    store = await open_store(f"sqlite:///{tmp_path / 'paybus.db'}")
    try:
        runtime = build_runtime(config(), store)
        assert runtime.queues and runtime.bus and runtime.workflows
        engine = runtime.workflows.engine
        route = WakeRouter(queues=runtime.queues.wakeups, bus=runtime.bus, engine=engine)
        orders, refunds = (runtime.queues.wakeups.arm(q) for q in ("orders", "refunds"))

        route("queue:orders")
        route("workflows:tasks")
        route("a topic of a newer paybus")  # ignored
        assert orders.is_set() and not refunds.is_set()
        assert engine._claim_wake.is_set() and not engine._timer_wake.is_set()
        assert not runtime.bus.deliveries_waiting.is_set()

        route(EVERYTHING)  # the listener reconnected: hints may have been missed
        assert refunds.is_set() and engine._timer_wake.is_set()
        assert runtime.bus.deliveries_waiting.is_set()
        assert [s.name for s in runtime.services].count("wake-listener") == 1
    finally:
        await store.close()


async def test_a_quiet_listener_checks_its_connection_and_keeps_hearing(pg_only_url: str) -> None:
    url = pg_only_url
    import psycopg

    from paybus.store.postgres.listener import WakeListener

    heard: list[str] = []
    store = await open_store(url)
    assert store.settings.dsn is not None
    listener = WakeListener(store.settings.dsn, url, heard.append, check_seconds=0.1)
    stop = asyncio.Event()
    task = asyncio.create_task(listener.run(stop))
    try:
        await asyncio.wait_for(listener.listening.wait(), 10)
        pid = listener.backend_pid
        await asyncio.sleep(0.5)  # several quiet spells, each ended by a liveness check
        async with await psycopg.AsyncConnection.connect(url, autocommit=True) as other:
            await other.execute("SELECT pg_notify('paybus_wake', 'queue:orders')")
        for _ in range(200):
            if heard:
                break
            await asyncio.sleep(0.01)
        assert heard == ["queue:orders"] and listener.backend_pid == pid
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)
        await store.close()


async def test_a_publication_notifies_its_queues_and_the_dispatcher_once(pg_only_url: str) -> None:
    url = pg_only_url
    import psycopg

    store = await open_store(url)
    assert store.settings.dsn is not None
    listening = await psycopg.AsyncConnection.connect(store.settings.dsn, autocommit=True)
    try:
        await listening.execute("LISTEN paybus_wake")
        runtime = build_runtime(config(), store)  # not started: no dispatcher takes them
        assert runtime.bus and runtime.bus_admin and runtime.queues
        await runtime.bus.start()
        await runtime.queues.create_queue("notifications")
        await runtime.bus_admin.put_rule("paid", {"detail-type": ["invoice.paid"]})
        await runtime.bus_admin.put_targets(
            "paid",
            [
                {"Id": "q", "Arn": "arn:aws:sqs:us-east-1:000000000000:notifications"},
                {"Id": "fn", "Arn": "arn:aws:lambda:us-east-1:000000000000:function:credit"},
            ],
        )
        entries = [
            {"Source": "billing", "DetailType": "invoice.paid", "Detail": json.dumps({"n": n})}
            for n in range(5)
        ]
        assert (await runtime.bus.put_events(entries))["FailedEntryCount"] == 0
        heard = [n.payload async for n in listening.notifies(timeout=1.0)]
        assert sorted(heard) == ["deliveries", "queue:notifications"]
        assert runtime.functions is not None
        runtime.functions.close()
    finally:
        await listening.close()
        await store.close()


async def test_a_listener_without_a_server_keeps_retrying_and_stops_when_asked(
    caplog: pytest.LogCaptureFixture,
) -> None:
    pytest.importorskip("psycopg")
    from paybus.store.postgres.listener import WakeListener

    unreachable = "postgresql://postgres@127.0.0.1:1/paybus"
    listener = WakeListener(unreachable, unreachable, lambda topic: None)
    stop = asyncio.Event()
    task = asyncio.create_task(listener.run(stop))
    await asyncio.sleep(0.5)  # a few attempts, backing off
    stop.set()
    await asyncio.wait_for(task, 2)
    attempts = [r for r in caplog.records if getattr(r, "action", "") == "store.wake_listener_lost"]
    assert len(attempts) >= 2 and not listener.listening.is_set()
    assert "polling carries on" in attempts[0].getMessage()
