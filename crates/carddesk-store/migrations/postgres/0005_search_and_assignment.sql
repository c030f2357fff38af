-- Finding a caller (issue 6) and reassigning cases.
--
-- Every way an agent finds a caller is an index lookup, and nothing secret
-- is kept in clear for it: full ID and card numbers are found through the
-- keyed hashes already stored; the phone's last four digits come from the
-- phone, the ID's last four from the masked document (which keeps them,
-- as PCI DSS 3.4.1 allows), the card's from cards.last_four.
--
-- name_fold is the name with ASCII letters lowered: translate() rather
-- than lower(), whose result depends on the database's locale, so that
-- both databases fold alike (SQLite's lower() folds ASCII only). Its
-- collation is "C" (byte order, which for UTF-8 is code point order, as
-- SQLite's BINARY): a name prefix is then a range scan on the index
-- (name_fold >= prefix AND name_fold < the prefix's successor), which
-- also yields the order by name. No LIKE, so no wildcard in what the agent
-- typed can widen the search.
ALTER TABLE customers
    ADD COLUMN name_fold TEXT COLLATE "C" GENERATED ALWAYS AS
        (translate(name, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')) STORED,
    ADD COLUMN phone_last_four TEXT GENERATED ALWAYS AS (right(phone, 4)) STORED,
    ADD COLUMN document_last_four TEXT GENERATED ALWAYS AS (right(document_masked, 4)) STORED;
CREATE INDEX customers_name_fold ON customers (name_fold, id);
CREATE INDEX customers_phone_last_four ON customers (phone_last_four);
CREATE INDEX customers_document_last_four ON customers (document_last_four);
CREATE INDEX cards_last_four ON cards (last_four);

-- A supervisor may give a case to another agent. NULL means the case is
-- still its opener's; assignee is whose it is now, as an actor label
-- (agent:alice), indexed for the queue's "my cases".
ALTER TABLE unfreeze_cases
    ADD COLUMN assigned_to TEXT,
    ADD COLUMN assignee TEXT GENERATED ALWAYS AS (COALESCE(assigned_to, opened_by)) STORED;
CREATE INDEX unfreeze_cases_assignee ON unfreeze_cases (assignee, id);
