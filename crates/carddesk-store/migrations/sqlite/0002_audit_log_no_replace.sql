-- The audit log is append-only, also against REPLACE. `REPLACE` and
-- `INSERT OR REPLACE` delete the row they collide with without firing
-- delete triggers (SQLite fires them only with recursive_triggers on), so
-- they could rewrite an entry past audit_log_no_delete. Refuse any insert
-- whose sequence number is taken, before conflict resolution runs.
-- (PostgreSQL has no REPLACE; its upsert fires the update trigger.)
CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON audit_log
WHEN EXISTS (SELECT 1 FROM audit_log WHERE seq = NEW.seq)
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
