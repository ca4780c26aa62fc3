//! statusctl's own format, for anything that can POST JSON:
//!
//! ```json
//! {"key": "deploy-42", "state": "firing", "title": "Deploys failing", "severity": "critical",
//!  "labels": {"service": "api"}, "components": ["API"], "message": "Rolling back",
//!  "started_at": "2026-11-30T10:00:00Z"}
//! ```
//!
//! `key` and `state` (`firing` | `resolved`) are required; the rest is optional. `severity`
//! becomes the label `severity`, `title` the annotation `summary`, `message` the annotation
//! `description`; `components` are used when the rule names none.

use serde::Deserialize;

use super::{Alert, Labels, Notification, ParseError, Source, State, json_error};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Payload {
    key: String,
    state: String,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    severity: Option<String>,
    #[serde(default)]
    labels: Labels,
    #[serde(default)]
    annotations: Labels,
    #[serde(default)]
    components: Vec<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    started_at: Option<String>,
}

pub fn parse(body: &[u8]) -> Result<Notification, ParseError> {
    let p: Payload = serde_json::from_slice(body).map_err(|e| json_error("generic", e))?;
    let key = p.key.trim();
    if key.is_empty() {
        return Err(ParseError::new("key is empty"));
    }
    let status = State::parse(&p.state)
        .ok_or_else(|| ParseError::new(format!("state {:?} is neither firing nor resolved", p.state)))?;
    if let Some(started) = &p.started_at
        && started.parse::<jiff::Timestamp>().is_err()
    {
        return Err(ParseError::new(format!("started_at {started:?} is not an RFC 3339 time")));
    }
    let mut labels = p.labels;
    if let Some(severity) = p.severity.filter(|s| !s.trim().is_empty()) {
        labels.insert("severity".into(), severity.trim().to_string());
    }
    let mut annotations = p.annotations;
    if let Some(title) = p.title.filter(|s| !s.trim().is_empty()) {
        annotations.insert("summary".into(), title);
    }
    if let Some(message) = p.message.filter(|s| !s.trim().is_empty()) {
        annotations.insert("description".into(), message);
    }
    let components: Vec<String> =
        p.components.into_iter().map(|c| c.trim().to_string()).filter(|c| !c.is_empty()).collect();
    let alert = Alert {
        status,
        labels: labels.clone(),
        annotations: annotations.clone(),
        starts_at: p.started_at,
        fingerprint: None,
        components,
        datasource_state: false,
    };
    Ok(Notification {
        source: Source::Generic,
        group_key: key.to_string(),
        status,
        group_labels: Labels::new(),
        common_labels: labels,
        common_annotations: annotations,
        alerts: vec![alert],
        truncated_alerts: 0,
        ignored: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::fixtures;

    #[test]
    fn firing_and_resolved() {
        let n = parse(&fixtures::read("generic-firing.json")).unwrap();
        assert_eq!((n.source, n.status, n.group_key.as_str()), (Source::Generic, State::Firing, "deploy-42"));
        let a = &n.alerts[0];
        assert_eq!(a.labels["severity"], "critical");
        assert_eq!(a.labels["service"], "api");
        assert_eq!(a.annotations["summary"], "Deploys failing");
        assert_eq!(a.components, ["API"]);
        let r = parse(&fixtures::read("generic-resolved.json")).unwrap();
        assert_eq!((r.status, r.group_key.as_str()), (State::Resolved, "deploy-42"));
    }

    #[test]
    fn required_fields_and_no_stray_ones() {
        for (bad, why) in [
            (r#"{"state":"firing"}"#, "key"),
            (r#"{"key":" ","state":"firing"}"#, "key"),
            (r#"{"key":"k","state":"open"}"#, "state"),
            (r#"{"key":"k","state":"firing","sevrity":"x"}"#, "sevrity"),
            (r#"{"key":"k","state":"firing","started_at":"yesterday"}"#, "started_at"),
        ] {
            let err = parse(bad.as_bytes()).unwrap_err();
            assert!(err.0.contains(why), "{bad}: {err}");
        }
    }
}
