-- Every card move updates its card's row and appends an event, and each index of the two
-- tables is written on every such change (a move changes `cards_cell_idx`'s columns, so
-- PostgreSQL cannot update the row in place). Fewer index writes per move: the profile of a
-- batch of moves showed its write statement as the longest step (bench/HISTORY.md,
-- session 18).

-- No query reads events by board and time: the log is read by (board_id, id) since
-- 20261201000003_event_log_order, and a card's events by (card_id, id).
DROP INDEX card_events_board_at_idx;

-- Most cards have no cause and no open dedup key; only cards that do are looked up by them
-- (`caused_by = $1` when a deployment goes, `open_dedup_key = $1` when an alert comes back),
-- and a unique index never compared the NULLs anyway.
DROP INDEX cards_caused_by_idx;
CREATE INDEX cards_caused_by_idx ON cards (caused_by) WHERE caused_by IS NOT NULL;

DROP INDEX cards_open_dedup_key;
CREATE UNIQUE INDEX cards_open_dedup_key ON cards (board_id, open_dedup_key)
    WHERE open_dedup_key IS NOT NULL;
