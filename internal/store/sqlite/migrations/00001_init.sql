-- Hookline's SQLite schema. Times are INTEGER unix milliseconds, UTC: the
-- domain truncates to milliseconds, so values round-trip exactly and sort
-- as numbers. JSON columns (metadata, channels, ...) are TEXT and NULL when
-- the Go value is nil, so nil and empty collections both round-trip.
-- STRICT makes SQLite refuse a value of the wrong type instead of storing
-- it silently.

-- +goose Up
CREATE TABLE apps (
    id         TEXT PRIMARY KEY,
    uid        TEXT UNIQUE,
    name       TEXT NOT NULL,
    rate_limit INTEGER,
    metadata   TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE event_types (
    name         TEXT PRIMARY KEY,
    description  TEXT NOT NULL,
    archived     INTEGER NOT NULL DEFAULT 0,
    deprecated   INTEGER NOT NULL DEFAULT 0,
    feature_flag TEXT,
    schemas      TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
) STRICT;

CREATE TABLE endpoints (
    id           TEXT PRIMARY KEY,
    app_id       TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    uid          TEXT,
    url          TEXT NOT NULL,
    description  TEXT NOT NULL,
    version      INTEGER NOT NULL,
    disabled     INTEGER NOT NULL DEFAULT 0,
    rate_limit   INTEGER,
    filter_types TEXT,
    channels     TEXT,
    metadata     TEXT,
    headers      TEXT,
    secret       TEXT NOT NULL,
    old_secrets  TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    -- Also the index the app_id foreign key needs (NULL uids never clash).
    UNIQUE (app_id, uid)
) STRICT;

-- payload is a BLOB holding the request body byte for byte: never parsed,
-- never re-encoded, so key order and escapes survive.
CREATE TABLE messages (
    id         TEXT PRIMARY KEY,
    app_id     TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    event_type TEXT NOT NULL,
    event_id   TEXT,
    channels   TEXT,
    payload    BLOB,
    created_at INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX messages_app_event_id ON messages (app_id, event_id) WHERE event_id IS NOT NULL;
CREATE INDEX messages_app_id ON messages (app_id, id);

-- WITHOUT ROWID: the (msg_id, endpoint_id) key is how every statement finds
-- a delivery, so the table is that b-tree and no separate key index is
-- written per insert.
CREATE TABLE deliveries (
    msg_id           TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    endpoint_id      TEXT NOT NULL REFERENCES endpoints (id) ON DELETE CASCADE,
    app_id           TEXT NOT NULL,
    status           INTEGER NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER,
    lease_owner      TEXT,
    lease_token      INTEGER NOT NULL DEFAULT 0,
    lease_expires_at INTEGER,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    PRIMARY KEY (msg_id, endpoint_id)
) STRICT, WITHOUT ROWID;
-- The claim scan: only unfinished deliveries (Pending, Sending), in due
-- order. lease_expires_at rides along so leased rows are skipped from the
-- index alone, without a table lookup each.
CREATE INDEX deliveries_due ON deliveries (next_attempt_at, lease_expires_at) WHERE status IN (1, 3);
CREATE INDEX deliveries_endpoint ON deliveries (endpoint_id, msg_id);

-- Attempts have no foreign key to endpoints: they outlive a deleted
-- endpoint, as the attempt log of its messages.
CREATE TABLE attempts (
    id                   TEXT PRIMARY KEY,
    msg_id               TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    endpoint_id          TEXT NOT NULL,
    app_id               TEXT NOT NULL,
    url                  TEXT NOT NULL,
    status               INTEGER NOT NULL,
    response_status_code INTEGER NOT NULL,
    response             TEXT NOT NULL,
    response_duration_ms INTEGER NOT NULL,
    trigger_type         INTEGER NOT NULL,
    created_at           INTEGER NOT NULL
) STRICT;
CREATE INDEX attempts_msg ON attempts (msg_id, id);
CREATE INDEX attempts_endpoint ON attempts (endpoint_id, id);

CREATE TABLE idempotency (
    key         TEXT PRIMARY KEY,
    status_code INTEGER NOT NULL,
    body        BLOB,
    created_at  INTEGER NOT NULL
) STRICT;

-- An app-portal token dies with its app; admin tokens have app_id NULL.
CREATE TABLE tokens (
    id         TEXT PRIMARY KEY,
    hash       BLOB NOT NULL UNIQUE,
    app_id     TEXT REFERENCES apps (id) ON DELETE CASCADE,
    expires_at INTEGER,
    created_at INTEGER NOT NULL
) STRICT;
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
