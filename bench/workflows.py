"""Durable workflow throughput: paybus on SQLite against moto's Step Functions and DBOS, same run.

Two workloads, each run to completion for every execution:
- `chain`: a 10-state Pass chain (10 state transitions per execution);
- `loyalty`: the seed's loyalty engagement state machine, verbatim, with trivial functions for
  its six Lambda names, cycling through its three paths (standard purchase; high value with the
  follow-up campaign resumed by SendTaskSuccess; tier upgrade, whose follow-up fails with
  States.Runtime as on AWS).

Peers: moto 5 with `execute_state_machine` (LocalStack's interpreter, in memory, through boto3;
its Lambda is moto's no-Docker stub) and DBOS workflows on SQLite (one step per state; the
follow-up waits on `DBOS.recv`). paybus commits every transition to SQLite before it counts.
Figures are medians over repetitions; the ratios are what to read (the machine is shared).

    .venv/bin/python bench/workflows.py [--quick]

The last line is `RESULT {json}`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import logging
import statistics
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import orjson
from rich.console import Console
from rich.table import Table

from paybus.runtime.services import Runtime
from paybus.runtime.workflows import LambdaFunctions, Workflows, build_workflows, workflow_services
from paybus.store.store import Store, open_store

console = Console(stderr=True)
ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared" / "seeds" / "000_ae48002337be7285.txt"
CHAIN = {
    "StartAt": "S0",
    "States": {
        f"S{i}": {"Type": "Pass", **({"Next": f"S{i + 1}"} if i < 9 else {"End": True})}
        for i in range(10)
    },
}
BASE = {"customer_id": "cus_1", "current_tier": "GOLD", "points_earned": 120, "total_points": 900}
LOYALTY_INPUTS = [
    {**BASE, "tier_changed": False},  # standard purchase: Choice, Task
    {**BASE, "tier_changed": False, "points_earned": 800},  # high value: + follow-up callback
    {**BASE, "tier_changed": True},  # tier upgrade: Parallel of 3, follow-up fails (as on AWS)
]
#: states entered per execution on each loyalty path (checked against paybus's history)
LOYALTY_TRANSITIONS = [2, 3, 6]
FUNCTIONS = [
    "dev-send-tier-upgrade-email",
    "dev-update-crm-profile",
    "dev-generate-tier-offers",
    "dev-high-value-engagement",
    "dev-standard-purchase-confirmation",
]
FOLLOW_UP = "dev-schedule-follow-up-campaign"


def loyalty_definition() -> dict[str, Any]:
    text = SEED.read_text()
    start = text.rindex("{", 0, text.index('"Comment": "Umbrella Loyalty'))
    definition, _ = json.JSONDecoder().raw_decode(text[start:])
    return definition  # type: ignore[no-any-return]


def workload(kind: str, n: int) -> tuple[Any, list[Any], int]:
    """(definition, inputs, transitions in total)."""
    if kind == "chain":
        return CHAIN, [{"n": i} for i in range(n)], 10 * n
    inputs = [LOYALTY_INPUTS[i % 3] for i in range(n)]
    return loyalty_definition(), inputs, sum(LOYALTY_TRANSITIONS[i % 3] for i in range(n))


def figures(n: int, transitions: int, seconds: float, latencies: list[float]) -> dict[str, float]:
    return {
        "executions_per_s": n / seconds,
        "transitions_per_s": transitions / seconds,
        "p50_ms": statistics.median(latencies) * 1000 if latencies else 0.0,
    }


# -- paybus --------------------------------------------------------------------------------------


def paybus_functions(store: Store, workflows: list[Workflows]) -> LambdaFunctions:
    functions = LambdaFunctions.in_memory(store)
    for name in FUNCTIONS:
        functions.register(name, lambda event, context: event)

    async def follow_up(event: Any, context: Any) -> Any:
        # the campaign service answers later, through SendTaskSuccess with the token
        token = event["task_token"]
        asyncio.get_running_loop().call_soon(
            lambda: asyncio.ensure_future(workflows[0].send_task_success(token, '"scheduled"'))
        )
        return {"scheduled": True}

    functions.register(FOLLOW_UP, follow_up)
    return functions


async def paybus_run(kind: str, n: int, concurrency: int = 64) -> dict[str, float]:
    definition, inputs, transitions = workload(kind, n)
    with tempfile.TemporaryDirectory() as directory:
        store = await open_store(f"sqlite:///{Path(directory) / 'paybus.db'}")
        holder: list[Workflows] = []
        workflows = build_workflows(store, invoker=paybus_functions(store, holder))
        holder.append(workflows)
        runtime = Runtime(store, workflow_services(workflows))
        await runtime.start()
        machine = await workflows.create_state_machine(kind, json.dumps(definition))
        gate = asyncio.Semaphore(concurrency)
        latencies: list[float] = []

        async def one(i: int, value: Any) -> None:
            async with gate:
                began = time.perf_counter()
                started = await workflows.start_execution(machine.arn, f"e{i}", json.dumps(value))
                if started.status == "RUNNING":
                    await workflows.engine.wait_closed(started.arn, timeout=120)
                latencies.append(time.perf_counter() - began)

        began = time.perf_counter()
        await asyncio.gather(*(one(i, value) for i, value in enumerate(inputs)))
        seconds = time.perf_counter() - began
        if kind == "loyalty":
            await _check_paybus_paths(workflows, machine.arn)
        await runtime.drain(timeout=10)
        await store.close()
    return figures(n, transitions, seconds, latencies)


async def _check_paybus_paths(workflows: Workflows, machine_arn: str) -> None:
    for i, expected in enumerate(LOYALTY_TRANSITIONS):
        arn = machine_arn.replace(":stateMachine:", ":execution:") + f":e{i}"
        events = (await workflows.get_execution_history(arn, max_results=1000)).events
        entered = sum(e["type"].endswith("StateEntered") for e in events)
        assert entered == expected, (i, entered, [e["type"] for e in events])


# -- moto -----------------------------------------------------------------------------------------


def moto_run(kind: str, n: int, concurrency: int = 16) -> dict[str, float]:
    import boto3
    from moto import mock_aws

    definition, inputs, transitions = workload(kind, n)
    config = {"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}
    with mock_aws(config=config):  # type: ignore[arg-type]
        sfn = boto3.client("stepfunctions", region_name="us-east-1")
        role = _moto_role_and_functions()
        arn = sfn.create_state_machine(name=kind, definition=json.dumps(definition), roleArn=role)[
            "stateMachineArn"
        ]
        latencies: list[float] = []

        def one(i: int) -> None:
            began = time.perf_counter()
            execution = sfn.start_execution(
                stateMachineArn=arn, name=f"e{i}", input=json.dumps(inputs[i])
            )["executionArn"]
            _moto_until_closed(sfn, execution, callback=kind == "loyalty" and i % 3 == 1)
            latencies.append(time.perf_counter() - began)

        began = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(one, range(n)))
        seconds = time.perf_counter() - began
    return figures(n, transitions, seconds, latencies)


def _moto_role_and_functions() -> str:
    import boto3

    iam = boto3.client("iam", region_name="us-east-1")
    role: str = iam.create_role(RoleName="sfn", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("f.py", "def handler(event, context):\n    return event\n")
    lambda_client = boto3.client("lambda", region_name="us-east-1")
    for name in [*FUNCTIONS, FOLLOW_UP]:
        lambda_client.create_function(
            FunctionName=name,
            Runtime="python3.11",
            Role=role,
            Handler="f.handler",
            Code={"ZipFile": code.getvalue()},
        )
    return role


def _moto_until_closed(sfn: Any, arn: str, *, callback: bool) -> None:
    answered = not callback
    while (status := sfn.describe_execution(executionArn=arn)["status"]) == "RUNNING":
        if not answered:
            answered = _moto_answer_follow_up(sfn, arn)
        time.sleep(0.002)
    assert status in ("SUCCEEDED", "FAILED"), status


def _moto_answer_follow_up(sfn: Any, arn: str) -> bool:
    """moto's Lambda stub runs no code: play the campaign service from the history's token."""
    for event in sfn.get_execution_history(executionArn=arn)["events"]:
        details = event.get("taskScheduledEventDetails")
        if details and "task_token" in details.get("parameters", ""):
            token = json.loads(details["parameters"])["Payload"]["task_token"]
            sfn.send_task_success(taskToken=token, output='"scheduled"')
            return True
    return False


# -- DBOS -----------------------------------------------------------------------------------------

_DBOS: dict[str, Any] = {}


def dbos_run(kind: str, n: int, concurrency: int = 8) -> dict[str, float]:
    _, inputs, transitions = workload(kind, n)
    workflows = _dbos_workflows()
    dbos = workflows["DBOS"]
    run = workflows[kind]
    latencies: list[float] = []

    def one(i: int) -> None:
        began = time.perf_counter()
        handle = dbos.start_workflow(run, inputs[i])
        if kind == "loyalty" and i % 3 == 1:
            dbos.send(handle.get_workflow_id(), "scheduled", "follow_up")
        with contextlib.suppress(Exception):  # the tier-upgrade path fails, as on AWS
            handle.get_result()
        latencies.append(time.perf_counter() - began)

    began = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, range(n)))
    seconds = time.perf_counter() - began
    return figures(n, transitions, seconds, latencies)


def _dbos_workflows() -> dict[str, Any]:
    if _DBOS:
        return _DBOS
    from dbos import DBOS

    directory = tempfile.mkdtemp(prefix="paybus-bench-dbos-")
    DBOS(config={"name": "bench", "system_database_url": f"sqlite:///{directory}/dbos.sqlite"})

    @DBOS.step()
    def state(value: Any) -> Any:
        return value

    @DBOS.workflow()
    def chain(value: Any) -> Any:
        for _ in range(10):
            value = state(value)
        return value

    @DBOS.workflow()
    def loyalty(value: Any) -> Any:
        state(value)  # the Choice
        if value["tier_changed"]:
            for _ in range(3):
                state(value)  # the Parallel's three branches
            raise RuntimeError("States.Runtime: $.customer_id not found in the Parallel output")
        state(value)  # the purchase task
        if value["points_earned"] > 500:
            state(value)  # the follow-up campaign, then its callback
            return DBOS.recv("follow_up", timeout_seconds=60)
        return value

    DBOS.launch()
    _DBOS.update({"DBOS": DBOS, "chain": chain, "loyalty": loyalty})
    return _DBOS


# -- main -----------------------------------------------------------------------------------------


def median_of(trials: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(t[key] for t in trials) for key in trials[0]}


def measure(
    name: str, run: Callable[[], dict[str, float]], repetitions: int
) -> dict[str, float] | None:
    try:
        trials = [run() for _ in range(repetitions)]
    except ImportError as missing:
        console.print(f"[yellow]{name}: not installed ({missing}); pip install 'paybus[bench]'")
        return None
    return median_of(trials)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer executions and repetitions")
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)  # DBOS logs the tier-upgrade path's failure
    repetitions = 2 if args.quick else 3
    sizes = (
        {"paybus": 300, "moto": 40, "dbos": 40}
        if args.quick
        else {
            "paybus": 2000,
            "moto": 150,
            "dbos": 150,
        }
    )
    results: dict[str, Any] = {"quick": args.quick, "workloads": {}}
    table = Table("workload", "engine", "executions/s", "transitions/s", "p50 ms")
    for kind in ("chain", "loyalty"):
        runs = {
            "paybus_sqlite": lambda k=kind: asyncio.run(paybus_run(k, sizes["paybus"])),
            "moto": lambda k=kind: moto_run(k, sizes["moto"]),
            "dbos_sqlite": lambda k=kind: dbos_run(k, sizes["dbos"]),
        }
        measured: dict[str, Any] = {}
        for engine, run in runs.items():
            console.print(f"{kind}: {engine} ...")
            outcome = measure(engine, run, repetitions)
            if outcome is None:
                continue
            measured[engine] = {k: round(v, 1) for k, v in outcome.items()}
            table.add_row(
                kind,
                engine,
                f"{outcome['executions_per_s']:.1f}",
                f"{outcome['transitions_per_s']:.0f}",
                f"{outcome['p50_ms']:.1f}",
            )
        ours = measured["paybus_sqlite"]["transitions_per_s"]
        for peer in ("moto", "dbos_sqlite"):
            if peer in measured:
                measured[f"ratio_vs_{peer}"] = round(ours / measured[peer]["transitions_per_s"], 1)
        results["workloads"][kind] = measured
    console.print(table)
    chain = results["workloads"]["chain"]
    results["target_1000_transitions_per_s"] = chain["paybus_sqlite"]["transitions_per_s"] >= 1000
    if _DBOS:
        _DBOS["DBOS"].destroy()
    sys.stdout.write("RESULT " + orjson.dumps(results).decode() + "\n")


if __name__ == "__main__":
    main()
