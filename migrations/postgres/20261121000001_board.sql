-- Flowboard schema, PostgreSQL flavour. Same tables and constraint names as the SQLite one.

CREATE TABLE boards (
    id               UUID PRIMARY KEY,
    slug             TEXT NOT NULL CONSTRAINT boards_slug_key UNIQUE,
    name             TEXT NOT NULL,
    description      TEXT NOT NULL DEFAULT '',
    -- Next card number on this board; taken under the board's row lock.
    next_card_number BIGINT NOT NULL DEFAULT 1,
    created_at       TIMESTAMPTZ NOT NULL,
    -- Flow policies (see app/domain/src/policy.rs).
    committed_capacity          INTEGER CONSTRAINT boards_committed_capacity_check CHECK (committed_capacity IS NULL OR committed_capacity BETWEEN 1 AND 999),
    tech_debt_share             DOUBLE PRECISION NOT NULL DEFAULT 0.2 CONSTRAINT boards_tech_debt_share_check CHECK (tech_debt_share BETWEEN 0 AND 1),
    expedite_limit              INTEGER DEFAULT 1 CONSTRAINT boards_expedite_limit_check CHECK (expedite_limit IS NULL OR expedite_limit BETWEEN 1 AND 999),
    expedite_counts_toward_wip  BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE board_columns (
    id        UUID PRIMARY KEY,
    board_id  UUID NOT NULL CONSTRAINT board_columns_board_fkey REFERENCES boards (id) ON DELETE CASCADE,
    name      TEXT NOT NULL,
    kind      TEXT NOT NULL CONSTRAINT board_columns_kind_check CHECK (kind IN ('queue', 'active', 'done')),
    wip_limit INTEGER CONSTRAINT board_columns_wip_limit_check CHECK (wip_limit IS NULL OR wip_limit BETWEEN 1 AND 999),
    position  INTEGER NOT NULL
);
CREATE INDEX board_columns_board_idx ON board_columns (board_id, position);

CREATE TABLE lanes (
    id       UUID PRIMARY KEY,
    board_id UUID NOT NULL CONSTRAINT lanes_board_fkey REFERENCES boards (id) ON DELETE CASCADE,
    name     TEXT NOT NULL,
    kind     TEXT NOT NULL CONSTRAINT lanes_kind_check CHECK (kind IN ('expedite', 'standard')),
    position INTEGER NOT NULL
);
CREATE INDEX lanes_board_idx ON lanes (board_id, position);

CREATE TABLE cards (
    id                UUID PRIMARY KEY,
    board_id          UUID NOT NULL CONSTRAINT cards_board_fkey REFERENCES boards (id) ON DELETE CASCADE,
    number            BIGINT NOT NULL,
    title             TEXT NOT NULL CONSTRAINT cards_title_check CHECK (char_length(title) BETWEEN 1 AND 200),
    description       TEXT NOT NULL DEFAULT '',
    card_type         TEXT NOT NULL CONSTRAINT cards_type_check CHECK (card_type IN ('feature', 'incident', 'tech_debt')),
    -- A column holding cards cannot be deleted: settings changes never lose cards.
    column_id         UUID NOT NULL CONSTRAINT cards_column_fkey REFERENCES board_columns (id),
    lane_id           UUID NOT NULL CONSTRAINT cards_lane_fkey REFERENCES lanes (id),
    position          DOUBLE PRECISION NOT NULL,
    blocked           BOOLEAN NOT NULL DEFAULT FALSE,
    blocked_reason    TEXT,
    severity          TEXT CONSTRAINT cards_severity_check CHECK (severity IS NULL OR severity IN ('sev1', 'sev2', 'sev3', 'sev4')),
    service           TEXT,
    source            TEXT,
    dedup_key         TEXT,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    column_entered_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT cards_board_number_key UNIQUE (board_id, number)
);
CREATE INDEX cards_cell_idx ON cards (board_id, column_id, lane_id, position);

-- The event log: append-only, the source of truth for every flow metric.
CREATE TABLE card_events (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    board_id       UUID NOT NULL CONSTRAINT card_events_board_fkey REFERENCES boards (id) ON DELETE CASCADE,
    card_id        UUID NOT NULL CONSTRAINT card_events_card_fkey REFERENCES cards (id) ON DELETE CASCADE,
    kind           TEXT NOT NULL CONSTRAINT card_events_kind_check CHECK (kind IN ('created', 'moved', 'edited', 'blocked', 'unblocked', 'policy_overridden')),
    at             TIMESTAMPTZ NOT NULL,
    actor_kind     TEXT NOT NULL CONSTRAINT card_events_actor_kind_check CHECK (actor_kind IN ('user', 'token', 'integration', 'system')),
    actor_name     TEXT NOT NULL,
    column_id      UUID,
    lane_id        UUID,
    from_column_id UUID,
    from_lane_id   UUID,
    data           JSONB NOT NULL
);
CREATE INDEX card_events_card_idx ON card_events (card_id, id);
CREATE INDEX card_events_board_at_idx ON card_events (board_id, at);

CREATE FUNCTION card_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'card_events is append-only';
END;
$$;
CREATE TRIGGER card_events_append_only BEFORE UPDATE ON card_events
    FOR EACH ROW EXECUTE FUNCTION card_events_append_only();
