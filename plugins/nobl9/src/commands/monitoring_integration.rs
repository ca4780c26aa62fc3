use serde::Deserialize;
use statusctl_plugin_api::serde_json::Value;
use statusctl_plugin_api::{ArgDecl, Call, Command, CommandDecl, Error, Output};

use crate::client::standard_retry;
use crate::external_issue::{self, ExternalIssue};
use crate::py_str::py;
use crate::{Nobl9, common, schema, status, times};

pub struct MonitoringIntegration;

#[derive(Deserialize)]
struct Args {
    component_name: String,
    severity: String,
    system: Option<String>,
}

impl Command<Nobl9> for MonitoringIntegration {
    fn declare(&self) -> CommandDecl {
        CommandDecl::new(
            "monitoring_integration",
            "Turn a monitoring alert into an external issue and status change",
        )
        .long_about(
            "The scripts' monitoring integration: a canned Prometheus or Datadog alert becomes an external \
             issue (POST /status-page/issues/external) with a status change: warning → degradedPerformance, \
             critical → majorOutage (propagated to the parents), resolved → operational.",
        )
        // Each run adds a report.
        .changes()
        .output_schema_text(schema::EXTERNAL_ISSUE)
        .args(common::args())
        .arg(
            ArgDecl::positional("component_name")
                .required()
                .value_name("COMPONENT_NAME")
                .help("Component name to match"),
        )
        .arg(
            ArgDecl::positional("severity")
                .required()
                .value_name("SEVERITY")
                .help("warning, critical or resolved"),
        )
        .arg(
            ArgDecl::positional("system")
                .value_name("SYSTEM")
                .help("prometheus or datadog [default: prometheus]"),
        )
        .example("statusctl nobl9:monitoring-integration \"API Service\" critical datadog")
    }

    fn run(&self, plugin: &Nobl9, call: &Call<'_>) -> Result<Output, Error> {
        let args: Args = call.args.parse()?;
        let name = common::required(&args.component_name, "COMPONENT_NAME")?;
        let severity = args.severity.to_lowercase();
        let component_status = match severity.as_str() {
            "warning" => status::DEGRADED,
            "critical" => status::MAJOR_OUTAGE,
            "resolved" => status::OPERATIONAL,
            _ => return Err(Error::usage("Alert severity must be 'warning', 'critical', or 'resolved'")),
        };
        let system = match args.system.as_deref().unwrap_or("prometheus") {
            known @ ("prometheus" | "datadog") => known,
            other => {
                call.host.warn(format!("Unknown monitoring system '{other}', using 'prometheus'"));
                "prometheus"
            }
        };
        let client = common::connect(call, plugin)?;
        let issue = ExternalIssue {
            component_name: name,
            occurred_at: times::now(),
            comment: Some(alert_comment(system).to_string()),
            requested_by: Some(system.to_string()),
            status_change: Some((component_status, severity == "critical")),
        };
        let result = external_issue::send(&client, &issue, standard_retry())?;
        let text = format!(
            "Alert severity: {severity} → Component status: {component_status}\n{}",
            summary(&result)
        );
        Ok(Output::data(result).with_text(text))
    }
}

/// The scripts' canned alerts, as the comment they make: `[kind] title: text`.
fn alert_comment(system: &str) -> &'static str {
    match system {
        "datadog" => "[metric alert] High CPU Usage: CPU usage exceeded 90% threshold",
        _ => "[HighErrorRate] Error rate above 5%: The API service is experiencing high error rates",
    }
}

/// The script's integration summary.
fn summary(result: &Value) -> String {
    let reports = result["reports"].as_array().cloned().unwrap_or_default();
    let mut out = format!("✅ Created {} issue report(s)\n", reports.len());
    for report in &reports {
        out.push_str(&format!(
            "   - Issue ID: {}\n     Component ID: {}\n",
            py(&report["id"]),
            py(&report["componentId"])
        ));
    }
    let changes = result["statusChanges"].as_array().cloned().unwrap_or_default();
    if changes.is_empty() {
        out.push_str("ℹ️  No status changes triggered\n");
    } else {
        out.push_str(&format!("✅ Triggered {} status change(s)\n", changes.len()));
        for change in &changes {
            out.push_str(&format!(
                "   - Component: {}\n     Status: {} → {}\n",
                py(&change["componentName"]),
                py(&change["previousStatus"]),
                py(&change["newStatus"])
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use statusctl_plugin_api::ErrorKind;
    use statusctl_plugin_api::serde_json::json;

    use crate::Nobl9;
    use crate::test_fixtures::{line, ok, scripted};

    #[test]
    fn critical_from_datadog_propagates_a_major_outage() {
        let answer = json!({"reports": [{"id": "r1", "componentId": "c1", "componentName": "Database"}],
            "statusChanges": [{"componentName": "Database", "previousStatus": "operational", "newStatus": "majorOutage"}]});
        let host = scripted().reply(ok(answer));
        let out = host.run::<Nobl9>("monitoring_integration", &["Database", "CRITICAL", "datadog"]).unwrap();
        assert_eq!(host.lines(), [line("POST", "/status-page/issues/external")]);
        let mut body = host.requests()[0].json();
        assert!(body["occurredAt"].as_str().unwrap().ends_with('Z'));
        body.as_object_mut().unwrap().remove("occurredAt");
        assert_eq!(
            body,
            json!({"componentName": "Database", "comment": "[metric alert] High CPU Usage: CPU usage exceeded 90% threshold",
                "requestedBy": "datadog", "statusChange": {"status": "majorOutage", "propagateUp": true}})
        );
        assert_eq!(
            out.text.as_deref(),
            Some(concat!(
                "Alert severity: critical → Component status: majorOutage\n",
                "✅ Created 1 issue report(s)\n   - Issue ID: r1\n     Component ID: c1\n",
                "✅ Triggered 1 status change(s)\n   - Component: Database\n     Status: operational → majorOutage\n",
            ))
        );
    }

    #[test]
    fn warning_and_resolved_from_prometheus_by_default() {
        let host = scripted().reply(ok(json!({"reports": []}))).reply(ok(json!({"reports": []})));
        let out = host.run::<Nobl9>("monitoring_integration", &["API", "warning"]).unwrap();
        let first = host.requests()[0].json();
        assert_eq!(first["requestedBy"], "prometheus");
        assert_eq!(
            first["comment"],
            "[HighErrorRate] Error rate above 5%: The API service is experiencing high error rates"
        );
        assert_eq!(first["statusChange"], json!({"status": "degradedPerformance", "propagateUp": false}));
        assert!(
            out.text.unwrap().ends_with("✅ Created 0 issue report(s)\nℹ️  No status changes triggered\n")
        );
        host.run::<Nobl9>("monitoring_integration", &["API", "resolved", "nagios"]).unwrap();
        let second = host.requests()[1].json();
        assert_eq!(second["statusChange"], json!({"status": "operational", "propagateUp": false}));
        assert_eq!(second["requestedBy"], "prometheus");
        assert_eq!(host.warnings(), ["Unknown monitoring system 'nagios', using 'prometheus'"]);
    }

    #[test]
    fn an_unknown_severity_sends_nothing() {
        let host = scripted();
        let err = host.run::<Nobl9>("monitoring_integration", &["API", "info"]).unwrap_err();
        assert_eq!(
            (err.kind, err.message.as_str()),
            (ErrorKind::Usage, "Alert severity must be 'warning', 'critical', or 'resolved'")
        );
        assert!(host.requests().is_empty());
    }
}
