-- Retention (issue 11): a message's payload_expires_at is when its payload
-- goes (Svix's payloadRetentionPeriod and payloadRetentionHours), as
-- Unix milliseconds; NULL when the message asked for none, and then the
-- server's --retention, which deletes the whole message, applies. The partial index
-- holds only the messages that asked, and a purged payload leaves it
-- (payload_expires_at is set back to NULL), so it costs nothing on the
-- ingest path of the product's usual messages.

-- +goose Up
ALTER TABLE messages ADD COLUMN payload_expires_at INTEGER;
CREATE INDEX messages_payload_expiry ON messages (payload_expires_at) WHERE payload_expires_at IS NOT NULL;

-- +goose Down
DROP INDEX messages_payload_expiry;
ALTER TABLE messages DROP COLUMN payload_expires_at;
