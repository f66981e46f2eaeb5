-- Why a delivery's next attempt will be made, as Svix's trigger types
-- number it: 0 scheduled (the first attempt and the retries), 1 manual
-- (a resend, or a recovery of failed deliveries). Set by resend and
-- recover, read when the delivery is claimed, so the attempt carries it
-- whichever node makes it; back to 0 once an attempt is recorded.

-- +goose Up
ALTER TABLE deliveries ADD COLUMN trigger_type INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE deliveries DROP COLUMN trigger_type;
