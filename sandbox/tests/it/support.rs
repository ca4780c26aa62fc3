//! Shared test helpers: an HTTP client, a provider that counts its calls and
//! a raw HTTP/1.1 exchange for byte-exact checks.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;
use statusctl_sandbox::{RunningSandbox, SandboxBuilder};

pub fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        // A proxy from the environment must not sit between tests and 127.0.0.1.
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("reqwest client")
}

/// Counts how often the provider really handled `POST /things`.
#[derive(Clone, Default)]
pub struct CallCounter(Arc<AtomicUsize>);

impl CallCounter {
    pub fn get(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

pub async fn counting_sandbox() -> (RunningSandbox, CallCounter) {
    let counter = CallCounter::default();
    let calls = counter.clone();
    let router = Router::new().route(
        "/things",
        post(move || async move {
            calls.0.fetch_add(1, Ordering::SeqCst);
            (StatusCode::CREATED, "created")
        }),
    );
    let sandbox = SandboxBuilder::new().provider("counting", router).serve().await.expect("sandbox starts");
    (sandbox, counter)
}

pub async fn echo_sandbox() -> RunningSandbox {
    SandboxBuilder::new().with_echo(true).serve().await.expect("sandbox starts")
}

/// Sends `request` verbatim and returns every byte the server wrote before
/// closing. Blocking on purpose: it runs on a plain thread so that the
/// sandbox keeps being served by the test's runtime meanwhile.
pub async fn raw_exchange(addr: SocketAddr, request: &str) -> Vec<u8> {
    let request = request.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(addr).expect("connect");
        stream.set_read_timeout(Some(Duration::from_secs(5))).expect("read timeout");
        stream.write_all(request.as_bytes()).expect("write request");
        let mut received = Vec::new();
        stream.read_to_end(&mut received).expect("read until close");
        received
    })
    .await
    .expect("raw exchange thread")
}

/// Parses a response body; reqwest's own `json` feature is not enabled in
/// this workspace.
pub async fn json<T: serde::de::DeserializeOwned>(response: reqwest::Response) -> T {
    let text = response.text().await.expect("response body");
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{error}: {text}"))
}

/// The client saw the connection close instead of an HTTP response (hyper's
/// `IncompleteMessage`), not a response with a broken body.
pub fn assert_connection_closed(error: &reqwest::Error) {
    assert!(error.is_request() && error.status().is_none(), "{error:?}");
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        if cause.to_string().contains("connection closed before message completed") {
            return;
        }
        source = cause.source();
    }
    panic!("not a closed connection: {error:?}");
}
