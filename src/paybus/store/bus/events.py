"""Publishing: an event, its archive copies and one delivery per (rule, target), in ONE unit.

Targets inside paybus receive their message in the same transaction (a queue gets its message
now); targets outside (functions, HTTP endpoints) get a pending delivery row that the dispatcher
works off. The unique key (event, bus, rule, target) makes a delivery exactly-once to record.
There is no event row of its own: an event lives on in what it reached (each target's message,
each archive, each pending delivery), so the hot path writes it once per target.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from paybus.core.errors import AlreadyExists, NotFound, PaybusError
from paybus.core.events.deadletter import (
    MAX_ATTEMPTS,
    NO_RESOURCE,
    SDK_CLIENT_ERROR,
    Failure,
    dead_letter_message,
)
from paybus.core.queues import OutgoingMessage
from paybus.store.bus.records import DeliveryRecord
from paybus.store.queues.messages import send_messages, send_to_queues
from paybus.store.sql import Fetch, Row, Sql, Unit, wake
from paybus.store.wakes import DELIVERIES

PENDING, DELIVERED, FAILED = "PENDING", "DELIVERED", "FAILED"
#: rows per multi-row INSERT: 200 deliveries use 2,600 parameters, far below either limit
_ROWS_PER_STATEMENT = 200


@dataclass(frozen=True, slots=True)
class QueueSend:
    """A message for a queue inside paybus, sent in the publishing transaction."""

    queue_name: str
    message: OutgoingMessage


@dataclass(frozen=True, slots=True)
class PlannedDelivery:
    rule_name: str
    rule_arn: str
    target_id: str
    target_arn: str
    payload: str
    #: set for local queue targets; None for targets the dispatcher calls later
    queue_send: QueueSend | None = None
    #: the target's dead-letter queue (DeadLetterConfig), if any
    dead_letter_queue: str | None = None
    #: a bus target: the event is published on that bus in the same write
    forwarded: bool = False
    #: why the message could not even be built (an empty InputPath result, ...): a failure
    problem: str | None = None
    #: a target inside paybus reached by a unit run in this same transaction (a state machine
    #: execution started with the event); it raises a PaybusError if the target cannot take it
    local: Callable[[], Unit[Any]] | None = None


@dataclass(frozen=True, slots=True)
class Publication:
    bus_name: str
    event_id: str
    #: the envelope exactly as targets and archives see it
    event_json: str
    event_time_ms: int
    deliveries: Sequence[PlannedDelivery] = ()
    archives: Sequence[str] = ()
    replay_name: str | None = None
    #: the ingress deduplication claim: (source name, processor event id, retention ms)
    receipt: tuple[str, str, int] | None = None
    #: a copy forwarded to another bus: published only if the publication it follows was
    follows: bool = False


@dataclass(slots=True)
class PublishOutcome:
    #: per publication: False when its webhook receipt showed it was published before
    published: list[bool] = field(default_factory=list)
    #: queues that received messages (their long pollers are woken after the commit)
    queues: set[str] = field(default_factory=set)
    #: deliveries the dispatcher has to make
    pending: int = 0
    #: what each local unit returned, for the after-commit wake-ups of its service
    local_results: list[Any] = field(default_factory=list)


def publish(publications: Sequence[Publication], now_ms: int) -> Unit[PublishOutcome]:
    """Store the publications a receipt does not refuse, with every delivery, in a few
    multi-row statements: one for the receipts, one for the archives, one for all the queues
    sent to, one for the deliveries. However many publications (concurrent webhooks are
    written together), the statement count stays the same."""
    outcome = PublishOutcome()
    stored: list[Publication] = []
    claimed = yield from _claim_receipts(publications, now_ms)
    leader_published = True
    for index, publication in enumerate(publications):
        if publication.follows and not leader_published:
            outcome.published.append(False)
            continue
        if publication.receipt is not None and index not in claimed:
            outcome.published.append(False)
            leader_published = False
            continue
        stored.append(publication)
        outcome.published.append(True)
        if not publication.follows:
            leader_published = True
    if stored:
        yield from _store_archives(stored)
        yield from _deliver_all(stored, now_ms, outcome)
    return outcome


def _claim_receipts(publications: Sequence[Publication], now_ms: int) -> Unit[set[int]]:
    """Claim every webhook receipt at once; the indexes of the publications whose claim is
    fresh. A receipt is taken while unexpired; within one write, the first claim of an event id
    wins and the others are duplicates (a processor's retry racing the original)."""
    first: dict[tuple[str, str], int] = {}
    rows = []
    for index, publication in enumerate(publications):
        if publication.receipt is None:
            continue
        source, event_id, retention_ms = publication.receipt
        if first.setdefault((source, event_id), index) != index:
            continue
        rows.append((source, event_id, publication.event_id, now_ms, now_ms + retention_ms))
    if not rows:
        return set()
    returned = yield from _rows(
        "webhook_receipts",
        ("source_name", "event_id", "bus_event_id", "received_at", "expires_at"),
        rows,
        "ON CONFLICT (source_name, event_id) DO UPDATE SET bus_event_id = excluded.bus_event_id, "
        "received_at = excluded.received_at, expires_at = excluded.expires_at "
        "WHERE webhook_receipts.expires_at <= excluded.received_at "
        "RETURNING source_name, event_id",
        fetch="all",
    )
    return {first[(str(source), str(event_id))] for source, event_id in returned}


def _rows(
    table: str,
    columns: tuple[str, ...],
    rows: Sequence[Sequence[Any]],
    tail: str,
    fetch: Fetch = "rowcount",
) -> Unit[list[Row]]:
    """Multi-row INSERTs, `_ROWS_PER_STATEMENT` rows at a time (parameter limits); with
    `fetch="all"`, the rows the statements returned."""
    returned: list[Row] = []
    width = len(columns)
    head = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
    for start in range(0, len(rows), _ROWS_PER_STATEMENT):
        chunk = rows[start : start + _ROWS_PER_STATEMENT]
        params: dict[str, Any] = {}
        for r, row in enumerate(chunk):
            params.update(zip(_names(r, width), row, strict=True))
        text = head + _values(len(chunk), width) + " " + tail
        result = yield Sql(text, params, fetch)
        if fetch == "all":
            returned += result
    return returned


@lru_cache(maxsize=_ROWS_PER_STATEMENT * 4)
def _names(row: int, width: int) -> tuple[str, ...]:
    return tuple(f"p{row}_{c}" for c in range(width))


@lru_cache(maxsize=1024)
def _values(count: int, width: int) -> str:
    """`(:p0_0, :p0_1), (:p1_0, :p1_1)`: the placeholders of `count` rows."""
    return ", ".join(
        "(" + ", ".join(f":{name}" for name in _names(r, width)) + ")" for r in range(count)
    )


def _store_archives(publications: Sequence[Publication]) -> Unit[None]:
    archived = [
        (archive, p.event_id, p.event_time_ms, p.event_json, len(p.event_json.encode()))
        for p in publications
        for archive in p.archives
    ]
    if archived:
        yield from _rows(
            "archived_events",
            ("archive_name", "event_id", "event_time", "event", "size_bytes"),
            archived,
            "ON CONFLICT DO NOTHING",
        )


def _delivery_key(publication: Publication) -> str:
    """A replayed event keeps its id; its deliveries are new ones all the same."""
    if publication.replay_name is None:
        return publication.event_id
    return f"{publication.event_id}#replay:{publication.replay_name}"


_DELIVERY_COLUMNS = (
    "event_id",
    "bus_name",
    "rule_name",
    "rule_arn",
    "target_id",
    "target_arn",
    "payload",
    "status",
    "attempts",
    "created_at",
    "next_attempt_at",
    "finished_at",
    "last_error",
)


def _deliver_all(
    publications: Sequence[Publication], now_ms: int, outcome: PublishOutcome
) -> Unit[None]:
    """Send local queue messages (one batch per queue), record failures (DLQ), then write every
    delivery row at once; a delivery recorded before (same event, rule, target) is left alone."""
    pairs = [(p, d) for p in publications for d in p.deliveries]
    sent = yield from _send_locally(pairs, now_ms, outcome)
    pending_before = outcome.pending
    rows = []
    for index, (publication, delivery) in enumerate(pairs):
        status, error = PENDING, None
        if delivery.problem is not None:
            status, error = yield from _fail_now(
                delivery, Failure(SDK_CLIENT_ERROR, delivery.problem), now_ms, outcome
            )
        elif delivery.forwarded:
            status = DELIVERED
        elif delivery.local is not None:
            status, error = yield from _run_local(delivery, now_ms, outcome)
        elif delivery.queue_send is not None:
            failure = sent.get(index)
            if failure is None:
                status = DELIVERED
            else:
                status, error = yield from _fail_now(delivery, failure, now_ms, outcome)
        else:
            outcome.pending += 1
        done = status != PENDING
        rows.append(
            (
                _delivery_key(publication),
                publication.bus_name,
                delivery.rule_name,
                delivery.rule_arn,
                delivery.target_id,
                delivery.target_arn,
                # the payload is kept only while the dispatcher still owes the delivery
                delivery.payload if status == PENDING else None,
                status,
                1 if done else 0,
                now_ms,
                now_ms,
                now_ms if done else None,
                error,
            )
        )
    if rows:
        yield from _rows(
            "event_deliveries",
            _DELIVERY_COLUMNS,
            rows,
            "ON CONFLICT (event_id, bus_name, rule_name, target_id) DO NOTHING",
        )
    if outcome.pending > pending_before:
        yield from wake(DELIVERIES)


def _send_locally(
    pairs: Sequence[tuple[Publication, PlannedDelivery]], now_ms: int, outcome: PublishOutcome
) -> Unit[dict[int, Failure | None]]:
    """Send every local queue message (one lookup and one INSERT for all queues); per delivery
    index, None when sent or the failure. A queue that is gone is a permanent error: no retries."""
    by_queue: dict[str, list[tuple[int, OutgoingMessage]]] = {}
    for index, (_, delivery) in enumerate(pairs):
        if delivery.problem is None and delivery.queue_send is not None:
            send = delivery.queue_send
            by_queue.setdefault(send.queue_name, []).append((index, send.message))
    results: dict[int, Failure | None] = {}
    if not by_queue:
        return results
    everything = yield from send_to_queues(
        {name: [m for _, m in batch] for name, batch in by_queue.items()}, now_ms
    )
    for queue_name, batch in by_queue.items():
        sent = everything[queue_name]
        if isinstance(sent, PaybusError):
            sent = [sent] * len(batch)
        for (index, _), result in zip(batch, sent, strict=True):
            if isinstance(result, PaybusError):
                results[index] = Failure(NO_RESOURCE, f"{result.aws_name}: {result.message}")
            else:
                results[index] = None
                outcome.queues.add(queue_name)
    return results


def _run_local(
    delivery: PlannedDelivery, now_ms: int, outcome: PublishOutcome
) -> Unit[tuple[str, str | None]]:
    """Reach a local target in this transaction. Its unit raises before it writes anything
    (a missing state machine, an input it refuses), so a failure here rolls nothing back."""
    assert delivery.local is not None
    try:
        result = yield from delivery.local()
    except AlreadyExists:
        return DELIVERED, None  # already started under this delivery's name: nothing to do
    except NotFound as missing:
        return (
            yield from _fail_now(delivery, Failure(NO_RESOURCE, missing.message), now_ms, outcome)
        )
    except PaybusError as error:
        failure = Failure(SDK_CLIENT_ERROR, f"{error.aws_name}: {error.message}")
        return (yield from _fail_now(delivery, failure, now_ms, outcome))
    outcome.local_results.append(result)
    return DELIVERED, None


def _fail_now(
    delivery: PlannedDelivery, failure: Failure, now_ms: int, outcome: PublishOutcome
) -> Unit[tuple[str, str | None]]:
    """A failure no retry can fix: record it and hand the event to the DLQ, if there is one."""
    if delivery.dead_letter_queue is not None:
        sent = yield from send_to_dead_letter_queue(
            delivery.dead_letter_queue, delivery, failure, attempts=0, now_ms=now_ms
        )
        if sent:
            outcome.queues.add(delivery.dead_letter_queue)
    return FAILED, failure.message


def send_to_dead_letter_queue(
    queue_name: str,
    delivery: PlannedDelivery | DeliveryRecord,
    failure: Failure,
    *,
    attempts: int,
    now_ms: int,
    exhausted: str = MAX_ATTEMPTS,
) -> Unit[bool]:
    """Put the event in the target's DLQ; False if that queue cannot take it either."""
    message = dead_letter_message(
        str(uuid.uuid4()),
        delivery.payload,
        rule_arn=delivery.rule_arn,
        target_arn=delivery.target_arn,
        failure=failure,
        exhausted=exhausted,
        attempts=attempts,
    )
    try:
        [result] = yield from send_messages(queue_name, [message], now_ms)
    except PaybusError:
        return False
    return not isinstance(result, PaybusError)
