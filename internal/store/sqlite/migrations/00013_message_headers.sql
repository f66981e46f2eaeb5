-- A message's headers: the request headers an inbound source's
-- destinations pass on (webhook.Message.Headers), as a JSON object of
-- name to value; NULL for the product's messages, which carry none, and
-- once the content is expunged. Deliveries send only those their
-- endpoint's delivery options name (pass_headers).

-- +goose Up
ALTER TABLE messages ADD COLUMN headers TEXT;

-- +goose Down
ALTER TABLE messages DROP COLUMN headers;
