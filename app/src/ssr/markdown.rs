//! Card descriptions are markdown written by anyone on the board (and by monitoring systems),
//! so they are rendered to HTML and then sanitised: no scripts, no event handlers, no
//! `javascript:` links.

/// Renders markdown to HTML that is safe to insert into the page.
pub fn render_markdown(source: &str) -> String {
    let mut options = pulldown_cmark::Options::empty();
    options.insert(pulldown_cmark::Options::ENABLE_TABLES);
    options.insert(pulldown_cmark::Options::ENABLE_STRIKETHROUGH);
    options.insert(pulldown_cmark::Options::ENABLE_TASKLISTS);
    let parser = pulldown_cmark::Parser::new_ext(source, options);
    let mut html = String::with_capacity(source.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, parser);
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(&html)
        .to_string()
}

/// Renders a comment like a description, with each `@mention` of a member of the board a
/// link (`href` of the member); mentions in code and inside links stay text, and so does a
/// handle that names nobody on the board.
pub fn render_comment(
    source: &str,
    members: &[domain::comment::Mentionable],
    href: impl Fn(domain::UserId) -> String,
) -> String {
    use pulldown_cmark::{Event, Tag, TagEnd};
    let mut options = pulldown_cmark::Options::empty();
    options.insert(pulldown_cmark::Options::ENABLE_TABLES);
    options.insert(pulldown_cmark::Options::ENABLE_STRIKETHROUGH);
    options.insert(pulldown_cmark::Options::ENABLE_TASKLISTS);
    let (mut in_code, mut in_link) = (false, false);
    let mut events = Vec::new();
    for event in pulldown_cmark::Parser::new_ext(source, options) {
        match &event {
            Event::Start(Tag::CodeBlock(_)) => in_code = true,
            Event::End(TagEnd::CodeBlock) => in_code = false,
            Event::Start(Tag::Link { .. }) => in_link = true,
            Event::End(TagEnd::Link) => in_link = false,
            Event::Text(text) if !in_code && !in_link => {
                let found = domain::comment::find_mentions(text, members);
                if !found.is_empty() {
                    let mut at = 0;
                    for mention in found {
                        events.push(Event::Text(text[at..mention.range.start].to_owned().into()));
                        let mut link =
                            format!("<a class=\"mention\" href=\"{}\">", href(mention.user));
                        crate::components::escape_text(&mut link, &text[mention.range.clone()]);
                        link.push_str("</a>");
                        events.push(Event::InlineHtml(link.into()));
                        at = mention.range.end;
                    }
                    events.push(Event::Text(text[at..].to_owned().into()));
                    continue;
                }
            }
            _ => {}
        }
        events.push(event);
    }
    let mut html = String::with_capacity(source.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer nofollow"))
        .add_allowed_classes("a", &["mention"])
        .clean(&html)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::{render_comment, render_markdown};

    #[test]
    fn mentions_of_members_are_links_and_the_rest_stays_text() {
        let ann = domain::comment::Mentionable {
            id: domain::UserId::new(),
            name: "Ann Lee".into(),
            email: "ann@example.com".into(),
        };
        let html = render_comment(
            "Hi @ann, see `@ann` and [@ann](https://x.test); @zed <script>x</script>\n\n```\n@ann\n```",
            std::slice::from_ref(&ann),
            |id| format!("/boards/b?owner={id}"),
        );
        let link = format!(
            "<a class=\"mention\" href=\"/boards/b?owner={}\" rel=\"noopener noreferrer nofollow\">@ann</a>",
            ann.id
        );
        assert_eq!(html.matches("class=\"mention\"").count(), 1, "{html}");
        assert!(html.contains(&link), "{html}");
        assert!(html.contains("<code>@ann</code>"), "{html}");
        assert!(html.contains("@zed"), "{html}");
        assert!(!html.contains("<script"), "{html}");
    }

    #[test]
    fn markdown_renders() {
        let html = render_markdown("# Title\n\n*em* and [link](https://example.com)");
        assert!(html.contains("<h1>Title</h1>"), "{html}");
        assert!(html.contains("<em>em</em>"), "{html}");
        assert!(html.contains("href=\"https://example.com\""), "{html}");
    }

    #[test]
    fn scripts_and_handlers_are_removed() {
        let html = render_markdown(
            "<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[x](javascript:alert(1))",
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
    }
}
