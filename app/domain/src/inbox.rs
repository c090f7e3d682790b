//! Someone's inbox: what they are told about, and whom each change tells.
//!
//! An entry is written in the same transaction as the change that causes it, so nothing is
//! lost on a crash and nothing is told of a change that rolled back. Nobody is told of their
//! own doing.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::card::Severity;
use crate::ids::{BoardId, CardId, NotificationId, UserId};

/// Most entries one page of the inbox shows.
pub const INBOX_PAGE: usize = 50;

/// Longest excerpt an entry keeps of a comment.
pub const EXCERPT_CHARS: usize = 160;

/// What an entry is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum NoticeKind {
    /// You were made an owner of the card.
    Assigned,
    /// A comment mentions you.
    Mentioned,
    /// Someone commented on a card you own.
    Commented,
    /// A card you own was blocked.
    Blocked,
    /// A card you own was sent back to an earlier column.
    SentBack,
    /// An incident was opened on a board you are a member of.
    Incident,
}

impl NoticeKind {
    /// The spelling used on the wire and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Assigned => "assigned",
            Self::Mentioned => "mentioned",
            Self::Commented => "commented",
            Self::Blocked => "blocked",
            Self::SentBack => "sent_back",
            Self::Incident => "incident",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "assigned" => Self::Assigned,
            "mentioned" => Self::Mentioned,
            "commented" => Self::Commented,
            "blocked" => Self::Blocked,
            "sent_back" => Self::SentBack,
            "incident" => Self::Incident,
            _ => return None,
        })
    }

    /// What happened, after the actor's name ("Ann *assigned you to* #12 …").
    pub fn verb(self) -> &'static str {
        match self {
            Self::Assigned => "assigned you to",
            Self::Mentioned => "mentioned you on",
            Self::Commented => "commented on your card",
            Self::Blocked => "blocked your card",
            Self::SentBack => "sent back your card",
            Self::Incident => "opened the incident",
        }
    }
}

/// One entry of an inbox.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Notification {
    /// Its id.
    pub id: NotificationId,
    /// What it is about.
    pub kind: NoticeKind,
    /// The board.
    pub board_id: BoardId,
    /// The board's slug, for the link.
    pub board_slug: String,
    /// The card.
    pub card_id: CardId,
    /// The card's number.
    pub card_number: i64,
    /// The card's title.
    pub card_title: String,
    /// Who did it.
    pub actor: String,
    /// More: a comment's first words, a block's reason, the column a card went back to.
    pub detail: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// When its reader marked it read.
    pub read_at: Option<DateTime<Utc>>,
}

/// An entry to write: for whom, about what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewNotice {
    /// The reader.
    pub user: UserId,
    /// What it is about.
    pub kind: NoticeKind,
    /// More (see [`Notification::detail`]).
    pub detail: String,
}

/// Which new incidents a board's members are told of (a board setting).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum IncidentNotices {
    /// Every incident.
    All,
    /// Sev1 and sev2 only (the default).
    #[default]
    Urgent,
    /// None.
    None,
}

impl IncidentNotices {
    /// Whether an incident of `severity` is told.
    pub fn tells(self, severity: Option<Severity>) -> bool {
        match self {
            Self::All => true,
            Self::Urgent => severity.is_some_and(Severity::is_urgent),
            Self::None => false,
        }
    }

    /// The spelling used on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Urgent => "urgent",
            Self::None => "none",
        }
    }
}

/// `kind` for each of `users` but `actor` (nobody is told of their own doing), each once.
pub fn tell(
    users: &[UserId],
    actor: Option<UserId>,
    kind: NoticeKind,
    detail: &str,
) -> Vec<NewNotice> {
    let mut told: Vec<NewNotice> = Vec::new();
    for &user in users {
        if Some(user) == actor || told.iter().any(|n| n.user == user) {
            continue;
        }
        told.push(NewNotice {
            user,
            kind,
            detail: detail.to_owned(),
        });
    }
    told
}

/// The notices a new comment causes: its mentions, then the card's owners not mentioned.
pub fn comment_notices(
    mentioned: &[UserId],
    owners: &[UserId],
    author: Option<UserId>,
    body: &str,
) -> Vec<NewNotice> {
    let detail = excerpt(body);
    let mut notices = tell(mentioned, author, NoticeKind::Mentioned, &detail);
    let others: Vec<UserId> = owners
        .iter()
        .filter(|o| !mentioned.contains(o))
        .copied()
        .collect();
    notices.extend(tell(&others, author, NoticeKind::Commented, &detail));
    notices
}

/// The first [`EXCERPT_CHARS`] characters of `text` on one line, with `…` when cut.
pub fn excerpt(text: &str) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= EXCERPT_CHARS {
        return flat;
    }
    let cut: String = flat.chars().take(EXCERPT_CHARS - 1).collect();
    format!("{}…", cut.trim_end())
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    fn id(n: u128) -> UserId {
        UserId(Uuid::from_u128(n))
    }

    #[test]
    fn nobody_is_told_of_their_own_doing_and_nobody_twice() {
        let told = tell(
            &[id(1), id(2), id(1)],
            Some(id(2)),
            NoticeKind::Assigned,
            "",
        );
        assert_eq!(told.iter().map(|n| n.user).collect::<Vec<_>>(), [id(1)]);
        // A mention beats a comment on your card; the author hears of neither.
        let notices = comment_notices(
            &[id(1), id(3)],
            &[id(1), id(2), id(3)],
            Some(id(3)),
            "hi @a",
        );
        let kinds: Vec<(UserId, NoticeKind)> = notices.iter().map(|n| (n.user, n.kind)).collect();
        assert_eq!(
            kinds,
            [
                (id(1), NoticeKind::Mentioned),
                (id(2), NoticeKind::Commented)
            ]
        );
    }

    #[test]
    fn incident_notices_follow_the_setting_and_excerpts_stay_short() {
        assert!(IncidentNotices::Urgent.tells(Some(Severity::Sev2)));
        assert!(!IncidentNotices::Urgent.tells(Some(Severity::Sev3)));
        assert!(IncidentNotices::All.tells(Some(Severity::Sev4)));
        assert!(!IncidentNotices::None.tells(Some(Severity::Sev1)));
        assert_eq!(excerpt("a\n\n b"), "a b");
        let long = excerpt(&"word ".repeat(100));
        assert_eq!(long.chars().count(), EXCERPT_CHARS);
        assert!(long.ends_with('…'));
        for kind in [
            NoticeKind::Assigned,
            NoticeKind::Mentioned,
            NoticeKind::Commented,
            NoticeKind::Blocked,
            NoticeKind::SentBack,
            NoticeKind::Incident,
        ] {
            assert_eq!(NoticeKind::parse(kind.as_str()), Some(kind));
        }
    }
}
