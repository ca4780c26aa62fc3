use serde::Deserialize;
use statusctl_plugin_api::serde_json::Value;
use statusctl_plugin_api::{ArgDecl, Call, Command, CommandDecl, Error, Output};

use crate::py_str::py;
use crate::status_change::{self, Change};
use crate::{Nobl9, common, components, schema, status};

pub struct ChangeStatus;

#[derive(Deserialize)]
struct Args {
    component: String,
    status: String,
    comment: Option<String>,
    #[serde(default)]
    propagate: bool,
}

impl Command<Nobl9> for ChangeStatus {
    fn declare(&self) -> CommandDecl {
        CommandDecl::new("change_status", "Change a component's status (opens or resolves incidents)")
            .long_about(
                "POST /status-page/components/{id}/change-status. A change to degradedPerformance or majorOutage \
                 opens an incident, back to operational resolves it. When the answer is lost, the status history \
                 is checked before anything is sent again.",
            )
            // Setting a status twice leaves it set.
            .changes()
            .idempotent()
            .output_schema_text(schema::STATUS_CHANGE)
            .args(common::args())
            .arg(common::component_positional())
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

    fn run(&self, plugin: &Nobl9, call: &Call<'_>) -> Result<Output, Error> {
        let args: Args = call.args.parse()?;
        let component = common::required(&args.component, "COMPONENT")?;
        let new_status = status::parse(&args.status)?;
        let client = common::connect(call, plugin)?;
        let id = components::resolve(&client, &component)?;
        let change = Change {
            component_id: &id,
            status: new_status,
            comment: args.comment.as_deref().filter(|c| !c.is_empty()),
            propagate: args.propagate,
        };
        let result = status_change::apply(&client, change)?;
        let text = format!("✅ Status changed successfully!\n{}", describe(&result));
        Ok(Output::data(result).with_text(text))
    }
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
    use statusctl_plugin_api::ErrorKind;
    use statusctl_plugin_api::serde_json::{Value, json};
    use statusctl_plugin_api::testing::Reply;

    use crate::Nobl9;
    use crate::test_fixtures::{API_ID, line, ok, sample_tree, scripted};

    fn answer() -> Value {
        json!({"id": "sc1", "componentId": API_ID, "componentName": "API Service", "previousStatus": "operational",
            "newStatus": "degradedPerformance", "propagated": [{"componentName": "Platform"}]})
    }

    fn change_status() -> String {
        line("POST", &format!("/status-page/components/{API_ID}/change-status"))
    }

    #[test]
    fn by_name_with_a_statuspage_spelling() {
        let host = scripted().reply(ok(sample_tree())).reply(ok(answer()));
        let words = ["API Service", "degraded_performance", "--comment", "High latency", "--propagate"];
        let out = host.run::<Nobl9>("change_status", &words).unwrap();
        assert_eq!(host.lines(), [line("GET", "/status-page/components"), change_status()]);
        assert_eq!(
            host.requests()[1].json(),
            json!({"status": "degradedPerformance", "propagateUp": true, "comment": "High latency"})
        );
        assert_eq!(host.requests()[1].header("Authorization"), Some("Bearer ***"));
        assert_eq!(
            out.text.as_deref(),
            Some(
                "✅ Status changed successfully!\n   API Service: operational → degradedPerformance\n   Propagated to 1 parent component(s)\n"
            )
        );
    }

    #[test]
    fn an_invalid_status_sends_nothing() {
        let host = scripted();
        let err = host.run::<Nobl9>("change_status", &[API_ID, "partialOutage"]).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Usage);
        let err = host.run::<Nobl9>("change_status", &[" ", "operational"]).unwrap_err();
        assert_eq!((err.kind, err.message.as_str()), (ErrorKind::Usage, "COMPONENT is required"));
        assert!(host.requests().is_empty());
    }

    #[test]
    fn a_removed_endpoint_and_a_missing_component_are_told_apart() {
        let host = scripted().reply(Reply::status(404, "404 page not found")).reply(Reply::status(
            404,
            r#"{"errors":[{"title":"Not Found","detail":"component 4c91 not found"}]}"#,
        ));
        let err = host.run::<Nobl9>("change_status", &[API_ID, "operational"]).unwrap_err();
        assert_eq!(
            err.message,
            format!(
                "Resource not found: endpoint not available on this Nobl9 instance (POST /status-page/components/{API_ID}/change-status)"
            )
        );
        let err = host.run::<Nobl9>("change_status", &[API_ID, "operational"]).unwrap_err();
        assert_eq!(err.message, "Resource not found: component 4c91 not found");
    }

    #[test]
    fn a_lost_answer_is_checked_in_the_history() {
        let entry = json!({"changedAt": crate::times::now(), "previousStatus": "degradedPerformance", "newStatus": "operational", "changedBy": "me"});
        let host = scripted().reply(Reply::Dropped).reply(ok(json!({"history": [entry]})));
        let out = host.run::<Nobl9>("change_status", &[API_ID, "operational"]).unwrap();
        assert_eq!(
            out.text.unwrap(),
            format!("✅ Status changed successfully!\n   {API_ID}: degradedPerformance → operational\n")
        );
        assert_eq!(host.requests().len(), 2);
    }
}
