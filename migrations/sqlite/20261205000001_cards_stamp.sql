-- A batch of moves checks its moves against the cards of their boards, which it takes from
-- a per-process copy (server/src/store/cards_cache.rs) when the board's `cards_stamp` is the
-- one this process's last batch wrote there: the stamp says that no card of the board has
-- changed since. So every other write to a board's cards must clear it, whoever makes it
-- (another process on the same file, a hand-made fix in SQL): triggers do it, not the
-- application. Once a board's stamp is clear, the condition makes the rest of a statement's
-- rows a search that writes nothing.
ALTER TABLE boards ADD COLUMN cards_stamp BLOB;

CREATE TRIGGER cards_added_clear_stamp AFTER INSERT ON cards
BEGIN
    UPDATE boards SET cards_stamp = NULL WHERE id = NEW.board_id AND cards_stamp IS NOT NULL;
END;
CREATE TRIGGER cards_changed_clear_stamp AFTER UPDATE ON cards
BEGIN
    UPDATE boards SET cards_stamp = NULL
     WHERE id IN (OLD.board_id, NEW.board_id) AND cards_stamp IS NOT NULL;
END;
CREATE TRIGGER cards_removed_clear_stamp AFTER DELETE ON cards
BEGIN
    UPDATE boards SET cards_stamp = NULL WHERE id = OLD.board_id AND cards_stamp IS NOT NULL;
END;
