-- The canonical schema: what replaying every migration on an empty database must give.
-- Update it with each new migration (tests/contract/test_migrations.py checks the two agree).
CREATE TABLE app_tables (
    name TEXT COLLATE "C" PRIMARY KEY,
    partition_key TEXT NOT NULL,
    sort_key TEXT,
    created_at BIGINT NOT NULL
);

CREATE TABLE app_items (
    table_name TEXT COLLATE "C" NOT NULL REFERENCES app_tables (name) ON DELETE CASCADE,
    pk TEXT COLLATE "C" NOT NULL,
    sk TEXT COLLATE "C" NOT NULL,
    item JSONB NOT NULL,
    version BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (table_name, pk, sk)
);

CREATE TABLE idempotency_keys (
    scope TEXT COLLATE "C" NOT NULL,
    key TEXT COLLATE "C" NOT NULL,
    result JSONB,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (scope, key)
);

CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
