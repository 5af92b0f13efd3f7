"""The bus service: PutEvents, and the in-memory matcher of every bus kept current.

Each process compiles a bus's enabled rules into one `RuleMatcher` and reuses it until the bus's
`rules_version` moves: at once for changes made through this process, within `refresh_seconds`
for changes made by another process sharing the database.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import orjson

from paybus.core.errors import InvalidState, NotFound, PaybusError
from paybus.core.events.arns import bus_arn, bus_name_of, parse_target_arn
from paybus.core.events.envelope import (
    DEFAULT_MAX_REQUEST_BYTES,
    EntryError,
    Envelope,
    accept_entry,
    check_request,
    format_time,
)
from paybus.core.events.patterns import RuleMatcher
from paybus.runtime.bus.coalescing import PublicationBatcher
from paybus.runtime.bus.permissions import refusal
from paybus.runtime.bus.planning import (
    ArchiveMatcher,
    BusRules,
    delivery_execution_name,
    plan_deliveries,
    plan_rule_deliveries,
)
from paybus.runtime.ids import new_event_id, new_uuid
from paybus.store.bus import archives, definitions
from paybus.store.bus.events import PlannedDelivery, Publication, PublishOutcome, publish
from paybus.store.sql import Unit, fetch_one
from paybus.store.store import Store

MAX_FORWARD_DEPTH = 4
QueueWaker = Callable[[set[str]], None]
LocalStarter = Callable[[str, str, str], Awaitable[Callable[[], Unit[Any]] | None]]


@dataclass(slots=True)
class _Cached:
    rules: BusRules
    checked_at: float


class BusService:
    def __init__(
        self,
        store: Store,
        *,
        region: str,
        account: str,
        refresh_seconds: float = 1.0,
        max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES,
    ) -> None:
        self.store = store
        self.region = region
        self.account = account
        self.refresh_seconds = refresh_seconds
        self.max_request_bytes = max_request_bytes
        self._cache: dict[str, _Cached] = {}
        self._loading: dict[str, asyncio.Lock] = {}
        self._queue_wakers: list[QueueWaker] = []
        #: set when a publication left deliveries for the dispatcher
        self.deliveries_waiting = asyncio.Event()
        #: per target kind: given (resource name, delivery name, payload), the unit that reaches
        #: the target inside the publishing transaction, or None to leave it to the dispatcher
        self.local_starters: dict[str, LocalStarter] = {}
        #: called after the commit with what each local unit returned
        self.local_result_hooks: list[Callable[[Any], None]] = []
        #: account -> AWS Organization id, for policies conditioned on aws:PrincipalOrgID
        self.organizations: dict[str, str] = {}
        #: concurrent webhook publications share one write
        self._batcher = PublicationBatcher(self._write)

    def on_queue_messages(self, waker: QueueWaker) -> None:
        """Call `waker(queue names)` after a commit put messages on queues (long-poll wake-up)."""
        self._queue_wakers.append(waker)

    def wake_queues(self, names: set[str]) -> None:
        for waker in self._queue_wakers:
            waker(names)

    async def start(self) -> None:
        await self.store.write(lambda: definitions.ensure_bus("default", self._now_ms()))

    def clock(self) -> float:
        """The store's clock: every timestamp of a publication comes from one source."""
        return self.store.clock()

    def _now_ms(self) -> int:
        return self.store.now_ms()

    # -- matchers -------------------------------------------------------------------------------

    def invalidate(self, bus_name: str) -> None:
        self._cache.pop(bus_name, None)

    async def rules_for(self, bus_name: str) -> BusRules:
        cached = self._cache.get(bus_name)
        now = time.monotonic()
        if cached is not None and now - cached.checked_at < self.refresh_seconds:
            return cached.rules
        lock = self._loading.setdefault(bus_name, asyncio.Lock())
        async with lock:
            cached = self._cache.get(bus_name)
            if cached is not None and time.monotonic() - cached.checked_at < self.refresh_seconds:
                return cached.rules
            version = await self.store.read(lambda: _rules_version(bus_name))
            if cached is None or cached.rules.version != version:
                rules = await self._load(bus_name)
            else:
                rules = cached.rules
            self._cache[bus_name] = _Cached(rules, time.monotonic())
            return rules

    async def _load(self, bus_name: str) -> BusRules:
        def unit():  # type: ignore[no-untyped-def]
            loaded = yield from definitions.load_bus_rules(bus_name)
            kept = yield from archives.bus_archives(bus_name)
            bus = yield from definitions.get_bus(bus_name)
            return loaded, kept, bus

        (version, loaded), kept, bus = await self.store.read(unit)
        matcher = RuleMatcher()
        for rule, _ in loaded:
            if rule.event_pattern is not None:  # None: a rule that only has a schedule
                matcher.add_rule(rule.name, rule.event_pattern)
        archive_matcher = RuleMatcher()
        for name, pattern in kept:
            if pattern:
                archive_matcher.add_rule(name, pattern)
        return BusRules(
            bus_name,
            version,
            matcher,
            {rule.name: rule for rule, _ in loaded},
            {rule.name: targets for rule, targets in loaded},
            ArchiveMatcher(
                archive_matcher, tuple(n for n, p in kept if not p), any(p for _, p in kept)
            ),
            bus.policy,
            bus.accepts_partner_events,
        )

    # -- PutEvents ------------------------------------------------------------------------------

    async def put_events(
        self, entries: Sequence[Any], caller_account: str | None = None
    ) -> dict[str, Any]:
        """PutEvents: per-entry results, every accepted event durable before this returns.

        `caller_account` is the account putting the events (the bus owner when None); another
        account is refused per entry unless the bus's policy allows it.
        """
        results, publications = await self.prepare_events(entries, caller_account)
        if publications:
            await self._write(publications)
        failed = sum(1 for r in results if "ErrorCode" in r)
        return {"FailedEntryCount": failed, "Entries": results}

    async def prepare_events(
        self, entries: Sequence[Any], caller_account: str | None = None
    ) -> tuple[list[dict[str, str]], list[Publication]]:
        """PutEvents up to the write: per-entry results, and the publications to write (here,
        or by a caller in a transaction of its own, such as a handler's outbox, which then
        calls `notify` with the outcome)."""
        check_request(entries, self.max_request_bytes)
        now = datetime.fromtimestamp(self.clock(), UTC)
        results: list[dict[str, str]] = []
        publications: list[Publication] = []
        for entry in entries:
            outcome = await self._accept(entry, now, caller_account or self.account)
            if isinstance(outcome, EntryError):
                results.append(outcome.as_aws())
                continue
            envelope, bus_name = outcome
            publications += await self._publications(bus_name, envelope.as_dict(), now)
            results.append({"EventId": envelope.id})
        return results, publications

    async def _accept(
        self, entry: Any, now: datetime, caller: str
    ) -> tuple[Envelope, str] | EntryError:
        if not isinstance(entry, Mapping):
            return EntryError("InvalidArgument", "Each entry must be an object.")
        try:
            bus_name = bus_name_of(str(entry.get("EventBusName") or "default"))
            rules = await self.rules_for(bus_name)
        except NotFound as missing:
            return EntryError("ResourceNotFoundException", missing.message)
        except PaybusError as error:
            return EntryError("InvalidArgument", error.message)
        if caller != self.account:
            arn = bus_arn(self.region, self.account, bus_name)
            refused = refusal(
                rules.policy, caller, arn, entry=entry, organizations=self.organizations
            )
            if refused is not None:
                return refused
        envelope = accept_entry(
            entry, event_id=new_event_id(), now=now, account=caller, region=self.region
        )
        if isinstance(envelope, EntryError):
            return envelope
        return envelope, bus_name

    async def publish_events(
        self,
        bus_name: str,
        events: Sequence[tuple[Mapping[str, Any], tuple[str, str, int] | None]],
    ) -> list[bool]:
        """Publish already-built envelopes (ingress) in one write, each with its optional
        deduplication receipt; per event, False if its receipt was seen before. Refused with
        InvalidState while the bus's partner event source is deactivated or deleted."""
        if not (await self.rules_for(bus_name)).accepting:
            raise InvalidState(f"Event source {bus_name} is not active.")
        now = datetime.fromtimestamp(self.clock(), UTC)
        publications: list[Publication] = []
        leaders: list[int] = []
        for event, receipt in events:
            own, *copies = await self._publications(bus_name, event, now, receipt=receipt)
            leaders.append(len(publications))
            publications.append(own)
            publications += [replace(copy, follows=True) for copy in copies]
        published = await self._batcher.publish(publications)
        return [published[i] for i in leaders]

    async def replay_publications(
        self,
        bus_name: str,
        events: Sequence[str],
        replay_name: str,
        rule_names: Sequence[str] | None,
    ) -> list[Publication]:
        """Archived events sent again to their bus, each with `replay-name`, to all rules or
        only to `rule_names`; never archived again."""
        now = datetime.fromtimestamp(self.clock(), UTC)
        rules = await self.rules_for(bus_name)
        if rule_names is not None:
            rules = rules.only(rule_names)
        publications: list[Publication] = []
        for text in events:
            event = {**orjson.loads(text), "replay-name": replay_name}
            publications += await self._publications(bus_name, event, now, rules=rules)
        return publications

    async def rule_publications(
        self, bus_name: str, rule_name: str, event: Mapping[str, Any]
    ) -> list[Publication]:
        """An event for one rule's targets only (a scheduled rule's tick): matched against no
        other rule and not archived; copies for the buses its targets forward to."""
        now = datetime.fromtimestamp(self.clock(), UTC)
        rules = await self.rules_for(bus_name)
        deliveries, forwards = plan_rule_deliveries(
            rules,
            rule_name,
            event,
            region=self.region,
            account=self.account,
            ingestion_time=format_time(now),
            new_id=new_uuid,
        )
        key = _event_key(event)
        deliveries = [await self._localized(d, key, bus_name) for d in deliveries]
        event_id = str(event["id"])
        own = Publication(
            bus_name, event_id, orjson.dumps(event).decode(), _event_time_ms(event, now), deliveries
        )
        publications = [own]
        for forward in forwards:
            try:
                publications += await self._publications(forward.bus_name, event, now, 1)
            except NotFound:
                continue
        return publications

    def notify(self, outcome: PublishOutcome) -> None:
        """After a commit that published: wake queue long-polls, the dispatcher, and the
        services whose targets were reached inside the transaction."""
        if outcome.queues:
            self.wake_queues(outcome.queues)
        for result in outcome.local_results:
            for hook in self.local_result_hooks:
                hook(result)
        if outcome.pending:
            self.deliveries_waiting.set()

    async def _publications(
        self,
        bus_name: str,
        event: Mapping[str, Any],
        now: datetime,
        depth: int = 0,
        rules: BusRules | None = None,
        receipt: tuple[str, str, int] | None = None,
    ) -> list[Publication]:
        """The event on its bus (with its webhook receipt, if any), plus its copies on the
        buses that rules forward it to."""
        if rules is None:
            rules = await self.rules_for(bus_name)
        event_json = orjson.dumps(event).decode()
        deliveries, forwards = plan_deliveries(
            rules,
            event,
            region=self.region,
            account=self.account,
            ingestion_time=format_time(now),
            new_id=new_uuid,
            event_json=event_json,
        )
        key = _event_key(event)
        deliveries = [await self._localized(d, key, bus_name) for d in deliveries]
        event_time = _event_time_ms(event, now)
        own = Publication(
            bus_name,
            str(event["id"]),
            event_json,
            event_time,
            deliveries,
            archives=rules.archives.archives_for(event),
            replay_name=event.get("replay-name"),
            receipt=receipt,
        )
        publications = [own]
        if depth < MAX_FORWARD_DEPTH:
            for forward in forwards:
                try:
                    publications += await self._publications(
                        forward.bus_name, event, now, depth + 1
                    )
                except NotFound:
                    continue  # recorded as delivered to nothing; AWS drops it the same way
        return publications

    async def _localized(
        self, delivery: PlannedDelivery, event_key: str, bus_name: str
    ) -> PlannedDelivery:
        """A target some local service can reach inside the publishing transaction gets its
        unit (a state machine: the execution starts with the event, atomically)."""
        if delivery.queue_send is not None or delivery.forwarded or delivery.problem:
            return delivery
        target = parse_target_arn(delivery.target_arn)
        starter = self.local_starters.get(target.kind)
        if starter is None:
            return delivery
        name = delivery_execution_name(event_key, bus_name, delivery.rule_name, delivery.target_id)
        unit = await starter(target.name, name, delivery.payload)
        return delivery if unit is None else replace(delivery, local=unit)

    async def _write(self, publications: list[Publication]) -> PublishOutcome:
        now_ms = self._now_ms()
        outcome = await self.store.write(lambda: publish(publications, now_ms))
        self.notify(outcome)
        return outcome


def _event_key(event: Mapping[str, Any]) -> str:
    """The key deliveries are recorded under (the store's `_delivery_key`)."""
    replay = event.get("replay-name")
    return str(event["id"]) if replay is None else f"{event['id']}#replay:{replay}"


def _rules_version(bus_name: str) -> Unit[int]:
    row = yield from fetch_one("SELECT rules_version FROM event_buses WHERE name = :n", n=bus_name)
    if row is None:
        raise definitions.bus_missing(bus_name)
    return int(row[0])


def _event_time_ms(event: Mapping[str, Any], now: datetime) -> int:
    raw = event.get("time")
    if isinstance(raw, str):
        try:
            return _parsed_time_ms(raw)
        except ValueError:
            pass
    return int(now.timestamp() * 1000)


@lru_cache(maxsize=256)
def _parsed_time_ms(text: str) -> int:
    """Events of a batch share their `time` (whole seconds): parse each text once."""
    return int(datetime.fromisoformat(text).timestamp() * 1000)
