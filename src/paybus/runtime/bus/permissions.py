"""Bus resource policies: which other accounts may put events on a bus (PutPermission).

The policy is an IAM document as AWS stores it; a statement allows `events:PutEvents` to a
principal that is `*`, an account id or `arn:aws:iam::<account>:root`. The bus's own account
is always allowed; anyone else without a statement is refused, entry by entry.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from paybus.core.errors import NotFound, PolicyLengthExceeded, ValidationError
from paybus.core.events.envelope import EntryError

ACTION = "events:PutEvents"
MAX_POLICY_CHARS = 10_240
_ACCOUNT = re.compile(r"^(?:\d{12}|\*)$")
_STATEMENT_ID = re.compile(r"^[a-zA-Z0-9-_]{1,64}$")


def _principals(statement: Mapping[str, Any]) -> list[str]:
    principal = statement.get("Principal")
    if principal == "*":
        return ["*"]
    if isinstance(principal, Mapping):
        aws = principal.get("AWS", [])
        return [aws] if isinstance(aws, str) else [p for p in aws if isinstance(p, str)]
    return []


def _actions(statement: Mapping[str, Any]) -> list[str]:
    action = statement.get("Action", [])
    return [action] if isinstance(action, str) else list(action)


def allows(policy: Mapping[str, Any] | None, account: str) -> bool:
    for statement in (policy or {}).get("Statement", []):
        if statement.get("Effect") != "Allow":
            continue
        if not any(a in (ACTION, "events:*") for a in _actions(statement)):
            continue
        for principal in _principals(statement):
            if principal in ("*", account, f"arn:aws:iam::{account}:root"):
                return True
    return False


def refusal(policy: Mapping[str, Any] | None, account: str, bus_arn: str) -> EntryError | None:
    """The per-entry error AWS gives an account the bus does not allow; None if allowed."""
    if allows(policy, account):
        return None
    return EntryError(
        "AccessDeniedException",
        f"User: arn:aws:iam::{account}:root is not authorized to perform: {ACTION} on resource: "
        f"{bus_arn} because no resource-based policy allows the {ACTION} action",
    )


def add_statement(
    policy: Mapping[str, Any] | None,
    bus_arn: str,
    *,
    statement_id: str,
    principal: str,
    action: str = ACTION,
    condition: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """PutPermission with Action/Principal/StatementId: add or replace one statement."""
    if not _STATEMENT_ID.match(statement_id):
        raise ValidationError(f"StatementId {statement_id!r} is not valid: [a-zA-Z0-9-_]{{1,64}}")
    if action != ACTION:
        raise ValidationError(f"Provided Action '{action}' is not supported.")
    if not _ACCOUNT.match(principal):
        raise ValidationError(
            f"Value {principal!r} at 'principal' failed to satisfy constraint: Member must "
            "satisfy regular expression pattern: (\\d{12}|\\*)"
        )
    statement: dict[str, Any] = {
        "Sid": statement_id,
        "Effect": "Allow",
        "Principal": "*" if principal == "*" else {"AWS": f"arn:aws:iam::{principal}:root"},
        "Action": ACTION,
        "Resource": bus_arn,
    }
    if condition:
        statement["Condition"] = {
            "StringEquals": {str(condition.get("Key")): str(condition.get("Value"))}
        }
    kept = [s for s in _statements(policy) if s.get("Sid") != statement_id]
    return {"Version": "2012-10-17", "Statement": [*kept, statement]}


def remove_statement(
    policy: Mapping[str, Any] | None, statement_id: str | None, remove_all: bool
) -> dict[str, Any] | None:
    if remove_all:
        return None
    statements = _statements(policy)
    if statement_id is None:
        raise ValidationError("Either StatementId or RemoveAllPermissions must be given.")
    kept = [s for s in statements if s.get("Sid") != statement_id]
    if len(kept) == len(statements):
        raise NotFound("Statement with the provided id does not exist.")
    return {"Version": "2012-10-17", "Statement": kept} if kept else None


def _statements(policy: Mapping[str, Any] | None) -> Sequence[Mapping[str, Any]]:
    return list((policy or {}).get("Statement", []))


def check_policy_text(text: str) -> None:
    if len(text) > MAX_POLICY_CHARS:
        raise PolicyLengthExceeded(
            f"The policy of {len(text)} characters exceeds the limit of {MAX_POLICY_CHARS}."
        )
