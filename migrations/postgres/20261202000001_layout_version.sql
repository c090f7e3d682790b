-- A move checks its placement against its board's layout (columns, lanes, flow policy),
-- which it takes from a per-process cache when the cache holds the layout at the board's
-- current `layout_version` (server/src/store/layout_cache.rs). So every change to the layout
-- must bump the version, whoever makes it (an older instance during a rolling upgrade, a
-- hand-made fix in SQL): triggers do it, not the application.
ALTER TABLE boards ADD COLUMN layout_version BIGINT NOT NULL DEFAULT 0;

CREATE FUNCTION bump_layout_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE boards SET layout_version = layout_version + 1 WHERE id = OLD.board_id;
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.board_id <> OLD.board_id) THEN
        UPDATE boards SET layout_version = layout_version + 1 WHERE id = NEW.board_id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER board_columns_bump_layout AFTER INSERT OR UPDATE OR DELETE ON board_columns
    FOR EACH ROW EXECUTE FUNCTION bump_layout_version();
CREATE TRIGGER lanes_bump_layout AFTER INSERT OR UPDATE OR DELETE ON lanes
    FOR EACH ROW EXECUTE FUNCTION bump_layout_version();

-- The policy columns only (`next_card_number` changes with every new card).
CREATE FUNCTION bump_layout_version_on_policy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.committed_capacity, NEW.tech_debt_share, NEW.expedite_limit,
        NEW.expedite_counts_toward_wip)
       IS DISTINCT FROM (OLD.committed_capacity, OLD.tech_debt_share, OLD.expedite_limit,
        OLD.expedite_counts_toward_wip) THEN
        NEW.layout_version := OLD.layout_version + 1;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER boards_policy_bump_layout BEFORE UPDATE ON boards
    FOR EACH ROW EXECUTE FUNCTION bump_layout_version_on_policy();
