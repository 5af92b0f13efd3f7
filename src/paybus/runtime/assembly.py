"""Building the runtime from a configuration: which services a process runs."""

from __future__ import annotations

from paybus.runtime.config import PaybusConfig
from paybus.runtime.maintenance import idempotency_sweeper
from paybus.runtime.services import Runtime
from paybus.runtime.workflows import build_workflows, workflow_services
from paybus.store.store import Store


def build_runtime(config: PaybusConfig, store: Store) -> Runtime:
    runtime = Runtime(store, config=config)
    runtime.add(idempotency_sweeper(store, config.maintenance.idempotency_sweep_seconds))
    runtime.workflows = build_workflows(store, config)
    for service in workflow_services(runtime.workflows):
        runtime.add(service)
    return runtime
