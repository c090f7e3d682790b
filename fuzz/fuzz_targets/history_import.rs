//! `POST /api/v1/boards/{board}/history`: body → `HistoryImport` → plan against a board.
#![no_main]

use domain::card::{MAX_DESCRIPTION_CHARS, MAX_TITLE_CHARS};
use domain::import::HistoryImport;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(import) = serde_json::from_slice::<HistoryImport>(data) else {
        return;
    };
    let board = flowboard_fuzz::board();
    // The latest time there is: every plan is checked, however far ahead its dates lie.
    let now = chrono::DateTime::<chrono::Utc>::MAX_UTC;
    let Ok(plan) = import.plan(&board, now) else {
        return;
    };
    assert_eq!(plan.len(), import.cards.len());
    for card in &plan {
        // The store reads `steps[0]` and `steps.last()`: a plan always has a first step.
        let first = card.steps.first().expect("every card starts somewhere");
        assert_eq!(first.1, card.created_at);
        assert!(
            card.steps.windows(2).all(|w| w[0].1 <= w[1].1),
            "time never goes back"
        );
        assert!(card.steps.iter().all(|(c, _)| board.column(*c).is_some()));
        assert!(board.lane(card.lane_id).is_some());
        assert!(!card.title.is_empty() && card.title.chars().count() <= MAX_TITLE_CHARS);
        assert!(card.description.chars().count() <= MAX_DESCRIPTION_CHARS);
        assert!(!card.title.contains('\0') && !card.description.contains('\0'));
    }
});
