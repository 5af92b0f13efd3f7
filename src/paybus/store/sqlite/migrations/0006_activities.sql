-- Step Functions activities: the activities, and the tasks scheduled for their workers
-- (claimed by GetActivityTask; answered through the task token like any callback).
CREATE TABLE sfn_activities (
    name TEXT PRIMARY KEY,
    arn TEXT NOT NULL,
    created_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE sfn_activity_tasks (
    token TEXT PRIMARY KEY,
    activity_arn TEXT NOT NULL,
    execution_arn TEXT NOT NULL,
    input TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    claimed_at INTEGER,
    worker_name TEXT
) WITHOUT ROWID;

CREATE INDEX sfn_activity_tasks_waiting ON sfn_activity_tasks (activity_arn, claimed_at, created_at);
