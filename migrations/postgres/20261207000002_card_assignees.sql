-- People on cards (issue 33): a card's owners, and the board's per-person WIP limit.

-- Who owns which card. The board is repeated so that a person's cards on a board, and the
-- counts the per-person limit needs, are a search of one index; the primary key keeps each
-- person on a card once, whatever two racing requests do.
CREATE TABLE card_assignees (
    card_id     UUID NOT NULL CONSTRAINT card_assignees_card_fkey REFERENCES cards (id) ON DELETE CASCADE,
    user_id     UUID NOT NULL CONSTRAINT card_assignees_user_fkey REFERENCES users (id) ON DELETE CASCADE,
    board_id    UUID NOT NULL CONSTRAINT card_assignees_board_fkey REFERENCES boards (id) ON DELETE CASCADE,
    assigned_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT card_assignees_pkey PRIMARY KEY (card_id, user_id)
);
CREATE INDEX card_assignees_board_user_idx ON card_assignees (board_id, user_id);
CREATE INDEX card_assignees_user_idx ON card_assignees (user_id);

ALTER TABLE boards ADD COLUMN person_wip_limit INTEGER
    CONSTRAINT boards_person_wip_limit_check CHECK (person_wip_limit IS NULL OR person_wip_limit BETWEEN 1 AND 999);

-- A move takes its board's policy from the layout cache at the board's layout version, so the
-- new policy column bumps it too (see 20261202000001_layout_version).
CREATE OR REPLACE FUNCTION bump_layout_version_on_policy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.committed_capacity, NEW.tech_debt_share, NEW.expedite_limit,
        NEW.expedite_counts_toward_wip, NEW.person_wip_limit)
       IS DISTINCT FROM (OLD.committed_capacity, OLD.tech_debt_share, OLD.expedite_limit,
        OLD.expedite_counts_toward_wip, OLD.person_wip_limit) THEN
        NEW.layout_version := OLD.layout_version + 1;
    END IF;
    RETURN NEW;
END
$$;

ALTER TABLE card_events DROP CONSTRAINT card_events_kind_check;
ALTER TABLE card_events ADD CONSTRAINT card_events_kind_check CHECK (kind IN ('created', 'moved', 'edited', 'blocked', 'unblocked', 'policy_overridden', 'incident_recurred', 'alert_resolved', 'deployed', 'assigned', 'unassigned'));
