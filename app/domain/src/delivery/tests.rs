//! Hand-computed fixtures for the deployment report, every four-keys definition, the bands,
//! the trend and the value stream.

use super::*;
use crate::board::{Column, ColumnKind};
use crate::event::{Actor, CardEvent, EventKind};
use crate::ids::{BoardId, ColumnId, LaneId};
use crate::metrics::Stats;
use crate::window::Window;
use chrono::{Duration, NaiveDate, TimeZone};
use uuid::Uuid;

const H: i64 = 3600;
const DAY: i64 = 24 * H;

/// Hour `h` counted from Monday 2026-03-02 00:00 UTC, day 0 of every fixture.
fn t(h: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0)
        .single()
        .expect("valid time")
        + Duration::hours(h)
}

fn window(from: i64, to: i64) -> Window {
    let day = |d: i64| NaiveDate::from_ymd_opt(2026, 3, 2).expect("valid date") + Duration::days(d);
    Window::new(day(from), day(to)).expect("valid window")
}

fn hours(count: u32, mean_s: i64, p50: i64, p85: i64, p95: i64) -> Stats {
    Stats {
        count,
        mean_s: Some(mean_s),
        p50_s: Some(p50 * H),
        p85_s: Some(p85 * H),
        p95_s: Some(p95 * H),
    }
}

fn commit(sha: &str, at: DateTime<Utc>) -> Commit {
    Commit {
        sha: sha.into(),
        committed_at: at,
    }
}

fn deploy(
    service: &str,
    env: &str,
    at: DateTime<Utc>,
    ok: bool,
    commits: Vec<Commit>,
) -> Deployment {
    Deployment {
        id: DeploymentId::new(),
        service: service.into(),
        environment: env.into(),
        version: "v1".into(),
        deployed_at: at,
        status: if ok {
            DeploymentStatus::Success
        } else {
            DeploymentStatus::Failure
        },
        commits,
        cards: Vec::new(),
        caused_incidents: Vec::new(),
    }
}

/// A production deployment of `service` at hour `h`, its commits made `ages` hours earlier.
fn prod(service: &str, h: i64, ok: bool, ages: &[i64]) -> Deployment {
    let commits = ages
        .iter()
        .enumerate()
        .map(|(i, age)| commit(&format!("{h:04x}{i:04x}"), t(h - age)))
        .collect();
    deploy(service, "production", t(h), ok, commits)
}

fn incident(service: Option<&str>, created: i64, restored_s: Option<i64>) -> IncidentRecord {
    IncidentRecord {
        card_id: CardId::new(),
        service: service.map(Into::into),
        created_at: t(created),
        restored_at: restored_s.map(|s| t(created) + Duration::seconds(s)),
        caused_by: None,
    }
}

fn report() -> DeploymentReport {
    DeploymentReport {
        service: "  payments-api ".into(),
        environment: "Production".into(),
        version: "v1.4.2".into(),
        deployed_at: None,
        status: DeploymentStatus::Success,
        commits: vec![
            commit("ABCDEF1", t(1)),
            commit(&"0".repeat(40), t(2)),
            commit(&"f".repeat(64), t(3)),
        ],
        cards: Some(vec![
            "PLAT-12".into(),
            "#3".into(),
            " 7 ".into(),
            "PLAT-12".into(),
        ]),
    }
}

#[test]
fn a_valid_report_is_trimmed_and_normalised() {
    let id = CardId::new();
    let mut r = report();
    r.cards.as_mut().expect("cards").push(id.to_string());
    let new = r.validate(t(5)).expect("valid");
    assert_eq!(new.service, "payments-api");
    assert_eq!(new.environment, "production");
    assert_eq!(new.deployed_at, t(5), "a missing deployed_at is now");
    assert_eq!(new.commits[0].sha, "abcdef1");
    assert_eq!(
        new.cards,
        vec![
            CardRef::Number(12),
            CardRef::Number(3),
            CardRef::Number(7),
            CardRef::Id(id)
        ]
    );
    let stored = new.into_deployment(DeploymentId::new());
    assert!(stored.caused_incidents.is_empty());
}

#[test]
fn report_errors_name_the_field_and_the_entry() {
    type Edit = fn(&mut DeploymentReport);
    let cases: &[(Edit, &str, &str)] = &[
        (|r| r.service = "  ".into(), "service", "empty"),
        (|r| r.environment = "e".repeat(201), "environment", "200"),
        (|r| r.version = String::new(), "version", "empty"),
        (
            |r| r.deployed_at = Some(t(5) + Duration::seconds(301)),
            "deployed_at",
            "future",
        ),
        (
            |r| r.commits[1].sha = "abc123".into(),
            "commits.sha",
            "commits[1]:",
        ),
        (
            |r| r.commits[2].sha = "g".repeat(7),
            "commits.sha",
            "commits[2]:",
        ),
        (
            |r| r.commits[2].sha = "a".repeat(65),
            "commits.sha",
            "commits[2]:",
        ),
        (
            |r| r.commits[2].sha = "abcdef1".into(),
            "commits.sha",
            "twice",
        ),
        (
            |r| r.commits[2].committed_at = t(6),
            "commits.committed_at",
            "commits[2]:",
        ),
        (
            |r| r.commits = vec![commit("abcdef1", t(1)); 1001],
            "commits",
            "1000",
        ),
        (
            |r| r.cards = Some(vec!["#1".into(), "PLAT-".into()]),
            "cards",
            "cards[1]:",
        ),
        (|r| r.cards = Some(vec!["#0".into()]), "cards", "cards[0]:"),
    ];
    for (i, (edit, field, words)) in cases.iter().enumerate() {
        let mut r = report();
        edit(&mut r);
        let err = r.validate(t(5)).expect_err(&format!("case {i} must fail"));
        assert_eq!(err.field(), *field, "case {i}: {err}");
        assert!(err.to_string().contains(words), "case {i}: {err}");
    }
    // Exactly five minutes ahead is still accepted: clocks drift.
    let mut r = report();
    r.deployed_at = Some(t(5) + MAX_CLOCK_SKEW);
    assert!(r.validate(t(5)).is_ok());
}

#[test]
fn card_refs_read_ids_keys_and_numbers() {
    let id = CardId::new();
    assert_eq!(CardRef::parse(&id.to_string()), Some(CardRef::Id(id)));
    for (raw, want) in [
        ("#12", Some(12)),
        ("12", Some(12)),
        ("PLAT-12", Some(12)),
        ("a-b-9", Some(9)),
    ] {
        assert_eq!(CardRef::parse(raw), want.map(CardRef::Number), "{raw}");
    }
    for raw in [
        "",
        "#",
        "-12",
        "PLAT-",
        "PLAT-1x",
        "#-3",
        "+4",
        "0",
        "99999999999",
    ] {
        assert_eq!(CardRef::parse(raw), None, "{raw}");
    }
}

#[test]
fn the_wire_shape_parses_and_refuses_unknown_fields() {
    let json = r#"{"service":"api","environment":"production","version":"1.0",
        "status":"failure","commits":[{"sha":"abcdef1","committed_at":"2026-03-02T00:00:00Z"}],
        "cards":["OPS-4"]}"#;
    let r: DeploymentReport = serde_json::from_str(json).expect("parses");
    assert_eq!(r.status, DeploymentStatus::Failure);
    assert_eq!(r.deployed_at, None);
    let unknown = r#"{"service":"a","environment":"p","version":"1","status":"success","env":"x"}"#;
    assert!(serde_json::from_str::<DeploymentReport>(unknown).is_err());
}

/// Production deployments in week 0 (days 0–6), hours from day 0:
/// api: D1 h10 ok (commits 6 h, 2 h old) · D2 h34 failed (4 h) · D3 h38 ok (2 h) ·
/// D4 h82 ok but blamed by incident I1 (10 h) · D5 h106 ok (48 h);
/// web: D6 h50 ok (1 h). Out of scope: api staging h20, api before (h −10) and after (h 200)
/// the window.
struct Week {
    deployments: Vec<Deployment>,
    incidents: Vec<IncidentRecord>,
}

fn week() -> Week {
    let mut deployments = vec![
        prod("api", 10, true, &[6, 2]),
        prod("api", 34, false, &[4]),
        prod("api", 38, true, &[2]),
        prod("api", 82, true, &[10]),
        prod("api", 106, true, &[48]),
        prod("web", 50, true, &[1]),
        prod("api", -10, false, &[1]),
        prod("api", 200, true, &[1]),
    ];
    deployments.push(deploy(
        "api",
        "staging",
        t(20),
        false,
        vec![commit("1234567", t(19))],
    ));
    let mut i1 = incident(None, 83, Some(2 * H));
    i1.caused_by = Some(deployments[3].id);
    let incidents = vec![
        i1,
        incident(Some("web"), 100, Some(H / 2)),
        incident(Some("api"), 120, None),
        incident(Some("api"), -5, Some(H)),
    ];
    Week {
        deployments,
        incidents,
    }
}

#[test]
fn four_keys_of_all_services() {
    let w = week();
    let k = four_keys(
        &w.deployments,
        &w.incidents,
        window(0, 6),
        &Scope::default(),
    );
    let f = &k.deployment_frequency;
    assert_eq!((f.deployments, f.successful), (6, 5));
    assert!((f.per_day - 6.0 / 7.0).abs() < 1e-12 && (f.per_week - 6.0).abs() < 1e-12);
    assert_eq!(
        f.band,
        Some(Band::High),
        "every 7/6 days: more than a day apart"
    );
    // Commit ages 1, 2, 2, 4, 6, 10, 48 h: mean 73/7 h = 37542.86 s.
    assert_eq!(k.lead_time.time, hours(7, 37_543, 4, 10, 48));
    assert_eq!(k.lead_time.band, Some(Band::Elite));
    let c = &k.change_failure_rate;
    assert_eq!((c.deployments, c.failed, c.rate), (6, 2, Some(2.0 / 6.0)));
    assert_eq!(c.band, Some(Band::Low));
    let r = &k.time_to_restore;
    assert_eq!(r.incidents, hours(2, 4500, 0, 2, 2).with_p50(1800));
    assert_eq!(r.unrestored, 1);
    assert_eq!(r.band, Some(Band::Elite));
    // D2 recovered by D3 after 4 h, D4 by D5 after 24 h.
    assert_eq!(r.failed_deployment_recovery, hours(2, 14 * H, 4, 24, 24));
    assert_eq!(r.unrecovered, 0);
}

trait WithP50 {
    fn with_p50(self, p50: i64) -> Self;
}

impl WithP50 for Stats {
    fn with_p50(mut self, p50: i64) -> Self {
        self.p50_s = Some(p50);
        self
    }
}

#[test]
fn four_keys_of_one_service() {
    let w = week();
    let api = four_keys(
        &w.deployments,
        &w.incidents,
        window(0, 6),
        &Scope::service("api"),
    );
    assert_eq!(api.service.as_deref(), Some("api"));
    assert_eq!(api.deployment_frequency.deployments, 5);
    assert_eq!(
        api.lead_time.time.p50_s,
        Some(4 * H),
        "ages 2, 2, 4, 6, 10, 48 h"
    );
    assert_eq!(api.change_failure_rate.rate, Some(0.4));
    // I1 has no service but blames an api deployment; I2 is web's; I3 is open.
    assert_eq!(api.time_to_restore.incidents.count, 1);
    assert_eq!(api.time_to_restore.incidents.p50_s, Some(2 * H));
    assert_eq!(api.time_to_restore.band, Some(Band::High));
    assert_eq!(api.time_to_restore.unrestored, 1);

    let web = four_keys(
        &w.deployments,
        &w.incidents,
        window(0, 6),
        &Scope::service("web"),
    );
    assert_eq!(web.deployment_frequency.deployments, 1);
    assert_eq!(
        web.deployment_frequency.band,
        Some(Band::High),
        "exactly weekly"
    );
    assert_eq!(web.change_failure_rate.rate, Some(0.0));
    assert_eq!(web.change_failure_rate.band, Some(Band::Elite));
    assert_eq!(web.time_to_restore.incidents.p50_s, Some(H / 2));

    let staging = Scope {
        environment: "STAGING".into(),
        ..Scope::default()
    };
    let s = four_keys(&w.deployments, &w.incidents, window(0, 6), &staging);
    assert_eq!(s.change_failure_rate.failed, 1);
    assert_eq!(s.time_to_restore.unrecovered, 1);
}

#[test]
fn an_empty_window_has_no_values_and_no_bands() {
    let w = week();
    let k = four_keys(&w.deployments, &[], window(20, 26), &Scope::default());
    assert_eq!(k.deployment_frequency.deployments, 0);
    assert_eq!(k.deployment_frequency.per_week, 0.0);
    assert_eq!(k.deployment_frequency.band, None);
    assert_eq!(k.lead_time.time, Stats::default());
    assert_eq!(k.lead_time.band, None);
    assert_eq!(k.change_failure_rate.rate, None);
    assert_eq!(k.change_failure_rate.band, None);
    assert_eq!(k.time_to_restore.incidents, Stats::default());
    assert_eq!(
        k.time_to_restore.failed_deployment_recovery,
        Stats::default()
    );
    assert_eq!(k.time_to_restore.band, None);
    let json = serde_json::to_value(&k).expect("serialises");
    assert!(json["change_failure_rate"]["rate"].is_null());
    let back: FourKeys = serde_json::from_value(json).expect("deserialises");
    assert_eq!(back, k);
}

#[test]
fn a_failure_is_restored_by_the_next_success_of_its_service() {
    let deployments = vec![
        prod("api", 10, false, &[]),
        prod("api", 12, false, &[]),
        prod("web", 14, true, &[]),
        prod("api", 20, true, &[]),
        prod("web", 30, false, &[]),
        // After the window, still the recovery of the failure at h 40.
        prod("api", 40, false, &[]),
        prod("api", 50, true, &[]),
        deploy("api", "staging", t(45), true, Vec::new()),
    ];
    let k = four_keys(&deployments, &[], window(0, 1), &Scope::default());
    let r = &k.time_to_restore;
    // api h10 → h20 (10 h), h12 → h20 (8 h), h40 → h50 (10 h); web h30 never.
    assert_eq!(
        r.failed_deployment_recovery,
        hours(3, 28 * H / 3, 10, 10, 10)
    );
    assert_eq!(r.unrecovered, 1);
}

#[test]
fn an_incident_naming_a_deployment_makes_it_a_failed_change() {
    let mut deployments = vec![prod("api", 10, true, &[]), prod("api", 20, true, &[])];
    let clean = four_keys(&deployments, &[], window(0, 0), &Scope::default());
    assert_eq!(clean.change_failure_rate.failed, 0);
    // Blamed by an incident opened after the window: still a failed change.
    let mut late = incident(Some("api"), 100, None);
    late.caused_by = Some(deployments[0].id);
    let k = four_keys(&deployments, &[late], window(0, 0), &Scope::default());
    assert_eq!(k.change_failure_rate.failed, 1);
    assert_eq!(k.change_failure_rate.rate, Some(0.5));
    assert_eq!(
        k.time_to_restore.failed_deployment_recovery.p50_s,
        Some(10 * H)
    );
    // The deployment's own link counts the same.
    deployments[1].caused_incidents.push(CardId::new());
    let k = four_keys(&deployments, &[], window(0, 0), &Scope::default());
    assert_eq!(k.change_failure_rate.failed, 1);
    assert_eq!(k.time_to_restore.unrecovered, 1);
}

/// The frequency band of `count` deployments in a window of `days` days.
fn frequency_band(days: i64, count: i64) -> Option<Band> {
    let deployments: Vec<_> = (0..count).map(|i| prod("api", i % 24, true, &[])).collect();
    four_keys(&deployments, &[], window(0, days - 1), &Scope::default())
        .deployment_frequency
        .band
}

/// The band of one deployment whose only commit is `lead_s` old, or of one incident
/// restored after `restore_s`.
fn lead_band(lead_s: i64) -> Option<Band> {
    let mut d = prod("api", 60 * 24, true, &[]);
    d.commits
        .push(commit("abcdef1", d.deployed_at - Duration::seconds(lead_s)));
    four_keys(&[d], &[], window(0, 60), &Scope::default())
        .lead_time
        .band
}

fn restore_band(restore_s: i64) -> Option<Band> {
    let i = incident(None, 1, Some(restore_s));
    four_keys(&[], &[i], window(0, 0), &Scope::default())
        .time_to_restore
        .band
}

fn failure_band(failed: i64, total: i64) -> Option<Band> {
    let deployments: Vec<_> = (0..total)
        .map(|i| prod("api", i % 24, i >= failed, &[]))
        .collect();
    four_keys(&deployments, &[], window(0, 0), &Scope::default())
        .change_failure_rate
        .band
}

#[test]
fn band_boundaries_belong_to_the_better_band() {
    use Band::*;
    let frequency = [
        (7, 7, Elite),
        (7, 6, High),
        (7, 1, High),
        (8, 1, Medium),
        (30, 1, Medium),
        (31, 1, Low),
    ];
    for (days, count, want) in frequency {
        assert_eq!(
            frequency_band(days, count),
            Some(want),
            "{count} in {days} days"
        );
    }
    let lead = [
        (DAY, Elite),
        (DAY + 1, High),
        (7 * DAY, High),
        (7 * DAY + 1, Medium),
        (30 * DAY, Medium),
        (30 * DAY + 1, Low),
    ];
    for (lead_s, want) in lead {
        assert_eq!(lead_band(lead_s), Some(want), "lead {lead_s} s");
    }
    let failures = [
        (1, 20, Elite),
        (1, 19, High),
        (2, 20, High),
        (3, 20, Medium),
        (4, 20, Low),
        (0, 3, Elite),
    ];
    for (failed, total, want) in failures {
        assert_eq!(failure_band(failed, total), Some(want), "{failed}/{total}");
    }
    let restore = [
        (H, Elite),
        (H + 1, High),
        (DAY, High),
        (DAY + 1, Medium),
        (7 * DAY, Medium),
        (7 * DAY + 1, Low),
    ];
    for (restore_s, want) in restore {
        assert_eq!(restore_band(restore_s), Some(want), "restore {restore_s} s");
    }
    assert_eq!(BAND_LIMITS.map(|l| l.band), [Elite, High, Medium]);
}

#[test]
fn the_trend_knows_which_way_is_better() {
    let previous_deploys = vec![prod("api", 10, true, &[5]), prod("api", 20, false, &[5])];
    let current_deploys = vec![
        prod("api", 10 + 7 * 24, false, &[2]),
        prod("api", 11 + 7 * 24, false, &[2]),
        prod("api", 12 + 7 * 24, true, &[2]),
    ];
    let restored = |h| incident(None, h, Some(H));
    let previous = four_keys(
        &previous_deploys,
        &[restored(1)],
        window(0, 6),
        &Scope::default(),
    );
    let current = four_keys(
        &current_deploys,
        &[restored(7 * 24 + 1)],
        window(7, 13),
        &Scope::default(),
    );
    let trend = compare(&current, &previous);
    assert_eq!(trend.deployment_frequency.delta, Some(1.0));
    assert_eq!(
        trend.deployment_frequency.direction,
        Some(Direction::Improved)
    );
    assert_eq!(trend.lead_time.delta, Some(-3.0 * H as f64));
    assert_eq!(trend.lead_time.direction, Some(Direction::Improved));
    assert_eq!(
        trend.change_failure_rate.direction,
        Some(Direction::Worsened)
    );
    assert_eq!(trend.time_to_restore.delta, Some(0.0));
    assert_eq!(trend.time_to_restore.direction, Some(Direction::Unchanged));

    let backwards = compare(&previous, &current);
    assert_eq!(
        backwards.deployment_frequency.direction,
        Some(Direction::Worsened)
    );
    assert_eq!(backwards.lead_time.direction, Some(Direction::Worsened));
    assert_eq!(
        backwards.change_failure_rate.direction,
        Some(Direction::Improved)
    );

    let empty = four_keys(&[], &[], window(14, 20), &Scope::default());
    let undefined = compare(&empty, &previous);
    assert_eq!(undefined.change_failure_rate.delta, None);
    assert_eq!(undefined.change_failure_rate.direction, None);
    assert_eq!(undefined.lead_time.direction, None);
    assert_eq!(
        undefined.deployment_frequency.direction,
        Some(Direction::Worsened)
    );
}

// --- Value stream ---------------------------------------------------------------------

const BACKLOG: usize = 0;
const DEV: usize = 1;
const REVIEW: usize = 2;
const DONE: usize = 3;
const RELEASED: usize = 4;

struct Log {
    columns: Vec<Column>,
    board: BoardId,
    lane: LaneId,
    events: Vec<CardEvent>,
}

impl Log {
    fn new() -> Self {
        let kinds = [
            ("Backlog", ColumnKind::Queue),
            ("Dev", ColumnKind::Active),
            ("Review", ColumnKind::Active),
            ("Done", ColumnKind::Done),
            ("Released", ColumnKind::Done),
        ];
        let columns = kinds
            .iter()
            .zip(0..)
            .map(|(&(name, kind), position)| Column {
                id: ColumnId::new(),
                name: name.into(),
                kind,
                wip_limit: None,
                position,
            })
            .collect();
        Self {
            columns,
            board: BoardId::new(),
            lane: LaneId::new(),
            events: Vec::new(),
        }
    }

    fn push(&mut self, card_id: CardId, h: f64, kind: EventKind) {
        self.events.push(CardEvent {
            id: i64::try_from(self.events.len()).expect("few events"),
            card_id,
            board_id: self.board,
            at: t(0) + Duration::seconds((h * H as f64) as i64),
            actor: Actor::system("test"),
            kind,
        });
    }

    /// A card created in Backlog at `path[0].1`, then moved along `path`.
    fn card(&mut self, path: &[(usize, f64)]) -> CardId {
        let card = CardId::new();
        let (lane, mut from) = (self.lane, path[0].0);
        let column_id = self.columns[from].id;
        self.push(
            card,
            path[0].1,
            EventKind::Created {
                column_id,
                lane_id: lane,
            },
        );
        for &(to, h) in &path[1..] {
            let kind = EventKind::Moved {
                from_column_id: self.columns[from].id,
                from_lane_id: lane,
                to_column_id: self.columns[to].id,
                to_lane_id: lane,
            };
            self.push(card, h, kind);
            from = to;
        }
        card
    }

    fn stream(&self, deployments: &[Deployment]) -> ValueStream {
        value_stream(
            &self.columns,
            &self.events,
            deployments,
            window(0, 0),
            &Scope::default(),
        )
        .expect("one board")
    }
}

fn sort_by_time(events: &mut [CardEvent]) {
    events.sort_by_key(|e| e.at);
    for (i, e) in events.iter_mut().enumerate() {
        e.id = i64::try_from(i).expect("few events");
    }
}

/// Three cards finish on day 0 (hours):
/// A: Backlog 0 → Dev 2 (blocked 3–5) → Review 6 → back to Dev 8 → Review 9 → Done 10;
/// B: Backlog 1 → Dev 4 (blocked from 5, never unblocked) → Review 7 → Done 8 → Released 9;
/// E: Backlog 0 → Done 1 → back to Backlog 2 → Dev 3 → Done 5.
/// C is still in Dev; D finished the day before.
fn three_cards() -> Log {
    let mut log = Log::new();
    let a = log.card(&[
        (BACKLOG, 0.0),
        (DEV, 2.0),
        (REVIEW, 6.0),
        (DEV, 8.0),
        (REVIEW, 9.0),
        (DONE, 10.0),
    ]);
    log.push(
        a,
        3.0,
        EventKind::Blocked {
            reason: "vendor".into(),
        },
    );
    log.push(a, 5.0, EventKind::Unblocked);
    let b = log.card(&[
        (BACKLOG, 1.0),
        (DEV, 4.0),
        (REVIEW, 7.0),
        (DONE, 8.0),
        (RELEASED, 9.0),
    ]);
    log.push(
        b,
        5.0,
        EventKind::Blocked {
            reason: "review queue".into(),
        },
    );
    log.card(&[
        (BACKLOG, 0.0),
        (DONE, 1.0),
        (BACKLOG, 2.0),
        (DEV, 3.0),
        (DONE, 5.0),
    ]);
    log.card(&[(BACKLOG, 0.0), (DEV, 1.0)]);
    log.card(&[(BACKLOG, -30.0), (DONE, -20.0)]);
    sort_by_time(&mut log.events);
    log
}

#[test]
fn the_value_stream_splits_work_from_waiting() {
    let log = three_cards();
    let s = log.stream(&[]);
    assert_eq!(s.population, 3);
    let block = |i: usize| &s.columns[i];
    let shape = |i: usize| {
        let c = block(i);
        (c.visited, c.time_in_column.p50_s, c.active_s, c.waiting_s)
    };
    assert_eq!(
        shape(BACKLOG),
        (3, Some(2 * H), 0, 7 * H),
        "A 2 h, B 3 h, E 2 h"
    );
    assert_eq!(
        shape(DEV),
        (3, Some(3 * H), 6 * H, 4 * H),
        "blocked time waits"
    );
    assert_eq!(
        (block(DEV).active_share, block(DEV).waiting_share),
        (Some(0.6), Some(0.4))
    );
    assert_eq!(
        shape(REVIEW),
        (2, Some(H), 3 * H, H),
        "B is still blocked there"
    );
    assert_eq!(
        shape(DONE),
        (1, Some(H), 0, H),
        "E's hour in Done before reopening"
    );
    assert_eq!(shape(RELEASED), (0, None, 0, 0), "reached after completion");
    assert_eq!(block(RELEASED).active_share, None);
    assert_eq!(block(BACKLOG).active_share, Some(0.0));
    // Lead 10, 7, 5 h; process 6, 1, 2 h.
    assert_eq!(s.lead_time, hours(3, 26_400, 7, 10, 10));
    assert_eq!(
        (s.lead_time_total_s, s.process_time_total_s),
        (22 * H, 9 * H)
    );
    assert_eq!(s.process_time.p50_s, Some(2 * H));
    assert_eq!(s.activity_ratio, Some(9.0 / 22.0));
    assert!(s.delivery.is_empty(), "no deployments, no delivery stages");
}

#[test]
fn deployed_events_leave_the_stream_alone() {
    let log = three_cards();
    let plain = log.stream(&[]);
    let mut with_deployments = Log {
        columns: log.columns.clone(),
        board: log.board,
        lane: log.lane,
        events: log.events.clone(),
    };
    let mut cards: Vec<CardId> = Vec::new();
    for e in &log.events {
        if !cards.contains(&e.card_id) {
            cards.push(e.card_id);
        }
    }
    // Appended in arrival order but dated when each deployment finished, as storage records
    // them: before some cards' last moves, after others', and on a card still in Dev.
    for (card, h) in cards.iter().zip([9.5, 3.0, 12.0, 0.5, -25.0]) {
        with_deployments.push(
            *card,
            h,
            EventKind::Deployed {
                deployment_id: DeploymentId::new(),
                service: "api".into(),
                environment: "production".into(),
                version: "v1".into(),
                status: DeploymentStatus::Success,
            },
        );
    }
    assert_eq!(with_deployments.stream(&[]), plain);
}

#[test]
fn moving_back_to_an_earlier_column_is_rework() {
    let s = three_cards().stream(&[]);
    let rework = |i: usize| (s.columns[i].reworked, s.columns[i].rework_rate);
    assert_eq!(rework(BACKLOG), (0, Some(0.0)));
    assert_eq!(rework(DEV), (0, Some(0.0)), "Dev → Review is forward");
    assert_eq!(rework(REVIEW), (1, Some(0.5)), "A went back to Dev");
    assert_eq!(rework(DONE), (1, Some(1.0)), "E was reopened");
    assert_eq!(rework(RELEASED), (0, None));
}

#[test]
fn an_empty_window_gives_an_empty_stream() {
    let log = three_cards();
    let s = value_stream(
        &log.columns,
        &log.events,
        &[],
        window(5, 5),
        &Scope::default(),
    )
    .expect("one board");
    assert_eq!(s.population, 0);
    assert!(
        s.columns
            .iter()
            .all(|c| c.visited == 0 && c.rework_rate.is_none())
    );
    assert_eq!(s.lead_time, Stats::default());
    assert_eq!(s.activity_ratio, None);
    let none = value_stream(&[], &[], &[], window(0, 0), &Scope::default()).expect("empty");
    assert!(none.columns.is_empty());
}

#[test]
fn the_stream_ends_with_deployment_and_production() {
    let log = three_cards();
    let x = commit("aaaaaaa", t(2));
    let y = commit("bbbbbbb", t(3));
    let deployments = vec![
        deploy("api", "staging", t(6), true, vec![x.clone()]),
        deploy("api", "production", t(7), false, vec![y.clone()]),
        deploy("api", "production", t(9), true, vec![x.clone()]),
        deploy("api", "production", t(11), true, vec![y.clone()]),
        // Reaches production the next day: outside the window.
        deploy(
            "api",
            "production",
            t(30),
            true,
            vec![commit("ccccccc", t(1))],
        ),
        deploy(
            "web",
            "production",
            t(5),
            true,
            vec![commit("ddddddd", t(4))],
        ),
    ];
    let s = log.stream(&deployments);
    let names: Vec<&str> = s.delivery.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["deployment", "production"]);
    // x: 4 h to staging, 7 h to production; y: 8 h to both (its failed deploy does not
    // count); web's commit 1 h to both.
    assert_eq!(s.delivery[0].commit_to_stage, hours(3, 13 * H / 3, 4, 8, 8));
    assert_eq!(s.delivery[1].commit_to_stage, hours(3, 16 * H / 3, 7, 8, 8));
    let api = value_stream(
        &log.columns,
        &log.events,
        &deployments,
        window(0, 0),
        &Scope::service("api"),
    )
    .expect("one board");
    assert_eq!(api.delivery[1].commit_to_stage.count, 2);
}

#[test]
fn events_of_another_board_are_refused() {
    let mut log = three_cards();
    log.events[3].board_id = BoardId(Uuid::nil());
    let err = value_stream(
        &log.columns,
        &log.events,
        &[],
        window(0, 0),
        &Scope::default(),
    )
    .expect_err("mixed boards");
    assert_eq!(err.field(), "events");
}
