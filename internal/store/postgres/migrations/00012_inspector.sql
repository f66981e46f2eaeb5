-- The request inspector (internal/inspector): bins, each a catch URL
-- /in/bin/{token}, and the requests they caught, raw. The token is not
-- stored, only its SHA-256 (token_hash), looked up by equality on its
-- unique index. A capture's body is a bytea holding the request body byte
-- for byte; headers are JSON text ({"Name": ["value", ...]}), searched as
-- text. Deleting a bin deletes its captures.

-- +goose Up
CREATE TABLE bins (
    id                text PRIMARY KEY,
    name              text NOT NULL,
    token_hash        bytea NOT NULL UNIQUE,
    response_status   bigint NOT NULL,
    response_headers  text,
    response_body     bytea,
    response_delay_ms bigint NOT NULL,
    keep              bigint NOT NULL,
    retention_ms      bigint NOT NULL,
    created_at        bigint NOT NULL,
    updated_at        bigint NOT NULL
);

CREATE TABLE captures (
    id          text PRIMARY KEY,
    bin_id      text NOT NULL REFERENCES bins (id) ON DELETE CASCADE,
    method      text NOT NULL,
    path        text NOT NULL,
    query       text NOT NULL,
    headers     text NOT NULL,
    body        bytea NOT NULL,
    body_size   bigint NOT NULL,
    remote_addr text NOT NULL,
    received_at bigint NOT NULL
);
-- Lists and trims walk one bin's captures by ID (time-sortable).
CREATE INDEX captures_bin ON captures (bin_id, id);

-- +goose Down
DROP TABLE captures;
DROP TABLE bins;
