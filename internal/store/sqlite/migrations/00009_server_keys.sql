-- Keys the server makes for itself and every node shares, by name (the
-- browser session key): the first node to start stores a random key, the
-- others read it. A key is only ever added, never changed by a node, so
-- two nodes never disagree on one.

-- +goose Up
CREATE TABLE server_keys (
    name TEXT PRIMARY KEY,
    key  BLOB NOT NULL
) STRICT;

-- +goose Down
DROP TABLE server_keys;
