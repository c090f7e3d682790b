-- Accounts, board roles, API tokens and sessions (SQLite flavour; the PostgreSQL file beside
-- it has the same tables and constraint names).

CREATE TABLE users (
    id             BLOB PRIMARY KEY NOT NULL,
    email          TEXT NOT NULL CONSTRAINT users_email_key UNIQUE,
    name           TEXT NOT NULL,
    -- Argon2id PHC string; never leaves the server.
    password_hash  TEXT NOT NULL,
    instance_admin INTEGER NOT NULL DEFAULT 0,
    disabled       INTEGER NOT NULL DEFAULT 0,
    -- Failed sign-ins in a row and the lock they earned (app/domain/src/access/account.rs).
    failed_logins  INTEGER NOT NULL DEFAULT 0,
    locked_until   TEXT,
    created_at     TEXT NOT NULL,
    last_login_at  TEXT
);

-- One row once the first admin exists: its primary key makes the one-time set-up page
-- race-free (a second concurrent set-up fails on the key, not on a prior read).
CREATE TABLE instance_setup (
    id         INTEGER PRIMARY KEY NOT NULL CONSTRAINT instance_setup_single CHECK (id = 1),
    done_at    TEXT NOT NULL
);

CREATE TABLE board_members (
    board_id BLOB NOT NULL CONSTRAINT board_members_board_fkey REFERENCES boards (id) ON DELETE CASCADE,
    user_id  BLOB NOT NULL CONSTRAINT board_members_user_fkey REFERENCES users (id) ON DELETE CASCADE,
    role     TEXT NOT NULL CONSTRAINT board_members_role_check CHECK (role IN ('viewer', 'member', 'admin')),
    added_at TEXT NOT NULL,
    CONSTRAINT board_members_pkey PRIMARY KEY (board_id, user_id)
);
CREATE INDEX board_members_user_idx ON board_members (user_id);

CREATE TABLE api_tokens (
    id           BLOB PRIMARY KEY NOT NULL,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    -- SHA-256 of the secret, hex. Tokens are 190 random bits, so a fast hash is enough.
    secret_hash  TEXT NOT NULL CONSTRAINT api_tokens_secret_hash_key UNIQUE,
    -- Space-separated scopes.
    scopes       TEXT NOT NULL,
    board_id     BLOB CONSTRAINT api_tokens_board_fkey REFERENCES boards (id) ON DELETE CASCADE,
    created_at   TEXT NOT NULL,
    created_by   TEXT,
    last_used_at TEXT,
    expires_at   TEXT,
    revoked_at   TEXT
);
CREATE INDEX api_tokens_board_idx ON api_tokens (board_id);

-- tower-sessions records: the id is the cookie's value; data is the session's JSON.
CREATE TABLE sessions (
    id         TEXT PRIMARY KEY NOT NULL,
    data       TEXT NOT NULL,
    -- The signed-in user's id (as text), so a password change or a disabled account can end
    -- every session of that user; NULL before sign-in.
    user_id    TEXT,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);
CREATE INDEX sessions_user_idx ON sessions (user_id);
