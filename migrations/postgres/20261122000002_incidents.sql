-- Incidents from monitoring: occurrence counting, alert resolution, links, the board's incident
-- settings, and a unique index that makes deduplication a database guarantee.

ALTER TABLE cards ADD COLUMN occurrences INTEGER NOT NULL DEFAULT 1;
ALTER TABLE cards ADD COLUMN last_seen_at TIMESTAMPTZ;
ALTER TABLE cards ADD COLUMN alert_resolved_at TIMESTAMPTZ;
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

ALTER TABLE card_events DROP CONSTRAINT card_events_kind_check;
ALTER TABLE card_events ADD CONSTRAINT card_events_kind_check CHECK (kind IN ('created', 'moved', 'edited', 'blocked', 'unblocked', 'policy_overridden', 'incident_recurred', 'alert_resolved', 'deployed'));
