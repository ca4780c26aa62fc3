use statusctl_plugin_api::serde_json::Value;
use statusctl_plugin_api::{ArgDecl, Call, CommandDecl, Error, Output};

use crate::api_error::Endpoint;
use crate::py_str::py;
use crate::token::TokenCache;
use crate::{common, components, config};

pub fn declare() -> CommandDecl {
    CommandDecl::new("list_issues", "List issue reports")
        .long_about("GET /status-page/issues, filtered by component, source and activity (active: the last 24 hours).")
        .args(common::args())
        .arg(ArgDecl::value("component").value_name("COMPONENT").help("Only this component (id or exact name)"))
        .arg(ArgDecl::value("source").choices(&["user", "external", "internal"]).help("Only issues from this source"))
        .arg(ArgDecl::flag("active").conflicts_with("inactive").help("Only active issues"))
        .arg(ArgDecl::flag("inactive").conflicts_with("active").help("Only inactive issues"))
        .arg(ArgDecl::value("limit").integer().value_name("N").help("At most N issues (1-200) [server default: 50]"))
        .arg(ArgDecl::value("offset").integer().value_name("N").help("Skip the first N issues"))
        .example("statusctl nobl9:list-issues --component \"API Service\" --source external --active")
}

pub fn run(call: &Call<'_>, tokens: &TokenCache) -> Result<Output, Error> {
    let limit = call.args.int("limit");
    if limit.is_some_and(|n| !(1..=200).contains(&n)) {
        return Err(Error::usage("--limit must be between 1 and 200"));
    }
    let offset = call.args.int("offset");
    if offset.is_some_and(|n| n < 0) {
        return Err(Error::usage("--offset must not be negative"));
    }
    if call.args.flag("active") && call.args.flag("inactive") {
        return Err(Error::usage("--active and --inactive cannot be used together"));
    }
    let client = common::connect(call, tokens)?;
    let mut query = Vec::new();
    if let Some(component) = config::arg(call, "component") {
        query.push(("componentId", components::resolve(&client, &component)?));
    }
    if let Some(source) = call.args.str("source") {
        query.push(("source", source.to_string()));
    }
    match (call.args.flag("active"), call.args.flag("inactive")) {
        (true, _) => query.push(("active", "true".into())),
        (_, true) => query.push(("active", "false".into())),
        _ => {}
    }
    query.extend(limit.map(|n| ("limit", n.to_string())));
    query.extend(offset.map(|n| ("offset", n.to_string())));
    let result = client.get("/status-page/issues", &query, Endpoint::Kept)?;
    let text = render(&result);
    Ok(Output::data(result).with_text(text))
}

fn render(result: &Value) -> String {
    let issues = result["issues"].as_array().cloned().unwrap_or_default();
    if issues.is_empty() {
        return "No issues found.\n".into();
    }
    let mut out = format!("Found {} issue(s) (total {}):\n", issues.len(), py(&result["total"]));
    for issue in &issues {
        out.push_str(&format!(
            "  - {} [{}] {} at {}\n",
            py(&issue["id"]),
            py(&issue["source"]),
            py(&issue["componentName"]),
            py(&issue["occurredAt"])
        ));
        if let Some(comment) = issue["comment"].as_str().filter(|c| !c.is_empty()) {
            out.push_str(&format!("    Comment: {comment}\n"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::components::{DB_ID, sample_tree};
    use crate::fake_host::{FakeHost, api, reply, run};
    use statusctl_plugin_api::ErrorKind;
    use statusctl_plugin_api::serde_json::json;

    #[test]
    fn filters_become_the_query() {
        let issues = json!({"issues": [
            {"id": "i1", "source": "external", "componentName": "Database", "occurredAt": "2026-02-05T10:30:00Z", "comment": "slow"},
            {"id": "i2", "source": "user", "componentName": "Database", "occurredAt": "2026-02-05T10:31:00Z"}
        ], "total": 7, "limit": 2, "offset": 4});
        let fake = FakeHost::scripted()
            .reply(reply(200, &sample_tree().to_string()))
            .reply(reply(200, &issues.to_string()));
        let args =
            json!({"component": "Database", "source": "external", "inactive": true, "limit": 2, "offset": 4});
        let out = run(&fake, "list_issues", args).unwrap();
        assert_eq!(
            fake.calls()[1],
            format!(
                "GET {}",
                api(&format!(
                    "/status-page/issues?componentId={DB_ID}&source=external&active=false&limit=2&offset=4"
                ))
            )
        );
        assert_eq!(
            out.text.as_deref(),
            Some(concat!(
                "Found 2 issue(s) (total 7):\n",
                "  - i1 [external] Database at 2026-02-05T10:30:00Z\n",
                "    Comment: slow\n",
                "  - i2 [user] Database at 2026-02-05T10:31:00Z\n",
            ))
        );
        assert_eq!(out.data, issues);
    }

    #[test]
    fn no_filters_and_none_found() {
        let fake = FakeHost::scripted().reply(reply(200, r#"{"issues": [], "total": 0}"#));
        let out = run(&fake, "list_issues", json!({"active": true})).unwrap();
        assert_eq!(fake.calls(), [format!("GET {}", api("/status-page/issues?active=true"))]);
        assert_eq!(out.text.as_deref(), Some("No issues found.\n"));
    }

    #[test]
    fn bad_limits_send_nothing() {
        let fake = FakeHost::scripted();
        for args in [json!({"limit": 0}), json!({"limit": 201}), json!({"offset": -1})] {
            assert_eq!(run(&fake, "list_issues", args).unwrap_err().kind, ErrorKind::Usage);
        }
        assert!(fake.requests().is_empty());
    }
}
