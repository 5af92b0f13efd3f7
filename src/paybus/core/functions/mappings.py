"""Event-source mapping settings for SQS: Lambda's ranges, defaults and filter criteria."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from paybus.core.errors import InvalidParameterValue
from paybus.core.events.patterns import (
    CompiledPattern,
    PatternLimits,
    compile_pattern,
    matches_pattern,
)

MAX_FILTERS = 5
_PATTERN_LIMITS = PatternLimits(max_size=4096)


@dataclass(frozen=True, slots=True)
class MappingSettings:
    batch_size: int = 10
    maximum_batching_window_seconds: int = 0
    maximum_concurrency: int | None = None
    report_batch_item_failures: bool = False
    filters: tuple[str, ...] = ()
    compiled: tuple[CompiledPattern, ...] = field(default=(), compare=False, repr=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "BatchSize": self.batch_size,
            "MaximumBatchingWindowInSeconds": self.maximum_batching_window_seconds,
            "ScalingConfig": (
                {"MaximumConcurrency": self.maximum_concurrency}
                if self.maximum_concurrency is not None
                else {}
            ),
            "FunctionResponseTypes": (
                ["ReportBatchItemFailures"] if self.report_batch_item_failures else []
            ),
            "FilterCriteria": {"Filters": [{"Pattern": p} for p in self.filters]},
        }

    def accepts(self, body: str) -> bool:
        """Whether a message body passes the filters (no filters: every body does)."""
        if not self.compiled:
            return True
        try:
            parsed: Any = orjson.loads(body)
        except orjson.JSONDecodeError:
            parsed = body
        event = {"body": parsed}
        return any(matches_pattern(pattern, event) for pattern in self.compiled)


def parse_mapping_settings(given: Mapping[str, Any], *, fifo: bool) -> MappingSettings:
    """CreateEventSourceMapping's SQS settings, validated; `fifo` is the source queue's type."""
    batch_size = _integer(given, "BatchSize", 10, 1, 10 if fifo else 10_000)
    window = _integer(given, "MaximumBatchingWindowInSeconds", 0, 0, 300)
    if fifo and window:
        raise InvalidParameterValue(
            f"MaximumBatchingWindowInSeconds is not supported for FIFO queues (got {window})"
        )
    if batch_size > 10 and window < 1:
        raise InvalidParameterValue(
            f"Maximum batch window in seconds must be greater than 0 if maximum batch size is "
            f"greater than 10 (BatchSize {batch_size})"
        )
    scaling = given.get("ScalingConfig") or {}
    concurrency = None
    if "MaximumConcurrency" in scaling:
        concurrency = _integer(scaling, "ScalingConfig.MaximumConcurrency", 2, 2, 1000)
    types = list(given.get("FunctionResponseTypes") or [])
    for kind in types:
        if kind != "ReportBatchItemFailures":
            raise InvalidParameterValue(
                f"Value {kind!r} at 'functionResponseTypes' failed to satisfy constraint: "
                "Member must satisfy enum value set: [ReportBatchItemFailures]"
            )
    filters = [f.get("Pattern") for f in (given.get("FilterCriteria") or {}).get("Filters", [])]
    if len(filters) > MAX_FILTERS:
        raise InvalidParameterValue(
            f"FilterCriteria takes at most {MAX_FILTERS} filters, got {len(filters)}"
        )
    compiled = []
    for pattern in filters:
        if not isinstance(pattern, str):
            raise InvalidParameterValue(f"Filter pattern must be a JSON string, got {pattern!r}")
        compiled.append(compile_pattern(pattern, _PATTERN_LIMITS))
    return MappingSettings(
        batch_size, window, concurrency, bool(types), tuple(filters), tuple(compiled)
    )


def _integer(given: Mapping[str, Any], name: str, default: int, low: int, high: int) -> int:
    value = given.get(name.rsplit(".", 1)[-1], default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidParameterValue(
            f"Value {value!r} at '{name}' failed to satisfy constraint: Member must have value "
            f"between {low} and {high}"
        )
    return value
