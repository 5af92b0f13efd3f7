"""Step Functions names and ARNs: building them, reading them back, refusing bad ones.

State machines are found by name: an ARN copied from AWS (another region or account, as in the
seed's `start-execution` command) still names the same machine here.
"""

from __future__ import annotations

import re

from paybus.core.errors import InvalidArn, InvalidName

# AWS: 1-80 characters, no whitespace, no control characters and none of these
_FORBIDDEN = re.compile(r"[\s<>{}\[\]?*\"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f]")


def check_name(name: str, what: str = "name") -> str:
    if not 1 <= len(name) <= 80 or _FORBIDDEN.search(name):
        raise InvalidName(
            f"Invalid Name: '{name}' ({what} must be 1-80 characters without whitespace, "
            'control characters or any of < > { } [ ] ? * " # % \\ ^ | ~ ` $ & , ; : /)'
        )
    return name


def machine_arn(region: str, account_id: str, name: str) -> str:
    return f"arn:aws:states:{region}:{account_id}:stateMachine:{name}"


def execution_arn(machine: str, name: str) -> str:
    prefix, _, machine_name = machine.rpartition(":stateMachine:")
    return f"{prefix}:execution:{machine_name}:{name}"


def express_arn(machine: str, name: str, run_id: str) -> str:
    prefix, _, machine_name = machine.rpartition(":stateMachine:")
    return f"{prefix}:express:{machine_name}:{name}:{run_id}"


def _parts(arn: str, kind: str, count: int) -> list[str]:
    parts = arn.split(":")
    if len(parts) != 6 + count or parts[:3] != ["arn", "aws", "states"] or parts[5] != kind:
        raise InvalidArn(f"Invalid Arn: '{arn}'")
    return parts[6:]


def machine_name(arn: str) -> str:
    """The machine an ARN names; a bare name is accepted too (the CLI's convenience)."""
    if not arn.startswith("arn:"):
        return check_name(arn)
    (name,) = _parts(arn, "stateMachine", 1)
    return name


def execution_names(arn: str) -> tuple[str, str]:
    """(machine name, execution name) of an execution ARN."""
    machine, name = _parts(arn, "execution", 2)
    return machine, name


def canonical_execution_arn(arn: str, region: str, account_id: str) -> str:
    machine, name = execution_names(arn)
    return execution_arn(machine_arn(region, account_id, machine), name)
