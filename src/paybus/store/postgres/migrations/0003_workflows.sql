-- Durable workflow executions (Step Functions): state machines, executions and their history,
-- task tokens, timers, task invocations waiting to run, and each execution's inbox of events.
-- JSON columns are `json`, not `jsonb`: jsonb reorders object keys, and the order of keys in
-- execution input, output and history is something users see (AWS keeps it).
CREATE TABLE sfn_definitions (
    id TEXT COLLATE "C" PRIMARY KEY,
    definition TEXT NOT NULL
);

CREATE TABLE sfn_state_machines (
    name TEXT COLLATE "C" PRIMARY KEY,
    id TEXT COLLATE "C" NOT NULL UNIQUE,
    arn TEXT NOT NULL,
    type TEXT NOT NULL,
    definition_id TEXT COLLATE "C" NOT NULL REFERENCES sfn_definitions (id),
    role_arn TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE sfn_executions (
    arn TEXT COLLATE "C" PRIMARY KEY,
    machine_id TEXT COLLATE "C" NOT NULL,
    machine_arn TEXT NOT NULL,
    name TEXT NOT NULL,
    definition_id TEXT COLLATE "C" NOT NULL REFERENCES sfn_definitions (id),
    status TEXT NOT NULL,
    input JSON NOT NULL,
    output JSON,
    error TEXT,
    cause TEXT,
    state JSON NOT NULL,
    event_count BIGINT NOT NULL,
    started_at BIGINT NOT NULL,
    stopped_at BIGINT
);

CREATE INDEX sfn_executions_by_machine ON sfn_executions (machine_id, started_at);

CREATE TABLE sfn_history (
    execution_arn TEXT COLLATE "C" NOT NULL,
    first_id BIGINT NOT NULL,
    last_id BIGINT NOT NULL,
    events JSON NOT NULL,
    PRIMARY KEY (execution_arn, first_id)
);

CREATE TABLE sfn_tokens (
    token TEXT COLLATE "C" PRIMARY KEY,
    execution_arn TEXT COLLATE "C" NOT NULL,
    task_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    closed_at BIGINT
);

CREATE INDEX sfn_tokens_by_execution ON sfn_tokens (execution_arn);

CREATE TABLE sfn_timers (
    execution_arn TEXT COLLATE "C" NOT NULL,
    timer_id TEXT COLLATE "C" NOT NULL,
    fire_at BIGINT NOT NULL,
    PRIMARY KEY (execution_arn, timer_id)
);

CREATE INDEX sfn_timers_due ON sfn_timers (fire_at);

CREATE TABLE sfn_tasks (
    execution_arn TEXT COLLATE "C" NOT NULL,
    task_id TEXT COLLATE "C" NOT NULL,
    request JSON NOT NULL,
    lease_until BIGINT NOT NULL,
    attempts BIGINT NOT NULL,
    PRIMARY KEY (execution_arn, task_id)
);

CREATE INDEX sfn_tasks_by_lease ON sfn_tasks (lease_until);

CREATE TABLE sfn_inbox (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    execution_arn TEXT COLLATE "C" NOT NULL,
    event JSON NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE INDEX sfn_inbox_by_execution ON sfn_inbox (execution_arn, id);
