-- A failed credential check is made for an unfreeze case (job 1) or for a
-- virtual-card application's card proof (job 2): both check a card's
-- transaction password, so both count against the customer's one
-- allowance. A row names exactly one of the two.
ALTER TABLE credential_failures ALTER COLUMN case_id DROP NOT NULL;
ALTER TABLE credential_failures ADD COLUMN application_id BIGINT REFERENCES applications (id);
ALTER TABLE credential_failures ADD CONSTRAINT credential_failures_one_subject
    CHECK ((case_id IS NULL) <> (application_id IS NULL));
