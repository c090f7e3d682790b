use chrono::Duration;
use domain::board::NewBoard;
use domain::policy::TechDebtShare;
use domain::{Board, BoardId, CardId, CardType, ColumnKind};

use super::*;
use crate::api::{BoardSnapshot, HiddenCards, TileCard};

fn board() -> Board {
    let draft = NewBoard {
        name: "Test".into(),
        ..Default::default()
    }
    .validate(uuid::Uuid::now_v7)
    .expect("the default board is valid");
    draft.into_board(BoardId::new(), Utc::now())
}

fn tile(board: &Board, column: usize, position: f64, card_type: CardType) -> TileCard {
    TileCard {
        comment_count: 0,
        labels: Vec::new(),
        assignees: Vec::new(),
        id: CardId::new(),
        number: position as i64,
        title: format!("card at {position}"),
        card_type,
        column_id: board.columns[column].id,
        lane_id: board.lanes[1].id,
        blocked: false,
        blocked_reason: None,
        severity: None,
        service: None,
        column_entered_at: Utc::now() - Duration::days(1),
        position,
        unmatched: false,
    }
}

fn model(board: &Board, cards: Vec<TileCard>, hidden: Vec<HiddenCards>) -> BoardModel {
    BoardModel::new(BoardSnapshot {
        board: board.clone(),
        cards,
        now: Utc::now(),
        tech_debt: TechDebtShare {
            finished: 0,
            by_count: None,
            by_active_time: None,
            target: 0.2,
        },
        role: domain::access::Role::Member,
        hidden,
        people: Vec::new(),
        me: None,
        filter: None,
    })
}

fn ids(cell: &CellCards) -> Vec<CardId> {
    cell.cards.iter().map(|t| t.id).collect()
}

#[test]
fn a_move_shows_the_card_at_the_index_asked_and_the_server_answer_changes_nothing() {
    let b = board();
    let (c0, c1) = (b.columns[0].id, b.columns[1].id);
    let lane = b.lanes[1].id;
    let a = tile(&b, 0, 1.0, CardType::Feature);
    let x = tile(&b, 1, 1.0, CardType::Feature);
    let y = tile(&b, 1, 2.0, CardType::Feature);
    let mut m = model(&b, vec![a.clone(), x.clone(), y.clone()], vec![]);

    let now = Utc::now();
    let undo = m.move_card(a.id, c1, None, Some(1), now).expect("shown");
    assert_eq!(ids(&m.cell(c1, lane)), vec![x.id, a.id, y.id]);
    assert!(m.cell(c0, lane).cards.is_empty());
    let moved = m.tile(a.id).expect("still shown").clone();
    assert_eq!(moved.column_entered_at, now, "a new column starts its age");
    assert!(x.position < moved.position && moved.position < y.position);

    // The server's own placement, as its answer brings it: same cell, same order.
    let mut answer = moved.clone();
    answer.position = 1.5;
    assert_eq!(m.place(answer.clone()), Applied::InPlace);
    assert_eq!(ids(&m.cell(c1, lane)), vec![x.id, a.id, y.id]);
    assert_eq!(
        m.place(answer),
        Applied::InPlace,
        "placing twice is placing once"
    );
    assert_eq!(m.tiles().count(), 3);

    // A refusal puts it back as it was.
    m.undo(undo);
    assert_eq!(m.tile(a.id), Some(&a));
    assert_eq!(ids(&m.cell(c1, lane)), vec![x.id, y.id]);
}

#[test]
fn a_move_to_the_end_or_the_front_of_a_cell_orders_by_position() {
    let b = board();
    let c1 = b.columns[1].id;
    let lane = b.lanes[1].id;
    let a = tile(&b, 0, 9.0, CardType::Feature);
    let z = tile(&b, 0, 10.0, CardType::Feature);
    let x = tile(&b, 1, 1.0, CardType::Feature);
    let mut m = model(&b, vec![a.clone(), z.clone(), x.clone()], vec![]);
    m.move_card(a.id, c1, None, None, Utc::now())
        .expect("shown");
    m.move_card(z.id, c1, None, Some(0), Utc::now())
        .expect("shown");
    assert_eq!(ids(&m.cell(c1, lane)), vec![z.id, x.id, a.id]);
    // Within the cell: its age goes on.
    let entered = m.tile(a.id).map(|t| t.column_entered_at);
    m.move_card(a.id, c1, None, Some(0), Utc::now() + Duration::hours(1))
        .expect("shown");
    assert_eq!(ids(&m.cell(c1, lane)), vec![a.id, z.id, x.id]);
    assert_eq!(m.tile(a.id).map(|t| t.column_entered_at), entered);
}

#[test]
fn counts_follow_the_cards_shown_and_those_left_out() {
    let mut b = board();
    let done = b
        .columns
        .iter()
        .position(|c| c.kind == ColumnKind::Done)
        .expect("the default board has a done column");
    let active = b
        .columns
        .iter()
        .position(|c| c.kind == ColumnKind::Active)
        .expect("and an active one");
    b.policy.committed_capacity = Some(5);
    let debt = tile(&b, active, 1.0, CardType::TechDebt);
    let feature = tile(&b, active, 2.0, CardType::Feature);
    let finished = tile(&b, done, 3.0, CardType::Feature);
    let lane = b.lanes[1].id;
    let mut m = model(
        &b,
        vec![debt.clone(), feature.clone(), finished.clone()],
        vec![HiddenCards {
            column_id: b.columns[done].id,
            lane_id: lane,
            count: 40,
            matching: 40,
        }],
    );
    assert_eq!(m.wip_count(b.columns[active].id), 2);
    assert_eq!(m.column_total(b.columns[done].id), 41);
    assert_eq!(m.tech_debt_held(), 1);
    assert_eq!(m.committed(), 2);
    assert_eq!(m.open_by_type(), [1, 0, 1]);
    assert_eq!(m.open_in_lane(lane), 2);
    assert_eq!(m.open_in_lane(b.lanes[0].id), 0, "nothing in Expedite");

    m.move_card(debt.id, b.columns[done].id, None, None, Utc::now())
        .expect("shown");
    assert_eq!(m.wip_count(b.columns[active].id), 1);
    assert_eq!(m.column_total(b.columns[done].id), 42);
    assert_eq!(m.tech_debt_held(), 0);
    assert_eq!(m.committed(), 1);
    assert_eq!(m.open_by_type(), [1, 0, 0]);
    assert_eq!(m.open_in_lane(lane), 1);
    assert_eq!(
        ids(&m.cell(b.columns[done].id, lane)).last(),
        Some(&debt.id),
        "the latest finished is last in board order (first on the page)"
    );

    // A change to an old finished card the page leaves out keeps it left out.
    let mut old = tile(&b, done, 0.5, CardType::Feature);
    old.title = "edited long ago".into();
    assert_eq!(m.place(old.clone()), Applied::InPlace);
    assert_eq!(m.tile(old.id), None);
    assert_eq!(m.column_total(b.columns[done].id), 42);
}

#[test]
fn cards_that_leave_or_land_outside_the_layout_say_so() {
    let b = board();
    let a = tile(&b, 0, 1.0, CardType::Feature);
    let mut m = model(&b, vec![a.clone()], vec![]);
    assert_eq!(m.remove(a.id).map(|t| t.id), Some(a.id));
    assert_eq!(m.tiles().count(), 0);

    let mut stray = tile(&b, 0, 1.0, CardType::Incident);
    stray.column_id = domain::ColumnId::new();
    assert_eq!(m.place(stray), Applied::NeedsReload);
    assert!(
        m.move_card(a.id, b.columns[1].id, None, None, Utc::now())
            .is_none(),
        "a card not shown is not moved"
    );
}

#[test]
fn the_news_says_arrivals_moves_and_departures_not_edits() {
    let b = board();
    let a = tile(&b, 0, 1.0, CardType::Feature);
    let z = tile(&b, 0, 2.0, CardType::Feature);
    let m = model(&b, vec![a.clone(), z.clone()], vec![]);
    let version = Utc::now();
    let changed = |t: TileCard| crate::api::ChangedTile {
        tile: t,
        updated_at: version,
    };
    let mut moved = a.clone();
    moved.column_id = b.columns[2].id;
    let mut edited = z.clone();
    edited.title = "Renamed".into();
    let new = tile(&b, 1, 5.0, CardType::Incident);
    let words = news(
        &m,
        &[changed(moved), changed(edited), changed(new.clone())],
        &[z.id],
    );
    assert_eq!(
        words,
        format!(
            "#1 card at 1 moved to {}. #5 card at 5 arrived in {}. #2 card at 2 left the board",
            b.columns[2].name, b.columns[1].name
        )
    );
    assert_eq!(
        news(&m, &[], &[CardId::new()]),
        "",
        "a card never shown is not news"
    );
}

#[test]
fn a_filter_counts_what_it_finds_beside_every_card() {
    let b = board();
    let active = b
        .columns
        .iter()
        .position(|c| c.kind == ColumnKind::Active)
        .expect("an active column");
    let done = b
        .columns
        .iter()
        .position(|c| c.kind == ColumnKind::Done)
        .expect("a done column");
    let found = tile(&b, active, 1.0, CardType::Feature);
    let other = TileCard {
        unmatched: true,
        ..tile(&b, active, 2.0, CardType::Feature)
    };
    let finished = tile(&b, done, 3.0, CardType::Feature);
    let mut m = model(
        &b,
        vec![found, other, finished],
        vec![HiddenCards {
            column_id: b.columns[done].id,
            lane_id: b.lanes[1].id,
            count: 40,
            matching: 4,
        }],
    );
    m.filtered = true;
    // WIP limits and totals count every card; the filter's counts only what it finds.
    assert_eq!(m.wip_count(b.columns[active].id), 2);
    assert_eq!(m.column_shown(b.columns[active].id), 1);
    assert_eq!(m.column_total(b.columns[done].id), 41);
    assert_eq!(m.column_shown(b.columns[done].id), 5);
    assert_eq!(m.found(), 6);
    assert_eq!(
        m.cell(b.columns[done].id, b.lanes[1].id).earlier_matching,
        4
    );
}
