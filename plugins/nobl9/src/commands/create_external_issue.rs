use statusctl_plugin_api::{ArgDecl, Call, CommandDecl, Error, Output, RetryPolicy};

use crate::client::standard_retry;
use crate::external_issue::{self, ExternalIssue};
use crate::token::TokenCache;
use crate::{common, components, config, status, times};

pub fn declare() -> CommandDecl {
    CommandDecl::new("create_external_issue", "Report an issue from a monitoring system, by component name")
        .long_about(
            "POST /status-page/issues/external: one report per component whose name matches exactly \
             (case-sensitive), optionally with a status change. Sent with Basic client id/secret auth when \
             both are known (as the scripts), else with the Bearer token.",
        )
        .mutating()
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

pub fn run(call: &Call<'_>, tokens: &TokenCache) -> Result<Output, Error> {
    let status_change = match call.args.str("status") {
        Some(s) => Some((status::parse(s)?, call.args.flag("propagate"))),
        None if call.args.flag("propagate") => {
            return Err(Error::usage("--propagate requires --status to be specified"));
        }
        None => None,
    };
    let name = config::arg(call, "component_name");
    let listing = call.args.flag("list_components");
    if name.is_none() && !listing {
        return Err(Error::usage("COMPONENT_NAME is required (unless using --list-components)"));
    }
    let occurred_at = match call.args.str("occurred_at") {
        Some(text) => times::checked("--occurred-at", text)?,
        None => times::now(),
    };
    let client = common::connect(call, tokens)?;
    if listing {
        return Ok(components::numbered_list(&components::tree(&client)?));
    }
    let name = name.unwrap_or_default();
    let mut text = String::new();
    if call.args.flag("verify") {
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
        comment: call.args.str("comment").filter(|c| !c.is_empty()).map(str::to_string),
        requested_by: config::arg(call, "requested_by"),
        status_change,
    };
    let retry = if call.args.flag("retry") { retry_everything_but_404() } else { standard_retry() };
    let result = external_issue::send(&client, &issue, retry)?;
    text.push_str(&external_issue::summary(&result));
    Ok(Output::data(result).with_text(text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::sample_tree;
    use crate::fake_host::{FakeHost, api, reply, run};
    use base64::Engine;
    use statusctl_plugin_api::ErrorKind;
    use statusctl_plugin_api::serde_json::{Value, json};

    fn answer() -> Value {
        json!({
            "reports": [{"id": "r1", "componentId": "c1", "componentName": "API Service"}],
            "statusChanges": [{"componentName": "API Service", "previousStatus": "operational", "newStatus": "majorOutage"}]
        })
    }

    fn with_client_credentials() -> FakeHost {
        FakeHost::new()
            .env("NOBL9_CLIENT_ID", "cid")
            .env("NOBL9_CLIENT_SECRET", "csecret")
            .env("NOBL9_ORG", "acme")
            .env("NOBL9_BASE_URL", "http://n9")
    }

    #[test]
    fn basic_auth_with_client_credentials_and_no_token_exchange() {
        let fake = with_client_credentials().reply(reply(200, &answer().to_string()));
        let args = json!({"component_name": "API Service", "comment": "Critical failure", "status": "major_outage",
            "propagate": true, "requested_by": "prometheus-alertmanager", "occurred_at": "2026-02-05T10:30:00Z"});
        let out = run(&fake, "create_external_issue", args).unwrap();
        assert_eq!(fake.calls(), [format!("POST {}", api("/status-page/issues/external"))]);
        let basic = base64::engine::general_purpose::STANDARD.encode("cid:csecret");
        assert_eq!(
            fake.requests()[0].headers,
            [
                ("Organization".to_string(), "acme".to_string()),
                ("Authorization".to_string(), format!("Basic {basic}")),
                ("Content-Type".to_string(), "application/json".to_string()),
            ]
        );
        assert_eq!(fake.requests()[0].secret_headers, ["Authorization"]);
        assert_eq!(
            fake.requests()[0].body.as_deref(),
            Some(
                r#"{"componentName":"API Service","occurredAt":"2026-02-05T10:30:00Z","comment":"Critical failure","requestedBy":"prometheus-alertmanager","statusChange":{"status":"majorOutage","propagateUp":true}}"#
            )
        );
        assert_eq!(fake.requests()[0].retry, standard_retry());
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
        let fake = FakeHost::scripted().reply(reply(200, r#"{"reports": []}"#));
        let out = run(&fake, "create_external_issue", json!({"component_name": "API Service"})).unwrap();
        assert_eq!(fake.header(0, "Authorization").as_deref(), Some("Bearer tok"));
        let body = fake.body(0);
        assert_eq!(body["requestedBy"], "external-system");
        assert!(body.get("statusChange").is_none() && body.get("comment").is_none());
        assert_eq!(out.text.as_deref(), Some("✅ Created 0 issue report(s)\n"));
    }

    #[test]
    fn usage_errors_send_nothing() {
        let fake = FakeHost::scripted();
        let cases = [
            (
                json!({"component_name": "X", "propagate": true}),
                "--propagate requires --status to be specified",
            ),
            (json!({"component_name": "X", "status": "partialOutage"}), "invalid status `partialOutage`"),
            (json!({}), "COMPONENT_NAME is required (unless using --list-components)"),
            (json!({"component_name": "X", "occurred_at": "soon"}), "invalid --occurred-at `soon`"),
        ];
        for (args, message) in cases {
            let err = run(&fake, "create_external_issue", args).unwrap_err();
            assert_eq!(err.kind, ErrorKind::Usage);
            assert!(err.message.starts_with(message), "{}", err.message);
        }
        assert!(fake.requests().is_empty());
    }

    #[test]
    fn verify_reads_the_tree_first_and_refuses_an_unknown_name() {
        let fake = FakeHost::scripted()
            .reply(reply(200, &sample_tree().to_string()))
            .reply(reply(200, &answer().to_string()))
            .reply(reply(200, &sample_tree().to_string()));
        let out =
            run(&fake, "create_external_issue", json!({"component_name": "API Service", "verify": true}))
                .unwrap();
        assert!(out.text.unwrap().starts_with("✅ Component found\n✅ Created 1 issue report(s)\n"));
        let err =
            run(&fake, "create_external_issue", json!({"component_name": "api service", "verify": true}))
                .unwrap_err();
        assert_eq!(err.kind, ErrorKind::Usage);
        assert_eq!(
            err.message,
            "Component 'api service' not found (names are case-sensitive); use --list-components to see all components"
        );
        assert_eq!(
            fake.calls(),
            [
                format!("GET {}", api("/status-page/components")),
                format!("POST {}", api("/status-page/issues/external")),
                format!("GET {}", api("/status-page/components")),
            ]
        );
    }

    #[test]
    fn a_failed_verification_warns_and_sends_anyway() {
        let fake = FakeHost::scripted().reply(reply(500, "oops")).reply(reply(200, r#"{"reports": []}"#));
        run(&fake, "create_external_issue", json!({"component_name": "API Service", "verify": true}))
            .unwrap();
        assert_eq!(fake.requests().len(), 2);
        assert_eq!(
            fake.warnings(),
            ["could not verify component 'API Service' (Server error: oops); sending anyway"]
        );
    }

    #[test]
    fn list_components_lists_and_sends_nothing_else() {
        let fake = FakeHost::scripted().reply(reply(200, &sample_tree().to_string()));
        let out = run(&fake, "create_external_issue", json!({"list_components": true})).unwrap();
        assert_eq!(fake.calls(), [format!("GET {}", api("/status-page/components"))]);
        assert!(out.text.unwrap().starts_with("Found 5 component(s):\n\n1. Platform\n"));
    }

    #[test]
    fn retry_retries_everything_but_404() {
        let fake = FakeHost::scripted().reply(reply(200, r#"{"reports": []}"#));
        run(&fake, "create_external_issue", json!({"component_name": "X", "retry": true})).unwrap();
        let policy = &fake.requests()[0].retry;
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
        let fake = FakeHost::scripted().reply(reply(200, r#"{"reports": []}"#));
        run(&fake, "create_external_issue", json!({"component_name": "X", "retry": true})).unwrap();
        let sent = &fake.requests()[0].retry;
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
        let fake = FakeHost::scripted()
            .reply(reply(404, r#"{"errors":[{"title":"no component named X"}]}"#))
            .reply(reply(404, ""));
        let err = run(&fake, "create_external_issue", json!({"component_name": "X"})).unwrap_err();
        assert_eq!(err.message, "Resource not found: no component named X");
        let err =
            run(&fake, "create_external_issue", json!({"component_name": "X", "status": "operational"}))
                .unwrap_err();
        assert_eq!(
            err.message,
            "Resource not found: endpoint not available on this Nobl9 instance (POST /status-page/issues/external)"
        );
    }
}
