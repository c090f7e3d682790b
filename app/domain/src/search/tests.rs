use std::collections::HashSet;

use chrono::{TimeDelta, TimeZone, Utc};
use proptest::prelude::*;
use uuid::Uuid;

use super::*;
use crate::board::{Lane, LaneKind};
use crate::ids::{BoardId, LabelId};
use crate::label::{Label, LabelColour};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 7, 12, 0, 0).unwrap()
}

fn lanes() -> Vec<Lane> {
    vec![
        Lane {
            id: LaneId(Uuid::from_u128(1)),
            name: "Expedite".into(),
            kind: LaneKind::Expedite,
            position: 0,
        },
        Lane {
            id: LaneId(Uuid::from_u128(2)),
            name: "Standard".into(),
            kind: LaneKind::Standard,
            position: 1,
        },
    ]
}

fn people() -> Vec<Person> {
    vec![
        Person {
            id: UserId(Uuid::from_u128(10)),
            name: "Amara Okafor".into(),
        },
        Person {
            id: UserId(Uuid::from_u128(11)),
            name: "Chen Wei".into(),
        },
    ]
}

fn card(number: i64, title: &str) -> Card {
    Card {
        id: CardId(Uuid::from_u128(1000 + number as u128)),
        board_id: BoardId(Uuid::from_u128(5)),
        number,
        title: title.into(),
        description: String::new(),
        card_type: CardType::Feature,
        column_id: crate::ids::ColumnId(Uuid::from_u128(3)),
        lane_id: LaneId(Uuid::from_u128(2)),
        position: number as f64,
        blocked: false,
        blocked_reason: None,
        severity: None,
        service: None,
        source: None,
        dedup_key: None,
        created_at: now() - TimeDelta::days(10),
        updated_at: now() - TimeDelta::days(1),
        column_entered_at: now() - TimeDelta::days(1),
        occurrences: 1,
        last_seen_at: None,
        alert_resolved_at: None,
        link: None,
        caused_by: None,
        assignees: Vec::new(),
        comment_count: 0,
        labels: Vec::new(),
        discarded: None,
    }
}

fn labels() -> Vec<Label> {
    let label = |n: u128, name: &str| Label {
        id: LabelId(Uuid::from_u128(n)),
        name: name.into(),
        colour: LabelColour::Blue,
    };
    vec![label(40, "Database"), label(41, "customer")]
}

fn incident(number: i64, title: &str, severity: Severity, service: &str) -> Card {
    Card {
        card_type: CardType::Incident,
        severity: Some(severity),
        service: Some(service.into()),
        lane_id: LaneId(Uuid::from_u128(1)),
        ..card(number, title)
    }
}

/// The cards (by number) that `query` finds among `cards`, and its notes.
fn found(query: &str, cards: &[Card], aging: Option<&HashSet<CardId>>) -> (Vec<i64>, Vec<String>) {
    let (lanes, people, labels) = (lanes(), people(), labels());
    let scope = Scope {
        me: Some(people[0].id),
        people: &people,
        lanes: &lanes,
        labels: &labels,
        now: now(),
        aging,
    };
    let matcher = Query::parse(query).expect("valid").matcher(&scope);
    let numbers = cards
        .iter()
        .filter(|c| matcher.matches(&SearchCard::from(*c), &scope))
        .map(|c| c.number)
        .collect();
    (numbers, matcher.notes)
}

fn board() -> Vec<Card> {
    let (amara, chen) = (people()[0].id, people()[1].id);
    let (database, customer) = (labels()[0].id, labels()[1].id);
    vec![
        Card {
            description: "The checkout page times out under load".into(),
            assignees: vec![amara],
            ..card(1, "Checkout is slow")
        },
        Card {
            blocked: true,
            assignees: vec![chen],
            labels: vec![database],
            column_entered_at: now() - TimeDelta::days(8),
            ..card(2, "Upgrade the database driver")
        },
        incident(3, "Payments timeout", Severity::Sev1, "payments"),
        Card {
            card_type: CardType::TechDebt,
            assignees: vec![amara, chen],
            labels: vec![database, customer],
            ..card(12, "Remove the old API")
        },
        incident(4, "Slow search", Severity::Sev3, "Search"),
    ]
}

#[test]
fn the_issue_s_example_finds_the_urgent_incidents_that_mention_the_word() {
    let cards = board();
    assert_eq!(
        found(
            r#"type:incident severity:sev1,sev2 "timeout""#,
            &cards,
            None
        )
        .0,
        vec![3]
    );
    // Free text looks in titles, descriptions and services, ignoring case; numbers too.
    assert_eq!(found("TIMES out", &cards, None).0, vec![1]);
    assert_eq!(found("timeout", &cards, None).0, vec![3]);
    assert_eq!(found("search", &cards, None).0, vec![4]);
    assert_eq!(found("#12", &cards, None).0, vec![12]);
    assert_eq!(found("12", &cards, None).0, vec![12]);
    // Services match whole names, ignoring case.
    assert_eq!(found("service:search,payments", &cards, None).0, vec![3, 4]);
    assert_eq!(found("service:pay", &cards, None).0, Vec::<i64>::new());
}

#[test]
fn owners_blocked_lanes_ages_and_negation() {
    let cards = board();
    assert_eq!(found("assignee:me", &cards, None).0, vec![1, 12]);
    assert_eq!(found("assignee:none", &cards, None).0, vec![3, 4]);
    assert_eq!(found("assignee:chen", &cards, None).0, vec![2, 12]);
    assert_eq!(
        found("assignee:none,wei", &cards, None).0,
        vec![2, 3, 12, 4]
    );
    assert_eq!(found("is:blocked", &cards, None).0, vec![2]);
    assert_eq!(found("blocked:no type:feature", &cards, None).0, vec![1]);
    assert_eq!(found("lane:expedite", &cards, None).0, vec![3, 4]);
    assert_eq!(
        found("-lane:Expedite -blocked:yes", &cards, None).0,
        vec![1, 12]
    );
    assert_eq!(found("age:>5d", &cards, None).0, vec![2]);
    assert_eq!(found("age:<2d", &cards, None).0, vec![1, 3, 12, 4]);
    assert_eq!(found("type:debt", &cards, None).0, vec![12]);
}

#[test]
fn aging_uses_the_cards_the_board_counts_as_aging() {
    let cards = board();
    let aging: HashSet<CardId> = [cards[1].id].into();
    assert!(Query::parse("aging:yes").unwrap().asks_aging());
    assert!(!Query::parse("age:>1d").unwrap().asks_aging());
    assert_eq!(found("aging:yes", &cards, Some(&aging)).0, vec![2]);
    assert_eq!(found("aging:no", &cards, Some(&aging)).0, vec![1, 3, 12, 4]);
}

#[test]
fn labels_are_found_by_name_whatever_the_case() {
    let cards = board();
    assert_eq!(found("label:database", &cards, None), (vec![2, 12], vec![]));
    assert_eq!(found("label:DATABASE", &cards, None).0, vec![2, 12]);
    assert_eq!(found("label:customer", &cards, None).0, vec![12]);
    assert_eq!(found("label:customer,billing", &cards, None).0, vec![12]);
    assert_eq!(found("-label:database", &cards, None).0, vec![1, 3, 4]);
}

#[test]
fn names_the_board_does_not_know_match_nothing_and_say_so() {
    let cards = board();
    let (numbers, notes) = found("label:billing lane:ops assignee:zoe", &cards, None);
    assert!(numbers.is_empty());
    assert_eq!(
        notes,
        vec![
            "no label is called \"billing\" here",
            "no lane is called \"ops\" here",
            "nobody here is called \"zoe\"",
        ]
    );
    // Turned around, an unknown name excludes nothing.
    assert_eq!(found("-lane:ops", &cards, None).0.len(), cards.len());
    assert!(found("lane:standard", &cards, None).1.is_empty());
}

proptest! {
    /// The empty query finds everything; a term and its negation split the cards between
    /// them; and adding a term never finds more.
    #[test]
    fn terms_narrow_and_negation_complements(
        first in prop::sample::select(vec![
            "type:incident", "severity:sev1", "assignee:me", "assignee:none", "is:blocked",
            "lane:expedite", "age:>3d", "timeout", "slow", "#12", "service:payments",
        ]),
        second in prop::sample::select(vec![
            "type:feature", "blocked:no", "assignee:chen", "age:<2d", "checkout", "-slow",
        ]),
    ) {
        let cards = board();
        prop_assert_eq!(found("", &cards, None).0.len(), cards.len());
        let (with, _) = found(first, &cards, None);
        let (without, _) = found(&format!("-{first}"), &cards, None);
        prop_assert_eq!(with.len() + without.len(), cards.len());
        prop_assert!(with.iter().all(|n| !without.contains(n)));
        let (both, _) = found(&format!("{first} {second}"), &cards, None);
        prop_assert!(both.iter().all(|n| with.contains(n)));
    }

    /// Any text either reads as a query or is refused with a message: never a panic.
    #[test]
    fn any_text_reads_or_is_refused_in_words(text in "\\PC{0,80}") {
        match Query::parse(&text) {
            Ok(query) => {
                let cards = board();
                let (lanes, people, labels) = (lanes(), people(), labels());
                let scope = Scope { me: None, people: &people, lanes: &lanes, labels: &labels, now: now(), aging: None };
                let matcher = query.matcher(&scope);
                let _ = cards.iter().filter(|c| matcher.matches(&SearchCard::from(*c), &scope)).count();
            }
            Err(error) => prop_assert!(!error.message.is_empty()),
        }
    }
}
