-- A message's tags (Svix's MessageIn.tags, up to 5 free-form labels) as a
-- string list like channels (text[]); NULL when the message has none.
-- Message and attempt lists filter by one tag, scanning the app's messages
-- by ID as the channel filter does; no index, as none serves channels.

-- +goose Up
ALTER TABLE messages ADD COLUMN tags text[];

-- +goose Down
ALTER TABLE messages DROP COLUMN tags;
