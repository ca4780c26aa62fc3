//! Alertmanager's webhook (payload version "4") and Grafana-managed alerting's (version
//! "1": the same shape plus fields of its own, all ignored here).

use serde::Deserialize;

use super::{Alert, Labels, Notification, ParseError, Source, State, json_error};

/// Grafana's alerts for a rule that had no data or failed to query.
pub const DATASOURCE_ALERTS: [&str; 2] = ["DatasourceNoData", "DatasourceError"];

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Payload {
    version: String,
    group_key: String,
    status: String,
    #[serde(default)]
    group_labels: Labels,
    #[serde(default)]
    common_labels: Labels,
    #[serde(default)]
    common_annotations: Labels,
    #[serde(default)]
    truncated_alerts: u64,
    alerts: Vec<AlertIn>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AlertIn {
    status: String,
    #[serde(default)]
    labels: Labels,
    #[serde(default)]
    annotations: Labels,
    #[serde(default)]
    starts_at: Option<String>,
    #[serde(default)]
    fingerprint: Option<String>,
}

pub fn parse(body: &[u8]) -> Result<Notification, ParseError> {
    let payload: Payload = serde_json::from_slice(body).map_err(|e| json_error("Alertmanager/Grafana", e))?;
    let source = match payload.version.as_str() {
        "4" => Source::Alertmanager,
        "1" => Source::Grafana,
        other => {
            return Err(ParseError::new(format!(
                "payload version {other:?} is neither Alertmanager's \"4\" nor Grafana's \"1\""
            )));
        }
    };
    if payload.group_key.is_empty() {
        return Err(ParseError::new("groupKey is empty"));
    }
    let status = State::parse(&payload.status).ok_or_else(|| {
        ParseError::new(format!("status {:?} is neither firing nor resolved", payload.status))
    })?;
    let mut alerts = Vec::with_capacity(payload.alerts.len());
    for (i, a) in payload.alerts.into_iter().enumerate() {
        let state = State::parse(&a.status).ok_or_else(|| {
            ParseError::new(format!("alerts[{i}].status {:?} is neither firing nor resolved", a.status))
        })?;
        let datasource_state = source == Source::Grafana
            && a.labels.get("alertname").is_some_and(|n| DATASOURCE_ALERTS.contains(&n.as_str()));
        alerts.push(Alert {
            status: state,
            labels: a.labels,
            annotations: a.annotations,
            starts_at: a.starts_at.filter(|s| !s.is_empty()),
            fingerprint: a.fingerprint.filter(|s| !s.is_empty()),
            components: Vec::new(),
            datasource_state,
        });
    }
    if payload.truncated_alerts > 0 {
        tracing::warn!(
            "{}: {} alerts left out by the sender (truncatedAlerts; raise max_alerts)",
            payload.group_key,
            payload.truncated_alerts
        );
    }
    Ok(Notification {
        source,
        group_key: payload.group_key,
        status,
        group_labels: payload.group_labels,
        common_labels: payload.common_labels,
        common_annotations: payload.common_annotations,
        alerts,
        truncated_alerts: payload.truncated_alerts,
        ignored: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::fixtures;

    #[test]
    fn alertmanager_firing_and_resolved() {
        let n = parse(&fixtures::read("alertmanager-firing.json")).unwrap();
        assert_eq!((n.source, n.status), (Source::Alertmanager, State::Firing));
        assert_eq!(n.group_key, "{}:{alertname=\"ApiDown\"}");
        assert_eq!(n.alerts.len(), 1);
        let a = &n.alerts[0];
        assert_eq!(a.labels["severity"], "critical");
        assert_eq!(a.annotations["statuspage_component"], "api");
        assert_eq!(a.starts_at.as_deref(), Some("2026-11-30T10:00:00Z"));
        assert_eq!(a.fingerprint.as_deref(), Some("fd87ecd0b9ef4465"));
        assert_eq!(n.common_annotations["summary"], "API is down");
        let r = parse(&fixtures::read("alertmanager-resolved.json")).unwrap();
        assert_eq!((r.status, r.alerts[0].status), (State::Resolved, State::Resolved));
        assert_eq!(r.group_key, n.group_key);
    }

    #[test]
    fn grafana_firing_and_resolved_with_its_extra_fields_ignored() {
        let n = parse(&fixtures::read("grafana-firing.json")).unwrap();
        assert_eq!((n.source, n.status), (Source::Grafana, State::Firing));
        assert_eq!(n.alerts[0].labels["grafana_folder"], "prod");
        assert!(!n.alerts[0].datasource_state);
        let r = parse(&fixtures::read("grafana-resolved.json")).unwrap();
        assert_eq!((r.source, r.status), (Source::Grafana, State::Resolved));
    }

    #[test]
    fn grafana_datasource_alerts_are_marked() {
        let body = String::from_utf8(fixtures::read("grafana-firing.json"))
            .unwrap()
            .replace(r#""labels":{"alertname":"ApiDown""#, r#""labels":{"alertname":"DatasourceNoData""#);
        let n = parse(body.as_bytes()).unwrap();
        assert!(n.alerts[0].datasource_state);
    }

    #[test]
    fn unknown_fields_pass_and_wrong_shapes_do_not() {
        let with_new = String::from_utf8(fixtures::read("alertmanager-firing.json")).unwrap().replacen(
            '{',
            r#"{"notification_reason":"first notification","routeLabels":{"a":"b"},"#,
            1,
        );
        assert!(parse(with_new.as_bytes()).is_ok());
        for (bad, why) in [
            (r#"{"version":"3","groupKey":"g","status":"firing","alerts":[]}"#, "version"),
            (r#"{"version":"4","groupKey":"g","status":"weird","alerts":[]}"#, "status"),
            (r#"{"version":"4","groupKey":"","status":"firing","alerts":[]}"#, "groupKey"),
            (r#"{"version":"4","status":"firing","alerts":[]}"#, "groupKey"),
            (r#"[1,2]"#, "valid"),
            (r#"{"version":"4","groupKey":"g","status":"firing","alerts":[{"status":"x"}]}"#, "alerts[0]"),
        ] {
            let err = parse(bad.as_bytes()).unwrap_err();
            assert!(err.0.contains(why), "{bad}: {err}");
        }
    }
}
