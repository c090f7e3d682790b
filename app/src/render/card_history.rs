//! A card's history (the time it spent in each column and every event) as HTML made on the
//! server: the card page only shows it, so the browser needs neither this view nor the event
//! types' deserializers (issue 8: the wasm bundle's size).

use chrono::{DateTime, Utc};
use domain::{Board, CardEvent, EventKind};
use leptos::prelude::*;

use crate::components::{StaticHtml, column_name, human_duration, short_time};

fn describe(board: &Board, events: &[CardEvent], kind: &EventKind) -> String {
    match kind {
        EventKind::Created { column_id, .. } => {
            format!("created in {}", column_name(board, *column_id))
        }
        EventKind::Moved {
            from_column_id,
            to_column_id,
            ..
        } if from_column_id == to_column_id => {
            format!("reordered in {}", column_name(board, *to_column_id))
        }
        EventKind::Moved {
            from_column_id,
            to_column_id,
            ..
        } => format!(
            "moved from {} to {}",
            column_name(board, *from_column_id),
            column_name(board, *to_column_id)
        ),
        EventKind::Edited { fields } => format!("edited {}", fields.join(", ").replace('_', " ")),
        EventKind::Blocked { reason } => format!("blocked: {reason}"),
        EventKind::Unblocked => "unblocked".to_owned(),
        EventKind::PolicyOverridden {
            rule,
            column_id,
            limit,
            current,
            reason,
            user_id,
        } => {
            let whose = user_id
                .and_then(|u| domain::people::name_in_history(events, u))
                .map(|name| format!(" for {name}"))
                .unwrap_or_default();
            format!(
                "overrode the {} policy{whose} in {} ({current} of {limit}): {reason}",
                rule.as_str().replace('_', " "),
                column_name(board, *column_id)
            )
        }
        EventKind::Assigned { name, .. } => format!("assigned {name}"),
        EventKind::Unassigned { name, .. } => format!("unassigned {name}"),
        EventKind::IncidentRecurred { occurrences } => {
            format!("incident reported again ({occurrences} reports so far)")
        }
        EventKind::AlertResolved => "alert resolved (monitoring)".to_owned(),
        EventKind::Discarded { reason, .. } => format!("discarded: {reason}"),
        EventKind::Labelled { name, .. } => format!("labelled {name}"),
        EventKind::Unlabelled { name, .. } => format!("took off the label {name}"),
        EventKind::Restored { column_id, .. } => {
            format!("restored to {}", column_name(board, *column_id))
        }
        EventKind::Deployed {
            service,
            environment,
            version,
            status,
            ..
        } => match status {
            domain::delivery::DeploymentStatus::Success => {
                format!("deployed to {environment}: {service} {version}")
            }
            domain::delivery::DeploymentStatus::Failure => {
                format!("deployment to {environment} failed: {service} {version}")
            }
        },
    }
}

/// A comment as the timeline shows it: when, and its `<li>` rendered.
pub struct TimelineEntry {
    /// When it was written.
    pub at: DateTime<Utc>,
    /// Its list item, as HTML.
    pub html: String,
}

/// The card's history, the time it spent in each column and every event with the card's
/// comments among them (newest first), as HTML made on the server: the page only shows it,
/// so the browser needs neither this view nor the event types' deserializers (issue 8: the
/// wasm bundle's size).
pub fn card_timeline_html(
    board: &Board,
    events: &[CardEvent],
    comments: &[TimelineEntry],
    now: DateTime<Utc>,
) -> String {
    let visits = domain::column_visits(events, now)
        .iter()
        .map(|v| {
            view! {
                <tr>
                    <td>{column_name(board, v.column_id)}</td>
                    <td>{short_time(v.entered_at)}</td>
                    <td>{v.left_at.map(short_time).unwrap_or_else(|| "still here".into())}</td>
                    <td class="num">{human_duration(v.duration_s)}</td>
                </tr>
            }
        })
        .collect_view();
    let log = events;
    // Newest first (a stable sort: events of one moment stay newest first, before a comment
    // of the same moment).
    let mut entries: Vec<(DateTime<Utc>, String)> = events
        .iter()
        .rev()
        .map(|e| {
            let item = view! {
                <li>
                    <time datetime=e.at.to_rfc3339()>{short_time(e.at)}</time>
                    <span class="actor">{e.actor.name.clone()}</span>
                    <span class="what">{describe(board, log, &e.kind)}</span>
                </li>
            };
            (e.at, item.to_static_html())
        })
        .collect();
    entries.extend(comments.iter().map(|c| (c.at, c.html.clone())));
    entries.sort_by_key(|e| std::cmp::Reverse(e.0));
    let events: String = entries.into_iter().map(|(_, html)| html).collect();
    view! {
        <h2>"Time in each column"</h2>
        <table class="visits">
            <thead>
                <tr><th>"Column"</th><th>"Entered"</th><th>"Left"</th><th class="num">"Stayed"</th></tr>
            </thead>
            <tbody>{visits}</tbody>
        </table>
        <h2>"History"</h2>
        <ol class="events" inner_html=events></ol>
    }
    .to_static_html()
}
