"""Prometheus metrics of the storage layer, shared by both engines."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

UNITS = Counter(
    "paybus_store_units_total",
    "Units of work run by the store, by engine, kind (read/write) and outcome.",
    ["engine", "kind", "outcome"],
)
COMMIT_BATCH = Histogram(
    "paybus_store_commit_batch_units",
    "Units of work committed together in one transaction (SQLite group commit).",
    ["engine"],
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512),
)
COMMIT_SECONDS = Histogram(
    "paybus_store_commit_seconds",
    "Time to run and commit one transaction.",
    ["engine"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
WAKES_SENT = Counter(
    "paybus_wake_hints_sent_total",
    "Wake-up hints (PostgreSQL NOTIFY, SQLite datagrams) sent to other processes, by topic kind.",
    ["kind"],
)
WAKES_RECEIVED = Counter(
    "paybus_wake_hints_received_total",
    "Wake-up hints received by this process's listener, by topic kind.",
    ["kind"],
)
WAKE_RECONNECTS = Counter(
    "paybus_wake_listener_reconnects_total",
    "Times the wake-up listener lost its PostgreSQL connection and connected again.",
)
WAKE_LISTENING = Gauge(
    "paybus_wake_listener_connected",
    "1 while the wake-up listener listens (a LISTENing PostgreSQL connection, a SQLite socket).",
)
