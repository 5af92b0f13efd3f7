"""ARNs of buses, rules and the targets a rule can have, built and parsed in AWS's formats.

Any region and account are accepted in a target ARN (`arn:aws:lambda:<region>:<account>:...`
as in the seed): paybus is one account in one place, so only the resource name matters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from paybus.core.errors import ValidationError

TargetKind = Literal["queue", "function", "bus", "state-machine", "api-destination"]

_TARGETS: tuple[tuple[TargetKind, re.Pattern[str]], ...] = (
    ("queue", re.compile(r"^arn:aws:sqs:[^:]*:[^:]*:([A-Za-z0-9_-]{1,80}(?:\.fifo)?)$")),
    (
        "function",
        re.compile(r"^arn:aws:lambda:[^:]*:[^:]*:function:([A-Za-z0-9_-]{1,64})(?::[^:]+)?$"),
    ),
    ("bus", re.compile(r"^arn:aws:events:[^:]*:[^:]*:event-bus/(.+)$")),
    (
        "api-destination",
        re.compile(r"^arn:aws:events:[^:]*:[^:]*:api-destination/([.\-_A-Za-z0-9]{1,64})(?:/.*)?$"),
    ),
    (
        "state-machine",
        re.compile(r"^arn:aws:states:[^:]*:[^:]*:stateMachine:([A-Za-z0-9_-]{1,80})$"),
    ),
)


@dataclass(frozen=True, slots=True)
class TargetRef:
    kind: TargetKind
    name: str


def parse_target_arn(arn: str) -> TargetRef:
    for kind, pattern in _TARGETS:
        match = pattern.match(arn)
        if match:
            return TargetRef(kind, match.group(1))
    raise ValidationError(
        f"Parameter {arn} is not valid. Reason: paybus targets are SQS queues, Lambda functions, "
        "event buses, API destinations and state machines (arn:aws:sqs|lambda|events|states:...)"
    )


def bus_arn(region: str, account: str, bus: str) -> str:
    return f"arn:aws:events:{region}:{account}:event-bus/{bus}"


def rule_arn(region: str, account: str, bus: str, rule: str) -> str:
    path = rule if bus == "default" else f"{bus}/{rule}"
    return f"arn:aws:events:{region}:{account}:rule/{path}"


def archive_arn(region: str, account: str, archive: str) -> str:
    return f"arn:aws:events:{region}:{account}:archive/{archive}"


def replay_arn(region: str, account: str, replay: str) -> str:
    return f"arn:aws:events:{region}:{account}:replay/{replay}"


def connection_arn(region: str, account: str, name: str, suffix: str) -> str:
    return f"arn:aws:events:{region}:{account}:connection/{name}/{suffix}"


def api_destination_arn(region: str, account: str, name: str, suffix: str) -> str:
    return f"arn:aws:events:{region}:{account}:api-destination/{name}/{suffix}"


def named_in_arn(name_or_arn: str, resource: str) -> str:
    """`arn:...:<resource>/<name>[/<id>]` -> name; a bare name is returned as it is."""
    marker = f":{resource}/"
    if marker not in name_or_arn:
        return name_or_arn
    return name_or_arn.split(marker, 1)[1].split("/", 1)[0]


def bus_name_of(name_or_arn: str) -> str:
    """EventBusName accepts a name or an ARN."""
    if name_or_arn.startswith("arn:"):
        match = re.match(r"^arn:aws:events:[^:]*:[^:]*:event-bus/(.+)$", name_or_arn)
        if not match:
            raise ValidationError(f"Parameter EventBusName is not valid: {name_or_arn!r}")
        return match.group(1)
    return name_or_arn


NAME = re.compile(r"^[.\-_A-Za-z0-9]+$")
BUS_NAME = re.compile(r"^[/.\-_A-Za-z0-9]+$")


def check_name(kind: str, name: str, max_length: int, pattern: re.Pattern[str] = NAME) -> None:
    if not 1 <= len(name) <= max_length or not pattern.match(name):
        raise ValidationError(
            f"1 validation error detected: Value '{name}' at '{kind}' failed to satisfy "
            f"constraint: Member must satisfy regular expression pattern: {pattern.pattern} "
            f"and have length between 1 and {max_length}"
        )
