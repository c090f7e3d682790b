-- Discarding a card (issue 34): it leaves the board, keeps its history, and can be restored to
-- the cell it left, which it keeps (`column_id`, `lane_id`) while it is away. Every read of the
-- board's cards leaves out the rows with `discarded_at` set.
ALTER TABLE cards ADD COLUMN discarded_at TIMESTAMPTZ;
ALTER TABLE cards ADD COLUMN discarded_reason TEXT;
ALTER TABLE cards ADD COLUMN discarded_by TEXT;
-- The board's discarded cards, newest first: a board holds few, so the index stays small.
CREATE INDEX cards_discarded_idx ON cards (board_id, discarded_at) WHERE discarded_at IS NOT NULL;

-- The event log learns `discarded` and `restored`, and the two label events the labels step of
-- the same issue records (one change of the constraint, as on SQLite).
ALTER TABLE card_events DROP CONSTRAINT card_events_kind_check;
ALTER TABLE card_events ADD CONSTRAINT card_events_kind_check CHECK (kind IN ('created', 'moved', 'edited', 'blocked', 'unblocked', 'policy_overridden', 'incident_recurred', 'alert_resolved', 'deployed', 'assigned', 'unassigned', 'discarded', 'restored', 'labelled', 'unlabelled'));
