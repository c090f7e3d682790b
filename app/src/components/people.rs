//! People on cards: initials avatars, with the full name on hover and for screen readers.
//! The board's tiles are written as HTML strings ([`owners_html`]); the server-rendered pages
//! use [`Avatar`]; both give the same markup.

use domain::UserId;
use domain::people::Person;
use leptos::prelude::*;

use super::format::{escape_attr, escape_text};

/// Up to two initials for an avatar circle (`?` for a name without letters).
pub fn initials(name: &str) -> String {
    let letters: String = name
        .split_whitespace()
        .filter_map(|w| w.chars().next())
        .take(2)
        .flat_map(char::to_uppercase)
        .collect();
    if letters.is_empty() {
        "?".to_owned()
    } else {
        letters
    }
}

/// The name of `id` among `people`, or what a card says of an owner who left the board.
pub fn person_name(people: &[Person], id: UserId) -> &str {
    people
        .iter()
        .find(|p| p.id == id)
        .map_or("a former member", |p| p.name.as_str())
}

/// A person's avatar: initials, the name as a tooltip and, for screen readers, in words.
#[component]
pub fn Avatar(name: String) -> impl IntoView {
    view! {
        <span class="avatar" title=name.clone()>
            <span aria-hidden="true">{initials(&name)}</span>
        </span>
    }
}

/// A tile's owners: an avatar each, titled with the name, read as "Owners: …".
pub fn owners_html(out: &mut String, owners: &[UserId], people: &[Person]) {
    if owners.is_empty() {
        return;
    }
    out.push_str(r#"<span class="owners"><span class="visually-hidden">Owners: "#);
    for (i, id) in owners.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        escape_text(out, person_name(people, *id));
    }
    out.push_str("</span>");
    for id in owners {
        let name = person_name(people, *id);
        out.push_str(r#"<span class="avatar" title=""#);
        escape_attr(out, name);
        out.push_str(r#"" aria-hidden="true">"#);
        escape_text(out, &initials(name));
        out.push_str("</span>");
    }
    out.push_str("</span>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_and_names_read_well() {
        assert_eq!(initials("Demo Admin"), "DA");
        assert_eq!(initials("ada"), "A");
        assert_eq!(initials("  "), "?");
        assert_eq!(initials("jean-luc de la Tour"), "JD");
        let ada = Person {
            id: UserId::new(),
            name: "Ada <Lovelace>".into(),
        };
        let mut html = String::new();
        owners_html(
            &mut html,
            &[ada.id, UserId::new()],
            std::slice::from_ref(&ada),
        );
        assert_eq!(
            html,
            r#"<span class="owners"><span class="visually-hidden">Owners: Ada &lt;Lovelace&gt;, a former member</span><span class="avatar" title="Ada &lt;Lovelace&gt;" aria-hidden="true">A&lt;</span><span class="avatar" title="a former member" aria-hidden="true">AF</span></span>"#
        );
    }
}
