//! `flowboard import`: loads a history file into a board through the same all-or-nothing
//! store operation as `POST /api/v1/boards/{board}/history`.

use std::path::Path;

use application::ports::{BoardRef, StoreError};
use domain::import::HistoryImport;

use crate::store::Database;

/// Why an import did not happen. Nothing is stored in any of these cases.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The file is not an import document.
    #[error("{path} is not a valid import file: {source}")]
    Parse {
        /// The file.
        path: String,
        /// Where and why parsing failed.
        source: serde_json::Error,
    },
    /// The database refused it (unknown board, a bad card, unreachable database).
    #[error("{0}")]
    Store(#[from] StoreError),
}

/// Imports `file` into `board`; returns the number of cards made.
pub async fn import_file(
    database_url: &str,
    board: &str,
    file: &Path,
) -> Result<usize, ImportError> {
    let path = file.display().to_string();
    let text = std::fs::read_to_string(file).map_err(|source| ImportError::Read {
        path: path.clone(),
        source,
    })?;
    let import: HistoryImport =
        serde_json::from_str(&text).map_err(|source| ImportError::Parse { path, source })?;
    let db = Database::connect(database_url).await?;
    let actor = domain::Actor::system("import");
    let result = db
        .store()
        .import_history(&BoardRef::parse(board), &import, &actor, chrono::Utc::now())
        .await;
    db.close().await;
    Ok(result?)
}
