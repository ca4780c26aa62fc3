use std::time::{Duration, Instant};

use statusctl_sandbox::{Fault, FaultAction, FaultMatch};

use crate::support::{assert_connection_closed, client, counting_sandbox, echo_sandbox, raw_exchange};

const POST_THINGS: &str = "POST /things HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\n{}";

#[tokio::test]
async fn status_fault_answers_without_calling_the_provider() {
    let (sandbox, counter) = counting_sandbox().await;
    sandbox.control().add_fault(Fault::new(
        FaultMatch::any().method("POST").path("/things"),
        FaultAction::status(503).with_retry_after("2"),
    ));
    let client = client();
    let url = format!("{}/things", sandbox.base_url());

    let response = client.post(&url).send().await.expect("an HTTP answer");
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "2");
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_eq!(response.text().await.expect("body"), r#"{"error":"injected fault"}"#);
    assert_eq!(counter.get(), 0);
    assert_eq!(sandbox.control().requests()[0].fault.as_deref(), Some("status 503"));

    let response = client.post(&url).send().await.expect("an HTTP answer");
    assert_eq!(response.status(), 201);
    assert_eq!(counter.get(), 1);
}

#[tokio::test]
async fn status_fault_sends_a_custom_body() {
    let sandbox = echo_sandbox().await;
    sandbox.control().add_fault(Fault::new(
        FaultMatch::any(),
        FaultAction::status(429).with_body(r#"{"error":"slow down"}"#),
    ));
    let response = client().get(format!("{}/echo", sandbox.base_url())).send().await.expect("an HTTP answer");
    assert_eq!(response.status(), 429);
    assert!(response.headers().get("retry-after").is_none());
    assert_eq!(response.text().await.expect("body"), r#"{"error":"slow down"}"#);
}

#[tokio::test]
async fn delay_fault_delays_the_real_answer() {
    let (sandbox, counter) = counting_sandbox().await;
    sandbox.control().add_fault(Fault::new(FaultMatch::any(), FaultAction::delay(200)));
    let started = Instant::now();
    let response =
        client().post(format!("{}/things", sandbox.base_url())).send().await.expect("an HTTP answer");
    assert!(started.elapsed() >= Duration::from_millis(200));
    assert_eq!(response.status(), 201);
    assert_eq!(counter.get(), 1);
    assert_eq!(sandbox.control().requests()[0].fault.as_deref(), Some("delay 200ms"));
}

#[tokio::test]
async fn drop_before_closes_the_connection_without_calling_the_provider() {
    let (sandbox, counter) = counting_sandbox().await;
    sandbox.control().add_fault(Fault::new(FaultMatch::any(), FaultAction::drop_before()));
    let error = client()
        .post(format!("{}/things", sandbox.base_url()))
        .send()
        .await
        .expect_err("the connection is dropped");
    assert_connection_closed(&error);
    assert_eq!(counter.get(), 0);
}

#[tokio::test]
async fn drop_after_calls_the_provider_then_closes_the_connection() {
    let (sandbox, counter) = counting_sandbox().await;
    sandbox.control().add_fault(Fault::new(FaultMatch::any(), FaultAction::drop_after()));
    let error = client()
        .post(format!("{}/things", sandbox.base_url()))
        .send()
        .await
        .expect_err("the connection is dropped");
    assert_connection_closed(&error);
    assert_eq!(counter.get(), 1);
    assert_eq!(sandbox.control().requests()[0].fault.as_deref(), Some("drop after"));
}

#[tokio::test]
async fn dropped_connections_carry_no_byte_of_a_response() {
    let (sandbox, counter) = counting_sandbox().await;
    sandbox.control().add_fault(Fault::new(FaultMatch::any(), FaultAction::drop_before()));
    sandbox.control().add_fault(Fault::new(FaultMatch::any(), FaultAction::drop_after()));

    assert!(raw_exchange(sandbox.addr(), POST_THINGS).await.is_empty());
    assert_eq!(counter.get(), 0);
    assert!(raw_exchange(sandbox.addr(), POST_THINGS).await.is_empty());
    assert_eq!(counter.get(), 1);

    let answered = raw_exchange(
        sandbox.addr(),
        "POST /things HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(answered.starts_with(b"HTTP/1.1 201"), "{}", String::from_utf8_lossy(&answered));
}

#[tokio::test]
async fn times_counts_down_and_faults_are_used_in_order() {
    let sandbox = echo_sandbox().await;
    let control = sandbox.control();
    control.add_fault(Fault::new(FaultMatch::any().path("/echo/a"), FaultAction::status(500)).times(2));
    control.add_fault(Fault::new(FaultMatch::any(), FaultAction::status(502)).times(2));
    let client = client();
    let status = |path: &'static str| {
        let request = client.get(format!("{}{path}", sandbox.base_url()));
        async move { request.send().await.expect("an HTTP answer").status().as_u16() }
    };

    assert_eq!(status("/echo/a").await, 500);
    assert_eq!(control.faults()[0].times, 1);
    assert_eq!(status("/echo/b").await, 502);
    assert_eq!(status("/echo/a").await, 500);
    assert_eq!(status("/echo/a").await, 502);
    assert!(control.faults().is_empty());
    assert_eq!(status("/echo/a").await, 200);
}

#[tokio::test]
async fn faults_match_path_prefixes_and_methods_only() {
    let sandbox = echo_sandbox().await;
    sandbox.control().add_fault(
        Fault::new(FaultMatch::any().method("post").path("/echo/items/*"), FaultAction::status(500))
            .times(10),
    );
    let client = client();
    let base = sandbox.base_url();
    let status = |request: reqwest::RequestBuilder| async move {
        request.send().await.expect("an HTTP answer").status().as_u16()
    };

    assert_eq!(status(client.post(format!("{base}/echo/items/1"))).await, 500);
    assert_eq!(status(client.post(format!("{base}/echo/items/1/sub?x=1"))).await, 500);
    assert_eq!(status(client.get(format!("{base}/echo/items/1"))).await, 200);
    assert_eq!(status(client.post(format!("{base}/echo/items"))).await, 200);
    assert_eq!(status(client.post(format!("{base}/echo/other"))).await, 200);
}

#[tokio::test]
async fn faults_never_touch_the_control_api() {
    let sandbox = echo_sandbox().await;
    sandbox.control().add_fault(Fault::new(FaultMatch::any(), FaultAction::drop_before()));
    let response = client()
        .get(format!("{}/_sandbox/health", sandbox.base_url()))
        .send()
        .await
        .expect("control API answers");
    assert_eq!(response.status(), 200);
    assert_eq!(sandbox.control().faults().len(), 1);
}
