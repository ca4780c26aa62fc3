use serde::Deserialize;
use statusctl_plugin_api::serde_json::Value;
use statusctl_plugin_api::{Call, Command, CommandDecl, Error, Output};

use crate::py_str::py;
use crate::{Nobl9, common, components, schema, status_change};

pub struct StatusHistory;

#[derive(Deserialize)]
struct Args {
    component: String,
}

impl Command<Nobl9> for StatusHistory {
    fn declare(&self) -> CommandDecl {
        CommandDecl::new("status_history", "A component's status changes, newest first")
            .long_about("GET /status-page/components/{id}/status-changes: who changed what, when, and why.")
            .reads()
            .output_schema_text(schema::HISTORY)
            .args(common::args())
            .arg(common::component_positional())
            .example("statusctl nobl9:status-history \"API Service\"")
    }

    fn run(&self, plugin: &Nobl9, call: &Call<'_>) -> Result<Output, Error> {
        let args: Args = call.args.parse()?;
        let component = common::required(&args.component, "COMPONENT")?;
        let client = common::connect(call, plugin)?;
        let id = components::resolve(&client, &component)?;
        let history = status_change::history(&client, &id)?;
        let text = timeline(&history);
        Ok(Output::data(history).with_text(text))
    }
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
    use statusctl_plugin_api::serde_json::json;

    use crate::Nobl9;
    use crate::test_fixtures::{API_ID, line, ok, scripted};

    #[test]
    fn the_scripts_timeline() {
        let history = json!({"componentId": API_ID, "history": [
            {"changedAt": "2026-02-05T11:00:00Z", "previousStatus": "majorOutage", "newStatus": "operational", "changedBy": "ops", "comment": "fixed"},
            {"changedAt": "2026-02-05T10:00:00Z", "previousStatus": "operational", "newStatus": "majorOutage", "propagatedFrom": "child-1"}
        ]});
        let host = scripted().reply(ok(history.clone()));
        let out = host.run::<Nobl9>("status_history", &[API_ID]).unwrap();
        assert_eq!(host.lines(), [line("GET", &format!("/status-page/components/{API_ID}/status-changes"))]);
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
        let host = scripted().reply(ok(json!({"history": []})));
        let out = host.run::<Nobl9>("status_history", &[API_ID]).unwrap();
        assert_eq!(out.text.as_deref(), Some("No status changes found.\n"));
    }
}
