//! `flowboard user ...` and `flowboard token ...`: account and token management from the
//! command line, for the first admin and for scripted set-ups. Each returns the lines to
//! print; errors are sentences for people.

use application::operator;
use application::ports::{BoardRef, StoreError};
use chrono::{Duration, Utc};
use domain::access::{ApiToken, NewToken, NewUser, parse_scopes};

use crate::config::{
    InstanceRole, TokenCreateArgs, TokenListArgs, TokenRevokeArgs, UserCreateArgs,
};
use crate::store::Database;

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// Storage refused or failed (opening the database).
    #[error("{0}")]
    Store(#[from] StoreError),
    /// The use case refused or failed.
    #[error("{0}")]
    App(#[from] application::Error),
    /// The input is not acceptable.
    #[error("{0}")]
    Input(String),
}

impl From<domain::DomainError> for AdminError {
    fn from(e: domain::DomainError) -> Self {
        Self::Input(e.to_string())
    }
}

/// The environment variable `user create` reads the password from.
pub const PASSWORD_ENV: &str = "FLOWBOARD_PASSWORD";

/// The password from `FLOWBOARD_PASSWORD`, else from a prompt on the terminal (never argv,
/// which other users of the machine can read in the process list).
pub fn read_password() -> Result<String, AdminError> {
    if let Ok(p) = std::env::var(PASSWORD_ENV) {
        return Ok(p);
    }
    let first = rpassword::prompt_password("Password: ").map_err(|e| {
        AdminError::Input(format!(
            "cannot read a password from the terminal ({e}); set {PASSWORD_ENV} instead"
        ))
    })?;
    let again = rpassword::prompt_password("Password again: ")
        .map_err(|e| AdminError::Input(format!("cannot read the password: {e}")))?;
    if first != again {
        return Err(AdminError::Input("the two passwords differ".into()));
    }
    Ok(first)
}

/// `flowboard user create`.
pub async fn user_create(args: &UserCreateArgs, password: String) -> Result<String, AdminError> {
    let db = Database::connect(&args.database.url).await?;
    let new = NewUser {
        email: args.email.clone(),
        name: args.name.clone(),
        password,
        instance_admin: args.role == InstanceRole::Admin,
    };
    let user = operator::create_user(db.store().as_ref(), new, Utc::now()).await;
    db.close().await;
    let user = user?;
    let role = if user.instance_admin {
        "instance admin"
    } else {
        "user"
    };
    Ok(format!("created {role} {} ({})", user.email, user.id))
}

/// `flowboard token create`: the last line is the secret alone, for scripts.
pub async fn token_create(args: &TokenCreateArgs) -> Result<Vec<String>, AdminError> {
    let now = Utc::now();
    let new = NewToken {
        name: args.name.clone(),
        scopes: parse_scopes(&args.scopes.join(","))?,
        board_id: None,
        expires_at: args
            .expires_in_days
            .map(|d| now + Duration::days(i64::from(d))),
    };
    let board = args.board.as_deref().map(BoardRef::parse);
    let db = Database::connect(&args.database.url).await?;
    let made = operator::create_token(db.store().as_ref(), board.as_ref(), new, now).await;
    db.close().await;
    let (token, secret) = made?;
    Ok(vec![
        format!(
            "created token {:?} ({}) with scopes {} on {}",
            token.name,
            token.id,
            scopes_text(&token),
            args.board.as_deref().unwrap_or("every board")
        ),
        "the secret is shown once; store it now:".into(),
        secret,
    ])
}

/// `flowboard token revoke`: by id, or by a name unique among live tokens.
pub async fn token_revoke(args: &TokenRevokeArgs) -> Result<String, AdminError> {
    let board = args.board.as_deref().map(BoardRef::parse);
    let db = Database::connect(&args.database.url).await?;
    let store = db.store();
    let revoked =
        operator::revoke_token(store.as_ref(), &args.token, board.as_ref(), Utc::now()).await;
    db.close().await;
    let revoked = revoked?;
    Ok(format!("revoked token {:?} ({})", revoked.name, revoked.id))
}

/// `flowboard token list`.
pub async fn token_list(args: &TokenListArgs) -> Result<Vec<String>, AdminError> {
    let board = args.board.as_deref().map(BoardRef::parse);
    let db = Database::connect(&args.database.url).await?;
    let tokens = operator::tokens(db.store().as_ref(), board.as_ref()).await;
    db.close().await;
    let now = Utc::now();
    Ok(tokens?
        .iter()
        .map(|t| {
            format!(
                "{}  {:<24} {}…  {:<40} {}",
                t.id,
                t.name,
                t.prefix,
                scopes_text(t),
                t.unusable_at(now).unwrap_or("active")
            )
        })
        .collect())
}

fn scopes_text(token: &ApiToken) -> String {
    token
        .scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// `flowboard backup FILE`: a consistent online copy of a SQLite database, checked for
/// integrity. PostgreSQL has its own tool for that, named in the error.
pub async fn backup(args: &crate::config::BackupArgs) -> Result<Vec<String>, AdminError> {
    let database = Database::connect(&args.database.url).await?;
    let outcome = match &database {
        Database::Sqlite(sqlite) => match sqlite.backup_into(&args.file).await {
            Ok(bytes) => Ok(vec![format!(
                "backed up to {} ({bytes} bytes, integrity ok)",
                args.file.display()
            )]),
            Err(e) => Err(e.into()),
        },
        Database::Postgres(_) | Database::PooledPostgres(_) => Err(AdminError::Input(
            "this is a PostgreSQL database: back it up with `pg_dump --format=custom \
             --file=FILE DATABASE_URL` and restore with `pg_restore --dbname=DATABASE_URL FILE`"
                .into(),
        )),
    };
    database.close().await;
    outcome
}
