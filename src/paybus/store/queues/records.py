"""What the queue units return: plain frozen records, no rows or driver types."""

from __future__ import annotations

from dataclasses import dataclass

from paybus.core.queues import QueueAttributes, QueueMessage


@dataclass(frozen=True, slots=True)
class QueueRecord:
    id: int
    name: str
    attributes: QueueAttributes
    tags: dict[str, str]
    created_at_ms: int
    updated_at_ms: int


@dataclass(frozen=True, slots=True)
class QueueCounts:
    visible: int
    in_flight: int
    delayed: int


@dataclass(frozen=True, slots=True)
class SendResult:
    message_id: str
    md5_of_body: str
    md5_of_attributes: str | None
    sequence_number: str | None
    #: a FIFO duplicate within the deduplication window: accepted, not enqueued again
    duplicate: bool = False


@dataclass(frozen=True, slots=True)
class ReceiveResult:
    messages: list[QueueMessage]
    #: when the next message becomes visible (epoch ms), if any is delayed or in flight
    next_visible_at_ms: int | None
    #: messages moved to the dead-letter queue by this receive
    dead_lettered: int = 0


@dataclass(frozen=True, slots=True)
class MoveTask:
    handle: str
    source_queue: str
    destination_queue: str | None
    max_per_second: int | None
    status: str
    moved: int
    to_move: int
    failure_reason: str | None
    started_at_ms: int
