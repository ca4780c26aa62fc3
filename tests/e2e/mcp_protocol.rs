//! `statusctl mcp` protocol edges: unknown tools, malformed arguments, a cancelled call
//! waiting on a rate limit (with progress), stdin closed, stdout carrying frames only, and
//! how soon `initialize` is answered.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use statusctl_sandbox::statuspage::{DEMO_PAGE_ID, DEMO_TOKEN};
use statusctl_sandbox::{Fault, FaultAction, FaultMatch};

use crate::harness::World;
use crate::mcp_client::{MODES, Raw, call, list, session, tool_error};
use crate::statuspage_parity::{api_url, sandbox};

#[test]
fn unknown_tools_are_protocol_errors_and_malformed_arguments_tool_errors() {
    let w = World::with(&["statuspage"]);
    for mode in MODES {
        let s = session(
            &w,
            mode,
            &[],
            &[],
            json!([
                call("nope", json!({})),
                call("statuspage_list_components", json!({"limit": "many"})),
                call("statuspage_list_components", json!({"limit": 2, "extra": true})),
                call("statuspage_list_components", json!({"token": "x"})),
                call("statuspage_create_incident", json!({"title": "x"})),
                call("statuspage_delete_incident", json!({"incident": "x"})),
            ]),
        );
        assert_eq!(s.result(0)["error"]["code"], json!(-32602), "{}", s.result(0));
        for i in 1..=3 {
            assert_eq!(tool_error(s.result(i))["kind"], json!("usage"), "{}", s.result(i));
        }
        // A tool that exists but is not served: still a protocol error, saying why.
        for (i, why) in [
            (
                4,
                "statuspage:create_incident changes something: allow it with --allow-writes statuspage \
                 or --allow-writes statuspage:create_incident",
            ),
            (
                5,
                "statuspage:delete_incident destroys something: allow it with --allow-writes \
                 statuspage:delete_incident (its own name)",
            ),
        ] {
            let error = &s.result(i)["error"];
            assert_eq!(error["code"], json!(-32602), "{}", s.result(i));
            assert!(error["message"].as_str().unwrap().contains(why), "{}", s.result(i));
        }
        let nope = s.result(0)["error"]["message"].as_str().unwrap();
        assert!(nope.contains("unknown tool: nope") && !nope.contains("not served"), "{nope}");
    }
    // Below the client: arguments that are not an object.
    let mut raw = Raw::start(&w, &[]);
    raw.initialize();
    raw.send(&json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": "statuspage_list_components", "arguments": "limit=2"}}));
    let reply = raw.read();
    assert_eq!(reply["error"]["code"], json!(-32602), "{reply}");
    raw.send(&json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "nope"}}));
    assert_eq!(raw.read()["error"]["code"], json!(-32602));
    let (status, rest, _) = raw.close(Duration::from_secs(5));
    assert!(status.success(), "{status}");
    assert!(rest.is_empty(), "{rest}");
}

#[test]
fn stdin_closed_is_a_clean_exit_and_stdout_carries_frames_only() {
    let w = World::with(&["statuspage", "nobl9"]);
    // Closed before anything was said.
    let raw = Raw::start(&w, &["--allow-writes", "statuspage"]);
    let (status, stdout, stderr) = raw.close(Duration::from_secs(5));
    assert!(status.success(), "{status}: {stderr}");
    assert_eq!(stdout, "");
    // After a session, at -vv: every stdout line is a JSON-RPC frame.
    let mut args = vec!["-vv", "mcp"];
    args.push("--allow-writes");
    args.push("statuspage");
    let mut child = w
        .command(&args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        for line in [
            json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}}),
            json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
            json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}),
            json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "statuspage_create_incident", "arguments": {"title": "x", "dry_run": true}}}),
        ] {
            writeln!(stdin, "{line}").unwrap();
        }
    }
    let started = Instant::now();
    let out = child.wait_with_output().unwrap();
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let ids: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap_or_else(|e| panic!("{e}: {l:?}")))
        .inspect(|frame| assert_eq!(frame["jsonrpc"], json!("2.0"), "{frame}"))
        .map(|frame| frame["id"].clone())
        .collect();
    assert_eq!(ids, [json!(0), json!(1), json!(2)], "{stdout}");
}

/// A call waiting on `Retry-After` reports progress to a client that gave a token, and the
/// client's cancellation stops it (the server then serves the next request).
#[test]
fn a_call_waiting_on_a_rate_limit_reports_progress_and_can_be_cancelled() {
    let server = sandbox();
    let w = World::with(&["statuspage"])
        .env("STATUSPAGE_API_URL", &api_url(&server))
        .env("STATUSPAGE_TOKEN", DEMO_TOKEN)
        .env("STATUSPAGE_PAGE_ID", DEMO_PAGE_ID);
    for mode in MODES {
        server.control().add_fault(
            Fault::new(
                FaultMatch::any().method("GET").path(&format!("/v1/pages/{DEMO_PAGE_ID}/components")),
                FaultAction::status(429).with_retry_after("30"),
            )
            .times(1),
        );
        let started = Instant::now();
        let mut waiting = call("statuspage_list_components", json!({}));
        waiting["progress"] = json!(true);
        waiting["cancel_after"] = json!(2.0);
        let s = session(&w, mode, &[], &[], json!([waiting, list()]));
        assert!(started.elapsed() < Duration::from_secs(20), "the 30 s wait was not cut short");
        let cancelled = s.result(0);
        assert_eq!(cancelled["cancelled"], json!(true), "{cancelled}");
        let progress = cancelled["progress"].as_array().unwrap();
        assert!(!progress.is_empty(), "progress notifications: {cancelled}\n{}", s.stderr);
        let values: Vec<f64> = progress.iter().map(|p| p["progress"].as_f64().unwrap()).collect();
        assert!(values.windows(2).all(|w| w[0] < w[1]), "progress increases: {values:?}");
        assert!(progress[0]["message"].as_str().unwrap().contains("waiting"), "{cancelled}");
        assert!(s.result(1)["tools"].as_array().is_some_and(|t| !t.is_empty()), "still serving");
        // The audit line of the cancelled call says so (written once the call stopped).
        assert!(s.stderr.contains("\"outcome\":\"cancelled\""), "{}", s.stderr);
        server.control().clear_faults();
    }
}

/// `initialize` (and `server/discover`) are answered soon after start with the bundled
/// plugins (the 20 ms is for a release build: bench/run measures it).
#[test]
fn initialize_is_answered_soon_after_start() {
    let w = World::with(&["statuspage", "nobl9"]);
    let mut best = Duration::MAX;
    for _ in 0..3 {
        let started = Instant::now();
        let mut raw = Raw::start(&w, &[]);
        let reply = raw.initialize();
        best = best.min(started.elapsed());
        assert_eq!(reply["result"]["serverInfo"]["name"], json!("statusctl"), "{reply}");
        assert_eq!(reply["result"]["protocolVersion"], json!("2025-11-25"));
        raw.close(Duration::from_secs(5));
    }
    let started = Instant::now();
    let mut raw = Raw::start(&w, &[]);
    raw.send(&json!({"jsonrpc": "2.0", "id": 1, "method": "server/discover", "params": {"_meta": {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "raw", "version": "1"}}}}));
    let reply = raw.read();
    let discover = started.elapsed();
    assert!(reply["result"]["supportedVersions"].to_string().contains("2026-07-28"), "{reply}");
    raw.close(Duration::from_secs(5));
    eprintln!("initialize answered in {best:?} (best of 3), server/discover in {discover:?} (debug build)");
    assert!(best < Duration::from_millis(1000), "{best:?}");
}

/// A plugin printing to stdout (the `clash` test plugin's `print`: a line, a partial line,
/// and a fake JSON-RPC frame) does not reach the protocol channel: fd 1 points at stderr
/// while the server writes frames to its own copy of the real stdout.
#[test]
fn a_plugin_printing_to_stdout_does_not_corrupt_the_stream() {
    let w = World::with(&["clash"]);
    let mut raw = Raw::start(&w, &[]);
    raw.initialize();
    for id in [1, 2] {
        raw.send(&json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
            "params": {"name": "testkit_echo_print", "arguments": {"text": format!("stray {id}")}}}));
        let reply = raw.read();
        assert_eq!(reply["id"], json!(id), "{reply}");
        assert_eq!(reply["result"]["structuredContent"]["printed"], json!(format!("stray {id}")), "{reply}");
    }
    raw.send(&json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call",
        "params": {"name": "testkit_echo_ok", "arguments": {}}}));
    assert_eq!(raw.read()["id"], json!(3));
    let (status, rest, stderr) = raw.close(Duration::from_secs(5));
    assert!(status.success(), "{status}: {stderr}");
    assert_eq!(rest, "", "nothing else on stdout");
    for printed in ["stray 1 (println)", "stray 2 (no newline)", "\"id\":999"] {
        assert!(stderr.contains(printed), "{printed} went to stderr:\n{stderr}");
    }
    // The reference client, in both eras, reads every frame.
    for mode in MODES {
        let s = session(
            &w,
            mode,
            &[],
            &[],
            json!([call("testkit_echo_print", json!({})), call("testkit_echo_ok", json!({})), list()]),
        );
        assert_eq!(s.result(0)["is_error"], json!(false), "{}", s.result(0));
        assert_eq!(s.result(1)["structured"], json!({"ok": true}), "{}", s.result(1));
        assert!(s.result(2)["tools"].as_array().is_some_and(|t| t.len() == 3), "{}", s.result(2));
        assert!(s.stderr.contains("printed by a plugin (println)"), "{}", s.stderr);
    }
}
