-- How each endpoint answered lately: one row per endpoint that was ever
-- attempted or pinged. The delivery engine aggregates outcomes in memory
-- and merges them in here about once a second (never per attempt: the
-- delivery path writes nothing more for it); a ping writes at once.
-- Times are unix milliseconds, NULL for "never".
--
-- Numbered 00004, not 00002: the versions in between belong to other
-- migrations, and goose does not need versions to be contiguous.

-- +goose Up
CREATE TABLE endpoint_health (
    endpoint_id          TEXT PRIMARY KEY REFERENCES endpoints (id) ON DELETE CASCADE,
    app_id               TEXT NOT NULL,
    last_attempt_at      INTEGER,
    last_success_at      INTEGER,
    last_failure_at      INTEGER,
    last_status_code     INTEGER NOT NULL DEFAULT 0,
    last_error           TEXT NOT NULL DEFAULT '',
    consecutive_failures INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX endpoint_health_app_id ON endpoint_health (app_id, endpoint_id);

-- +goose Down
DROP TABLE endpoint_health;
