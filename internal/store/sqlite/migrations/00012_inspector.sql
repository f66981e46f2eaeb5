-- The request inspector (internal/inspector): bins, each a catch URL
-- /in/bin/{token}, and the requests they caught, raw. The token is not
-- stored, only its SHA-256 (token_hash), looked up by equality on its
-- unique index. A capture's body is a BLOB holding the request body byte
-- for byte; headers are JSON text ({"Name": ["value", ...]}), searched as
-- text. Deleting a bin deletes its captures.

-- +goose Up
CREATE TABLE bins (
    id                TEXT PRIMARY KEY,
    name              TEXT NOT NULL,
    token_hash        BLOB NOT NULL UNIQUE,
    response_status   INTEGER NOT NULL,
    response_headers  TEXT,
    response_body     BLOB,
    response_delay_ms INTEGER NOT NULL,
    keep              INTEGER NOT NULL,
    retention_ms      INTEGER NOT NULL,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
) STRICT;

CREATE TABLE captures (
    id          TEXT PRIMARY KEY,
    bin_id      TEXT NOT NULL REFERENCES bins (id) ON DELETE CASCADE,
    method      TEXT NOT NULL,
    path        TEXT NOT NULL,
    query       TEXT NOT NULL,
    headers     TEXT NOT NULL,
    body        BLOB NOT NULL,
    body_size   INTEGER NOT NULL,
    remote_addr TEXT NOT NULL,
    received_at INTEGER NOT NULL
) STRICT;
-- Lists and trims walk one bin's captures by ID (time-sortable).
CREATE INDEX captures_bin ON captures (bin_id, id);

-- +goose Down
DROP TABLE captures;
DROP TABLE bins;
