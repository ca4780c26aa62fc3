use statusctl_plugin_api::{Call, CommandDecl, Error, Output};

use crate::status_change::{self, Change};
use crate::token::TokenCache;
use crate::{common, components, status};

pub fn declare() -> CommandDecl {
    CommandDecl::new("update_incident", "Update a component's incident: new severity and/or a comment")
        .long_about(
            "The shared incident vocabulary on Nobl9: sets the component to --severity, or, with only -m, \
             records the comment with its current (non-operational) status \
             (POST /status-page/components/{id}/change-status).",
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
            // Only a comment: the status stays what it is, which the tree tells.
            let tree = components::tree(&client)?;
            let id = components::resolve_in(&tree, &component)?;
            let current = components::find(&tree, &id)
                .ok_or_else(|| Error::failed(format!("component {id} is not in the component tree")))?;
            match current["status"].as_str().map(status::parse_severity) {
                Some(Ok(severity)) => (id, severity),
                _ => {
                    return Err(Error::failed(format!(
                        "no ongoing incident on `{component}`: it is {}; use nobl9:create-incident",
                        current["status"].as_str().unwrap_or("of unknown status")
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
    fn only_a_comment_keeps_the_current_severity() {
        let fake = FakeHost::scripted().reply(reply(200, &sample_tree().to_string())).reply(reply(200, "{}"));
        run(&fake, "update_incident", json!({"component": API_ID, "message": "Still looking"})).unwrap();
        assert_eq!(
            fake.calls(),
            [
                format!("GET {}", api("/status-page/components")),
                format!("POST {}", api(&format!("/status-page/components/{API_ID}/change-status"))),
            ]
        );
        assert_eq!(
            fake.body(1),
            json!({"status": "degradedPerformance", "propagateUp": false, "comment": "Still looking"})
        );
    }

    #[test]
    fn an_operational_component_has_no_incident_to_update() {
        let fake = FakeHost::scripted().reply(reply(200, &sample_tree().to_string()));
        let err = run(&fake, "update_incident", json!({"component": DB_ID, "message": "x"})).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Failed);
        assert_eq!(
            err.message,
            format!("no ongoing incident on `{DB_ID}`: it is operational; use nobl9:create-incident")
        );
        assert_eq!(fake.requests().len(), 1);
        let err = run(&fake, "update_incident", json!({"component": DB_ID})).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Usage);
    }
}
