-- A batch of moves checks its moves against the cards of their boards, which it takes from
-- a per-process copy (server/src/store/cards_cache.rs) when the board's `cards_stamp` is the
-- one this process's last batch wrote there: the stamp says that no card of the board has
-- changed since. So every other write to a board's cards must clear it, whoever makes it
-- (another instance, an older one during a rolling upgrade, a hand-made fix in SQL):
-- triggers do it, not the application.
--
-- A batch itself says so in its transaction (`flowboard.stamping`, set with its boards'
-- locks) and writes a fresh stamp after its writes: its own writes need not clear the stamp,
-- and skipping the trigger spares a row update of the board per batch, with the board
-- locked (bench/HISTORY.md, session 20). After the first row of a statement has cleared the
-- stamp, the condition makes each further row a search that writes nothing.
ALTER TABLE boards ADD COLUMN cards_stamp UUID;

CREATE FUNCTION clear_cards_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE boards SET cards_stamp = NULL WHERE id = OLD.board_id AND cards_stamp IS NOT NULL;
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.board_id <> OLD.board_id) THEN
        UPDATE boards SET cards_stamp = NULL WHERE id = NEW.board_id AND cards_stamp IS NOT NULL;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER cards_clear_stamp AFTER INSERT OR UPDATE OR DELETE ON cards
    FOR EACH ROW
    WHEN (current_setting('flowboard.stamping', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION clear_cards_stamp();
