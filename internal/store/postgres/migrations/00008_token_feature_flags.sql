-- The feature flags an app-portal token may see (Svix's AppPortalAccessIn
-- featureFlags), as a JSON list of strings in both databases: the token
-- is read whole by its hash, never filtered by a flag. NULL for none: the
-- token sees only the event types that have no feature flag.

-- +goose Up
ALTER TABLE tokens ADD COLUMN feature_flags text;

-- +goose Down
ALTER TABLE tokens DROP COLUMN feature_flags;
