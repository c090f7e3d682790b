-- Labels (issue 34): a board's admins define them, members put any number on a card.

CREATE TABLE labels (
    id         BLOB PRIMARY KEY NOT NULL,
    board_id   BLOB NOT NULL CONSTRAINT labels_board_fkey REFERENCES boards (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    colour     TEXT NOT NULL CONSTRAINT labels_colour_check CHECK (colour IN ('grey', 'red', 'orange', 'yellow', 'green', 'teal', 'blue', 'purple', 'pink')),
    created_at TEXT NOT NULL
);
-- Unique whatever the case; the domain checks it first and says so in words, this is the
-- backstop against two racing requests.
CREATE UNIQUE INDEX labels_board_name_key ON labels (board_id, lower(name));

-- Which card carries which label. The board is repeated so that the cards of a label (the
-- metrics narrowed by label) and a board's labelled cards are a search of one index.
CREATE TABLE card_labels (
    card_id  BLOB NOT NULL CONSTRAINT card_labels_card_fkey REFERENCES cards (id) ON DELETE CASCADE,
    label_id BLOB NOT NULL CONSTRAINT card_labels_label_fkey REFERENCES labels (id) ON DELETE CASCADE,
    board_id BLOB NOT NULL CONSTRAINT card_labels_board_fkey REFERENCES boards (id) ON DELETE CASCADE,
    CONSTRAINT card_labels_pkey PRIMARY KEY (card_id, label_id)
);
CREATE INDEX card_labels_board_label_idx ON card_labels (board_id, label_id);
CREATE INDEX card_labels_label_idx ON card_labels (label_id);

-- The labels are part of the board's layout, which is cached at its version (see
-- 20261202000001_layout_version): every change bumps it.
CREATE TRIGGER labels_added_bump_layout AFTER INSERT ON labels
BEGIN
    UPDATE boards SET layout_version = layout_version + 1 WHERE id = NEW.board_id;
END;
CREATE TRIGGER labels_changed_bump_layout AFTER UPDATE ON labels
BEGIN
    UPDATE boards SET layout_version = layout_version + 1 WHERE id IN (OLD.board_id, NEW.board_id);
END;
CREATE TRIGGER labels_removed_bump_layout AFTER DELETE ON labels
BEGIN
    UPDATE boards SET layout_version = layout_version + 1 WHERE id = OLD.board_id;
END;
