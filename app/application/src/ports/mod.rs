//! The storage port: what the use cases ask of a database, and the errors each answer may be.
//! The server implements it once per database (`server/src/store`); the conformance suite
//! (`server/tests/store_conformance`) holds both implementations to the same behaviour.

mod accounts;
mod boards;
mod cards;
mod comments;
mod deliveries;
mod events;
mod incidents;
mod labels;
mod retros;
mod store;

pub use accounts::{AccountStore, Credentials, SessionRecord, TOKEN_TOUCH_EVERY};
pub use boards::BoardStore;
pub use cards::CardStore;
pub use comments::{CommentStore, InboxStore};
pub use deliveries::{DeliveryStore, DeploymentOutcome};
pub use events::EventStore;
pub use incidents::{AlertOutcome, IncidentOutcome, IncidentStore};
pub use labels::LabelStore;
pub use retros::RetroStore;
pub use store::{BoardChange, BoardRef, Store, StoreError, WriteRefusal};
