use serde::Deserialize;
use statusctl_plugin_api::{Call, Command, CommandDecl, Error, Output};

use crate::client::Client;
use crate::incident::{self, Note};
use crate::{Nobl9, common, schema, status, status_change};

pub struct UpdateIncident;

#[derive(Deserialize)]
struct Args {
    component: String,
    severity: Option<String>,
    message: Option<String>,
    #[serde(default)]
    propagate: bool,
}

impl Command<Nobl9> for UpdateIncident {
    fn declare(&self) -> CommandDecl {
        CommandDecl::new("update_incident", "Update a component's incident: new severity and/or a comment")
            .long_about(
                "The shared incident vocabulary on Nobl9: sets the component to --severity, or, with only -m, \
                 records the comment with its own current (non-operational) status, the newest entry of its \
                 status history (POST /status-page/components/{id}/change-status).",
            )
            // Sets a status: running it twice leaves the same status.
            .changes()
            .idempotent()
            .output_schema_text(schema::STATUS_CHANGE)
            .args(common::args())
            .arg(common::component_arg())
            .arg(common::severity_arg())
            .arg(common::message_arg())
            .arg(common::propagate_arg())
            .example(
                "statusctl nobl9:update-incident -c \"API Service\" -cs degraded_performance -m \"Recovering\"",
            )
    }

    fn run(&self, plugin: &Nobl9, call: &Call<'_>) -> Result<Output, Error> {
        let args: Args = call.args.parse()?;
        let severity = args.severity.as_deref().map(status::parse_severity).transpose()?;
        let comment = args.message.as_deref().filter(|c| !c.is_empty());
        if severity.is_none() && comment.is_none() {
            return Err(Error::usage("nothing to update: give --severity (-cs) and/or -m MESSAGE"));
        }
        let status = |client: &Client<'_, '_>, id: &str| match severity {
            Some(severity) => Ok(severity),
            None => own_severity(client, id, &args.component),
        };
        let note = Note { comment, propagate: args.propagate };
        incident::set(call, plugin, &args.component, status, note, "✅ Incident updated")
    }
}

/// With only a comment the status stays what it is. The component's own status is the newest
/// entry of its history: the tree shows the worst of its own and its children's, and sending a
/// child's status again would open an incident here.
fn own_severity(client: &Client<'_, '_>, id: &str, component: &str) -> Result<&'static str, Error> {
    let history = status_change::history(client, id)?;
    let own = history["history"].get(0).map_or(Some(status::OPERATIONAL), |c| c["newStatus"].as_str());
    own.map(status::parse_severity).and_then(Result::ok).ok_or_else(|| {
        Error::failed(format!(
            "no ongoing incident on `{}`: it is {}; use nobl9:create-incident",
            component.trim(),
            own.unwrap_or("of unknown status")
        ))
    })
}

#[cfg(test)]
mod tests {
    use statusctl_plugin_api::ErrorKind;
    use statusctl_plugin_api::serde_json::json;

    use crate::Nobl9;
    use crate::test_fixtures::{API_ID, DB_ID, PLATFORM_ID, line, ok, sample_tree, scripted};

    #[test]
    fn a_new_severity() {
        let answer = json!({"componentId": API_ID, "previousStatus": "majorOutage", "newStatus": "degradedPerformance"});
        let host = scripted().reply(ok(answer));
        let words = ["-c", API_ID, "-cs", "degraded_performance", "-m", "Recovering"];
        let out = host.run::<Nobl9>("update_incident", &words).unwrap();
        assert_eq!(
            host.requests()[0].json(),
            json!({"status": "degradedPerformance", "propagateUp": false, "comment": "Recovering"})
        );
        assert_eq!(
            out.text.unwrap(),
            format!("✅ Incident updated: {API_ID} is degradedPerformance (was majorOutage)\n")
        );
    }

    #[test]
    fn only_a_comment_keeps_the_components_own_severity() {
        // The tree shows API Service degradedPerformance; its own status (newest entry) is majorOutage.
        let history = json!({"componentId": API_ID, "history": [
            {"changedAt": "2026-02-05T11:00:00Z", "previousStatus": "degradedPerformance", "newStatus": "majorOutage"},
            {"changedAt": "2026-02-05T10:00:00Z", "previousStatus": "operational", "newStatus": "degradedPerformance"}
        ]});
        let host = scripted().reply(ok(sample_tree())).reply(ok(history)).reply(ok(json!({})));
        host.run::<Nobl9>("update_incident", &["-c", "API Service", "-m", "Still looking"]).unwrap();
        assert_eq!(
            host.lines(),
            [
                line("GET", "/status-page/components"),
                line("GET", &format!("/status-page/components/{API_ID}/status-changes")),
                line("POST", &format!("/status-page/components/{API_ID}/change-status")),
            ]
        );
        assert_eq!(
            host.requests()[2].json(),
            json!({"status": "majorOutage", "propagateUp": false, "comment": "Still looking"})
        );
    }

    #[test]
    fn a_component_operational_itself_has_no_incident_to_update() {
        // Platform shows degradedPerformance in the tree because of a child, but has no history.
        let back = json!({"history": [{"previousStatus": "majorOutage", "newStatus": "operational"}]});
        let host = scripted().reply(ok(json!({"history": []}))).reply(ok(back));
        let err = host.run::<Nobl9>("update_incident", &["-c", PLATFORM_ID, "-m", "x"]).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Failed);
        assert_eq!(
            err.message,
            format!("no ongoing incident on `{PLATFORM_ID}`: it is operational; use nobl9:create-incident")
        );
        let err = host.run::<Nobl9>("update_incident", &["-c", DB_ID, "-m", "x"]).unwrap_err();
        assert_eq!(
            err.message,
            format!("no ongoing incident on `{DB_ID}`: it is operational; use nobl9:create-incident")
        );
        assert_eq!(host.requests().len(), 2);
        let err = host.run::<Nobl9>("update_incident", &["-c", DB_ID]).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Usage);
    }
}
