-- A failed credential check is made for an unfreeze case (job 1) or for a
-- virtual-card application's card proof (job 2): both check a card's
-- transaction password, so both count against the customer's one
-- allowance. A row names exactly one of the two.
--
-- SQLite cannot relax a NOT NULL in place: the table is made again,
-- copied, and renamed, and its index recreated. No table refers to this
-- one, so dropping it checks no foreign key.
CREATE TABLE credential_failures_new (
    id             INTEGER PRIMARY KEY,
    customer_id    BIGINT NOT NULL REFERENCES customers (id),
    case_id        BIGINT REFERENCES unfreeze_cases (id),
    application_id BIGINT REFERENCES applications (id),
    at             BIGINT NOT NULL,
    CONSTRAINT credential_failures_one_subject
        CHECK ((case_id IS NULL) <> (application_id IS NULL))
);
INSERT INTO credential_failures_new (id, customer_id, case_id, at)
    SELECT id, customer_id, case_id, at FROM credential_failures;
DROP TABLE credential_failures;
ALTER TABLE credential_failures_new RENAME TO credential_failures;
CREATE INDEX credential_failures_customer ON credential_failures (customer_id, at);
