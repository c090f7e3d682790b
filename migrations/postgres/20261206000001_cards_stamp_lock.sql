-- The trigger of 20261205000001 cleared a board's `cards_stamp` only where it found one, and
-- so took no lock on the board's row when the stamp was already clear. A writer that does
-- not lock the board first (SQL by hand, a script) could then change a card and, before it
-- committed, a batch of moves could lock the board, find no stamp, read its cards whole for
-- its copy (without the uncommitted change), and commit its stamp: the writer's commit then
-- left that stamp on cards the copy no longer matched. The trigger now locks the board's row
-- first, so the writer and a batch take turns on it: a batch waits for the writer's commit
-- and then reads its change, or the writer waits for the batch's commit and then clears the
-- stamp it wrote. Flowboard's own writers lock the board before they write its cards, so for
-- them the lock is already held. (SQLite needs no such change: its writers take turns on the
-- whole database.)
CREATE OR REPLACE FUNCTION clear_cards_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM 1 FROM boards WHERE id = OLD.board_id FOR NO KEY UPDATE;
        UPDATE boards SET cards_stamp = NULL WHERE id = OLD.board_id AND cards_stamp IS NOT NULL;
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.board_id <> OLD.board_id) THEN
        PERFORM 1 FROM boards WHERE id = NEW.board_id FOR NO KEY UPDATE;
        UPDATE boards SET cards_stamp = NULL WHERE id = NEW.board_id AND cards_stamp IS NOT NULL;
    END IF;
    RETURN NULL;
END
$$;
