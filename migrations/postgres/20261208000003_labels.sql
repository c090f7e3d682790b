-- Labels (issue 34): a board's admins define them, members put any number on a card.

CREATE TABLE labels (
    id         UUID PRIMARY KEY,
    board_id   UUID NOT NULL CONSTRAINT labels_board_fkey REFERENCES boards (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    colour     TEXT NOT NULL CONSTRAINT labels_colour_check CHECK (colour IN ('grey', 'red', 'orange', 'yellow', 'green', 'teal', 'blue', 'purple', 'pink')),
    created_at TIMESTAMPTZ NOT NULL
);
-- Unique whatever the case; the domain checks it first and says so in words, this is the
-- backstop against two racing requests.
CREATE UNIQUE INDEX labels_board_name_key ON labels (board_id, lower(name));

-- Which card carries which label. The board is repeated so that the cards of a label (the
-- metrics narrowed by label) and a board's labelled cards are a search of one index.
CREATE TABLE card_labels (
    card_id  UUID NOT NULL CONSTRAINT card_labels_card_fkey REFERENCES cards (id) ON DELETE CASCADE,
    label_id UUID NOT NULL CONSTRAINT card_labels_label_fkey REFERENCES labels (id) ON DELETE CASCADE,
    board_id UUID NOT NULL CONSTRAINT card_labels_board_fkey REFERENCES boards (id) ON DELETE CASCADE,
    CONSTRAINT card_labels_pkey PRIMARY KEY (card_id, label_id)
);
CREATE INDEX card_labels_board_label_idx ON card_labels (board_id, label_id);
CREATE INDEX card_labels_label_idx ON card_labels (label_id);

-- The labels are part of the board's layout, which is cached at its version (see
-- 20261202000001_layout_version): every change bumps it.
CREATE TRIGGER labels_bump_layout AFTER INSERT OR UPDATE OR DELETE ON labels
    FOR EACH ROW EXECUTE FUNCTION bump_layout_version();
