use statusctl_plugin_api::serde_json::Value;
use statusctl_plugin_api::{ArgDecl, Call, CommandDecl, Error, Output};

use crate::api_error::Endpoint;
use crate::client::{Client, encode};
use crate::py_str::py;
use crate::token::TokenCache;
use crate::{common, components};

pub fn declare() -> CommandDecl {
    CommandDecl::new("status_history", "A component's status changes, newest first")
        .long_about("GET /status-page/components/{id}/status-changes: who changed what, when, and why.")
        .args(common::args())
        .arg(
            ArgDecl::positional("component")
                .required()
                .value_name("COMPONENT")
                .help("Component id or exact name"),
        )
        .example("statusctl nobl9:status-history \"API Service\"")
}

pub fn run(call: &Call<'_>, tokens: &TokenCache) -> Result<Output, Error> {
    let component = common::required(call, "component", "COMPONENT")?;
    let client = common::connect(call, tokens)?;
    let id = components::resolve(&client, &component)?;
    let history = fetch(&client, &id)?;
    let text = timeline(&history);
    Ok(Output::data(history).with_text(text))
}

/// `GET /status-page/components/{id}/status-changes` (G).
pub fn fetch(client: &Client<'_, '_>, component_id: &str) -> Result<Value, Error> {
    client.get(
        &format!("/status-page/components/{}/status-changes", encode(component_id)),
        &[],
        Endpoint::V1Only,
    )
}

fn sign(status: &Value) -> &'static str {
    match status.as_str() {
        Some("operational") => "✅",
        Some("degradedPerformance") => "⚠️",
        Some("majorOutage") => "❌",
        _ => "❓",
    }
}

/// The script's timeline.
fn timeline(history: &Value) -> String {
    let changes = history["history"].as_array().cloned().unwrap_or_default();
    if changes.is_empty() {
        return "No status changes found.\n".into();
    }
    let mut out = format!("Status Change Timeline:\n{}\n", "-".repeat(80));
    for change in &changes {
        let (previous, new) = (&change["previousStatus"], &change["newStatus"]);
        out.push_str(&format!("\n{}\n", change["changedAt"].as_str().unwrap_or("Unknown time")));
        out.push_str(&format!("  {} {} → {} {}\n", sign(previous), py(previous), sign(new), py(new)));
        out.push_str(&format!("  Changed by: {}\n", change["changedBy"].as_str().unwrap_or("Unknown")));
        if let Some(comment) = change["comment"].as_str().filter(|c| !c.is_empty()) {
            out.push_str(&format!("  Comment: {comment}\n"));
        }
        if let Some(from) = change["propagatedFrom"].as_str().filter(|c| !c.is_empty()) {
            out.push_str(&format!("  ↳ Propagated from: {from}\n"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::components::API_ID;
    use crate::fake_host::{FakeHost, api, reply, run};
    use statusctl_plugin_api::serde_json::json;

    #[test]
    fn the_scripts_timeline() {
        let history = json!({"componentId": API_ID, "history": [
            {"changedAt": "2026-02-05T11:00:00Z", "previousStatus": "majorOutage", "newStatus": "operational", "changedBy": "ops", "comment": "fixed"},
            {"changedAt": "2026-02-05T10:00:00Z", "previousStatus": "operational", "newStatus": "majorOutage", "propagatedFrom": "child-1"}
        ]});
        let fake = FakeHost::scripted().reply(reply(200, &history.to_string()));
        let out = run(&fake, "status_history", json!({"component": API_ID})).unwrap();
        assert_eq!(
            fake.calls(),
            [format!("GET {}", api(&format!("/status-page/components/{API_ID}/status-changes")))]
        );
        let expected = format!(
            "Status Change Timeline:\n{}\n{}",
            "-".repeat(80),
            concat!(
                "\n2026-02-05T11:00:00Z\n",
                "  ❌ majorOutage → ✅ operational\n",
                "  Changed by: ops\n",
                "  Comment: fixed\n",
                "\n2026-02-05T10:00:00Z\n",
                "  ✅ operational → ❌ majorOutage\n",
                "  Changed by: Unknown\n",
                "  ↳ Propagated from: child-1\n",
            )
        );
        assert_eq!(out.text.unwrap(), expected);
        assert_eq!(out.data, history);
    }

    #[test]
    fn empty() {
        let fake = FakeHost::scripted().reply(reply(200, r#"{"history": []}"#));
        let out = run(&fake, "status_history", json!({"component": API_ID})).unwrap();
        assert_eq!(out.text.as_deref(), Some("No status changes found.\n"));
    }
}
