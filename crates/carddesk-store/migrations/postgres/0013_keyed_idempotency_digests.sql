-- Retries are matched by a keyed hash of the request from now on (HMAC
-- under the server's keyring; a body can carry an ID number and a
-- password). The keys kept so far hold a plain SHA-256 of their request,
-- which must not stay in the table, and which no retry would match any
-- more: they are forgotten. A retry of a call answered before the upgrade
-- then runs as a new call, which the steps' own rules (a case already
-- open, a code already used) answer as they would any repeat.
DELETE FROM idempotency_keys;
