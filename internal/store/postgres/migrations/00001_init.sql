-- Hookline's PostgreSQL schema, the twin of the SQLite one. Times are
-- bigint unix milliseconds, UTC: the domain truncates to milliseconds, so
-- values round-trip exactly and sort as numbers, as on SQLite.
--
-- Keys compare in byte order (COLLATE "C"): lists page by ID with < and >,
-- and IDs mix cases, which a locale collation would order differently
-- from Go and SQLite.
--
-- Payloads, event type schemas and idempotent response bodies are bytea,
-- kept byte for byte: jsonb would refuse \u0000 and reorder keys. The
-- small JSON maps (metadata, headers, old secrets) are text holding JSON,
-- as on SQLite; list columns are text[]. NULL is the Go nil value.

-- +goose Up
CREATE TABLE apps (
    id         text COLLATE "C" PRIMARY KEY,
    uid        text COLLATE "C" UNIQUE,
    name       text NOT NULL,
    rate_limit integer,
    metadata   text,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL
);

CREATE TABLE event_types (
    name         text COLLATE "C" PRIMARY KEY,
    description  text NOT NULL,
    archived     boolean NOT NULL DEFAULT false,
    deprecated   boolean NOT NULL DEFAULT false,
    feature_flag text,
    schemas      bytea,
    created_at   bigint NOT NULL,
    updated_at   bigint NOT NULL
);

CREATE TABLE endpoints (
    id           text COLLATE "C" PRIMARY KEY,
    app_id       text COLLATE "C" NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    uid          text COLLATE "C",
    url          text NOT NULL,
    description  text NOT NULL,
    version      integer NOT NULL,
    disabled     boolean NOT NULL DEFAULT false,
    rate_limit   integer,
    filter_types text[],
    channels     text[],
    metadata     text,
    headers      text,
    secret       text NOT NULL,
    old_secrets  text,
    created_at   bigint NOT NULL,
    updated_at   bigint NOT NULL,
    -- Also the index the app_id foreign key needs (NULL uids never clash).
    UNIQUE (app_id, uid)
);

CREATE TABLE messages (
    id         text COLLATE "C" PRIMARY KEY,
    app_id     text COLLATE "C" NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    event_type text NOT NULL,
    event_id   text COLLATE "C",
    channels   text[],
    payload    bytea,
    created_at bigint NOT NULL
);
CREATE UNIQUE INDEX messages_app_event_id ON messages (app_id, event_id) WHERE event_id IS NOT NULL;
CREATE INDEX messages_app_id ON messages (app_id, id);

CREATE TABLE deliveries (
    msg_id           text COLLATE "C" NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    endpoint_id      text COLLATE "C" NOT NULL REFERENCES endpoints (id) ON DELETE CASCADE,
    app_id           text COLLATE "C" NOT NULL,
    status           integer NOT NULL,
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  bigint,
    lease_owner      text,
    lease_token      bigint NOT NULL DEFAULT 0,
    lease_expires_at bigint,
    created_at       bigint NOT NULL,
    updated_at       bigint NOT NULL,
    PRIMARY KEY (msg_id, endpoint_id)
);
-- The claim scan: only unfinished deliveries (Pending, Sending), in due
-- order, with the lease alongside so leased rows are skipped from the index.
CREATE INDEX deliveries_due ON deliveries (next_attempt_at, lease_expires_at) WHERE status IN (1, 3);
CREATE INDEX deliveries_endpoint ON deliveries (endpoint_id, msg_id);

-- Attempts have no foreign key to endpoints: they outlive a deleted
-- endpoint, as the attempt log of its messages. response is bytea: a
-- receiver's body may hold NUL or invalid UTF-8, which text refuses.
CREATE TABLE attempts (
    id                   text COLLATE "C" PRIMARY KEY,
    msg_id               text COLLATE "C" NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    endpoint_id          text COLLATE "C" NOT NULL,
    app_id               text COLLATE "C" NOT NULL,
    url                  text NOT NULL,
    status               integer NOT NULL,
    response_status_code integer NOT NULL,
    response             bytea NOT NULL,
    response_duration_ms bigint NOT NULL,
    trigger_type         integer NOT NULL,
    created_at           bigint NOT NULL
);
CREATE INDEX attempts_msg ON attempts (msg_id, id);
CREATE INDEX attempts_endpoint ON attempts (endpoint_id, id);

CREATE TABLE idempotency (
    key         text COLLATE "C" PRIMARY KEY,
    status_code integer NOT NULL,
    body        bytea,
    created_at  bigint NOT NULL
);

-- An app-portal token dies with its app; admin tokens have app_id NULL.
CREATE TABLE tokens (
    id         text COLLATE "C" PRIMARY KEY,
    hash       bytea NOT NULL UNIQUE,
    app_id     text COLLATE "C" REFERENCES apps (id) ON DELETE CASCADE,
    expires_at bigint,
    created_at bigint NOT NULL
);
CREATE INDEX tokens_app_id ON tokens (app_id);

-- +goose Down
DROP TABLE tokens;
DROP TABLE idempotency;
DROP TABLE attempts;
DROP TABLE deliveries;
DROP TABLE messages;
DROP TABLE endpoints;
DROP TABLE event_types;
DROP TABLE apps;
