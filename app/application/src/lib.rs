//! Flowboard's application layer: one function per use case, and the storage port they ask.
//!
//! A use case authorizes its caller ([`access`]), loads what the rule needs through the
//! [`ports::Store`], lets the domain decide, and has the store write the result and its
//! events in one transaction. The REST API (`server/src/http`) and the UI's server functions
//! (`app/src/api`) only translate their transport into these calls and map [`Error`] back,
//! so each rule and each permission check is written once.
//!
//! This crate knows no web framework, no SQL and no UI: `cargo tree -p application` shows
//! neither leptos, axum nor sqlx.
//!
//! # Layout
//! - [`ports`]: the storage port (traits by area) and its error, [`ports::StoreError`].
//! - [`error`]: [`Error`], what a use case fails with; transports map it once each.
//! - [`access`]: who may do what (board roles, token scopes), sign-in, tokens, passwords.
//! - [`account`]: one's own account: who is signed in, the first admin, a password change.
//! - [`operator`]: what the command line does with the operator's authority.
//! - [`cards`], [`boards`], [`incidents`]: the use cases of the board.
//! - [`comments`]: comments on cards, and one's inbox.
//! - [`deployments`]: deployments reported by CI/CD.
//! - [`people`]: board members, accounts and API tokens.
//! - [`reports`]: flow metrics, the delivery view, the retrospective, history import.
//! - [`retros`]: a retrospective's notes and action items.
//! - [`delivery`]: the reads a delivery view needs, shared by API, dashboard and retro.
//! - [`changes`]: the feed that live board views listen to.
//! - [`search`]: finding cards with the query language.

pub mod access;
pub mod account;
pub mod boards;
pub mod cards;
pub mod changes;
pub mod comments;
pub mod delivery;
pub mod deployments;
pub mod error;
pub mod incidents;
pub mod labels;
pub mod operator;
pub mod people;
pub mod ports;
pub mod reports;
pub mod retros;
pub mod search;

pub use changes::ChangeFeed;
pub use error::Error;
