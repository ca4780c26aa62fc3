use serde::Deserialize;
use statusctl_plugin_api::serde_json::{Value, json};
use statusctl_plugin_api::{ArgDecl, Call, Command, CommandDecl, Error, Output};

use crate::api_error::Endpoint;
use crate::client::Client;
use crate::py_str::py;
use crate::{Nobl9, common, components, schema, times};

pub struct CreateIssue;

#[derive(Deserialize)]
struct Args {
    component: String,
    comment: Option<String>,
    occurred_at: Option<String>,
}

impl Command<Nobl9> for CreateIssue {
    fn declare(&self) -> CommandDecl {
        CommandDecl::new("create_issue", "Report an issue with a component (as a user)")
            .long_about(
                "POST /status-page/issues: an authenticated user's issue report. Many reports in a short time \
                 may change the component's status (spike detection).",
            )
            // Each run adds a report.
            .changes()
            .output_schema_text(schema::ISSUE)
            .args(common::args())
            .arg(common::component_positional())
            .arg(ArgDecl::value("comment").value_name("TEXT").help("Description of the issue"))
            .arg(
                ArgDecl::value("occurred_at")
                    .value_name("TIME")
                    .help("When the issue occurred, ISO 8601 [default: now, UTC]"),
            )
            .example("statusctl nobl9:create-issue \"API Service\" --comment \"Slow response times\"")
    }

    fn run(&self, plugin: &Nobl9, call: &Call<'_>) -> Result<Output, Error> {
        let args: Args = call.args.parse()?;
        let component = common::required(&args.component, "COMPONENT")?;
        let occurred_at = args.occurred_at.map(|t| times::checked("--occurred-at", &t)).transpose()?;
        let client = common::connect(call, plugin)?;
        let id = components::resolve(&client, &component)?;
        let issue = create(&client, &id, args.comment.as_deref(), occurred_at.as_deref())?;
        let text = format!("✅ Issue report created successfully!\nIssue ID: {}\n", py(&issue["id"]));
        Ok(Output::data(issue).with_text(text))
    }
}

/// `POST /status-page/issues`: a user's issue report; `occurredAt` defaults to now.
pub fn create(
    client: &Client<'_, '_>,
    component_id: &str,
    comment: Option<&str>,
    at: Option<&str>,
) -> Result<Value, Error> {
    let mut body =
        json!({"componentId": component_id, "occurredAt": at.map_or_else(times::now, str::to_string)});
    if let Some(comment) = comment.filter(|c| !c.is_empty()) {
        body["comment"] = json!(comment);
    }
    client.post("/status-page/issues", &body, Endpoint::Kept)
}

#[cfg(test)]
mod tests {
    use statusctl_plugin_api::ErrorKind;
    use statusctl_plugin_api::serde_json::json;
    use statusctl_plugin_api::testing::Reply;

    use crate::Nobl9;
    use crate::test_fixtures::{API_ID, DB_ID, line, ok, sample_tree, scripted};

    fn issue() -> Reply {
        Reply::json(
            201,
            &json!({"id": "iss-1", "componentId": API_ID, "componentName": "API Service", "source": "user"}),
        )
    }

    #[test]
    fn an_id_is_sent_as_given_with_now_as_occurred_at() {
        let host = scripted().reply(issue());
        let out = host.run::<Nobl9>("create_issue", &[API_ID, "--comment", "Slow"]).unwrap();
        assert_eq!(host.lines(), [line("POST", "/status-page/issues")]);
        let body = host.requests()[0].json();
        assert_eq!(body["componentId"], API_ID);
        assert_eq!(body["comment"], "Slow");
        let at = body["occurredAt"].as_str().unwrap();
        assert!(at.ends_with('Z') && at.len() == 27, "{at}");
        let sent: jiff::Timestamp = at.parse().unwrap();
        assert!((jiff::Timestamp::now() - sent).as_secs().abs() < 60);
        assert_eq!(
            host.requests()[0].headers,
            [
                ("Authorization".to_string(), "Bearer ***".to_string()),
                ("Organization".to_string(), "acme".to_string()),
                ("Content-Type".to_string(), "application/json".to_string()),
            ]
        );
        assert_eq!(out.text.as_deref(), Some("✅ Issue report created successfully!\nIssue ID: iss-1\n"));
        assert_eq!(out.data["componentName"], "API Service");
    }

    #[test]
    fn a_name_is_looked_up_and_a_time_sent_verbatim() {
        let host = scripted().reply(ok(sample_tree())).reply(issue());
        host.run::<Nobl9>("create_issue", &["Database", "--occurred-at", "2024-11-04T10:30:00Z"]).unwrap();
        assert_eq!(
            host.lines(),
            [line("GET", "/status-page/components"), line("POST", "/status-page/issues")]
        );
        assert_eq!(
            host.requests()[1].json(),
            json!({"componentId": DB_ID, "occurredAt": "2024-11-04T10:30:00Z"})
        );
    }

    #[test]
    fn an_unknown_name_sends_nothing_more() {
        let host = scripted().reply(ok(sample_tree()));
        let err = host.run::<Nobl9>("create_issue", &["Nope"]).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Usage);
        assert!(err.message.starts_with("no component named `Nope`"));
        assert_eq!(host.requests().len(), 1);
    }

    #[test]
    fn a_bad_time_sends_nothing() {
        let host = scripted();
        let err = host.run::<Nobl9>("create_issue", &[API_ID, "--occurred-at", "yesterday"]).unwrap_err();
        assert_eq!(
            (err.kind, err.message.as_str()),
            (
                ErrorKind::Usage,
                "invalid --occurred-at `yesterday`: use an ISO 8601 time such as 2026-02-05T10:30:00Z"
            )
        );
        assert!(host.requests().is_empty());
    }

    #[test]
    fn an_unknown_id_is_a_missing_resource() {
        let body = r#"{"errors":[{"title":"component not found"}]}"#;
        let host = scripted().reply(Reply::status(404, body));
        let err = host.run::<Nobl9>("create_issue", &[API_ID]).unwrap_err();
        assert_eq!(
            (err.kind, err.message.as_str()),
            (ErrorKind::Failed, "Resource not found: component not found")
        );
    }
}
