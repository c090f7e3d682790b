//! The retrospective's flow charts: the period's metrics mapped into the chart components,
//! each with the one-line reading a team lead says out loud.

use std::collections::HashMap;

use domain::metrics::FlowMetrics;
use domain::{CardId, ColumnKind};
use leptos::prelude::*;

use crate::api::{CardLabel, RetroReport};
use crate::components::charts::scale::format_days;
use crate::components::charts::{
    AgingCard, AgingWip, Band, ColumnTime, ColumnTimeBars, CumulativeFlow, CycleScatter,
    FlowDistribution, Kind, Percentiles, ScatterPoint, Stage, ThroughputDay, ThroughputRun,
};

/// Every chart of the period, in the order a retrospective walks through them.
#[component]
pub fn FlowCharts(view: RetroReport) -> impl IntoView {
    let m = &view.current;
    let labels: HashMap<CardId, &CardLabel> = view.cards.iter().map(|c| (c.id, c)).collect();
    let href = |number: i64| format!("/boards/{}/cards/{number}", view.slug);
    let label = |id: CardId| {
        labels
            .get(&id)
            .map(|c| format!("#{} {}", c.number, c.title))
            .unwrap_or_else(|| "a card".to_owned())
    };
    let cycle = Percentiles {
        p50: m.cycle_time.p50_s,
        p85: m.cycle_time.p85_s,
        p95: m.cycle_time.p95_s,
    };

    let days = m.cfd.iter().map(|d| d.date).collect();
    let bands = view
        .columns
        .iter()
        .map(|c| Band {
            name: c.name.clone(),
            values: m
                .cfd
                .iter()
                .map(|d| d.counts.get(&c.id.to_string()).copied().unwrap_or(0))
                .collect(),
            done: c.kind == ColumnKind::Done,
        })
        .collect();

    let points = m
        .completions
        .iter()
        .filter_map(|c| {
            Some(ScatterPoint {
                completed: c.completed_at,
                seconds: c.cycle_s?,
                label: label(c.card_id),
                href: href(c.number),
                kind: Kind::parse(c.card_type.as_str())?,
            })
        })
        .collect();

    let bottleneck = m.bottleneck().map(|b| b.column_id);
    let columns = m
        .columns
        .iter()
        .map(|c| ColumnTime {
            name: c.name.clone(),
            stage: match c.kind {
                ColumnKind::Queue => Stage::Queue,
                ColumnKind::Active => Stage::Active,
                ColumnKind::Done => Stage::Done,
            },
            p50_s: c.time_in_column.p50_s,
            p85_s: c.time_in_column.p85_s,
            count: c.time_in_column.count,
        })
        .collect();
    let bottleneck_index = m
        .columns
        .iter()
        .position(|c| Some(c.column_id) == bottleneck);

    let throughput = m
        .throughput
        .iter()
        .map(|d| ThroughputDay {
            date: d.date,
            feature: d.by_type.feature,
            incident: d.by_type.incident,
            tech_debt: d.by_type.tech_debt,
        })
        .collect();

    let active: Vec<_> = view
        .columns
        .iter()
        .filter(|c| c.kind == ColumnKind::Active)
        .collect();
    let aging = m
        .aging_wip
        .iter()
        .filter_map(|a| {
            let card = labels.get(&a.card_id)?;
            Some(AgingCard {
                column_index: active.iter().position(|c| c.id == a.column_id)?,
                age_s: a.age_s,
                label: format!("#{} {}", card.number, card.title),
                href: href(card.number),
                kind: Kind::parse(card.card_type.as_str())?,
            })
        })
        .collect();

    let d = m.flow_distribution;
    // Type-erased one by one: six charts in one view type overflow the compiler.
    let charts = [
        view! { <CumulativeFlow title="Cumulative flow".into() reading=cfd_reading(m) days bands/> }
            .into_any(),
        view! { <CycleScatter title="Cycle time".into() reading=cycle_reading(m) points percentiles=cycle/> }
            .into_any(),
        view! { <ColumnTimeBars title="Time in column".into() reading=column_reading(m) columns bottleneck=bottleneck_index/> }
            .into_any(),
        view! { <ThroughputRun title="Throughput".into() reading=throughput_reading(m) days=throughput/> }
            .into_any(),
        view! {
            <AgingWip
                title="Aging work in progress".into()
                reading=aging_reading(m)
                columns=active.iter().map(|c| c.name.clone()).collect()
                cards=aging
                percentiles=cycle
            />
        }
        .into_any(),
        view! {
            <FlowDistribution
                title="Flow distribution".into()
                reading=distribution_reading(m)
                feature=d.feature
                incident=d.incident
                tech_debt=d.tech_debt
                tech_debt_target=m.tech_debt_share.target
            />
        }
        .into_any(),
    ];
    view! { <div class="chart-grid">{charts.into_iter().collect_view()}</div> }
}

fn cfd_reading(m: &FlowMetrics) -> String {
    match (m.wip.first(), m.wip.last()) {
        (Some(first), Some(last)) => format!(
            "Work in progress went from {} to {} cards while {} finished.",
            first.count, last.count, m.population
        ),
        _ => "No days in this period.".into(),
    }
}

fn cycle_reading(m: &FlowMetrics) -> String {
    match m.cycle_time.p85_s {
        Some(p85) => format!("85% of items finished within {}.", format_days(p85)),
        None => "No committed item finished in this period.".into(),
    }
}

fn column_reading(m: &FlowMetrics) -> String {
    match m.bottleneck() {
        Some(c) => format!(
            "Cards spend longest in {}: a median of {}.",
            c.name,
            format_days(c.time_in_column.p50_s.unwrap_or(0))
        ),
        None => "No card passed through a queue or active column.".into(),
    }
}

fn throughput_reading(m: &FlowMetrics) -> String {
    let days = m.throughput.len().max(1) as f64;
    format!(
        "{} items finished, {:.1} per day on average.",
        m.population,
        f64::from(m.population) / days
    )
}

fn aging_reading(m: &FlowMetrics) -> String {
    let n = m.aging_wip.len();
    match m.cycle_time.p85_s {
        Some(p85) => {
            let late = m.aging_wip.iter().filter(|a| a.age_s > p85).count();
            format!(
                "{n} items in progress; {late} already older than 85% of finished items ({}).",
                format_days(p85)
            )
        }
        None => format!("{n} items in progress."),
    }
}

fn distribution_reading(m: &FlowMetrics) -> String {
    let target = (m.tech_debt_share.target * 100.0).round();
    match m.tech_debt_share.by_count {
        Some(share) => format!(
            "Tech debt was {:.0}% of finished items, against a target of {target:.0}%.",
            share * 100.0
        ),
        None => format!("Nothing finished; the tech-debt target is {target:.0}%."),
    }
}
