//! Server functions of a board's settings page: its columns (rename, kind, WIP limit, add,
//! move, remove), its flow policies, and the page itself, rendered on the server.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// A settings action on one column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ColumnEdit {
    /// Move one place to the left.
    Left,
    /// Move one place to the right.
    Right,
    /// Remove (only when empty).
    Remove,
}

impl ColumnEdit {
    /// The form value, spelled as serde reads it back. Written out rather than taken from
    /// `Debug`: the browser bundle is built with `-Zfmt-debug=none`, where `{:?}` prints nothing.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Left => "Left",
            Self::Right => "Right",
            Self::Remove => "Remove",
        }
    }
}

/// Renames a column and sets its kind and WIP limit.
#[server(prefix = "/fn", endpoint = "update_column", output = crate::api::codec::JsonAnswer)]
pub async fn update_column(
    slug: String,
    column_id: String,
    name: String,
    kind: String,
    wip_limit: String,
) -> Result<(), AppError> {
    use crate::ssr::forms::{change_columns, column_index, parse_kind, parse_limit};
    change_columns(slug, |specs| {
        let index = column_index(specs, &column_id)?;
        let spec = &mut specs[index];
        spec.name = name;
        spec.kind = parse_kind(&kind)?;
        spec.wip_limit = parse_limit(&wip_limit)?;
        Ok(())
    })
    .await?;
    crate::ssr::plain_form::back_after_success(&[], None);
    Ok(())
}

/// Adds a column at the right end, before any `done` column.
#[server(prefix = "/fn", endpoint = "add_column", output = crate::api::codec::JsonAnswer)]
pub async fn add_column(
    slug: String,
    name: String,
    kind: String,
    wip_limit: String,
) -> Result<(), AppError> {
    use crate::ssr::forms::{change_columns, parse_kind, parse_limit};
    use domain::ColumnKind;
    let kind = parse_kind(&kind)?;
    let wip_limit = parse_limit(&wip_limit)?;
    change_columns(slug, |specs| {
        let first_done = specs.iter().position(|s| s.kind == ColumnKind::Done);
        let at = match (kind, first_done) {
            (ColumnKind::Done, _) | (_, None) => specs.len(),
            (_, Some(i)) => i,
        };
        specs.insert(
            at,
            domain::board::ColumnSpec {
                id: None,
                name,
                kind,
                wip_limit,
                position: None,
            },
        );
        Ok(())
    })
    .await?;
    crate::ssr::plain_form::back_after_success(&[], None);
    Ok(())
}

/// Moves a column left or right, or removes it.
#[server(prefix = "/fn", endpoint = "edit_column", output = crate::api::codec::JsonAnswer)]
pub async fn edit_column(
    slug: String,
    column_id: String,
    edit: ColumnEdit,
) -> Result<(), AppError> {
    use crate::ssr::forms::{change_columns, column_index};
    change_columns(slug, |specs| {
        let index = column_index(specs, &column_id)?;
        match edit {
            ColumnEdit::Left if index > 0 => specs.swap(index, index - 1),
            ColumnEdit::Right if index + 1 < specs.len() => specs.swap(index, index + 1),
            ColumnEdit::Remove => {
                specs.remove(index);
            }
            ColumnEdit::Left | ColumnEdit::Right => {}
        }
        Ok(())
    })
    .await?;
    crate::ssr::plain_form::back_after_success(&[], None);
    Ok(())
}

/// Saves the board's flow policies from the settings form. The tech-debt share is entered as
/// a percentage; empty limits mean no limit.
#[server(prefix = "/fn", endpoint = "update_policy", output = crate::api::codec::JsonAnswer)]
pub async fn update_policy(
    slug: String,
    committed_capacity: String,
    tech_debt_percent: String,
    expedite_limit: String,
    expedite_counts_toward_wip: Option<String>,
    person_wip_limit: Option<String>,
    incident_notices: Option<String>,
) -> Result<(), AppError> {
    use crate::ssr::forms::parse_limit;
    let (store, caller) = crate::ssr::auth::caller()?;
    let board = domain::board::BoardRef::Slug(slug);
    let percent: f64 = tech_debt_percent
        .trim()
        .parse()
        .map_err(|_| AppError::Invalid {
            field: "tech_debt_share".into(),
            message: "enter a percentage between 0 and 100".into(),
        })?;
    let policy = domain::policy::BoardPolicy {
        committed_capacity: parse_limit(&committed_capacity)?,
        tech_debt_share: percent / 100.0,
        expedite_limit: parse_limit(&expedite_limit)?,
        expedite_counts_toward_wip: expedite_counts_toward_wip.is_some(),
        person_wip_limit: parse_limit(person_wip_limit.as_deref().unwrap_or_default())?,
    };
    application::boards::set_policy(store.as_ref(), &caller, &board, &policy).await?;
    if let Some(raw) = incident_notices {
        use domain::inbox::IncidentNotices;
        let notify = [
            IncidentNotices::All,
            IncidentNotices::Urgent,
            IncidentNotices::None,
        ]
        .into_iter()
        .find(|n| n.as_str() == raw)
        .ok_or_else(|| AppError::Invalid {
            field: "incident_notices".into(),
            message: "choose all, urgent or none".into(),
        })?;
        application::boards::set_incident_notices(store.as_ref(), &caller, &board, notify).await?;
    }
    crate::ssr::plain_form::back_after_success(&[], None);
    Ok(())
}

/// The settings page of board `slug`, rendered on the server, with what its last form came
/// back with.
#[server(prefix = "/fn", endpoint = "get_settings_html", output = crate::api::codec::JsonAnswer)]
pub async fn get_settings_html(
    slug: String,
    error_path: Option<String>,
    error: Option<String>,
) -> Result<crate::api::RenderedPage, AppError> {
    use server_fn::ServerFn;
    let snapshot = crate::api::get_board(slug, None).await?;
    let held: Vec<usize> = snapshot
        .board
        .columns
        .iter()
        .map(|c| snapshot.column_total(c.id))
        .collect();
    let paths = [
        UpdateColumn::PATH,
        AddColumn::PATH,
        EditColumn::PATH,
        UpdatePolicy::PATH,
        crate::api::SaveLabel::PATH,
        crate::api::DeleteLabel::PATH,
    ];
    let error = crate::components::came_back_with(error_path.as_deref(), error.as_deref(), &paths);
    let is_admin = snapshot.role >= domain::access::Role::Admin;
    Ok(crate::api::RenderedPage {
        html: crate::render::settings_html(&snapshot.board, &held, is_admin, error),
        board_name: snapshot.board.name.clone(),
        live: None,
    })
}
