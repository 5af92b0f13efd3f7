"""State machines and their definitions (content-addressed, so executions keep theirs)."""

from __future__ import annotations

from paybus.core.errors import StateMachineAlreadyExists, StateMachineDoesNotExist
from paybus.store.sql import Unit, execute, fetch_all, fetch_one
from paybus.store.workflows.records import MachineRow

_SELECT = f"SELECT {MachineRow.COLUMNS} FROM sfn_state_machines"


def put_definition(definition_id: str, text: str) -> Unit[None]:
    yield from execute(
        "INSERT INTO sfn_definitions (id, definition) VALUES (:id, :definition) "
        "ON CONFLICT (id) DO NOTHING",
        id=definition_id,
        definition=text,
    )


def definition_text(definition_id: str) -> Unit[str]:
    row = yield from fetch_one(
        "SELECT definition FROM sfn_definitions WHERE id = :id", id=definition_id
    )
    if row is None:
        raise StateMachineDoesNotExist(f"definition {definition_id} is missing")
    return str(row[0])


def create_machine(machine: MachineRow, definition_text: str) -> Unit[MachineRow]:
    """Create a machine; the same name with the same definition, role and type returns the
    existing one (AWS's idempotent create), anything else is `StateMachineAlreadyExists`."""
    yield from put_definition(machine.definition_id, definition_text)
    inserted = yield from execute(
        "INSERT INTO sfn_state_machines (name, id, arn, type, definition_id, role_arn, "
        "created_at, updated_at) VALUES (:name, :id, :arn, :type, :definition_id, :role_arn, "
        ":created_at, :updated_at) ON CONFLICT (name) DO NOTHING",
        name=machine.name,
        id=machine.id,
        arn=machine.arn,
        type=machine.type,
        definition_id=machine.definition_id,
        role_arn=machine.role_arn,
        created_at=machine.created_at,
        updated_at=machine.updated_at,
    )
    if inserted:
        return machine
    existing = yield from get_machine(machine.name)
    same = (existing.definition_id, existing.role_arn, existing.type) == (
        machine.definition_id,
        machine.role_arn,
        machine.type,
    )
    if not same:
        raise StateMachineAlreadyExists(
            f"State Machine Already Exists: '{existing.arn}' (with a different definition, "
            "role or type)"
        )
    return existing


def find_machine(name: str) -> Unit[MachineRow | None]:
    row = yield from fetch_one(f"{_SELECT} WHERE name = :name", name=name)
    return None if row is None else MachineRow.of(row)


def get_machine(name: str) -> Unit[MachineRow]:
    machine = yield from find_machine(name)
    if machine is None:
        raise StateMachineDoesNotExist(f"State Machine Does Not Exist: '{name}'")
    return machine


def list_machines() -> Unit[list[MachineRow]]:
    rows = yield from fetch_all(f"{_SELECT} ORDER BY name")
    return [MachineRow.of(row) for row in rows]


def update_machine(
    name: str, definition: tuple[str, str] | None, role_arn: str | None, now_ms: int
) -> Unit[MachineRow]:
    """Change the definition (id, text) and/or role; executions already running keep theirs."""
    machine = yield from get_machine(name)
    definition_id = machine.definition_id
    if definition is not None:
        definition_id = definition[0]
        yield from put_definition(*definition)
    yield from execute(
        "UPDATE sfn_state_machines SET definition_id = :definition_id, role_arn = :role_arn, "
        "updated_at = :now WHERE name = :name",
        definition_id=definition_id,
        role_arn=role_arn if role_arn is not None else machine.role_arn,
        now=now_ms,
        name=name,
    )
    return (yield from get_machine(name))


def delete_machine(name: str) -> Unit[bool]:
    """Delete a machine; its executions keep running on their own definition."""
    deleted = yield from execute("DELETE FROM sfn_state_machines WHERE name = :name", name=name)
    return deleted > 0
