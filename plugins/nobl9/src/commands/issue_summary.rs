use statusctl_plugin_api::serde_json::Value;
use statusctl_plugin_api::{Call, Command, CommandDecl, Error, Output};

use crate::api_error::Endpoint;
use crate::{Nobl9, common, schema};

pub struct IssueSummary;

impl Command<Nobl9> for IssueSummary {
    fn declare(&self) -> CommandDecl {
        CommandDecl::new("issue_summary", "Issue report statistics, overall and per component")
            .long_about(
                "GET /status-page/issues/summary: counts by source (user, external, internal) and time \
                 (last hour, 24 hours, 7 days), and the components with active issues.",
            )
            .reads()
            .output_schema_text(schema::ISSUE_SUMMARY)
            .args(common::args())
    }

    fn run(&self, plugin: &Nobl9, call: &Call<'_>) -> Result<Output, Error> {
        let client = common::connect(call, plugin)?;
        let summary = client.get("/status-page/issues/summary", &[], Endpoint::Kept)?;
        let text = render(&summary);
        Ok(Output::data(summary).with_text(text))
    }
}

/// A count as the script prints it (`.get(key, 0)`).
fn count(v: &Value, key: &str) -> String {
    match &v[key] {
        Value::Null => "0".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The script's summary.
pub fn render(summary: &Value) -> String {
    let t = &summary["totalCounts"];
    let mut out = format!("📊 Overall Issue Statistics:\n{}\n", "-".repeat(80));
    out.push_str(&format!("Total issues: {}\n", count(t, "total")));
    out.push_str(&format!("  User-reported: {}\n", count(t, "userCount")));
    out.push_str(&format!("  External systems: {}\n", count(t, "externalCount")));
    out.push_str(&format!("  Internal (Nobl9): {}\n", count(t, "internalCount")));
    out.push_str("\n⏰ Time-based Counts:\n");
    out.push_str(&format!("  Last hour: {}\n", count(t, "lastHour")));
    out.push_str(&format!("  Last 24 hours: {}\n", count(t, "last24h")));
    out.push_str(&format!("  Last 7 days: {}\n", count(t, "last7d")));
    let components = summary["components"].as_array().cloned().unwrap_or_default();
    if components.is_empty() {
        out.push_str("\n✅ No components with active issues.\n");
        return out;
    }
    out.push_str(&format!(
        "\n🔧 Per-Component Breakdown ({} components with active issues):\n{}\n",
        components.len(),
        "-".repeat(80)
    ));
    for c in &components {
        let name = c["componentName"].as_str().unwrap_or("None");
        let id = c["componentId"].as_str().unwrap_or("None");
        let counts = &c["counts"];
        out.push_str(&format!("\n  Component: {name}\n  ID: {id}\n"));
        out.push_str(&format!("  Total: {}\n", count(counts, "total")));
        out.push_str(&format!("    User: {}\n", count(counts, "userCount")));
        out.push_str(&format!("    External: {}\n", count(counts, "externalCount")));
        out.push_str(&format!("    Internal: {}\n", count(counts, "internalCount")));
        out.push_str(&format!("  Active: {}\n", count(&c["activeCounts"], "activeTotal")));
    }
    out
}

#[cfg(test)]
mod tests {
    use statusctl_plugin_api::serde_json::json;

    use crate::Nobl9;
    use crate::test_fixtures::{line, ok, scripted};

    #[test]
    fn the_scripts_summary() {
        let summary = json!({
            "totalCounts": {"total": 6, "userCount": 2, "externalCount": 3, "internalCount": 1, "lastHour": 1, "last24h": 4, "last7d": 6},
            "components": [{"componentId": "c1", "componentName": "API Service",
                "counts": {"total": 5, "userCount": 2, "externalCount": 3, "internalCount": 0}, "activeCounts": {"activeTotal": 4}}]
        });
        let host = scripted().reply(ok(summary.clone()));
        let out = host.run::<Nobl9>("issue_summary", &[]).unwrap();
        assert_eq!(host.lines(), [line("GET", "/status-page/issues/summary")]);
        let dashes = "-".repeat(80);
        let expected = format!(
            "📊 Overall Issue Statistics:\n{dashes}\nTotal issues: 6\n  User-reported: 2\n  External systems: 3\n  Internal (Nobl9): 1\n\n⏰ Time-based Counts:\n  Last hour: 1\n  Last 24 hours: 4\n  Last 7 days: 6\n\n🔧 Per-Component Breakdown (1 components with active issues):\n{dashes}\n\n  Component: API Service\n  ID: c1\n  Total: 5\n    User: 2\n    External: 3\n    Internal: 0\n  Active: 4\n"
        );
        assert_eq!(out.text.unwrap(), expected);
        assert_eq!(out.data, summary);
    }

    #[test]
    fn no_active_issues() {
        let host = scripted().reply(ok(json!({"totalCounts": {}, "components": []})));
        let text = host.run::<Nobl9>("issue_summary", &[]).unwrap().text.unwrap();
        assert!(text.contains("Total issues: 0\n"));
        assert!(text.ends_with("  Last 7 days: 0\n\n✅ No components with active issues.\n"));
    }
}
