use statusctl_plugin_api::serde_json::Value;
use statusctl_plugin_api::{ArgDecl, Call, CommandDecl, Error, Output};

use crate::py_str::py;
use crate::status_change::{self, Change};
use crate::token::TokenCache;
use crate::{common, components, status};

pub fn declare() -> CommandDecl {
    CommandDecl::new("change_status", "Change a component's status (opens or resolves incidents)")
        .long_about(
            "POST /status-page/components/{id}/change-status. A change to degradedPerformance or majorOutage \
             opens an incident, back to operational resolves it. When the answer is lost, the status history \
             is checked before anything is sent again.",
        )
        .mutating()
        .args(common::args())
        .arg(
            ArgDecl::positional("component")
                .required()
                .value_name("COMPONENT")
                .help("Component id or exact name"),
        )
        .arg(
            ArgDecl::positional("status")
                .required()
                .value_name("STATUS")
                .help("operational, degradedPerformance or majorOutage"),
        )
        .arg(common::comment_arg())
        .arg(common::propagate_arg())
        .example(
            "statusctl nobl9:change-status \"API Service\" degradedPerformance --comment \"High latency\"",
        )
}

pub fn run(call: &Call<'_>, tokens: &TokenCache) -> Result<Output, Error> {
    let component = common::required(call, "component", "COMPONENT")?;
    let new_status = status::parse(call.args.str("status").unwrap_or_default())?;
    let client = common::connect(call, tokens)?;
    let id = components::resolve(&client, &component)?;
    let change = Change {
        component_id: &id,
        status: new_status,
        comment: call.args.str("comment").filter(|c| !c.is_empty()),
        propagate: call.args.flag("propagate"),
    };
    let result = status_change::apply(&client, change)?;
    let text = format!("✅ Status changed successfully!\n{}", describe(&result));
    Ok(Output::data(result).with_text(text))
}

/// `   API Service: operational → majorOutage` (and how many parents followed).
pub fn describe(change: &Value) -> String {
    let name = change["componentName"].as_str().or(change["componentId"].as_str()).unwrap_or("None");
    let mut out = format!("   {name}: {} → {}\n", py(&change["previousStatus"]), py(&change["newStatus"]));
    if let Some(parents) = change["propagated"].as_array().filter(|p| !p.is_empty()) {
        out.push_str(&format!("   Propagated to {} parent component(s)\n", parents.len()));
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::components::{API_ID, sample_tree};
    use crate::fake_host::{FakeHost, api, reply, run, unknown_outcome};
    use statusctl_plugin_api::ErrorKind;
    use statusctl_plugin_api::serde_json::json;

    fn answer() -> String {
        json!({"id": "sc1", "componentId": API_ID, "componentName": "API Service", "previousStatus": "operational",
            "newStatus": "degradedPerformance", "propagated": [{"componentName": "Platform"}]})
        .to_string()
    }

    #[test]
    fn by_name_with_a_statuspage_spelling() {
        let fake =
            FakeHost::scripted().reply(reply(200, &sample_tree().to_string())).reply(reply(200, &answer()));
        let args = json!({"component": "API Service", "status": "degraded_performance", "comment": "High latency", "propagate": true});
        let out = run(&fake, "change_status", args).unwrap();
        assert_eq!(
            fake.calls(),
            [
                format!("GET {}", api("/status-page/components")),
                format!("POST {}", api(&format!("/status-page/components/{API_ID}/change-status"))),
            ]
        );
        assert_eq!(
            fake.body(1),
            json!({"status": "degradedPerformance", "propagateUp": true, "comment": "High latency"})
        );
        assert_eq!(
            out.text.as_deref(),
            Some(
                "✅ Status changed successfully!\n   API Service: operational → degradedPerformance\n   Propagated to 1 parent component(s)\n"
            )
        );
    }

    #[test]
    fn an_invalid_status_sends_nothing() {
        let fake = FakeHost::scripted();
        let err =
            run(&fake, "change_status", json!({"component": API_ID, "status": "partialOutage"})).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Usage);
        assert!(fake.requests().is_empty());
    }

    #[test]
    fn a_removed_endpoint_and_a_missing_component_are_told_apart() {
        let fake = FakeHost::scripted()
            .reply(reply(404, "404 page not found"))
            .reply(reply(404, r#"{"errors":[{"title":"Not Found","detail":"component 4c91 not found"}]}"#));
        let args = json!({"component": API_ID, "status": "operational"});
        let err = run(&fake, "change_status", args.clone()).unwrap_err();
        assert_eq!(
            err.message,
            format!(
                "Resource not found: endpoint not available on this Nobl9 instance (POST /status-page/components/{API_ID}/change-status)"
            )
        );
        let err = run(&fake, "change_status", args).unwrap_err();
        assert_eq!(err.message, "Resource not found: component 4c91 not found");
    }

    #[test]
    fn a_lost_answer_is_checked_in_the_history() {
        let entry = json!({"changedAt": crate::times::now(), "previousStatus": "degradedPerformance", "newStatus": "operational", "changedBy": "me"});
        let fake = FakeHost::scripted()
            .fail(unknown_outcome())
            .reply(reply(200, &json!({"history": [entry]}).to_string()));
        let out = run(&fake, "change_status", json!({"component": API_ID, "status": "operational"})).unwrap();
        assert_eq!(
            out.text.unwrap(),
            format!("✅ Status changed successfully!\n   {API_ID}: degradedPerformance → operational\n")
        );
        assert_eq!(fake.requests().len(), 2);
    }
}
