use std::time::Instant;

use statusctl_sandbox::{Fault, FaultAction, FaultMatch, RecordedRequest};

use crate::support::{client, counting_sandbox, echo_sandbox, json};

#[tokio::test]
async fn records_every_detail_of_a_request() {
    let started = Instant::now();
    let sandbox = echo_sandbox().await;
    client()
        .post(format!("{}/echo/things?a=1&b=two", sandbox.base_url()))
        .header("X-Custom", "yes")
        .body("{\"name\":\"é\"}")
        .send()
        .await
        .expect("echo answers");

    let requests = sandbox.control().requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.seq, 1);
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/echo/things");
    assert_eq!(request.query.as_deref(), Some("a=1&b=two"));
    assert_eq!(request.header("x-custom"), Some("yes"));
    assert!(request.headers.iter().all(|(name, _)| *name == name.to_lowercase()));
    assert_eq!(request.body, "{\"name\":\"é\"}");
    assert!(request.received_ms <= started.elapsed().as_millis() as u64);
    assert_eq!(request.fault, None);
}

#[tokio::test]
async fn numbers_requests_and_restarts_only_on_reset() {
    let sandbox = echo_sandbox().await;
    let control = sandbox.control();
    let client = client();
    let get = |path: &str| client.get(format!("{}{path}", sandbox.base_url())).send();

    get("/echo/1").await.expect("answer");
    get("/echo/2").await.expect("answer");
    let seqs = |requests: Vec<RecordedRequest>| requests.iter().map(|r| r.seq).collect::<Vec<_>>();
    assert_eq!(seqs(control.requests()), [1, 2]);

    control.clear_requests();
    get("/echo/3").await.expect("answer");
    assert_eq!(seqs(control.requests()), [3]);

    control.reset();
    get("/echo/4").await.expect("answer");
    assert_eq!(seqs(control.requests()), [1]);
}

#[tokio::test]
async fn records_the_request_and_its_fault_even_when_the_connection_is_dropped() {
    let (sandbox, counter) = counting_sandbox().await;
    sandbox.control().add_fault(Fault::new(FaultMatch::any(), FaultAction::drop_before().with_delay(10)));
    let result = client().post(format!("{}/things", sandbox.base_url())).body("lost").send().await;
    assert!(result.is_err());

    let requests = sandbox.control().requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].body, "lost");
    assert_eq!(requests[0].fault.as_deref(), Some("delay 10ms, drop before"));
    assert_eq!(counter.get(), 0);
}

#[tokio::test]
async fn never_records_control_requests() {
    let sandbox = echo_sandbox().await;
    let client = client();
    for path in ["/_sandbox/health", "/_sandbox/requests", "/_sandbox/nowhere"] {
        client.get(format!("{}{path}", sandbox.base_url())).send().await.expect("control API answers");
    }
    assert!(sandbox.control().requests().is_empty());
}

#[tokio::test]
async fn filters_recordings_by_method_and_path_prefix() {
    let sandbox = echo_sandbox().await;
    let client = client();
    let base = sandbox.base_url();
    client.get(format!("{base}/echo/a")).send().await.expect("answer");
    client.post(format!("{base}/echo/a/b")).send().await.expect("answer");
    client.post(format!("{base}/other")).send().await.expect("answer");

    let listed = |query: &'static str| {
        let request = client.get(format!("{base}/_sandbox/requests{query}"));
        async move {
            let response = request.send().await.expect("control API answers");
            assert_eq!(response.status(), 200);
            let requests: Vec<RecordedRequest> = json(response).await;
            requests.into_iter().map(|r| r.path).collect::<Vec<_>>()
        }
    };
    assert_eq!(listed("").await, ["/echo/a", "/echo/a/b", "/other"]);
    assert_eq!(listed("?method=post").await, ["/echo/a/b", "/other"]);
    assert_eq!(listed("?path=/echo/*").await, ["/echo/a", "/echo/a/b"]);
    assert_eq!(listed("?method=POST&path=/echo/a*").await, ["/echo/a/b"]);
    assert_eq!(listed("?path=/echo/a").await, ["/echo/a"]);

    let response =
        client.delete(format!("{base}/_sandbox/requests")).send().await.expect("control API answers");
    assert_eq!(response.status(), 204);
    assert!(listed("").await.is_empty());
}
