-- Event buses, partner event sources, rules, targets, events, deliveries, archives and replays.
CREATE TABLE event_buses (
    name TEXT PRIMARY KEY,
    event_source_name TEXT,
    description TEXT,
    policy TEXT,
    rules_version INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE partner_event_sources (
    name TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL
);

CREATE TABLE event_rules (
    bus_name TEXT NOT NULL REFERENCES event_buses (name) ON DELETE CASCADE,
    name TEXT NOT NULL,
    event_pattern TEXT NOT NULL,
    state TEXT NOT NULL,
    description TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (bus_name, name)
);

CREATE TABLE event_targets (
    bus_name TEXT NOT NULL,
    rule_name TEXT NOT NULL,
    target_id TEXT NOT NULL,
    arn TEXT NOT NULL,
    settings TEXT NOT NULL,
    PRIMARY KEY (bus_name, rule_name, target_id),
    FOREIGN KEY (bus_name, rule_name) REFERENCES event_rules (bus_name, name) ON DELETE CASCADE
);

CREATE TABLE bus_events (
    bus_name TEXT NOT NULL,
    id TEXT NOT NULL,
    event TEXT NOT NULL,
    event_time INTEGER NOT NULL,
    ingested_at INTEGER NOT NULL,
    replay_name TEXT,
    PRIMARY KEY (bus_name, id)
);

CREATE INDEX bus_events_ingested ON bus_events (ingested_at);

CREATE TABLE event_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL,
    bus_name TEXT NOT NULL,
    rule_name TEXT NOT NULL,
    rule_arn TEXT NOT NULL,
    target_id TEXT NOT NULL,
    target_arn TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    finished_at INTEGER,
    last_error TEXT,
    UNIQUE (event_id, bus_name, rule_name, target_id)
);

CREATE INDEX event_deliveries_due ON event_deliveries (status, next_attempt_at);

CREATE TABLE event_archives (
    name TEXT PRIMARY KEY,
    bus_name TEXT NOT NULL,
    event_pattern TEXT,
    description TEXT,
    retention_days INTEGER NOT NULL,
    state TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE archived_events (
    archive_name TEXT NOT NULL REFERENCES event_archives (name) ON DELETE CASCADE,
    event_id TEXT NOT NULL,
    event_time INTEGER NOT NULL,
    event TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    PRIMARY KEY (archive_name, event_id)
);

CREATE INDEX archived_events_time ON archived_events (archive_name, event_time);

CREATE TABLE event_replays (
    name TEXT PRIMARY KEY,
    archive_name TEXT NOT NULL,
    bus_name TEXT NOT NULL,
    rule_filter TEXT,
    start_time INTEGER NOT NULL,
    end_time INTEGER NOT NULL,
    state TEXT NOT NULL,
    state_reason TEXT,
    last_replayed_time INTEGER,
    replayed INTEGER NOT NULL,
    total INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    finished_at INTEGER
);

CREATE TABLE webhook_receipts (
    source_name TEXT NOT NULL,
    event_id TEXT NOT NULL,
    bus_event_id TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (source_name, event_id)
) WITHOUT ROWID;

CREATE INDEX webhook_receipts_expiry ON webhook_receipts (expires_at);
