-- Event buses, partner event sources, rules, targets, events, deliveries, archives and replays.
CREATE TABLE event_buses (
    name TEXT COLLATE "C" PRIMARY KEY,
    event_source_name TEXT COLLATE "C",
    description TEXT,
    policy TEXT,
    rules_version BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE partner_event_sources (
    name TEXT COLLATE "C" PRIMARY KEY,
    created_at BIGINT NOT NULL
);

CREATE TABLE event_rules (
    bus_name TEXT COLLATE "C" NOT NULL REFERENCES event_buses (name) ON DELETE CASCADE,
    name TEXT COLLATE "C" NOT NULL,
    event_pattern TEXT NOT NULL,
    state TEXT NOT NULL,
    description TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (bus_name, name)
);

CREATE TABLE event_targets (
    bus_name TEXT COLLATE "C" NOT NULL,
    rule_name TEXT COLLATE "C" NOT NULL,
    target_id TEXT COLLATE "C" NOT NULL,
    arn TEXT NOT NULL,
    settings TEXT NOT NULL,
    PRIMARY KEY (bus_name, rule_name, target_id),
    FOREIGN KEY (bus_name, rule_name) REFERENCES event_rules (bus_name, name) ON DELETE CASCADE
);

CREATE TABLE bus_events (
    bus_name TEXT COLLATE "C" NOT NULL,
    id TEXT COLLATE "C" NOT NULL,
    event TEXT NOT NULL,
    event_time BIGINT NOT NULL,
    ingested_at BIGINT NOT NULL,
    replay_name TEXT COLLATE "C",
    PRIMARY KEY (bus_name, id)
);

CREATE INDEX bus_events_ingested ON bus_events (ingested_at);

CREATE TABLE event_deliveries (
    id BIGSERIAL PRIMARY KEY,
    event_id TEXT COLLATE "C" NOT NULL,
    bus_name TEXT COLLATE "C" NOT NULL,
    rule_name TEXT COLLATE "C" NOT NULL,
    rule_arn TEXT NOT NULL,
    target_id TEXT COLLATE "C" NOT NULL,
    target_arn TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    finished_at BIGINT,
    last_error TEXT,
    UNIQUE (event_id, bus_name, rule_name, target_id)
);

CREATE INDEX event_deliveries_due ON event_deliveries (status, next_attempt_at);

CREATE TABLE event_archives (
    name TEXT COLLATE "C" PRIMARY KEY,
    bus_name TEXT COLLATE "C" NOT NULL,
    event_pattern TEXT,
    description TEXT,
    retention_days BIGINT NOT NULL,
    state TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE archived_events (
    archive_name TEXT COLLATE "C" NOT NULL REFERENCES event_archives (name) ON DELETE CASCADE,
    event_id TEXT COLLATE "C" NOT NULL,
    event_time BIGINT NOT NULL,
    event TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    PRIMARY KEY (archive_name, event_id)
);

CREATE INDEX archived_events_time ON archived_events (archive_name, event_time);

CREATE TABLE event_replays (
    name TEXT COLLATE "C" PRIMARY KEY,
    archive_name TEXT COLLATE "C" NOT NULL,
    bus_name TEXT COLLATE "C" NOT NULL,
    rule_filter TEXT,
    start_time BIGINT NOT NULL,
    end_time BIGINT NOT NULL,
    state TEXT NOT NULL,
    state_reason TEXT,
    last_replayed_time BIGINT,
    replayed BIGINT NOT NULL,
    total BIGINT NOT NULL,
    started_at BIGINT NOT NULL,
    finished_at BIGINT
);

CREATE TABLE webhook_receipts (
    source_name TEXT COLLATE "C" NOT NULL,
    event_id TEXT COLLATE "C" NOT NULL,
    bus_event_id TEXT COLLATE "C" NOT NULL,
    received_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (source_name, event_id)
);

CREATE INDEX webhook_receipts_expiry ON webhook_receipts (expires_at);
