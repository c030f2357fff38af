-- When each staff session was last used, for the 15-minute idle timeout
-- (PCI DSS 8.2.8). Sessions older than this column count as used when
-- they were created.
ALTER TABLE staff_sessions ADD COLUMN last_used_at BIGINT NOT NULL DEFAULT 0;
UPDATE staff_sessions SET last_used_at = created_at;
