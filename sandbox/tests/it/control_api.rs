use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Value, json};
use statusctl_sandbox::{DropPoint, Fault, FaultAction, FaultMatch, SandboxBuilder};

use crate::support::{client, echo_sandbox, json};

#[tokio::test]
async fn faults_round_trip_through_the_json_api() {
    let sandbox = echo_sandbox().await;
    let client = client();
    let url = format!("{}/_sandbox/faults", sandbox.base_url());
    let sent = json!([
        { "match": {"method": "POST", "path": "/echo/things"}, "times": 2,
          "action": {"status": 503, "retry_after": "2", "body": "{\"error\":\"x\"}", "delay_ms": 1500} },
        { "match": {"path": "/echo/*"}, "times": 1, "action": {"drop": "before"} },
    ]);

    let response = client
        .post(&url)
        .header("Content-Type", "application/json")
        .body(sent.to_string())
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), 201);
    assert_eq!(json::<Value>(response).await, json!({"added": 2}));

    let listed: Value = json(client.get(&url).send().await.expect("answer")).await;
    assert_eq!(listed, sent);
    let typed: Vec<Fault> = serde_json::from_value(listed).expect("faults");
    assert_eq!(typed, sandbox.control().faults());
    assert_eq!(typed[1].action.drop, Some(DropPoint::Before));

    let response = client.delete(&url).send().await.expect("answer");
    assert_eq!(response.status(), 204);
    assert!(sandbox.control().faults().is_empty());
}

#[tokio::test]
async fn accepts_a_single_fault_with_defaults() {
    let sandbox = echo_sandbox().await;
    let response = client()
        .post(format!("{}/_sandbox/faults", sandbox.base_url()))
        .header("Content-Type", "application/json")
        .body(r#"{"action": {"status": 500}}"#)
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), 201);
    assert_eq!(json::<Value>(response).await, json!({"added": 1}));
    assert_eq!(sandbox.control().faults(), [Fault::new(FaultMatch::any(), FaultAction::status(500))]);
}

#[tokio::test]
async fn rejects_bad_faults_with_400_and_adds_none() {
    let sandbox = echo_sandbox().await;
    let client = client();
    let url = format!("{}/_sandbox/faults", sandbox.base_url());
    let bad_bodies = [
        ("{not json", "invalid fault"),
        (r#"{"action": {"delay": 5}}"#, "unknown field `delay`"),
        (r#"{"action": {"drop": "sideways"}}"#, "sideways"),
        (r#"[{"action": {"status": 500}}, {"action": {"status": 1000}}]"#, "1000"),
        (r#"{"times": 0, "action": {"status": 500}}"#, "times"),
    ];
    for (body, expected) in bad_bodies {
        let response = client
            .post(&url)
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await
            .expect("answer");
        assert_eq!(response.status(), 400, "{body}");
        let error: Value = json(response).await;
        let message = error["error"].as_str().expect("error message");
        assert!(message.contains(expected), "{body}: {message}");
    }
    assert!(sandbox.control().faults().is_empty());

    let response = client
        .get(format!("{}/_sandbox/requests?colour=red", sandbox.base_url()))
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), 400);
    assert!(json::<Value>(response).await["error"].is_string());
}

#[tokio::test]
async fn reset_clears_everything_and_runs_every_hook() {
    let builder_hook_runs = Arc::new(AtomicUsize::new(0));
    let runs = Arc::clone(&builder_hook_runs);
    let sandbox = SandboxBuilder::new()
        .with_echo(true)
        .on_reset(move || {
            runs.fetch_add(1, Ordering::SeqCst);
        })
        .serve()
        .await
        .expect("sandbox starts");
    let control = sandbox.control();
    let control_hook_runs = Arc::new(AtomicUsize::new(0));
    let runs = Arc::clone(&control_hook_runs);
    control.on_reset(move || {
        runs.fetch_add(1, Ordering::SeqCst);
    });

    let client = client();
    client.get(format!("{}/echo", sandbox.base_url())).send().await.expect("answer");
    control.add_fault(Fault::new(FaultMatch::any(), FaultAction::status(500)));

    let response =
        client.post(format!("{}/_sandbox/reset", sandbox.base_url())).send().await.expect("answer");
    assert_eq!(response.status(), 204);
    assert!(control.faults().is_empty());
    assert!(control.requests().is_empty());
    assert_eq!(builder_hook_runs.load(Ordering::SeqCst), 1);
    assert_eq!(control_hook_runs.load(Ordering::SeqCst), 1);

    control.reset();
    assert_eq!(builder_hook_runs.load(Ordering::SeqCst), 2);
    assert_eq!(control_hook_runs.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn health_and_unknown_control_paths_answer_json() {
    let sandbox = echo_sandbox().await;
    let client = client();
    let base = sandbox.base_url();

    let response = client.get(format!("{base}/_sandbox/health")).send().await.expect("answer");
    assert_eq!(response.status(), 200);
    assert_eq!(json::<Value>(response).await, json!({"ok": true}));

    let response = client.get(format!("{base}/_sandbox/nothing")).send().await.expect("answer");
    assert_eq!(response.status(), 404);
    assert_eq!(json::<Value>(response).await, json!({"error": "not found"}));

    let response = client.put(format!("{base}/_sandbox/reset")).send().await.expect("answer");
    assert_eq!(response.status(), 405);
    assert!(json::<Value>(response).await["error"].is_string());
}
