-- Virtual-card applications (job 2, issue 8).
--
-- An application holds what the applicant typed, protected as a customer's
-- is (the document keyed-hashed and sealed, shown masked), the consent they
-- gave (the text's version and when), and each route's progress. A person
-- has at most one open application (the partial unique index), so racing
-- submissions by one person give one application and a conflict.
CREATE TABLE applications (
    id               INTEGER PRIMARY KEY,
    product          TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('submitted', 'routed', 'authenticated', 'issued', 'rejected', 'expired', 'withdrawn')),
    route            TEXT CHECK (route IN ('two_card', 'video_interview')),
    customer_id      BIGINT REFERENCES customers (id),
    name             TEXT NOT NULL,
    document_kind    TEXT NOT NULL CHECK (document_kind IN ('resident_id', 'passport')),
    document_masked  TEXT NOT NULL,
    id_digest        BLOB NOT NULL,
    id_sealed        BLOB NOT NULL,
    phone            TEXT NOT NULL,
    language         TEXT NOT NULL,
    origin           TEXT NOT NULL,
    consent_version  TEXT NOT NULL,
    consent_at       BIGINT NOT NULL,
    session_digest   BLOB NOT NULL,
    failed_attempts  INTEGER NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
    two_card_step    TEXT NOT NULL CHECK (two_card_step IN ('awaiting_card', 'awaiting_code')),
    proven_card_id   BIGINT REFERENCES cards (id),
    code_digest      BLOB,
    code_expires_at  BIGINT,
    interview_step   TEXT NOT NULL CHECK (interview_step IN ('awaiting_uploads', 'queued', 'claimed', 'awaiting_override')),
    queued_since     BIGINT,
    reviewer         TEXT,
    verdict          TEXT CHECK (verdict IN ('pass', 'fail', 'retry')),
    verdict_reasons  TEXT NOT NULL DEFAULT '',
    submitted_at     BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    expires_at       BIGINT NOT NULL,
    CONSTRAINT applications_session_digest_key UNIQUE (session_digest)
);
CREATE UNIQUE INDEX applications_one_open_per_person ON applications (id_digest)
    WHERE state IN ('submitted', 'routed', 'authenticated');
CREATE INDEX applications_interviews ON applications (interview_step, queued_since)
    WHERE state = 'routed' AND route = 'video_interview';
CREATE INDEX applications_due ON applications (expires_at) WHERE state IN ('submitted', 'routed', 'authenticated');

-- Submissions counted per person and per client address per day: the
-- counter is incremented and read back in one statement, inside the
-- transaction that decides, so racing submissions can never both read a
-- count below the limit.
CREATE TABLE application_quota (
    key   TEXT NOT NULL,
    day   BIGINT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (key, day)
);

-- Each product's next serial, taken by one upsert: numbers never repeat.
CREATE TABLE product_serials (
    product TEXT PRIMARY KEY,
    next    BIGINT NOT NULL
);

-- A card issued virtually (a row of cards as well): its expiry, its
-- security code as a keyed hash only, how it came to be, and when the
-- customer was shown it (once; the UPDATE that sets revealed_at is the
-- only way to the number in clear).
CREATE TABLE virtual_cards (
    card_id        BIGINT PRIMARY KEY REFERENCES cards (id),
    application_id BIGINT NOT NULL REFERENCES applications (id),
    expiry_year    INTEGER NOT NULL,
    expiry_month   INTEGER NOT NULL CHECK (expiry_month BETWEEN 1 AND 12),
    cvc_digest     BLOB NOT NULL,
    route          TEXT NOT NULL CHECK (route IN ('two_card', 'video_interview')),
    decided_by     TEXT NOT NULL,
    issued_at      BIGINT NOT NULL,
    revealed_at    BIGINT,
    CONSTRAINT virtual_cards_one_per_application UNIQUE (application_id)
);

-- Interview uploads: the sealed file lives outside the database rows
-- (media_dir/<sha256>.sealed); the row keeps what was checked of it.
CREATE TABLE application_media (
    id             INTEGER PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES applications (id),
    kind           TEXT NOT NULL CHECK (kind IN ('id_front', 'id_back', 'selfie', 'video')),
    container      TEXT NOT NULL CHECK (container IN ('jpeg', 'png', 'webm', 'mp4')),
    bytes          BIGINT NOT NULL,
    sha256         BLOB NOT NULL,
    width          INTEGER,
    height         INTEGER,
    duration_ms    BIGINT,
    uploaded_at    BIGINT NOT NULL,
    current        BOOLEAN NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX application_media_current ON application_media (application_id, kind) WHERE current;

-- Messages to applicants share the outbox and its delivery worker: a row
-- belongs to a case or to an application, and says what it carries.
-- SQLite cannot drop a NOT NULL, so the outbox is rebuilt (nothing refers
-- to it).
CREATE TABLE outbox_new (
    id              INTEGER PRIMARY KEY,
    case_id         BIGINT REFERENCES unfreeze_cases (id),
    application_id  BIGINT REFERENCES applications (id),
    purpose         TEXT NOT NULL DEFAULT 'instruction'
        CHECK (purpose IN ('instruction', 'application_code', 'application_notice')),
    channel         TEXT NOT NULL CHECK (channel IN ('text', 'voice')),
    recipient       TEXT NOT NULL,
    language        TEXT NOT NULL,
    body_sealed     BLOB NOT NULL,
    idempotency_key TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL DEFAULT 0,
    claimed_until   BIGINT,
    claimed_by      TEXT,
    last_attempt_at BIGINT,
    last_error_code TEXT,
    sent_at         BIGINT,
    delivered_via   TEXT,
    CONSTRAINT outbox_idempotency_key_key UNIQUE (idempotency_key),
    CONSTRAINT outbox_one_subject CHECK ((case_id IS NULL) <> (application_id IS NULL))
);
INSERT INTO outbox_new (id, case_id, channel, recipient, language, body_sealed, idempotency_key,
        status, attempts, created_at, next_attempt_at, claimed_until, claimed_by,
        last_attempt_at, last_error_code, sent_at, delivered_via)
    SELECT id, case_id, channel, recipient, language, body_sealed, idempotency_key,
        status, attempts, created_at, next_attempt_at, claimed_until, claimed_by,
        last_attempt_at, last_error_code, sent_at, delivered_via
    FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_status ON outbox (status, id);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at, id);
