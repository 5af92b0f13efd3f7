"""Buses, partner event sources, rules and targets as units of work.

Every change to a bus's rules or targets bumps the bus's `rules_version`, which is how each
process notices that its in-memory matcher for that bus is stale.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from paybus.core.errors import AlreadyExists, NotFound, ValidationError
from paybus.store.bus.records import BusRecord, RuleRecord, TargetRecord
from paybus.store.sql import Row, Unit, execute, fetch_all, fetch_one

MAX_TARGETS_PER_RULE = 5
_BUS_COLUMNS = "name, event_source_name, description, policy, rules_version, created_at"
_RULE_COLUMNS = "bus_name, name, event_pattern, state, description, created_at, updated_at"


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def _bus(row: Row) -> BusRecord:
    policy = orjson.loads(row[3]) if row[3] else None
    return BusRecord(row[0], row[1], row[2], policy, int(row[4]), int(row[5]))


def _rule(row: Row) -> RuleRecord:
    return RuleRecord(row[0], row[1], row[2], row[3], row[4], int(row[5]), int(row[6]))


def _target(row: Row) -> TargetRecord:
    return TargetRecord(row[0], row[1], row[2], row[3], orjson.loads(row[4]))


def bus_missing(name: str) -> NotFound:
    return NotFound(f"Event bus {name} does not exist.")


# -- buses --------------------------------------------------------------------------------------


def create_bus(
    name: str, now_ms: int, *, description: str | None = None, event_source_name: str | None = None
) -> Unit[BusRecord]:
    created = yield from execute(
        "INSERT INTO event_buses (name, event_source_name, description, policy, rules_version, "
        "created_at) VALUES (:name, :source, :description, NULL, 0, :now) "
        "ON CONFLICT (name) DO NOTHING",
        name=name,
        source=event_source_name,
        description=description,
        now=now_ms,
    )
    if not created:
        raise AlreadyExists(f"Event bus {name} already exists.")
    return BusRecord(name, event_source_name, description, None, 0, now_ms)


def ensure_bus(name: str, now_ms: int) -> Unit[None]:
    """Create a bus if it does not exist (the default bus, buses named in paybus.toml)."""
    yield from execute(
        "INSERT INTO event_buses (name, event_source_name, description, policy, rules_version, "
        "created_at) VALUES (:name, NULL, NULL, NULL, 0, :now) ON CONFLICT (name) DO NOTHING",
        name=name,
        now=now_ms,
    )


def find_bus(name: str) -> Unit[BusRecord | None]:
    row = yield from fetch_one(f"SELECT {_BUS_COLUMNS} FROM event_buses WHERE name = :n", n=name)
    return None if row is None else _bus(row)


def get_bus(name: str) -> Unit[BusRecord]:
    bus = yield from find_bus(name)
    if bus is None:
        raise bus_missing(name)
    return bus


def list_buses(prefix: str, limit: int) -> Unit[list[BusRecord]]:
    rows = yield from fetch_all(
        f"SELECT {_BUS_COLUMNS} FROM event_buses WHERE substr(name, 1, :n) = :prefix "
        "ORDER BY name LIMIT :limit",
        n=len(prefix),
        prefix=prefix,
        limit=limit,
    )
    return [_bus(r) for r in rows]


def delete_bus(name: str) -> Unit[None]:
    if name == "default":
        raise ValidationError("Cannot delete event bus default.")
    yield from execute("DELETE FROM event_targets WHERE bus_name = :n", n=name)
    yield from execute("DELETE FROM event_rules WHERE bus_name = :n", n=name)
    yield from execute("DELETE FROM event_buses WHERE name = :n", n=name)


def set_policy(name: str, policy: dict[str, Any] | None) -> Unit[None]:
    yield from get_bus(name)
    yield from execute(
        "UPDATE event_buses SET policy = :policy WHERE name = :n",
        n=name,
        policy=None if policy is None else _dumps(policy),
    )
    yield from _bump(name)  # the policy is cached with the rules


# -- partner event sources ----------------------------------------------------------------------


def create_partner_source(name: str, now_ms: int) -> Unit[bool]:
    created = yield from execute(
        "INSERT INTO partner_event_sources (name, created_at) VALUES (:n, :now) "
        "ON CONFLICT (name) DO NOTHING",
        n=name,
        now=now_ms,
    )
    return bool(created)


def list_partner_sources(prefix: str) -> Unit[list[tuple[str, int, str | None]]]:
    """(name, created, state): ACTIVE when associated with a bus, PENDING otherwise."""
    rows = yield from fetch_all(
        "SELECT s.name, s.created_at, b.name FROM partner_event_sources s "
        "LEFT JOIN event_buses b ON b.event_source_name = s.name "
        "WHERE substr(s.name, 1, :n) = :prefix ORDER BY s.name",
        n=len(prefix),
        prefix=prefix,
    )
    return [(r[0], int(r[1]), "ACTIVE" if r[2] else "PENDING") for r in rows]


def associate_partner_source(name: str, now_ms: int) -> Unit[BusRecord]:
    """Create the partner event bus (named as its source) so the source's events flow."""
    row = yield from fetch_one("SELECT name FROM partner_event_sources WHERE name = :n", n=name)
    if row is None:
        raise NotFound(f"Event source {name} does not exist.")
    bus = yield from create_bus(name, now_ms, event_source_name=name)
    return bus


# -- rules --------------------------------------------------------------------------------------


def _bump(bus_name: str) -> Unit[None]:
    yield from execute(
        "UPDATE event_buses SET rules_version = rules_version + 1 WHERE name = :n", n=bus_name
    )


def put_rule(
    bus_name: str,
    name: str,
    event_pattern: str,
    state: str,
    description: str | None,
    now_ms: int,
) -> Unit[RuleRecord]:
    yield from get_bus(bus_name)
    yield from execute(
        "INSERT INTO event_rules (bus_name, name, event_pattern, state, description, created_at, "
        "updated_at) VALUES (:bus, :name, :pattern, :state, :description, :now, :now) "
        "ON CONFLICT (bus_name, name) DO UPDATE SET event_pattern = excluded.event_pattern, "
        "state = excluded.state, description = excluded.description, "
        "updated_at = excluded.updated_at",
        bus=bus_name,
        name=name,
        pattern=event_pattern,
        state=state,
        description=description,
        now=now_ms,
    )
    yield from _bump(bus_name)
    rule = yield from get_rule(bus_name, name)
    return rule


def get_rule(bus_name: str, name: str) -> Unit[RuleRecord]:
    row = yield from fetch_one(
        f"SELECT {_RULE_COLUMNS} FROM event_rules WHERE bus_name = :bus AND name = :name",
        bus=bus_name,
        name=name,
    )
    if row is None:
        raise NotFound(f"Rule {name} does not exist on EventBus {bus_name}.")
    return _rule(row)


def list_rules(bus_name: str, prefix: str, limit: int) -> Unit[list[RuleRecord]]:
    yield from get_bus(bus_name)
    rows = yield from fetch_all(
        f"SELECT {_RULE_COLUMNS} FROM event_rules WHERE bus_name = :bus "
        "AND substr(name, 1, :n) = :prefix ORDER BY name LIMIT :limit",
        bus=bus_name,
        n=len(prefix),
        prefix=prefix,
        limit=limit,
    )
    return [_rule(r) for r in rows]


def set_rule_state(bus_name: str, name: str, state: str, now_ms: int) -> Unit[None]:
    yield from get_rule(bus_name, name)
    yield from execute(
        "UPDATE event_rules SET state = :state, updated_at = :now "
        "WHERE bus_name = :bus AND name = :name",
        state=state,
        now=now_ms,
        bus=bus_name,
        name=name,
    )
    yield from _bump(bus_name)


def delete_rule(bus_name: str, name: str, *, force: bool) -> Unit[None]:
    yield from get_rule(bus_name, name)
    targets = yield from list_targets(bus_name, name)
    if targets and not force:
        raise ValidationError("Rule can't be deleted since it has targets.")
    yield from execute(
        "DELETE FROM event_targets WHERE bus_name = :bus AND rule_name = :name",
        bus=bus_name,
        name=name,
    )
    yield from execute(
        "DELETE FROM event_rules WHERE bus_name = :bus AND name = :name", bus=bus_name, name=name
    )
    yield from _bump(bus_name)


# -- targets ------------------------------------------------------------------------------------


def list_targets(bus_name: str, rule_name: str) -> Unit[list[TargetRecord]]:
    rows = yield from fetch_all(
        "SELECT bus_name, rule_name, target_id, arn, settings FROM event_targets "
        "WHERE bus_name = :bus AND rule_name = :rule ORDER BY target_id",
        bus=bus_name,
        rule=rule_name,
    )
    return [_target(r) for r in rows]


def rules_targeting(bus_name: str, arn: str) -> Unit[list[str]]:
    """Names of the bus's rules with a target of this ARN (ListRuleNamesByTarget)."""
    yield from get_bus(bus_name)
    rows = yield from fetch_all(
        "SELECT DISTINCT rule_name FROM event_targets WHERE bus_name = :bus AND arn = :arn "
        "ORDER BY rule_name",
        bus=bus_name,
        arn=arn,
    )
    return [str(r[0]) for r in rows]


def put_targets(bus_name: str, rule_name: str, targets: Sequence[TargetRecord]) -> Unit[None]:
    """Add or replace targets; the rule may hold at most five afterwards."""
    yield from get_rule(bus_name, rule_name)
    existing = yield from list_targets(bus_name, rule_name)
    ids = {t.target_id for t in existing} | {t.target_id for t in targets}
    if len(ids) > MAX_TARGETS_PER_RULE:
        from paybus.core.errors import LimitExceeded

        raise LimitExceeded(
            f"The requested resource exceeds the maximum number allowed: rule {rule_name} would "
            f"have {len(ids)} targets, at most {MAX_TARGETS_PER_RULE} are allowed."
        )
    for target in targets:
        yield from execute(
            "INSERT INTO event_targets (bus_name, rule_name, target_id, arn, settings) "
            "VALUES (:bus, :rule, :id, :arn, :settings) "
            "ON CONFLICT (bus_name, rule_name, target_id) DO UPDATE SET arn = excluded.arn, "
            "settings = excluded.settings",
            bus=bus_name,
            rule=rule_name,
            id=target.target_id,
            arn=target.arn,
            settings=_dumps(target.settings),
        )
    yield from _bump(bus_name)


def remove_targets(bus_name: str, rule_name: str, ids: Sequence[str]) -> Unit[list[str]]:
    """Remove targets by id; returns the ids that did not exist."""
    yield from get_rule(bus_name, rule_name)
    missing: list[str] = []
    for target_id in ids:
        removed = yield from execute(
            "DELETE FROM event_targets WHERE bus_name = :bus AND rule_name = :rule "
            "AND target_id = :id",
            bus=bus_name,
            rule=rule_name,
            id=target_id,
        )
        if not removed:
            missing.append(target_id)
    yield from _bump(bus_name)
    return missing


def load_bus_rules(bus_name: str) -> Unit[tuple[int, list[tuple[RuleRecord, list[TargetRecord]]]]]:
    """Everything a matcher for the bus needs, at one version: its enabled rules with targets."""
    bus = yield from get_bus(bus_name)
    rules = yield from fetch_all(
        f"SELECT {_RULE_COLUMNS} FROM event_rules WHERE bus_name = :bus AND state = 'ENABLED'",
        bus=bus_name,
    )
    targets = yield from fetch_all(
        "SELECT bus_name, rule_name, target_id, arn, settings FROM event_targets "
        "WHERE bus_name = :bus ORDER BY rule_name, target_id",
        bus=bus_name,
    )
    by_rule: dict[str, list[TargetRecord]] = {}
    for row in targets:
        by_rule.setdefault(row[1], []).append(_target(row))
    return bus.rules_version, [(_rule(r), by_rule.get(r[1], [])) for r in rules]
