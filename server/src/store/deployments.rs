//! Deployments: recorded with their commits and cards (each card's `deployed` event in the
//! same transaction), listed for the delivery view and DORA's keys, and incidents blamed on
//! them.

use std::collections::HashMap;

use application::ports::{BoardChange, BoardRef, DeliveryStore, DeploymentOutcome, StoreError};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::delivery::{
    CardRef, Commit, Deployment, DeploymentId, DeploymentStatus, IncidentRecord, NewDeployment,
};
use domain::{Actor, BoardId, Card, CardId, CardType, DomainError, EventKind};
use uuid::Uuid;

use super::backend::{Backend, Conn};
use super::rows::deployments::{DeploymentRow, IncidentRow};
use super::sql::SqlStore;

/// The rows of `deployments` a listing reads: `$1` the board, `$2` one deployment or any,
/// `$3`/`$4` the `deployed_at` bounds or none. One filter for the deployments and for their
/// commits, cards and incidents, so the four reads always agree on the set.
macro_rules! deployment_filter {
    () => {
        " d.board_id = $1 AND ($2 IS NULL OR d.id = $2) AND ($3 IS NULL OR d.deployed_at >= $3) \
         AND ($4 IS NULL OR d.deployed_at < $4)"
    };
}

/// The spelling of a status in storage.
fn status_str(status: DeploymentStatus) -> &'static str {
    match status {
        DeploymentStatus::Success => "success",
        DeploymentStatus::Failure => "failure",
    }
}

/// How a card reference reads in an error message.
fn describe(card: &CardRef) -> String {
    match card {
        CardRef::Id(id) => id.to_string(),
        CardRef::Number(n) => format!("#{n}"),
    }
}

impl<B: Backend> SqlStore<B> {
    /// The board's deployments matching [`deployment_filter!`], each with its commits (in
    /// the order reported), its cards and the incident cards blamed on it.
    async fn load_deployments(
        conn: &mut Conn<B>,
        board: BoardId,
        only: Option<DeploymentId>,
        from: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
    ) -> Result<Vec<Deployment>, StoreError> {
        let only = only.map(|d| d.0);
        let rows: Vec<DeploymentRow> = B::sql(concat!(
            "SELECT d.id, d.service, d.environment, d.version, d.status, d.deployed_at \
             FROM deployments d WHERE",
            deployment_filter!(),
            " ORDER BY d.deployed_at, d.id"
        ))
        .bind(board.0)
        .bind(only)
        .bind(from)
        .bind(until)
        .fetch_all(conn)
        .await?;
        let mut deployments = rows
            .into_iter()
            .map(Deployment::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        let index: HashMap<Uuid, usize> = deployments
            .iter()
            .enumerate()
            .map(|(i, d)| (d.id.0, i))
            .collect();

        let commits: Vec<(Uuid, String, DateTime<Utc>)> = B::sql(concat!(
            "SELECT c.deployment_id, c.sha, c.committed_at FROM deployment_commits c \
             JOIN deployments d ON d.id = c.deployment_id WHERE",
            deployment_filter!(),
            " ORDER BY c.deployment_id, c.position"
        ))
        .bind(board.0)
        .bind(only)
        .bind(from)
        .bind(until)
        .fetch_all(conn)
        .await?;
        for (deployment, sha, committed_at) in commits {
            if let Some(d) = index.get(&deployment).and_then(|&i| deployments.get_mut(i)) {
                d.commits.push(Commit { sha, committed_at });
            }
        }

        let cards: Vec<(Uuid, Uuid)> = B::sql(concat!(
            "SELECT c.deployment_id, c.card_id FROM deployment_cards c \
             JOIN deployments d ON d.id = c.deployment_id WHERE",
            deployment_filter!(),
            " ORDER BY c.deployment_id, c.position"
        ))
        .bind(board.0)
        .bind(only)
        .bind(from)
        .bind(until)
        .fetch_all(conn)
        .await?;
        for (deployment, card) in cards {
            if let Some(d) = index.get(&deployment).and_then(|&i| deployments.get_mut(i)) {
                d.cards.push(CardRef::Id(CardId(card)));
            }
        }

        // Only incident cards carry blame: a card reclassified as a feature no longer makes
        // its deployment a failed change.
        let blamed: Vec<(Uuid, Uuid)> = B::sql(concat!(
            "SELECT d.id, c.id FROM cards c JOIN deployments d ON d.id = c.caused_by WHERE",
            deployment_filter!(),
            " AND c.card_type = 'incident' AND c.discarded_at IS NULL ORDER BY d.id, c.number"
        ))
        .bind(board.0)
        .bind(only)
        .bind(from)
        .bind(until)
        .fetch_all(conn)
        .await?;
        for (deployment, card) in blamed {
            if let Some(d) = index.get(&deployment).and_then(|&i| deployments.get_mut(i)) {
                d.caused_incidents.push(CardId(card));
            }
        }
        Ok(deployments)
    }

    /// The card a reference names on the board, if any.
    async fn resolve_card_ref(
        conn: &mut Conn<B>,
        board: BoardId,
        card: &CardRef,
    ) -> Result<Option<CardId>, StoreError> {
        let found: Option<(Uuid,)> = match card {
            CardRef::Id(id) => {
                B::sql("SELECT id FROM cards WHERE id = $1 AND board_id = $2")
                    .bind(id.0)
                    .bind(board.0)
                    .fetch_optional(conn)
                    .await?
            }
            CardRef::Number(number) => {
                B::sql("SELECT id FROM cards WHERE board_id = $1 AND number = $2")
                    .bind(board.0)
                    .bind(i64::from(*number))
                    .fetch_optional(conn)
                    .await?
            }
        };
        Ok(found.map(|(id,)| CardId(id)))
    }

    /// The cards `new` names, each once; `Invalid` naming every reference that finds no card
    /// of the board.
    async fn deployed_cards(
        conn: &mut Conn<B>,
        board: BoardId,
        new: &NewDeployment,
    ) -> Result<Vec<CardId>, StoreError> {
        let mut cards: Vec<CardId> = Vec::with_capacity(new.cards.len());
        let mut unknown = Vec::new();
        for (i, card) in new.cards.iter().enumerate() {
            match Self::resolve_card_ref(conn, board, card).await? {
                // `#12` and 12's id are one card, linked once.
                Some(id) if cards.contains(&id) => {}
                Some(id) => cards.push(id),
                None => unknown.push(format!(
                    "cards[{i}]: no card {} on this board",
                    describe(card)
                )),
            }
        }
        if !unknown.is_empty() {
            return Err(DomainError::Reference {
                field: "cards",
                message: unknown.join("; "),
            }
            .into());
        }
        Ok(cards)
    }

    /// The stored deployment a repeated report names (same service, environment, version and
    /// time).
    async fn existing_deployment(
        conn: &mut Conn<B>,
        board: BoardId,
        new: &NewDeployment,
    ) -> Result<Deployment, StoreError> {
        let existing: Option<(Uuid,)> = B::sql(
            "SELECT id FROM deployments WHERE board_id = $1 AND service = $2 \
             AND environment = $3 AND version = $4 AND deployed_at = $5",
        )
        .bind(board.0)
        .bind(new.service.as_str())
        .bind(new.environment.as_str())
        .bind(new.version.as_str())
        .bind(new.deployed_at)
        .fetch_optional(conn)
        .await?;
        let (existing,) = existing
            .ok_or_else(|| StoreError::Internal("a conflicting deployment vanished".into()))?;
        let stored =
            Self::load_deployments(conn, board, Some(DeploymentId(existing)), None, None).await?;
        stored
            .into_iter()
            .next()
            .ok_or_else(|| StoreError::Internal("a stored deployment could not be read".into()))
    }
}

#[async_trait]
impl<B: Backend> DeliveryStore for SqlStore<B> {
    async fn record_deployment(
        &self,
        board: BoardId,
        new: &NewDeployment,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<DeploymentOutcome, StoreError> {
        let mut tx = self.write_tx().await?;
        // The board lock orders this against card moves and other reports.
        let board = BoardId(Self::board_row(&mut tx, &BoardRef::Id(board)).await?.id);
        let cards = Self::deployed_cards(&mut tx, board, new).await?;
        let id = DeploymentId::new();
        let inserted: Option<(Uuid,)> = B::sql(
            "INSERT INTO deployments (id, board_id, service, environment, version, status, \
             deployed_at, created_at, actor_kind, actor_name) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (board_id, service, environment, version, deployed_at) DO NOTHING \
             RETURNING id",
        )
        .bind(id.0)
        .bind(board.0)
        .bind(new.service.as_str())
        .bind(new.environment.as_str())
        .bind(new.version.as_str())
        .bind(status_str(new.status))
        .bind(new.deployed_at)
        .bind(now)
        .bind(actor.kind.as_str())
        .bind(actor.name.as_str())
        .fetch_optional(&mut tx)
        .await?;
        if inserted.is_none() {
            let deployment = Self::existing_deployment(&mut tx, board, new).await?;
            return Ok(DeploymentOutcome {
                deployment,
                created: false,
            });
        }
        for (position, commit) in new.commits.iter().enumerate() {
            B::sql(
                "INSERT INTO deployment_commits (deployment_id, sha, committed_at, position) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(id.0)
            .bind(commit.sha.as_str())
            .bind(commit.committed_at)
            .bind(i32::try_from(position).unwrap_or(i32::MAX))
            .execute(&mut tx)
            .await?;
        }
        // Stamped when the card reached the environment, as far as the log may know it: never
        // later than now, so a pipeline clock running ahead cannot date the history into the
        // future.
        let at = new.deployed_at.min(now);
        let kind = EventKind::Deployed {
            deployment_id: id,
            service: new.service.clone(),
            environment: new.environment.clone(),
            version: new.version.clone(),
            status: new.status,
        };
        for (position, card) in cards.iter().enumerate() {
            B::sql(
                "INSERT INTO deployment_cards (deployment_id, card_id, position) \
                 VALUES ($1, $2, $3)",
            )
            .bind(id.0)
            .bind(card.0)
            .bind(i32::try_from(position).unwrap_or(i32::MAX))
            .execute(&mut tx)
            .await?;
            Self::insert_event(&mut tx, board, *card, at, actor, &kind).await?;
        }
        self.commit(tx, BoardChange::board(board, "deployment_recorded"))
            .await?;
        let mut deployment = new.clone().into_deployment(id);
        deployment.cards = cards.into_iter().map(CardRef::Id).collect();
        Ok(DeploymentOutcome {
            deployment,
            created: true,
        })
    }

    async fn deployments(
        &self,
        board: BoardId,
        from: DateTime<Utc>,
        until: Option<DateTime<Utc>>,
    ) -> Result<Vec<Deployment>, StoreError> {
        let mut conn = self.read().await?;
        Self::load_deployments(&mut conn, board, None, Some(from), until).await
    }

    async fn set_caused_by(
        &self,
        card: CardId,
        deployment: Option<DeploymentId>,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Card, StoreError> {
        let mut tx = self.write_tx().await?;
        let board = BoardId(Self::lock_card_board_row(&mut tx, card).await?.id);
        let mut current = Self::card_row(&mut tx, card).await?;
        if current.card_type != CardType::Incident {
            return Err(DomainError::Reference {
                field: "card_type",
                message: "only incident cards can be blamed on a deployment".into(),
            }
            .into());
        }
        if let Some(d) = deployment {
            let found: Option<(Uuid,)> =
                B::sql("SELECT id FROM deployments WHERE id = $1 AND board_id = $2")
                    .bind(d.0)
                    .bind(board.0)
                    .fetch_optional(&mut tx)
                    .await?;
            if found.is_none() {
                return Err(DomainError::Reference {
                    field: "deployment_id",
                    message: "names no deployment reported to this card's board".into(),
                }
                .into());
            }
        }
        if current.caused_by == deployment {
            return Ok(current);
        }
        B::sql("UPDATE cards SET caused_by = $1, updated_at = $2 WHERE id = $3")
            .bind(deployment.map(|d| d.0))
            .bind(now)
            .bind(card.0)
            .execute(&mut tx)
            .await?;
        let kind = EventKind::Edited {
            fields: vec!["caused_by".into()],
        };
        Self::insert_event(&mut tx, board, card, now, actor, &kind).await?;
        current.caused_by = deployment;
        current.updated_at = now;
        self.commit(tx, BoardChange::card(&current, "card_edited"))
            .await?;
        Ok(current)
    }

    async fn incident_records(
        &self,
        board: BoardId,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<IncidentRecord>, StoreError> {
        let mut conn = self.read().await?;
        // Completion as the flow metrics define it: the entry into the run of done columns the
        // card is still in (moving on between done columns does not complete it again), that
        // is the card's first placement after its last placement outside a done column (a
        // column removed since counts as outside). Worked out per card in SQL from its own
        // events, through the (card_id, id) index: reading every placement of every incident
        // and folding them here took 75 ms for 2,000 incidents on SQLite (the flow
        // benchmark's whole-year window).
        let cards: Vec<IncidentRow> = B::sql(
            "SELECT c.id, c.service, c.created_at, c.alert_resolved_at, c.caused_by, \
             (SELECT e.at FROM card_events e \
              WHERE e.card_id = c.id AND e.column_id IS NOT NULL AND e.id > COALESCE(\
               (SELECT MAX(p.id) FROM card_events p \
                LEFT JOIN board_columns k ON k.id = p.column_id \
                WHERE p.card_id = c.id AND p.column_id IS NOT NULL \
                AND (k.kind IS NULL OR k.kind <> 'done')), 0) \
              ORDER BY e.id LIMIT 1) AS completed_at \
             FROM cards c \
             WHERE c.board_id = $1 AND c.card_type = 'incident' AND c.created_at >= $2 \
             AND c.created_at < $3 AND c.discarded_at IS NULL ORDER BY c.created_at, c.number",
        )
        .bind(board.0)
        .bind(from)
        .bind(until)
        .fetch_all(&mut conn)
        .await?;
        Ok(cards
            .into_iter()
            .map(
                |(id, service, created_at, alert_resolved_at, caused_by, completed)| {
                    let restored_at = match (alert_resolved_at, completed) {
                        (Some(a), Some(c)) => Some(a.min(c)),
                        (a, c) => a.or(c),
                    };
                    IncidentRecord {
                        card_id: CardId(id),
                        service,
                        created_at,
                        restored_at,
                        caused_by: caused_by.map(DeploymentId),
                    }
                },
            )
            .collect())
    }
}
