-- Comments on cards and everyone's inbox (issue 33).

-- A card's comments. The text of a deleted comment is not kept (`body` is emptied); who
-- deleted it and when are. `author_id` is the user's or the API token's id: who may edit it.
CREATE TABLE card_comments (
    id          UUID PRIMARY KEY,
    card_id     UUID NOT NULL CONSTRAINT card_comments_card_fkey REFERENCES cards (id) ON DELETE CASCADE,
    board_id    UUID NOT NULL CONSTRAINT card_comments_board_fkey REFERENCES boards (id) ON DELETE CASCADE,
    author_kind TEXT NOT NULL CONSTRAINT card_comments_author_kind_check CHECK (author_kind IN ('user', 'token', 'integration', 'system')),
    author_id   UUID,
    author_name TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    edited_at   TIMESTAMPTZ,
    deleted_at  TIMESTAMPTZ,
    deleted_by  TEXT
);
-- A card's comments in order, a page at a time.
CREATE INDEX card_comments_card_idx ON card_comments (card_id, created_at, id);

-- How many comments a card has (deleted ones left out), kept in step in the transaction that
-- adds or deletes one: the board reads it with the cards, at no extra cost.
ALTER TABLE cards ADD COLUMN comment_count INTEGER NOT NULL DEFAULT 0;

-- What each person is told of. Written in the transaction of the change that causes it.
CREATE TABLE notifications (
    id         UUID PRIMARY KEY,
    user_id    UUID NOT NULL CONSTRAINT notifications_user_fkey REFERENCES users (id) ON DELETE CASCADE,
    board_id   UUID NOT NULL CONSTRAINT notifications_board_fkey REFERENCES boards (id) ON DELETE CASCADE,
    card_id    UUID NOT NULL CONSTRAINT notifications_card_fkey REFERENCES cards (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CONSTRAINT notifications_kind_check CHECK (kind IN ('assigned', 'mentioned', 'commented', 'blocked', 'sent_back', 'incident')),
    actor_name TEXT NOT NULL,
    detail     TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    read_at    TIMESTAMPTZ
);
-- Someone's inbox, newest first; their unread entries.
CREATE INDEX notifications_user_idx ON notifications (user_id, created_at DESC);
CREATE INDEX notifications_unread_idx ON notifications (user_id) WHERE read_at IS NULL;
