use super::*;
use crate::card::Severity;

/// A real Alertmanager v4 notification (shape as documented and as Alertmanager 0.27 sends).
const ALERTMANAGER: &str = r#"{
  "version": "4",
  "groupKey": "{}:{alertname=\"HighErrorRate\"}",
  "truncatedAlerts": 0,
  "status": "firing",
  "receiver": "flowboard",
  "groupLabels": {"alertname": "HighErrorRate"},
  "commonLabels": {"alertname": "HighErrorRate", "severity": "critical"},
  "commonAnnotations": {},
  "externalURL": "http://alertmanager:9093",
  "alerts": [
    {
      "status": "firing",
      "labels": {"alertname": "HighErrorRate", "severity": "critical", "job": "payments-api", "instance": "10.0.0.7:9100"},
      "annotations": {"summary": "Payments 5xx above 2%", "description": "Error ratio 4.1% for 10m.", "runbook_url": "https://runbooks.example/5xx"},
      "startsAt": "2026-11-20T10:00:00.000Z",
      "endsAt": "0001-01-01T00:00:00Z",
      "generatorURL": "http://prometheus:9090/graph?g0.expr=rate",
      "fingerprint": "c6a9b3f1d2e4a5b6"
    },
    {
      "status": "resolved",
      "labels": {"alertname": "DiskFilling", "severity": "warning", "service": "search", "instance": "db-2"},
      "annotations": {},
      "startsAt": "2026-11-20T08:00:00Z",
      "endsAt": "2026-11-20T09:30:00Z",
      "generatorURL": "",
      "fingerprint": "0011223344556677"
    }
  ]
}"#;

/// A Grafana unified-alerting webhook notification.
const GRAFANA: &str = r#"{
  "receiver": "flowboard",
  "status": "firing",
  "orgId": 1,
  "alerts": [
    {
      "status": "firing",
      "labels": {"alertname": "Latency p99", "grafana_folder": "Checkout", "severity": "major"},
      "annotations": {"description": "p99 above 800 ms"},
      "startsAt": "2026-11-20T10:00:00Z",
      "endsAt": "0001-01-01T00:00:00Z",
      "generatorURL": "https://grafana.example/alerting/grafana/abc/view",
      "fingerprint": "57c6d9296de2ad39",
      "silenceURL": "https://grafana.example/alerting/silence/new",
      "dashboardURL": "https://grafana.example/d/xyz",
      "panelURL": "https://grafana.example/d/xyz?viewPanel=2",
      "values": {"B": 912.5},
      "valueString": "[ var='B' labels={} value=912.5 ]"
    }
  ],
  "groupLabels": {"alertname": "Latency p99"},
  "commonLabels": {"alertname": "Latency p99"},
  "commonAnnotations": {},
  "externalURL": "https://grafana.example/",
  "version": "1",
  "groupKey": "{}:{alertname=\"Latency p99\"}",
  "truncatedAlerts": 0,
  "title": "[FIRING:1] Latency p99",
  "state": "alerting",
  "message": "**Firing**"
}"#;

#[test]
fn alertmanager_alerts_become_signals() {
    let payload: AlertmanagerPayload = serde_json::from_str(ALERTMANAGER).unwrap();
    let signals = payload.signals(&IncidentSettings::default()).unwrap();
    assert_eq!(signals.len(), 2);
    let firing = &signals[0];
    assert_eq!(firing.status, SignalStatus::Firing);
    assert_eq!(firing.report.title, "Payments 5xx above 2%");
    assert_eq!(firing.report.severity, Severity::Sev1);
    assert_eq!(
        firing.report.service.as_deref(),
        Some("payments-api"),
        "job when no service"
    );
    assert_eq!(
        firing.report.dedup_key.as_deref(),
        Some("alertmanager:c6a9b3f1d2e4a5b6")
    );
    assert_eq!(
        firing.report.link.as_deref(),
        Some("http://prometheus:9090/graph?g0.expr=rate")
    );
    let d = firing.report.description.as_deref().unwrap();
    assert!(d.starts_with("Error ratio 4.1% for 10m."), "{d}");
    assert!(
        d.contains("`instance=10.0.0.7:9100`")
            && d.contains("[Runbook](https://runbooks.example/5xx)"),
        "{d}"
    );
    let resolved = &signals[1];
    assert_eq!(resolved.status, SignalStatus::Resolved);
    assert_eq!(
        resolved.report.title,
        "DiskFilling (service=search, instance=db-2)"
    );
    assert_eq!(resolved.report.severity, Severity::Sev3);
    assert_eq!(resolved.report.service.as_deref(), Some("search"));
    assert_eq!(
        resolved.report.link, None,
        "an empty generatorURL is no link"
    );
}

#[test]
fn only_version_4_is_alertmanager() {
    let mut payload: AlertmanagerPayload = serde_json::from_str(ALERTMANAGER).unwrap();
    payload.version = "3".into();
    let e = payload.signals(&IncidentSettings::default()).unwrap_err();
    assert_eq!(e.field(), "version");
}

#[test]
fn grafana_alerts_become_signals() {
    let payload: GrafanaPayload = serde_json::from_str(GRAFANA).unwrap();
    let s = &payload.signals(&IncidentSettings::default())[0];
    assert_eq!(s.report.title, "Latency p99");
    assert_eq!(s.report.severity, Severity::Sev2, "major → sev2");
    assert_eq!(
        s.report.dedup_key.as_deref(),
        Some("grafana:57c6d9296de2ad39")
    );
    assert_eq!(
        s.report.link.as_deref(),
        Some("https://grafana.example/d/xyz?viewPanel=2")
    );
    let d = s.report.description.as_deref().unwrap();
    assert!(
        d.contains("p99 above 800 ms") && d.contains("value=912.5"),
        "{d}"
    );
}

#[test]
fn severity_mapping_is_a_setting() {
    let mut settings = IncidentSettings::default();
    assert_eq!(settings.severity_of(Some("CRITICAL")), Severity::Sev1);
    assert_eq!(settings.severity_of(Some("error")), Severity::Sev2);
    assert_eq!(settings.severity_of(Some("page")), Severity::Sev4);
    assert_eq!(settings.severity_of(None), Severity::Sev4);
    settings.severity_map.insert(
        0,
        SeverityRule {
            label: "page".into(),
            severity: Severity::Sev1,
        },
    );
    assert_eq!(settings.severity_of(Some("page")), Severity::Sev1);
    settings.severity_map.push(SeverityRule {
        label: "Page".into(),
        severity: Severity::Sev2,
    });
    assert!(settings.validate().is_err(), "duplicate labels");
}

#[test]
fn alerts_without_fingerprint_or_summary_still_dedup() {
    let alert = |labels: &str| -> WebhookAlert {
        serde_json::from_str(&format!(r#"{{"status": "firing", "labels": {labels}}}"#)).unwrap()
    };
    let a = alert(r#"{"alertname": "Down", "job": "api"}"#);
    let b = alert(r#"{"job": "api", "alertname": "Down"}"#);
    let c = alert(r#"{"alertname": "Down", "job": "web"}"#);
    let s = IncidentSettings::default();
    let key = |x: &WebhookAlert| x.signal("alertmanager", &s, None).report.dedup_key;
    assert_eq!(key(&a), key(&b), "label order does not matter");
    assert_ne!(key(&a), key(&c));
    assert_eq!(
        a.signal("alertmanager", &s, None).report.title,
        "Down (job=api)"
    );
    let bare = alert("{}");
    assert_eq!(bare.signal("grafana", &s, None).report.title, "Alert");
}

#[test]
fn long_titles_are_cut_to_fit() {
    let long = "é".repeat(300);
    let t = fit_title(&long);
    assert_eq!(t.chars().count(), 200);
    assert!(t.ends_with('…'));
}

#[test]
fn reports_check_links_and_never_get_refused() {
    let mut r = IncidentReport {
        title: "x".into(),
        severity: Severity::Sev1,
        service: None,
        description: None,
        dedup_key: Some("k".into()),
        link: Some("javascript:alert(1)".into()),
        caused_by: None,
    };
    assert_eq!(r.validate().unwrap_err().field(), "link");
    r.link = Some("https://grafana.example/d/1".into());
    assert!(r.validate().is_ok());
    let card = r.new_card("api");
    assert_eq!(card.card_type, crate::CardType::Incident);
    assert!(card.override_reason.is_some());
}

#[test]
fn unknown_fields_and_severities_are_refused() {
    assert!(
        serde_json::from_str::<IncidentReport>(r#"{"title": "x", "severity": "sev9"}"#).is_err()
    );
    assert!(
        serde_json::from_str::<IncidentReport>(
            r#"{"title": "x", "severity": "sev1", "sevrity": 1}"#
        )
        .is_err()
    );
}

#[test]
fn causes_are_an_id_or_a_release() {
    use crate::delivery::{DeploymentId, DeploymentRef, Release};
    let id = DeploymentId::new();
    let r: IncidentReport = serde_json::from_str(&format!(
        r#"{{"title": "x", "severity": "sev2", "caused_by": "{id}"}}"#
    ))
    .expect("an id");
    assert_eq!(r.caused_by, Some(DeploymentRef::Id(id)));
    let mut r: IncidentReport = serde_json::from_str(
        r#"{"title": "x", "severity": "sev2", "caused_by": {"service": " api ", "version": "v2"}}"#,
    )
    .expect("a release");
    assert_eq!(
        r.caused_by.as_ref().map(|c| c.validate("caused_by")),
        Some(Ok(DeploymentRef::Release(Release {
            service: "api".into(),
            version: "v2".into()
        })))
    );
    r.caused_by = Some(DeploymentRef::Release(Release {
        service: " ".into(),
        version: "v2".into(),
    }));
    assert_eq!(r.validate().unwrap_err().field(), "caused_by");
    for bad in [
        r#""not-an-id""#,
        r#"{"service": "api"}"#,
        r#"{"service": "api", "version": "v2", "env": "prod"}"#,
    ] {
        let json = format!(r#"{{"title": "x", "severity": "sev2", "caused_by": {bad}}}"#);
        assert!(
            serde_json::from_str::<IncidentReport>(&json).is_err(),
            "{bad}"
        );
    }
}

#[test]
fn alert_labels_name_the_causing_deployment() {
    use crate::delivery::{DeploymentId, DeploymentRef, Release};
    let settings = IncidentSettings::default();
    let alert = |labels: &[(&str, &str)]| WebhookAlert {
        status: SignalStatus::Firing,
        labels: labels
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        annotations: Default::default(),
        starts_at: None,
        ends_at: None,
        generator_url: None,
        fingerprint: None,
        dashboard_url: None,
        panel_url: None,
        value_string: None,
    };
    let cause = |labels: &[(&str, &str)]| {
        alert(labels)
            .signal("alertmanager", &settings, None)
            .report
            .caused_by
    };
    let id = DeploymentId::new();
    assert_eq!(
        cause(&[("deployment", &id.to_string()), ("version", "v9")]),
        Some(DeploymentRef::Id(id))
    );
    assert_eq!(
        cause(&[("job", "payments-api"), ("version", "1.4.2")]),
        Some(DeploymentRef::Release(Release {
            service: "payments-api".into(),
            version: "1.4.2".into()
        }))
    );
    // A deployment label that is no id falls back to the version; nothing usable is no cause.
    assert_eq!(
        cause(&[
            ("deployment", "blue"),
            ("service", "api"),
            ("version", "v3")
        ]),
        Some(DeploymentRef::Release(Release {
            service: "api".into(),
            version: "v3".into()
        }))
    );
    assert_eq!(cause(&[("version", "v3")]), None, "no service");
    assert_eq!(cause(&[("service", "api")]), None, "no version");
    assert_eq!(cause(&[("service", "api"), ("version", "   ")]), None);
}

/// Hostile-input regressions (the fuzz targets' invariant): whatever an alert carries, the
/// report it becomes passes every check a new card goes through, so monitoring is never refused.
mod hostile {
    use super::*;
    use crate::card::MAX_SHORT_CHARS;

    fn alert(json: &str) -> WebhookAlert {
        serde_json::from_str(json).expect("valid alert")
    }

    /// Asserts the report would be stored: the checks of `apply_alerts` and `NewCard`.
    fn accepted(report: &IncidentReport, source: &str) {
        report.validate().expect("report valid");
        report
            .new_card(source)
            .validate(&crate::card::tests::board())
            .expect("its card is valid");
    }

    #[test]
    fn blank_alertname_still_gives_a_title() {
        let s = IncidentSettings::default();
        let r = alert(r#"{"status":"firing","labels":{"alertname":"  "}}"#)
            .signal("alertmanager", &s, None)
            .report;
        assert_eq!(
            r.title, "Alert",
            "was an empty title: a 422 for the whole webhook"
        );
        accepted(&r, "alertmanager");
    }

    #[test]
    fn long_service_labels_and_fingerprints_are_fitted() {
        let s = IncidentSettings::default();
        let long = "ß".repeat(5_000);
        let json = |fingerprint: &str| {
            format!(
                r#"{{"status":"firing","labels":{{"service":"{long}"}},"fingerprint":"{fingerprint}"}}"#
            )
        };
        let r = alert(&json(&long)).signal("grafana", &s, None).report;
        assert_eq!(
            r.service.as_deref().map(|s| s.chars().count()),
            Some(MAX_SHORT_CHARS)
        );
        let key = r.dedup_key.clone().expect("key");
        assert!(key.chars().count() <= MAX_SHORT_CHARS, "{key}");
        accepted(&r, "grafana");
        // The shortened key is still the fingerprint's: the same alert dedups, another does not.
        let again = alert(&json(&long))
            .signal("grafana", &s, None)
            .report
            .dedup_key;
        assert_eq!(again.as_deref(), Some(key.as_str()));
        let other = alert(&json(&format!("{long}x")))
            .signal("grafana", &s, None)
            .report
            .dedup_key;
        assert_ne!(other.as_deref(), Some(key.as_str()));
    }

    #[test]
    fn nul_characters_are_dropped_from_alerts() {
        let s = IncidentSettings::default();
        let a = alert(
            r#"{"status":"firing","labels":{"alertname":"Disk\u0000Full","service":"db\u0000","version":"1\u0000"},
                "annotations":{"description":"a\u0000b"},"fingerprint":"f\u0000p",
                "valueString":"v\u0000","generatorURL":"https://x/\u0000"}"#,
        );
        let r = a
            .signal("alertmanager", &s, a.generator_url.as_deref())
            .report;
        let text = format!("{r:?}");
        assert!(!text.contains("\\0"), "{text}");
        assert_eq!(r.title, "DiskFull (service=db)");
        assert_eq!(r.dedup_key.as_deref(), Some("alertmanager:fp"));
        assert_eq!(r.link, None, "a link with NUL is dropped, not rewritten");
        accepted(&r, "alertmanager");
    }

    #[test]
    fn reports_with_nul_are_refused_with_the_field() {
        let mut r = IncidentReport {
            title: "a\0b".into(),
            severity: Severity::Sev2,
            service: None,
            description: None,
            dedup_key: None,
            link: None,
            caused_by: None,
        };
        let board = crate::card::tests::board();
        let err = r.new_card("api").validate(&board).unwrap_err();
        assert_eq!(err.field(), "title");
        r.title = "ok".into();
        r.link = Some("https://x/\0".into());
        assert_eq!(r.validate().unwrap_err().field(), "link");
    }
}

#[test]
fn resolved_alerts_carry_their_end_and_only_plausible_ends_count() {
    let time = |s: &str| s.parse::<chrono::DateTime<chrono::Utc>>().expect("a time");
    let payload = |status: &str, ends: &str| {
        serde_json::from_str::<AlertmanagerPayload>(&format!(
            r#"{{"version":"4","alerts":[{{"status":"{status}","labels":{{"alertname":"A"}},
            "startsAt":"2026-11-20T10:00:00Z","endsAt":"{ends}"}}]}}"#
        ))
        .expect("payload")
    };
    let settings = IncidentSettings::default();
    let resolved = payload("resolved", "2026-11-20T10:30:00Z").signals(&settings);
    let ends = resolved.expect("signals")[0].ends_at;
    assert_eq!(ends, Some(time("2026-11-20T10:30:00Z")));
    // A firing alert's endsAt is Alertmanager's guess of when it will stop: not a resolution.
    let firing = payload("firing", "2026-11-20T10:30:00Z").signals(&settings);
    assert_eq!(firing.expect("signals")[0].ends_at, None);

    let (opened, now) = (time("2026-11-20T10:01:00Z"), time("2026-11-20T10:35:00Z"));
    let end = time("2026-11-20T10:30:00Z");
    assert_eq!(resolution_time(Some(end), opened, now), end);
    assert_eq!(resolution_time(None, opened, now), now);
    let zero = time("0001-01-01T00:00:00Z");
    assert_eq!(resolution_time(Some(zero), opened, now), now);
    let ahead = time("2026-11-20T10:36:00Z");
    assert_eq!(resolution_time(Some(ahead), opened, now), now);
    let before_opened = time("2026-11-20T10:00:30Z");
    assert_eq!(resolution_time(Some(before_opened), opened, now), now);
}
