-- Deployments reported by CI/CD (issue 7), their commits and cards, and the deployment an
-- incident is blamed on (PostgreSQL flavour; the SQLite file beside it has the same tables
-- and constraint names).

CREATE TABLE deployments (
    id          UUID PRIMARY KEY,
    board_id    UUID NOT NULL CONSTRAINT deployments_board_fkey REFERENCES boards (id) ON DELETE CASCADE,
    service     TEXT NOT NULL CONSTRAINT deployments_service_check CHECK (length(service) BETWEEN 1 AND 200),
    -- Lowercased by the domain, so 'Production' and 'production' are one environment.
    environment TEXT NOT NULL CONSTRAINT deployments_environment_check CHECK (length(environment) BETWEEN 1 AND 200),
    version     TEXT NOT NULL CONSTRAINT deployments_version_check CHECK (length(version) BETWEEN 1 AND 200),
    status      TEXT NOT NULL CONSTRAINT deployments_status_check CHECK (status IN ('success', 'failure')),
    deployed_at TIMESTAMPTZ NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    actor_kind  TEXT NOT NULL CONSTRAINT deployments_actor_kind_check CHECK (actor_kind IN ('user', 'token', 'integration', 'system')),
    actor_name  TEXT NOT NULL,
    -- A pipeline that retries its last step reports the same deployment twice; the key makes
    -- the second report find the first instead of counting the deployment again.
    CONSTRAINT deployments_report_key UNIQUE (board_id, service, environment, version, deployed_at)
);
CREATE INDEX deployments_board_at_idx ON deployments (board_id, deployed_at);

CREATE TABLE deployment_commits (
    deployment_id UUID NOT NULL CONSTRAINT deployment_commits_deployment_fkey REFERENCES deployments (id) ON DELETE CASCADE,
    sha           TEXT NOT NULL CONSTRAINT deployment_commits_sha_check CHECK (length(sha) BETWEEN 7 AND 64),
    committed_at  TIMESTAMPTZ NOT NULL,
    -- The order the report listed them in.
    position      INTEGER NOT NULL,
    CONSTRAINT deployment_commits_pkey PRIMARY KEY (deployment_id, sha)
);

CREATE TABLE deployment_cards (
    deployment_id UUID NOT NULL CONSTRAINT deployment_cards_deployment_fkey REFERENCES deployments (id) ON DELETE CASCADE,
    card_id       UUID NOT NULL CONSTRAINT deployment_cards_card_fkey REFERENCES cards (id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    CONSTRAINT deployment_cards_pkey PRIMARY KEY (deployment_id, card_id)
);
CREATE INDEX deployment_cards_card_idx ON deployment_cards (card_id);

-- The deployment an incident card is blamed on. A column rather than a link table: an
-- incident has one cause in the domain (IncidentRecord::caused_by), which the column
-- enforces by its shape, and every incident read gets it without a join. Removing the
-- deployment forgets the blame, not the incident.
ALTER TABLE cards ADD COLUMN caused_by UUID CONSTRAINT cards_caused_by_fkey REFERENCES deployments (id) ON DELETE SET NULL;
CREATE INDEX cards_caused_by_idx ON cards (caused_by);
