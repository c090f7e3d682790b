-- People on cards (issue 33): a card's owners, and the board's per-person WIP limit.

-- Who owns which card. The board is repeated so that a person's cards on a board, and the
-- counts the per-person limit needs, are a search of one index; the primary key keeps each
-- person on a card once, whatever two racing requests do.
CREATE TABLE card_assignees (
    card_id     BLOB NOT NULL CONSTRAINT card_assignees_card_fkey REFERENCES cards (id) ON DELETE CASCADE,
    user_id     BLOB NOT NULL CONSTRAINT card_assignees_user_fkey REFERENCES users (id) ON DELETE CASCADE,
    board_id    BLOB NOT NULL CONSTRAINT card_assignees_board_fkey REFERENCES boards (id) ON DELETE CASCADE,
    assigned_at TEXT NOT NULL,
    CONSTRAINT card_assignees_pkey PRIMARY KEY (card_id, user_id)
);
CREATE INDEX card_assignees_board_user_idx ON card_assignees (board_id, user_id);
CREATE INDEX card_assignees_user_idx ON card_assignees (user_id);

ALTER TABLE boards ADD COLUMN person_wip_limit INTEGER
    CONSTRAINT boards_person_wip_limit_check CHECK (person_wip_limit IS NULL OR person_wip_limit BETWEEN 1 AND 999);

-- A move takes its board's policy from the layout cache at the board's layout version, so the
-- new policy column bumps it too (see 20261202000001_layout_version).
DROP TRIGGER boards_policy_bump_layout;
CREATE TRIGGER boards_policy_bump_layout
AFTER UPDATE OF committed_capacity, tech_debt_share, expedite_limit, expedite_counts_toward_wip,
    person_wip_limit
ON boards
BEGIN
    UPDATE boards SET layout_version = layout_version + 1 WHERE id = NEW.id;
END;

-- The event log learns two kinds. SQLite cannot change a CHECK constraint in place, so the
-- table is rebuilt with its indexes and its append-only trigger.
CREATE TABLE card_events_new (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    board_id       BLOB NOT NULL CONSTRAINT card_events_board_fkey REFERENCES boards (id) ON DELETE CASCADE,
    card_id        BLOB NOT NULL CONSTRAINT card_events_card_fkey REFERENCES cards (id) ON DELETE CASCADE,
    kind           TEXT NOT NULL CONSTRAINT card_events_kind_check CHECK (kind IN ('created', 'moved', 'edited', 'blocked', 'unblocked', 'policy_overridden', 'incident_recurred', 'alert_resolved', 'deployed', 'assigned', 'unassigned')),
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
