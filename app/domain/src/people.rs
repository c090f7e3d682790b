//! People on cards: who owns a card (its assignees), who may, and how a change to the owners
//! is worked out.
//!
//! An owner must be a member of the card's board who can work on it (a member or an admin):
//! a viewer cannot move the card, and someone outside the board would not see it. The check
//! is made in the write's own transaction against the board's members as they are then, so
//! a member removed meanwhile cannot be assigned.

use serde::{Deserialize, Serialize};

use crate::access::Role;
use crate::error::DomainError;
use crate::ids::UserId;

/// The name the card's history last gave `user` on assigning them: how an owner who has
/// since left the board is still named on the card.
pub fn name_in_history(events: &[crate::CardEvent], user: UserId) -> Option<&str> {
    events.iter().rev().find_map(|e| match &e.kind {
        crate::EventKind::Assigned { user_id, name } if *user_id == user => Some(name.as_str()),
        _ => None,
    })
}

/// Most owners a card may have: a card that needs more people is more than one piece of work.
pub const MAX_ASSIGNEES: usize = 10;

/// A person who may be asked to own a card, as the board knows them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Person {
    /// The account.
    pub id: UserId,
    /// Their name as people read it.
    pub name: String,
}

/// An account looked up for an assignment: its name and its role on the card's board (`None`:
/// not a member).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    /// The account.
    pub id: UserId,
    /// Their name.
    pub name: String,
    /// Their role on the card's board, if they are on it.
    pub role: Option<Role>,
    /// Whether the account is disabled.
    pub disabled: bool,
}

/// A change to a card's owners.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AssigneeEdit {
    /// Exactly these people (the API's `PATCH` and the new-card form).
    Set(Vec<UserId>),
    /// One more person (kept if already there).
    Add(UserId),
    /// One person fewer (nothing if not there).
    Remove(UserId),
}

/// Who an edit adds and who it removes, against the owners a card has now.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AssigneeChange {
    /// Newly assigned, in the order asked.
    pub added: Vec<UserId>,
    /// No longer assigned.
    pub removed: Vec<UserId>,
}

impl AssigneeChange {
    /// Whether the edit changes nothing.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty()
    }
}

impl AssigneeEdit {
    /// What the edit changes on a card owned by `current`; duplicates in a `Set` count once.
    /// Refuses more than [`MAX_ASSIGNEES`] owners.
    pub fn against(&self, current: &[UserId]) -> Result<AssigneeChange, DomainError> {
        let mut change = AssigneeChange::default();
        let after: Vec<UserId> = match self {
            Self::Set(wanted) => {
                let mut after: Vec<UserId> = Vec::new();
                for id in wanted {
                    if !after.contains(id) {
                        after.push(*id);
                    }
                }
                change.removed = current
                    .iter()
                    .filter(|id| !after.contains(id))
                    .copied()
                    .collect();
                after
            }
            Self::Add(id) => {
                let mut after = current.to_vec();
                if !after.contains(id) {
                    after.push(*id);
                }
                after
            }
            Self::Remove(id) => {
                if current.contains(id) {
                    change.removed.push(*id);
                }
                current.iter().filter(|c| *c != id).copied().collect()
            }
        };
        change.added = after
            .iter()
            .filter(|id| !current.contains(id))
            .copied()
            .collect();
        if after.len() > MAX_ASSIGNEES {
            return Err(DomainError::invalid(
                "assignees",
                format!("a card can have at most {MAX_ASSIGNEES} assignees"),
            ));
        }
        Ok(change)
    }
}

/// Checks that everyone in `added` may own a card of the board, given the accounts found for
/// them (`found`: the ones that exist, with their role on the board); answers them as people,
/// in the order asked.
pub fn check_assignees(added: &[UserId], found: &[Candidate]) -> Result<Vec<Person>, DomainError> {
    added
        .iter()
        .map(|id| {
            let Some(candidate) = found.iter().find(|c| c.id == *id) else {
                return Err(DomainError::invalid(
                    "assignees",
                    format!("there is no user {id}"),
                ));
            };
            let name = &candidate.name;
            match candidate.role {
                _ if candidate.disabled => Err(DomainError::invalid(
                    "assignees",
                    format!("{name}'s account is disabled"),
                )),
                None => Err(DomainError::invalid(
                    "assignees",
                    format!("{name} is not a member of this board; a board admin can add them"),
                )),
                Some(Role::Viewer) => Err(DomainError::invalid(
                    "assignees",
                    format!("{name} is a viewer on this board: only members and admins own cards"),
                )),
                Some(_) => Ok(Person {
                    id: *id,
                    name: name.clone(),
                }),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use uuid::Uuid;

    use super::*;

    fn id(n: u128) -> UserId {
        UserId(Uuid::from_u128(n))
    }

    fn candidate(n: u128, role: Option<Role>) -> Candidate {
        Candidate {
            id: id(n),
            name: format!("user {n}"),
            role,
            disabled: false,
        }
    }

    #[test]
    fn an_owner_is_named_as_their_last_assignment_named_them() {
        let event = |n: i64, kind: crate::EventKind| crate::CardEvent {
            id: n,
            card_id: crate::CardId(Uuid::from_u128(7)),
            board_id: crate::BoardId(Uuid::from_u128(8)),
            at: chrono::DateTime::UNIX_EPOCH,
            actor: crate::Actor::user("someone"),
            kind,
        };
        let assigned = |n: i64, user: u128, name: &str| {
            event(
                n,
                crate::EventKind::Assigned {
                    user_id: id(user),
                    name: name.into(),
                },
            )
        };
        let events = [
            assigned(1, 1, "Ada"),
            assigned(2, 2, "Grace"),
            assigned(3, 1, "Ada Lovelace"),
        ];
        assert_eq!(name_in_history(&events, id(1)), Some("Ada Lovelace"));
        assert_eq!(name_in_history(&events, id(2)), Some("Grace"));
        assert_eq!(name_in_history(&events, id(3)), None);
    }

    #[test]
    fn set_add_and_remove_change_only_what_differs() {
        let current = [id(1), id(2)];
        let set = AssigneeEdit::Set(vec![id(2), id(3), id(3)]);
        assert_eq!(
            set.against(&current),
            Ok(AssigneeChange {
                added: vec![id(3)],
                removed: vec![id(1)],
            })
        );
        assert!(
            AssigneeEdit::Add(id(1))
                .against(&current)
                .unwrap()
                .is_empty()
        );
        assert!(
            AssigneeEdit::Remove(id(9))
                .against(&current)
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            AssigneeEdit::Remove(id(1))
                .against(&current)
                .unwrap()
                .removed,
            vec![id(1)]
        );
    }

    #[test]
    fn more_than_the_most_owners_is_refused() {
        let many: Vec<UserId> = (0..=MAX_ASSIGNEES as u128).map(id).collect();
        let err = AssigneeEdit::Set(many).against(&[]).unwrap_err();
        assert_eq!(err.field(), "assignees");
        let full: Vec<UserId> = (0..MAX_ASSIGNEES as u128).map(id).collect();
        assert!(AssigneeEdit::Add(id(99)).against(&full).is_err());
        // Removing from an over-full card (a lowered limit) is always fine.
        assert!(AssigneeEdit::Remove(id(0)).against(&full).is_ok());
    }

    #[test]
    fn only_members_and_admins_may_own_cards() {
        let found = [
            candidate(1, Some(Role::Member)),
            candidate(2, Some(Role::Admin)),
            candidate(3, Some(Role::Viewer)),
            candidate(4, None),
        ];
        let people = check_assignees(&[id(2), id(1)], &found).unwrap();
        assert_eq!(
            people.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
            ["user 2", "user 1"]
        );
        for (who, says) in [(3, "viewer"), (4, "not a member"), (5, "there is no user")] {
            let err = check_assignees(&[id(who)], &found).unwrap_err();
            assert_eq!(err.field(), "assignees");
            assert!(err.to_string().contains(says), "{err}");
        }
        let disabled = Candidate {
            disabled: true,
            ..candidate(6, Some(Role::Member))
        };
        assert!(check_assignees(&[id(6)], &[disabled]).is_err());
    }

    proptest! {
        /// Applying an edit's change to the owners gives what the edit asks for, each person
        /// once, and nobody is both added and removed.
        #[test]
        fn a_change_leads_to_what_the_edit_asks(
            current in proptest::collection::btree_set(0u128..12, 0..6),
            wanted in proptest::collection::vec(0u128..12, 0..8),
            one in 0u128..12,
        ) {
            let current: Vec<UserId> = current.into_iter().map(id).collect();
            for edit in [
                AssigneeEdit::Set(wanted.iter().copied().map(id).collect()),
                AssigneeEdit::Add(id(one)),
                AssigneeEdit::Remove(id(one)),
            ] {
                let Ok(change) = edit.against(&current) else { continue };
                let mut after: Vec<UserId> = current
                    .iter()
                    .filter(|c| !change.removed.contains(c))
                    .copied()
                    .collect();
                after.extend(change.added.iter().copied());
                prop_assert!(change.added.iter().all(|a| !change.removed.contains(a)));
                let mut unique = after.clone();
                unique.sort();
                unique.dedup();
                prop_assert_eq!(unique.len(), after.len());
                match &edit {
                    AssigneeEdit::Set(w) => {
                        for p in w { prop_assert!(after.contains(p)); }
                        prop_assert!(after.iter().all(|a| w.contains(a)));
                    }
                    AssigneeEdit::Add(p) => prop_assert!(after.contains(p)),
                    AssigneeEdit::Remove(p) => prop_assert!(!after.contains(p)),
                }
            }
        }
    }
}
