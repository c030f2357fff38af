-- CardDesk schema, SQLite. Timestamps are microseconds since the Unix
-- epoch (BIGINT) in both databases, so the SQL and the audit hashes agree.
-- Secrets arrive sealed or hashed: *_sealed is AEAD ciphertext, *_digest a
-- keyed hash, password_hash an Argon2id PHC string.

CREATE TABLE customers (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL,
    document_kind   TEXT NOT NULL CHECK (document_kind IN ('resident_id', 'passport')),
    document_masked TEXT NOT NULL,
    id_digest       BLOB NOT NULL,
    id_sealed       BLOB NOT NULL,
    phone           TEXT NOT NULL,
    language        TEXT NOT NULL,
    CONSTRAINT customers_id_digest_key UNIQUE (id_digest)
);
CREATE INDEX customers_phone ON customers (phone);

CREATE TABLE cards (
    id             INTEGER PRIMARY KEY,
    customer_id    BIGINT NOT NULL REFERENCES customers (id),
    bin            TEXT NOT NULL,
    last_four      TEXT NOT NULL,
    pan_length     INTEGER NOT NULL,
    product        TEXT NOT NULL,
    pan_digest     BLOB NOT NULL,
    pan_sealed     BLOB NOT NULL,
    password_hash  TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('active', 'frozen', 'lost', 'stolen', 'closed')),
    freeze_reason  TEXT,
    frozen_since   BIGINT,
    CONSTRAINT cards_pan_digest_key UNIQUE (pan_digest),
    CONSTRAINT cards_frozen_has_reason CHECK ((status = 'frozen') = (freeze_reason IS NOT NULL AND frozen_since IS NOT NULL))
);
CREATE INDEX cards_customer ON cards (customer_id);

CREATE TABLE card_transitions (
    id          INTEGER PRIMARY KEY,
    card_id     BIGINT NOT NULL REFERENCES cards (id),
    from_status TEXT NOT NULL,
    to_status   TEXT NOT NULL,
    reason      TEXT,
    channel     TEXT NOT NULL CHECK (channel IN ('agent', 'customer', 'system')),
    actor       TEXT NOT NULL,
    at          BIGINT NOT NULL
);
CREATE INDEX card_transitions_card ON card_transitions (card_id, id);

CREATE TABLE policy_rules (
    reason              TEXT PRIMARY KEY,
    remote_unfreeze     BOOLEAN NOT NULL,
    credentials         TEXT NOT NULL,
    supervisor_approval BOOLEAN NOT NULL
);

CREATE TABLE unfreeze_cases (
    id              INTEGER PRIMARY KEY,
    card_id         BIGINT NOT NULL REFERENCES cards (id),
    customer_id     BIGINT NOT NULL REFERENCES customers (id),
    reason          TEXT NOT NULL,
    credentials     TEXT NOT NULL,
    needs_approval  BOOLEAN NOT NULL,
    state           TEXT NOT NULL,
    failed_attempts INTEGER NOT NULL CHECK (failed_attempts >= 0),
    opened_by       TEXT NOT NULL,
    opened_at       BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    expires_at      BIGINT,
    code_digest     BLOB,
    code_used_at    BIGINT,
    session_digest  BLOB,
    CONSTRAINT unfreeze_cases_code_digest_key UNIQUE (code_digest),
    CONSTRAINT unfreeze_cases_session_digest_key UNIQUE (session_digest)
);
-- A card has at most one open case: two agents marking the same card at
-- once get a conflict, not two cases.
CREATE UNIQUE INDEX unfreeze_cases_one_open_per_card ON unfreeze_cases (card_id)
    WHERE state IN ('marked', 'packaged', 'instructed', 'requested', 'challenged', 'verified', 'approved');
CREATE INDEX unfreeze_cases_state ON unfreeze_cases (state, id);
CREATE INDEX unfreeze_cases_customer ON unfreeze_cases (customer_id);

CREATE TABLE packages (
    case_id       BIGINT PRIMARY KEY REFERENCES unfreeze_cases (id),
    card_id       BIGINT NOT NULL REFERENCES cards (id),
    pan_sealed    BLOB NOT NULL,
    id_digest     BLOB NOT NULL,
    id_sealed     BLOB NOT NULL,
    password_hash TEXT NOT NULL,
    credentials   TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    case_id         BIGINT NOT NULL REFERENCES unfreeze_cases (id),
    channel         TEXT NOT NULL CHECK (channel IN ('text', 'voice')),
    recipient       TEXT NOT NULL,
    language        TEXT NOT NULL,
    body_sealed     BLOB NOT NULL,
    idempotency_key TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL,
    CONSTRAINT outbox_idempotency_key_key UNIQUE (idempotency_key)
);
CREATE INDEX outbox_status ON outbox (status, id);

CREATE TABLE credential_failures (
    id          INTEGER PRIMARY KEY,
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    case_id     BIGINT NOT NULL REFERENCES unfreeze_cases (id),
    at          BIGINT NOT NULL
);
CREATE INDEX credential_failures_customer ON credential_failures (customer_id, at);

CREATE TABLE audit_log (
    seq       BIGINT PRIMARY KEY,
    at        BIGINT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    object    TEXT NOT NULL,
    origin    TEXT NOT NULL,
    outcome   TEXT NOT NULL CHECK (outcome IN ('success', 'failure', 'refused')),
    detail    TEXT NOT NULL,
    prev_hash BLOB NOT NULL,
    hash      BLOB NOT NULL
);
CREATE INDEX audit_log_object ON audit_log (object, seq);

-- The audit log is append-only.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
