-- Delivery of the outbox by a worker (or several, on one PostgreSQL):
-- a message is due from next_attempt_at (0, the epoch, for messages queued
-- before this migration and for new ones: due at once); a worker leases it
-- until claimed_until under the claim token claimed_by, so that no other
-- worker takes it while the lease runs, and a worker that dies mid-delivery
-- only delays it. attempts counts claims. last_error_code is a short code
-- (http_503, timeout), never a gateway's response text.
ALTER TABLE outbox ADD COLUMN next_attempt_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN claimed_until BIGINT;
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN last_attempt_at BIGINT;
ALTER TABLE outbox ADD COLUMN last_error_code TEXT;
ALTER TABLE outbox ADD COLUMN sent_at BIGINT;
ALTER TABLE outbox ADD COLUMN delivered_via TEXT;

-- What the worker's claim looks for: pending messages by due time.
CREATE INDEX outbox_due ON outbox (status, next_attempt_at, id);
