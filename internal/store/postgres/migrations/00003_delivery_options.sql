-- An endpoint's delivery options (format, template, method, retries,
-- timeout) as one JSON object; NULL means every default. They are read
-- with the endpoint, so the routing index has them without a query of
-- its own. text rather than jsonb, like the other JSON columns: the Go
-- side encodes and decodes it, and no query looks inside.

-- +goose Up
ALTER TABLE endpoints ADD COLUMN delivery_options text;

-- +goose Down
ALTER TABLE endpoints DROP COLUMN delivery_options;
