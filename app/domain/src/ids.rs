//! Typed identifiers. They are UUIDs on the wire and in storage, but distinct types in Rust so
//! that a move request cannot confuse a lane with a column.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, format = Uuid))]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh, time-ordered id (UUIDv7 keeps inserts index-friendly).
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

id_type!(
    /// Identifies a board.
    BoardId
);
id_type!(
    /// Identifies a column of a board.
    ColumnId
);
id_type!(
    /// Identifies a swimlane of a board.
    LaneId
);
id_type!(
    /// Identifies a card.
    CardId
);
id_type!(
    /// Identifies a user account.
    UserId
);
id_type!(
    /// Identifies an API token (not its secret).
    TokenId
);
id_type!(
    /// Identifies a deployment reported by CI/CD.
    DeploymentId
);
id_type!(
    /// Identifies an action item of a retrospective.
    ActionItemId
);
id_type!(
    /// Identifies a comment on a card.
    CommentId
);
id_type!(
    /// Identifies an entry of someone's inbox.
    NotificationId
);
id_type!(
    /// Identifies a label of a board.
    LabelId
);
