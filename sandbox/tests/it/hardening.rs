//! What a web page the user opens (DNS rebinding, cross-origin requests) or
//! a runaway client can do to a sandbox: nothing.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use serde_json::{Value, json};
use statusctl_sandbox::statuspage::{DEMO_PAGE_ID, DEMO_TOKEN, StatuspageOptions};
use statusctl_sandbox::{
    Fault, FaultAction, FaultMatch, MAX_BODY_BYTES, MAX_RECORDED_BODY_BYTES, MAX_RECORDED_REQUESTS,
    RequestCounters, SandboxBuilder,
};

use crate::support::{client, echo_sandbox, json, raw_exchange};

/// Status and body of a raw answer (bodies here are short and not chunked).
fn status_and_body(raw: &[u8]) -> (u16, String) {
    let text = String::from_utf8_lossy(raw).into_owned();
    let status = text.split(' ').nth(1).and_then(|status| status.parse().ok()).unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, body)| body.to_owned()).unwrap_or_default();
    (status, body)
}

async fn exchange(addr: SocketAddr, request: String) -> (u16, String) {
    status_and_body(&raw_exchange(addr, &request).await)
}

#[tokio::test]
async fn refuses_requests_not_addressed_to_a_loopback_name_or_address() {
    let sandbox = echo_sandbox().await;
    let addr = sandbox.addr();
    // A request with a secret in the log, which a rebinding page would be after.
    client()
        .get(format!("{}/echo/secret", sandbox.base_url()))
        .header("Authorization", "OAuth the-secret-token")
        .send()
        .await
        .expect("answer");

    for host in
        ["attacker.example", &format!("attacker.example:{}", addr.port()), "localhost.attacker.example"]
    {
        for path in ["/_sandbox/requests", "/echo/x"] {
            let (status, body) =
                exchange(addr, format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"))
                    .await;
            assert_eq!(status, 403, "{host} {path}: {body}");
            assert!(!body.contains("the-secret-token"), "{body}");
            let error: Value = serde_json::from_str(&body).expect("a JSON error");
            assert!(
                error["error"].as_str().is_some_and(|e| e.contains("loopback") || e.contains("localhost"))
            );
        }
    }
    // Without a Host, and with an absolute-form target naming another host.
    let (status, _) = exchange(addr, "GET /_sandbox/requests HTTP/1.0\r\n\r\n".into()).await;
    assert_eq!(status, 403);
    let (status, _) = exchange(
        addr,
        "GET http://attacker.example/_sandbox/requests HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
            .into(),
    )
    .await;
    assert_eq!(status, 403);
    // The refused requests were not recorded either.
    assert_eq!(sandbox.control().requests().len(), 1);

    let port = addr.port();
    for host in [
        "localhost".to_owned(),
        format!("LOCALHOST:{port}"),
        format!("127.0.0.1:{port}"),
        "127.8.9.10".to_owned(),
        format!("[::1]:{port}"),
    ] {
        let (status, body) = exchange(
            addr,
            format!("GET /_sandbox/requests HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
        )
        .await;
        assert_eq!(status, 200, "{host}: {body}");
        assert!(body.contains("the-secret-token"), "{body}");
    }
}

#[tokio::test]
async fn refuses_pages_of_other_sites_even_without_a_body() {
    let sandbox = echo_sandbox().await;
    let control = sandbox.control();
    control.add_fault(Fault::new(FaultMatch::any().path("/nowhere"), FaultAction::status(500)));
    let addr = sandbox.addr();
    // What `fetch(url, {method: "POST", mode: "no-cors"})` sends: a reset without a body.
    let reset = |origin: &str| {
        format!(
            "POST /_sandbox/reset HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nOrigin: {origin}\r\n\
             Content-Length: 0\r\nConnection: close\r\n\r\n",
            addr.port()
        )
    };
    for origin in ["https://attacker.example", "null"] {
        let (status, body) = exchange(addr, reset(origin)).await;
        assert_eq!(status, 403, "{origin}: {body}");
        assert_eq!(control.faults().len(), 1, "{origin}: the reset went through");
    }
    let (status, body) = exchange(addr, reset("http://localhost:3000")).await;
    assert_eq!(status, 204, "{body}");
    assert!(control.faults().is_empty());
}

#[tokio::test]
async fn the_control_api_takes_json_bodies_only() {
    let sandbox = echo_sandbox().await;
    let control = sandbox.control();
    let client = client();
    let base = sandbox.base_url();
    let fault = r#"{"action": {"status": 503}}"#;

    // What a cross-origin form or `fetch` may send without asking first, and no type at all.
    for content_type in [Some("text/plain"), Some("application/x-www-form-urlencoded"), None] {
        let mut request = client.post(format!("{base}/_sandbox/faults")).body(fault);
        if let Some(content_type) = content_type {
            request = request.header("Content-Type", content_type);
        }
        let response = request.send().await.expect("answer");
        assert_eq!(response.status(), 415, "{content_type:?}");
        assert!(
            json::<Value>(response).await["error"].as_str().is_some_and(|e| e.contains("application/json"))
        );
        let response = client
            .post(format!("{base}/_sandbox/clock"))
            .header("Content-Type", content_type.unwrap_or("text/plain"))
            .body(r#"{"advance_seconds": 3600}"#)
            .send()
            .await
            .expect("answer");
        assert_eq!(response.status(), 415);
    }
    assert!(control.faults().is_empty());
    assert!(control.clock().offset() < Duration::from_secs(1));

    let response = client
        .post(format!("{base}/_sandbox/faults"))
        .header("Content-Type", "application/json; charset=utf-8")
        .body(fault)
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), 201);
    assert_eq!(control.faults().len(), 1);
    // Without a body, the type does not matter.
    let response = client.delete(format!("{base}/_sandbox/faults")).send().await.expect("answer");
    assert_eq!(response.status(), 204);
    // The emulators keep taking what the real APIs take (forms, text).
    let response = client
        .post(format!("{base}/echo/x"))
        .header("Content-Type", "text/plain")
        .body("plain")
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn bodies_over_one_mib_are_refused_and_not_recorded() {
    let sandbox = echo_sandbox().await;
    let addr = sandbox.addr();
    for path in ["/echo/big", "/_sandbox/faults"] {
        // Declared too long: refused before a byte of it is read.
        let (status, body) = exchange(
            addr,
            format!(
                "POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
                 Content-Length: {}\r\n\r\n",
                MAX_BODY_BYTES + 1
            ),
        )
        .await;
        assert_eq!(status, 413, "{path}: {body}");
        assert!(serde_json::from_str::<Value>(&body).expect("a JSON error")["error"].is_string());
    }
    // Sent too long in chunks, with no length announced.
    let (status, body) = tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(addr).expect("connect");
        stream.set_read_timeout(Some(Duration::from_secs(5))).expect("read timeout");
        let head = "POST /echo/big HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n";
        stream.write_all(head.as_bytes()).expect("write head");
        let chunk = vec![b'x'; 64 << 10];
        let mut sent = 0;
        let mut received = Vec::new();
        while sent <= MAX_BODY_BYTES {
            let written = stream
                .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                .and_then(|()| stream.write_all(&chunk))
                .and_then(|()| stream.write_all(b"\r\n"));
            if written.is_err() {
                break; // the answer came first
            }
            sent += chunk.len();
        }
        let _ = stream.write_all(b"0\r\n\r\n");
        let _ = stream.read_to_end(&mut received);
        status_and_body(&received)
    })
    .await
    .expect("raw exchange thread");
    assert_eq!(status, 413, "{body}");
    assert!(sandbox.control().requests().is_empty());
    assert_eq!(sandbox.control().counters().total, 0);

    // Exactly the limit is fine; the log keeps the start of it.
    let body = "é".repeat(MAX_BODY_BYTES / 2);
    let response = client()
        .post(format!("{}/echo/big", sandbox.base_url()))
        .body(body.clone())
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), 200);
    let recorded = sandbox.control().requests();
    assert_eq!(recorded.len(), 1);
    assert!(recorded[0].body_truncated);
    assert_eq!(recorded[0].body, "é".repeat(MAX_RECORDED_BODY_BYTES / 2));
}

#[tokio::test]
async fn the_log_keeps_the_most_recent_requests_and_the_counters_count_them_all() {
    let sandbox = SandboxBuilder::new()
        .statuspage(StatuspageOptions::default())
        .with_echo(true)
        .serve()
        .await
        .expect("sandbox starts");
    let control = sandbox.control();
    let client = client();
    let base = sandbox.base_url();
    let incidents = format!("{base}/v1/pages/{DEMO_PAGE_ID}/incidents");
    let created = client
        .post(format!("{incidents}.json"))
        .header("Authorization", format!("OAuth {DEMO_TOKEN}"))
        .header("Content-Type", "application/json")
        .body(json!({"incident": {"name": "Counted"}}).to_string())
        .send()
        .await
        .expect("answer");
    assert_eq!(created.status(), 201);
    let id = json::<Value>(created).await["id"].as_str().expect("an id").to_owned();
    for _ in 0..2 {
        let response = client
            .patch(format!("{incidents}/{id}.json"))
            .header("Authorization", format!("OAuth {DEMO_TOKEN}"))
            .header("Content-Type", "application/json")
            .body(json!({"incident": {"status": "identified"}}).to_string())
            .send()
            .await
            .expect("answer");
        assert_eq!(response.status(), 200);
    }
    let gets = MAX_RECORDED_REQUESTS + 10;
    for _ in 0..gets {
        client.get(format!("{base}/echo/")).send().await.expect("answer");
    }

    let recorded = control.requests();
    assert_eq!(recorded.len(), MAX_RECORDED_REQUESTS);
    assert!(recorded.iter().all(|request| request.method == "GET"), "the oldest were dropped");
    assert_eq!(recorded.last().map(|request| request.seq), Some(gets as u64 + 3));

    let counters = control.counters();
    assert_eq!(counters.total, gets as u64 + 3);
    assert_eq!((counters.method("POST"), counters.method("PATCH"), counters.writes()), (1, 2, 3));
    assert_eq!(counters.method("GET"), gets as u64);
    assert_eq!(counters.incident(&id, "PATCH"), 2);
    assert_eq!(counters.incidents.len(), 1, "{counters:?}");
    let served: RequestCounters =
        json(client.get(format!("{base}/_sandbox/counters")).send().await.expect("answer")).await;
    assert_eq!(served, counters);
    let served: Value =
        json(client.get(format!("{base}/_sandbox/counters")).send().await.expect("answer")).await;
    assert_eq!(served["incidents"][&id], json!({"PATCH": 2}));

    // Counters follow the log: cleared with it.
    control.clear_requests();
    assert_eq!(control.counters(), RequestCounters::default());
}
