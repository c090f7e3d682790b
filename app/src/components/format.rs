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

/// A column's name for a page, or "(removed column)" for one the board no longer has (an old
/// event may name it).
pub fn column_name(board: &domain::Board, id: domain::ColumnId) -> String {
    board
        .column(id)
        .map(|c| c.name.clone())
        .unwrap_or_else(|| "(removed column)".into())
}

/// A timestamp for history lists: `2026-11-21 14:05 UTC`. Written out field by field rather
/// than with `format("%Y-%m-%d …")`: chrono's format strings bring their parser and printer
/// into the browser bundle, 10 KB for this one line.
pub fn short_time(at: DateTime<Utc>) -> String {
    use chrono::{Datelike, Timelike};
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} UTC",
        at.year(),
        at.month(),
        at.day(),
        at.hour(),
        at.minute()
    )
}

/// `link` when a browser may follow it as a web page (`http:` or `https:`, any case), else
/// `None`. Links on incidents come from monitoring payloads anyone with a webhook secret can
/// shape, so a `javascript:` or `data:` one must stay text, never become an `href`.
pub fn web_link(link: &str) -> Option<&str> {
    let link = link.trim();
    let scheme = link.split_once(':').map(|(scheme, _)| scheme)?;
    (scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")).then_some(link)
}

/// Text for a `<textarea>`'s children.
///
/// Leptos 0.8's server renderer writes textarea children unescaped (tachys marks `textarea`
/// as a raw-text element), so a description containing `</textarea><script>` would break out
/// of the form. On the server we escape it ourselves; in the browser the text goes through
/// the DOM API, which needs no escaping.
pub fn textarea_text(text: &str) -> String {
    if cfg!(feature = "ssr") {
        escaped(text)
    } else {
        text.to_owned()
    }
}

/// `text` as a value in an address's query (`?q=<this>`).
pub fn query_value(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// `text` escaped for an HTML text position, as a new string.
pub fn escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_text(&mut out, text);
    out
}

/// Appends `text` escaped for an HTML text position (`&`, `<`, `>`), as Leptos escapes text.
pub fn escape_text(out: &mut String, text: &str) {
    escape(out, text, false);
}

/// Appends `text` escaped for a double-quoted attribute value (`"` too).
pub fn escape_attr(out: &mut String, text: &str) {
    escape(out, text, true);
}

fn escape(out: &mut String, text: &str, quotes: bool) {
    let mut rest = text;
    while let Some(at) = rest.find(|c| matches!(c, '&' | '<' | '>') || (quotes && c == '"')) {
        out.push_str(&rest[..at]);
        out.push_str(match rest.as_bytes()[at] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            _ => "&quot;",
        });
        rest = &rest[at + 1..];
    }
    out.push_str(rest);
}

#[cfg(test)]
mod tests {
    use super::{escape_attr, escaped, human_duration, short_time, web_link};
    use chrono::{DateTime, Utc};

    #[test]
    fn only_web_pages_become_links() {
        let grafana = "https://grafana.example/d/abc?viewPanel=2";
        assert_eq!(web_link(grafana), Some(grafana));
        assert_eq!(
            web_link(" HTTP://prom:9090/graph "),
            Some("HTTP://prom:9090/graph")
        );
        for text in [
            "javascript:alert(1)",
            "data:text/html,<b>x</b>",
            "//evil.example",
            "grafana/d/abc",
            "httpx://a",
            "",
        ] {
            assert_eq!(web_link(text), None, "{text}");
        }
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escaped("#1 </title><script>a && b</script> \"q\" ✓"),
            "#1 &lt;/title&gt;&lt;script&gt;a &amp;&amp; b&lt;/script&gt; \"q\" ✓"
        );
        let mut attr = String::new();
        escape_attr(&mut attr, "a \"b\" <c>");
        assert_eq!(attr, "a &quot;b&quot; &lt;c&gt;");
    }

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

    #[test]
    fn short_times_read_as_chrono_would_write_them() {
        for at in [
            "2026-11-21T14:05:59Z",
            "2026-01-02T03:04:05Z",
            "0999-12-31T23:59:00Z",
        ] {
            let at: DateTime<Utc> = at.parse().expect("a time");
            assert_eq!(short_time(at), at.format("%Y-%m-%d %H:%M UTC").to_string());
        }
    }
}
