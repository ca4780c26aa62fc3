//! The host as a long-lived engine (what `serve` and `mcp` build on): plugins loaded once,
//! calls made concurrently from async code, each with its own cancellation, deadline,
//! dry run and progress sink — with the real testkit cdylib against the echo server.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};
use statusctl_host::tokio;
use statusctl_host::{CancellationToken, Engine, EngineOptions, Host, InvokeOptions, Invoked, Progress};
use statusctl_plugin_api::ErrorKind;
use statusctl_sandbox::{Fault, FaultAction, FaultMatch};

use crate::harness::*;

fn engine(world: &World) -> Engine {
    let config = world.write("config/statusctl/config.toml", "");
    Host::builder("statusctl")
        .standard_plugin_dirs(false)
        .plugin_dir(&world.plugins)
        .current_dir(&world.cwd)
        .time_scale(0.01)
        .test_keyring_file(world.path("keyring.json"))
        .build()
        .engine(EngineOptions { config: Some(config), ..EngineOptions::default() })
        .expect("an engine")
}

fn args(value: Value) -> Map<String, Value> {
    value.as_object().cloned().unwrap()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

fn plugin_error(result: Result<Invoked, statusctl_host::HostError>) -> statusctl_plugin_api::Error {
    match result {
        Err(statusctl_host::HostError::Plugin(err)) => err,
        other => panic!("expected a plugin error, got {other:?}"),
    }
}

#[test]
fn calls_run_concurrently_on_one_engine() {
    let server = echo_server();
    let w = World::with(&["testkit"]);
    let engine = engine(&w);
    assert!(engine.commands().any(|(ns, c)| ns == "testkit" && c.name == "http"));
    // Each answer takes 400 ms: calls made one after the other would arrive 400 ms apart.
    server
        .control()
        .add_fault(Fault::new(FaultMatch::any().path("/echo/x"), FaultAction::delay(400)).times(4));
    let url = format!("{}/echo/x", server.base_url());
    let rt = runtime();
    let results = rt.block_on(async {
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..4 {
            let engine = engine.clone();
            let url = url.clone();
            set.spawn(async move {
                engine.invoke("testkit:http", args(json!({"url": url})), InvokeOptions::default()).await
            });
        }
        set.join_all().await
    });
    for result in results {
        match result {
            Ok(Invoked::Output(out)) => {
                assert!(out.text.unwrap_or_default().contains("HTTP 200"), "{:?}", out.data)
            }
            other => panic!("{other:?}"),
        }
    }
    // The sandbox records a delayed request when it arrives (with its fault) and again when
    // it is served: the arrivals are the ones that tell.
    let received: Vec<u64> =
        server.control().requests().iter().filter(|r| r.fault.is_some()).map(|r| r.received_ms).collect();
    assert_eq!(received.len(), 4);
    let spread = received.iter().max().unwrap() - received.iter().min().unwrap();
    assert!(spread < 400, "all four requests were in flight together: received at {received:?}");
}

#[test]
fn a_cancelled_call_stops_at_once_and_sends_nothing_more() {
    let server = echo_server();
    let w = World::with(&["testkit"]);
    let engine = engine(&w);
    server.control().add_fault(Fault::new(FaultMatch::any().path("/echo/x"), FaultAction::delay(10_000)));
    let url = format!("{}/echo/x", server.base_url());
    let cancel = CancellationToken::new();
    let options = InvokeOptions { cancel: cancel.clone(), ..InvokeOptions::default() };
    let rt = runtime();
    let started = Instant::now();
    let result = rt.block_on(async {
        let call = engine.invoke("testkit:http", args(json!({"url": url})), options);
        let canceller = async {
            tokio::time::sleep(Duration::from_millis(200)).await;
            cancel.cancel();
        };
        tokio::join!(call, canceller).0
    });
    let err = plugin_error(result);
    assert_eq!(err.kind, ErrorKind::Interrupted, "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(5), "not the 10 s answer");
    // A call made with a token already cancelled sends nothing.
    server.control().clear_requests();
    let options = InvokeOptions { cancel, ..InvokeOptions::default() };
    let err = plugin_error(rt.block_on(engine.invoke("testkit:http", args(json!({"url": url})), options)));
    assert_eq!(err.kind, ErrorKind::Interrupted);
    assert!(server.control().requests().is_empty());
}

#[test]
fn a_deadline_ends_the_call_and_says_so() {
    let server = echo_server();
    let w = World::with(&["testkit"]);
    let engine = engine(&w);
    server.control().add_fault(Fault::new(FaultMatch::any().path("/echo/x"), FaultAction::delay(10_000)));
    let url = format!("{}/echo/x", server.base_url());
    let options = InvokeOptions {
        deadline: Some(Instant::now() + Duration::from_millis(300)),
        ..InvokeOptions::default()
    };
    let err =
        plugin_error(runtime().block_on(engine.invoke("testkit:http", args(json!({"url": url})), options)));
    assert_eq!(err.kind, ErrorKind::Unavailable, "{err:?}");
    assert!(err.message.contains("the deadline passed during GET"), "{}", err.message);
}

#[test]
fn waits_are_reported_to_the_progress_sink() {
    let server = echo_server();
    let w = World::with(&["testkit"]);
    let engine = engine(&w);
    server.control().add_fault(
        Fault::new(FaultMatch::any().path("/echo/x"), FaultAction::status(503).with_retry_after("3"))
            .times(1),
    );
    let url = format!("{}/echo/x", server.base_url());
    let events = Arc::new(Mutex::new(Vec::new()));
    let seen = events.clone();
    let options = InvokeOptions {
        progress: Some(Arc::new(move |event: &Progress| seen.lock().unwrap().push(event.clone()))),
        ..InvokeOptions::default()
    };
    let result = runtime().block_on(engine.invoke("testkit:http", args(json!({"url": url})), options));
    assert!(matches!(result, Ok(Invoked::Output(_))), "{result:?}");
    let events = events.lock().unwrap();
    match events.first() {
        Some(Progress::Waiting { total, reason, .. }) => {
            assert_eq!(*total, Duration::from_secs(3));
            assert!(reason.contains("answered 503 with Retry-After"), "{reason}");
        }
        other => panic!("a wait first, got {other:?}"),
    }
    assert_eq!(events.last(), Some(&Progress::Waited));
}

#[test]
fn dry_runs_and_bad_arguments_change_nothing() {
    let server = echo_server();
    let w = World::with(&["testkit"]);
    let engine = engine(&w);
    let url = format!("{}/echo/x", server.base_url());
    let rt = runtime();
    let options = InvokeOptions { dry_run: true, ..InvokeOptions::default() };
    let planned =
        rt.block_on(engine.invoke("testkit:http", args(json!({"url": url, "method": "POST"})), options));
    match planned {
        Ok(Invoked::Planned(plan)) => assert_eq!(plan.len(), 1),
        other => panic!("a plan, got {other:?}"),
    }
    for bad in [json!({"url": url, "max_attempts": "many"}), json!({"url": url, "nope": 1}), json!({})] {
        let err = plugin_error(rt.block_on(engine.invoke(
            "testkit:http",
            args(bad.clone()),
            InvokeOptions::default(),
        )));
        assert_eq!(err.kind, ErrorKind::Usage, "{bad}: {err:?}");
    }
    let unknown = rt.block_on(engine.invoke("testkit:nope", Map::new(), InvokeOptions::default()));
    assert!(matches!(unknown, Err(statusctl_host::HostError::Usage(_))), "{unknown:?}");
    assert!(server.control().requests().is_empty());
}
