//! Datadog's Webhooks integration with statusctl's payload template: every variable in a
//! quoted JSON string (Datadog substitutes text; numbers are parsed here).
//!
//! Key = `alert_id` + ":" + `alert_cycle_key` (one per monitor and alert cycle, trigger to
//! recovery). `Triggered`, `Re-Triggered` and `Renotify` fire with the severity taken from
//! `alert_type` (`error`, `warning`, `info`); `Warn` and `Re-Warn` fire as `warning`;
//! `Recovered` resolves; `No Data` and `Re-No Data` ask for nothing.

use serde::Deserialize;

use super::{Alert, Labels, Notification, ParseError, Source, State, json_error};

/// The payload template to configure in Datadog (docs/serve.md).
pub const TEMPLATE: &str = r#"{"source":"datadog","alert_id":"$ALERT_ID","alert_cycle_key":"$ALERT_CYCLE_KEY",
 "alert_transition":"$ALERT_TRANSITION","alert_type":"$ALERT_TYPE","alert_title":"$ALERT_TITLE",
 "alert_status":"$ALERT_STATUS","alert_priority":"$ALERT_PRIORITY","alert_scope":"$ALERT_SCOPE",
 "event_id":"$ID","event_type":"$EVENT_TYPE","event_msg":"$TEXT_ONLY_MSG","aggreg_key":"$AGGREG_KEY",
 "date":"$DATE","last_updated":"$LAST_UPDATED","hostname":"$HOSTNAME","link":"$LINK","tags":"$TAGS",
 "org_id":"$ORG_ID"}"#;

#[derive(Deserialize)]
struct Payload {
    alert_id: String,
    #[serde(default)]
    alert_cycle_key: String,
    alert_transition: String,
    #[serde(default)]
    alert_type: String,
    #[serde(default)]
    alert_title: String,
    #[serde(default)]
    alert_status: String,
    #[serde(default)]
    alert_priority: String,
    #[serde(default)]
    alert_scope: String,
    #[serde(default)]
    event_type: String,
    #[serde(default)]
    event_msg: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    hostname: String,
    #[serde(default)]
    link: String,
    #[serde(default)]
    tags: String,
}

pub fn parse(body: &[u8]) -> Result<Notification, ParseError> {
    let p: Payload = serde_json::from_slice(body).map_err(|e| json_error("Datadog", e))?;
    let alert_id = p.alert_id.trim();
    if alert_id.is_empty() || alert_id.starts_with('$') {
        return Err(ParseError::new(
            "alert_id is empty or was not substituted: configure the payload template of docs/serve.md",
        ));
    }
    let transition = p.alert_transition.trim();
    let (status, severity, ignored) = match transition {
        "Triggered" | "Re-Triggered" | "Renotify" => (State::Firing, p.alert_type.trim().to_string(), None),
        "Warn" | "Re-Warn" => (State::Firing, "warning".to_string(), None),
        "Recovered" => (State::Resolved, p.alert_type.trim().to_string(), None),
        "No Data" | "Re-No Data" => {
            (State::Firing, String::new(), Some(format!("Datadog transition `{transition}` changes nothing")))
        }
        other => {
            return Err(ParseError::new(format!(
                "alert_transition {other:?} is not one Datadog documents (Triggered, Re-Triggered, Renotify, \
                 Warn, Re-Warn, Recovered, No Data)"
            )));
        }
    };
    let cycle = p.alert_cycle_key.trim();
    let group_key = if cycle.is_empty() || cycle.starts_with('$') {
        alert_id.to_string()
    } else {
        format!("{alert_id}:{cycle}")
    };
    // Tags `env:prod,service:api,monitor` become labels (a bare tag is a label with no value).
    let mut labels = Labels::new();
    for tag in p.tags.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        let (name, value) = tag.split_once(':').unwrap_or((tag, ""));
        labels.entry(name.to_string()).or_insert_with(|| value.to_string());
    }
    let fields = [
        ("alert_id", alert_id),
        ("alertname", p.alert_title.trim()),
        ("priority", p.alert_priority.trim()),
        ("scope", p.alert_scope.trim()),
        ("event_type", p.event_type.trim()),
        ("hostname", p.hostname.trim()),
        ("severity", severity.as_str()),
    ];
    for (name, value) in fields {
        if !value.is_empty() {
            labels.insert(name.to_string(), value.to_string());
        }
    }
    let mut annotations = Labels::new();
    for (name, value) in [
        ("summary", p.alert_title.trim()),
        ("description", p.alert_status.trim()),
        ("message", p.event_msg.trim()),
        ("link", p.link.trim()),
    ] {
        if !value.is_empty() {
            annotations.insert(name.to_string(), value.to_string());
        }
    }
    let starts_at = p
        .date
        .trim()
        .parse::<i64>()
        .ok()
        .and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok().map(|t| t.to_string()));
    let group_labels = Labels::from([("alert_id".to_string(), alert_id.to_string())]);
    let alert = Alert {
        status,
        labels: labels.clone(),
        annotations: annotations.clone(),
        // A recovery's date is when it recovered, not when the alert started.
        starts_at: starts_at.filter(|_| status == State::Firing),
        fingerprint: None,
        components: Vec::new(),
        datasource_state: false,
    };
    Ok(Notification {
        source: Source::Datadog,
        group_key,
        status,
        group_labels,
        common_labels: labels,
        common_annotations: annotations,
        alerts: vec![alert],
        truncated_alerts: 0,
        ignored,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::fixtures;

    #[test]
    fn the_documented_template_is_the_fixture() {
        let ours: serde_json::Value = serde_json::from_str(TEMPLATE).unwrap();
        let fixture: serde_json::Value =
            serde_json::from_slice(&fixtures::read("datadog-template.json")).unwrap();
        assert_eq!(ours, fixture);
    }

    #[test]
    fn triggered_then_recovered() {
        let n = parse(&fixtures::read("datadog-firing.json")).unwrap();
        assert_eq!((n.source, n.status), (Source::Datadog, State::Firing));
        assert_eq!(n.group_key, "1234:7081502735476254101");
        let a = &n.alerts[0];
        assert_eq!(a.labels["severity"], "error");
        assert_eq!(a.labels["service"], "api");
        assert_eq!(a.labels["monitor"], "");
        assert_eq!(a.labels["priority"], "P1");
        assert_eq!(a.annotations["summary"], "[Triggered on {service:api}] API error rate high");
        assert_eq!(a.starts_at.as_deref(), Some("2026-12-01T08:00:00Z"));
        assert!(n.ignored.is_none());
        let r = parse(&fixtures::read("datadog-resolved.json")).unwrap();
        assert_eq!((r.status, r.group_key.as_str()), (State::Resolved, "1234:7081502735476254101"));
    }

    fn with_transition(transition: &str, alert_type: &str) -> Notification {
        let body = String::from_utf8(fixtures::read("datadog-firing.json"))
            .unwrap()
            .replace("\"Triggered\"", &format!("\"{transition}\""))
            .replace("\"alert_type\":\"error\"", &format!("\"alert_type\":\"{alert_type}\""));
        parse(body.as_bytes()).unwrap()
    }

    #[test]
    fn each_transition() {
        for (t, ty, state, severity) in [
            ("Re-Triggered", "error", State::Firing, "error"),
            ("Renotify", "error", State::Firing, "error"),
            ("Warn", "warning", State::Firing, "warning"),
            ("Re-Warn", "error", State::Firing, "warning"),
            ("Recovered", "success", State::Resolved, "success"),
        ] {
            let n = with_transition(t, ty);
            assert_eq!((n.status, n.alerts[0].labels["severity"].as_str()), (state, severity), "{t}");
            assert!(n.ignored.is_none());
        }
        assert!(with_transition("No Data", "error").ignored.is_some());
        assert!(with_transition("Re-No Data", "error").ignored.is_some());
        let body = String::from_utf8(fixtures::read("datadog-firing.json"))
            .unwrap()
            .replace("\"Triggered\"", "\"Exploded\"");
        assert!(parse(body.as_bytes()).unwrap_err().0.contains("Exploded"));
        let body = String::from_utf8(fixtures::read("datadog-firing.json"))
            .unwrap()
            .replace("\"1234\"", "\"$ALERT_ID\"");
        assert!(parse(body.as_bytes()).unwrap_err().0.contains("template"));
    }
}
