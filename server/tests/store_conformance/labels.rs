//! Labels: a board's own, unique whatever the case, carried by cards in the board's order,
//! every change of a card's labels in its history, and removal taking them off the cards.

use domain::label::{LabelColour, LabelSpec};

use super::*;

fn spec(name: &str, colour: LabelColour) -> LabelSpec {
    LabelSpec {
        name: name.into(),
        colour,
    }
}

fn label_events(events: &[domain::CardEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Labelled { name, .. } => Some(format!("+{name}")),
            EventKind::Unlabelled { name, .. } => Some(format!("-{name}")),
            _ => None,
        })
        .collect()
}

pub(crate) async fn labels_are_the_board_s_and_cards_carry_them(store: Arc<dyn Store>) {
    let board = make_board(store.as_ref(), "Labels").await;
    let other = make_board(store.as_ref(), "Other labels").await;
    let r = BoardRef::Id(board.id);
    let db = store
        .save_label(&r, None, &spec(" Database ", LabelColour::Blue), t0())
        .await
        .unwrap();
    assert_eq!(
        (db.name.as_str(), db.colour),
        ("Database", LabelColour::Blue)
    );
    let taken = store
        .save_label(&r, None, &spec("DATABASE", LabelColour::Red), t0())
        .await;
    assert!(
        matches!(&taken, Err(StoreError::Invalid(e)) if e.field() == "name"),
        "{taken:?}"
    );
    let customer = store
        .save_label(&r, None, &spec("customer", LabelColour::Green), t0())
        .await
        .unwrap();
    let foreign = store
        .save_label(
            &BoardRef::Id(other.id),
            None,
            &spec("database", LabelColour::Grey),
            t0(),
        )
        .await
        .expect("another board may have the same name");
    let layout = store.board_layout(&r).await.unwrap();
    assert_eq!(layout.labels, vec![customer.clone(), db.clone()], "by name");

    // A card made with a label, then given both, then refused one of another board.
    let new = NewCard {
        labels: vec![db.id],
        ..feature("schema change")
    };
    let card = store.create_card(&r, &new, &actor(), t0()).await.unwrap();
    assert_eq!(card.labels, vec![db.id]);
    let both = CardPatch {
        labels: Some(vec![db.id, customer.id, db.id]),
        ..Default::default()
    };
    let changed = store
        .update_card(card.id, &both, &actor(), t0())
        .await
        .unwrap();
    assert_eq!(
        changed.labels,
        vec![customer.id, db.id],
        "the board's order"
    );
    for wrong in [foreign.id, domain::LabelId::new()] {
        let patch = CardPatch {
            labels: Some(vec![wrong]),
            ..Default::default()
        };
        let refused = store.update_card(card.id, &patch, &actor(), t0()).await;
        assert!(
            matches!(&refused, Err(StoreError::Invalid(e)) if e.field() == "labels"),
            "{refused:?}"
        );
    }
    assert_eq!(
        store.card(card.id).await.unwrap().labels,
        vec![customer.id, db.id]
    );
    let on_board = store.board(&r).await.unwrap();
    assert_eq!(on_board.cards[0].labels, vec![customer.id, db.id]);
    let searched = store.search_cards(board.id).await.unwrap();
    assert_eq!(searched[0].labels, vec![customer.id, db.id]);
    assert_eq!(
        store.labelled_cards(board.id, db.id).await.unwrap(),
        vec![card.id]
    );
    assert!(
        store
            .labelled_cards(other.id, db.id)
            .await
            .unwrap()
            .is_empty()
    );
    // Asking for the labels it has changes nothing and logs nothing.
    store
        .update_card(card.id, &both, &actor(), t0())
        .await
        .unwrap();

    // Renamed: the card keeps it, and the layout (cached at its version) shows the new name.
    let renamed = store
        .save_label(
            &r,
            Some(db.id),
            &spec("Databases", LabelColour::Purple),
            t0(),
        )
        .await
        .unwrap();
    assert_eq!(store.board_layout(&r).await.unwrap().labels[1], renamed);
    assert!(matches!(
        store
            .save_label(&r, Some(foreign.id), &spec("x", LabelColour::Grey), t0())
            .await,
        Err(StoreError::NotFound(_))
    ));

    // Removed from the board: off the card, said in its history.
    store
        .delete_label(&r, customer.id, &actor(), t0())
        .await
        .unwrap();
    assert_eq!(store.card(card.id).await.unwrap().labels, vec![db.id]);
    assert_eq!(store.board_layout(&r).await.unwrap().labels, vec![renamed]);
    let events = store.card_events(card.id).await.unwrap();
    assert_eq!(
        label_events(&events),
        ["+Database", "+customer", "-customer"]
    );
    assert!(matches!(
        store.delete_label(&r, customer.id, &actor(), t0()).await,
        Err(StoreError::NotFound(_))
    ));
}
