//! Board settings (board admins only), rendered to HTML on the server (see
//! `pages::SettingsPage`): the columns, their kinds and WIP limits, the flow policies and a
//! new column. Each form is a plain HTML form that posts to its server function and comes
//! back to the page (see `ssr::plain_form`), with JavaScript or without: a page visited now
//! and then, so a page load per change costs little, and the browser bundle carries none of
//! it (issue 8: the bundle's size).

use domain::{Board, ColumnKind};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::api::{AddColumn, ColumnEdit, EditColumn, UpdateColumn, UpdatePolicy};
use crate::components::StaticHtml;
use crate::error::AppError;

/// The page for `board`: its settings for a board admin (`held`: the cards in each column),
/// else a note that they are for admins; `error` what the page's last form came back with.
pub fn settings_html(
    board: &Board,
    held: &[usize],
    is_admin: bool,
    error: Option<AppError>,
) -> String {
    if !is_admin {
        return view! {
            <section class="error-panel">
                <h1>"Board admins only"</h1>
                <p>"Only a board admin can change this board's columns and flow policies."</p>
                <p><a href=format!("/boards/{}", board.slug)>{format!("Back to {}", board.name)}</a></p>
            </section>
        }
        .to_static_html();
    }
    settings(board, held, error).to_static_html()
}

fn kind_options(selected: ColumnKind) -> impl IntoView {
    [ColumnKind::Queue, ColumnKind::Active, ColumnKind::Done]
        .into_iter()
        .map(|k| view! { <option value=k.as_str() selected=k == selected>{k.as_str()}</option> })
        .collect_view()
}

/// The settings of `board` for a board admin; `held` the cards in each column (in column
/// order: a column is removed only when empty), `error` what the page's last form came back
/// with.
fn settings(board: &Board, held: &[usize], error: Option<AppError>) -> impl IntoView + use<> {
    let labels = super::labels::settings_panel(board);
    let slug = board.slug.clone();
    let policy_slug = slug.clone();
    let current = board.policy.clone();
    let notify = board.incidents.notify.as_str();
    let reserved = current.reserved_slots();
    let add_slug = slug.clone();
    let last = board.columns.len().saturating_sub(1);
    let rows = board
        .columns
        .iter()
        .enumerate()
        .map(|(i, column)| {
            let id = column.id.to_string();
            let held = held.get(i).copied().unwrap_or_default();
            let (row_slug, row_id) = (slug.clone(), id.clone());
            let button = |edit_kind, label, text, disabled| {
                edit_button(slug.clone(), id.clone(), column.name.clone(), edit_kind, label, text, disabled)
            };
            let buttons = (
                button(ColumnEdit::Left, "Move left", "◀", i == 0),
                button(ColumnEdit::Right, "Move right", "▶", i == last),
                button(ColumnEdit::Remove, "Remove", "✕", held > 0),
            );
            let (name, kind, limit) = (column.name.clone(), column.kind, column.wip_limit);
            view! {
                <li class="column-row">
                    <form action=UpdateColumn::url() method="post" class="row-form" aria-label=format!("Column {}", column.name)>
                        <input type="hidden" name="slug" value=row_slug/>
                        <input type="hidden" name="column_id" value=row_id/>
                        <label>"Name" <input name="name" required maxlength="60" value=name/></label>
                        <label>"Kind" <select name="kind">{kind_options(kind)}</select></label>
                        <label>
                            "WIP limit"
                            <input name="wip_limit" type="number" min="1" max="999" placeholder="none"
                                value=limit.map(|l| l.to_string()).unwrap_or_default()/>
                        </label>
                        <button type="submit">"Save"</button>
                    </form>
                    <span class="held">{format!("{held} cards")}</span>
                    {buttons}
                </li>
            }
        })
        .collect_view();
    let name = board.name.clone();
    view! {
        <section class="page settings-page">
            <nav class="crumbs" aria-label="Breadcrumb">
                <a href=format!("/boards/{slug}")>{name.clone()}</a>
                " / Settings"
            </nav>
            <h1>"Board settings"</h1>
            {error.map(|e| view! { <p class="form-error" role="alert">{e.user_message()}</p> })}
            <p class="help">
                "Columns, flow policies and new columns below. "
                <a href=format!("/boards/{slug}/tokens")>"API tokens of this board"</a>
                " (for monitoring and CI/CD)."
            </p>
            <section class="panel">
                <h2>"Columns"</h2>
                <p class="help">
                    "Kinds drive the flow metrics: entering the first " <em>"active"</em>
                    " column is commitment, a " <em>"done"</em>
                    " column is completion. A WIP limit counts the cards in the column's Standard lane."
                </p>
                <ol class="column-rows">{rows}</ol>
            </section>
            <section class="panel">
                <h2>"Flow policies"</h2>
                <p class="help">
                    "A move or a new card that would break a limit is refused everywhere (board, API, integrations) unless someone gives a reason to override it; overrides are recorded on the card. "
                    "The committed area is every " <em>"active"</em> " column together (Standard lane). "
                    "Of its capacity, the tech-debt share is reserved for tech-debt cards: other work may fill only the rest. "
                    "Cards per person in progress limits how many cards in active columns each person may own: stop starting, start finishing."
                </p>
                <form action=UpdatePolicy::url() method="post" class="row-form policy-form" aria-label="Flow policies">
                    <input type="hidden" name="slug" value=policy_slug/>
                    <label>
                        "Committed capacity"
                        <input name="committed_capacity" type="number" min="1" max="999" placeholder="none"
                            value=current.committed_capacity.map(|c| c.to_string()).unwrap_or_default()/>
                    </label>
                    <label>
                        "Tech-debt share (%)"
                        <input name="tech_debt_percent" type="number" min="0" max="100" step="1" required
                            value=format!("{}", (current.tech_debt_share * 100.0).round())/>
                    </label>
                    <label>
                        "Expedite limit per column"
                        <input name="expedite_limit" type="number" min="1" max="999" placeholder="none"
                            value=current.expedite_limit.map(|c| c.to_string()).unwrap_or_default()/>
                    </label>
                    <label>
                        "Cards per person in progress"
                        <input name="person_wip_limit" type="number" min="1" max="999" placeholder="none"
                            value=current.person_wip_limit.map(|c| c.to_string()).unwrap_or_default()/>
                    </label>
                    <label>
                        "New incidents go to members' inboxes"
                        <select name="incident_notices">
                            {[("urgent", "sev1 and sev2 only"), ("all", "all of them"), ("none", "none")]
                                .into_iter()
                                .map(|(value, label)| view! {
                                    <option value=value selected=notify == value>{label}</option>
                                })
                                .collect_view()}
                        </select>
                    </label>
                    <label class="check">
                        <input name="expedite_counts_toward_wip" type="checkbox" value="on" checked=current.expedite_counts_toward_wip/>
                        "Expedite cards count toward column limits"
                    </label>
                    <button type="submit">"Save policies"</button>
                </form>
                <p class="help">
                    {match current.committed_capacity {
                        Some(c) => format!("Now: {reserved} of {c} committed slots are reserved for tech debt."),
                        None => "Now: no committed capacity, so no slots are reserved.".to_owned(),
                    }}
                </p>
            </section>
            {labels}
            <section class="panel">
                <h2>"Add a column"</h2>
                <form action=AddColumn::url() method="post" class="row-form" aria-label="Add a column">
                    <input type="hidden" name="slug" value=add_slug/>
                    <label>"Name" <input name="name" required maxlength="60"/></label>
                    <label>"Kind" <select name="kind">{kind_options(ColumnKind::Active)}</select></label>
                    <label>"WIP limit" <input name="wip_limit" type="number" min="1" max="999" placeholder="none"/></label>
                    <button type="submit" class="primary">"Add column"</button>
                </form>
            </section>
        </section>
    }
}

/// A one-button form for a column action (move left or right, remove).
#[allow(clippy::too_many_arguments)]
fn edit_button(
    slug: String,
    column_id: String,
    column_name: String,
    edit_kind: ColumnEdit,
    label: &'static str,
    text: &'static str,
    disabled: bool,
) -> impl IntoView {
    let aria = format!("{label} {column_name}");
    view! {
        <form action=EditColumn::url() method="post" class="icon-form">
            <input type="hidden" name="slug" value=slug/>
            <input type="hidden" name="column_id" value=column_id/>
            <input type="hidden" name="edit" value=edit_kind.as_str()/>
            <button type="submit" aria-label=aria title=label disabled=disabled>{text}</button>
        </form>
    }
}
