-- Discarding a card (issue 34): it leaves the board, keeps its history, and can be restored to
-- the cell it left, which it keeps (`column_id`, `lane_id`) while it is away. Every read of the
-- board's cards leaves out the rows with `discarded_at` set.
ALTER TABLE cards ADD COLUMN discarded_at TEXT;
ALTER TABLE cards ADD COLUMN discarded_reason TEXT;
ALTER TABLE cards ADD COLUMN discarded_by TEXT;
-- The board's discarded cards, newest first: a board holds few, so the index stays small.
CREATE INDEX cards_discarded_idx ON cards (board_id, discarded_at) WHERE discarded_at IS NOT NULL;

-- The event log learns `discarded` and `restored`, and the two label events the labels step of
-- the same issue records, so the log is rebuilt once. SQLite cannot change a CHECK constraint
-- in place, so the table is rebuilt with its indexes and its append-only trigger.
CREATE TABLE card_events_new (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    board_id       BLOB NOT NULL CONSTRAINT card_events_board_fkey REFERENCES boards (id) ON DELETE CASCADE,
    card_id        BLOB NOT NULL CONSTRAINT card_events_card_fkey REFERENCES cards (id) ON DELETE CASCADE,
    kind           TEXT NOT NULL CONSTRAINT card_events_kind_check CHECK (kind IN ('created', 'moved', 'edited', 'blocked', 'unblocked', 'policy_overridden', 'incident_recurred', 'alert_resolved', 'deployed', 'assigned', 'unassigned', 'discarded', 'restored', 'labelled', 'unlabelled')),
    at             TEXT NOT NULL,
    actor_kind     TEXT NOT NULL CONSTRAINT card_events_actor_kind_check CHECK (actor_kind IN ('user', 'token', 'integration', 'system')),
    actor_name     TEXT NOT NULL,
    column_id      BLOB,
    lane_id        BLOB,
    from_column_id BLOB,
    from_lane_id   BLOB,
    data           TEXT NOT NULL
);
INSERT INTO card_events_new (id, board_id, card_id, kind, at, actor_kind, actor_name,
        column_id, lane_id, from_column_id, from_lane_id, data)
    SELECT id, board_id, card_id, kind, at, actor_kind, actor_name,
        column_id, lane_id, from_column_id, from_lane_id, data
    FROM card_events;
DROP TABLE card_events;
ALTER TABLE card_events_new RENAME TO card_events;
CREATE INDEX card_events_card_idx ON card_events (card_id, id);
CREATE INDEX card_events_board_id_idx ON card_events (board_id, id);
CREATE TRIGGER card_events_append_only BEFORE UPDATE ON card_events
BEGIN
    SELECT RAISE(ABORT, 'card_events is append-only');
END;
