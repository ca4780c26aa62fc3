use serde::Deserialize;
use statusctl_plugin_api::{ArgDecl, Call, Command, CommandDecl, Error, Output, RetryPolicy};

use crate::client::standard_retry;
use crate::external_issue::{self, ExternalIssue};
use crate::{Nobl9, common, components, schema, status, times};

pub struct CreateExternalIssue;

#[derive(Deserialize)]
struct Args {
    component_name: Option<String>,
    comment: Option<String>,
    occurred_at: Option<String>,
    requested_by: Option<String>,
    status: Option<String>,
    #[serde(default)]
    propagate: bool,
    #[serde(default)]
    verify: bool,
    #[serde(default)]
    list_components: bool,
    #[serde(default)]
    retry: bool,
}

impl Command<Nobl9> for CreateExternalIssue {
    fn declare(&self) -> CommandDecl {
        CommandDecl::new("create_external_issue", "Report an issue from a monitoring system, by component name")
            .long_about(
                "POST /status-page/issues/external: one report per component whose name matches exactly \
                 (case-sensitive), optionally with a status change. Sent with Basic client id/secret auth when \
                 both are known (as the scripts), else with the Bearer token.",
            )
            // Each run adds a report (with --list-components it only reads).
            .changes()
            .output_schema_text(schema::EXTERNAL_ISSUE_OR_COMPONENTS)
            .args(common::args())
            .arg(
                ArgDecl::positional("component_name")
                    .value_name("COMPONENT_NAME")
                    .help("Component name to match (required unless --list-components)"),
            )
            .arg(ArgDecl::value("comment").value_name("TEXT").help("Description of the issue"))
            .arg(ArgDecl::value("occurred_at").value_name("TIME").help("When the issue occurred, ISO 8601 [default: now]"))
            .arg(
                ArgDecl::value("requested_by")
                    .value_name("ID")
                    .default_value("external-system")
                    .help("Identifier of the requesting system"),
            )
            .arg(
                ArgDecl::value("status")
                    .value_name("STATUS")
                    .help("Also change the status: operational, degradedPerformance or majorOutage"),
            )
            .arg(ArgDecl::flag("propagate").help("Propagate the status change to parent components (needs --status)"))
            .arg(ArgDecl::flag("verify").help("Check that a component has this exact name before sending"))
            .arg(ArgDecl::flag("list_components").help("List all components and exit"))
            .arg(ArgDecl::flag("retry").help(
                "Also retry every error but 404 (up to 12 attempts, 1 s doubling to 32 s apart, within --max-wait)",
            ))
            .example("statusctl nobl9:create-external-issue \"API Service\" --status majorOutage --requested-by prometheus")
    }

    fn run(&self, plugin: &Nobl9, call: &Call<'_>) -> Result<Output, Error> {
        let args: Args = call.args.parse()?;
        let status_change = match &args.status {
            Some(s) => Some((status::parse(s)?, args.propagate)),
            None if args.propagate => {
                return Err(Error::usage("--propagate requires --status to be specified"));
            }
            None => None,
        };
        let name = args.component_name.as_deref().map(str::trim).filter(|n| !n.is_empty());
        if name.is_none() && !args.list_components {
            return Err(Error::usage("COMPONENT_NAME is required (unless using --list-components)"));
        }
        let occurred_at = match &args.occurred_at {
            Some(text) => times::checked("--occurred-at", text)?,
            None => times::now(),
        };
        let client = common::connect(call, plugin)?;
        if args.list_components {
            return Ok(components::numbered_list(&components::tree(&client)?));
        }
        let name = name.unwrap_or_default().to_string();
        let mut text = String::new();
        if args.verify {
            // As the script: a failed check does not stop the report.
            match components::tree(&client) {
                Ok(tree) if components::flatten(&tree).iter().any(|c| c["name"] == name.as_str()) => {
                    text.push_str("✅ Component found\n");
                }
                Ok(_) => {
                    return Err(Error::usage(format!(
                        "Component '{name}' not found (names are case-sensitive); use --list-components to see all components"
                    )));
                }
                Err(err) => client
                    .host()
                    .warn(format!("could not verify component '{name}' ({}); sending anyway", err.message)),
            }
        }
        let issue = ExternalIssue {
            component_name: name,
            occurred_at,
            comment: args.comment.filter(|c| !c.is_empty()),
            requested_by: args.requested_by.map(|r| r.trim().to_string()).filter(|r| !r.is_empty()),
            status_change,
        };
        let retry = if args.retry { retry_everything_but_404() } else { standard_retry() };
        let result = external_issue::send(&client, &issue, retry)?;
        text.push_str(&external_issue::summary(&result));
        Ok(Output::data(result).with_text(text))
    }
}

/// Attempts of the scripts' `--retry` loop, 1 s then 2 s apart. Each attempt is a call of the
/// scripts' client, which retries a 502/503 on its own (the standard policy's attempts).
const RETRY_FLAG_LOOP_ATTEMPTS: u32 = 3;

/// `--retry`: rate limits and every error but 404 are retried. The scripts stack two loops
/// here, so a 502/503 is tried up to 3 × 4 = 12 times; one policy reproduces that total, keeps
/// the standard backoff (1 s doubling to 32 s) and never retries a status the standard policy
/// retries less than it does. Other errors get the same 12 attempts (the scripts' loop alone
/// gave them 3); `--max-wait` bounds the total wait.
pub fn retry_everything_but_404() -> RetryPolicy {
    let standard = standard_retry();
    RetryPolicy {
        statuses: (400..=599).filter(|s| *s != 404 && !standard.rate_limited_statuses.contains(s)).collect(),
        max_attempts: RETRY_FLAG_LOOP_ATTEMPTS * standard.max_attempts,
        ..standard
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use statusctl_plugin_api::ErrorKind;
    use statusctl_plugin_api::serde_json::{Value, json};
    use statusctl_plugin_api::testing::Reply;

    use super::*;
    use crate::test_fixtures::{TOKEN, line, ok, sample_tree, scripted, with_client_credentials};

    fn answer() -> Value {
        json!({
            "reports": [{"id": "r1", "componentId": "c1", "componentName": "API Service"}],
            "statusChanges": [{"componentName": "API Service", "previousStatus": "operational", "newStatus": "majorOutage"}]
        })
    }

    #[test]
    fn basic_auth_with_client_credentials_and_no_token_exchange() {
        let host = with_client_credentials().reply(ok(answer()));
        let words = [
            "API Service",
            "--comment",
            "Critical failure",
            "--status",
            "major_outage",
            "--propagate",
            "--requested-by",
            "prometheus-alertmanager",
            "--occurred-at",
            "2026-02-05T10:30:00Z",
        ];
        let out = host.run::<Nobl9>("create_external_issue", &words).unwrap();
        assert_eq!(host.lines(), [line("POST", "/status-page/issues/external")]);
        let sent = &host.requests()[0];
        assert_eq!(
            sent.headers,
            [
                ("Organization".to_string(), "acme".to_string()),
                ("Authorization".to_string(), "Basic ***".to_string()),
                ("Content-Type".to_string(), "application/json".to_string()),
            ]
        );
        let basic = base64::engine::general_purpose::STANDARD.encode("cid:csecret");
        assert_eq!(sent.unmasked.headers[1].1, format!("Basic {basic}"));
        assert_eq!(sent.unmasked.secret_headers, ["Authorization"]);
        assert_eq!(
            sent.body.as_deref(),
            Some(
                r#"{"componentName":"API Service","occurredAt":"2026-02-05T10:30:00Z","comment":"Critical failure","requestedBy":"prometheus-alertmanager","statusChange":{"status":"majorOutage","propagateUp":true}}"#
            )
        );
        assert_eq!(sent.retry, standard_retry());
        assert_eq!(
            out.text.as_deref(),
            Some(concat!(
                "✅ Created 1 issue report(s)\n",
                "   - Issue ID: r1\n",
                "     Component: API Service (c1)\n",
                "\n✅ Triggered 1 status change(s)\n",
                "   - API Service: operational → majorOutage\n",
            ))
        );
        assert_eq!(out.data, answer());
    }

    #[test]
    fn bearer_with_only_a_token_and_the_default_requester() {
        let host = scripted().reply(ok(json!({"reports": []})));
        let out = host.run::<Nobl9>("create_external_issue", &["API Service"]).unwrap();
        assert_eq!(host.requests()[0].unmasked.headers[0].1, format!("Bearer {TOKEN}"));
        let body = host.requests()[0].json();
        assert_eq!(body["requestedBy"], "external-system");
        assert!(body.get("statusChange").is_none() && body.get("comment").is_none());
        assert_eq!(out.text.as_deref(), Some("✅ Created 0 issue report(s)\n"));
    }

    #[test]
    fn usage_errors_send_nothing() {
        let host = scripted();
        let cases: [(&[&str], &str); 4] = [
            (&["X", "--propagate"], "--propagate requires --status to be specified"),
            (&["X", "--status", "partialOutage"], "invalid status `partialOutage`"),
            (&[], "COMPONENT_NAME is required (unless using --list-components)"),
            (&["X", "--occurred-at", "soon"], "invalid --occurred-at `soon`"),
        ];
        for (words, message) in cases {
            let err = host.run::<Nobl9>("create_external_issue", words).unwrap_err();
            assert_eq!(err.kind, ErrorKind::Usage);
            assert!(err.message.starts_with(message), "{}", err.message);
        }
        assert!(host.requests().is_empty());
    }

    #[test]
    fn verify_reads_the_tree_first_and_refuses_an_unknown_name() {
        let host = scripted().reply(ok(sample_tree())).reply(ok(answer())).reply(ok(sample_tree()));
        let out = host.run::<Nobl9>("create_external_issue", &["API Service", "--verify"]).unwrap();
        assert!(out.text.unwrap().starts_with("✅ Component found\n✅ Created 1 issue report(s)\n"));
        let err = host.run::<Nobl9>("create_external_issue", &["api service", "--verify"]).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Usage);
        assert_eq!(
            err.message,
            "Component 'api service' not found (names are case-sensitive); use --list-components to see all components"
        );
        assert_eq!(
            host.lines(),
            [
                line("GET", "/status-page/components"),
                line("POST", "/status-page/issues/external"),
                line("GET", "/status-page/components"),
            ]
        );
    }

    #[test]
    fn a_failed_verification_warns_and_sends_anyway() {
        let host = scripted().reply(Reply::status(500, "oops")).reply(ok(json!({"reports": []})));
        host.run::<Nobl9>("create_external_issue", &["API Service", "--verify"]).unwrap();
        assert_eq!(host.requests().len(), 2);
        assert_eq!(
            host.warnings(),
            ["could not verify component 'API Service' (Server error: oops); sending anyway"]
        );
    }

    #[test]
    fn list_components_lists_and_sends_nothing_else() {
        let host = scripted().reply(ok(sample_tree()));
        let out = host.run::<Nobl9>("create_external_issue", &["--list-components"]).unwrap();
        assert_eq!(host.lines(), [line("GET", "/status-page/components")]);
        assert!(out.text.unwrap().starts_with("Found 5 component(s):\n\n1. Platform\n"));
    }

    #[test]
    fn retry_retries_everything_but_404() {
        let host = scripted().reply(ok(json!({"reports": []})));
        host.run::<Nobl9>("create_external_issue", &["X", "--retry"]).unwrap();
        let policy = &host.requests()[0].retry;
        assert_eq!(policy, &retry_everything_but_404());
        assert!(
            policy.statuses.contains(&400)
                && policy.statuses.contains(&500)
                && policy.statuses.contains(&503)
                && !policy.statuses.contains(&404)
                && !policy.statuses.contains(&429)
        );
        assert_eq!(policy.rate_limited_statuses, [429]);
        // The scripts' stacked loops: 3 attempts of a call that tries a 502/503 4 times.
        assert_eq!((policy.max_attempts, policy.backoff_base_ms, policy.backoff_cap_ms), (12, 1000, 32_000));
        assert!(policy.retry_non_idempotent);
    }

    #[test]
    fn retry_never_retries_less_than_the_standard_policy() {
        let host = scripted().reply(ok(json!({"reports": []})));
        host.run::<Nobl9>("create_external_issue", &["X", "--retry"]).unwrap();
        let sent = &host.requests()[0].retry;
        let standard = standard_retry();
        assert!(standard.statuses.iter().all(|s| sent.statuses.contains(s)), "{sent:?}");
        assert!(standard.rate_limited_statuses.iter().all(|s| sent.rate_limited_statuses.contains(s)));
        assert!(sent.max_attempts >= standard.max_attempts);
        assert!(sent.backoff_base_ms >= standard.backoff_base_ms);
        assert!(sent.backoff_cap_ms >= standard.backoff_cap_ms);
        assert!(sent.retry_non_idempotent || !standard.retry_non_idempotent);
    }

    #[test]
    fn no_matching_name_is_a_missing_resource_and_a_bare_404_with_a_status_change_a_missing_endpoint() {
        let host = scripted()
            .reply(Reply::status(404, r#"{"errors":[{"title":"no component named X"}]}"#))
            .reply(Reply::status(404, ""));
        let err = host.run::<Nobl9>("create_external_issue", &["X"]).unwrap_err();
        assert_eq!(err.message, "Resource not found: no component named X");
        let err = host.run::<Nobl9>("create_external_issue", &["X", "--status", "operational"]).unwrap_err();
        assert_eq!(
            err.message,
            "Resource not found: endpoint not available on this Nobl9 instance (POST /status-page/issues/external)"
        );
    }
}
