use serde::Deserialize;
use statusctl_plugin_api::serde_json::Value;
use statusctl_plugin_api::{ArgDecl, Call, Command, CommandDecl, Error, Output};

use crate::api_error::Endpoint;
use crate::py_str::py;
use crate::{Nobl9, common, components, schema};

pub struct ListIssues;

#[derive(Deserialize)]
struct Args {
    component: Option<String>,
    source: Option<String>,
    #[serde(default)]
    active: bool,
    #[serde(default)]
    inactive: bool,
    limit: Option<i64>,
    offset: Option<i64>,
}

impl Command<Nobl9> for ListIssues {
    fn declare(&self) -> CommandDecl {
        CommandDecl::new("list_issues", "List issue reports")
            .long_about(
                "GET /status-page/issues, filtered by component, source and activity (active: the last 24 hours).",
            )
            .reads()
            .output_schema_text(schema::ISSUES)
            .args(common::args())
            .arg(ArgDecl::value("component").value_name("COMPONENT").help("Only this component (id or exact name)"))
            .arg(ArgDecl::value("source").choices(&["user", "external", "internal"]).help("Only issues from this source"))
            .arg(ArgDecl::flag("active").conflicts_with("inactive").help("Only active issues"))
            .arg(ArgDecl::flag("inactive").conflicts_with("active").help("Only inactive issues"))
            .arg(ArgDecl::value("limit").integer().value_name("N").help("At most N issues (1-200) [server default: 50]"))
            .arg(ArgDecl::value("offset").integer().value_name("N").help("Skip the first N issues"))
            .example("statusctl nobl9:list-issues --component \"API Service\" --source external --active")
    }

    fn run(&self, plugin: &Nobl9, call: &Call<'_>) -> Result<Output, Error> {
        let args: Args = call.args.parse()?;
        if args.limit.is_some_and(|n| !(1..=200).contains(&n)) {
            return Err(Error::usage("--limit must be between 1 and 200"));
        }
        if args.offset.is_some_and(|n| n < 0) {
            return Err(Error::usage("--offset must not be negative"));
        }
        let active = common::true_or_false((args.active, "--active"), (args.inactive, "--inactive"))?;
        let client = common::connect(call, plugin)?;
        let component = args.component.as_deref().map(str::trim).filter(|c| !c.is_empty());
        let component_id = component.map(|c| components::resolve(&client, c)).transpose()?;
        let (limit, offset) = (args.limit.map(|n| n.to_string()), args.offset.map(|n| n.to_string()));
        let query: Vec<(&str, &str)> = [
            ("componentId", component_id.as_deref()),
            ("source", args.source.as_deref()),
            ("active", active),
            ("limit", limit.as_deref()),
            ("offset", offset.as_deref()),
        ]
        .into_iter()
        .filter_map(|(name, value)| Some((name, value?)))
        .collect();
        let result = client.get("/status-page/issues", &query, Endpoint::Kept)?;
        let text = render(&result);
        Ok(Output::data(result).with_text(text))
    }
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
    use statusctl_plugin_api::ErrorKind;
    use statusctl_plugin_api::serde_json::json;

    use crate::Nobl9;
    use crate::test_fixtures::{DB_ID, line, ok, sample_tree, scripted};

    #[test]
    fn filters_become_the_query() {
        let issues = json!({"issues": [
            {"id": "i1", "source": "external", "componentName": "Database", "occurredAt": "2026-02-05T10:30:00Z", "comment": "slow"},
            {"id": "i2", "source": "user", "componentName": "Database", "occurredAt": "2026-02-05T10:31:00Z"}
        ], "total": 7, "limit": 2, "offset": 4});
        let host = scripted().reply(ok(sample_tree())).reply(ok(issues.clone()));
        let words = [
            "--component",
            "Database",
            "--source",
            "external",
            "--inactive",
            "--limit",
            "2",
            "--offset",
            "4",
        ];
        let out = host.run::<Nobl9>("list_issues", &words).unwrap();
        assert_eq!(
            host.lines()[1],
            line(
                "GET",
                &format!(
                    "/status-page/issues?componentId={DB_ID}&source=external&active=false&limit=2&offset=4"
                )
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
        let host = scripted().reply(ok(json!({"issues": [], "total": 0})));
        let out = host.run::<Nobl9>("list_issues", &["--active"]).unwrap();
        assert_eq!(host.lines(), [line("GET", "/status-page/issues?active=true")]);
        assert_eq!(out.text.as_deref(), Some("No issues found.\n"));
    }

    #[test]
    fn bad_limits_send_nothing() {
        let host = scripted();
        for words in
            [["--limit", "0"], ["--limit", "201"], ["--offset=-1", "--active"], ["--active", "--inactive"]]
        {
            assert_eq!(host.run::<Nobl9>("list_issues", &words).unwrap_err().kind, ErrorKind::Usage);
        }
        assert!(host.requests().is_empty());
    }
}
