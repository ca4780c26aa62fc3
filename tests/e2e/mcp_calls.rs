//! `statusctl mcp` tool calls against the Statuspage sandbox, with the reference client in
//! both eras: reads, refused and allowed writes, dry runs, provider and usage errors as tool
//! errors, the call cap, secrets, a plugin panic, a third-party plugin.

use serde_json::{Value, json};
use statusctl_sandbox::BackgroundSandbox;
use statusctl_sandbox::statuspage::{DEMO_PAGE_ID, DEMO_TOKEN};

use crate::harness::{World, sent};
use crate::mcp_client::{MODES, call, expected_version, list, session, success, tool_error};
use crate::statuspage_parity::{all_incidents, api_url, sandbox};

fn world(server: &BackgroundSandbox) -> World {
    World::with(&["statuspage"])
        .env("STATUSPAGE_API_URL", &api_url(server))
        .env("STATUSPAGE_TOKEN", DEMO_TOKEN)
        .env("STATUSPAGE_PAGE_ID", DEMO_PAGE_ID)
}

fn changes(server: &BackgroundSandbox) -> Vec<String> {
    sent(server).iter().filter(|r| r.method != "GET").map(|r| format!("{} {}", r.method, r.path)).collect()
}

#[test]
fn a_read_tool_answers_from_the_sandbox_and_writes_are_refused_without_allow_writes() {
    let server = sandbox();
    let w = world(&server);
    for mode in MODES {
        let s = session(
            &w,
            mode,
            &[],
            &[],
            json!([
                call("statuspage_list_components", json!({})),
                call("statuspage_create_incident", json!({"title": "x"}))
            ]),
        );
        assert_eq!(s.version, expected_version(mode));
        let listed = success(s.result(0));
        let items = listed["items"].as_array().expect("a list is wrapped as {items}");
        assert!(items.iter().any(|c| c["name"] == "API"), "{listed}");
        assert!(s.result(0)["text"].as_str().unwrap().contains("API"), "{}", s.result(0));
        assert_eq!(s.result(1)["error"]["code"], json!(-32602), "not served: {}", s.result(1));
    }
    assert!(changes(&server).is_empty(), "{:?}", changes(&server));
}

#[test]
fn dry_runs_and_bad_enums_send_nothing_and_allowed_writes_are_sent() {
    let server = sandbox();
    let w = world(&server);
    for mode in MODES {
        let before = all_incidents(&server).len();
        server.control().clear_requests();
        let s = session(
            &w,
            mode,
            &[],
            &["--allow-writes", "statuspage"],
            json!([
                call("statuspage_create_incident", json!({"title": "Dry", "dry_run": true})),
                call("statuspage_create_incident", json!({"title": "Bad", "status": "bogus"})),
                call("statuspage_create_incident", json!({"title": "Bad", "components": "API"})),
            ]),
        );
        let plan = success(s.result(0));
        assert_eq!(plan["dry_run"], json!(true), "{plan}");
        assert_eq!(plan["requests"][0]["method"], json!("POST"), "{plan}");
        assert!(!plan.to_string().contains(DEMO_TOKEN), "{plan}");
        for bad in [s.result(1), s.result(2)] {
            let err = tool_error(bad);
            assert_eq!((err["kind"].as_str(), err["exit_code"].as_i64()), (Some("usage"), Some(2)), "{bad}");
        }
        assert!(s.result(1)["text"].as_str().unwrap().contains("bogus"), "{}", s.result(1));
        assert!(sent(&server).is_empty(), "nothing sent: {:?}", changes(&server));
        assert_eq!(all_incidents(&server).len(), before);

        let s = session(
            &w,
            mode,
            &[],
            &["--allow-writes", "statuspage"],
            json!([
                call(
                    "statuspage_create_incident",
                    json!({"title": format!("MCP {mode}"), "status": "identified"})
                ),
                call("statuspage_get_incident", json!({"incident": "doesnotexist"})),
            ]),
        );
        let created = success(s.result(0));
        assert_eq!(created["name"], json!(format!("MCP {mode}")), "{created}");
        assert_eq!(all_incidents(&server).len(), before + 1);
        let err = tool_error(s.result(1));
        assert_eq!((err["kind"].as_str(), err["exit_code"].as_i64()), (Some("failed"), Some(1)), "{err}");
        assert_eq!(err["http_status"], json!(404));
    }
}

#[test]
fn the_call_cap_refuses_with_a_clear_tool_error() {
    let server = sandbox();
    let w = world(&server);
    let audit = w.path("audit.jsonl");
    let s = session(
        &w,
        "legacy",
        &[],
        &["--max-calls", "statuspage:list_*=2/hour", "--audit-log", audit.to_str().unwrap()],
        json!([
            call("statuspage_list_components", json!({})),
            call("statuspage_list_incidents", json!({})),
            call("statuspage_list_components", json!({})),
            call("statuspage_test_connection", json!({})),
        ]),
    );
    success(s.result(0));
    success(s.result(1));
    let err = tool_error(s.result(2));
    assert_eq!(err["kind"], json!("call_cap"), "{err}");
    assert!(
        err["message"].as_str().unwrap().contains("at most 2 call(s) of `statuspage:list_*` per hour"),
        "{err}"
    );
    success(s.result(3));
    let lines: Vec<Value> =
        std::fs::read_to_string(&audit).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let outcomes: Vec<&str> = lines.iter().map(|l| l["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes, ["ok", "ok", "refused", "ok"]);
    for line in &lines {
        assert!(
            line["time"].is_string() && line["request_id"].is_number() && line["tool"].is_string(),
            "{line}"
        );
    }
    assert!(!s.stderr.contains("\"event\":\"mcp_call\""), "audit lines went to the file: {}", s.stderr);
}

/// With -vv, a secret the plugin resolves, logs (the test plugin's `--leak`) or that the
/// agent tries to pass, is in no message: not on stdout, not in the log, not in the audit.
#[test]
fn a_secret_is_in_no_message_even_at_vv() {
    let server = sandbox();
    let secret = "tk-mcp-SECRET-4242";
    let w = World::with(&["statuspage", "testkit"])
        .env("STATUSPAGE_API_URL", &api_url(&server))
        .env("STATUSPAGE_TOKEN", DEMO_TOKEN)
        .env("STATUSPAGE_PAGE_ID", DEMO_PAGE_ID)
        .env("TESTKIT_TOKEN", secret);
    for mode in MODES {
        let s = session(
            &w,
            mode,
            &["-vv"],
            &["--allow-writes", "statuspage,testkit"],
            json!([
                list(),
                call("testkit_secret", json!({"leak": true})),
                call("testkit_echo_args", json!({"title": "t", "token": secret})),
                call("statuspage_list_components", json!({})),
                call("statuspage_create_incident", json!({"title": "Sec", "dry_run": true})),
            ]),
        );
        assert!(s.stderr.contains("trace:") || s.stderr.contains("debug:"), "{}", s.stderr);
        let secret_call = &s.results[1];
        assert_eq!(secret_call["is_error"], json!(false), "{secret_call}");
        let refused = tool_error(&s.results[2]);
        assert_eq!(refused["exit_code"], json!(2));
        for (what, text) in [("stdout", &s.stdout), ("stderr", &s.stderr)] {
            assert!(!text.contains(secret), "{what} shows the secret:\n{text}");
            assert!(!text.contains(DEMO_TOKEN), "{what} shows the Statuspage token:\n{text}");
        }
    }
}

#[test]
fn a_plugin_panic_is_a_tool_error_and_the_server_stays_up() {
    let w = World::with(&["panicky", "testkit"]);
    let s = session(
        &w,
        "modern",
        &[],
        &["--allow-writes", "boom,testkit"],
        json!([
            call("boom_panic", json!({})),
            call("boom_ok", json!({})),
            call("testkit_echo_args", json!({"title": "third party", "components": ["a", "b"], "limit": 3})),
        ]),
    );
    let err = tool_error(s.result(0));
    assert_eq!((err["kind"].as_str(), err["exit_code"].as_i64()), (Some("internal"), Some(70)), "{err}");
    success(s.result(1));
    let echoed = success(s.result(2));
    assert!(echoed.to_string().contains("third party"), "{echoed}");
}

/// A create cancelled by the client while its POST is in flight (the sandbox holds it 15 s):
/// the call stops at once, as the protocol says no answer follows a cancellation, the
/// server keeps serving, the audit line says the outcome is unknown with the request id the
/// POST carried, and the create is not sent again.
#[test]
fn a_write_cancelled_in_flight_is_audited_as_unknown_with_its_request_id() {
    use statusctl_sandbox::{Fault, FaultAction, FaultMatch};
    use std::time::{Duration, Instant};
    let server = sandbox();
    let w = world(&server);
    let incidents = format!("/v1/pages/{DEMO_PAGE_ID}/incidents");
    for mode in MODES {
        server.control().clear_requests();
        server.control().add_fault(
            Fault::new(FaultMatch::any().method("POST").path(&incidents), FaultAction::delay(15_000))
                .times(1),
        );
        let audit = w.path(&format!("audit-{mode}.jsonl"));
        let mut create = call("statuspage_create_incident", json!({"title": format!("Lost {mode}")}));
        create["cancel_after"] = json!(1.5);
        let started = Instant::now();
        let s = session(
            &w,
            mode,
            &[],
            &["--allow-writes", "statuspage", "--audit-log", audit.to_str().unwrap()],
            json!([create, call("statuspage_list_components", json!({}))]),
        );
        assert!(started.elapsed() < Duration::from_secs(10), "{mode}: the call waited for the held POST");
        assert_eq!(s.result(0)["cancelled"], json!(true), "{}", s.result(0));
        success(s.result(1));
        let lines: Vec<Value> = std::fs::read_to_string(&audit)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let line = lines.iter().find(|l| l["tool"] == "statuspage_create_incident").expect("audit line");
        assert_eq!(
            (line["outcome"].as_str(), line["kind"].as_str()),
            (Some("cancelled"), Some("interrupted"))
        );
        let message = line["message"].as_str().unwrap();
        assert!(message.contains("the outcome of POST") && message.contains("is unknown"), "{line}");
        let id = line["provider_request_id"].as_str().expect("the request id").to_string();
        assert!(message.contains(&format!("request id {id}")), "{line}");
        // The POST arrived once, carrying that request id; nothing was sent after it.
        std::thread::sleep(Duration::from_millis(300));
        let posts: Vec<_> = sent(&server).into_iter().filter(|r| r.method == "POST").collect();
        assert_eq!(posts.len(), 1, "{:?}", changes(&server));
        assert!(posts[0].body.contains(&id), "the POST carries {id}: {}", posts[0].body);
        server.control().clear_faults();
    }
}
