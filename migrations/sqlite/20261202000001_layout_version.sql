-- A move checks its placement against its board's layout (columns, lanes, flow policy),
-- which it takes from a per-process cache when the cache holds the layout at the board's
-- current `layout_version` (server/src/store/layout_cache.rs). So every change to the layout
-- must bump the version, whoever makes it (an older instance during a rolling upgrade, a
-- hand-made fix in SQL): triggers do it, not the application.
ALTER TABLE boards ADD COLUMN layout_version INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER board_columns_added_bump_layout AFTER INSERT ON board_columns
BEGIN
    UPDATE boards SET layout_version = layout_version + 1 WHERE id = NEW.board_id;
END;
CREATE TRIGGER board_columns_changed_bump_layout AFTER UPDATE ON board_columns
BEGIN
    UPDATE boards SET layout_version = layout_version + 1 WHERE id IN (OLD.board_id, NEW.board_id);
END;
CREATE TRIGGER board_columns_removed_bump_layout AFTER DELETE ON board_columns
BEGIN
    UPDATE boards SET layout_version = layout_version + 1 WHERE id = OLD.board_id;
END;

CREATE TRIGGER lanes_added_bump_layout AFTER INSERT ON lanes
BEGIN
    UPDATE boards SET layout_version = layout_version + 1 WHERE id = NEW.board_id;
END;
CREATE TRIGGER lanes_changed_bump_layout AFTER UPDATE ON lanes
BEGIN
    UPDATE boards SET layout_version = layout_version + 1 WHERE id IN (OLD.board_id, NEW.board_id);
END;
CREATE TRIGGER lanes_removed_bump_layout AFTER DELETE ON lanes
BEGIN
    UPDATE boards SET layout_version = layout_version + 1 WHERE id = OLD.board_id;
END;

-- The policy columns only (`next_card_number` changes with every new card). The inner UPDATE
-- sets none of them, so it does not fire this trigger again.
CREATE TRIGGER boards_policy_bump_layout
AFTER UPDATE OF committed_capacity, tech_debt_share, expedite_limit, expedite_counts_toward_wip
ON boards
BEGIN
    UPDATE boards SET layout_version = layout_version + 1 WHERE id = NEW.id;
END;
