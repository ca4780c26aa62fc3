use statusctl_plugin_api::serde_json::{Value, json};
use statusctl_plugin_api::{ArgDecl, Call, CommandDecl, Error, Output};

use crate::api_error::Endpoint;
use crate::client::Client;
use crate::py_str::py;
use crate::token::TokenCache;
use crate::{common, components, times};

pub fn declare() -> CommandDecl {
    CommandDecl::new("create_issue", "Report an issue with a component (as a user)")
        .long_about(
            "POST /status-page/issues: an authenticated user's issue report. Many reports in a short time \
             may change the component's status (spike detection).",
        )
        .mutating()
        .args(common::args())
        .arg(
            ArgDecl::positional("component")
                .required()
                .value_name("COMPONENT")
                .help("Component id or exact name"),
        )
        .arg(ArgDecl::value("comment").value_name("TEXT").help("Description of the issue"))
        .arg(
            ArgDecl::value("occurred_at")
                .value_name("TIME")
                .help("When the issue occurred, ISO 8601 [default: now, UTC]"),
        )
        .example("statusctl nobl9:create-issue \"API Service\" --comment \"Slow response times\"")
}

pub fn run(call: &Call<'_>, tokens: &TokenCache) -> Result<Output, Error> {
    let component = common::required(call, "component", "COMPONENT")?;
    let occurred_at = call.args.str("occurred_at").map(|t| times::checked("--occurred-at", t)).transpose()?;
    let client = common::connect(call, tokens)?;
    let id = components::resolve(&client, &component)?;
    let issue = create(&client, &id, call.args.str("comment"), occurred_at.as_deref())?;
    let text = format!("✅ Issue report created successfully!\nIssue ID: {}\n", py(&issue["id"]));
    Ok(Output::data(issue).with_text(text))
}

/// `POST /status-page/issues` (B); `occurredAt` defaults to now.
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
    use crate::components::{API_ID, DB_ID, sample_tree};
    use crate::fake_host::{FakeHost, api, reply, run};
    use statusctl_plugin_api::ErrorKind;
    use statusctl_plugin_api::serde_json::json;

    fn issue() -> String {
        json!({"id": "iss-1", "componentId": API_ID, "componentName": "API Service", "source": "user"})
            .to_string()
    }

    #[test]
    fn an_id_is_sent_as_given_with_now_as_occurred_at() {
        let fake = FakeHost::scripted().reply(reply(201, &issue()));
        let out = run(&fake, "create_issue", json!({"component": API_ID, "comment": "Slow"})).unwrap();
        assert_eq!(fake.calls(), [format!("POST {}", api("/status-page/issues"))]);
        let body = fake.body(0);
        assert_eq!(body["componentId"], API_ID);
        assert_eq!(body["comment"], "Slow");
        let at = body["occurredAt"].as_str().unwrap();
        assert!(at.ends_with('Z') && at.len() == 27, "{at}");
        let sent: jiff::Timestamp = at.parse().unwrap();
        assert!((jiff::Timestamp::now() - sent).as_secs().abs() < 60);
        assert_eq!(
            fake.requests()[0].headers,
            [
                ("Authorization".to_string(), "Bearer tok".to_string()),
                ("Organization".to_string(), "acme".to_string()),
                ("Content-Type".to_string(), "application/json".to_string()),
            ]
        );
        assert_eq!(out.text.as_deref(), Some("✅ Issue report created successfully!\nIssue ID: iss-1\n"));
        assert_eq!(out.data["componentName"], "API Service");
    }

    #[test]
    fn a_name_is_looked_up_and_a_time_sent_verbatim() {
        let fake =
            FakeHost::scripted().reply(reply(200, &sample_tree().to_string())).reply(reply(201, &issue()));
        run(&fake, "create_issue", json!({"component": "Database", "occurred_at": "2024-11-04T10:30:00Z"}))
            .unwrap();
        assert_eq!(
            fake.calls(),
            [
                format!("GET {}", api("/status-page/components")),
                format!("POST {}", api("/status-page/issues"))
            ]
        );
        assert_eq!(fake.body(1), json!({"componentId": DB_ID, "occurredAt": "2024-11-04T10:30:00Z"}));
    }

    #[test]
    fn an_unknown_name_sends_nothing_more() {
        let fake = FakeHost::scripted().reply(reply(200, &sample_tree().to_string()));
        let err = run(&fake, "create_issue", json!({"component": "Nope"})).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Usage);
        assert!(err.message.starts_with("no component named `Nope`"));
        assert_eq!(fake.requests().len(), 1);
    }

    #[test]
    fn a_bad_time_sends_nothing() {
        let fake = FakeHost::scripted();
        let err =
            run(&fake, "create_issue", json!({"component": API_ID, "occurred_at": "yesterday"})).unwrap_err();
        assert_eq!(
            (err.kind, err.message.as_str()),
            (
                ErrorKind::Usage,
                "invalid --occurred-at `yesterday`: use an ISO 8601 time such as 2026-02-05T10:30:00Z"
            )
        );
        assert!(fake.requests().is_empty());
    }

    #[test]
    fn an_unknown_id_is_a_missing_resource() {
        let body = r#"{"errors":[{"title":"component not found"}]}"#;
        let fake = FakeHost::scripted().reply(reply(404, body));
        let err = run(&fake, "create_issue", json!({"component": API_ID})).unwrap_err();
        assert_eq!(
            (err.kind, err.message.as_str()),
            (ErrorKind::Failed, "Resource not found: component not found")
        );
    }
}
