//! The demo board's delivery history: weekday production deployments of four services over
//! the demo's 90 days, each with the commits it shipped, a few failed ones, and some of the
//! demo's incidents blamed on the deployment just before them. Goes through the same store
//! methods as `POST /api/v1/deployments`, so the delivery dashboard and the four keys work
//! on it as they would on real data.

use application::ports::{Store, StoreError};
use chrono::{DateTime, Datelike, Duration, Utc, Weekday};
use domain::delivery::{Commit, DeploymentReport, DeploymentStatus};
use domain::{Actor, Board, CardType};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::demo::DEMO_DAYS;

/// The services that deploy; the first deploys most often.
const DEPLOYING: [(&str, f64); 4] = [
    ("checkout", 0.9),
    ("payments", 0.6),
    ("search", 0.5),
    ("auth", 0.3),
];

/// Records the demo deployments and links incidents to them. `board` must hold the demo's
/// cards (for the incidents to blame).
pub async fn seed_deployments(
    store: &dyn Store,
    board: &Board,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let mut rng = StdRng::seed_from_u64(7);
    let actor = Actor::system("demo ci");
    let start = now - Duration::days(DEMO_DAYS);
    let mut made = Vec::new();
    for day in 0..DEMO_DAYS {
        let day_start = start + Duration::days(day);
        if matches!(day_start.weekday(), Weekday::Sat | Weekday::Sun) {
            continue;
        }
        for (number, (service, rate)) in DEPLOYING.iter().enumerate() {
            if rng.random::<f64>() >= *rate {
                continue;
            }
            let deployed_at = day_start + Duration::minutes(rng.random_range(10 * 60..17 * 60));
            if deployed_at > now {
                continue;
            }
            let commits = (0..rng.random_range(1..6))
                .map(|_| Commit {
                    sha: format!("{:012x}", rng.random::<u64>() & 0xffff_ffff_ffff),
                    committed_at: deployed_at - Duration::minutes(rng.random_range(30..72 * 60)),
                })
                .collect();
            let failed = rng.random::<f64>() < 0.08;
            let report = DeploymentReport {
                service: (*service).to_owned(),
                environment: "production".into(),
                version: format!("v{}.{}.{}", number + 1, day / 7, day % 7),
                deployed_at: Some(deployed_at),
                status: if failed {
                    DeploymentStatus::Failure
                } else {
                    DeploymentStatus::Success
                },
                commits,
                cards: None,
            };
            let new = report.validate(now)?;
            made.push(
                store
                    .record_deployment(board.id, &new, &actor, now)
                    .await?
                    .deployment,
            );
        }
    }
    // One incident in five is blamed on the deployment of its service just before it, as
    // a team would after a post-incident review.
    let incidents = board
        .cards
        .iter()
        .filter(|c| c.card_type == CardType::Incident)
        .enumerate()
        .filter(|(i, _)| i % 5 == 0)
        .map(|(_, c)| c);
    for card in incidents {
        let cause = made.iter().rfind(|d| {
            d.deployed_at < card.created_at && card.created_at - d.deployed_at < Duration::days(2)
        });
        if let Some(cause) = cause {
            store
                .set_caused_by(card.id, Some(cause.id), &actor, card.created_at)
                .await?;
        }
    }
    Ok(made.len())
}
