//! Times and durations as people read them on a board.

use chrono::{DateTime, Utc};

/// A duration in the largest sensible unit: `45s`, `12m`, `5h`, `3d 4h`, `12d`.
pub fn human_duration(seconds: i64) -> String {
    let s = seconds.max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..86_400 => format!("{}h", s / 3600),
        86_400..864_000 => match (s % 86_400) / 3600 {
            0 => format!("{}d", s / 86_400),
            h => format!("{}d {h}h", s / 86_400),
        },
        _ => format!("{}d", s / 86_400),
    }
}

/// A timestamp for history lists: `2026-11-21 14:05 UTC`.
pub fn short_time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// Text for a `<textarea>`'s children.
///
/// Leptos 0.8's server renderer writes textarea children unescaped (tachys marks `textarea`
/// as a raw-text element), so a description containing `</textarea><script>` would break out
/// of the form. On the server we escape it ourselves; in the browser the text goes through
/// the DOM API, which needs no escaping.
pub fn textarea_text(text: &str) -> String {
    if cfg!(feature = "ssr") {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::human_duration;

    #[test]
    fn durations_pick_a_readable_unit() {
        assert_eq!(human_duration(-5), "0s");
        assert_eq!(human_duration(59), "59s");
        assert_eq!(human_duration(60), "1m");
        assert_eq!(human_duration(7200), "2h");
        assert_eq!(human_duration(86_400), "1d");
        assert_eq!(human_duration(90_000), "1d 1h");
        assert_eq!(human_duration(864_000), "10d");
    }
}
