//! Who may do what. Boards grant roles to users; API tokens carry scopes and may be bound to
//! one board. [`authorize`] is the one decision every entry point (server functions, REST
//! handlers, integrations) asks, so the role × action matrix lives in exactly one place.

mod account;
mod records;

use serde::{Deserialize, Serialize};

use crate::ids::{BoardId, TokenId, UserId};

pub use account::{
    LOCKOUT_AFTER, MIN_PASSWORD_LEN, NewUser, lockout_after_failures, normalize_email,
    validate_password,
};
pub use records::{ApiToken, Member, NewToken, SessionUser, User, parse_scopes};

/// A user's role on one board. Ordered: each role can do everything the ones before it can.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Role {
    /// Reads the board, its cards and metrics.
    Viewer,
    /// Also creates, edits, blocks and moves cards.
    Member,
    /// Also changes settings and policies, overrides policies, manages members and tokens.
    Admin,
}

impl Role {
    /// Every role, least to most.
    pub const ALL: [Role; 3] = [Role::Viewer, Role::Member, Role::Admin];

    /// The spelling used in storage, forms and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Viewer => "viewer",
            Self::Member => "member",
            Self::Admin => "admin",
        }
    }

    /// Parses [`Role::as_str`]'s spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// What an API token may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Scope {
    /// Open, refresh and resolve incidents (monitoring).
    #[serde(rename = "incidents:write")]
    IncidentsWrite,
    /// Report deployments (CI pipelines).
    #[serde(rename = "deployments:write")]
    DeploymentsWrite,
    /// Read boards, cards, events and metrics.
    #[serde(rename = "boards:read")]
    BoardsRead,
    /// Also create, edit and move cards.
    #[serde(rename = "boards:write")]
    BoardsWrite,
    /// Everything a board admin can do (settings, policies, overrides, history import).
    #[serde(rename = "admin")]
    Admin,
}

impl Scope {
    /// Every scope.
    pub const ALL: [Scope; 5] = [
        Scope::IncidentsWrite,
        Scope::DeploymentsWrite,
        Scope::BoardsRead,
        Scope::BoardsWrite,
        Scope::Admin,
    ];

    /// The spelling used in storage, the CLI and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::IncidentsWrite => "incidents:write",
            Self::DeploymentsWrite => "deployments:write",
            Self::BoardsRead => "boards:read",
            Self::BoardsWrite => "boards:write",
            Self::Admin => "admin",
        }
    }

    /// Parses [`Scope::as_str`]'s spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s.trim())
    }

    /// Whether holding `self` grants `wanted`: `admin` grants all, `boards:write` grants read.
    pub fn grants(self, wanted: Scope) -> bool {
        self == wanted
            || self == Scope::Admin
            || (self == Scope::BoardsWrite && wanted == Scope::BoardsRead)
    }
}

/// Something a principal wants to do. Board-bound actions name the board's id in
/// [`authorize`]; the others pass `None`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// See a board, its cards, history and metrics.
    ViewBoard,
    /// Create, edit, block, unblock and move cards.
    EditCards,
    /// Force a placement a flow policy refuses.
    OverridePolicy,
    /// Change columns, lanes and flow policies.
    ConfigureBoard,
    /// Delete a card outright, its history with it (personal data put on a card by mistake).
    DeleteCards,
    /// Add, change and remove board members.
    ManageMembers,
    /// Create and revoke API tokens of the board.
    ManageTokens,
    /// Import card history.
    ImportHistory,
    /// Open, refresh and resolve incidents.
    PostIncidents,
    /// Report deployments.
    PostDeployments,
    /// Make a new board (its creator becomes its admin).
    CreateBoard,
    /// Create and change user accounts, see every board, make instance-wide tokens.
    ManageInstance,
}

impl Action {
    /// Every action, for exhaustive tests.
    pub const ALL: [Action; 12] = [
        Action::ViewBoard,
        Action::EditCards,
        Action::OverridePolicy,
        Action::ConfigureBoard,
        Action::DeleteCards,
        Action::ManageMembers,
        Action::ManageTokens,
        Action::ImportHistory,
        Action::PostIncidents,
        Action::PostDeployments,
        Action::CreateBoard,
        Action::ManageInstance,
    ];

    /// The least board role that allows this action; `None` for instance-level actions.
    pub fn board_role(self) -> Option<Role> {
        match self {
            Self::ViewBoard => Some(Role::Viewer),
            Self::EditCards | Self::PostIncidents | Self::PostDeployments => Some(Role::Member),
            Self::OverridePolicy
            | Self::ConfigureBoard
            | Self::DeleteCards
            | Self::ManageMembers
            | Self::ManageTokens
            | Self::ImportHistory => Some(Role::Admin),
            Self::CreateBoard | Self::ManageInstance => None,
        }
    }

    /// The scope a token needs; `None` when no token may do it (tokens cannot mint tokens or
    /// manage people).
    pub fn scope(self) -> Option<Scope> {
        match self {
            Self::ViewBoard => Some(Scope::BoardsRead),
            Self::EditCards => Some(Scope::BoardsWrite),
            Self::PostIncidents => Some(Scope::IncidentsWrite),
            Self::PostDeployments => Some(Scope::DeploymentsWrite),
            Self::OverridePolicy
            | Self::ConfigureBoard
            | Self::DeleteCards
            | Self::ImportHistory => Some(Scope::Admin),
            Self::CreateBoard => Some(Scope::Admin),
            Self::ManageMembers | Self::ManageTokens | Self::ManageInstance => None,
        }
    }

    /// Words for refusals: "… may not {verb}".
    pub fn verb(self) -> &'static str {
        match self {
            Self::ViewBoard => "view this board",
            Self::EditCards => "change cards on this board",
            Self::OverridePolicy => "override flow policies on this board",
            Self::ConfigureBoard => "change this board's settings",
            Self::DeleteCards => "delete cards on this board",
            Self::ManageMembers => "manage this board's members",
            Self::ManageTokens => "manage this board's API tokens",
            Self::ImportHistory => "import history into this board",
            Self::PostIncidents => "report incidents to this board",
            Self::PostDeployments => "report deployments to this board",
            Self::CreateBoard => "create boards",
            Self::ManageInstance => "manage users and instance settings",
        }
    }
}

/// Who is asking: a signed-in person or an API token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Principal {
    /// A person with an account.
    User {
        /// The account.
        id: UserId,
        /// The name shown in card histories.
        name: String,
        /// Instance admins manage users and may do anything on any board.
        instance_admin: bool,
    },
    /// An API token.
    Token {
        /// The token's id.
        id: TokenId,
        /// The name shown in card histories.
        name: String,
        /// The one board it works on, or `None` for the whole instance.
        board: Option<BoardId>,
        /// What it may do.
        scopes: Vec<Scope>,
    },
}

impl Principal {
    /// The actor recorded on events this principal causes.
    pub fn actor(&self) -> crate::Actor {
        match self {
            Self::User { name, id, .. } => crate::Actor {
                user_id: Some(*id),
                ..crate::Actor::user(name.clone())
            },
            Self::Token { name, .. } => crate::Actor::token(name.clone()),
        }
    }

    /// The user id, for principals that are people.
    pub fn user_id(&self) -> Option<UserId> {
        match self {
            Self::User { id, .. } => Some(*id),
            Self::Token { .. } => None,
        }
    }

    /// Whether this is an instance admin.
    pub fn is_instance_admin(&self) -> bool {
        matches!(
            self,
            Self::User {
                instance_admin: true,
                ..
            }
        )
    }
}

/// Why [`authorize`] said no. Both become 403 Forbidden; the message says what is missing.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    /// The user's role on the board is too low (or they have none).
    #[error("your role on this board ({}) may not {}; ask a board admin", role_name(*have), action.verb())]
    Role {
        /// What was asked.
        action: Action,
        /// The role the user has, if any.
        have: Option<Role>,
        /// The role needed.
        need: Option<Role>,
    },
    /// The token lacks the scope.
    #[error("this token may not {}: it needs the {} scope", action.verb(), scope.map(Scope::as_str).unwrap_or("(no token may)"))]
    Scope {
        /// What was asked.
        action: Action,
        /// The scope it would need (`None`: no token may).
        scope: Option<Scope>,
    },
    /// The token is bound to another board.
    #[error("this token is bound to another board")]
    OtherBoard,
}

fn role_name(role: Option<Role>) -> &'static str {
    role.map(Role::as_str).unwrap_or("none")
}

/// Decides whether `principal` may do `action`. For board-bound actions, `board` is the board
/// concerned and `role` the user's role on it (ignored for tokens and instance admins).
pub fn authorize(
    principal: &Principal,
    action: Action,
    board: Option<BoardId>,
    role: Option<Role>,
) -> Result<(), Denied> {
    match principal {
        Principal::User { instance_admin, .. } => {
            if *instance_admin {
                return Ok(());
            }
            match action.board_role() {
                // Any person may start a board; only instance admins manage the instance.
                None if action == Action::CreateBoard => Ok(()),
                None => Err(Denied::Role {
                    action,
                    have: role,
                    need: None,
                }),
                Some(need) if role.is_some_and(|r| r >= need) => Ok(()),
                Some(need) => Err(Denied::Role {
                    action,
                    have: role,
                    need: Some(need),
                }),
            }
        }
        Principal::Token {
            board: bound,
            scopes,
            ..
        } => {
            let Some(needed) = action.scope() else {
                return Err(Denied::Scope {
                    action,
                    scope: None,
                });
            };
            if let (Some(bound), Some(board)) = (bound, board)
                && *bound != board
            {
                return Err(Denied::OtherBoard);
            }
            // A board-bound token cannot act outside its board (creating boards, say).
            if bound.is_some() && board.is_none() {
                return Err(Denied::OtherBoard);
            }
            if scopes.iter().any(|s| s.grants(needed)) {
                Ok(())
            } else {
                Err(Denied::Scope {
                    action,
                    scope: Some(needed),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests;
