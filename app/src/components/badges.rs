//! Badges for card types and severities, and the error panel.
//!
//! Card types are told apart by colour, icon *and* word, so nobody depends on colour alone.

use domain::{CardType, Severity};
use leptos::prelude::*;

use crate::error::AppError;

/// The icon for a card type (decorative; the word carries the meaning).
pub fn type_icon(card_type: CardType) -> &'static str {
    match card_type {
        CardType::Feature => "★",
        CardType::Incident => "⚠",
        CardType::TechDebt => "⚙",
    }
}

/// Icon and word for a card type, coloured by type.
#[component]
pub fn TypeBadge(card_type: CardType) -> impl IntoView {
    view! {
        <span class=format!("badge type-badge type-{}", card_type.as_str())>
            <span class="icon" aria-hidden="true">{type_icon(card_type)}</span>
            {card_type.label()}
        </span>
    }
}

/// An incident's severity.
#[component]
pub fn SeverityBadge(severity: Severity) -> impl IntoView {
    view! {
        <span class=format!("badge sev-badge {}", severity.as_str()) title="Severity">
            {severity.as_str().to_uppercase()}
        </span>
    }
}

/// A failed load, with the message a person can act on.
#[component]
pub fn ErrorPanel(error: AppError) -> impl IntoView {
    let title = match error {
        AppError::NotFound(_) => "Not found",
        AppError::Unavailable => "Database unavailable",
        AppError::WritesRefused(_) => "Changes cannot be saved",
        _ => "Something went wrong",
    };
    view! {
        <section class="error-panel" role="alert">
            <h1>{title}</h1>
            <p>{error.user_message()}</p>
            <p><a href="/">"Back to all boards"</a></p>
        </section>
    }
}
