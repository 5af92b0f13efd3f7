-- The canonical schema: what replaying every migration on an empty database must give.
-- Update it with each new migration (tests/contract/test_migrations.py checks the two agree).
CREATE TABLE app_tables (
    name TEXT PRIMARY KEY,
    partition_key TEXT NOT NULL,
    sort_key TEXT,
    created_at INTEGER NOT NULL
);

CREATE TABLE app_items (
    table_name TEXT NOT NULL REFERENCES app_tables (name) ON DELETE CASCADE,
    pk TEXT NOT NULL,
    sk TEXT NOT NULL,
    item TEXT NOT NULL,
    version INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (table_name, pk, sk)
) WITHOUT ROWID;

CREATE TABLE idempotency_keys (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    result TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
) WITHOUT ROWID;

CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);

CREATE TABLE queues (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    attributes TEXT NOT NULL,
    tags TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    purged_at INTEGER
);

CREATE TABLE queue_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    queue_id INTEGER NOT NULL,
    message_id TEXT NOT NULL,
    body TEXT NOT NULL,
    message_attributes TEXT,
    md5_of_body TEXT NOT NULL,
    md5_of_attributes TEXT,
    group_id TEXT,
    deduplication_id TEXT,
    trace_header TEXT,
    sent_at INTEGER NOT NULL,
    visible_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    receive_count INTEGER NOT NULL,
    first_received_at INTEGER,
    received_at INTEGER,
    dead_letter_source TEXT
);

CREATE INDEX queue_messages_visible ON queue_messages (queue_id, visible_at, id);

CREATE INDEX queue_messages_group ON queue_messages (queue_id, group_id, visible_at);

CREATE INDEX queue_messages_expiry ON queue_messages (expires_at);

CREATE TABLE queue_deduplication (
    queue_id INTEGER NOT NULL,
    dedup_key TEXT NOT NULL,
    message_id TEXT NOT NULL,
    sequence_number INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (queue_id, dedup_key)
) WITHOUT ROWID;

CREATE INDEX queue_deduplication_expiry ON queue_deduplication (expires_at);

CREATE TABLE queue_move_tasks (
    handle TEXT PRIMARY KEY,
    source_queue_id INTEGER NOT NULL,
    destination TEXT,
    max_per_second INTEGER,
    status TEXT NOT NULL,
    moved INTEGER NOT NULL,
    to_move INTEGER NOT NULL,
    failure_reason TEXT,
    started_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE event_source_mappings (
    uuid TEXT PRIMARY KEY,
    queue_name TEXT NOT NULL,
    function_name TEXT NOT NULL,
    config TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
