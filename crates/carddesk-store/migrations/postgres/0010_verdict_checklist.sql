-- The checklist items a reviewer ticked: a pass with some unticked waits
-- for a supervisor, who must see which before approving or declining it.
ALTER TABLE applications ADD COLUMN verdict_checklist TEXT NOT NULL DEFAULT '';
