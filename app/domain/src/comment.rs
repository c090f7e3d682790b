//! Comments on cards, the `@mentions` in them, and who may change them.
//!
//! A comment is Markdown, rendered and sanitised like a description. A mention is `@` and a
//! handle: a member's email local part (`@amara.okafor`) or their name without spaces
//! (`@AmaraOkafor`), or their first name when no other member shares it (`@Amara`), compared
//! ignoring case. A handle that names no member of the board stays plain text.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::DomainError;
pub use crate::ids::CommentId;
use crate::ids::{CardId, UserId};

/// Longest comment we accept, in characters (Markdown source).
pub const MAX_COMMENT_CHARS: usize = 20_000;

/// Who wrote a comment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommentAuthor {
    /// A person (`user`) or an API client (`token`).
    pub kind: crate::event::ActorKind,
    /// The user's or the token's id: who may edit the comment.
    pub id: Option<uuid::Uuid>,
    /// Their name as people read it.
    pub name: String,
}

/// A comment on a card.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Comment {
    /// Its id.
    pub id: CommentId,
    /// The card.
    pub card_id: CardId,
    /// Who wrote it.
    pub author: CommentAuthor,
    /// Markdown; empty once deleted (the text is not kept).
    pub body: String,
    /// When it was written.
    pub created_at: DateTime<Utc>,
    /// When its text last changed (the earlier text is not kept).
    #[serde(default)]
    pub edited_at: Option<DateTime<Utc>>,
    /// When it was deleted.
    #[serde(default)]
    pub deleted_at: Option<DateTime<Utc>>,
    /// Who deleted it.
    #[serde(default)]
    pub deleted_by: Option<String>,
}

/// Checks a comment's text: not empty, at most [`MAX_COMMENT_CHARS`], no NUL.
pub fn check_body(raw: &str) -> Result<String, DomainError> {
    crate::text::check_no_nul("body", raw)?;
    let body = raw.trim_end();
    if body.trim().is_empty() {
        return Err(DomainError::invalid("body", "write something"));
    }
    let chars = body.chars().count();
    if chars > MAX_COMMENT_CHARS {
        return Err(DomainError::invalid(
            "body",
            format!("must be at most {MAX_COMMENT_CHARS} characters (got {chars})"),
        ));
    }
    Ok(body.to_owned())
}

/// A member who can be mentioned: id, name, email.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mentionable {
    /// The account.
    pub id: UserId,
    /// Their name.
    pub name: String,
    /// Their email.
    pub email: String,
}

/// Those of a board's `members` who can be mentioned (and are told of its incidents):
/// enabled accounts, whatever their role, as viewers follow the board too.
pub fn mentionable_among(members: &[crate::access::Member]) -> Vec<Mentionable> {
    members
        .iter()
        .filter(|m| !m.user.disabled)
        .map(|m| Mentionable {
            id: m.user.id,
            name: m.user.name.clone(),
            email: m.user.email.clone(),
        })
        .collect()
}

/// A mention found in a text: where it is (byte range of `@handle`) and whom it names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mention {
    /// Byte offsets of the `@handle` in the text.
    pub range: std::ops::Range<usize>,
    /// The member it names.
    pub user: UserId,
}

/// Whether `c` may be part of a handle.
fn handle_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '.' | '_' | '-')
}

/// The member `handle` names among `members`, if exactly one.
fn resolve(handle: &str, members: &[Mentionable]) -> Option<UserId> {
    let handle = handle.trim_end_matches(['.', '-', '_']).to_lowercase();
    if handle.is_empty() {
        return None;
    }
    let by = |key: &dyn Fn(&Mentionable) -> String| {
        let found: Vec<UserId> = members
            .iter()
            .filter(|m| key(m) == handle)
            .map(|m| m.id)
            .collect();
        (found.len() == 1).then(|| found[0])
    };
    by(&|m| m.email.split('@').next().unwrap_or_default().to_lowercase())
        .or_else(|| by(&|m| m.name.split_whitespace().collect::<String>().to_lowercase()))
        .or_else(|| {
            by(&|m| {
                m.name
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_lowercase()
            })
        })
}

/// A handle that names `member` (and nobody else) among `members`: their email's local
/// part, else their name without spaces; `None` when neither does (two members share both).
pub fn handle_for(member: &Mentionable, members: &[Mentionable]) -> Option<String> {
    let local = member
        .email
        .split('@')
        .next()
        .unwrap_or_default()
        .to_lowercase();
    let joined: String = member.name.split_whitespace().collect();
    [local, joined].into_iter().find(|candidate| {
        !candidate.is_empty()
            && candidate.chars().all(handle_char)
            && !candidate.ends_with(['.', '-', '_'])
            && resolve(candidate, members) == Some(member.id)
    })
}

/// The handle being typed at `caret` (a byte offset) in `text`, if any: where its `@` is and
/// what follows it up to the caret (possibly nothing yet).
///
/// For the suggestions while typing, in the browser: any character beyond ASCII counts as a
/// letter here, so the browser bundle needs no Unicode tables for it. What is a mention is
/// decided by [`find_mentions`] when the text is saved.
pub fn typing_mention(text: &str, caret: usize) -> Option<(usize, &str)> {
    let letter = |c: char| c.is_ascii_alphanumeric() || !c.is_ascii();
    let before = text.get(..caret)?;
    let at = before.rfind('@')?;
    let partial = &before[at + 1..];
    if !partial
        .chars()
        .all(|c| letter(c) || matches!(c, '.' | '_' | '-'))
    {
        return None;
    }
    let starts = before[..at]
        .chars()
        .next_back()
        .is_none_or(|p| !(letter(p) || p == '.'));
    starts.then_some((at, partial))
}

/// The mentions of members in `text`: `@handle` at the start or after a character that
/// cannot be part of a word (so `ann@example.com` is an address, not a mention).
pub fn find_mentions(text: &str, members: &[Mentionable]) -> Vec<Mention> {
    let mut found = Vec::new();
    let mut previous: Option<char> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let starts = c == '@' && !previous.is_some_and(|p| p.is_alphanumeric() || p == '.');
        previous = Some(c);
        if !starts {
            continue;
        }
        let mut end = at + 1;
        while let Some(&(i, next)) = chars.peek() {
            if !handle_char(next) {
                break;
            }
            end = i + next.len_utf8();
            previous = Some(next);
            chars.next();
        }
        let raw = &text[at + 1..end];
        let trimmed = raw.trim_end_matches(['.', '-', '_']);
        if let Some(user) = resolve(trimmed, members) {
            found.push(Mention {
                range: at..at + 1 + trimmed.len(),
                user,
            });
        }
    }
    found
}

/// The members `text` mentions, each once, in order of first mention.
pub fn mentioned(text: &str, members: &[Mentionable]) -> Vec<UserId> {
    let mut users = Vec::new();
    for m in find_mentions(text, members) {
        if !users.contains(&m.user) {
            users.push(m.user);
        }
    }
    users
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use uuid::Uuid;

    use super::*;

    fn member(n: u128, name: &str, email: &str) -> Mentionable {
        Mentionable {
            id: UserId(Uuid::from_u128(n)),
            name: name.into(),
            email: email.into(),
        }
    }

    fn team() -> Vec<Mentionable> {
        vec![
            member(1, "Amara Okafor", "amara.okafor@example.com"),
            member(2, "Bo Lindqvist", "bo@example.com"),
            member(3, "Bo Chen", "bchen@example.com"),
        ]
    }

    #[test]
    fn handles_name_members_by_email_name_or_unique_first_name() {
        let team = team();
        let text = "@amara.okafor and @AmaraOkafor, @Amara: ask @bo (or @bchen). @Bo? @nobody";
        let users: Vec<u128> = find_mentions(text, &team)
            .iter()
            .map(|m| m.user.0.as_u128())
            .collect();
        // `@Bo` is both Bos' first name: only the email handle `@bo` names one of them.
        assert_eq!(users, [1, 1, 1, 2, 3, 2]);
        let spans: Vec<&str> = find_mentions(text, &team)
            .iter()
            .map(|m| &text[m.range.clone()])
            .collect();
        assert_eq!(
            spans,
            [
                "@amara.okafor",
                "@AmaraOkafor",
                "@Amara",
                "@bo",
                "@bchen",
                "@Bo"
            ]
        );
        assert_eq!(
            mentioned(text, &team),
            [
                UserId(Uuid::from_u128(1)),
                UserId(Uuid::from_u128(2)),
                UserId(Uuid::from_u128(3))
            ]
        );
    }

    #[test]
    fn addresses_and_non_members_are_not_mentions() {
        let team = team();
        assert!(find_mentions("mail bo@example.com or x.@bo", &team).is_empty());
        assert!(find_mentions("@ alone, @@, @zed", &team).is_empty());
        assert_eq!(find_mentions("(@bo)", &team).len(), 1);
    }

    #[test]
    fn bodies_are_checked() {
        assert_eq!(check_body("  hi  \n").unwrap(), "  hi");
        assert_eq!(check_body(" \n ").unwrap_err().field(), "body");
        assert!(check_body(&"x".repeat(MAX_COMMENT_CHARS)).is_ok());
        assert!(check_body(&"x".repeat(MAX_COMMENT_CHARS + 1)).is_err());
        assert!(check_body("a\0b").is_err());
    }

    #[test]
    fn handles_offered_name_their_member_and_typing_is_found() {
        let mut team = team();
        team.push(member(4, "Ann Lee", "bo@other.example"));
        // Bo Lindqvist's `bo` is shared with another address: his name names him alone.
        let handles: Vec<Option<String>> = team.iter().map(|m| handle_for(m, &team)).collect();
        assert_eq!(
            handles,
            [
                Some("amara.okafor".to_owned()),
                Some("BoLindqvist".to_owned()),
                Some("bchen".to_owned()),
                Some("AnnLee".to_owned()),
            ]
        );
        for (member, handle) in team.iter().zip(&handles) {
            let text = format!("hi @{}", handle.as_deref().unwrap_or_default());
            assert_eq!(mentioned(&text, &team), [member.id]);
        }
        assert_eq!(typing_mention("hi @am", 6), Some((3, "am")));
        assert_eq!(typing_mention("@", 1), Some((0, "")));
        assert_eq!(typing_mention("ann@exa", 7), None);
        assert_eq!(typing_mention("@am and", 7), None);
        assert_eq!(typing_mention("é@b", 4), None);
        assert_eq!(typing_mention("(@b", 3), Some((1, "b")));
    }

    proptest! {
        /// Whatever the text, a mention's range is a char boundary slice starting with `@`
        /// and naming the member found.
        #[test]
        fn mention_ranges_are_well_formed(text in "[@a-zA-Z .éß_-]{0,60}") {
            let team = team();
            for m in find_mentions(&text, &team) {
                let slice = &text[m.range.clone()];
                prop_assert!(slice.starts_with('@'));
                prop_assert!(team.iter().any(|t| t.id == m.user));
            }
        }
    }
}
