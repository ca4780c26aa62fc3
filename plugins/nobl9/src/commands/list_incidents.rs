use serde::Deserialize;
use statusctl_plugin_api::serde_json::Value;
use statusctl_plugin_api::{ArgDecl, Call, Command, CommandDecl, Error, Output};

use crate::api_error::Endpoint;
use crate::py_str::py;
use crate::{Nobl9, common, schema};

pub struct ListIncidents;

#[derive(Deserialize)]
struct Args {
    #[serde(default)]
    ongoing: bool,
    #[serde(default)]
    resolved: bool,
}

impl Command<Nobl9> for ListIncidents {
    fn declare(&self) -> CommandDecl {
        CommandDecl::new("list_incidents", "List incidents grouped by day")
            .long_about(
                "GET /status-page/incidents: incidents derived from status changes (a change to \
                 degradedPerformance or majorOutage opens one, back to operational resolves it), newest day first.",
            )
            .reads()
            .output_schema_text(schema::INCIDENTS)
            .args(common::args())
            .arg(ArgDecl::flag("ongoing").conflicts_with("resolved").help("Only ongoing incidents"))
            .arg(ArgDecl::flag("resolved").conflicts_with("ongoing").help("Only resolved incidents"))
            .example("statusctl nobl9:list-incidents --ongoing")
    }

    fn run(&self, plugin: &Nobl9, call: &Call<'_>) -> Result<Output, Error> {
        let args: Args = call.args.parse()?;
        let ongoing = common::true_or_false((args.ongoing, "--ongoing"), (args.resolved, "--resolved"))?;
        let client = common::connect(call, plugin)?;
        let query: Vec<(&str, &str)> = ongoing.map(|v| ("ongoing", v)).into_iter().collect();
        let result = client.get("/status-page/incidents", &query, Endpoint::V1Only)?;
        let text = summary(&result);
        Ok(Output::data(result).with_text(text))
    }
}

/// The script's per-day summary, with the severity spelled out next to its sign.
fn summary(result: &Value) -> String {
    let days = result["days"].as_array().cloned().unwrap_or_default();
    if days.is_empty() {
        return "No incidents found.\n".into();
    }
    let total: i64 = days.iter().map(|d| d["count"].as_i64().unwrap_or(0)).sum();
    let mut out = format!(
        "Total incidents: {total} across {} days\n\nIncident Summary:\n{}\n",
        days.len(),
        "-".repeat(80)
    );
    for day in &days {
        out.push_str(&format!("\n📅 {}: {} incident(s)\n", py(&day["date"]), py(&day["count"])));
        for incident in day["incidents"].as_array().into_iter().flatten() {
            let severity_sign = match incident["severity"].as_str() {
                Some("degradedPerformance") => "⚠️",
                Some("majorOutage") => "❌",
                _ => "❓",
            };
            let status_sign = match incident["status"].as_str() {
                Some("ongoing") => "🔴",
                Some("resolved") => "✅",
                _ => "❓",
            };
            out.push_str(&format!(
                "\n  {severity_sign} {} ({}) - {status_sign} {}\n     Started: {}\n",
                py(&incident["componentName"]),
                py(&incident["severity"]),
                py(&incident["status"]),
                py(&incident["startedAt"])
            ));
            if incident["endedAt"].as_str().is_some_and(|e| !e.is_empty()) {
                out.push_str(&format!("     Ended: {}\n", py(&incident["endedAt"])));
                out.push_str(&format!("     Duration: {} seconds\n", py(&incident["duration"])));
            } else {
                out.push_str(&format!("     Duration: {} seconds (ongoing)\n", py(&incident["duration"])));
            }
            if let Some(comment) = incident["startComment"].as_str().filter(|c| !c.is_empty()) {
                out.push_str(&format!("     Comment: {comment}\n"));
            }
            if let Some(issues) = incident["issueCount"].as_i64().filter(|n| *n > 0) {
                out.push_str(&format!("     Issue reports: {issues}\n"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use statusctl_plugin_api::ErrorKind;
    use statusctl_plugin_api::serde_json::{Value, json};
    use statusctl_plugin_api::testing::Reply;

    use crate::Nobl9;
    use crate::test_fixtures::{line, ok, scripted};

    fn incidents() -> Value {
        json!({"days": [
            {"date": "2026-02-05", "count": 2, "incidents": [
                {"id": "i1", "componentName": "API Service", "severity": "majorOutage", "status": "ongoing",
                 "startedAt": "2026-02-05T10:30:00Z", "duration": 3600, "startComment": "down", "issueCount": 3},
                {"id": "i2", "componentName": "Database", "severity": "degradedPerformance", "status": "resolved",
                 "startedAt": "2026-02-05T08:00:00Z", "endedAt": "2026-02-05T08:10:00Z", "duration": 600, "issueCount": 0}
            ]},
            {"date": "2026-02-04", "count": 1, "incidents": [
                {"componentName": "Cache", "severity": "degradedPerformance", "status": "resolved",
                 "startedAt": "2026-02-04T23:00:00Z", "endedAt": "2026-02-04T23:01:00Z", "duration": 60}
            ]}
        ]})
    }

    #[test]
    fn the_per_day_summary() {
        let host = scripted().reply(ok(incidents()));
        let out = host.run::<Nobl9>("list_incidents", &[]).unwrap();
        assert_eq!(host.lines(), [line("GET", "/status-page/incidents")]);
        let expected = format!(
            "Total incidents: 3 across 2 days\n\nIncident Summary:\n{}\n{}",
            "-".repeat(80),
            concat!(
                "\n📅 2026-02-05: 2 incident(s)\n",
                "\n  ❌ API Service (majorOutage) - 🔴 ongoing\n",
                "     Started: 2026-02-05T10:30:00Z\n",
                "     Duration: 3600 seconds (ongoing)\n",
                "     Comment: down\n",
                "     Issue reports: 3\n",
                "\n  ⚠️ Database (degradedPerformance) - ✅ resolved\n",
                "     Started: 2026-02-05T08:00:00Z\n",
                "     Ended: 2026-02-05T08:10:00Z\n",
                "     Duration: 600 seconds\n",
                "\n📅 2026-02-04: 1 incident(s)\n",
                "\n  ⚠️ Cache (degradedPerformance) - ✅ resolved\n",
                "     Started: 2026-02-04T23:00:00Z\n",
                "     Ended: 2026-02-04T23:01:00Z\n",
                "     Duration: 60 seconds\n",
            )
        );
        assert_eq!(out.text.unwrap(), expected);
        assert_eq!(out.data, incidents());
    }

    #[test]
    fn filters() {
        let host = scripted().reply(ok(json!({"days": []}))).reply(ok(json!({"days": []})));
        let out = host.run::<Nobl9>("list_incidents", &["--ongoing"]).unwrap();
        assert_eq!(out.text.as_deref(), Some("No incidents found.\n"));
        host.run::<Nobl9>("list_incidents", &["--resolved"]).unwrap();
        assert_eq!(
            host.lines(),
            [
                line("GET", "/status-page/incidents?ongoing=true"),
                line("GET", "/status-page/incidents?ongoing=false")
            ]
        );
        let err = host.run::<Nobl9>("list_incidents", &["--ongoing", "--resolved"]).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Usage);
    }

    #[test]
    fn a_bare_404_means_the_instance_has_no_such_endpoint() {
        let host = scripted().reply(Reply::status(404, "404 page not found"));
        let err = host.run::<Nobl9>("list_incidents", &[]).unwrap_err();
        assert_eq!(
            err.message,
            "Resource not found: endpoint not available on this Nobl9 instance (GET /status-page/incidents)"
        );
        assert_eq!((err.kind, err.http_status), (ErrorKind::Failed, Some(404)));
    }
}
