-- A move reads its board's layout (columns, lanes, flow policy) before its write turn and,
-- in it, checks with this one number that the layout is still the current one: every change
-- to the layout bumps it (set_policy, set_columns).
ALTER TABLE boards ADD COLUMN layout_version BIGINT NOT NULL DEFAULT 0;
