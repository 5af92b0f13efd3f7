-- Step Functions activities: the activities, and the tasks scheduled for their workers
-- (claimed by GetActivityTask; answered through the task token like any callback).
CREATE TABLE sfn_activities (
    name TEXT COLLATE "C" PRIMARY KEY,
    arn TEXT COLLATE "C" NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE sfn_activity_tasks (
    token TEXT COLLATE "C" PRIMARY KEY,
    activity_arn TEXT COLLATE "C" NOT NULL,
    execution_arn TEXT COLLATE "C" NOT NULL,
    input TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    claimed_at BIGINT,
    worker_name TEXT
);

CREATE INDEX sfn_activity_tasks_waiting ON sfn_activity_tasks (activity_arn, claimed_at, created_at);
