use statusctl_plugin_api::{Call, CommandDecl, Error, Output};

use crate::status_change::{self, Change};
use crate::token::TokenCache;
use crate::{common, components, status};

pub fn declare() -> CommandDecl {
    CommandDecl::new("update_incident", "Update a component's incident: new severity and/or a comment")
        .long_about(
            "The shared incident vocabulary on Nobl9: sets the component to --severity, or, with only -m, \
             records the comment with its own current (non-operational) status, the newest entry of its \
             status history (POST /status-page/components/{id}/change-status).",
        )
        .mutating()
        .args(common::args())
        .arg(common::component_arg())
        .arg(common::severity_arg())
        .arg(common::message_arg())
        .arg(common::propagate_arg())
        .example(
            "statusctl nobl9:update-incident -c \"API Service\" -cs degraded_performance -m \"Recovering\"",
        )
}

pub fn run(call: &Call<'_>, tokens: &TokenCache) -> Result<Output, Error> {
    let component = common::required(call, "component", "-c COMPONENT")?;
    let severity = call.args.str("severity").map(status::parse_severity).transpose()?;
    let comment = call.args.str("message").filter(|c| !c.is_empty());
    if severity.is_none() && comment.is_none() {
        return Err(Error::usage("nothing to update: give --severity (-cs) and/or -m MESSAGE"));
    }
    let client = common::connect(call, tokens)?;
    let (id, new_status) = match severity {
        Some(severity) => (components::resolve(&client, &component)?, severity),
        None => {
            // Only a comment: the status stays what it is. The component's own status is the
            // newest entry of its history: the tree shows the worst of its own and its
            // children's, and re-sending a child's status would open an incident here.
            let id = components::resolve(&client, &component)?;
            let history = super::status_history::fetch(&client, &id)?;
            let own =
                history["history"].get(0).map_or(Some(status::OPERATIONAL), |c| c["newStatus"].as_str());
            match own.map(status::parse_severity) {
                Some(Ok(severity)) => (id, severity),
                _ => {
                    return Err(Error::failed(format!(
                        "no ongoing incident on `{component}`: it is {}; use nobl9:create-incident",
                        own.unwrap_or("of unknown status")
                    )));
                }
            }
        }
    };
    let change =
        Change { component_id: &id, status: new_status, comment, propagate: call.args.flag("propagate") };
    let result = status_change::apply(&client, change)?;
    let text = super::resolve_incident::line("✅ Incident updated", &result);
    Ok(Output::data(result).with_text(text))
}

#[cfg(test)]
mod tests {
    use crate::components::{API_ID, DB_ID, sample_tree};
    use crate::fake_host::{FakeHost, api, reply, run};
    use statusctl_plugin_api::ErrorKind;
    use statusctl_plugin_api::serde_json::json;

    #[test]
    fn a_new_severity() {
        let answer = json!({"componentId": API_ID, "previousStatus": "majorOutage", "newStatus": "degradedPerformance"});
        let fake = FakeHost::scripted().reply(reply(200, &answer.to_string()));
        let out = run(
            &fake,
            "update_incident",
            json!({"component": API_ID, "severity": "degraded_performance", "message": "Recovering"}),
        )
        .unwrap();
        assert_eq!(
            fake.body(0),
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
        let fake = FakeHost::scripted()
            .reply(reply(200, &sample_tree().to_string()))
            .reply(reply(200, &history.to_string()))
            .reply(reply(200, "{}"));
        run(&fake, "update_incident", json!({"component": "API Service", "message": "Still looking"}))
            .unwrap();
        assert_eq!(
            fake.calls(),
            [
                format!("GET {}", api("/status-page/components")),
                format!("GET {}", api(&format!("/status-page/components/{API_ID}/status-changes"))),
                format!("POST {}", api(&format!("/status-page/components/{API_ID}/change-status"))),
            ]
        );
        assert_eq!(
            fake.body(2),
            json!({"status": "majorOutage", "propagateUp": false, "comment": "Still looking"})
        );
    }

    #[test]
    fn a_component_operational_itself_has_no_incident_to_update() {
        // Platform shows degradedPerformance in the tree because of a child, but has no history.
        let platform = "11111111-1111-4111-8111-111111111111";
        let back = json!({"history": [{"previousStatus": "majorOutage", "newStatus": "operational"}]});
        let fake =
            FakeHost::scripted().reply(reply(200, r#"{"history": []}"#)).reply(reply(200, &back.to_string()));
        let err = run(&fake, "update_incident", json!({"component": platform, "message": "x"})).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Failed);
        assert_eq!(
            err.message,
            format!("no ongoing incident on `{platform}`: it is operational; use nobl9:create-incident")
        );
        let err = run(&fake, "update_incident", json!({"component": DB_ID, "message": "x"})).unwrap_err();
        assert_eq!(
            err.message,
            format!("no ongoing incident on `{DB_ID}`: it is operational; use nobl9:create-incident")
        );
        assert_eq!(fake.requests().len(), 2);
        let err = run(&fake, "update_incident", json!({"component": DB_ID})).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Usage);
    }
}
