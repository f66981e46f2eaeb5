-- What each token is, so that it can be listed, replaced and revoked:
-- kind says who made it (webhook.TokenKind: bootstrap, dev, created,
-- app-portal); tokens made before this migration are 'legacy' admin
-- tokens (or app-portal ones, which app_id tells). name is the operator's
-- label of a created token. last_used_at (unix milliseconds, NULL for
-- never) is written at most once a minute per token (see the API's token
-- cache), not per request.

-- +goose Up
ALTER TABLE tokens ADD COLUMN kind text NOT NULL DEFAULT 'legacy';
ALTER TABLE tokens ADD COLUMN name text NOT NULL DEFAULT '';
ALTER TABLE tokens ADD COLUMN last_used_at bigint;
UPDATE tokens SET kind = 'app-portal' WHERE app_id IS NOT NULL;

-- +goose Down
ALTER TABLE tokens DROP COLUMN last_used_at;
ALTER TABLE tokens DROP COLUMN name;
ALTER TABLE tokens DROP COLUMN kind;
