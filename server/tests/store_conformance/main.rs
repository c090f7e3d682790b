//! One storage conformance suite, run against a real SQLite file always and against a real
//! PostgreSQL whenever `FLOWBOARD_TEST_POSTGRES_URL` is set. This file is the harness (the
//! helpers every area uses and the list of cases per backend); each area's cases are in a
//! module of their own.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts;
mod boards;
mod cards;
#[path = "../common/mod.rs"]
mod common;
mod deployments;
mod discard;
mod events;
mod incidents;
mod instances;
mod labels;
mod moves;
mod people;
mod policies;
mod retros;

use std::sync::Arc;

use application::ports::{BoardRef, Store, StoreError};
use chrono::{Duration, TimeZone, Utc};
use domain::board::ColumnSpec;
use domain::import::HistoryImport;
use domain::policy::{BoardPolicy, Rule};
use domain::{
    Actor, Board, CardPatch, CardType, ColumnKind, EventKind, MoveRequest, NewBoard, NewCard,
    Severity,
};

fn t0() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
        .single()
        .expect("valid")
}

fn actor() -> Actor {
    Actor::user("tester")
}

async fn make_board(store: &dyn Store, name: &str) -> Board {
    store
        .create_board(
            &NewBoard {
                name: name.into(),
                ..Default::default()
            },
            None,
            t0(),
        )
        .await
        .expect("board")
}

fn feature(title: &str) -> NewCard {
    NewCard {
        title: title.into(),
        card_type: CardType::Feature,
        ..Default::default()
    }
}

/// Makes a feature card in the board's first column.
async fn add_feature(store: &dyn Store, board: &BoardRef, title: &str) -> domain::Card {
    store
        .create_card(board, &feature(title), &actor(), t0())
        .await
        .expect("create card")
}

/// A move to `column` (same lane, end of the cell, no override).
fn to(column: domain::ColumnId) -> MoveRequest {
    MoveRequest {
        column_id: column,
        lane_id: None,
        position: None,
        override_reason: None,
    }
}

/// Makes the moves at once, each on its own task, so that they race for the board; answers
/// each, in the order asked.
async fn move_at_once(
    store: &Arc<dyn Store>,
    moves: &[(domain::CardId, MoveRequest)],
) -> Vec<Result<domain::Card, StoreError>> {
    let tasks: Vec<_> = moves
        .iter()
        .map(|(card, request)| {
            let (store, card, request) = (store.clone(), *card, request.clone());
            tokio::spawn(async move { store.move_card(card, &request, &actor(), t0()).await })
        })
        .collect();
    let mut answers = Vec::with_capacity(tasks.len());
    for task in tasks {
        answers.push(task.await.expect("join"));
    }
    answers
}

fn import_doc(json: &str) -> HistoryImport {
    serde_json::from_str(json).expect("json")
}

/// A checked deployment report: `service` at `version` to production, `hours` after t0, its
/// commits `ages` hours older, naming `cards`.
fn deployment(
    service: &str,
    version: &str,
    hours: i64,
    ages: &[i64],
    cards: &[String],
) -> domain::delivery::NewDeployment {
    use domain::delivery::{Commit, DeploymentReport, DeploymentStatus};
    let at = t0() + Duration::hours(hours);
    DeploymentReport {
        service: service.into(),
        environment: "Production".into(),
        version: version.into(),
        deployed_at: Some(at),
        status: DeploymentStatus::Success,
        commits: ages
            .iter()
            .enumerate()
            .map(|(i, age)| Commit {
                sha: format!("{:08x}", hours * 16 + i as i64),
                committed_at: at - Duration::hours(*age),
            })
            .collect(),
        cards: Some(cards.to_vec()),
    }
    .validate(at)
    .expect("valid report")
}

macro_rules! conformance {
    ($backend:ident, $db:expr) => {
        mod $backend {
            use super::*;

            macro_rules! case {
                ($area:ident, $name:ident) => {
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $name() {
                        let Some(db) = $db else { return };
                        let (database, store) = common::open(&db).await;
                        super::$area::$name(store).await;
                        database.close().await;
                    }
                };
                // A case that opens a second store on the same database (another instance).
                ($area:ident, $name:ident, with_db) => {
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $name() {
                        let Some(db) = $db else { return };
                        let (database, store) = common::open(&db).await;
                        super::$area::$name(store, &db).await;
                        database.close().await;
                    }
                };
            }

            case!(instances, layout_changes_from_anywhere_reach_moves, with_db);
            case!(instances, card_changes_from_anywhere_reach_moves, with_db);
            case!(instances, keys_are_read_back_exactly, with_db);
            case!(instances, incident_settings_changed_anywhere_apply, with_db);
            case!(instances, board_events_stay_current, with_db);
            case!(instances, moves_are_announced_once_everywhere, with_db);

            case!(boards, create_list_and_read_boards);
            case!(boards, duplicate_slugs_conflict);
            case!(cards, cards_are_numbered_and_logged);
            case!(cards, invalid_cards_store_nothing);
            case!(moves, moves_are_logged_and_ordered);
            case!(moves, many_reorders_keep_order);
            case!(moves, moves_to_the_end_of_a_cell);
            case!(moves, moves_to_other_boards_are_refused);
            case!(cards, edits_and_blocks_are_logged);
            case!(boards, column_settings_never_lose_cards);
            case!(cards, imports_are_all_or_nothing);
            case!(cards, concurrent_creates_get_unique_numbers);
            case!(policies, wip_limits_refuse_and_overrides_are_recorded);
            case!(moves, concurrent_moves_hold_limits_and_are_answered_each);
            case!(cards, cards_boards_are_known);
            case!(moves, concurrent_moves_see_each_other);
            case!(moves, concurrent_moves_count_the_cards_already_there);
            case!(moves, concurrent_moves_to_one_cell_keep_its_order);
            case!(policies, tech_debt_allocation_holds);
            case!(events, finished_card_events_cover_recent_done_cards);
            case!(accounts, accounts_are_unique_and_lock);
            case!(accounts, board_roles_keep_an_admin);
            case!(accounts, tokens_are_stored_by_hash);
            case!(accounts, sessions_expire);
            case!(deployments, deployments_are_recorded_with_their_cards);
            case!(incidents, incidents_are_blamed_and_restored);
            case!(retros, retrospectives_keep_notes_and_make_cards);
            case!(events, board_events_are_the_log_in_order);
            case!(people, owners_are_members_and_logged);
            case!(people, person_limits_hold_and_overrides_are_recorded);
            case!(people, comments_count_mention_and_tell);
            case!(people, incidents_are_told_as_the_board_asks);
            case!(people, search_cards_are_the_cards_as_a_search_reads_them);
            case!(discard, discarded_cards_leave_the_board_and_come_back);
            case!(
                discard,
                discarded_cards_never_hold_a_column_or_an_incident_key
            );
            case!(discard, deleted_cards_leave_only_their_number);
            case!(labels, labels_are_the_board_s_and_cards_carry_them);
        }
    };
}

// Every case on each database with the accelerator on (as served) and off (every read from
// the database), so the fast path is proven to answer what the plain one does; and on
// PostgreSQL behind a transaction pooler (PgBouncer), where statements are unnamed and reads
// run in transactions.
conformance!(sqlite, Some(common::sqlite()));
conformance!(sqlite_unaccelerated, Some(common::sqlite().unaccelerated()));
conformance!(postgres, common::postgres().await);
conformance!(
    postgres_unaccelerated,
    common::postgres().await.map(common::TestDb::unaccelerated)
);
conformance!(pooled_postgres, common::pooled_postgres().await);
