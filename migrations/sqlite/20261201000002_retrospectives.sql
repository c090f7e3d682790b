-- Retrospectives: one per board and period, with notes and action items (SQLite flavour; the
-- PostgreSQL file beside it has the same tables and constraint names).

CREATE TABLE retrospectives (
    id          BLOB PRIMARY KEY NOT NULL,
    board_id    BLOB NOT NULL CONSTRAINT retrospectives_board_fkey REFERENCES boards (id) ON DELETE CASCADE,
    period_from TEXT NOT NULL,
    period_to   TEXT NOT NULL,
    notes       TEXT NOT NULL DEFAULT '',
    updated_by  TEXT,
    updated_at  TEXT,
    CONSTRAINT retrospectives_period_key UNIQUE (board_id, period_from, period_to)
);

CREATE TABLE retro_actions (
    id         BLOB PRIMARY KEY NOT NULL,
    retro_id   BLOB NOT NULL CONSTRAINT retro_actions_retro_fkey REFERENCES retrospectives (id) ON DELETE CASCADE,
    text       TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    -- The tech-debt card made from it; a card is never deleted, the link is kept.
    card_id    BLOB CONSTRAINT retro_actions_card_fkey REFERENCES cards (id) ON DELETE SET NULL
);
CREATE INDEX retro_actions_retro_idx ON retro_actions (retro_id, created_at);
