//! Statuspage emulator within the sandbox: persistence, reset, faults and
//! request bodies.

use serde_json::{Value, json};
use statusctl_sandbox::statuspage::{
    API_COMPONENT_ID, DEMO_TOKEN, PAYMENTS_COMPONENT_ID, RateLimitMode, StatuspageOptions,
    WEBSITE_COMPONENT_ID,
};
use statusctl_sandbox::{Fault, FaultAction, FaultMatch, SandboxBuilder, SandboxError};

use crate::statuspage_support::{Api, answer, ids};
use crate::support::assert_connection_closed;

fn options_with_file(path: &std::path::Path) -> StatuspageOptions {
    StatuspageOptions {
        rate_limit: RateLimitMode::Off,
        state_file: Some(path.to_owned()),
        ..StatuspageOptions::default()
    }
}

#[tokio::test]
async fn state_survives_a_restart() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("statuspage.json");

    let api = Api::with(options_with_file(&file)).await;
    assert!(!file.exists(), "nothing is written before a change");
    let incident = api
        .create_incident(json!({"name": "Persisted", "components": {API_COMPONENT_ID: "major_outage"}}))
        .await;
    api.advance(7200).await;
    // The last change saves the clock reading along with the state.
    api.delete(&Api::page(&format!("/components/{WEBSITE_COMPONENT_ID}"))).await;
    assert!(file.exists());
    api.sandbox.shutdown().await;

    let again = Api::with(options_with_file(&file)).await;
    let id = incident["id"].as_str().expect("id");
    let read = again.get(&Api::page(&format!("/incidents/{id}"))).await;
    assert_eq!(read.status, 200);
    assert_eq!(read.body, incident);
    assert_eq!(again.component(API_COMPONENT_ID).await["status"], "major_outage");
    assert_eq!(again.get(&Api::page(&format!("/components/{WEBSITE_COMPONENT_ID}"))).await.status, 404);
    // The file remembers the clock of its last save: virtual time does not
    // run backwards across a restart.
    assert!(again.control().clock().offset() >= std::time::Duration::from_secs(7190));
    let leftovers: Vec<_> =
        std::fs::read_dir(dir.path()).expect("list").map(|e| e.expect("entry").file_name()).collect();
    assert_eq!(leftovers, ["statuspage.json"]);
}

#[tokio::test]
async fn the_builder_state_file_persists_too() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("sandbox-state.json");
    let builder = || {
        SandboxBuilder::new()
            .statuspage(StatuspageOptions { rate_limit: RateLimitMode::Off, ..Default::default() })
            .state_file(&file)
    };
    let api = Api::from_builder(builder()).await;
    let incident = api.create_incident(json!({"name": "Kept"})).await;
    drop(api);

    let again = Api::from_builder(builder()).await;
    assert_eq!(ids(&again.get(&Api::page("/incidents")).await.body), [incident["id"].as_str().expect("id")]);
    let saved: Value = serde_json::from_slice(&std::fs::read(&file).expect("file")).expect("JSON");
    assert_eq!(saved["format"], "statusctl-sandbox-state/1");
    assert!(saved["providers"]["statuspage"]["pages"].is_array());
}

#[tokio::test]
async fn a_broken_state_file_stops_the_start() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("state.json");
    std::fs::write(&file, "{ not json").expect("write");
    let error = SandboxBuilder::new()
        .statuspage(options_with_file(&file))
        .serve()
        .await
        .expect_err("the file is not a state file");
    assert!(matches!(error, SandboxError::StateFile { ref path, .. } if *path == file), "{error:?}");
    // The file is left alone.
    assert_eq!(std::fs::read_to_string(&file).expect("read"), "{ not json");
}

#[tokio::test]
async fn reset_restores_the_seed_and_saves_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("state.json");
    let api = Api::with(options_with_file(&file)).await;
    let seeded_components = api.get(&Api::page("/components")).await.body;

    api.create_incident(json!({"name": "Temporary", "components": {PAYMENTS_COMPONENT_ID: "major_outage"}}))
        .await;
    api.delete(&Api::page(&format!("/components/{API_COMPONENT_ID}"))).await;
    api.post(&Api::page("/components"), json!({"component": {"name": "New"}})).await;

    let response = crate::support::client()
        .post(format!("{}/_sandbox/reset", api.sandbox.base_url()))
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), 204);
    assert_eq!(api.get(&Api::page("/incidents")).await.body, json!([]));
    assert_eq!(api.get(&Api::page("/components")).await.body, seeded_components);
    drop(api);

    let again = Api::with(options_with_file(&file)).await;
    assert_eq!(again.get(&Api::page("/components")).await.body, seeded_components);
}

#[tokio::test]
async fn reset_also_clears_the_rate_limit_windows() {
    let api = Api::with(StatuspageOptions::default()).await;
    for _ in 0..60 {
        api.get("/pages").await;
    }
    assert_eq!(api.get("/pages").await.status, 420);
    api.control().reset();
    assert_eq!(api.get("/pages").await.status, 200);
}

#[tokio::test]
async fn drop_after_on_post_incidents_still_creates_the_incident() {
    let api = Api::start().await;
    let path = format!("/v1{}", Api::page("/incidents"));
    api.control()
        .add_fault(Fault::new(FaultMatch::any().method("POST").path(&path), FaultAction::drop_after()));
    let error = api
        .raw("POST", &Api::page("/incidents"))
        .header("Authorization", format!("OAuth {DEMO_TOKEN}"))
        .header("Content-Type", "application/json")
        .body(json!({"incident": {"name": "Lost answer"}}).to_string())
        .send()
        .await
        .expect_err("the connection is dropped");
    assert_connection_closed(&error);
    let listed = api.get(&Api::page("/incidents")).await.body;
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    assert_eq!(listed[0]["name"], "Lost answer");
    let recorded = api.control().requests();
    assert_eq!(recorded[0].path, path);
    assert_eq!(recorded[0].fault.as_deref(), Some("drop after"));
}

#[tokio::test]
async fn drop_before_and_status_faults_leave_the_state_alone() {
    let api = Api::start().await;
    let control = api.control();
    control.add_fault(Fault::new(
        FaultMatch::any().method("POST").path("/v1/pages/*"),
        FaultAction::drop_before(),
    ));
    control.add_fault(Fault::new(
        FaultMatch::any().method("POST").path("/v1/pages/*"),
        FaultAction::status(503).with_retry_after("2"),
    ));
    let body = json!({"incident": {"name": "Never"}});
    let dropped = api
        .raw("POST", &Api::page("/incidents"))
        .header("Authorization", format!("OAuth {DEMO_TOKEN}"))
        .header("Content-Type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .expect_err("dropped");
    assert_connection_closed(&dropped);
    let unavailable = api.post(&Api::page("/incidents"), body.clone()).await;
    assert_eq!(unavailable.status, 503);
    assert_eq!(unavailable.retry_after.as_deref(), Some("2"));
    assert_eq!(api.get(&Api::page("/incidents")).await.body, json!([]));
}

#[tokio::test]
async fn form_bodies_with_rails_style_keys_work_like_json() {
    let api = Api::start().await;
    let form = "incident[name]=Form%20incident&incident[status]=identified&incident[body]=Via+form\
                &incident[components][apicomponent]=partial_outage&incident[component_ids][]=paycomponent\
                &incident[deliver_notifications]=false&incident[metadata][jira][issue_id]=OPS-9";
    let created = answer(
        api.raw("POST", &Api::page("/incidents"))
            .header("Authorization", format!("OAuth {DEMO_TOKEN}"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(form),
    )
    .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let incident = created.body;
    assert_eq!(incident["name"], "Form incident");
    assert_eq!(incident["status"], "identified");
    assert_eq!(incident["impact"], "major");
    assert_eq!(incident["metadata"], json!({"jira": {"issue_id": "OPS-9"}}));
    assert_eq!(ids(&incident["components"]), [API_COMPONENT_ID, PAYMENTS_COMPONENT_ID]);
    assert_eq!(incident["incident_updates"][0]["body"], "Via form");
    assert_eq!(incident["incident_updates"][0]["deliver_notifications"], false);

    let component = answer(
        api.raw("PATCH", &Api::page(&format!("/components/{API_COMPONENT_ID}")))
            .header("Authorization", format!("OAuth {DEMO_TOKEN}"))
            .header("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
            .body("component[status]=operational&component[showcase]=0"),
    )
    .await;
    assert_eq!(component.status, 200);
    assert_eq!(component.body["status"], "operational");
    assert_eq!(component.body["showcase"], false);
}

#[tokio::test]
async fn bodies_must_match_their_content_type() {
    let api = Api::start().await;
    let json_body = json!({"incident": {"name": "x"}}).to_string();
    let post = |content_type: Option<&'static str>, body: String| {
        let api = &api;
        async move {
            let mut request = api
                .raw("POST", &Api::page("/incidents"))
                .header("Authorization", format!("OAuth {DEMO_TOKEN}"))
                .body(body);
            if let Some(content_type) = content_type {
                request = request.header("Content-Type", content_type);
            }
            answer(request).await
        }
    };
    let cases = [
        (Some("application/x-www-form-urlencoded"), json_body.clone(), "looks like JSON"),
        (Some("application/json"), "incident[name]=x".to_owned(), "not valid JSON"),
        (Some("application/json"), "{\"incident\": {".to_owned(), "not valid JSON"),
        (Some("application/json"), "[]".to_owned(), "JSON object"),
        (None, json_body.clone(), "Missing Content-Type"),
        (Some("text/plain"), json_body.clone(), "Unsupported Content-Type"),
    ];
    for (content_type, body, needle) in cases {
        let answer = post(content_type, body.clone()).await;
        assert_eq!(answer.status, 400, "{content_type:?} {body}");
        let message = answer.body["error"].as_str().expect("message");
        assert!(message.contains(needle), "{content_type:?} {body}: {message}");
    }
    assert_eq!(api.get(&Api::page("/incidents")).await.body, json!([]));
    assert_eq!(post(Some("application/json"), json_body).await.status, 201);
}
