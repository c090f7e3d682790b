-- Card moves no longer check against a per-process copy of their boards' cards (issue 31):
-- a placement is judged on counts of the cells its limits cover, read in the move's own
-- transaction, so nothing needs telling that a board's cards changed. The trigger that
-- cleared the stamp locked and updated the board's row on every write to a card; it goes, and
-- so does the stamp.
DROP TRIGGER IF EXISTS cards_clear_stamp ON cards;
DROP FUNCTION IF EXISTS clear_cards_stamp();
ALTER TABLE boards DROP COLUMN cards_stamp;
