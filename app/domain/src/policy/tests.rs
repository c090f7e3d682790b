//! The flow policies' tests: examples, and a property that no run of placements breaks a
//! limit except by a recorded override.

use super::*;
use crate::board::{Lane, NewBoard};
use crate::card::Card;
use crate::ids::BoardId;
use crate::ids::{CardId, LaneId};
use chrono::Utc;
use proptest::prelude::*;

/// Default columns: Backlog, Ready (6), In Progress (4), Review (3), Done.
fn board(policy: BoardPolicy) -> Board {
    let d = NewBoard {
        name: "P".into(),
        ..Default::default()
    }
    .validate(uuid::Uuid::now_v7)
    .expect("ok");
    Board {
        id: BoardId::new(),
        slug: d.slug,
        name: d.name,
        description: String::new(),
        created_at: Utc::now(),
        columns: d.columns,
        lanes: d.lanes,
        policy,
        incidents: Default::default(),
        labels: Vec::new(),
        cards: vec![],
    }
}

fn expedite(b: &Board) -> &Lane {
    &b.lanes[0]
}

fn standard(b: &Board) -> &Lane {
    &b.lanes[1]
}

#[test]
fn committed_slots_are_active_columns_in_the_standard_lane() {
    let b = board(BoardPolicy::default());
    let (ready, in_progress) = (b.columns[1].id, b.columns[2].id);
    assert!(b.is_committed(in_progress, standard(&b).id));
    assert!(!b.is_committed(in_progress, expedite(&b).id));
    assert!(!b.is_committed(ready, standard(&b).id));
    // A lane the board does not know counts as Standard; a column it does not know, never.
    assert!(b.is_committed(in_progress, crate::ids::LaneId::new()));
    assert!(!b.is_committed(ColumnId::new(), standard(&b).id));
}

fn add(b: &mut Board, column: usize, lane: LaneId, card_type: CardType) -> CardId {
    let now = Utc::now();
    let id = CardId::new();
    b.cards.push(Card {
        id,
        number: b.cards.len() as i64 + 1,
        title: "c".into(),
        card_type,
        ..Card::sample((b.id, b.columns[column].id, lane), now)
    });
    id
}

/// The placement check with its counts tallied from the board's cards: what the store
/// counts in SQL, the card being placed left out.
fn check_placement(b: &Board, mover: Mover, column: ColumnId, lane: LaneId) -> Vec<Violation> {
    let query = PlacementQuery::of(b, column, lane);
    let counts = PlacementCounts::tally(&query, &b.cards, mover.id);
    super::check_placement(b, mover, column, lane, &counts)
}

/// The card `id` of the board, about to move from where it is.
fn moving(b: &Board, id: CardId) -> Mover {
    Mover::card(
        b.cards
            .iter()
            .find(|c| c.id == id)
            .expect("card on the board"),
    )
}

fn rules(v: &[Violation]) -> Vec<Rule> {
    v.iter().map(|v| v.rule).collect()
}

const IN_PROGRESS: usize = 2;
const REVIEW: usize = 3;

#[test]
fn wip_limit_counts_the_standard_lane() {
    let mut b = board(BoardPolicy::default());
    let std_lane = standard(&b).id;
    let exp_lane = expedite(&b).id;
    for _ in 0..4 {
        add(&mut b, IN_PROGRESS, std_lane, CardType::Feature);
    }
    let newcomer = Mover::new_card(CardType::Feature);
    let col = b.columns[IN_PROGRESS].id;
    let v = check_placement(&b, newcomer, col, std_lane);
    assert_eq!(rules(&v), vec![Rule::WipLimit]);
    assert_eq!((v[0].limit, v[0].current, v[0].column_id), (4, 4, col));
    assert!(
        v[0].message()
            .contains("In Progress is at its WIP limit (4 of 4)")
    );
    // Expedite cards do not count against the column limit; they have their own.
    assert!(check_placement(&b, newcomer, col, exp_lane).is_empty());
    add(&mut b, IN_PROGRESS, exp_lane, CardType::Incident);
    assert_eq!(
        rules(&check_placement(&b, newcomer, col, exp_lane)),
        vec![Rule::ExpediteLimit]
    );
    // Columns without a limit take anything.
    assert!(check_placement(&b, newcomer, b.columns[0].id, std_lane).is_empty());
}

#[test]
fn the_column_count_shown_is_the_count_the_limit_checks() {
    for counts in [false, true] {
        let policy = BoardPolicy {
            expedite_counts_toward_wip: counts,
            ..Default::default()
        };
        let mut b = board(policy);
        let (exp_lane, std_lane) = (expedite(&b).id, standard(&b).id);
        add(&mut b, REVIEW, std_lane, CardType::Feature);
        add(&mut b, REVIEW, exp_lane, CardType::Incident);
        // A card in a lane the board does not know still counts (never left out).
        add(
            &mut b,
            REVIEW,
            LaneId(uuid::Uuid::from_u128(99)),
            CardType::Feature,
        );
        let column = b.columns[REVIEW].id;
        assert_eq!(b.wip_count(column), if counts { 3 } else { 2 });
        let limit = u32::try_from(b.wip_count(column)).unwrap_or(u32::MAX);
        b.columns[REVIEW].wip_limit = Some(limit);
        let newcomer = Mover::new_card(CardType::Feature);
        let v = check_placement(&b, newcomer, column, std_lane);
        assert_eq!(rules(&v), vec![Rule::WipLimit], "counts {counts}");
        assert_eq!(v[0].current, limit);
    }
}

#[test]
fn expedite_can_be_made_to_count() {
    let policy = BoardPolicy {
        expedite_counts_toward_wip: true,
        expedite_limit: None,
        ..Default::default()
    };
    let mut b = board(policy);
    let exp_lane = expedite(&b).id;
    for _ in 0..3 {
        add(&mut b, REVIEW, exp_lane, CardType::Incident);
    }
    let v = check_placement(
        &b,
        Mover::new_card(CardType::Feature),
        b.columns[REVIEW].id,
        standard(&b).id,
    );
    assert_eq!(rules(&v), vec![Rule::WipLimit]);
}

#[test]
fn moves_within_a_full_or_overfull_column_are_allowed() {
    let mut b = board(BoardPolicy::default());
    let std_lane = standard(&b).id;
    let ids: Vec<_> = (0..5)
        .map(|_| add(&mut b, REVIEW, std_lane, CardType::Feature))
        .collect();
    let mover = moving(&b, ids[0]);
    assert!(check_placement(&b, mover, b.columns[REVIEW].id, std_lane).is_empty());
    // But another card cannot join the over-full column.
    let other = add(&mut b, 0, std_lane, CardType::Feature);
    let v = check_placement(&b, moving(&b, other), b.columns[REVIEW].id, std_lane);
    assert_eq!((v[0].limit, v[0].current), (3, 5));
}

#[test]
fn reserved_slots_round_up() {
    let with = |c, s| BoardPolicy {
        committed_capacity: Some(c),
        tech_debt_share: s,
        ..Default::default()
    };
    assert_eq!(with(10, 0.2).reserved_slots(), 2);
    assert_eq!(with(4, 0.2).reserved_slots(), 1);
    assert_eq!(with(5, 0.2).reserved_slots(), 1);
    assert_eq!(
        with(15, 0.2).reserved_slots(),
        3,
        "0.2 × 15 is 3.0000000000000004 in floats"
    );
    assert_eq!(with(7, 0.0).reserved_slots(), 0);
    assert_eq!(with(7, 1.0).reserved_slots(), 7);
    assert_eq!(
        BoardPolicy::default().reserved_slots(),
        0,
        "no capacity, no reservation"
    );
}

#[test]
fn tech_debt_allocation_table() {
    // (features committed, debt committed, mover type, expected rules); capacity 5, share
    // 0.2: one slot reserved for tech debt, four for the rest.
    let cases: &[(usize, usize, CardType, &[Rule])] = &[
        (3, 0, CardType::Feature, &[]),
        (4, 0, CardType::Feature, &[Rule::TechDebtAllocation]),
        (4, 0, CardType::Incident, &[Rule::TechDebtAllocation]),
        (4, 0, CardType::TechDebt, &[]),
        (3, 1, CardType::Feature, &[]),
        (2, 2, CardType::Feature, &[]),
        (4, 1, CardType::TechDebt, &[Rule::CommittedCapacity]),
        (
            4,
            1,
            CardType::Feature,
            &[Rule::CommittedCapacity, Rule::TechDebtAllocation],
        ),
        (1, 4, CardType::TechDebt, &[Rule::CommittedCapacity]),
    ];
    for &(features, debt, mover, expected) in cases {
        let mut policy = BoardPolicy {
            committed_capacity: Some(5),
            ..Default::default()
        };
        policy.expedite_limit = None;
        let mut b = board(policy);
        for c in &mut b.columns {
            c.wip_limit = None;
        }
        let std_lane = standard(&b).id;
        for i in 0..features {
            add(&mut b, IN_PROGRESS + i % 2, std_lane, CardType::Feature);
        }
        for _ in 0..debt {
            add(&mut b, REVIEW, std_lane, CardType::TechDebt);
        }
        let v = check_placement(
            &b,
            Mover::new_card(mover),
            b.columns[IN_PROGRESS].id,
            std_lane,
        );
        assert_eq!(
            rules(&v),
            expected,
            "{features} features, {debt} debt, moving {mover:?}"
        );
        if let Some(alloc) = v.iter().find(|v| v.rule == Rule::TechDebtAllocation) {
            assert_eq!(alloc.reserved, Some(1));
            assert_eq!(alloc.debt_cards, Some(debt as u32));
            assert!(alloc.message().contains("Pull a tech-debt card"));
        }
    }
}

#[test]
fn moving_between_active_columns_is_not_new_commitment() {
    let mut b = board(BoardPolicy {
        committed_capacity: Some(2),
        ..Default::default()
    });
    let std_lane = standard(&b).id;
    let a = add(&mut b, IN_PROGRESS, std_lane, CardType::Feature);
    add(&mut b, IN_PROGRESS, std_lane, CardType::Feature);
    let v = check_placement(&b, moving(&b, a), b.columns[REVIEW].id, std_lane);
    assert!(v.is_empty(), "{v:?}");
}

#[test]
fn policy_settings_are_checked() {
    assert!(BoardPolicy::default().validate().is_ok());
    let bad = BoardPolicy {
        tech_debt_share: 1.5,
        ..Default::default()
    };
    assert_eq!(bad.validate().unwrap_err().field(), "tech_debt_share");
    let bad = BoardPolicy {
        committed_capacity: Some(0),
        ..Default::default()
    };
    assert_eq!(bad.validate().unwrap_err().field(), "committed_capacity");
    assert_eq!(check_override_reason(Some("  ")).expect("ok"), None);
    assert!(check_override_reason(Some(&"x".repeat(501))).is_err());
}

#[test]
fn tech_debt_share_by_count_and_active_time() {
    use crate::event::{Actor, CardEvent, EventKind};
    use chrono::{Duration, TimeZone};
    let t = |h: i64| {
        Utc.with_ymd_and_hms(2026, 5, 1, 0, 0, 0)
            .single()
            .expect("t")
            + Duration::hours(h)
    };
    let mut b = board(BoardPolicy::default());
    let lane = standard(&b).id;
    let (backlog, doing, done) = (b.columns[0].id, b.columns[IN_PROGRESS].id, b.columns[4].id);
    let mut events = Vec::new();
    // A feature active 6h, a tech-debt card active 2h, both finished at hour 10; an old
    // tech-debt card finished before the period does not count.
    for (card_type, start, finished_at) in [
        (CardType::Feature, 4, 10),
        (CardType::TechDebt, 8, 10),
        (CardType::TechDebt, 0, 1),
    ] {
        let id = add(&mut b, 4, lane, card_type);
        let card = b.cards.iter_mut().find(|c| c.id == id).expect("card");
        card.column_entered_at = t(finished_at);
        let ev = |n: i64, at, kind| CardEvent {
            id: n,
            card_id: id,
            board_id: b.id,
            at,
            actor: Actor::system("t"),
            kind,
        };
        events.push(ev(
            1,
            t(0),
            EventKind::Created {
                column_id: backlog,
                lane_id: lane,
            },
        ));
        events.push(ev(
            2,
            t(start),
            EventKind::Moved {
                from_column_id: backlog,
                from_lane_id: lane,
                to_column_id: doing,
                to_lane_id: lane,
            },
        ));
        events.push(ev(
            3,
            t(finished_at),
            EventKind::Moved {
                from_column_id: doing,
                from_lane_id: lane,
                to_column_id: done,
                to_lane_id: lane,
            },
        ));
    }
    let share = tech_debt_share(&b, &events, t(5), t(12));
    assert_eq!(share.finished, 2);
    assert_eq!(share.by_count, Some(0.5));
    assert_eq!(share.by_active_time, Some(2.0 / 8.0));
    assert_eq!(share.target, 0.2);
    let none = tech_debt_share(&b, &events, t(11), t(12));
    assert_eq!(
        (none.finished, none.by_count, none.by_active_time),
        (0, None, None)
    );
}

proptest! {
    /// No sequence of accepted placements leaves a column, the Expedite lane or the
    /// committed area over its limit by more than the overrides recorded for it.
    #[test]
    fn limits_hold_except_by_recorded_override(
        capacity in proptest::option::of(2u32..8),
        share in 0.0f64..0.6,
        expedite_limit in proptest::option::of(1u32..3),
        expedite_counts_toward_wip in proptest::bool::ANY,
        ops in proptest::collection::vec((0usize..12, 0usize..5, 0usize..2, 0usize..3, proptest::bool::weighted(0.15)), 1..120),
    ) {
        let mut b = board(BoardPolicy {
            person_wip_limit: None,
            committed_capacity: capacity,
            tech_debt_share: share,
            expedite_limit,
            expedite_counts_toward_wip,
        });
        let mut overrides: std::collections::HashMap<(Rule, ColumnId), u32> = Default::default();
        let types = [CardType::Feature, CardType::Incident, CardType::TechDebt];
        for (card, column, lane, kind, force) in ops {
            let lane = b.lanes[lane].id;
            let column = b.columns[column].id;
            let existing = b.cards.get(card).map(|c| (c.id, c.card_type));
            let mover = match existing {
                Some((id, _)) => moving(&b, id),
                None => Mover::new_card(types[kind]),
            };
            let violations = check_placement(&b, mover, column, lane);
            // The counts cover only the cards the limits that apply count: the cards outside
            // the query change nothing, and a board without limits needs nothing counted.
            let query = PlacementQuery::of(&b, column, lane);
            let mut counted = b.clone();
            counted.cards.retain(|c| {
                [&query.wip, &query.expedite, &query.committed]
                    .iter()
                    .any(|set| set.as_ref().is_some_and(|s| s.holds(c.column_id, c.lane_id)))
            });
            prop_assert_eq!(&check_placement(&counted, mover, column, lane), &violations);
            let unlimited = b.column(column).is_some_and(|c| c.wip_limit.is_none())
                && capacity.is_none()
                && expedite_limit.is_none();
            if unlimited {
                prop_assert!(query.is_empty(), "no limit applies, yet {query:?}");
            }
            if !violations.is_empty() && !force {
                continue;
            }
            for v in &violations {
                let key = if v.rule == Rule::CommittedCapacity || v.rule == Rule::TechDebtAllocation {
                    (v.rule, ColumnId(uuid::Uuid::nil()))
                } else {
                    (v.rule, v.column_id)
                };
                *overrides.entry(key).or_default() += 1;
            }
            match existing {
                Some((id, _)) => {
                    let c = b.cards.iter_mut().find(|c| c.id == id).expect("card");
                    c.column_id = column;
                    c.lane_id = lane;
                }
                None => {
                    let idx = b.columns.iter().position(|c| c.id == column).expect("column");
                    add(&mut b, idx, lane, types[kind]);
                }
            }
            let std_lane = b.lanes[1].id;
            for col in &b.columns {
                if let Some(limit) = col.wip_limit {
                    let n = b.cards.iter()
                        .filter(|c| c.column_id == col.id && (c.lane_id == std_lane || expedite_counts_toward_wip))
                        .count() as u32;
                    let allowed = limit + overrides.get(&(Rule::WipLimit, col.id)).copied().unwrap_or(0);
                    prop_assert!(n <= allowed, "{} holds {} > {}", col.name, n, allowed);
                }
                if let Some(limit) = expedite_limit {
                    let exp = b.cards.iter().filter(|c| c.column_id == col.id && c.lane_id != std_lane).count() as u32;
                    let allowed = limit + overrides.get(&(Rule::ExpediteLimit, col.id)).copied().unwrap_or(0);
                    prop_assert!(exp <= allowed);
                }
            }
            if let Some(cap) = capacity {
                let active: Vec<_> = b.cards.iter()
                    .filter(|c| c.lane_id == std_lane && b.column(c.column_id).is_some_and(|col| col.kind == ColumnKind::Active))
                    .collect();
                let nil = ColumnId(uuid::Uuid::nil());
                let allowed = cap + overrides.get(&(Rule::CommittedCapacity, nil)).copied().unwrap_or(0);
                prop_assert!(active.len() as u32 <= allowed);
                let non_debt = active.iter().filter(|c| c.card_type != CardType::TechDebt).count() as u32;
                let reserved = b.policy.reserved_slots().min(cap);
                let allowed = cap - reserved + overrides.get(&(Rule::TechDebtAllocation, nil)).copied().unwrap_or(0);
                prop_assert!(non_debt <= allowed, "non-debt {} > {}", non_debt, allowed);
            }
        }
    }
}

/// The per-person limit as the store judges it, loads tallied from the board's cards.
fn check_person(
    b: &Board,
    from: Option<ColumnId>,
    column: ColumnId,
    users: &[UserId],
) -> Vec<Violation> {
    let Some(query) = PersonQuery::of(b, from, column, users) else {
        return Vec::new();
    };
    let loads = PersonLoad::tally(
        &query,
        |u| format!("user {}", u.0.as_u128()),
        &b.cards,
        None,
    );
    check_person_limit(b, column, &loads)
}

fn owned(b: &mut Board, column: usize, owner: UserId) -> CardId {
    let lane = standard(b).id;
    let id = add(b, column, lane, CardType::Feature);
    if let Some(card) = b.cards.iter_mut().find(|c| c.id == id) {
        card.assignees.push(owner);
    }
    id
}

use crate::ids::UserId;

#[test]
fn a_persons_limit_counts_their_cards_in_every_active_column() {
    let mut b = board(BoardPolicy {
        person_wip_limit: Some(2),
        ..BoardPolicy::default()
    });
    let (ada, bob) = (
        UserId(uuid::Uuid::from_u128(1)),
        UserId(uuid::Uuid::from_u128(2)),
    );
    let (backlog, in_progress, review) = (
        b.columns[0].id,
        b.columns[IN_PROGRESS].id,
        b.columns[REVIEW].id,
    );
    owned(&mut b, IN_PROGRESS, ada);
    owned(&mut b, REVIEW, ada);
    owned(&mut b, 4, ada); // Done: not counted.
    owned(&mut b, 1, ada); // Ready (a queue): not counted.
    // Ada is at her limit: pulling her card from the backlog, or assigning her to a card in
    // progress, is refused, naming her cards.
    let refused = check_person(&b, Some(backlog), in_progress, &[ada, bob]);
    assert_eq!(rules(&refused), [Rule::PersonWipLimit]);
    let person = refused[0].person.clone().expect("the person");
    assert_eq!((person.user_id, person.cards.len()), (ada, 2));
    assert!(
        refused[0].message().contains("user 1 already has 2 of 2"),
        "{}",
        refused[0].message()
    );
    assert!(
        refused[0].message().contains("#1, #2"),
        "{}",
        refused[0].message()
    );
    assert_eq!(
        rules(&check_person(&b, None, review, &[ada])),
        [Rule::PersonWipLimit]
    );
    // Moving between active columns adds nothing to her load; Bob has room; a queue column
    // is not work in progress.
    assert!(check_person(&b, Some(in_progress), review, &[ada]).is_empty());
    assert!(check_person(&b, Some(backlog), in_progress, &[bob]).is_empty());
    assert!(check_person(&b, Some(backlog), b.columns[1].id, &[ada]).is_empty());
    // Without a limit nothing is counted at all.
    b.policy.person_wip_limit = None;
    assert_eq!(
        PersonQuery::of(&b, Some(backlog), in_progress, &[ada]),
        None
    );
}

proptest! {
    /// However cards are pulled and people assigned, nobody owns more cards in active
    /// columns than the limit unless a refusal was overridden.
    #[test]
    fn nobody_passes_their_limit_without_an_override(
        limit in 1u32..4,
        steps in proptest::collection::vec((0usize..12, 0usize..5, 0u128..3, any::<bool>()), 1..60),
    ) {
        let mut b = board(BoardPolicy { person_wip_limit: Some(limit), ..BoardPolicy::default() });
        let people: Vec<UserId> = (0..3).map(|n| UserId(uuid::Uuid::from_u128(n))).collect();
        let lane = standard(&b).id;
        for n in 0..12 {
            let id = add(&mut b, 0, lane, CardType::Feature);
            if let Some(card) = b.cards.iter_mut().find(|c| c.id == id) {
                card.assignees.push(people[n % 3]);
            }
        }
        for (card, column, person, assign) in steps {
            let target = b.columns[column].id;
            let (id, from, owners) = {
                let c = &b.cards[card];
                (c.id, c.column_id, c.assignees.clone())
            };
            if assign {
                let who = people[person as usize];
                if owners.contains(&who) { continue; }
                let refused = check_person(&b, None, from, &[who]);
                if refused.is_empty() {
                    b.cards.iter_mut().find(|c| c.id == id).expect("card").assignees.push(who);
                }
            } else {
                let query = PersonQuery::of(&b, Some(from), target, &owners);
                let refused = query.map(|q| {
                    let loads = PersonLoad::tally(&q, |_| String::new(), &b.cards, Some(id));
                    check_person_limit(&b, target, &loads)
                }).unwrap_or_default();
                if refused.is_empty() {
                    b.cards.iter_mut().find(|c| c.id == id).expect("card").column_id = target;
                }
            }
            for who in &people {
                let load = b.cards.iter()
                    .filter(|c| c.assignees.contains(who))
                    .filter(|c| b.column(c.column_id).is_some_and(|col| col.kind == ColumnKind::Active))
                    .count();
                prop_assert!(load as u32 <= limit, "{} > {}", load, limit);
            }
        }
    }
}
