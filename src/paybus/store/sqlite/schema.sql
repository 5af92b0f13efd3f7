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
