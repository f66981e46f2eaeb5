-- Inbound sources (internal/inbound) and the requests they received.
-- A source is found by the SHA-256 hash of its ingest token, the path
-- segment of its URL, as API tokens are; its verification secret is
-- sealed, as endpoint secrets are, when the store has a key. The small
-- settings (verify, response, methods, forward) are JSON text.
--
-- A request's body is kept byte for byte (BLOB); its headers are JSON
-- text. Two verified requests of a source never share a provider's
-- delivery ID: a provider's retry of a delivery is refused by the index,
-- in the transaction that would have forwarded it a second time; the retry
-- is then kept as a duplicate_of the first. A failed request holds no
-- claim on its ID (anyone can send one), so the real delivery after it
-- still goes through.

-- +goose Up
CREATE TABLE sources (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    token_hash BLOB NOT NULL UNIQUE,
    verify     TEXT NOT NULL,
    secret     TEXT,
    response   TEXT NOT NULL,
    methods    TEXT NOT NULL,
    body_limit INTEGER NOT NULL,
    rate_limit INTEGER NOT NULL,
    forward    TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE inbound_requests (
    id          TEXT PRIMARY KEY,
    source_id   TEXT NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    method      TEXT NOT NULL,
    path        TEXT NOT NULL,
    query       TEXT NOT NULL,
    headers     TEXT NOT NULL,
    body        BLOB,
    remote_addr TEXT NOT NULL,
    verified    INTEGER NOT NULL,
    reason      TEXT NOT NULL,
    delivery_id TEXT,
    received_at INTEGER NOT NULL,
    message_ids TEXT,
    duplicate_of TEXT
) STRICT;
CREATE INDEX inbound_requests_source ON inbound_requests (source_id, id);
CREATE UNIQUE INDEX inbound_requests_delivery ON inbound_requests (source_id, delivery_id)
    WHERE delivery_id IS NOT NULL AND verified AND duplicate_of IS NULL;

-- +goose Down
DROP TABLE inbound_requests;
DROP TABLE sources;
