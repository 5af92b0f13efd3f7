"""Activities and the tasks scheduled for their workers: scheduled in the transition's
transaction, claimed once by `GetActivityTask` (skipping tasks whose token has closed)."""

from __future__ import annotations

from paybus.core.errors import ActivityDoesNotExist
from paybus.store.dialect import Dialect
from paybus.store.sql import Unit, execute, fetch_all, fetch_one


def create_activity(name: str, arn: str, now_ms: int) -> Unit[int]:
    """Create the activity unless it exists (CreateActivity is idempotent); its creation time."""
    yield from execute(
        "INSERT INTO sfn_activities (name, arn, created_at) VALUES (:name, :arn, :now) "
        "ON CONFLICT (name) DO NOTHING",
        name=name,
        arn=arn,
        now=now_ms,
    )
    return (yield from get_activity(name))[1]


def get_activity(name: str) -> Unit[tuple[str, int]]:
    row = yield from fetch_one(
        "SELECT arn, created_at FROM sfn_activities WHERE name = :name", name=name
    )
    if row is None:
        raise ActivityDoesNotExist(f"Activity Does Not Exist: '{name}'")
    return str(row[0]), int(row[1])


def list_activities() -> Unit[list[tuple[str, str, int]]]:
    rows = yield from fetch_all("SELECT name, arn, created_at FROM sfn_activities ORDER BY name")
    return [(r[0], r[1], int(r[2])) for r in rows]


def delete_activity(name: str) -> Unit[None]:
    yield from execute("DELETE FROM sfn_activities WHERE name = :name", name=name)


def schedule_activity_task(
    token: str, activity_arn: str, execution_arn: str, input: str, now_ms: int
) -> Unit[None]:
    yield from execute(
        "INSERT INTO sfn_activity_tasks (token, activity_arn, execution_arn, input, created_at) "
        "VALUES (:token, :activity, :execution, :input, :now) ON CONFLICT (token) DO NOTHING",
        token=token,
        activity=activity_arn,
        execution=execution_arn,
        input=input,
        now=now_ms,
    )


def claim_activity_task(
    dialect: Dialect, activity_arn: str, worker: str | None, now_ms: int
) -> Unit[tuple[str, str] | None]:
    """The oldest unclaimed open task of the activity, claimed for `worker`: (token, input)."""
    row = yield from fetch_one(
        "SELECT token, input FROM sfn_activity_tasks t WHERE activity_arn = :arn "
        "AND claimed_at IS NULL AND NOT EXISTS (SELECT 1 FROM sfn_tokens k "
        "WHERE k.token = t.token AND k.closed_at IS NOT NULL) "
        f"ORDER BY created_at LIMIT 1{dialect.for_update_skip_locked}",
        arn=activity_arn,
    )
    if row is None:
        return None
    yield from execute(
        "UPDATE sfn_activity_tasks SET claimed_at = :now, worker_name = :worker "
        "WHERE token = :token",
        now=now_ms,
        worker=worker,
        token=row[0],
    )
    return str(row[0]), str(row[1])
