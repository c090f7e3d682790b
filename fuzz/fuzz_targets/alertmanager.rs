//! `POST /api/v1/integrations/alertmanager`: body → `AlertmanagerPayload` → signals → cards.
#![no_main]

use domain::incident::{AlertmanagerPayload, IncidentSettings};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(payload) = serde_json::from_slice::<AlertmanagerPayload>(data) else {
        return;
    };
    // A wrong version is a 422, nothing more to check.
    if let Ok(signals) = payload.signals(&IncidentSettings::default()) {
        flowboard_fuzz::check_signals(&signals, "alertmanager", &flowboard_fuzz::board());
    }
});
