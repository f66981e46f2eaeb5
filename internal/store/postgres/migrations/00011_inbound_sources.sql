-- Inbound sources (internal/inbound) and the requests they received, the
-- twin of SQLite's 00011. A source is found by the SHA-256 hash of its
-- ingest token, as API tokens are; its verification secret is sealed, as
-- endpoint secrets are, when the store has a key. The small settings
-- (verify, response, methods, forward) are text holding JSON.
--
-- A request's body is bytea, kept byte for byte; its headers are JSON
-- text. Two verified requests of a source never share a provider's
-- delivery ID: a provider's retry is refused by the index, in the
-- transaction that would have forwarded it a second time; the retry is
-- then kept as a duplicate_of the first. A failed request holds no claim
-- on its ID (anyone can send one).

-- +goose Up
CREATE TABLE sources (
    id         text COLLATE "C" PRIMARY KEY,
    name       text NOT NULL,
    token_hash bytea NOT NULL UNIQUE,
    verify     text NOT NULL,
    secret     text,
    response   text NOT NULL,
    methods    text NOT NULL,
    body_limit bigint NOT NULL,
    rate_limit integer NOT NULL,
    forward    text NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL
);

CREATE TABLE inbound_requests (
    id          text COLLATE "C" PRIMARY KEY,
    source_id   text COLLATE "C" NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    method      text NOT NULL,
    path        text NOT NULL,
    query       text NOT NULL,
    headers     text NOT NULL,
    body        bytea,
    remote_addr text NOT NULL,
    verified    boolean NOT NULL,
    reason      text NOT NULL,
    delivery_id text COLLATE "C",
    received_at bigint NOT NULL,
    message_ids text,
    duplicate_of text COLLATE "C"
);
CREATE INDEX inbound_requests_source ON inbound_requests (source_id, id);
CREATE UNIQUE INDEX inbound_requests_delivery ON inbound_requests (source_id, delivery_id)
    WHERE delivery_id IS NOT NULL AND verified AND duplicate_of IS NULL;

-- +goose Down
DROP TABLE inbound_requests;
DROP TABLE sources;
