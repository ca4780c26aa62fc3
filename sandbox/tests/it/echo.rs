use serde_json::{Value, json};

use crate::support::{client, echo_sandbox, json};

#[tokio::test]
async fn echoes_the_request_as_json() {
    let sandbox = echo_sandbox().await;
    let response = client()
        .patch(format!("{}/echo/a/b?x=1&y", sandbox.base_url()))
        .header("X-One", "1")
        .header("Content-Type", "text/plain")
        .body("raw body")
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), 200);
    let echoed: Value = json(response).await;
    assert_eq!(echoed["method"], "PATCH");
    assert_eq!(echoed["path"], "/echo/a/b");
    assert_eq!(echoed["query"], "x=1&y");
    assert_eq!(echoed["headers"]["x-one"], "1");
    assert_eq!(echoed["headers"]["content-type"], "text/plain");
    assert_eq!(echoed["body"], "raw body");
}

#[tokio::test]
async fn echoes_the_bare_prefix_with_a_null_query() {
    let sandbox = echo_sandbox().await;
    let client = client();
    for path in ["/echo", "/echo/", "/echo/json", "/echo/status/500"] {
        let response = client.post(format!("{}{path}", sandbox.base_url())).send().await.expect("answer");
        assert_eq!(response.status(), 200, "{path}");
        let echoed: Value = json(response).await;
        assert_eq!(echoed["path"], path);
        assert_eq!(echoed["query"], Value::Null);
    }
}

#[tokio::test]
async fn serves_fixed_json_with_its_key_order_intact() {
    let sandbox = echo_sandbox().await;
    let response = client().get(format!("{}/echo/json", sandbox.base_url())).send().await.expect("answer");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_eq!(
        response.text().await.expect("body"),
        r#"{"zeta":1,"alpha":{"nested":true,"b":2,"a":1},"list":[3,2,1],"pi":3.14159}"#
    );
}

#[tokio::test]
async fn answers_the_requested_status() {
    let sandbox = echo_sandbox().await;
    let client = client();
    let base = sandbox.base_url();

    let response = client.get(format!("{base}/echo/status/418")).send().await.expect("answer");
    assert_eq!(response.status(), 418);
    assert_eq!(json::<Value>(response).await, json!({"status": 418}));

    let response = client.get(format!("{base}/echo/status/abc")).send().await.expect("answer");
    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn unknown_paths_are_json_404s() {
    let sandbox = echo_sandbox().await;
    let response = client().get(format!("{}/nowhere", sandbox.base_url())).send().await.expect("answer");
    assert_eq!(response.status(), 404);
    assert_eq!(json::<Value>(response).await, json!({"error": "not found"}));
}
