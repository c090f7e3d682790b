-- What happened to a board as a whole, where no card's log can say it (issue 34): a card a
-- board admin deleted outright takes its own log with it, so the deletion is recorded here,
-- with the card's number and who deleted it, never its content.
CREATE TABLE board_events (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    board_id   UUID NOT NULL CONSTRAINT board_events_board_fkey REFERENCES boards (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CONSTRAINT board_events_kind_check CHECK (kind IN ('card_deleted')),
    at         TIMESTAMPTZ NOT NULL,
    actor_kind TEXT NOT NULL CONSTRAINT board_events_actor_kind_check CHECK (actor_kind IN ('user', 'token', 'integration', 'system')),
    actor_name TEXT NOT NULL,
    data       JSONB NOT NULL
);
CREATE INDEX board_events_board_idx ON board_events (board_id, id);
CREATE FUNCTION board_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'board_events is append-only';
END;
$$;
CREATE TRIGGER board_events_append_only BEFORE UPDATE ON board_events
    FOR EACH ROW EXECUTE FUNCTION board_events_append_only();
