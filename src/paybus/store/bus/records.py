"""What the bus store hands back: plain frozen records, no rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class BusRecord:
    name: str
    event_source_name: str | None
    description: str | None
    policy: dict[str, Any] | None
    rules_version: int
    created_at_ms: int


@dataclass(frozen=True, slots=True)
class RuleRecord:
    bus_name: str
    name: str
    event_pattern: str
    state: str
    description: str | None
    created_at_ms: int
    updated_at_ms: int

    @property
    def enabled(self) -> bool:
        return self.state == "ENABLED"


@dataclass(frozen=True, slots=True)
class TargetRecord:
    bus_name: str
    rule_name: str
    target_id: str
    arn: str
    #: the target as PutTargets gave it (Input, InputTransformer, RetryPolicy, ...)
    settings: dict[str, Any]


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    id: int
    event_id: str
    bus_name: str
    rule_name: str
    rule_arn: str
    target_id: str
    target_arn: str
    payload: str
    attempts: int
    created_at_ms: int


@dataclass(frozen=True, slots=True)
class ArchiveRecord:
    name: str
    bus_name: str
    event_pattern: str | None
    description: str | None
    retention_days: int
    state: str
    created_at_ms: int
    event_count: int = 0
    size_bytes: int = 0


@dataclass(frozen=True, slots=True)
class ReplayRecord:
    name: str
    archive_name: str
    bus_name: str
    rule_filter: list[str] | None
    start_time_ms: int
    end_time_ms: int
    state: str
    state_reason: str | None
    last_replayed_time_ms: int | None
    replayed: int
    total: int
    started_at_ms: int
    finished_at_ms: int | None


@dataclass(frozen=True, slots=True)
class ConnectionRecord:
    name: str
    authorization_type: str
    #: AuthParameters as CreateConnection gave them, secrets included (never answered back)
    auth_parameters: dict[str, Any]
    description: str | None
    state: str
    created_at_ms: int
    updated_at_ms: int


@dataclass(frozen=True, slots=True)
class ApiDestinationRecord:
    name: str
    connection_name: str
    endpoint: str
    http_method: str
    rate_limit_per_second: int | None
    description: str | None
    state: str
    created_at_ms: int
    updated_at_ms: int
