//! Card owners: only members own cards, every change is logged, leaving a board lets go of
//! open cards, and the per-person WIP limit holds against racing requests.

use domain::access::{Role, User};
use domain::people::AssigneeEdit;
use domain::{Card, UserId};

use super::*;

async fn person(store: &dyn Store, email: &str) -> User {
    let new = domain::access::NewUser {
        email: email.into(),
        name: String::new(),
        password: "correct horse battery".into(),
        instance_admin: false,
    }
    .validate()
    .unwrap();
    store.create_user(&new, "hash", false, t0()).await.unwrap()
}

async fn join(store: &dyn Store, board: &Board, user: &User, role: Role) {
    store
        .set_board_role(board.id, user.id, role, t0())
        .await
        .unwrap();
}

fn owned(title: &str, owners: &[UserId]) -> NewCard {
    NewCard {
        assignees: owners.to_vec(),
        ..feature(title)
    }
}

fn ownership_events(events: &[domain::CardEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Assigned { name, .. } => Some(format!("+{name}")),
            EventKind::Unassigned { name, .. } => Some(format!("-{name}")),
            _ => None,
        })
        .collect()
}

fn invalid_field(result: Result<Card, StoreError>) -> &'static str {
    match result {
        Err(StoreError::Invalid(e)) => e.field(),
        other => panic!("expected an invalid field: {other:?}"),
    }
}

pub(crate) async fn owners_are_members_and_logged(store: Arc<dyn Store>) {
    let board = make_board(store.as_ref(), "Owners").await;
    let other = make_board(store.as_ref(), "Elsewhere").await;
    let r = BoardRef::Id(board.id);
    let (ann, bo, vi, out) = (
        person(store.as_ref(), "ann@example.com").await,
        person(store.as_ref(), "bo@example.com").await,
        person(store.as_ref(), "vi@example.com").await,
        person(store.as_ref(), "out@example.com").await,
    );
    join(store.as_ref(), &board, &ann, Role::Member).await;
    join(store.as_ref(), &board, &bo, Role::Admin).await;
    join(store.as_ref(), &board, &vi, Role::Viewer).await;
    join(store.as_ref(), &other, &out, Role::Member).await;

    // Made with owners: stored, answered, read back everywhere, logged in order.
    let card = store
        .create_card(&r, &owned("pair", &[ann.id, bo.id, ann.id]), &actor(), t0())
        .await
        .unwrap();
    assert_eq!(card.assignees, [ann.id, bo.id]);
    assert_eq!(
        store.card(card.id).await.unwrap().assignees,
        [ann.id, bo.id]
    );
    let by_number = store.card_by_number(&r, card.number).await.unwrap();
    assert_eq!(by_number.assignees, [ann.id, bo.id]);
    let on_board = store.board(&r).await.unwrap();
    assert_eq!(on_board.cards[0].assignees, [ann.id, bo.id]);
    let events = store.card_events(card.id).await.unwrap();
    assert_eq!(ownership_events(&events), ["+ann", "+bo"]);

    // Someone who may not own a card of this board: 422 on `assignees`, nothing stored.
    let before = store.card_events(card.id).await.unwrap().len();
    for who in [vi.id, out.id, UserId::new()] {
        let made = store
            .create_card(&r, &owned("refused", &[who]), &actor(), t0())
            .await;
        assert_eq!(invalid_field(made), "assignees");
        let patch = CardPatch {
            assignees: Some(vec![ann.id, who]),
            ..CardPatch::default()
        };
        let edited = store.update_card(card.id, &patch, &actor(), t0()).await;
        assert_eq!(invalid_field(edited), "assignees");
        let added = store
            .edit_assignees(card.id, &AssigneeEdit::Add(who), None, &actor(), t0())
            .await;
        assert_eq!(invalid_field(added), "assignees");
    }
    assert_eq!(
        store.board(&r).await.unwrap().cards.len(),
        1,
        "no card made"
    );
    assert_eq!(
        store.card(card.id).await.unwrap().assignees,
        [ann.id, bo.id]
    );
    assert_eq!(store.card_events(card.id).await.unwrap().len(), before);

    // A patch sets the owners; adding and removing one at a time; no-ops log nothing.
    let later = t0() + Duration::minutes(5);
    let patch = CardPatch {
        assignees: Some(vec![bo.id]),
        ..CardPatch::default()
    };
    let edited = store
        .update_card(card.id, &patch, &actor(), later)
        .await
        .unwrap();
    assert_eq!(
        (edited.assignees.as_slice(), edited.updated_at),
        ([bo.id].as_slice(), later)
    );
    let again = store
        .edit_assignees(card.id, &AssigneeEdit::Add(bo.id), None, &actor(), later)
        .await
        .unwrap();
    assert_eq!(again, edited, "already an owner: nothing changes");
    store
        .edit_assignees(card.id, &AssigneeEdit::Add(ann.id), None, &actor(), later)
        .await
        .unwrap();
    let events = store.card_events(card.id).await.unwrap();
    assert_eq!(ownership_events(&events), ["+ann", "+bo", "-ann", "+ann"]);
    assert!(events.iter().all(|e| e.actor == actor()));

    // What a person owns: per board, open only; and on one board, finished ones too.
    let done = board.columns.last().unwrap().id;
    let finished = store
        .create_card(&r, &owned("shipped", &[ann.id]), &actor(), t0())
        .await
        .unwrap();
    store
        .move_card(finished.id, &to(done), &actor(), t0())
        .await
        .unwrap();
    assert_eq!(
        store.open_assigned_counts(ann.id).await.unwrap(),
        [(board.id, 1)]
    );
    let mut mine = store.assigned_cards(board.id, ann.id).await.unwrap();
    mine.sort_by_key(|c| c.0);
    let mut expected = vec![card.id, finished.id];
    expected.sort_by_key(|c| c.0);
    assert_eq!(mine, expected);

    // Leaving the board: the open card lets go of Ann (logged as the remover's doing), the
    // finished one keeps her on its history and its owners.
    let admin = Actor::user("bo");
    store
        .remove_board_member(board.id, ann.id, &admin, later)
        .await
        .unwrap();
    assert_eq!(store.card(card.id).await.unwrap().assignees, [bo.id]);
    assert_eq!(store.card(finished.id).await.unwrap().assignees, [ann.id]);
    let last = store.card_events(card.id).await.unwrap();
    let last = last.last().unwrap();
    assert_eq!(
        (&last.actor, &last.kind),
        (
            &admin,
            &EventKind::Unassigned {
                user_id: ann.id,
                name: "ann".into()
            }
        )
    );
    assert_eq!(store.open_assigned_counts(ann.id).await.unwrap(), []);
}

/// A board whose In Progress has no column limit and whose people may hold `limit` cards each
/// in active columns.
async fn limited_board(store: &dyn Store, limit: u32) -> Board {
    let board = make_board(store, "Limits").await;
    let r = BoardRef::Id(board.id);
    let mut specs = domain::board::column_specs(&board);
    for spec in &mut specs {
        spec.wip_limit = None;
    }
    store.set_columns(&r, &specs).await.unwrap();
    let policy = BoardPolicy {
        person_wip_limit: Some(limit),
        ..board.policy.clone()
    };
    store.set_policy(&r, &policy).await.unwrap()
}

pub(crate) async fn person_limits_hold_and_overrides_are_recorded(store: Arc<dyn Store>) {
    let board = limited_board(store.as_ref(), 3).await;
    let r = BoardRef::Id(board.id);
    let in_progress = board.columns[2].id;
    let ann = person(store.as_ref(), "ann@example.com").await;
    join(store.as_ref(), &board, &ann, Role::Member).await;

    // Twenty cards in progress, twenty racing assignments of Ann: exactly three hold.
    let mut cards = Vec::new();
    for i in 0..20 {
        let new = NewCard {
            column_id: Some(in_progress),
            ..feature(&format!("c{i}"))
        };
        cards.push(store.create_card(&r, &new, &actor(), t0()).await.unwrap());
    }
    let tasks: Vec<_> = cards
        .iter()
        .map(|c| {
            let (store, id, user) = (store.clone(), c.id, ann.id);
            tokio::spawn(async move {
                store
                    .edit_assignees(id, &AssigneeEdit::Add(user), None, &actor(), t0())
                    .await
            })
        })
        .collect();
    let mut admitted = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(card) => {
                assert_eq!(card.assignees, [ann.id]);
                admitted += 1;
            }
            Err(StoreError::Policy(v)) => {
                assert_eq!(v.len(), 1);
                let person = v[0].person.as_ref().expect("names the person");
                assert_eq!(
                    (v[0].rule, v[0].limit, v[0].current),
                    (Rule::PersonWipLimit, 3, 3)
                );
                assert_eq!((person.user_id, person.cards.len()), (ann.id, 3));
            }
            Err(other) => panic!("unexpected: {other}"),
        }
    }
    assert_eq!(admitted, 3);

    // Pulling a card she owns into an active column is refused too; in a queue it is not.
    let queued = store
        .create_card(&r, &owned("queued", &[ann.id]), &actor(), t0())
        .await
        .unwrap();
    let pulled = store
        .move_card(queued.id, &to(in_progress), &actor(), t0())
        .await;
    let Err(StoreError::Policy(v)) = pulled else {
        panic!("expected a refusal: {pulled:?}")
    };
    assert_eq!(v[0].rule, Rule::PersonWipLimit);
    assert_eq!(
        store.card(queued.id).await.unwrap().column_id,
        board.columns[0].id
    );

    // An override goes through and is recorded for her.
    let forced = MoveRequest {
        override_reason: Some("pairing on the release".into()),
        ..to(in_progress)
    };
    store
        .move_card(queued.id, &forced, &actor(), t0())
        .await
        .unwrap();
    let events = store.card_events(queued.id).await.unwrap();
    assert!(events.iter().any(|e| matches!(
        &e.kind,
        EventKind::PolicyOverridden { rule: Rule::PersonWipLimit, user_id: Some(u), current: 3, .. }
            if *u == ann.id
    )));
    // Moving on between active columns adds nothing to her load.
    let review = board.columns[3].id;
    store
        .move_card(queued.id, &to(review), &actor(), t0())
        .await
        .unwrap();

    // Racing pulls of her queued cards hold the limit as well (she is over it now: none).
    let mut waiting = Vec::new();
    for i in 0..5 {
        let card = store
            .create_card(&r, &owned(&format!("w{i}"), &[ann.id]), &actor(), t0())
            .await
            .unwrap();
        waiting.push((card.id, to(in_progress)));
    }
    let answers = move_at_once(&store, &waiting).await;
    assert!(
        answers
            .iter()
            .all(|a| matches!(a, Err(StoreError::Policy(_))))
    );
}

pub(crate) async fn comments_count_mention_and_tell(store: Arc<dyn Store>) {
    use domain::comment::CommentAuthor;
    use domain::inbox::NoticeKind;
    let board = make_board(store.as_ref(), "Talk").await;
    let r = BoardRef::Id(board.id);
    let (ann, bo, cy) = (
        person(store.as_ref(), "ann@example.com").await,
        person(store.as_ref(), "bo@example.com").await,
        person(store.as_ref(), "cy@example.com").await,
    );
    for (who, role) in [
        (&ann, Role::Member),
        (&bo, Role::Member),
        (&cy, Role::Viewer),
    ] {
        join(store.as_ref(), &board, who, role).await;
    }
    let card = store
        .create_card(&r, &owned("talked about", &[ann.id]), &actor(), t0())
        .await
        .unwrap();
    let as_bo = Actor {
        user_id: Some(bo.id),
        ..Actor::user("bo")
    };
    let author = CommentAuthor {
        kind: domain::ActorKind::User,
        id: Some(bo.id.0),
        name: "bo".into(),
    };
    // Bo mentions Cy (a viewer may be mentioned) and himself; Ann owns the card.
    let first = store
        .add_comment(card.id, "@cy please look, @bo too", &author, &as_bo, t0())
        .await
        .unwrap();
    let told = |user: UserId| {
        let store = store.clone();
        async move {
            let (entries, total) = store.inbox(user, 0, 50).await.unwrap();
            assert_eq!(entries.len(), total);
            entries
                .into_iter()
                .map(|n| (n.kind, n.card_number, n.actor))
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        told(cy.id).await,
        [(NoticeKind::Mentioned, card.number, "bo".into())]
    );
    // Ann was told of the assignment (by the tester) and of the comment on her card.
    assert_eq!(
        told(ann.id).await,
        [
            (NoticeKind::Commented, card.number, "bo".into()),
            (NoticeKind::Assigned, card.number, "tester".into()),
        ]
    );
    assert_eq!(told(bo.id).await, [], "nobody is told of their own doing");
    assert_eq!(store.card(card.id).await.unwrap().comment_count, 1);

    // An edit tells only the newly mentioned; a deletion keeps who and when, not the text.
    let later = t0() + Duration::minutes(1);
    let edited = store
        .edit_comment(first.id, "@cy and @ann, please", &as_bo, later)
        .await
        .unwrap();
    assert_eq!(edited.edited_at, Some(later));
    assert_eq!(told(cy.id).await.len(), 1);
    assert_eq!(told(ann.id).await[0].0, NoticeKind::Mentioned);
    let second = store
        .add_comment(card.id, "second", &author, &as_bo, later)
        .await
        .unwrap();
    let deleted = store
        .delete_comment(second.id, &Actor::user("admin"), later)
        .await
        .unwrap();
    assert_eq!(
        (deleted.body.as_str(), deleted.deleted_by.as_deref()),
        ("", Some("admin"))
    );
    assert!(matches!(
        store.delete_comment(second.id, &actor(), later).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store
            .edit_comment(second.id, "again", &actor(), later)
            .await,
        Err(StoreError::NotFound(_))
    ));
    let (page, total) = store.comments(card.id, 0, 1).await.unwrap();
    assert_eq!((page.len(), total), (1, 2));
    assert_eq!(page[0].body, "@cy and @ann, please");
    let (rest, _) = store.comments(card.id, 1, 10).await.unwrap();
    assert_eq!(rest[0].deleted_at, Some(later));
    assert_eq!(store.card(card.id).await.unwrap().comment_count, 1);
    let on_board = store.board(&r).await.unwrap();
    assert_eq!(on_board.cards[0].comment_count, 1);

    // Blocked and sent back: the owner is told; marking read, one and all.
    let block = CardPatch {
        blocked: Some(true),
        blocked_reason: Some("vendor".into()),
        ..CardPatch::default()
    };
    store
        .update_card(card.id, &block, &as_bo, later)
        .await
        .unwrap();
    let ready = board.columns[1].id;
    store
        .move_card(card.id, &to(ready), &as_bo, later)
        .await
        .unwrap();
    store
        .move_card(card.id, &to(board.columns[0].id), &as_bo, later)
        .await
        .unwrap();
    let kinds: Vec<NoticeKind> = told(ann.id).await.into_iter().map(|n| n.0).collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == NoticeKind::Blocked).count(),
        1
    );
    assert_eq!(
        kinds.iter().filter(|k| **k == NoticeKind::SentBack).count(),
        1,
        "{kinds:?}"
    );
    let unread = store.unread_count(ann.id).await.unwrap();
    assert_eq!(unread, kinds.len() as u64);
    let (entries, _) = store.inbox(ann.id, 0, 50).await.unwrap();
    assert_eq!(
        store
            .mark_read(cy.id, Some(entries[0].id), later)
            .await
            .unwrap(),
        0,
        "not hers"
    );
    assert_eq!(
        store
            .mark_read(ann.id, Some(entries[0].id), later)
            .await
            .unwrap(),
        1
    );
    assert_eq!(store.unread_count(ann.id).await.unwrap(), unread - 1);
    assert_eq!(
        store.mark_read(ann.id, None, later).await.unwrap(),
        unread - 1
    );
    assert_eq!(store.unread_count(ann.id).await.unwrap(), 0);
}

pub(crate) async fn incidents_are_told_as_the_board_asks(store: Arc<dyn Store>) {
    use domain::inbox::{IncidentNotices, NoticeKind};
    let board = make_board(store.as_ref(), "Pager").await;
    let r = BoardRef::Id(board.id);
    let ann = person(store.as_ref(), "ann@example.com").await;
    join(store.as_ref(), &board, &ann, Role::Viewer).await;
    let incident = |severity: Severity| NewCard {
        card_type: CardType::Incident,
        severity: Some(severity),
        override_reason: Some("test".into()),
        ..feature("down")
    };
    // Default: sev1 and sev2 only.
    store
        .create_card(&r, &incident(Severity::Sev3), &actor(), t0())
        .await
        .unwrap();
    store
        .create_card(&r, &incident(Severity::Sev2), &actor(), t0())
        .await
        .unwrap();
    let (entries, _) = store.inbox(ann.id, 0, 50).await.unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(
        (entries[0].kind, entries[0].detail.as_str()),
        (NoticeKind::Incident, "sev2")
    );
    for (notify, more) in [(IncidentNotices::All, 1), (IncidentNotices::None, 0)] {
        let settings = domain::incident::IncidentSettings {
            notify,
            ..Default::default()
        };
        store.set_incident_settings(&r, &settings).await.unwrap();
        let before = store.unread_count(ann.id).await.unwrap();
        store
            .create_card(&r, &incident(Severity::Sev4), &actor(), t0())
            .await
            .unwrap();
        assert_eq!(
            store.unread_count(ann.id).await.unwrap(),
            before + more,
            "{notify:?}"
        );
    }
}

/// What a search reads of a board's cards (`search_cards`) is what the board holds, field
/// for field: text, type, severity, service, lane, blocked, times and owners.
pub(crate) async fn search_cards_are_the_cards_as_a_search_reads_them(store: Arc<dyn Store>) {
    use domain::search::SearchCard;
    let board = make_board(store.as_ref(), "Searched").await;
    let r = BoardRef::Id(board.id);
    let ann = person(store.as_ref(), "ann.search@example.com").await;
    join(store.as_ref(), &board, &ann, Role::Member).await;
    let described = NewCard {
        description: Some("Times out under load: \u{e9}t\u{e9} \"quoted\"".into()),
        ..owned("Checkout is slow", &[ann.id])
    };
    store
        .create_card(&r, &described, &actor(), t0())
        .await
        .unwrap();
    let incident = NewCard {
        title: "Payments down".into(),
        card_type: CardType::Incident,
        severity: Some(Severity::Sev1),
        service: Some("payments".into()),
        ..feature("")
    };
    store
        .create_card(&r, &incident, &actor(), t0())
        .await
        .unwrap();
    let blocked = add_feature(store.as_ref(), &r, "Vendor key").await;
    let patch = CardPatch {
        blocked: Some(true),
        blocked_reason: Some("vendor".into()),
        ..Default::default()
    };
    store
        .update_card(blocked.id, &patch, &actor(), t0())
        .await
        .unwrap();
    let other = make_board(store.as_ref(), "Not searched").await;
    add_feature(store.as_ref(), &BoardRef::Id(other.id), "Elsewhere").await;

    let by_number = |mut cards: Vec<SearchCard>| {
        cards.sort_by_key(|c| c.number);
        cards
    };
    let expected = by_number(
        store
            .board(&r)
            .await
            .unwrap()
            .cards
            .iter()
            .map(SearchCard::from)
            .collect(),
    );
    let read = by_number(store.search_cards(board.id).await.unwrap());
    assert_eq!(read.len(), 3);
    assert_eq!(read, expected);
    assert_eq!(read[0].assignees, [ann.id]);
    assert!(read[2].blocked);
    assert_eq!(read[1].severity, Some(Severity::Sev1));
}
