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
