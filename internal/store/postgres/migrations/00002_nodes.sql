-- Nodes heartbeat into this table every few seconds, so that each can
-- count the live ones and take its share of every endpoint's rate limit.
-- last_seen is unix milliseconds, as every time in this schema.

-- +goose Up
CREATE TABLE nodes (
    id        text COLLATE "C" PRIMARY KEY,
    last_seen bigint NOT NULL
);

-- +goose Down
DROP TABLE nodes;
