"""From a matched event to the deliveries to write: one per (rule, target), payload transformed.

Pure apart from the ids it is given: the service calls it between matching and the write.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from paybus.core.errors import PaybusError
from paybus.core.events.arns import parse_target_arn, rule_arn
from paybus.core.events.patterns import RuleMatcher
from paybus.core.events.transformer import (
    InputTransformer,
    RuleContext,
    TargetInput,
    target_payload,
)
from paybus.core.queues.messages import prepare_message
from paybus.store.bus.events import PlannedDelivery, QueueSend
from paybus.store.bus.records import RuleRecord, TargetRecord


@dataclass(frozen=True)
class BusRules:
    """A bus's enabled rules and targets at one `rules_version`, with their compiled matcher."""

    bus_name: str
    version: int
    matcher: RuleMatcher
    rules: Mapping[str, RuleRecord]
    targets: Mapping[str, list[TargetRecord]]
    #: the bus's archives: those with a pattern are matched, the others take every event
    archives: ArchiveMatcher = field(default_factory=lambda: ArchiveMatcher(RuleMatcher(), ()))
    #: the bus's resource policy (PutPermission), None when only the owner may put events
    policy: Mapping[str, Any] | None = None
    #: False while the partner event source of a partner bus is deactivated or deleted
    accepting: bool = True

    def only(self, rule_names: Sequence[str]) -> BusRules:
        """The same bus restricted to some rules (a replay's FilterArns)."""
        wanted = set(rule_names)
        return replace(self, rules={n: r for n, r in self.rules.items() if n in wanted})

    def routes(self, rule_name: str, region: str, account: str) -> tuple[str, list[Route]]:
        """A rule's ARN and its targets with what every event sent to them shares, worked out
        once per rules version instead of once per event."""
        key = (rule_name, region, account)
        found = self._routes.get(key)
        if found is None:
            arn = rule_arn(region, account, self.bus_name, rule_name)
            found = (arn, [Route.of(target) for target in self.targets.get(rule_name, [])])
            self._routes[key] = found
        return found

    @cached_property
    def _routes(self) -> dict[tuple[str, str, str], tuple[str, list[Route]]]:
        return {}


@dataclass(frozen=True, slots=True)
class Route:
    """A target as every event sent to it sees it: its parsed ARN and settings."""

    target: TargetRecord
    kind: str
    name: str
    input: TargetInput
    dead_letter_queue: str | None
    group_id: str | None

    @classmethod
    def of(cls, target: TargetRecord) -> Route:
        ref = parse_target_arn(target.arn)
        return cls(
            target,
            ref.kind,
            ref.name,
            target_input(target.settings),
            dead_letter_queue(target.settings),
            (target.settings.get("SqsParameters") or {}).get("MessageGroupId"),
        )


@dataclass(frozen=True)
class ArchiveMatcher:
    """Which archives of a bus keep an event: replayed events are never archived."""

    matcher: RuleMatcher
    keep_all: tuple[str, ...]
    #: False when no archive has a pattern: the matcher is not consulted at all
    patterned: bool = False

    def archives_for(self, event: Mapping[str, Any]) -> list[str]:
        if "replay-name" in event:
            return []
        if not self.patterned:
            return list(self.keep_all)
        return sorted({*self.keep_all, *self.matcher.matches(event)})


def target_input(settings: Mapping[str, Any]) -> TargetInput:
    transformer = settings.get("InputTransformer")
    return TargetInput(
        input=settings.get("Input"),
        input_path=settings.get("InputPath"),
        transformer=None
        if transformer is None
        else InputTransformer(
            transformer.get("InputTemplate", ""), transformer.get("InputPathsMap") or {}
        ),
    )


def dead_letter_queue(settings: Mapping[str, Any]) -> str | None:
    arn = (settings.get("DeadLetterConfig") or {}).get("Arn")
    if not arn:
        return None
    ref = parse_target_arn(arn)
    return ref.name if ref.kind == "queue" else None


@dataclass(frozen=True, slots=True)
class Forward:
    """A bus target: the event continues on another bus (matched there in the same write)."""

    bus_name: str
    rule_name: str
    target: TargetRecord


def plan_deliveries(
    rules: BusRules,
    event: Mapping[str, Any],
    *,
    region: str,
    account: str,
    ingestion_time: str,
    new_id: Callable[[], str],
    event_json: str | None = None,
) -> tuple[list[PlannedDelivery], list[Forward]]:
    """Deliveries to the targets of every enabled rule whose pattern matches the event."""
    matched = sorted(rules.matcher.matches(event))
    return _plan(rules, matched, event, region, account, ingestion_time, new_id, event_json)


def plan_rule_deliveries(
    rules: BusRules,
    rule_name: str,
    event: Mapping[str, Any],
    *,
    region: str,
    account: str,
    ingestion_time: str,
    new_id: Callable[[], str],
) -> tuple[list[PlannedDelivery], list[Forward]]:
    """Deliveries of an event meant for one rule's targets, matched by nothing (the tick of a
    scheduled rule); none if the rule is not enabled."""
    return _plan(rules, [rule_name], event, region, account, ingestion_time, new_id, None)


def _plan(
    rules: BusRules,
    rule_names: Sequence[str],
    event: Mapping[str, Any],
    region: str,
    account: str,
    ingestion_time: str,
    new_id: Callable[[], str],
    event_json: str | None,
) -> tuple[list[PlannedDelivery], list[Forward]]:
    deliveries: list[PlannedDelivery] = []
    forwards: list[Forward] = []
    for rule_name in rule_names:
        if rule_name not in rules.rules:
            continue  # disabled, or gone since the matcher was built
        arn, routes = rules.routes(rule_name, region, account)
        context = RuleContext(arn, rule_name, ingestion_time)
        for route in routes:
            if route.kind == "bus":
                forwards.append(Forward(route.name, rule_name, route.target))
            payload = target_payload(event, route.input, context, event_json)
            deliveries.append(_planned(rule_name, arn, route, payload, new_id))
    return deliveries, forwards


def _planned(
    rule_name: str, arn: str, route: Route, payload: str, new_id: Callable[[], str]
) -> PlannedDelivery:
    target = route.target
    queue_send, problem = None, None
    if route.kind == "queue":
        try:
            message = prepare_message(new_id(), payload, group_id=route.group_id)
        except PaybusError as error:
            payload, problem = payload or "{}", f"{error.aws_name}: {error.message}"
        else:
            queue_send = QueueSend(route.name, message)
    return PlannedDelivery(
        rule_name,
        arn,
        target.target_id,
        target.arn,
        payload,
        queue_send=queue_send,
        dead_letter_queue=route.dead_letter_queue,
        forwarded=route.kind == "bus",
        problem=problem,
    )


def delivery_execution_name(event_key: str, bus_name: str, rule_name: str, target_id: str) -> str:
    """One execution name per (event, rule, target): a redelivery finds the execution it started,
    whether the start ran in the event's transaction or later through the dispatcher."""
    key = "\0".join((event_key, bus_name, rule_name, target_id))
    return f"eb-{hashlib.sha256(key.encode()).hexdigest()[:40]}"
