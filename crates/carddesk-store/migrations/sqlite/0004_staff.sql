-- Staff sign-in and sessions, and the idempotency keys of mutating calls.

CREATE TABLE staff_users (
    username       TEXT PRIMARY KEY,
    display_name   TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('agent', 'supervisor', 'admin')),
    password_hash  TEXT NOT NULL,
    failed_signins INTEGER NOT NULL DEFAULT 0,
    locked_until   BIGINT,
    created_at     BIGINT NOT NULL
);

-- Session tokens are kept only as keyed hashes.
CREATE TABLE staff_sessions (
    token_digest BLOB PRIMARY KEY,
    username     TEXT NOT NULL REFERENCES staff_users (username),
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    revoked_at   BIGINT
);
CREATE INDEX staff_sessions_username ON staff_sessions (username);

-- A retried call with the same key gets the first response back; the
-- response is sealed (it can carry a customer's session token).
CREATE TABLE idempotency_keys (
    scope           TEXT NOT NULL,
    key             TEXT NOT NULL,
    request_digest  BLOB NOT NULL,
    status          INTEGER NOT NULL,
    response_sealed BLOB NOT NULL,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
