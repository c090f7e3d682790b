//! The demo board a first-time user sees: about 90 days of a platform team's work, generated
//! from a fixed seed so every fresh install shows the same living board.
//!
//! The history goes through [`Store::import_history`], the same path as a user's import, so
//! the demo exercises the real event log and every metric works on it.

use application::ports::{BoardRef, Store, StoreError};
use chrono::{DateTime, Duration, Utc};
use domain::import::{HistoryImport, ImportCard, ImportTransition};
use domain::policy::BoardPolicy;
use domain::{Actor, Board, CardPatch, CardType, ColumnKind, NewBoard, Severity};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Days of history the demo covers.
pub const DEMO_DAYS: i64 = 90;

const SERVICES: [&str; 8] = [
    "checkout",
    "payments",
    "search",
    "auth",
    "catalog",
    "notifications",
    "billing",
    "gateway",
];

const FEATURES: [&str; 16] = [
    "Saved searches in {svc}",
    "Export {svc} reports as CSV",
    "Dark mode for the {svc} admin",
    "Bulk edit in {svc}",
    "Webhook events for {svc}",
    "SSO login via OIDC for {svc}",
    "Audit log page for {svc}",
    "Rate-limit headers on the {svc} API",
    "Per-team settings in {svc}",
    "Mobile layout for {svc} pages",
    "Retry button for failed {svc} jobs",
    "Usage dashboard for {svc}",
    "Localise {svc} emails (de, fr)",
    "Pagination for the {svc} API",
    "Keyboard shortcuts in {svc}",
    "Customer notes on {svc} records",
];

const DEBTS: [&str; 12] = [
    "Upgrade {svc} to the current TLS library",
    "Remove the legacy {svc} XML endpoint",
    "Split the {svc} god module",
    "Add missing indexes to {svc} tables",
    "Replace cron scripts in {svc} with queue workers",
    "Raise {svc} test coverage on error paths",
    "Delete dead feature flags in {svc}",
    "Structured logging for {svc}",
    "Pin and audit {svc} dependencies",
    "Speed up the {svc} CI pipeline",
    "Alert on {svc} saturation, not only errors",
    "Document the {svc} runbook",
];

const INCIDENTS: [&str; 10] = [
    "{svc}: 5xx rate above 5%",
    "{svc}: p99 latency over 2s",
    "{svc}: disk 90% full on primary",
    "{svc}: certificate expires in 7 days",
    "{svc}: consumer lag growing",
    "{svc}: memory leak after deploy",
    "{svc}: login failures spike",
    "{svc}: stale cache serving old prices",
    "{svc}: error budget burn rate high",
    "{svc}: nightly backup failed",
];

/// The demo team besides the demo admin: names only (their accounts cannot sign in).
const TEAM: [&str; 4] = ["Amara Okafor", "Bo Lindqvist", "Chen Wei", "Dana Levi"];

/// Seeds the demo board when the database has no board at all, with `admin` (the demo
/// admin) and the demo team as its members. Returns whether it did.
pub async fn seed_if_empty(
    store: &dyn Store,
    now: DateTime<Utc>,
    admin: domain::UserId,
) -> Result<bool, StoreError> {
    if !store.list_boards().await?.is_empty() {
        return Ok(false);
    }
    let board = store
        .create_board(
            &NewBoard {
                name: "Platform Team".into(),
                slug: Some("platform".into()),
                description: Some(
                    "Demo board: features, incidents and tech debt of one platform team, 90 days."
                        .into(),
                ),
            },
            None,
            now - Duration::days(DEMO_DAYS + 1),
        )
        .await?;
    // The committed area is In Progress plus Review; a fifth of it is kept for tech debt;
    // nobody holds more than three cards in progress.
    let policy = BoardPolicy {
        committed_capacity: Some(7),
        person_wip_limit: Some(3),
        ..Default::default()
    };
    store.set_policy(&BoardRef::Id(board.id), &policy).await?;
    let import = demo_history(&board, now, 42);
    let actor = Actor::system("demo");
    store
        .import_history(&BoardRef::Id(board.id), &import, &actor, now)
        .await?;
    block_two_active_cards(store, &board, now, &actor).await?;
    discard_three_cards(store, &board, now, &actor).await?;
    label_cards(store, &board, now, &actor).await?;
    seed_team(store, &board, admin, now, &actor).await?;
    let seeded = store.board(&BoardRef::Id(board.id)).await?;
    let deployments = crate::demo_deployments::seed_deployments(store, &seeded, now).await?;
    tracing::info!(
        cards = import.cards.len(),
        deployments,
        "seeded the demo board at /boards/platform"
    );
    Ok(true)
}

/// Marks two cards in active columns as blocked, as a real board would have.
async fn block_two_active_cards(
    store: &dyn Store,
    board: &Board,
    now: DateTime<Utc>,
    actor: &Actor,
) -> Result<(), StoreError> {
    let board = store.board(&BoardRef::Id(board.id)).await?;
    let reasons = [
        "Waiting for the vendor's API key",
        "Needs a decision from security",
    ];
    let active: Vec<_> = board
        .cards
        .iter()
        .filter(|c| {
            board
                .column(c.column_id)
                .is_some_and(|col| col.kind == ColumnKind::Active)
        })
        .take(reasons.len())
        .collect();
    for (card, reason) in active.into_iter().zip(reasons) {
        let patch = CardPatch {
            blocked: Some(true),
            blocked_reason: Some(reason.into()),
            ..Default::default()
        };
        store
            .update_card(card.id, &patch, actor, now - Duration::hours(5))
            .await?;
    }
    Ok(())
}

/// Discards three cards, as a team cleaning up its board would: two from the backlog (a
/// duplicate, an idea overtaken by events) and one abandoned in progress, so the metrics and
/// the retrospective have discarded work to count apart.
async fn discard_three_cards(
    store: &dyn Store,
    board: &Board,
    now: DateTime<Utc>,
    actor: &Actor,
) -> Result<(), StoreError> {
    let board = store.board(&BoardRef::Id(board.id)).await?;
    let of_kind = |kind: ColumnKind| -> Vec<&domain::Card> {
        board
            .cards
            .iter()
            .filter(|c| !c.blocked)
            .filter(|c| {
                board
                    .column(c.column_id)
                    .is_some_and(|col| col.kind == kind)
            })
            .collect()
    };
    let queued = of_kind(ColumnKind::Queue);
    let active = of_kind(ColumnKind::Active);
    let chosen = queued
        .iter()
        .rev()
        .take(2)
        .zip(["duplicate", "obsolete"])
        .chain(active.iter().skip(1).take(1).zip(["won't do"]));
    for (days, (card, reason)) in (2..).step_by(3).zip(chosen) {
        let request = domain::discard::DiscardRequest {
            reason: reason.into(),
        };
        // Never before the card's last move: the log stays in order.
        let at = (now - Duration::days(days)).max(card.column_entered_at + Duration::minutes(5));
        store
            .discard_card(card.id, &request, actor, at.min(now))
            .await?;
    }
    Ok(())
}

/// The demo's labels, and which words of a card's title earn each.
const LABELS: [(&str, domain::label::LabelColour, &[&str]); 3] = [
    (
        "database",
        domain::label::LabelColour::Blue,
        &["indexes", "tables", "reports", "Pagination"],
    ),
    (
        "customer-facing",
        domain::label::LabelColour::Green,
        &["Customer", "Mobile", "emails", "Dark mode", "Checkout"],
    ),
    (
        "security",
        domain::label::LabelColour::Red,
        &["TLS", "Audit", "Rate-limit", "dependencies"],
    ),
];

/// Defines three labels and puts them on the cards whose titles call for them, so the
/// filter (`label:database`), the tiles and the metrics narrowed by label have something to
/// show.
async fn label_cards(
    store: &dyn Store,
    board: &Board,
    now: DateTime<Utc>,
    actor: &Actor,
) -> Result<(), StoreError> {
    let by_id = BoardRef::Id(board.id);
    let mut made = Vec::new();
    for (name, colour, words) in LABELS {
        let spec = domain::label::LabelSpec {
            name: name.into(),
            colour,
        };
        made.push((store.save_label(&by_id, None, &spec, now).await?.id, words));
    }
    // Finished cards too: the metrics narrowed by label cover them.
    let facts = store.board(&by_id).await?;
    for card in &facts.cards {
        let labels: Vec<domain::LabelId> = made
            .iter()
            .filter(|(_, words)| words.iter().any(|w| card.title.contains(w)))
            .map(|(id, _)| *id)
            .collect();
        if labels.is_empty() {
            continue;
        }
        let patch = CardPatch {
            labels: Some(labels),
            ..Default::default()
        };
        store.update_card(card.id, &patch, actor, now).await?;
    }
    Ok(())
}

/// Makes the demo team members of the board (the demo admin its admin) and gives the open
/// cards owners, as a team working from the board would have: each card in progress one
/// owner, in turn, and the first cards of the queue too.
async fn seed_team(
    store: &dyn Store,
    board: &Board,
    admin: domain::UserId,
    now: DateTime<Utc>,
    actor: &Actor,
) -> Result<(), StoreError> {
    store
        .set_board_role(board.id, admin, domain::access::Role::Admin, now)
        .await?;
    let mut team = vec![admin];
    for name in TEAM {
        let email = format!("{}@flowboard.local", name.to_lowercase().replace(' ', "."));
        let new = domain::access::NewUser {
            email,
            name: name.into(),
            // Never checked: "!" is no password hash, so nobody signs in as them.
            password: String::new(),
            instance_admin: false,
        };
        let user = store.create_user(&new, "!", false, now).await?;
        store
            .set_board_role(board.id, user.id, domain::access::Role::Member, now)
            .await?;
        team.push(user.id);
    }
    let board = store.board(&BoardRef::Id(board.id)).await?;
    let kind = |c: &domain::Card| board.column(c.column_id).map(|col| col.kind);
    let active = board
        .cards
        .iter()
        .filter(|c| kind(c) == Some(ColumnKind::Active));
    let queued = board
        .cards
        .iter()
        .filter(|c| kind(c) == Some(ColumnKind::Queue))
        .take(4);
    // The demo admin (the visitor) first, with one card in progress and one queued.
    for (card, owner) in active.chain(queued).zip(team.iter().cycle()) {
        store
            .edit_assignees(
                card.id,
                &domain::people::AssigneeEdit::Add(*owner),
                Some("demo data"),
                actor,
                now - Duration::hours(4),
            )
            .await?;
    }
    Ok(())
}

/// A random duration around `mean_hours`, skewed like real work: mostly short, some long.
fn duration(rng: &mut StdRng, mean_hours: f64) -> Duration {
    let u: f64 = rng.random();
    let hours = mean_hours * (0.25 + 2.2 * u * u);
    Duration::minutes((hours * 60.0) as i64)
}

fn pick<'a>(rng: &mut StdRng, items: &[&'a str]) -> &'a str {
    items[rng.random_range(0..items.len())]
}

/// Generates the demo history for `board` (which has the default columns) ending at `now`.
pub fn demo_history(board: &Board, now: DateTime<Utc>, seed: u64) -> HistoryImport {
    let mut rng = StdRng::seed_from_u64(seed);
    let names: Vec<String> = board.columns.iter().map(|c| c.name.clone()).collect();
    let start = now - Duration::days(DEMO_DAYS);
    let mut cards = Vec::new();
    for day in 0..DEMO_DAYS {
        let day_start = start + Duration::days(day);
        let arrivals = [
            (CardType::Feature, 2.2),
            (CardType::TechDebt, 0.8),
            (CardType::Incident, 0.45),
        ];
        for (card_type, rate) in arrivals {
            // Binomial arrivals with mean `rate` per day.
            let count = (0..6).filter(|_| rng.random::<f64>() < rate / 6.0).count();
            for _ in 0..count {
                let created = day_start + Duration::minutes(rng.random_range(8 * 60..18 * 60));
                cards.push(demo_card(&mut rng, &names, card_type, created));
            }
        }
    }
    let mut import = HistoryImport { cards };
    cut_at(&mut import, now);
    keep_within_limits(&mut import, board);
    import
}

fn demo_card(
    rng: &mut StdRng,
    names: &[String],
    card_type: CardType,
    created: DateTime<Utc>,
) -> ImportCard {
    let service = pick(rng, &SERVICES);
    let (templates, severity): (&[&str], Option<Severity>) = match card_type {
        CardType::Feature => (&FEATURES, None),
        CardType::TechDebt => (&DEBTS, None),
        CardType::Incident => {
            let roll: f64 = rng.random();
            let sev = match roll {
                r if r < 0.06 => Severity::Sev1,
                r if r < 0.25 => Severity::Sev2,
                r if r < 0.75 => Severity::Sev3,
                _ => Severity::Sev4,
            };
            (&INCIDENTS, Some(sev))
        }
    };
    let title = pick(rng, templates).replace("{svc}", service);
    let mut at = created;
    let mut transitions = Vec::new();
    let mut enter = |column: usize, after: Duration, at: &mut DateTime<Utc>| {
        *at += after;
        transitions.push(ImportTransition {
            column: names[column].clone(),
            at: *at,
        });
    };
    if card_type == CardType::Incident {
        // Incidents skip the queue: picked up within the hour, fixed within a day or so.
        enter(2, duration(rng, 0.6), &mut at);
        enter(3, duration(rng, 6.0), &mut at);
        enter(4, duration(rng, 1.0), &mut at);
    } else {
        enter(1, duration(rng, 40.0), &mut at);
        enter(2, duration(rng, 30.0), &mut at);
        enter(3, duration(rng, 45.0), &mut at);
        if rng.random::<f64>() < 0.12 {
            // Review found a problem: back to In Progress, then review again.
            enter(2, duration(rng, 8.0), &mut at);
            enter(3, duration(rng, 20.0), &mut at);
        }
        enter(4, duration(rng, 10.0), &mut at);
    }
    let description = match card_type {
        CardType::Incident => format!(
            "Raised by monitoring for **{service}**.\n\n- Check the dashboards\n- Roll back if a deploy is involved"
        ),
        CardType::TechDebt => format!("Keeps **{service}** healthy. Reserve capacity for it."),
        CardType::Feature => format!("Requested by customers of **{service}**."),
    };
    ImportCard {
        title,
        card_type,
        created_at: created,
        severity,
        description: Some(description),
        service: (card_type == CardType::Incident).then(|| service.to_owned()),
        transitions,
    }
}

/// Drops cards created after `now` and transitions that would happen after it.
fn cut_at(import: &mut HistoryImport, now: DateTime<Utc>) {
    import.cards.retain(|c| c.created_at <= now);
    for card in &mut import.cards {
        card.transitions.retain(|t| t.at <= now);
    }
}

/// Pushes cards back one column, newest first, until every limited column is within its
/// WIP limit at the end of the history, so the demo starts from a board that respects them.
fn keep_within_limits(import: &mut HistoryImport, board: &Board) {
    for column in board.columns.iter().rev() {
        let Some(limit) = column.wip_limit else {
            continue;
        };
        loop {
            let mut here: Vec<usize> = import
                .cards
                .iter()
                .enumerate()
                .filter(|(_, c)| {
                    c.severity.is_none_or(|s| !s.is_urgent())
                        && c.transitions
                            .last()
                            .is_some_and(|t| t.column == column.name)
                })
                .map(|(i, _)| i)
                .collect();
            if here.len() <= limit as usize {
                break;
            }
            here.sort_by_key(|&i| import.cards[i].transitions.last().map(|t| t.at));
            let Some(&newest) = here.last() else { break };
            import.cards[newest].transitions.pop();
        }
    }
}

/// The demo admin's sign-in address.
pub const DEMO_ADMIN_EMAIL: &str = "demo@flowboard.local";

/// Makes (once) the instance admin that `--demo` signs loopback visitors in as. Its password
/// is random and never shown: the account is only reachable through demo sign-in.
pub async fn ensure_demo_admin(
    store: &dyn Store,
    now: DateTime<Utc>,
) -> Result<domain::UserId, StoreError> {
    if let Some(existing) = store.credentials(DEMO_ADMIN_EMAIL).await? {
        return Ok(existing.user.id);
    }
    let (password, _, _) = application::access::new_token_secret();
    let new = domain::access::NewUser {
        email: DEMO_ADMIN_EMAIL.into(),
        name: "Demo Admin".into(),
        password,
        instance_admin: true,
    };
    let hash = application::access::hash_password(new.password.clone()).await?;
    Ok(store.create_user(&new, &hash, false, now).await?.id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::BoardId;
    use domain::board::{default_columns, default_lanes};

    fn board() -> Board {
        Board {
            id: BoardId::new(),
            slug: "demo".into(),
            name: "Demo".into(),
            description: String::new(),
            created_at: Utc::now(),
            columns: default_columns(uuid::Uuid::now_v7),
            lanes: default_lanes(uuid::Uuid::now_v7),
            policy: Default::default(),
            incidents: Default::default(),
            labels: Vec::new(),
            cards: vec![],
        }
    }

    #[test]
    fn demo_history_is_realistic_and_valid() {
        let b = board();
        let now = Utc::now();
        let import = demo_history(&b, now, 42);
        assert!(
            (200..=500).contains(&import.cards.len()),
            "{} cards",
            import.cards.len()
        );
        for t in CardType::ALL {
            assert!(import.cards.iter().any(|c| c.card_type == t), "no {t:?}");
        }
        let backwards = import.cards.iter().filter(|c| {
            c.transitions
                .windows(2)
                .any(|w| w[1].column == "In Progress" && w[0].column == "Review")
        });
        assert!(backwards.count() > 5, "some cards go back from Review");
        let plan = import.plan(&b, now).expect("the demo is a valid import");
        assert_eq!(plan.len(), import.cards.len());
        for column in &b.columns {
            if let Some(limit) = column.wip_limit {
                let n = plan
                    .iter()
                    .filter(|p| p.lane_id == b.lanes[1].id)
                    .filter(|p| p.steps.last().is_some_and(|(c, _)| *c == column.id))
                    .count();
                assert!(n <= limit as usize, "{} holds {n} > {limit}", column.name);
            }
        }
        assert_eq!(import, demo_history(&b, now, 42), "same seed, same board");
    }
}
