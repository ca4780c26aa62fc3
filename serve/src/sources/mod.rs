//! The senders' payloads, each parsed into one [`Notification`]: Alertmanager (version
//! "4") and Grafana-managed alerting (version "1") on one path, Datadog's webhook with the
//! payload template of docs/serve.md, and statusctl's own generic JSON.
//!
//! Parsing is lenient about fields it does not use (senders add fields between versions)
//! and strict about the ones it does: a payload that cannot be routed is a 400.

mod alertmanager;
mod datadog;
mod generic;

use std::collections::BTreeMap;

use serde::Serialize;

pub use datadog::TEMPLATE as DATADOG_TEMPLATE;

/// Labels and annotations: text to text, sorted (so that rendering is stable).
pub type Labels = BTreeMap<String, String>;

/// Which sender a payload came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Alertmanager,
    Grafana,
    Datadog,
    Generic,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Alertmanager => "alertmanager",
            Source::Grafana => "grafana",
            Source::Datadog => "datadog",
            Source::Generic => "generic",
        }
    }
}

/// The path a payload arrived on (Grafana shares Alertmanager's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Alertmanager,
    Datadog,
    Generic,
}

impl Endpoint {
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "alertmanager" | "grafana" => Some(Endpoint::Alertmanager),
            "datadog" => Some(Endpoint::Datadog),
            "generic" => Some(Endpoint::Generic),
            _ => None,
        }
    }

    /// Guesses the endpoint of a payload file (for `serve check --payload`): a `version`
    /// field is Alertmanager's or Grafana's, an `alert_transition` Datadog's.
    pub fn guess(body: &[u8]) -> Self {
        let value: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
        if value.get("version").is_some() && value.get("alerts").is_some() {
            Endpoint::Alertmanager
        } else if value.get("alert_transition").is_some() || value.get("source") == Some(&"datadog".into()) {
            Endpoint::Datadog
        } else {
            Endpoint::Generic
        }
    }
}

/// An alert's (or a whole group's) state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Firing,
    Resolved,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Firing => "firing",
            State::Resolved => "resolved",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "firing" => Some(State::Firing),
            "resolved" => Some(State::Resolved),
            _ => None,
        }
    }
}

/// One alert of a notification.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    pub status: State,
    pub labels: Labels,
    pub annotations: Labels,
    /// RFC 3339, as sent (absent when the sender has no such notion).
    #[serde(rename = "startsAt", skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// Components the sender named itself (the generic format's `components`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<String>,
    /// Grafana's `DatasourceNoData` / `DatasourceError`: routed only by a rule that names
    /// the alert name.
    #[serde(skip)]
    pub datasource_state: bool,
}

/// One notification, whatever its sender: a group of alerts under one key.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Notification {
    pub source: Source,
    /// Stable per group: Alertmanager's `groupKey`, Datadog's alert id and cycle key, the
    /// generic `key`.
    #[serde(rename = "groupKey")]
    pub group_key: String,
    pub status: State,
    #[serde(rename = "groupLabels")]
    pub group_labels: Labels,
    #[serde(rename = "commonLabels")]
    pub common_labels: Labels,
    #[serde(rename = "commonAnnotations")]
    pub common_annotations: Labels,
    pub alerts: Vec<Alert>,
    /// Alerts the sender left out (`max_alerts`).
    #[serde(rename = "truncatedAlerts")]
    pub truncated_alerts: u64,
    /// Set when the whole notification asks for nothing (Datadog's `No Data`): why.
    #[serde(skip)]
    pub ignored: Option<String>,
}

/// Why a payload is refused (a 400).
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("{0}")]
pub struct ParseError(pub String);

impl ParseError {
    fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

/// Parses a body that arrived on `endpoint`.
pub fn parse(endpoint: Endpoint, body: &[u8]) -> Result<Notification, ParseError> {
    match endpoint {
        Endpoint::Alertmanager => alertmanager::parse(body),
        Endpoint::Datadog => datadog::parse(body),
        Endpoint::Generic => generic::parse(body),
    }
}

/// The JSON error of serde, in one line without the payload's text.
fn json_error(what: &str, err: serde_json::Error) -> ParseError {
    ParseError(format!("not a valid {what} payload: {err}"))
}

#[cfg(test)]
pub(crate) mod fixtures {
    use std::path::PathBuf;

    pub fn path(name: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
    }

    pub fn read(name: &str) -> Vec<u8> {
        std::fs::read(path(name)).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
    }
}
