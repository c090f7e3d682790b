//! Incidents: reported, deduplicated, blamed on a deployment and restored.

use super::*;

pub(crate) async fn incidents_are_blamed_and_restored(store: Arc<dyn Store>) {
    use domain::delivery::{DeploymentRef, Release};
    use domain::incident::{IncidentReport, Signal, SignalStatus};
    let board = make_board(store.as_ref(), "B").await;
    let other = make_board(store.as_ref(), "Other").await;
    let r = BoardRef::Id(board.id);
    let now = t0() + Duration::days(2);
    let v1 = store
        .record_deployment(
            board.id,
            &deployment("api", "v1", 1, &[1], &[]),
            &actor(),
            now,
        )
        .await
        .unwrap()
        .deployment;
    let v2 = store
        .record_deployment(
            board.id,
            &deployment("api", "v2", 2, &[1], &[]),
            &actor(),
            now,
        )
        .await
        .unwrap()
        .deployment;
    let elsewhere = store
        .record_deployment(
            other.id,
            &deployment("api", "v3", 2, &[], &[]),
            &actor(),
            now,
        )
        .await
        .unwrap()
        .deployment;
    let report = |title: &str, key: &str, cause: Option<DeploymentRef>| IncidentReport {
        title: title.into(),
        // Standard lane: the Expedite lane's limit is not what this test is about.
        severity: Severity::Sev3,
        service: Some("api".into()),
        description: None,
        dedup_key: Some(key.into()),
        link: None,
        caused_by: cause,
    };
    let at = |h: i64| t0() + Duration::hours(h);

    // Named on purpose: resolved by release (the latest v2), refused when it names nothing.
    let release = |v: &str| {
        Some(DeploymentRef::Release(Release {
            service: "api".into(),
            version: v.into(),
        }))
    };
    let first = store
        .report_incident(
            &r,
            &report("5xx", "k1", release("v2")),
            "api",
            &actor(),
            at(3),
        )
        .await
        .expect("reported");
    assert_eq!(first.card.caused_by, Some(v2.id));
    for cause in [release("v9"), Some(DeploymentRef::Id(elsewhere.id))] {
        let err = store
            .report_incident(&r, &report("x", "k9", cause), "api", &actor(), at(3))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::Invalid(e) if e.field() == "caused_by"),
            "{err:?}"
        );
    }
    // A refresh keeps the cause already named.
    let again = store
        .report_incident(
            &r,
            &report("5xx", "k1", Some(DeploymentRef::Id(v1.id))),
            "api",
            &actor(),
            at(4),
        )
        .await
        .unwrap();
    assert_eq!((again.created, again.card.caused_by), (false, Some(v2.id)));
    // Monitoring naming an unknown release is not refused; the cause is dropped.
    let storm = store
        .apply_alerts(
            &r,
            &[Signal {
                status: SignalStatus::Firing,
                report: report("latency", "k2", release("v9")),
                ends_at: None,
            }],
            "alertmanager",
            &actor(),
            at(5),
        )
        .await
        .expect("applied");
    let latency = match &storm[0] {
        application::ports::AlertOutcome::Created(card) => card.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(latency.caused_by, None);

    // By hand: incidents only, deployments of the card's board only; recorded as an edit.
    let feature = add_feature(store.as_ref(), &r, "a feature").await;
    let err = store
        .set_caused_by(feature.id, Some(v1.id), &actor(), at(6))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Invalid(e) if e.field() == "card_type"),
        "{err:?}"
    );
    let err = store
        .set_caused_by(latency.id, Some(elsewhere.id), &actor(), at(6))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Invalid(e) if e.field() == "deployment_id"),
        "{err:?}"
    );
    let linked = store
        .set_caused_by(latency.id, Some(v1.id), &actor(), at(6))
        .await
        .expect("linked");
    assert_eq!(linked.caused_by, Some(v1.id));
    assert_eq!(store.card(latency.id).await.unwrap().caused_by, Some(v1.id));
    assert_eq!(
        store
            .card_events(latency.id)
            .await
            .unwrap()
            .last()
            .map(|e| &e.kind),
        Some(&EventKind::Edited {
            fields: vec!["caused_by".into()]
        })
    );
    let listed = store.deployments(board.id, t0(), None).await.unwrap();
    assert_eq!(listed[0].caused_incidents, vec![latency.id]);
    assert_eq!(listed[1].caused_incidents, vec![first.card.id]);
    let cleared = store
        .set_caused_by(latency.id, None, &actor(), at(7))
        .await
        .expect("cleared");
    assert_eq!(cleared.caused_by, None);
    assert!(
        store.deployments(board.id, t0(), None).await.unwrap()[0]
            .caused_incidents
            .is_empty()
    );

    // Restoration: the earlier of the alert's resolution and completion.
    // k1 (5xx, opened at 3): alert resolved at 8, done at 10 → 8.
    store
        .resolve_incident(&r, "k1", &actor(), at(8))
        .await
        .expect("resolved");
    let done = board.columns[4].id;
    store
        .move_card(first.card.id, &to(done), &actor(), at(10))
        .await
        .unwrap();
    // k2 (latency, opened at 5): done at 9, reopened at 11, done again at 12 → 12.
    store
        .move_card(latency.id, &to(done), &actor(), at(9))
        .await
        .unwrap();
    store
        .move_card(latency.id, &to(board.columns[2].id), &actor(), at(11))
        .await
        .unwrap();
    store
        .move_card(latency.id, &to(done), &actor(), at(12))
        .await
        .unwrap();
    // k3 (opened at 13): still open.
    let open = store
        .report_incident(&r, &report("disk", "k3", None), "api", &actor(), at(13))
        .await
        .unwrap()
        .card;
    // k4 (opened at 14): done at 15, then moved again inside Done at 16 → 15 (moving
    // within the run of done columns does not complete it again).
    let settled = store
        .report_incident(&r, &report("queue", "k4", None), "api", &actor(), at(14))
        .await
        .unwrap()
        .card;
    for hour in [15, 16] {
        store
            .move_card(settled.id, &to(done), &actor(), at(hour))
            .await
            .unwrap();
    }
    let records = store
        .incident_records(board.id, t0(), at(24))
        .await
        .expect("records");
    let summary: Vec<_> = records
        .iter()
        .map(|i| (i.card_id, i.created_at, i.restored_at, i.caused_by))
        .collect();
    assert_eq!(
        summary,
        vec![
            (first.card.id, at(3), Some(at(8)), Some(v2.id)),
            (latency.id, at(5), Some(at(12)), None),
            (open.id, at(13), None, None),
            (settled.id, at(14), Some(at(15)), None),
        ]
    );
    assert_eq!(records[0].service.as_deref(), Some("api"));
    let later = store
        .incident_records(board.id, at(4), at(24))
        .await
        .unwrap();
    assert_eq!(later.len(), 3, "created in the range only");

    // k5 (opened at 17): done at 18, on to a second done column (Released) at 19, back to
    // Done at 20 → 18, one stay in done. With Released removed afterwards, its placement
    // counts as outside done → 20, as the flow metrics read a removed column.
    let (specs, released) = {
        let mut specs = app::ssr::forms::specs_of(&board);
        specs.push(ColumnSpec {
            id: None,
            name: "Released".into(),
            kind: ColumnKind::Done,
            wip_limit: None,
            position: None,
        });
        let wider = store.set_columns(&r, &specs).await.expect("column added");
        let released = wider.columns.last().expect("Released").id;
        (specs, released)
    };
    let moved_on = store
        .report_incident(&r, &report("cache", "k5", None), "api", &actor(), at(17))
        .await
        .unwrap()
        .card;
    for (hour, column) in [(18, done), (19, released), (20, done)] {
        store
            .move_card(moved_on.id, &to(column), &actor(), at(hour))
            .await
            .unwrap();
    }
    let restored = |records: Vec<domain::delivery::IncidentRecord>| {
        records
            .into_iter()
            .find(|i| i.card_id == moved_on.id)
            .and_then(|i| i.restored_at)
    };
    let records = store.incident_records(board.id, at(17), at(24)).await;
    assert_eq!(restored(records.unwrap()), Some(at(18)));
    store
        .set_columns(&r, &specs[..specs.len() - 1])
        .await
        .expect("Released removed");
    let records = store.incident_records(board.id, at(17), at(24)).await;
    assert_eq!(restored(records.unwrap()), Some(at(20)));
}
