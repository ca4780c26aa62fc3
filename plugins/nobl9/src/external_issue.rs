//! An issue from a monitoring system: `POST /status-page/issues/external`, by component
//! name, optionally with a status change.
//!
//! The scripts call this endpoint with Basic auth (client id and secret) instead of the
//! Bearer token, and refuse to run with only `NOBL9_API_TOKEN` ("Client credentials required
//! for external endpoint."). The plugin sends Basic auth when a client id and secret are
//! known, else the Bearer token, so that a token alone is enough.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use statusctl_plugin_api::serde_json::{Map, Value, json};
use statusctl_plugin_api::{Error, RetryPolicy};

use crate::api_error::Endpoint;
use crate::client::Client;

#[derive(Debug, Clone, Default)]
pub struct ExternalIssue {
    pub component_name: String,
    pub occurred_at: String,
    pub comment: Option<String>,
    pub requested_by: Option<String>,
    /// The status to set, and whether it propagates to the parents.
    pub status_change: Option<(&'static str, bool)>,
}

/// Sends the issue; the answer (`reports`, `statusChanges`).
pub fn send(client: &Client<'_, '_>, issue: &ExternalIssue, retry: RetryPolicy) -> Result<Value, Error> {
    let mut body = Map::new();
    body.insert("componentName".into(), json!(issue.component_name));
    body.insert("occurredAt".into(), json!(issue.occurred_at));
    if let Some(comment) = &issue.comment {
        body.insert("comment".into(), json!(comment));
    }
    if let Some(by) = &issue.requested_by {
        body.insert("requestedBy".into(), json!(by));
    }
    if let Some((status, propagate)) = issue.status_change {
        body.insert("statusChange".into(), json!({"status": status, "propagateUp": propagate}));
    }
    let path = "/status-page/issues/external";
    let req = match &client.config.client {
        Some(credentials) => {
            let basic = STANDARD.encode(format!("{}:{}", credentials.id, credentials.secret));
            client
                .request_with(&client.auth_without_token()?, "POST", path)
                .secret_header("Authorization", format!("Basic {basic}"))
        }
        None => client.request("POST", path)?,
    };
    // The newer API refuses a status change here; without one the endpoint is still served.
    let endpoint = if issue.status_change.is_some() { Endpoint::V1Only } else { Endpoint::Kept };
    client.send(&req.json(&Value::Object(body)).retry(retry), endpoint)
}

/// The scripts' summary of the answer: reports, then status changes.
pub fn summary(result: &Value) -> String {
    let s = |v: &Value, k: &str| v[k].as_str().map_or_else(|| "None".to_string(), str::to_string);
    let reports = result["reports"].as_array().cloned().unwrap_or_default();
    let mut text = format!("✅ Created {} issue report(s)\n", reports.len());
    for report in &reports {
        text.push_str(&format!("   - Issue ID: {}\n", s(report, "id")));
        text.push_str(&format!(
            "     Component: {} ({})\n",
            s(report, "componentName"),
            s(report, "componentId")
        ));
    }
    let changes = result["statusChanges"].as_array().cloned().unwrap_or_default();
    if !changes.is_empty() {
        text.push_str(&format!("\n✅ Triggered {} status change(s)\n", changes.len()));
        for change in &changes {
            text.push_str(&format!(
                "   - {}: {} → {}\n",
                s(change, "componentName"),
                s(change, "previousStatus"),
                s(change, "newStatus")
            ));
        }
    }
    text
}
