-- Browser sessions signed out before their end. A session cookie is
-- self-contained (sealed, see internal/auth), so signing out must be
-- remembered for a cookie copied before it to open nothing; a row is
-- needed only until the session would have ended anyway.

-- +goose Up
CREATE TABLE sessions_ended (
    id         text PRIMARY KEY,
    expires_at bigint NOT NULL
);
CREATE INDEX sessions_ended_expires ON sessions_ended (expires_at);

-- +goose Down
DROP TABLE sessions_ended;
