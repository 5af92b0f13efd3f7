-- Connections (authorization for HTTP targets) and API destinations (HTTP endpoints as targets).
CREATE TABLE event_connections (
    name TEXT COLLATE "C" PRIMARY KEY,
    authorization_type TEXT NOT NULL,
    auth_parameters TEXT NOT NULL,
    description TEXT,
    state TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE event_api_destinations (
    name TEXT COLLATE "C" PRIMARY KEY,
    connection_name TEXT COLLATE "C" NOT NULL,
    endpoint TEXT NOT NULL,
    http_method TEXT NOT NULL,
    rate_limit_per_second BIGINT,
    description TEXT,
    state TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
