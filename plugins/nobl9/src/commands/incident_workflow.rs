use std::time::Duration;

use serde::Deserialize;
use statusctl_plugin_api::serde_json::{Map, Value};
use statusctl_plugin_api::{ArgDecl, Call, Command, CommandDecl, Error, Output};

use super::create_issue;
use crate::api_error::Endpoint;
use crate::client::Client;
use crate::py_str::py;
use crate::status_change::{self, Change};
use crate::{Nobl9, common, components, schema, status};

const STEPS: usize = 8;

pub struct IncidentWorkflow;

#[derive(Deserialize)]
struct Args {
    component: String,
    severity: String,
    pause: Option<String>,
}

impl Command<Nobl9> for IncidentWorkflow {
    fn declare(&self) -> CommandDecl {
        CommandDecl::new("incident_workflow", "Run a whole incident lifecycle on a component (the demo script)")
            .long_about(
                "The scripts' incident workflow, step by step with the same calls: report an issue, set the \
                 severity, list ongoing incidents, read the issue summary, resolve (back to operational), list \
                 ongoing incidents again, and show the latest 5 status changes.",
            )
            // Each run adds an issue report and two status changes.
            .changes()
            .output_schema_text(schema::INCIDENT_WORKFLOW)
            .args(common::args())
            .arg(common::component_positional())
            .arg(
                ArgDecl::positional("severity")
                    .required()
                    .value_name("SEVERITY")
                    .help("degradedPerformance or majorOutage"),
            )
            .arg(
                ArgDecl::value("pause")
                    .value_name("SECONDS")
                    .default_value("1")
                    .help("Pause between steps (the simulated investigation pauses twice as long)"),
            )
            .example("statusctl nobl9:incident-workflow \"API Service\" degradedPerformance --pause 0")
    }

    fn run(&self, plugin: &Nobl9, call: &Call<'_>) -> Result<Output, Error> {
        let args: Args = call.args.parse()?;
        let component = common::required(&args.component, "COMPONENT")?;
        let severity = status::parse_severity(&args.severity)?;
        let pause = match args.pause.as_deref().unwrap_or("1").trim().parse::<f64>() {
            Ok(secs) if secs.is_finite() && secs >= 0.0 => Duration::from_secs_f64(secs),
            _ => return Err(Error::usage("--pause must be a number of seconds (0 or more)")),
        };
        let client = common::connect(call, plugin)?;
        let id = components::resolve(&client, &component)?;
        let mut run = Workflow {
            client: &client,
            text: format!("Incident workflow for {component} ({severity})\n"),
            pause,
        };
        let mut data = Map::new();

        let issue = run.step(1, "Creating issue report", |c| {
            let comment = format!("Detected issue - triggering {severity} incident");
            create_issue::create(c, &id, Some(&comment), None)
        })?;
        run.say(&format!("✅ Issue created: {}", py(&issue["id"])));
        data.insert("issue".into(), issue);
        run.wait(1);

        let title = format!("Changing component status to {severity}");
        let changed = run.change_status(2, &title, (&id, severity), "Incident detected - investigating")?;
        data.insert("statusChange".into(), changed);
        run.wait(1);

        let ongoing = run.step(3, "Checking ongoing incidents", ongoing_incidents)?;
        run.say(&format!("✅ Found {} ongoing incident(s)", count_incidents(&ongoing)));
        data.insert("ongoingIncidents".into(), ongoing);
        run.wait(1);

        let summary = run.step(4, "Checking issue report summary", |c| {
            c.get("/status-page/issues/summary", &[], Endpoint::Kept)
        })?;
        run.say(&format!(
            "✅ Total active issues: {}",
            summary["totalCounts"]["total"].as_i64().unwrap_or(0)
        ));
        data.insert("issueSummary".into(), summary);
        run.wait(1);

        run.step(5, "Adding investigation update (simulated)", |_| Ok(Value::Null))?;
        run.say("   (In production, you might create additional issue reports here)");
        run.wait(2);

        let title = "Resolving incident - returning to operational status";
        let resolved =
            run.change_status(6, title, (&id, status::OPERATIONAL), "Issue resolved - service restored")?;
        data.insert("resolution".into(), resolved);
        run.wait(1);

        let remaining = run.step(7, "Verifying incident resolution", ongoing_incidents)?;
        run.say(&format!("✅ Remaining ongoing incidents: {}", count_incidents(&remaining)));
        data.insert("remainingIncidents".into(), remaining);

        let history = run.step(8, "Retrieving status history", |c| status_change::history(c, &id))?;
        let changes = history["history"].as_array().cloned().unwrap_or_default();
        run.say(&format!("✅ Status history contains {} record(s)\n\nRecent status changes:", changes.len()));
        for change in changes.iter().take(5) {
            run.say(&format!(
                "  - {}: {} → {}",
                py(&change["changedAt"]),
                py(&change["previousStatus"]),
                py(&change["newStatus"])
            ));
            if let Some(comment) = change["comment"].as_str().filter(|c| !c.is_empty()) {
                run.say(&format!("    Comment: {comment}"));
            }
        }
        data.insert("statusHistory".into(), history);
        run.say("\n✅ Incident workflow completed successfully");
        Ok(Output::data(Value::Object(data)).with_text(run.text))
    }
}

/// The text so far, and the pauses between steps.
struct Workflow<'c, 'a, 'h> {
    client: &'c Client<'a, 'h>,
    text: String,
    pause: Duration,
}

impl Workflow<'_, '_, '_> {
    /// Runs step `n`; an error names the step (the steps before it were applied).
    fn step(
        &mut self,
        n: usize,
        title: &str,
        f: impl FnOnce(&Client<'_, '_>) -> Result<Value, Error>,
    ) -> Result<Value, Error> {
        self.text.push_str(&format!("\n[Step {n}/{STEPS}] {title}...\n"));
        self.client.host().debug(format!("incident workflow: step {n}/{STEPS}: {title}"));
        f(self.client).map_err(|mut err| {
            err.message = format!("incident workflow stopped at step {n}/{STEPS} ({title}): {}", err.message);
            err
        })
    }

    /// Step `n`: sets `status` on component `id` with `comment`, and says from what to what.
    fn change_status(
        &mut self,
        n: usize,
        title: &str,
        (id, status): (&str, &str),
        comment: &str,
    ) -> Result<Value, Error> {
        let change = Change { component_id: id, status, comment: Some(comment), propagate: false };
        let changed = self.step(n, title, |c| status_change::apply(c, change))?;
        self.say(&format!(
            "✅ Status changed from {} to {}",
            py(&changed["previousStatus"]),
            py(&changed["newStatus"])
        ));
        Ok(changed)
    }

    fn say(&mut self, line: &str) {
        self.text.push_str(line);
        self.text.push('\n');
    }

    /// The script sleeps 1 s between steps (2 s while "investigating"): `times` pauses.
    fn wait(&self, times: u32) {
        if !self.pause.is_zero() {
            std::thread::sleep(self.pause * times);
        }
    }
}

fn ongoing_incidents(client: &Client<'_, '_>) -> Result<Value, Error> {
    client.get("/status-page/incidents", &[("ongoing", "true")], Endpoint::V1Only)
}

/// The sum of the days' counts, as the script counts.
fn count_incidents(incidents: &Value) -> i64 {
    incidents["days"].as_array().into_iter().flatten().map(|d| d["count"].as_i64().unwrap_or(0)).sum()
}

#[cfg(test)]
mod tests {
    use statusctl_plugin_api::ErrorKind;
    use statusctl_plugin_api::serde_json::json;
    use statusctl_plugin_api::testing::Reply;

    use crate::Nobl9;
    use crate::test_fixtures::{API_ID, line, ok, sample_tree, scripted};

    #[test]
    fn the_scripts_calls_in_the_scripts_order() {
        let host = scripted()
            .reply(ok(sample_tree()))
            .reply(Reply::json(201, &json!({"id": "iss-1"})))
            .reply(ok(json!({"previousStatus": "operational", "newStatus": "majorOutage"})))
            .reply(ok(json!({"days": [{"date": "2026-02-05", "count": 1, "incidents": []}]})))
            .reply(ok(json!({"totalCounts": {"total": 3}})))
            .reply(ok(json!({"previousStatus": "majorOutage", "newStatus": "operational"})))
            .reply(ok(json!({"days": []})))
            .reply(ok(json!({"history": (0..6).map(|i| json!({"changedAt": format!("t{i}"), "previousStatus": "a", "newStatus": "b", "comment": if i == 0 { "c0" } else { "" }})).collect::<Vec<_>>()})));
        let words = ["API Service", "major_outage", "--pause", "0"];
        let out = host.run::<Nobl9>("incident_workflow", &words).unwrap();
        let change_status = line("POST", &format!("/status-page/components/{API_ID}/change-status"));
        assert_eq!(
            host.lines(),
            [
                line("GET", "/status-page/components"),
                line("POST", "/status-page/issues"),
                change_status.clone(),
                line("GET", "/status-page/incidents?ongoing=true"),
                line("GET", "/status-page/issues/summary"),
                change_status,
                line("GET", "/status-page/incidents?ongoing=true"),
                line("GET", &format!("/status-page/components/{API_ID}/status-changes")),
            ]
        );
        let issue = host.requests()[1].json();
        assert_eq!(issue["componentId"], API_ID);
        assert_eq!(issue["comment"], "Detected issue - triggering majorOutage incident");
        assert_eq!(
            host.requests()[2].json(),
            json!({"status": "majorOutage", "propagateUp": false, "comment": "Incident detected - investigating"})
        );
        assert_eq!(
            host.requests()[5].json(),
            json!({"status": "operational", "propagateUp": false, "comment": "Issue resolved - service restored"})
        );
        assert_eq!(
            out.text.as_deref(),
            Some(concat!(
                "Incident workflow for API Service (majorOutage)\n",
                "\n[Step 1/8] Creating issue report...\n✅ Issue created: iss-1\n",
                "\n[Step 2/8] Changing component status to majorOutage...\n✅ Status changed from operational to majorOutage\n",
                "\n[Step 3/8] Checking ongoing incidents...\n✅ Found 1 ongoing incident(s)\n",
                "\n[Step 4/8] Checking issue report summary...\n✅ Total active issues: 3\n",
                "\n[Step 5/8] Adding investigation update (simulated)...\n   (In production, you might create additional issue reports here)\n",
                "\n[Step 6/8] Resolving incident - returning to operational status...\n✅ Status changed from majorOutage to operational\n",
                "\n[Step 7/8] Verifying incident resolution...\n✅ Remaining ongoing incidents: 0\n",
                "\n[Step 8/8] Retrieving status history...\n✅ Status history contains 6 record(s)\n\nRecent status changes:\n",
                "  - t0: a → b\n    Comment: c0\n  - t1: a → b\n  - t2: a → b\n  - t3: a → b\n  - t4: a → b\n",
                "\n✅ Incident workflow completed successfully\n",
            ))
        );
        let keys: Vec<&String> = out.data.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "issue",
                "statusChange",
                "ongoingIncidents",
                "issueSummary",
                "resolution",
                "remainingIncidents",
                "statusHistory"
            ]
        );
    }

    #[test]
    fn a_failing_step_is_named_and_stops_the_workflow() {
        let host = scripted().reply(Reply::json(201, &json!({"id": "iss-1"}))).reply(Reply::status(404, ""));
        let err = host
            .run::<Nobl9>("incident_workflow", &[API_ID, "degradedPerformance", "--pause", "0"])
            .unwrap_err();
        assert_eq!(err.kind, ErrorKind::Failed);
        assert_eq!(
            err.message,
            format!(
                "incident workflow stopped at step 2/8 (Changing component status to degradedPerformance): Resource not found: endpoint not available on this Nobl9 instance (POST /status-page/components/{API_ID}/change-status)"
            )
        );
        assert_eq!(host.requests().len(), 2);
    }

    #[test]
    fn bad_arguments_send_nothing() {
        let host = scripted();
        for words in [
            [API_ID, "operational", "--pause=0"],
            [API_ID, "majorOutage", "--pause=-1"],
            [API_ID, "majorOutage", "--pause=soon"],
        ] {
            assert_eq!(host.run::<Nobl9>("incident_workflow", &words).unwrap_err().kind, ErrorKind::Usage);
        }
        assert!(host.requests().is_empty());
    }
}
