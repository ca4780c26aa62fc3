use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};

use statusctl_sandbox::{SandboxBuilder, SandboxError};

use crate::support::client;

fn health_over_blocking_socket(base_addr: std::net::SocketAddr) -> String {
    let mut stream = TcpStream::connect(base_addr).expect("connect");
    stream
        .write_all(b"GET /_sandbox/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .expect("write");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    answer
}

#[test]
fn background_sandbox_serves_sync_callers_and_stops_when_dropped() {
    let sandbox = SandboxBuilder::new().with_echo(true).start_background().expect("sandbox starts");
    let addr = sandbox.addr();
    assert!(addr.ip().is_loopback());
    assert_eq!(sandbox.base_url(), format!("http://127.0.0.1:{}", addr.port()));

    let answer = health_over_blocking_socket(addr);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with(r#"{"ok":true}"#), "{answer}");
    assert!(sandbox.control().requests().is_empty());

    drop(sandbox);
    assert!(TcpStream::connect(addr).is_err());
}

#[tokio::test]
async fn shutdown_releases_the_port() {
    let sandbox = SandboxBuilder::new().serve().await.expect("sandbox starts");
    let addr = sandbox.addr();
    let response =
        client().get(format!("{}/_sandbox/health", sandbox.base_url())).send().await.expect("answer");
    assert_eq!(response.status(), 200);

    sandbox.shutdown().await;
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn reports_a_port_already_in_use() {
    let taken = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    let port = taken.local_addr().expect("local address").port();
    let error = SandboxBuilder::new().port(port).serve().await.expect_err("the port is taken");
    assert!(matches!(error, SandboxError::Bind(_)), "{error:?}");
}

#[test]
fn background_start_reports_errors_too() {
    let error = SandboxBuilder::new()
        .with_echo(true)
        .provider("echo", axum::Router::new())
        .start_background()
        .expect_err("echo is mounted twice");
    assert!(matches!(error, SandboxError::DuplicateProvider(name) if name == "echo"));
}
