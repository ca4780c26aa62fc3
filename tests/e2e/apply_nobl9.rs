//! `nobl9:apply_incident` (issue 9) against the sandbox's Nobl9 emulator: ownership per
//! (component, key) kept as a marker ending each change's comment; repeats cost nothing; a
//! second key never lowers a component; resolving steps down to the other keys' worst status,
//! then operational; a component a person changed last is never touched; unknown statuses,
//! `--no-notify` and `--dry-run`.

use serde_json::{Value, json};
use statusctl_sandbox::nobl9::Nobl9Options;

use crate::harness::*;
use crate::nobl9_commands::{
    API_US, DATABASE, fails, history, incidents, n9, own_status, requests, sandbox, sandbox_with, set_status,
    world,
};

/// The first 16 hex digits of sha256("deploy-42").
const DEPLOY: &str = "8f3e39850c0f5251";

/// `statusctl -f json nobl9:apply-incident ARGS…`: the result, after checking exit 0.
#[track_caller]
fn apply(w: &World, args: &[&str]) -> Value {
    let mut argv = vec!["-f", "json"];
    argv.extend_from_slice(args);
    n9(w, "apply-incident", &argv).ok().json()
}

/// The status-page writes statusctl made since the requests were last cleared.
fn writes(server: &statusctl_sandbox::BackgroundSandbox) -> Vec<Value> {
    requests(server).into_iter().filter(|r| r.call.starts_with("POST /components/")).map(|r| r.body).collect()
}

#[test]
fn fire_repeat_a_second_key_then_each_resolves() {
    let server = sandbox();
    let w = world(&server);
    let fire =
        ["--key", "deploy-42", "--state", "firing", "-t", "Deploy failing", "--set", "API US=partial_outage"];
    let out = apply(&w, &fire);
    assert_eq!(out["action"], "created");
    assert_eq!(out["components"], json!({"API US": "majorOutage"}));
    assert_eq!(out["incident_ids"].as_array().unwrap().len(), 1);
    let marker = format!("Deploy failing [statusctl key={DEPLOY} state=firing status=majorOutage]");
    assert_eq!(writes(&server), [json!({"status": "majorOutage", "propagateUp": false, "comment": marker})]);
    assert_eq!(own_status(&server, API_US), "majorOutage");
    assert_eq!(incidents(&server, Some(true)).len(), 1);

    // A repeat reads and writes nothing.
    server.control().clear_requests();
    let run = n9(&w, "apply-incident", &fire);
    run.ok().stdout_is("unchanged key deploy-42 (API US=majorOutage)\n");
    assert!(writes(&server).is_empty());
    assert_eq!(history(&server, API_US).len(), 1);

    // A second key at a lower severity is recorded, the component not lowered.
    server.control().clear_requests();
    let canary = ["--key", "canary-7", "--state", "firing", "-c", "API US", "-cs", "degraded_performance"];
    let out = apply(&w, &canary);
    assert_eq!((&out["action"], &out["components"]), (&json!("updated"), &json!({"API US": "majorOutage"})));
    let sent = writes(&server);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["status"], "majorOutage");
    assert!(sent[0]["comment"].as_str().unwrap().ends_with("state=firing status=degradedPerformance]"));
    assert_eq!(own_status(&server, API_US), "majorOutage");
    // Its repeat costs nothing either.
    server.control().clear_requests();
    assert_eq!(apply(&w, &canary)["action"], "unchanged");
    assert!(writes(&server).is_empty());

    // The first key resolves: down to the second key's status.
    server.control().clear_requests();
    let out = apply(&w, &["--key", "deploy-42", "--state", "resolved", "-m", "rolled back"]);
    assert_eq!(
        (&out["action"], &out["components"]),
        (&json!("resolved"), &json!({"API US": "degradedPerformance"}))
    );
    let resolved = format!("rolled back [statusctl key={DEPLOY} state=resolved status=degradedPerformance]");
    assert_eq!(
        writes(&server),
        [json!({"status": "degradedPerformance", "propagateUp": false, "comment": resolved})]
    );
    assert_eq!(own_status(&server, API_US), "degradedPerformance");
    assert_eq!(incidents(&server, Some(true)).len(), 1, "the incident stays");
    // Again: nothing of this key is left.
    server.control().clear_requests();
    let out = apply(&w, &["--key", "deploy-42", "--state", "resolved"]);
    assert_eq!((&out["action"], &out["components"]), (&json!("unchanged"), &json!({})));
    assert!(writes(&server).is_empty());

    // The last key resolves: operational, the incident ends.
    let out =
        apply(&w, &["--key", "canary-7", "--state", "resolved", "--set", "API US=degraded_performance"]);
    assert_eq!((&out["action"], &out["components"]), (&json!("resolved"), &json!({"API US": "operational"})));
    assert_eq!(own_status(&server, API_US), "operational");
    assert!(incidents(&server, Some(true)).is_empty());
    // Firing again after that: a new outage.
    assert_eq!(apply(&w, &fire)["action"], "created");
}

#[test]
fn a_persons_change_holds_the_component_and_odd_input_writes_nothing() {
    let server = sandbox();
    let w = world(&server);
    let fire = ["--key", "deploy-42", "--state", "firing", "--set", "Database=major_outage"];
    assert_eq!(apply(&w, &fire)["action"], "created");
    // A person takes the component over: no marker on the newest change.
    set_status(&server, DATABASE, "degradedPerformance", Some("we are on it"), false);
    server.control().clear_requests();
    for args in [&["--key", "deploy-42", "--state", "resolved"][..], &fire[..]] {
        let out = apply(&w, args);
        assert_eq!(out["action"], "skipped", "{args:?}");
        assert_eq!(out["reason"], "held by a person");
        assert_eq!(out["components"], json!({"Database": "degradedPerformance"}));
    }
    assert!(writes(&server).is_empty());
    assert_eq!(own_status(&server, DATABASE), "degradedPerformance");

    // An unknown status: skipped, nothing written.
    let out = apply(&w, &["--key", "k9", "--state", "firing", "--set", "API US=under_maintenance"]);
    assert_eq!(out["action"], "skipped");
    assert!(out["reason"].as_str().unwrap().starts_with("unknown status `under_maintenance` for API US"));
    // --no-notify is reported, not refused.
    let out = apply(&w, &["--key", "k9", "--state", "firing", "--set", "API US=major_outage", "--no-notify"]);
    assert_eq!(out["action"], "created");
    assert_eq!(out["reason"], "--no-notify is not supported by Nobl9 (it notifies no subscribers); ignored");
    assert_eq!(writes(&server).len(), 1);

    // A dry run reads, writes nothing and shows the plan.
    server.control().clear_requests();
    let run = w.run(&["--dry-run", "nobl9:apply-incident", "--key", "k9", "--state", "resolved"]);
    run.ok()
        .stdout_has("dry run: nothing was sent")
        .stdout_has(&format!("/components/{API_US}/change-status"));
    assert!(writes(&server).is_empty());
    assert!(requests(&server).iter().any(|r| r.call.ends_with("/status-changes")));
    assert_eq!(own_status(&server, API_US), "majorOutage");

    // --release hands the component over to people with one change keeping its status.
    server.control().clear_requests();
    let out = apply(&w, &["--key", "k9", "--state", "firing", "--release"]);
    assert_eq!((&out["action"], &out["components"]), (&json!("released"), &json!({"API US": "majorOutage"})));
    assert_eq!(writes(&server).len(), 1);
    assert!(history(&server, API_US)[0]["comment"].as_str().unwrap().starts_with("[statusctl released key="));
    assert_eq!(apply(&w, &["--key", "k9", "--state", "firing", "--release"])["action"], "released");
    assert_eq!(apply(&w, &["--key", "k9", "--state", "resolved"])["reason"], "held by a person");
    assert_eq!(writes(&server).len(), 1);
    assert_eq!(own_status(&server, API_US), "majorOutage");
}

#[test]
fn without_the_history_endpoint_the_instance_is_named() {
    let server =
        sandbox_with(Nobl9Options { v1_endpoints: false, token_rate_limit: false, ..Default::default() });
    let w = world(&server);
    let run =
        n9(&w, "apply-incident", &["--key", "k", "--state", "firing", "--set", "Database=major_outage"]);
    fails(
        &run,
        1,
        &format!(
            "Resource not found: endpoint not available on this Nobl9 instance (GET /status-page/components/{DATABASE}/status-changes)"
        ),
    );
}
