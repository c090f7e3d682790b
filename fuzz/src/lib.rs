//! What the fuzz targets share: a board like the one `POST /boards` makes, and the checks that
//! every target applies after parsing. Each target takes raw request bodies through the same
//! calls the REST handlers and the store make: `serde_json::from_slice` (what `axum::Json`
//! does), then the domain's conversion and validation.

use chrono::{TimeZone, Utc};
use domain::board::NewBoard;
use domain::incident::{IncidentSettings, Signal, SignalStatus};
use domain::{Board, BoardId};

/// A board with the default columns and lanes, as a fresh `POST /api/v1/boards` makes it.
pub fn board() -> Board {
    let draft = NewBoard {
        name: "Fuzz".into(),
        ..Default::default()
    }
    .validate()
    .expect("the default board is valid");
    Board {
        id: BoardId::new(),
        slug: draft.slug,
        name: draft.name,
        description: String::new(),
        created_at: Utc.timestamp_opt(0, 0).single().expect("epoch"),
        columns: draft.columns,
        lanes: draft.lanes,
        policy: Default::default(),
        incidents: IncidentSettings::default(),
        cards: vec![],
    }
}

/// What the store does with a webhook's signals (`apply_alerts`): every report is validated,
/// firing ones become cards. Monitoring is never refused, so a parsed payload must yield
/// reports that pass every check; anything else is a bug and panics here.
pub fn check_signals(signals: &[Signal], source: &str, board: &Board) {
    for signal in signals {
        let report = &signal.report;
        if let Err(e) = report.validate() {
            panic!("alert refused: {e}: {report:?}");
        }
        let key = report
            .dedup_key
            .as_deref()
            .expect("alerts always have a key");
        assert!(key.starts_with(source), "{key}");
        if signal.status == SignalStatus::Firing
            && let Err(e) = report.new_card(source).validate(board)
        {
            panic!("alert's card refused: {e}: {report:?}");
        }
    }
}
