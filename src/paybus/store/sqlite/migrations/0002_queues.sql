-- Queues with SQS semantics, their messages, FIFO deduplication, move tasks, and the
-- event-source mappings that feed functions from them.
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
