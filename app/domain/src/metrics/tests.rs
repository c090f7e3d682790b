//! Hand-computed fixtures for every metric definition.

use super::*;
use crate::board::{Column, NewBoard};
use crate::card::Card;
use crate::event::Actor;
use crate::event::EventKind;
use crate::ids::{BoardId, LaneId};
use crate::policy::{BoardPolicy, Rule};
use chrono::{Days, Duration, TimeZone};
use proptest::prelude::*;

// The default columns: Backlog and Ready (queue), In Progress and Review (active), Done.
const BACKLOG: usize = 0;
const READY: usize = 1;
const IN_PROGRESS: usize = 2;
const REVIEW: usize = 3;
const DONE: usize = 4;
const H: i64 = 3600;

/// Hour `h` counted from Monday 2026-03-02 00:00 UTC, day 0 of every fixture.
fn t(h: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0)
        .single()
        .expect("valid time")
        + Duration::hours(h)
}

/// Day `d` counted from 2026-03-02.
fn day(d: u64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 2).expect("valid date") + Days::new(d)
}

fn window(from: u64, to: u64) -> Window {
    Window::new(day(from), day(to)).expect("valid window")
}

/// Stats from hours, to write expectations the way the fixtures are drawn.
fn hours(count: u32, mean: i64, p50: i64, p85: i64, p95: i64) -> Stats {
    Stats {
        count,
        mean_s: Some(mean * H),
        p50_s: Some(p50 * H),
        p85_s: Some(p85 * H),
        p95_s: Some(p95 * H),
    }
}

/// One value, in hours: every statistic is that value.
fn one(h: i64) -> Stats {
    hours(1, h, h, h, h)
}

struct Fixture {
    board: Board,
    events: Vec<CardEvent>,
}

impl Fixture {
    fn new() -> Self {
        let d = NewBoard {
            name: "Metrics".into(),
            ..Default::default()
        }
        .validate(uuid::Uuid::now_v7)
        .expect("valid board");
        Self {
            board: Board {
                id: BoardId::new(),
                slug: d.slug,
                name: d.name,
                description: String::new(),
                created_at: t(-1000),
                columns: d.columns,
                lanes: d.lanes,
                policy: BoardPolicy::default(),
                incidents: Default::default(),
                labels: Vec::new(),
                cards: Vec::new(),
            },
            events: Vec::new(),
        }
    }

    fn col(&self, index: usize) -> ColumnId {
        self.board.columns[index].id
    }

    fn lane(&self) -> LaneId {
        self.board.lanes[1].id
    }

    /// A card on the board, without events, created in `column` at hour `created`.
    fn bare_card(&mut self, card_type: CardType, column: usize, created: i64) -> CardId {
        let id = CardId::new();
        let cell = (self.board.id, self.col(column), self.lane());
        self.board.cards.push(Card {
            id,
            number: self.board.cards.len() as i64 + 1,
            card_type,
            severity: (card_type == CardType::Incident).then_some(crate::Severity::Sev3),
            ..Card::sample(cell, t(created))
        });
        id
    }

    /// A card created in `path[0]`'s column at its hour, then moved along the rest.
    fn card(&mut self, card_type: CardType, path: &[(usize, i64)]) -> CardId {
        let (first, created) = path[0];
        let id = self.bare_card(card_type, first, created);
        let lane = self.lane();
        self.event(
            id,
            created,
            EventKind::Created {
                column_id: self.col(first),
                lane_id: lane,
            },
        );
        for pair in path.windows(2) {
            self.moved(id, pair[1].1, pair[0].0, pair[1].0);
        }
        let (last, at) = path[path.len() - 1];
        let card = self.board.cards.last_mut().expect("card");
        card.column_id = self.board.columns[last].id;
        card.column_entered_at = t(at);
        id
    }

    fn moved(&mut self, card: CardId, h: i64, from: usize, to: usize) {
        let lane = self.lane();
        self.event(
            card,
            h,
            EventKind::Moved {
                from_column_id: self.col(from),
                from_lane_id: lane,
                to_column_id: self.col(to),
                to_lane_id: lane,
            },
        );
    }

    fn overridden(&mut self, card: CardId, h: i64, rule: Rule) {
        let column_id = self.col(IN_PROGRESS);
        self.event(
            card,
            h,
            EventKind::PolicyOverridden {
                user_id: None,
                rule,
                column_id,
                limit: 4,
                current: 4,
                reason: "release".into(),
            },
        );
    }

    /// Discards `card` at hour `h` (it stays in its column, off the board).
    fn discard(&mut self, card: CardId, h: i64) {
        let (column_id, lane_id) = {
            let c = self
                .board
                .cards
                .iter_mut()
                .find(|c| c.id == card)
                .expect("card");
            c.discarded = Some(crate::discard::Discard {
                at: t(h),
                reason: "duplicate".into(),
                by: "ana".into(),
            });
            (c.column_id, c.lane_id)
        };
        let reason = "duplicate".into();
        let kind = EventKind::Discarded {
            reason,
            column_id,
            lane_id,
        };
        self.event(card, h, kind);
    }

    /// Restores `card` at hour `h`.
    fn restore(&mut self, card: CardId, h: i64) {
        let (column_id, lane_id) = {
            let c = self
                .board
                .cards
                .iter_mut()
                .find(|c| c.id == card)
                .expect("card");
            c.discarded = None;
            (c.column_id, c.lane_id)
        };
        self.event(card, h, EventKind::Restored { column_id, lane_id });
    }

    fn event(&mut self, card_id: CardId, h: i64, kind: EventKind) {
        self.events.push(CardEvent {
            id: self.events.len() as i64,
            card_id,
            board_id: self.board.id,
            at: t(h),
            actor: Actor::user("ana"),
            kind,
        });
    }

    /// The log as storage returns it: ordered by id, ids following time, cards interleaved.
    fn log(&self) -> Vec<CardEvent> {
        let mut events = self.events.clone();
        events.sort_by_key(|e| (e.at, e.id));
        for (id, e) in (1..).zip(&mut events) {
            e.id = id;
        }
        events
    }

    fn metrics(&self, window: Window, now: i64) -> FlowMetrics {
        compute(
            &self.board,
            &MetricCard::of(&self.board.cards),
            &self.log(),
            window,
            t(now),
        )
        .expect("metrics")
    }

    /// CFD count of a column on day `d` of the window.
    fn cfd(&self, m: &FlowMetrics, d: usize, column: usize) -> u32 {
        m.cfd[d].counts[&self.col(column).to_string()]
    }

    /// CFD counts of every column, in board order, on day `d` of the window.
    fn cfd_row(&self, m: &FlowMetrics, d: usize) -> Vec<u32> {
        (0..self.board.columns.len())
            .map(|c| self.cfd(m, d, c))
            .collect()
    }
}

fn wip(m: &FlowMetrics) -> Vec<u32> {
    m.wip.iter().map(|w| w.count).collect()
}

fn totals(m: &FlowMetrics) -> Vec<u32> {
    m.throughput.iter().map(|d| d.total).collect()
}

#[test]
fn nearest_rank_percentiles_on_small_lists() {
    let mut ten = vec![7, 3, 10, 1, 9, 2, 8, 5, 6, 4];
    let s = Stats::from_seconds(&mut ten);
    // Ranks: ceil(0.50 × 10) = 5, ceil(0.85 × 10) = 9, ceil(0.95 × 10) = 10; mean 5.5 → 6.
    assert_eq!(
        (s.count, s.mean_s, s.p50_s, s.p85_s, s.p95_s),
        (10, Some(6), Some(5), Some(9), Some(10))
    );
    assert_eq!(ten, (1..=10).collect::<Vec<_>>(), "sorted in place");

    let s = Stats::from_seconds(&mut [42]);
    assert_eq!(
        (s.count, s.mean_s, s.p50_s, s.p85_s, s.p95_s),
        (1, Some(42), Some(42), Some(42), Some(42))
    );

    // Four values: ranks 2, 4, 4. Mean 25.
    let s = Stats::from_seconds(&mut [40, 10, 30, 20]);
    assert_eq!(
        (s.mean_s, s.p50_s, s.p85_s, s.p95_s),
        (Some(25), Some(20), Some(40), Some(40))
    );
    // Twenty values 1..=20: ranks 10, 17, 19.
    let mut twenty: Vec<i64> = (1..=20).rev().collect();
    let s = Stats::from_seconds(&mut twenty);
    assert_eq!((s.p50_s, s.p85_s, s.p95_s), (Some(10), Some(17), Some(19)));

    // Means round to the nearest second, halves away from zero.
    assert_eq!(Stats::from_seconds(&mut [1, 2]).mean_s, Some(2));
    assert_eq!(Stats::from_seconds(&mut [1, 1, 2]).mean_s, Some(1));
    assert_eq!(Stats::from_seconds(&mut [1, 2, 2]).mean_s, Some(2));

    assert_eq!(Stats::from_seconds(&mut Vec::new()), Stats::default());
    assert_eq!(
        Stats::default(),
        Stats {
            count: 0,
            mean_s: None,
            p50_s: None,
            p85_s: None,
            p95_s: None
        }
    );
}

#[test]
fn window_bounds_are_checked() {
    let w = window(0, 0);
    assert_eq!((w.start(), w.end(), w.days()), (t(0), t(24), 1));
    assert!(w.contains(t(0)) && !w.contains(t(24)));
    let w = window(2, 4);
    assert_eq!(
        (w.from(), w.to(), w.start(), w.end()),
        (day(2), day(4), t(48), t(120))
    );
    assert_eq!(w.days(), 3);

    let err = Window::new(day(3), day(2)).unwrap_err();
    assert_eq!(err.field(), "to");
    let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("date");
    // Exactly three years: 2023-01-01..=2025-12-31 (1,096 days).
    let longest = Window::new(date(2023, 1, 1), date(2025, 12, 31)).expect("3 years");
    assert_eq!(longest.days(), 1096);
    let err = Window::new(date(2023, 1, 1), date(2026, 1, 1)).unwrap_err();
    assert_eq!(err.field(), "to");
    assert!(err.to_string().contains("3 years"), "{err}");
    assert_eq!(
        Window::new(NaiveDate::MIN, NaiveDate::MAX)
            .unwrap_err()
            .field(),
        "to"
    );
}

#[test]
fn backward_moves_add_up_their_visits() {
    let mut fx = Fixture::new();
    // Backlog 0–2h, In Progress 2–5h, Review 5–6h, back to In Progress 6–9h, Review 9–10h,
    // Done at 10h. A lane change, an edit and a block in between move nothing; the block (at
    // 8h, never lifted) makes 8–10h waiting for flow efficiency.
    let a = fx.card(
        CardType::Feature,
        &[
            (BACKLOG, 0),
            (IN_PROGRESS, 2),
            (REVIEW, 5),
            (IN_PROGRESS, 6),
            (REVIEW, 9),
            (DONE, 10),
        ],
    );
    let (col, expedite, standard) = (fx.col(IN_PROGRESS), fx.board.lanes[0].id, fx.lane());
    fx.event(
        a,
        7,
        EventKind::Moved {
            from_column_id: col,
            from_lane_id: standard,
            to_column_id: col,
            to_lane_id: expedite,
        },
    );
    fx.event(
        a,
        7,
        EventKind::Edited {
            fields: vec!["title".into()],
        },
    );
    fx.event(
        a,
        8,
        EventKind::Blocked {
            reason: "waiting".into(),
        },
    );
    let m = fx.metrics(window(0, 0), 48);

    assert_eq!((m.population, m.uncommitted), (1, 0));
    let time: Vec<&Stats> = m.columns.iter().map(|c| &c.time_in_column).collect();
    assert_eq!(*time[BACKLOG], one(2));
    assert_eq!(*time[READY], Stats::default(), "never visited");
    assert_eq!(*time[IN_PROGRESS], one(6), "3h + 3h");
    assert_eq!(*time[REVIEW], one(2), "1h + 1h");
    assert_eq!(*time[DONE], Stats::default(), "completion ends the measure");
    assert_eq!(m.cycle_time, one(8), "10h − 2h");
    assert_eq!(m.lead_time, one(10));
    assert_eq!(
        m.flow_efficiency,
        Some(6.0 / 8.0),
        "8h in active columns, 2h of them blocked, of 8h"
    );
    assert_eq!(
        m.tech_debt_share.by_active_time,
        Some(0.0),
        "active time for the allocation still counts the blocked hours as held capacity"
    );
    let names: Vec<&str> = m.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        ["Backlog", "Ready", "In Progress", "Review", "Done"],
        "board order"
    );
    assert_eq!(m.columns[REVIEW].kind, ColumnKind::Active);
}

#[test]
fn reopened_cards_complete_at_their_last_done_entry() {
    let mut fx = Fixture::new();
    // Done at 3h, reopened at 5h, done again at 8h: completed at 8h.
    fx.card(
        CardType::Feature,
        &[
            (BACKLOG, 0),
            (IN_PROGRESS, 1),
            (DONE, 3),
            (IN_PROGRESS, 5),
            (DONE, 8),
        ],
    );
    // Done at 3h, reopened at 20h and still in progress at the end of the day.
    let b = fx.card(
        CardType::Feature,
        &[(BACKLOG, 0), (IN_PROGRESS, 1), (DONE, 3), (IN_PROGRESS, 20)],
    );
    let m = fx.metrics(window(0, 0), 48);

    assert_eq!(m.population, 1, "the reopened, unfinished card is out");
    assert_eq!(m.cycle_time, one(7), "8h − first commitment at 1h");
    assert_eq!(m.lead_time, one(8));
    assert_eq!(m.columns[IN_PROGRESS].time_in_column, one(5), "2h + 3h");
    assert_eq!(
        m.columns[DONE].time_in_column,
        one(2),
        "the first stay in Done, 3h–5h"
    );
    assert_eq!(totals(&m), [1]);
    assert_eq!(m.flow_efficiency, Some(5.0 / 7.0));
    // The reopened card ages from its first commitment, to the end of the window.
    assert_eq!(
        m.aging_wip,
        [AgingCard {
            card_id: b,
            column_id: fx.col(IN_PROGRESS),
            age_s: 23 * H
        }]
    );
}

#[test]
fn moving_on_between_done_columns_is_not_a_new_completion() {
    let mut fx = Fixture::new();
    fx.board.columns.push(Column {
        id: ColumnId::new(),
        name: "Released".into(),
        kind: ColumnKind::Done,
        wip_limit: None,
        position: 5,
    });
    const RELEASED: usize = 5;
    // Done at 4h, released at 10h: completed at 4h.
    fx.card(
        CardType::Feature,
        &[(BACKLOG, 0), (IN_PROGRESS, 1), (DONE, 4), (RELEASED, 10)],
    );
    // Done at 3h, reopened at 5h, done at 7h, released at 9h: completed at 7h.
    fx.card(
        CardType::Feature,
        &[
            (BACKLOG, 0),
            (IN_PROGRESS, 1),
            (DONE, 3),
            (IN_PROGRESS, 5),
            (DONE, 7),
            (RELEASED, 9),
        ],
    );
    let m = fx.metrics(window(0, 0), 48);

    assert_eq!(m.population, 2);
    // Cycle times 3h and 6h: mean 4.5h, p50 at rank 1, p85 and p95 at rank 2.
    assert_eq!(
        m.cycle_time,
        Stats {
            count: 2,
            mean_s: Some(16_200),
            p50_s: Some(3 * H),
            p85_s: Some(6 * H),
            p95_s: Some(6 * H),
        }
    );
    assert_eq!(m.columns[DONE].time_in_column, one(2), "only 3h–5h");
    assert_eq!(m.columns[RELEASED].time_in_column, Stats::default());
    assert_eq!(fx.cfd_row(&m, 0), [0, 0, 0, 0, 0, 2]);
}

#[test]
fn cards_created_before_the_window_and_cards_still_open() {
    let mut fx = Fixture::new();
    // The window is days 2–3: hours 48–96.
    // A: created on day 0, done on day 2: in, with its whole lead time.
    fx.card(
        CardType::Feature,
        &[(BACKLOG, 0), (IN_PROGRESS, 10), (DONE, 50)],
    );
    // B: committed on day 1, still in progress.
    let b = fx.card(CardType::Feature, &[(BACKLOG, 0), (IN_PROGRESS, 30)]);
    // C: created in the window, still in the backlog.
    fx.card(CardType::TechDebt, &[(BACKLOG, 60)]);
    // D: done before the window.
    fx.card(
        CardType::Feature,
        &[(BACKLOG, 0), (IN_PROGRESS, 5), (DONE, 20)],
    );
    // E: done after the window, in progress at its end.
    let e = fx.card(
        CardType::Feature,
        &[(BACKLOG, 0), (IN_PROGRESS, 40), (DONE, 100)],
    );
    let m = fx.metrics(window(2, 3), 200);

    assert_eq!((m.from, m.to), (day(2), day(3)));
    assert_eq!(m.population, 1);
    assert_eq!(m.lead_time, one(50));
    assert_eq!(m.cycle_time, one(40));
    assert_eq!(m.columns[BACKLOG].time_in_column, one(10));
    assert_eq!(totals(&m), [1, 0]);
    // Both days end with A and D done, B and E in progress, C in the backlog.
    assert_eq!(fx.cfd_row(&m, 0), [1, 0, 2, 0, 2]);
    assert_eq!(fx.cfd_row(&m, 1), [1, 0, 2, 0, 2]);
    assert_eq!(wip(&m), [2, 2]);
    // B committed at 30h, E at 40h; the window ends at 96h.
    let aging: Vec<_> = m.aging_wip.iter().map(|a| (a.card_id, a.age_s)).collect();
    assert_eq!(aging, [(b, 66 * H), (e, 56 * H)]);
}

#[test]
fn an_empty_window_gives_zeros_and_nulls() {
    let mut fx = Fixture::new();
    // One card, done long before the window; nothing happens in it.
    fx.card(
        CardType::Feature,
        &[(BACKLOG, 0), (IN_PROGRESS, 1), (DONE, 2)],
    );
    let m = fx.metrics(window(5, 7), 500);

    assert_eq!((m.population, m.uncommitted), (0, 0));
    assert_eq!(m.cycle_time, Stats::default());
    assert_eq!(m.lead_time, Stats::default());
    assert!(
        m.columns
            .iter()
            .all(|c| c.time_in_column == Stats::default())
    );
    assert_eq!(totals(&m), [0, 0, 0]);
    assert_eq!(
        m.throughput.iter().map(|d| d.date).collect::<Vec<_>>(),
        [day(5), day(6), day(7)]
    );
    assert_eq!(fx.cfd_row(&m, 2), [0, 0, 0, 0, 1]);
    assert_eq!(wip(&m), [0, 0, 0]);
    assert_eq!(m.flow_distribution, TypeCounts::default());
    assert_eq!(
        m.tech_debt_share,
        TechDebtShare {
            finished: 0,
            by_count: None,
            by_active_time: None,
            target: 0.2
        }
    );
    assert_eq!(m.flow_efficiency, None);
    assert!(m.aging_wip.is_empty());
    assert_eq!(
        m.incidents,
        Incidents {
            created: 0,
            restored: 0,
            time_to_restore: Stats::default()
        }
    );
    assert!(m.overrides.is_empty());

    // A board with no cards at all: every column is still in the CFD.
    let fx = Fixture::new();
    let m = fx.metrics(window(0, 0), 0);
    assert_eq!(m.population, 0);
    assert_eq!(fx.cfd_row(&m, 0), [0, 0, 0, 0, 0]);
    let json = serde_json::to_value(&m).expect("json");
    assert!(json["cycle_time"]["p50_s"].is_null());
    assert!(json["flow_efficiency"].is_null());
    assert_eq!(json["cycle_time"]["count"], 0);
}

#[test]
fn a_quiet_day_has_zero_throughput_and_carries_the_cfd() {
    let mut fx = Fixture::new();
    // A: done on day 0. B: started on day 0, nothing on day 1, done on day 2.
    fx.card(
        CardType::Feature,
        &[(BACKLOG, 0), (IN_PROGRESS, 2), (DONE, 4)],
    );
    fx.card(
        CardType::Feature,
        &[(BACKLOG, 1), (IN_PROGRESS, 3), (DONE, 50)],
    );
    let m = fx.metrics(window(0, 2), 100);

    assert_eq!(totals(&m), [1, 0, 1]);
    assert_eq!(fx.cfd_row(&m, 0), [0, 0, 1, 0, 1]);
    assert_eq!(fx.cfd_row(&m, 1), [0, 0, 1, 0, 1], "day 1 carries day 0");
    assert_eq!(fx.cfd_row(&m, 2), [0, 0, 0, 0, 2]);
    assert_eq!(wip(&m), [1, 1, 0]);
    // Cycle times 2h and 47h: mean 24.5h, rounded to the second.
    assert_eq!(m.cycle_time.mean_s, Some(88_200));
}

#[test]
fn moves_at_midnight_belong_to_the_next_day() {
    let mut fx = Fixture::new();
    // Enters In Progress exactly at the end of day 0 and Done exactly at the end of day 1.
    fx.card(
        CardType::Feature,
        &[(BACKLOG, 0), (IN_PROGRESS, 24), (DONE, 48)],
    );
    let m = fx.metrics(window(0, 2), 100);
    assert_eq!(fx.cfd_row(&m, 0), [1, 0, 0, 0, 0]);
    assert_eq!(fx.cfd_row(&m, 1), [0, 0, 1, 0, 0]);
    assert_eq!(fx.cfd_row(&m, 2), [0, 0, 0, 0, 1]);
    assert_eq!(totals(&m), [0, 0, 1]);
    // Completed at the start of day 2: outside a window ending with day 1.
    let m = fx.metrics(window(0, 1), 100);
    assert_eq!(m.population, 0);
    assert_eq!(m.aging_wip.len(), 1);
}

#[test]
fn never_committed_cards_count_for_lead_time_only() {
    let mut fx = Fixture::new();
    // A goes straight from Backlog to Done at 6h; B is worked on from 2h to 6h.
    fx.card(CardType::Feature, &[(BACKLOG, 0), (DONE, 6)]);
    fx.card(
        CardType::Feature,
        &[(BACKLOG, 0), (IN_PROGRESS, 2), (DONE, 6)],
    );
    let m = fx.metrics(window(0, 0), 48);

    assert_eq!((m.population, m.uncommitted), (2, 1));
    assert_eq!(m.cycle_time, one(4));
    assert_eq!(m.lead_time, hours(2, 6, 6, 6, 6));
    assert_eq!(m.columns[BACKLOG].time_in_column, hours(2, 4, 2, 6, 6));
    assert_eq!(m.flow_efficiency, Some(1.0), "A has no cycle time to add");
    assert_eq!(totals(&m), [2]);
}

#[test]
fn flow_efficiency_and_tech_debt_share() {
    let mut fx = Fixture::new();
    // F: In Progress 1–3h, sent back to Ready 3–5h, In Progress 5–9h, done at 9h:
    // cycle 8h, active 6h.
    fx.card(
        CardType::Feature,
        &[
            (BACKLOG, 0),
            (IN_PROGRESS, 1),
            (READY, 3),
            (IN_PROGRESS, 5),
            (DONE, 9),
        ],
    );
    // T: In Progress 2–4h, Review 4–6h, done at 6h: cycle 4h, active 4h.
    fx.card(
        CardType::TechDebt,
        &[(BACKLOG, 0), (IN_PROGRESS, 2), (REVIEW, 4), (DONE, 6)],
    );
    // U: never committed, no active time.
    fx.card(CardType::Feature, &[(BACKLOG, 0), (DONE, 1)]);
    let m = fx.metrics(window(0, 0), 48);

    assert_eq!(
        m.flow_efficiency,
        Some(10.0 / 12.0),
        "(6h + 4h) / (8h + 4h)"
    );
    assert_eq!(
        m.tech_debt_share,
        TechDebtShare {
            finished: 3,
            by_count: Some(1.0 / 3.0),
            by_active_time: Some(4.0 / 10.0),
            target: 0.2,
        }
    );
    assert_eq!(
        m.flow_distribution,
        TypeCounts {
            feature: 2,
            incident: 0,
            tech_debt: 1
        }
    );
    assert_eq!(m.columns[READY].time_in_column, one(2));
}

#[test]
fn throughput_flow_distribution_and_incidents() {
    let mut fx = Fixture::new();
    fx.board.policy.tech_debt_share = 0.3;
    // The window is days 0–1 (hours 0–48).
    fx.card(
        CardType::Feature,
        &[(BACKLOG, 0), (IN_PROGRESS, 1), (DONE, 5)],
    );
    fx.card(
        CardType::TechDebt,
        &[(BACKLOG, 0), (IN_PROGRESS, 2), (DONE, 30)],
    );
    // Incidents, restored in 12h (created before the window), 4h, 8h, and one still open.
    fx.card(
        CardType::Incident,
        &[(BACKLOG, -10), (IN_PROGRESS, -9), (DONE, 2)],
    );
    fx.card(
        CardType::Incident,
        &[(BACKLOG, 3), (IN_PROGRESS, 4), (DONE, 7)],
    );
    fx.card(
        CardType::Incident,
        &[(BACKLOG, 20), (IN_PROGRESS, 21), (DONE, 28)],
    );
    fx.card(CardType::Incident, &[(BACKLOG, 40), (IN_PROGRESS, 41)]);
    let m = fx.metrics(window(0, 1), 100);

    let by_type: Vec<_> = m.throughput.iter().map(|d| (d.date, d.by_type)).collect();
    assert_eq!(
        by_type,
        [
            (
                day(0),
                TypeCounts {
                    feature: 1,
                    incident: 2,
                    tech_debt: 0
                }
            ),
            (
                day(1),
                TypeCounts {
                    feature: 0,
                    incident: 1,
                    tech_debt: 1
                }
            ),
        ]
    );
    assert_eq!(totals(&m), [3, 2]);
    assert_eq!(
        m.flow_distribution,
        TypeCounts {
            feature: 1,
            incident: 3,
            tech_debt: 1
        }
    );
    assert_eq!(m.population, 5);
    assert_eq!(m.tech_debt_share.target, 0.3);
    // Restore times 4h, 8h, 12h: ranks 2, 3, 3.
    assert_eq!(
        m.incidents,
        Incidents {
            created: 3,
            restored: 3,
            time_to_restore: hours(3, 8, 8, 12, 12),
        }
    );
}

#[test]
fn overrides_are_counted_per_rule_inside_the_window_only() {
    let mut fx = Fixture::new();
    let a = fx.card(CardType::Feature, &[(BACKLOG, 0), (IN_PROGRESS, 30)]);
    // The window is day 1: hours 24 (included) to 48 (excluded).
    fx.overridden(a, 23, Rule::WipLimit);
    fx.overridden(a, 24, Rule::WipLimit);
    fx.overridden(a, 30, Rule::WipLimit);
    fx.overridden(a, 30, Rule::TechDebtAllocation);
    fx.overridden(a, 47, Rule::CommittedCapacity);
    fx.overridden(a, 48, Rule::ExpediteLimit);
    let m = fx.metrics(window(1, 1), 100);

    let expected: BTreeMap<String, u32> = [
        ("committed_capacity".to_owned(), 1),
        ("tech_debt_allocation".to_owned(), 1),
        ("wip_limit".to_owned(), 2),
    ]
    .into();
    assert_eq!(m.overrides, expected);
    assert_eq!(wip(&m), [1], "overrides move nothing");
}

#[test]
fn aging_wip_is_oldest_first_and_stops_at_now() {
    let mut fx = Fixture::new();
    // The window ends at 72h but it is only 50h: ages are counted to 50h.
    // A: committed at 10h, now in Review: 40h.
    let a = fx.card(
        CardType::Feature,
        &[(BACKLOG, 0), (IN_PROGRESS, 10), (REVIEW, 20)],
    );
    // B: started, then sent back to Ready: not in progress.
    fx.card(
        CardType::Feature,
        &[(BACKLOG, 0), (IN_PROGRESS, 2), (READY, 4)],
    );
    // C: straight into Review at 30h: 20h.
    let c = fx.card(CardType::Incident, &[(BACKLOG, 0), (REVIEW, 30)]);
    // D: first committed at 5h, back to Ready at 6h, in progress again at 40h: 45h.
    let d = fx.card(
        CardType::TechDebt,
        &[
            (BACKLOG, 0),
            (IN_PROGRESS, 5),
            (READY, 6),
            (IN_PROGRESS, 40),
        ],
    );
    // E and F: both committed at 45h, so both 5h old; the lower card number comes first.
    let e = fx.card(CardType::Feature, &[(BACKLOG, 0), (IN_PROGRESS, 45)]);
    let f = fx.card(CardType::Feature, &[(BACKLOG, 0), (REVIEW, 45)]);
    let m = fx.metrics(window(0, 2), 50);

    let aging: Vec<_> = m
        .aging_wip
        .iter()
        .map(|x| (x.card_id, x.column_id, x.age_s / H))
        .collect();
    assert_eq!(
        aging,
        [
            (d, fx.col(IN_PROGRESS), 45),
            (a, fx.col(REVIEW), 40),
            (c, fx.col(REVIEW), 20),
            (e, fx.col(IN_PROGRESS), 5),
            (f, fx.col(REVIEW), 5),
        ]
    );
    assert_eq!(
        wip(&m).last(),
        Some(&5),
        "the same cards as the last WIP point"
    );

    // A past window ages cards to its own end, whatever `now` is.
    let m = fx.metrics(window(0, 0), 500);
    let aging: Vec<_> = m.aging_wip.iter().map(|x| (x.card_id, x.age_s)).collect();
    assert_eq!(aging, [(a, 14 * H)]);
}

#[test]
fn incomplete_logs_are_read_as_far_as_they_go() {
    let mut fx = Fixture::new();
    // A card with no events at all sits in its column from its creation.
    let quiet = fx.bare_card(CardType::Feature, IN_PROGRESS, 2);
    // A card whose `created` event is missing was in the column its first move left.
    let moved = fx.bare_card(CardType::Feature, READY, 0);
    fx.moved(moved, 5, READY, DONE);
    fx.board.cards[1].column_id = fx.col(DONE);
    // Events of cards not (yet) on the board are ignored.
    let (ghost, column_id, lane_id) = (CardId::new(), fx.col(DONE), fx.lane());
    fx.event(ghost, 1, EventKind::Created { column_id, lane_id });
    let m = fx.metrics(window(0, 0), 48);

    assert_eq!(fx.cfd_row(&m, 0), [0, 0, 1, 0, 1]);
    assert_eq!((m.population, m.uncommitted), (1, 1));
    assert_eq!(m.columns[READY].time_in_column, one(5));
    assert_eq!(m.lead_time, one(5));
    let aging: Vec<_> = m.aging_wip.iter().map(|x| (x.card_id, x.age_s)).collect();
    assert_eq!(aging, [(quiet, 22 * H)]);

    // Events of another board are a caller's bug, not something to average over.
    let mut log = fx.log();
    log[0].board_id = BoardId::new();
    let err = compute(
        &fx.board,
        &MetricCard::of(&fx.board.cards),
        &log,
        window(0, 0),
        t(48),
    )
    .unwrap_err();
    assert_eq!(err.field(), "events");
}

#[test]
fn a_clock_stepping_back_never_puts_a_card_in_two_columns() {
    let mut fx = Fixture::new();
    // Log order says Backlog, In Progress, Done; the last stamp is earlier than the one
    // before it, so Done is taken to start at 30h (and the In Progress visit lasts 0s).
    let a = fx.bare_card(CardType::Feature, DONE, 0);
    let lane_id = fx.lane();
    let column_id = fx.col(BACKLOG);
    fx.event(a, 0, EventKind::Created { column_id, lane_id });
    fx.moved(a, 30, BACKLOG, IN_PROGRESS);
    fx.moved(a, 20, IN_PROGRESS, DONE);
    // Storage order is by id, whatever the stamps say.
    let log = fx.events.clone();
    let m = compute(
        &fx.board,
        &MetricCard::of(&fx.board.cards),
        &log,
        window(0, 1),
        t(100),
    )
    .expect("metrics");
    assert_eq!(fx.cfd_row(&m, 0), [1, 0, 0, 0, 0]);
    assert_eq!(fx.cfd_row(&m, 1), [0, 0, 0, 0, 1]);
    assert_eq!(m.cycle_time, one(0));
    assert_eq!(m.lead_time, one(30));
}

#[test]
fn completions_are_the_scatterplot_and_the_bottleneck_is_the_longest_median_wait() {
    let mut fx = Fixture::new();
    // a: Ready 0–10h, In Progress 10–12h, Done at 12h. Committed at 10h.
    let a = fx.card(
        CardType::Feature,
        &[(READY, 0), (IN_PROGRESS, 10), (DONE, 12)],
    );
    // b: straight from Backlog to Done at 5h: never committed.
    let b = fx.card(CardType::TechDebt, &[(BACKLOG, 1), (DONE, 5)]);
    // c: Ready 2–4h, In Progress 4–20h, Review 20–21h, Done 21h.
    let c = fx.card(
        CardType::Incident,
        &[(READY, 2), (IN_PROGRESS, 4), (REVIEW, 20), (DONE, 21)],
    );
    // d: still in progress: not part of the population.
    fx.card(CardType::Feature, &[(READY, 0), (IN_PROGRESS, 3)]);
    let m = fx.metrics(window(0, 0), 24);
    let got: Vec<_> = m
        .completions
        .iter()
        .map(|c| (c.card_id, c.completed_at, c.cycle_s, c.lead_s))
        .collect();
    assert_eq!(
        got,
        vec![
            (b, t(5), None, 4 * H),
            (a, t(12), Some(2 * H), 12 * H),
            (c, t(21), Some(17 * H), 19 * H),
        ],
        "in order of completion"
    );
    assert_eq!(m.completions[1].number, 1);
    assert_eq!(m.completions[2].card_type, CardType::Incident);
    // Medians (nearest rank): Backlog {4h} → 4h; Ready {2h, 10h} → 2h; In Progress
    // {2h, 16h} → 2h; Review {1h} → 1h. Backlog is a queue column: it is the bottleneck.
    let neck = m.bottleneck().expect("a bottleneck");
    assert_eq!(neck.column_id, fx.col(BACKLOG));
    // Two long In Progress stays: {0h, 2h, 16h, 30h, 30h} → p50 16h, past Backlog's 4h.
    for _ in 0..2 {
        fx.card(
            CardType::Feature,
            &[(READY, 0), (IN_PROGRESS, 0), (DONE, 30)],
        );
    }
    let m = fx.metrics(window(0, 1), 48);
    assert_eq!(
        m.bottleneck().map(|c| c.column_id),
        Some(fx.col(IN_PROGRESS))
    );
    // Nothing finished: no bottleneck, no dots.
    let m = Fixture::new().metrics(window(0, 0), 24);
    assert!(m.bottleneck().is_none() && m.completions.is_empty());
}

#[test]
fn json_has_the_documented_shape_and_round_trips() {
    let mut fx = Fixture::new();
    let a = fx.card(
        CardType::TechDebt,
        &[(BACKLOG, 0), (IN_PROGRESS, 1), (DONE, 3)],
    );
    fx.overridden(a, 1, Rule::WipLimit);
    let m = fx.metrics(window(0, 0), 48);
    let json = serde_json::to_value(&m).expect("json");

    assert_eq!(json["from"], "2026-03-02");
    assert_eq!(json["to"], "2026-03-02");
    assert_eq!(json["population"], 1);
    assert_eq!(json["uncommitted"], 0);
    let column = &json["columns"][IN_PROGRESS];
    assert_eq!(column["column_id"], fx.col(IN_PROGRESS).to_string());
    assert_eq!(column["name"], "In Progress");
    assert_eq!(column["kind"], "active");
    assert_eq!(column["time_in_column"]["p50_s"], 2 * H);
    for key in ["count", "mean_s", "p50_s", "p85_s", "p95_s"] {
        assert_eq!(
            json["cycle_time"][key],
            if key == "count" { 1 } else { 2 * H }
        );
        assert_eq!(
            json["lead_time"][key],
            if key == "count" { 1 } else { 3 * H }
        );
    }
    assert_eq!(json["throughput"][0]["date"], "2026-03-02");
    assert_eq!(json["throughput"][0]["total"], 1);
    assert_eq!(json["throughput"][0]["by_type"]["tech_debt"], 1);
    assert_eq!(
        json["cfd"][0]["counts"][fx.col(DONE).to_string().as_str()],
        1
    );
    assert_eq!(
        json["cfd"][0]["counts"].as_object().map(|o| o.len()),
        Some(5)
    );
    assert_eq!(json["wip"][0]["count"], 0);
    assert_eq!(json["flow_distribution"]["tech_debt"], 1);
    assert_eq!(json["tech_debt_share"]["by_count"], 1.0);
    assert_eq!(json["tech_debt_share"]["by_active_time"], 1.0);
    assert_eq!(json["tech_debt_share"]["target"], 0.2);
    assert_eq!(json["flow_efficiency"], 1.0);
    assert_eq!(json["discarded"]["count"], 0);
    assert_eq!(json["discarded"]["after_commitment"], 0);
    assert_eq!(json["discarded"]["time_spent"]["count"], 0);
    assert_eq!(json["aging_wip"], serde_json::json!([]));
    assert_eq!(json["incidents"]["created"], 0);
    assert!(json["incidents"]["time_to_restore"]["mean_s"].is_null());
    assert_eq!(json["overrides"]["wip_limit"], 1);

    let back: FlowMetrics = serde_json::from_value(json).expect("round trip");
    assert_eq!(back, m);
}

/// A forward-only path from Backlog made at hour `created`: each hop waits `gap` hours and
/// moves `step` columns on, until Done.
fn forward_path(created: i64, hops: &[(i64, usize)]) -> Vec<(usize, i64)> {
    let mut path = vec![(BACKLOG, created)];
    let (mut column, mut at) = (BACKLOG, created);
    for &(gap, step) in hops {
        if column == DONE {
            break;
        }
        column = (column + step).min(DONE);
        at += gap;
        path.push((column, at));
    }
    path
}

/// Day 0–1: #1 made in Backlog at 2 and discarded at 10 (never committed); #2 made at 0,
/// committed at 4, discarded at 30 (after commitment: 26 h of committed time, 30 h in all);
/// #3 made at 0, done at 20; #4 discarded at 40 and restored at 44, done at 46.
#[test]
fn discarded_cards_are_counted_apart_and_left_out_of_every_flow_figure() {
    let mut fx = Fixture::new();
    let first = fx.card(CardType::Feature, &[(BACKLOG, 2)]);
    fx.discard(first, 10);
    let second = fx.card(CardType::TechDebt, &[(BACKLOG, 0), (IN_PROGRESS, 4)]);
    fx.discard(second, 30);
    fx.card(
        CardType::Feature,
        &[(BACKLOG, 0), (IN_PROGRESS, 5), (DONE, 20)],
    );
    let four = fx.card(CardType::Feature, &[(BACKLOG, 0), (IN_PROGRESS, 6)]);
    fx.discard(four, 40);
    fx.restore(four, 44);
    fx.moved(four, 46, IN_PROGRESS, DONE);
    fx.board.cards.last_mut().expect("card").column_id = fx.col(DONE);
    let m = fx.metrics(window(0, 1), 48);

    assert_eq!(m.discarded.count, 2);
    assert_eq!(m.discarded.after_commitment, 1);
    assert_eq!(m.discarded.by_type.feature, 1);
    assert_eq!(m.discarded.by_type.tech_debt, 1);
    // Created → discarded: 8 h (#1) and 30 h (#2); commitment → discarded: 26 h (#2).
    assert_eq!(m.discarded.time_spent, hours(2, 19, 8, 30, 30));
    assert_eq!(m.discarded.committed_time, one(26));
    // Not completions: #3 and the restored #4 only, #4's time away spent in In Progress.
    assert_eq!(m.population, 2);
    // 15 h and 40 h: a mean of 27.5 h.
    let cycle = Stats {
        mean_s: Some(99_000),
        ..hours(2, 0, 15, 40, 40)
    };
    assert_eq!(m.cycle_time, cycle);
    // Not in the CFD either: day 0 ends with #3 in Done and #4 in In Progress, nothing else.
    assert_eq!(fx.cfd_row(&m, 0), vec![0, 0, 1, 0, 1]);
    assert_eq!(fx.cfd_row(&m, 1), vec![0, 0, 0, 0, 2]);
    // Outside the window, nothing is counted as discarded, and the cards stay out.
    let later = fx.metrics(window(3, 4), 200);
    assert_eq!(later.discarded, Discarded::default());
    assert_eq!(fx.cfd_row(&later, 0), vec![0, 0, 0, 0, 2]);
}

proptest! {
    /// The hidden-from-metrics rule: a board with discarded cards has exactly the flow
    /// metrics of the same board without them (their events left in the log), but for the
    /// discarded count itself; a card discarded and restored counts as one never discarded.
    #[test]
    fn discarded_cards_change_nothing_but_the_discarded_count(
        cards in prop::collection::vec(
            (-48i64..200, 0usize..3, prop::collection::vec((0i64..40, 1usize..=2), 0..5), 0u8..4),
            0..24,
        ),
    ) {
        // `fate` 0: stays; 1: discarded; 2: discarded and restored; 3: stays.
        let (mut with, mut without) = (Fixture::new(), Fixture::new());
        without.board = with.board.clone();
        let mut discarded_inside = 0;
        let mut committed_inside = 0;
        for (created, card_type, hops, fate) in &cards {
            let path = forward_path(*created, hops);
            let card_type = CardType::ALL[*card_type];
            let id = with.card(card_type, &path);
            let gone_at = path[path.len() - 1].1 + 3;
            match fate {
                1 => {
                    with.discard(id, gone_at);
                    if (0..10 * 24).contains(&gone_at) {
                        discarded_inside += 1;
                        if path.iter().any(|&(c, _)| c == IN_PROGRESS || c == REVIEW) {
                            committed_inside += 1;
                        }
                    }
                }
                2 => {
                    with.discard(id, gone_at);
                    with.restore(id, gone_at + 5);
                    without.card(card_type, &path);
                }
                _ => {
                    without.card(card_type, &path);
                }
            }
        }
        // Numbers differ between the two boards; ids and the log order matter, not numbers.
        let mut m = with.metrics(window(0, 9), 400);
        let plain = without.metrics(window(0, 9), 400);
        prop_assert_eq!(m.discarded.count, discarded_inside);
        prop_assert_eq!(m.discarded.after_commitment, committed_inside);
        prop_assert_eq!(m.discarded.by_type.total(), discarded_inside);
        prop_assert!(m.discarded.committed_time.count == committed_inside);
        m.discarded = Discarded::default();
        let strip = |mut x: FlowMetrics| {
            x.completions.iter_mut().for_each(|c| {
                c.card_id = CardId(uuid::Uuid::nil());
                c.number = 0;
            });
            x.aging_wip.iter_mut().for_each(|c| c.card_id = CardId(uuid::Uuid::nil()));
            x
        };
        prop_assert_eq!(strip(m), strip(plain));
    }
}

proptest! {
    /// With forward-only moves, the Done band of the CFD never shrinks, and each day the
    /// bands add up to the cards created by the end of that day.
    #[test]
    fn forward_flow_cfd_is_cumulative(
        cards in prop::collection::vec(
            (-48i64..240, 0usize..3, prop::collection::vec((0i64..40, 1usize..=2), 0..6)),
            0..30,
        ),
    ) {
        let mut fx = Fixture::new();
        for (created, card_type, hops) in &cards {
            let path = forward_path(*created, hops);
            fx.card(CardType::ALL[*card_type], &path);
        }
        let m = fx.metrics(window(0, 9), 400);
        prop_assert_eq!(m.cfd.len(), 10);
        let done: Vec<u32> = (0..10).map(|d| fx.cfd(&m, d, DONE)).collect();
        for pair in done.windows(2) {
            prop_assert!(pair[0] <= pair[1], "done band shrank: {:?}", done);
        }
        // Every band's upper edge (cards in that column or any later one) is a cumulative
        // arrival curve: with forward-only moves it never goes down, Done's being the lowest.
        for first in BACKLOG..=DONE {
            let edge: Vec<u32> = (0..10)
                .map(|d| (first..=DONE).map(|c| fx.cfd(&m, d, c)).sum())
                .collect();
            for pair in edge.windows(2) {
                prop_assert!(pair[0] <= pair[1], "band from column {} shrank: {:?}", first, edge);
            }
        }
        for (d, cfd_day) in m.cfd.iter().enumerate() {
            let end = t(24 * (d as i64 + 1));
            let created = cards.iter().filter(|(c, _, _)| t(*c) < end).count() as u32;
            let sum: u32 = cfd_day.counts.values().sum();
            prop_assert_eq!(sum, created, "day {}", d);
        }
        // The other series agree with the CFD and the population.
        prop_assert_eq!(totals(&m).iter().sum::<u32>(), m.population);
        let active: Vec<u32> = (0..10)
            .map(|d| fx.cfd(&m, d, IN_PROGRESS) + fx.cfd(&m, d, REVIEW))
            .collect();
        prop_assert_eq!(wip(&m), active);
        prop_assert_eq!(m.aging_wip.len() as u32, wip(&m)[9]);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Little's Law over a finite window: average WIP = throughput × average cycle time, up to
    /// the cards that straddle the window's edges, and no more.
    ///
    /// Cards arrive 4–16 hours apart for 160 days, are committed (In Progress) on arrival, move
    /// to Review after an arbitrary number of hours and reach Done a whole number of days
    /// (1–4) after commitment. WIP is sampled once a day (end of day), so whole-day cycle times
    /// make the sampling exact: a card with cycle time k days is counted at exactly k samples.
    /// Over the window of D days, then, (sum of WIP samples) − (sum of cycle days of the cards
    /// completed in it) comes only from the edges: cards in progress at the end of the day
    /// before the window (at most `before` of them, each missing at most K samples, K the
    /// longest cycle in days) and cards still in progress at its last sample (`after`, each
    /// adding at most K). Hence |avg WIP − throughput × avg cycle| ≤ K × max(before, after) / D,
    /// plus 1e-3 for the cycle-time mean's rounding to whole seconds. The window (days 20–139)
    /// sits inside the 160 days of arrivals, so it is flowing throughout, and the bound is
    /// checked to stay below 15% of the WIP: tight enough that the law is really tested.
    #[test]
    fn littles_law_holds_up_to_the_window_edges(
        arrivals in prop::collection::vec((4i64..=16, 1i64..=4, 0i64..1_000), 1_000),
    ) {
        let mut fx = Fixture::new();
        // (commitment, done) in hours, per card.
        let mut spans = Vec::new();
        let mut at = 0;
        for &(gap, days, split) in &arrivals {
            at += gap;
            if at > 160 * 24 {
                break;
            }
            let cycle = days * 24;
            let review = at + 1 + split % (cycle - 1);
            fx.card(
                CardType::Feature,
                &[(BACKLOG, at - 5), (IN_PROGRESS, at), (REVIEW, review), (DONE, at + cycle)],
            );
            spans.push((at, at + cycle));
        }
        let (from, to) = (20u64, 139u64);
        let d = (to - from + 1) as f64;
        let m = fx.metrics(window(from, to), 200 * 24);

        let samples = wip(&m);
        prop_assert_eq!(samples.len() as f64, d);
        let avg_wip = samples.iter().map(|&n| f64::from(n)).sum::<f64>() / d;
        let throughput = f64::from(m.population) / d;
        let cycle_days = m.cycle_time.mean_s.expect("cards completed") as f64 / 86_400.0;

        // In progress at the end of the day before the window: committed before that
        // midnight, done at or after it (a move at midnight belongs to the next day).
        let edge = 24 * from as i64;
        let before = spans.iter().filter(|&&(c, done)| c < edge && done >= edge).count();
        let after = *samples.last().expect("samples") as usize;
        let longest = arrivals.iter().map(|a| a.1).max().expect("cards") as f64;
        let bound = longest * before.max(after) as f64 / d + 1e-3;

        let gap = (avg_wip - throughput * cycle_days).abs();
        prop_assert!(
            gap <= bound,
            "avg WIP {avg_wip:.3} vs {throughput:.3}/day × {cycle_days:.3} days: off by {gap:.4} > {bound:.4}"
        );
        prop_assert!(bound <= 0.15 * avg_wip, "bound {bound:.3} too loose for WIP {avg_wip:.3}");
    }
}
