-- Card moves no longer check against a per-process copy of their boards' cards (issue 31):
-- a placement is judged on counts of the cells its limits cover, read in the move's own
-- transaction, so nothing needs telling that a board's cards changed. The triggers that
-- cleared the stamp cost an update of the board's row on every write to a card; they go, and
-- so does the stamp.
DROP TRIGGER IF EXISTS cards_added_clear_stamp;
DROP TRIGGER IF EXISTS cards_changed_clear_stamp;
DROP TRIGGER IF EXISTS cards_removed_clear_stamp;
ALTER TABLE boards DROP COLUMN cards_stamp;
