-- An endpoint's delivery options (format, template, method, retries,
-- timeout) as one JSON object; NULL means every default. They are read
-- with the endpoint, so the routing index has them without a query of
-- its own. Version 00002 exists only on PostgreSQL (its node registry);
-- the numbers are shared so a migration means the same on both.

-- +goose Up
ALTER TABLE endpoints ADD COLUMN delivery_options TEXT;

-- +goose Down
ALTER TABLE endpoints DROP COLUMN delivery_options;
