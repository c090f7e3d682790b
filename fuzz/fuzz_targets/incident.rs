//! `POST /api/v1/incidents`: body → `IncidentReport` → validation → the card it makes.
#![no_main]

use domain::card::MAX_TITLE_CHARS;
use domain::incident::IncidentReport;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(report) = serde_json::from_slice::<IncidentReport>(data) else {
        return;
    };
    if report.validate().is_err() {
        return;
    }
    if let Ok(draft) = report.new_card("api").validate(&flowboard_fuzz::board()) {
        assert!(!draft.title.is_empty());
        assert!(draft.title.chars().count() <= MAX_TITLE_CHARS);
        assert!(!draft.title.contains('\0') && !draft.description.contains('\0'));
        assert_eq!(
            draft.dedup_key,
            report
                .dedup_key
                .as_deref()
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .map(str::to_owned)
        );
    }
});
