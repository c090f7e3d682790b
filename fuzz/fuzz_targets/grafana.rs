//! `POST /api/v1/integrations/grafana`: body → `GrafanaPayload` → signals → cards.
#![no_main]

use domain::incident::{GrafanaPayload, IncidentSettings};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(payload) = serde_json::from_slice::<GrafanaPayload>(data) else {
        return;
    };
    let signals = payload.signals(&IncidentSettings::default());
    flowboard_fuzz::check_signals(&signals, "grafana", &flowboard_fuzz::board());
});
