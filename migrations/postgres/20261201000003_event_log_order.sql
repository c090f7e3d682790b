-- Metrics read a board's whole event log in log order (id). With only (board_id, at) to go
-- by, the database fetched every row and then sorted them all; (board_id, id) hands them
-- over already in order.
CREATE INDEX card_events_board_id_idx ON card_events (board_id, id);
