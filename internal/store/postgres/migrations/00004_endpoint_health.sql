-- How each endpoint answered lately: one row per endpoint that was ever
-- attempted or pinged. The delivery engine aggregates outcomes in memory
-- and merges them in here about once a second from each node (never per
-- attempt); a ping writes at once. The merge rules (later time wins,
-- failure counts add up or restart) let nodes report the same endpoint
-- without clobbering each other. Times are unix milliseconds, NULL for
-- "never".

-- +goose Up
CREATE TABLE endpoint_health (
    endpoint_id          text COLLATE "C" PRIMARY KEY REFERENCES endpoints (id) ON DELETE CASCADE,
    app_id               text COLLATE "C" NOT NULL,
    last_attempt_at      bigint,
    last_success_at      bigint,
    last_failure_at      bigint,
    last_status_code     integer NOT NULL DEFAULT 0,
    last_error           text NOT NULL DEFAULT '',
    consecutive_failures integer NOT NULL DEFAULT 0
);
CREATE INDEX endpoint_health_app_id ON endpoint_health (app_id, endpoint_id);

-- +goose Down
DROP TABLE endpoint_health;
