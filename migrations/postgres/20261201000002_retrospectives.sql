-- Retrospectives: one per board and period, with notes and action items (PostgreSQL flavour;
-- the SQLite file beside it has the same tables and constraint names).

CREATE TABLE retrospectives (
    id          UUID PRIMARY KEY,
    board_id    UUID NOT NULL CONSTRAINT retrospectives_board_fkey REFERENCES boards (id) ON DELETE CASCADE,
    period_from DATE NOT NULL,
    period_to   DATE NOT NULL,
    notes       TEXT NOT NULL DEFAULT '',
    updated_by  TEXT,
    updated_at  TIMESTAMPTZ,
    CONSTRAINT retrospectives_period_key UNIQUE (board_id, period_from, period_to)
);

CREATE TABLE retro_actions (
    id         UUID PRIMARY KEY,
    retro_id   UUID NOT NULL CONSTRAINT retro_actions_retro_fkey REFERENCES retrospectives (id) ON DELETE CASCADE,
    text       TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    -- The tech-debt card made from it; a card is never deleted, the link is kept.
    card_id    UUID CONSTRAINT retro_actions_card_fkey REFERENCES cards (id) ON DELETE SET NULL
);
CREATE INDEX retro_actions_retro_idx ON retro_actions (retro_id, created_at);
