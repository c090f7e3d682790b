//! HTML rendered once on the server and put in place by the page as it is (`inner_html`):
//! the charts, the card history, the delivery dashboard, the retrospective's report.

use leptos::tachys::view::RenderHtml;

/// A view as HTML without Leptos's hydration markers (`<!>`): `view.to_static_html()`.
///
/// Why: this HTML is never hydrated, and with type-erased components (`erase_components`,
/// see `.cargo/config.toml`) the renderer cannot tell where text nodes end, so it writes a
/// marker after nearly every one: a third of a chart's bytes. Text and attribute values are
/// escaped (`<` as `&lt;`), so a `<!>` in the output is always a marker.
pub trait StaticHtml: RenderHtml + Sized {
    /// The HTML, markers left out.
    fn to_static_html(self) -> String {
        self.to_html().replace("<!>", "")
    }
}

impl<V: RenderHtml> StaticHtml for V {}

#[cfg(test)]
mod tests {
    use super::StaticHtml;
    use leptos::prelude::*;

    #[test]
    fn markers_go_and_text_that_looks_like_one_stays() {
        let (title, first, last) = ("a <!> b", "a <!> b".to_owned(), "a <!> b".to_owned());
        let html = view! { <p title=title>{first}<b>"x"</b>{last}</p> }.to_static_html();
        assert_eq!(
            html,
            r#"<p title="a &lt;!&gt; b">a &lt;!&gt; b<b>x</b>a &lt;!&gt; b</p>"#
        );
    }
}
