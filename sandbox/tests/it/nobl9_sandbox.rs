//! Nobl9 emulator within the sandbox: instances without the v1.0
//! endpoints, unrouted paths, reset, persistence and injected faults.

use serde_json::{Value, json};
use statusctl_sandbox::nobl9::{
    API_EU_COMPONENT_ID, DATABASE_COMPONENT_ID, DEMO_API_TOKEN, DEMO_ORG, Nobl9Options,
};
use statusctl_sandbox::statuspage::{RateLimitMode, StatuspageOptions};
use statusctl_sandbox::{Fault, FaultAction, FaultMatch, SandboxBuilder};

use crate::nobl9_support::{API, Nobl9, answer, error_body, is_trace_id, options};
use crate::support::assert_connection_closed;

const BARE_404: &str = "404 page not found\n";

fn assert_bare_404(answer: &crate::nobl9_support::Answer, what: &str) {
    assert_eq!(answer.status, 404, "{what}");
    assert_eq!(answer.body, json!(BARE_404), "{what}");
    assert_eq!(answer.content_type.as_deref(), Some("text/plain; charset=utf-8"), "{what}");
    assert!(is_trace_id(answer.trace_id.as_deref()), "{what}");
}

#[tokio::test]
async fn without_v1_endpoints_they_answer_a_bare_404_like_newer_instances() {
    let api = Nobl9::with(Nobl9Options { v1_endpoints: false, ..options() }).await;
    let change = json!({"status": "majorOutage", "propagateUp": false});
    assert_bare_404(
        &api.post(&format!("/components/{API_EU_COMPONENT_ID}/change-status"), change.clone()).await,
        "F",
    );
    assert_bare_404(&api.get(&format!("/components/{API_EU_COMPONENT_ID}/status-changes")).await, "G");
    assert_bare_404(&api.get("/incidents").await, "H");
    assert_bare_404(&api.get("/incidents?ongoing=true").await, "H ongoing");
    // Unrouted means no authentication either.
    assert_bare_404(&answer(api.raw("GET", &format!("{API}/incidents"))).await, "H anonymous");
    let with_change = api
        .post(
            "/issues/external",
            json!({"componentName": "Cache", "occurredAt": api.clock_plus(0), "statusChange": {"status": "majorOutage"}}),
        )
        .await;
    assert_bare_404(&with_change, "C with statusChange");

    // The rest is served.
    let plain = api
        .post("/issues/external", json!({"componentName": "Cache", "occurredAt": api.clock_plus(0)}))
        .await;
    assert_eq!(plain.status, 200);
    assert!(plain.body.get("statusChanges").is_none());
    for rest in ["/components", "/status", "/issues", "/issues/summary", "/disruptions"] {
        assert_eq!(api.get(rest).await.status, 200, "{rest}");
    }
    assert_eq!(api.get("/issues").await.body["total"], 2);
    assert_eq!(api.get("/components").await.body["components"][0]["status"], "operational");
}

#[tokio::test]
async fn unknown_paths_get_a_bare_404_and_unknown_ids_a_nobl9_one() {
    let api = Nobl9::start().await;
    for path in [
        format!("{API}/nothing"),
        format!("{API}/components/{API_EU_COMPONENT_ID}"),
        format!("{API}/status/"),
        "/api/dashboards/v2/status-page/status".to_owned(),
        "/api/accessToken/extra".to_owned(),
        "/oauth2/x/v1/authorize".to_owned(),
    ] {
        let answer = answer(
            api.raw("GET", &path)
                .header("Authorization", format!("Bearer {DEMO_API_TOKEN}"))
                .header("Organization", DEMO_ORG),
        )
        .await;
        assert_bare_404(&answer, &path);
    }
    let unknown = api.get("/components/no-such-id/status-changes").await;
    assert_eq!(
        (unknown.status, &unknown.body),
        (404, &error_body("Not Found", "not_found", "Component no-such-id not found."))
    );
    assert_eq!(unknown.content_type.as_deref(), Some("application/json"));
    let wrong_method = answer(api.request("DELETE", "/components")).await;
    assert_eq!((wrong_method.status, &wrong_method.body), (405, &json!("Method Not Allowed\n")));
    // Outside the emulator's prefixes the sandbox answers.
    let outside = answer(api.raw("GET", "/elsewhere")).await;
    assert_eq!((outside.status, &outside.body), (404, &json!({"error": "not found"})));
}

async fn make_changes(api: &Nobl9) {
    api.change_status(API_EU_COMPONENT_ID, "majorOutage", true, "EU down").await;
    api.create_issue(DATABASE_COMPONENT_ID, &api.clock_plus(0)).await;
}

#[tokio::test]
async fn reset_brings_back_the_seed() {
    let api = Nobl9::start().await;
    let seeded = api.get("/status").await.body;
    make_changes(&api).await;
    assert_ne!(api.get("/status").await.body, seeded);

    let response = crate::support::client()
        .post(format!("{}/_sandbox/reset", api.sandbox.base_url()))
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), 204);
    assert_eq!(api.get("/status").await.body, seeded);
    assert_eq!(api.get("/issues").await.body["total"], 0);
    assert_eq!(api.incidents("").await, json!({"days": []}));
    assert_eq!(api.get("/disruptions").await.body["total"], 0);
    assert_eq!(
        api.get(&format!("/components/{API_EU_COMPONENT_ID}/status-changes")).await.body["history"],
        json!([])
    );
}

#[tokio::test]
async fn state_survives_a_restart() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("nobl9.json");
    let with_file = || Nobl9Options { state_file: Some(file.clone()), ..options() };

    let api = Nobl9::with(with_file()).await;
    assert_eq!(api.get("/status").await.status, 200);
    assert!(!file.exists(), "nothing is written before a change");
    make_changes(&api).await;
    api.advance(7200);
    api.change_status(DATABASE_COMPONENT_ID, "degradedPerformance", false, "later").await;
    let before: Vec<Value> = durable_view(&api).await;
    api.sandbox.shutdown().await;

    let again = Nobl9::with(with_file()).await;
    assert!(again.control().clock().offset() >= std::time::Duration::from_secs(7190));
    assert_eq!(durable_view(&again).await, before);
    let saved: Value = serde_json::from_slice(&std::fs::read(&file).expect("file")).expect("JSON");
    assert_eq!(saved["format"], "statusctl-sandbox-state/1");
    assert_eq!(saved["providers"]["nobl9"]["organizations"][0]["name"], DEMO_ORG);

    // A reset saves the seed.
    again.control().reset();
    drop(again);
    let third = Nobl9::with(with_file()).await;
    assert_eq!(third.get("/issues").await.body["total"], 0);
    assert_eq!(third.incidents("").await, json!({"days": []}));
}

/// What a restart must keep (read at a fixed clock, so durations match).
async fn durable_view(api: &Nobl9) -> Vec<Value> {
    let mut bodies = Vec::new();
    for rest in [
        "/components".to_owned(),
        "/issues".to_owned(),
        "/disruptions".to_owned(),
        format!("/components/{API_EU_COMPONENT_ID}/status-changes"),
        format!("/components/{DATABASE_COMPONENT_ID}/status-changes"),
    ] {
        let answer = api.get(&rest).await;
        assert_eq!(answer.status, 200, "{rest}");
        bodies.push(answer.body);
    }
    let incidents = api.incidents("").await;
    // Durations of ongoing incidents move with the clock: compare the rest.
    let mut stable = incidents.clone();
    for day in stable["days"].as_array_mut().expect("days") {
        for incident in day["incidents"].as_array_mut().expect("incidents") {
            if incident["status"] == "ongoing" {
                incident.as_object_mut().expect("object").remove("duration");
            }
        }
    }
    bodies.push(stable);
    bodies
}

#[tokio::test]
async fn the_builder_state_file_holds_both_emulators() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("sandbox-state.json");
    let builder = || {
        SandboxBuilder::new()
            .statuspage(StatuspageOptions { rate_limit: RateLimitMode::Off, ..Default::default() })
            .nobl9(options())
            .state_file(&file)
    };
    let api = Nobl9::from_builder(builder()).await;
    make_changes(&api).await;
    // The Statuspage emulator keeps its routes next to these.
    let pages = answer(
        api.raw("GET", "/v1/pages")
            .header("Authorization", format!("OAuth {}", statusctl_sandbox::statuspage::DEMO_TOKEN)),
    )
    .await;
    assert_eq!(pages.status, 200);
    drop(api);

    let again = Nobl9::from_builder(builder()).await;
    assert_eq!(again.get("/issues").await.body["total"], 1);
    let saved: Value = serde_json::from_slice(&std::fs::read(&file).expect("file")).expect("JSON");
    assert!(saved["providers"]["nobl9"]["organizations"].is_array());
}

#[tokio::test]
async fn faults_of_the_generic_layer_apply_to_nobl9_routes() {
    let api = Nobl9::start().await;
    let control = api.control();
    control.add_fault(
        Fault::new(
            FaultMatch::any().method("POST").path("/api/accessToken"),
            FaultAction::status(503).with_retry_after("1"),
        )
        .times(2),
    );
    for _ in 0..2 {
        let refused = api
            .access_token_for(
                statusctl_sandbox::nobl9::DEMO_CLIENT_ID,
                statusctl_sandbox::nobl9::DEMO_CLIENT_SECRET,
                DEMO_ORG,
            )
            .await;
        assert_eq!((refused.status, refused.retry_after.as_deref()), (503, Some("1")));
        assert_eq!(refused.body, json!({"error": "injected fault"}));
    }
    api.access_token().await;

    let change_path = format!("{API}/components/{API_EU_COMPONENT_ID}/change-status");
    let change = json!({"status": "majorOutage", "propagateUp": false, "comment": "lost"});
    let send_change = || {
        api.request("POST", &format!("/components/{API_EU_COMPONENT_ID}/change-status"))
            .header("Content-Type", "application/json")
            .body(change.to_string())
            .send()
    };
    control.add_fault(Fault::new(
        FaultMatch::any().method("POST").path(&change_path),
        FaultAction::drop_before(),
    ));
    assert_connection_closed(&send_change().await.expect_err("dropped before"));
    let history = format!("/components/{API_EU_COMPONENT_ID}/status-changes");
    assert_eq!(api.get(&history).await.body["history"], json!([]));

    control.add_fault(Fault::new(
        FaultMatch::any().method("POST").path(&format!("{API}/*")),
        FaultAction::drop_after(),
    ));
    assert_connection_closed(&send_change().await.expect_err("dropped after"));
    let applied = api.get(&history).await.body;
    assert_eq!(applied["history"].as_array().map(Vec::len), Some(1));
    assert_eq!(applied["history"][0]["comment"], "lost");

    let recorded = control.requests_matching(&FaultMatch::any().path(&change_path));
    let faults: Vec<Option<&str>> = recorded.iter().map(|request| request.fault.as_deref()).collect();
    assert_eq!(faults, [Some("drop before"), Some("drop after")]);
    assert_eq!(recorded[0].header("organization"), Some(DEMO_ORG));
    assert_eq!(recorded[0].body, change.to_string());
}
