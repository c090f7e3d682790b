-- Incidents from monitoring: occurrence counting, alert resolution, links, the board's incident
-- settings, and a unique index that makes deduplication a database guarantee.

ALTER TABLE cards ADD COLUMN occurrences INTEGER NOT NULL DEFAULT 1;
ALTER TABLE cards ADD COLUMN last_seen_at TEXT;
ALTER TABLE cards ADD COLUMN alert_resolved_at TEXT;
ALTER TABLE cards ADD COLUMN link TEXT;
-- The dedup key while the card is open (not in a done column), NULL otherwise: at most one open
-- card per key and board, however many requests race.
ALTER TABLE cards ADD COLUMN open_dedup_key TEXT;
UPDATE cards SET open_dedup_key = dedup_key
 WHERE dedup_key IS NOT NULL
   AND number = (SELECT MAX(c2.number) FROM cards c2
                  JOIN board_columns k ON k.id = c2.column_id AND k.kind <> 'done'
                 WHERE c2.board_id = cards.board_id AND c2.dedup_key = cards.dedup_key);
CREATE UNIQUE INDEX cards_open_dedup_key ON cards (board_id, open_dedup_key);

-- JSON (app/domain/src/incident): severity mapping and the column resolved incidents go to.
ALTER TABLE boards ADD COLUMN incident_settings TEXT;

-- SQLite cannot alter a CHECK constraint: the event log is rebuilt with the new kinds
-- (ids, and with them the log order, are kept).
CREATE TABLE card_events_new (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    board_id       BLOB NOT NULL CONSTRAINT card_events_board_fkey REFERENCES boards (id) ON DELETE CASCADE,
    card_id        BLOB NOT NULL CONSTRAINT card_events_card_fkey REFERENCES cards (id) ON DELETE CASCADE,
    kind           TEXT NOT NULL CONSTRAINT card_events_kind_check CHECK (kind IN ('created', 'moved', 'edited', 'blocked', 'unblocked', 'policy_overridden', 'incident_recurred', 'alert_resolved', 'deployed')),
    at             TEXT NOT NULL,
    actor_kind     TEXT NOT NULL CONSTRAINT card_events_actor_kind_check CHECK (actor_kind IN ('user', 'token', 'integration', 'system')),
    actor_name     TEXT NOT NULL,
    column_id      BLOB,
    lane_id        BLOB,
    from_column_id BLOB,
    from_lane_id   BLOB,
    data           TEXT NOT NULL
);
INSERT INTO card_events_new SELECT * FROM card_events;
DROP TABLE card_events;
ALTER TABLE card_events_new RENAME TO card_events;
CREATE INDEX card_events_card_idx ON card_events (card_id, id);
CREATE INDEX card_events_board_at_idx ON card_events (board_id, at);
CREATE TRIGGER card_events_append_only BEFORE UPDATE ON card_events
BEGIN
    SELECT RAISE(ABORT, 'card_events is append-only');
END;
