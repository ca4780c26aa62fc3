//! `statuspage:apply_incident` (capability `apply_incident/1`) against the Statuspage
//! emulator: owned, convergent, duplicate-proof. The sandbox counts notifying writes per
//! incident, so "notified once" is asserted on what the page did, not on what statusctl says.
//! A short settle delay (`--race-settle-ms`, hidden, for tests and serve) keeps the file fast.

use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use statusctl_sandbox::statuspage::{PAYMENTS_COMPONENT_ID, RateLimitMode, StatuspageOptions};
use statusctl_sandbox::{BackgroundSandbox, Fault, FaultAction, FaultMatch};

use crate::harness::*;
use crate::statuspage_parity::{
    API, INCIDENTS_PATH, WEB, all_incidents, api, sandbox_with, sp, stored, world,
};

const SETTLE_MS: &str = "100";

fn server() -> BackgroundSandbox {
    sandbox_with(StatuspageOptions { rate_limit: RateLimitMode::Off, ..StatuspageOptions::default() })
}

/// `statuspage:apply_incident --race-settle-ms 100 ARGS -f json`.
fn apply(w: &World, args: &[&str]) -> Run {
    let mut all = vec!["--race-settle-ms", SETTLE_MS];
    all.extend_from_slice(args);
    all.extend_from_slice(&["-f", "json"]);
    sp(w, "apply_incident", &all)
}

/// Runs apply and checks it exited 0 with `action`; returns the result.
#[track_caller]
fn applied(w: &World, args: &[&str], action: &str) -> Value {
    let run = apply(w, args);
    run.ok();
    let result = run.json();
    assert_eq!(result["action"], action, "{result}\n{}", run.stderr);
    result
}

fn first_id(result: &Value) -> String {
    result["incident_ids"][0].as_str().expect("an incident id").to_string()
}

/// The open (unresolved) incidents statusctl owns for `key`.
fn owned(server: &BackgroundSandbox, key: &str) -> Vec<Value> {
    all_incidents(server)
        .into_iter()
        .filter(|i| i.pointer("/metadata/statusctl/key").and_then(Value::as_str) == Some(key))
        .collect()
}

fn component(server: &BackgroundSandbox, id: &str) -> String {
    let (status, body) = api(server, "GET", &format!("/v1/pages/sandboxpage1/components/{id}"), None);
    assert_eq!(status, 200, "{body}");
    body["status"].as_str().unwrap().to_string()
}

fn writes(server: &BackgroundSandbox) -> u64 {
    server.control().counters().writes()
}

fn notifications(server: &BackgroundSandbox, id: &str) -> u64 {
    server.control().counters().notifications(id)
}

/// Every POST/PATCH to an incident recorded since the last clear follows the official request
/// schema (the document's copy is in sandbox/specs/).
#[track_caller]
fn bodies_follow_the_official_schema(server: &BackgroundSandbox) {
    let text = std::fs::read_to_string(repo_root().join("sandbox/specs/statuspage-openapi.json")).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let mut checked = 0;
    for request in server.control().requests() {
        let name = match (request.method.as_str(), request.path.trim_start_matches(INCIDENTS_PATH)) {
            ("POST", "") => "postPagesPageIdIncidents",
            ("PATCH", id) if id.starts_with('/') => "patchPagesPageIdIncidents",
            _ => continue,
        };
        let schema = json!({"$ref": format!("#/components/schemas/{name}"), "components": doc["components"]});
        let body: Value = serde_json::from_str(&request.body).unwrap();
        let validator = jsonschema::validator_for(&schema).unwrap();
        let errors: Vec<String> = validator.iter_errors(&body).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{} {}: {errors:?}\n{body}", request.method, request.path);
        checked += 1;
    }
    assert!(checked > 0, "no write to check");
}

fn marker(incident: &Value) -> Value {
    incident["metadata"]["statusctl"].clone()
}

#[test]
fn fire_repeat_change_and_resolve() {
    let server = server();
    let w = world(&server);
    let fire = ["--key", "k1", "--state", "firing", "-t", "API down", "--set", "API=partial_outage"];
    let mut first = fire.to_vec();
    first.extend_from_slice(&["-m", "Looking into it", "-i", "major"]);
    let created = applied(&w, &first, "created");
    let id = first_id(&created);
    assert_eq!(created["components"], json!({"API": "partial_outage"}));
    let incident = stored(&server, &id);
    let updates = incident["incident_updates"].as_array().unwrap();
    // Created silent, then announced once by an update carrying the message.
    assert_eq!(updates.len(), 2, "{incident}");
    assert_eq!(
        (updates[1]["deliver_notifications"].clone(), updates[0]["deliver_notifications"].clone()),
        (json!(false), json!(true))
    );
    assert_eq!(updates[0]["body"], "Looking into it");
    let m = marker(&incident);
    assert_eq!(
        (m["key"].clone(), m["components"].clone(), m["notified"].clone(), m["v"].clone()),
        (json!("k1"), json!(format!("{API}=partial_outage")), json!("yes"), json!("1"))
    );
    assert!(m["request_id"].as_str().is_some_and(|r| r.len() == 36), "{m}");
    assert_eq!(incident["impact"], "major");
    assert_eq!(component(&server, API), "partial_outage");
    assert_eq!(notifications(&server, &id), 1);

    // A repeat writes nothing, even with another message.
    server.control().clear_requests();
    let mut again = fire.to_vec();
    again.extend_from_slice(&["-m", "Still looking", "-i", "major"]);
    let same = applied(&w, &again, "unchanged");
    assert_eq!(first_id(&same), id);
    assert_eq!(writes(&server), 0);

    // A change of severity: one update, notifying.
    server.control().clear_requests();
    applied(&w, &["--key", "k1", "--state", "firing", "--set", "API=major_outage", "-m", "Worse"], "updated");
    assert_eq!(writes(&server), 1);
    assert_eq!(notifications(&server, &id), 1);
    assert_eq!(component(&server, API), "major_outage");
    assert_eq!(marker(&stored(&server, &id))["components"], format!("{API}=major_outage"));

    // Resolved: the incident resolves, its components are restored, in one write.
    server.control().clear_requests();
    let resolved = applied(&w, &["--key", "k1", "--state", "resolved", "-m", "Fixed"], "resolved");
    assert_eq!(resolved["components"], json!({"API": "operational"}));
    assert_eq!(writes(&server), 1);
    let incident = stored(&server, &id);
    assert_eq!(incident["status"], "resolved");
    assert_eq!(component(&server, API), "operational");
    assert_eq!(incident["incident_updates"][0]["deliver_notifications"], true);
    // Nothing open for the key: unchanged, nothing written.
    server.control().clear_requests();
    applied(&w, &["--key", "k1", "--state", "resolved"], "unchanged");
    assert_eq!(writes(&server), 0);
    // A create needs a title (usage error, nothing sent).
    apply(&w, &["--key", "k-none", "--state", "firing", "--set", "API=major_outage"]).code(2);
    assert_eq!(writes(&server), 0);
}

#[test]
fn a_persons_incident_is_never_touched_and_its_component_never_lowered() {
    let server = server();
    let w = world(&server);
    let body = json!({"incident": {"name": "Person", "components": {API: "major_outage"}}});
    let (status, person) = api(&server, "POST", INCIDENTS_PATH, Some(&body));
    assert_eq!(status, 201);
    let person_id = person["id"].as_str().unwrap().to_string();
    server.control().clear_requests();
    let fire = [
        "--key",
        "k2",
        "--state",
        "firing",
        "-t",
        "Slow",
        "--set",
        "API=degraded_performance",
        "--set",
        "Website=partial_outage",
    ];
    let created = applied(&w, &fire, "created");
    assert_eq!(created["components"], json!({"API": "major_outage", "Website": "partial_outage"}));
    assert!(created["reason"].as_str().unwrap().contains("held_by_other: API"), "{created}");
    assert_eq!(component(&server, API), "major_outage");
    // A repeat is unchanged although the key wants less than API shows.
    applied(&w, &fire, "unchanged");
    applied(&w, &["--key", "k2", "--state", "resolved"], "resolved");
    assert_eq!(
        (component(&server, API), component(&server, WEB)),
        ("major_outage".into(), "operational".into())
    );
    let counters = server.control().counters();
    assert_eq!(
        counters.incident(&person_id, "PATCH") + counters.incident(&person_id, "DELETE"),
        0,
        "{counters:?}"
    );
    let person_now = stored(&server, &person_id);
    assert_eq!(
        (person_now["status"].clone(), person_now["incident_updates"].as_array().unwrap().len()),
        (json!("investigating"), 1)
    );
    assert_eq!(person_now["metadata"], json!({}));
    bodies_follow_the_official_schema(&server);
}

#[test]
fn an_active_maintenance_holds_the_create_unless_posting_during_maintenance() {
    let server = server();
    let w = world(&server);
    let body = json!({"incident": {"name": "Payments upgrade", "status": "in_progress",
        "scheduled_for": "2020-01-01T00:00:00Z", "components": {PAYMENTS_COMPONENT_ID: "under_maintenance"}}});
    let (status, maintenance) = api(&server, "POST", INCIDENTS_PATH, Some(&body));
    assert_eq!(status, 201, "{maintenance}");
    let fire =
        ["--key", "k3", "--state", "firing", "-t", "Payments failing", "--set", "Payments=major_outage"];
    let held = applied(&w, &fire, "skipped");
    assert!(held["reason"].as_str().unwrap().contains("Payments under maintenance"), "{held}");
    assert!(owned(&server, "k3").is_empty());
    let mut post = fire.to_vec();
    post.extend_from_slice(&["--during-maintenance", "post"]);
    let created = applied(&w, &post, "created");
    assert_eq!(component(&server, PAYMENTS_COMPONENT_ID), "major_outage");
    // Resolving gives the component back to the maintenance.
    applied(&w, &["--key", "k3", "--state", "resolved"], "resolved");
    assert_eq!(component(&server, PAYMENTS_COMPONENT_ID), "under_maintenance");
    assert_eq!(stored(&server, &first_id(&created))["status"], "resolved");
}

#[test]
fn a_person_resolving_is_respected_until_the_key_resolves() {
    let server = server();
    let w = world(&server);
    let fire = ["--key", "k4", "--state", "firing", "-t", "API errors", "--set", "API=partial_outage"];
    let id = first_id(&applied(&w, &fire, "created"));
    let (status, _) = api(
        &server,
        "PATCH",
        &format!("{INCIDENTS_PATH}/{id}"),
        Some(&json!({"incident": {"status": "resolved", "components": {API: "operational"}}})),
    );
    assert_eq!(status, 200);
    server.control().clear_requests();
    let skipped = applied(&w, &fire, "skipped");
    assert!(skipped["reason"].as_str().unwrap().contains("resolved by a person"), "{skipped}");
    assert_eq!(writes(&server), 0);
    assert_eq!(all_incidents(&server).len(), 1);
    assert_eq!(component(&server, API), "operational");
    // The key resolves: its components are released (a metadata write, nobody notified).
    let released = applied(&w, &["--key", "k4", "--state", "resolved"], "resolved");
    assert!(released["reason"].as_str().unwrap().contains("resolved by a person"), "{released}");
    assert_eq!(notifications(&server, &id), 0);
    applied(&w, &["--key", "k4", "--state", "resolved"], "unchanged");
    // Firing again later reopens (within the window) rather than staying skipped.
    let reopened = applied(&w, &fire, "updated");
    assert_eq!(first_id(&reopened), id);
    assert_eq!(stored(&server, &id)["status"], "investigating");
}

#[test]
fn stale_firings_are_skipped_and_a_quick_refire_reopens() {
    let server = server();
    let w = world(&server);
    let fire = ["--key", "k5", "--state", "firing", "-t", "DB slow", "--set", "API=degraded_performance"];
    let id = first_id(&applied(&w, &fire, "created"));
    applied(&w, &["--key", "k5", "--state", "resolved"], "resolved");
    let mut stale = fire.to_vec();
    stale.extend_from_slice(&["--started-at", "2020-01-01T00:00:00Z"]);
    let skipped = applied(&w, &stale, "skipped");
    assert!(skipped["reason"].as_str().unwrap().starts_with("stale"), "{skipped}");
    assert_eq!(stored(&server, &id)["status"], "resolved");
    // Firing again within --reopen-within: the same incident, one notifying update.
    server.control().clear_requests();
    let reopened = applied(&w, &fire, "updated");
    assert_eq!(first_id(&reopened), id);
    // Clearing the log zeroed the counters: this write alone.
    assert_eq!(writes(&server), 1);
    assert_eq!(notifications(&server, &id), 1);
    assert_eq!(
        (stored(&server, &id)["status"].clone(), component(&server, API)),
        (json!("investigating"), "degraded_performance".into())
    );
    // Past the window a new incident is created.
    applied(&w, &["--key", "k5", "--state", "resolved"], "resolved");
    let mut late = fire.to_vec();
    late.extend_from_slice(&["--reopen-within", "0"]);
    std::thread::sleep(Duration::from_millis(1100));
    let created = applied(&w, &late, "created");
    assert_ne!(first_id(&created), id);
}

#[test]
fn release_drops_ownership_and_owned_lists_what_statusctl_owns() {
    let server = server();
    let w = world(&server);
    let a = first_id(&applied(
        &w,
        &["--key", "k6", "--state", "firing", "-t", "A", "--set", "API=partial_outage"],
        "created",
    ));
    let b = first_id(&applied(&w, &["--key", "k7", "--state", "firing", "-t", "B"], "created"));
    api(&server, "POST", INCIDENTS_PATH, Some(&json!({"incident": {"name": "Person"}})));
    let all = sp(&w, "list_incidents", &["--owned", "-f", "json"]);
    all.ok();
    let ids: Vec<String> =
        all.json().as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_string()).collect();
    assert_eq!(ids, [b.clone(), a.clone()]);
    let one = sp(&w, "list_incidents", &["--owned", "--key", "k6", "-f", "json"]);
    one.ok();
    assert_eq!(one.json().as_array().unwrap().len(), 1);
    sp(&w, "list_incidents", &["--owned", "--key", "k6"])
        .ok()
        .stdout_has("KEY")
        .stdout_has("k6")
        .stdout_lacks("k7");
    sp(&w, "list_incidents", &["--key", "k6"]).code(2);

    server.control().clear_requests();
    let released = applied(&w, &["--key", "k6", "--state", "firing", "--release"], "released");
    assert_eq!(first_id(&released), a);
    assert_eq!(writes(&server), 1);
    let incident = stored(&server, &a);
    assert_eq!(incident["metadata"], json!({}));
    assert_eq!(
        (incident["status"].clone(), component(&server, API)),
        (json!("investigating"), "partial_outage".into())
    );
    // No longer owned: a resolve leaves it alone.
    applied(&w, &["--key", "k6", "--state", "resolved"], "unchanged");
    assert_eq!(stored(&server, &a)["status"], "investigating");
    applied(&w, &["--key", "k6", "--state", "firing", "--release"], "unchanged");
    bodies_follow_the_official_schema(&server);
}

#[test]
fn two_racing_processes_end_with_one_incident_notified_once() {
    let server = server();
    let w = world(&server);
    for round in 0..5 {
        let key = format!("race-{round}");
        let args = [
            "statuspage:apply_incident",
            "-tk",
            statusctl_sandbox::statuspage::DEMO_TOKEN,
            "-p",
            "sandboxpage1",
            "--race-settle-ms",
            "300",
            "--key",
            &key,
            "--state",
            "firing",
            "-t",
            "Race",
            "--set",
            "Website=major_outage",
            "-m",
            "Racing",
            "-f",
            "json",
        ];
        let children: Vec<_> = (0..2)
            .map(|_| w.command(&args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap())
            .collect();
        let outputs: Vec<_> = children.into_iter().map(|c| c.wait_with_output().unwrap()).collect();
        let mut actions = Vec::new();
        for out in &outputs {
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            let result: Value = serde_json::from_slice(&out.stdout).unwrap();
            actions.push(result["action"].as_str().unwrap().to_string());
        }
        let open = owned(&server, &key);
        assert_eq!(open.len(), 1, "round {round}: {actions:?}");
        let id = open[0]["id"].as_str().unwrap();
        assert_eq!(marker(&open[0])["notified"], "yes");
        let counters = server.control().counters();
        assert_eq!(counters.notifications(id), 1, "round {round}: {actions:?}");
        assert!(actions.contains(&"created".to_string()), "round {round}: {actions:?}");
    }
    // Every notification of the file went to a kept incident: 5 in all.
    assert_eq!(server.control().counters().notifications_total(), 5);
}

#[test]
fn an_unannounced_copy_is_repaired_and_extra_copies_deleted() {
    let server = server();
    let w = world(&server);
    let silent = |request_id: &str| {
        let body = json!({"incident": {"name": "Left silent", "deliver_notifications": false,
            "components": {API: "major_outage"},
            "metadata": {"statusctl": {"key": "k8", "request_id": request_id,
                "components": format!("{API}=major_outage"), "notified": "no", "v": "1"}}}});
        let (status, created) = api(&server, "POST", INCIDENTS_PATH, Some(&body));
        assert_eq!(status, 201, "{created}");
        created["id"].as_str().unwrap().to_string()
    };
    let oldest = silent("r1");
    std::thread::sleep(Duration::from_millis(20));
    let younger = silent("r2");
    // Within the settle window the copies belong to a run still creating: left alone.
    server.control().clear_requests();
    let fire = ["--key", "k8", "--state", "firing", "-t", "Left silent", "--set", "API=major_outage"];
    let waiting = applied(&w, &fire, "unchanged");
    assert!(waiting["reason"].as_str().unwrap().contains("deleted never-announced copies"), "{waiting}");
    assert_eq!(api(&server, "GET", &format!("{INCIDENTS_PATH}/{younger}"), None).0, 404);
    assert_eq!(notifications(&server, &oldest), 0);
    // Past it: announced once.
    std::thread::sleep(Duration::from_millis(1200));
    let repaired = applied(&w, &fire, "updated");
    assert!(repaired["reason"].as_str().unwrap().contains("never announced"), "{repaired}");
    assert_eq!(first_id(&repaired), oldest);
    assert_eq!(notifications(&server, &oldest), 1);
    assert_eq!(marker(&stored(&server, &oldest))["notified"], "yes");
    applied(&w, &fire, "unchanged");
    assert_eq!(notifications(&server, &oldest), 1);
}

#[test]
fn a_page_that_drops_metadata_stops_with_exit_4_and_a_dry_run_sends_no_change() {
    let server = server();
    let w = world(&server);
    let fire = ["--key", "k9", "--state", "firing", "-t", "No metadata", "--set", "API=major_outage"];
    apply(&w, &["--dry-run"].iter().chain(&fire).copied().collect::<Vec<_>>()).ok().stdout_has("POST");
    assert!(all_incidents(&server).is_empty());
    // A create answered without the marker: the copy is deleted, exit 4.
    let answer = json!({"id": "nometa000001", "name": "No metadata", "status": "investigating",
        "created_at": "2030-01-01T00:00:00.000Z", "metadata": {}, "components": []});
    server.control().add_fault(Fault::new(
        FaultMatch::any().method("POST").path(INCIDENTS_PATH),
        FaultAction::status(201).with_body(&answer.to_string()),
    ));
    apply(&w, &fire).code(4).stderr_has("this page does not keep metadata");
    let deletes = server.control().counters().incident("nometa000001", "DELETE");
    assert_eq!(deletes, 1);
}
