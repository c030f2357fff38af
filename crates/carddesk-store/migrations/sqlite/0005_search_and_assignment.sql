-- Finding a caller (issue 6) and reassigning cases.
--
-- Every way an agent finds a caller is an index lookup, and nothing secret
-- is kept in clear for it: full ID and card numbers are found through the
-- keyed hashes already stored; the phone's last four digits come from the
-- phone, the ID's last four from the masked document (which keeps them,
-- as PCI DSS 3.4.1 allows), the card's from cards.last_four.
--
-- name_fold is the name with ASCII letters lowered (SQLite's lower() folds
-- ASCII only, and PostgreSQL's column does the same, so both databases
-- match alike). A name prefix is a range scan on it (name_fold >= prefix
-- AND name_fold < the prefix's successor) in the BINARY collation, which
-- orders UTF-8 by code point: no LIKE, so no wildcard in what the agent
-- typed can widen the search, and the index serves both the range and the
-- order by name.
ALTER TABLE customers ADD COLUMN name_fold TEXT GENERATED ALWAYS AS (lower(name)) VIRTUAL;
ALTER TABLE customers ADD COLUMN phone_last_four TEXT GENERATED ALWAYS AS (substr(phone, -4)) VIRTUAL;
ALTER TABLE customers ADD COLUMN document_last_four TEXT GENERATED ALWAYS AS (substr(document_masked, -4)) VIRTUAL;
CREATE INDEX customers_name_fold ON customers (name_fold, id);
CREATE INDEX customers_phone_last_four ON customers (phone_last_four);
CREATE INDEX customers_document_last_four ON customers (document_last_four);
CREATE INDEX cards_last_four ON cards (last_four);

-- A supervisor may give a case to another agent. NULL means the case is
-- still its opener's; assignee is whose it is now, as an actor label
-- (agent:alice), indexed for the queue's "my cases".
ALTER TABLE unfreeze_cases ADD COLUMN assigned_to TEXT;
ALTER TABLE unfreeze_cases ADD COLUMN assignee TEXT GENERATED ALWAYS AS (COALESCE(assigned_to, opened_by)) VIRTUAL;
CREATE INDEX unfreeze_cases_assignee ON unfreeze_cases (assignee, id);
