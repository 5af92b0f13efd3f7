-- Durable workflow executions (Step Functions): state machines, executions and their history,
-- task tokens, timers, task invocations waiting to run, and each execution's inbox of events.
CREATE TABLE sfn_definitions (
    id TEXT PRIMARY KEY,
    definition TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE sfn_state_machines (
    name TEXT PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    arn TEXT NOT NULL,
    type TEXT NOT NULL,
    definition_id TEXT NOT NULL REFERENCES sfn_definitions (id),
    role_arn TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE sfn_executions (
    arn TEXT PRIMARY KEY,
    machine_id TEXT NOT NULL,
    machine_arn TEXT NOT NULL,
    name TEXT NOT NULL,
    definition_id TEXT NOT NULL REFERENCES sfn_definitions (id),
    status TEXT NOT NULL,
    input TEXT NOT NULL,
    output TEXT,
    error TEXT,
    cause TEXT,
    state TEXT NOT NULL,
    event_count INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    stopped_at INTEGER
) WITHOUT ROWID;

CREATE INDEX sfn_executions_by_machine ON sfn_executions (machine_id, started_at);

CREATE TABLE sfn_history (
    execution_arn TEXT NOT NULL,
    first_id INTEGER NOT NULL,
    last_id INTEGER NOT NULL,
    events TEXT NOT NULL,
    PRIMARY KEY (execution_arn, first_id)
) WITHOUT ROWID;

CREATE TABLE sfn_tokens (
    token TEXT PRIMARY KEY,
    execution_arn TEXT NOT NULL,
    task_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    closed_at INTEGER
) WITHOUT ROWID;

CREATE INDEX sfn_tokens_by_execution ON sfn_tokens (execution_arn);

CREATE TABLE sfn_timers (
    execution_arn TEXT NOT NULL,
    timer_id TEXT NOT NULL,
    fire_at INTEGER NOT NULL,
    PRIMARY KEY (execution_arn, timer_id)
) WITHOUT ROWID;

CREATE INDEX sfn_timers_due ON sfn_timers (fire_at);

CREATE TABLE sfn_tasks (
    execution_arn TEXT NOT NULL,
    task_id TEXT NOT NULL,
    request TEXT NOT NULL,
    lease_until INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    PRIMARY KEY (execution_arn, task_id)
) WITHOUT ROWID;

CREATE INDEX sfn_tasks_by_lease ON sfn_tasks (lease_until);

CREATE TABLE sfn_inbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    execution_arn TEXT NOT NULL,
    event TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE INDEX sfn_inbox_by_execution ON sfn_inbox (execution_arn, id);
