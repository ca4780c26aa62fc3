//! `statusctl mcp` tool calls against the Statuspage sandbox, with the reference client in
//! both eras: reads, refused and allowed writes, dry runs, provider and usage errors as tool
//! errors, the call cap, secrets, a plugin panic, a third-party plugin.

use serde_json::{Value, json};
use statusctl_sandbox::BackgroundSandbox;
use statusctl_sandbox::statuspage::{DEMO_PAGE_ID, DEMO_TOKEN};

use crate::harness::{World, sent};
use crate::mcp_client::{MODES, Raw, call, expected_version, list, session, success, tool_error};
use crate::statuspage_parity::{all_incidents, api_url, new_incident, sandbox};

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
            // Calls that can never go through (a wrong type) spend no call.
            call("statuspage_list_components", json!({"limit": "many"})),
            call("statuspage_list_incidents", json!({"limit": 1.5})),
            call("statuspage_list_components", json!({})),
            call("statuspage_list_incidents", json!({})),
            call("statuspage_list_components", json!({})),
            call("statuspage_test_connection", json!({})),
        ]),
    );
    for bad in [s.result(0), s.result(1)] {
        assert_eq!(tool_error(bad)["kind"], json!("usage"), "{bad}");
    }
    success(s.result(2));
    success(s.result(3));
    let err = tool_error(s.result(4));
    assert_eq!(err["kind"], json!("call_cap"), "{err}");
    assert!(
        err["message"].as_str().unwrap().contains("at most 2 call(s) of `statuspage:list_*` per hour"),
        "{err}"
    );
    success(s.result(5));
    let lines: Vec<Value> =
        std::fs::read_to_string(&audit).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let outcomes: Vec<&str> = lines.iter().map(|l| l["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes, ["error", "error", "ok", "ok", "refused", "ok"]);
    for line in &lines {
        assert!(
            line["time"].is_string() && line["request_id"].is_number() && line["tool"].is_string(),
            "{line}"
        );
    }
    assert!(!s.stderr.contains("\"event\":\"mcp_call\""), "audit lines went to the file: {}", s.stderr);
}

/// `statuspage:change_status` prints the components it changed (a list) or, through an
/// incident, the incident (an object): a declared `oneOf` with no top-level `type`. Its
/// `outputSchema` is the union of both wrapped forms and the plan, and the reference client,
/// which checks the `structuredContent` of every successful result against the tool's
/// `outputSchema` (an exception otherwise), takes all three.
#[test]
fn a_tool_printing_an_object_or_a_list_has_an_output_schema_its_results_meet() {
    let server = sandbox();
    let w = world(&server);
    let incident = new_incident(&server, "Through MCP");
    for mode in MODES {
        let change = |status: &str, more: Value| {
            let mut arguments = json!({"components": ["API"], "component_status": status});
            arguments.as_object_mut().unwrap().extend(more.as_object().unwrap().clone());
            call("statuspage_change_status", arguments)
        };
        let s = session(
            &w,
            mode,
            &[],
            &["--allow-writes", "statuspage"],
            json!([
                list(),
                change("major_outage", json!({"dry_run": true})),
                change("degraded_performance", json!({})),
                change("operational", json!({"incident": incident})),
            ]),
        );
        let tools = s.result(0)["tools"].as_array().unwrap();
        let tool = tools.iter().find(|t| t["name"] == "statuspage_change_status").unwrap();
        let branches = tool["outputSchema"]["anyOf"].as_array().unwrap_or_else(|| panic!("{tool}"));
        let required: Vec<&Value> = branches.iter().map(|b| &b["required"]).collect();
        assert_eq!(
            required,
            [&json!(["id", "name", "status"]), &json!(["items"]), &json!(["dry_run", "requests"])],
            "{tool}"
        );
        let plan = success(s.result(1));
        assert_eq!(plan["requests"][0]["method"], json!("PATCH"), "{plan}");
        let changed = success(s.result(2));
        assert_eq!(changed["items"][0]["status"], json!("degraded_performance"), "{changed}");
        let through = success(s.result(3));
        assert_eq!(through["id"], json!(incident), "{through}");
    }
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

/// The client goes away while a create's POST is in flight (the sandbox holds it 15 s):
/// stdin closed alone (rmcp gives the call 5 s, then cancels it), and stdin closed then
/// SIGTERM (what MCP clients do 2 s later: without handling it, the process died with the
/// call and its audit line). Either way the server exits 0 soon and the call still has its
/// audit line: outcome unknown, with the request id the POST carried.
#[test]
fn a_write_in_flight_when_the_client_goes_away_is_still_audited() {
    use statusctl_sandbox::{Fault, FaultAction, FaultMatch};
    use std::time::{Duration, Instant};
    let server = sandbox();
    let w = world(&server);
    let incidents = format!("/v1/pages/{DEMO_PAGE_ID}/incidents");
    for (case, sigterm) in [("eof", false), ("sigterm", true)] {
        server.control().clear_requests();
        server.control().add_fault(
            Fault::new(FaultMatch::any().method("POST").path(&incidents), FaultAction::delay(15_000))
                .times(1),
        );
        let audit = w.path(&format!("audit-gone-{case}.jsonl"));
        let mut raw =
            Raw::start(&w, &["--allow-writes", "statuspage", "--audit-log", audit.to_str().unwrap()]);
        raw.initialize();
        raw.send(&json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {
            "name": "statuspage_create_incident", "arguments": {"title": format!("Gone {case}")}}}));
        let started = Instant::now();
        while !sent(&server).iter().any(|r| r.method == "POST") {
            assert!(started.elapsed() < Duration::from_secs(10), "{case}: the POST never arrived");
            std::thread::sleep(Duration::from_millis(20));
        }
        raw.close_stdin();
        let closed = Instant::now();
        if sigterm {
            std::thread::sleep(Duration::from_millis(300));
            let pid = raw.child.id().to_string();
            assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
        }
        let (status, rest, stderr) = raw.close(Duration::from_secs(12));
        let took = closed.elapsed();
        assert!(status.success(), "{case}: {status}\n{stderr}");
        // The answer may still be written (rmcp drains answers after stdin closes): frames only.
        for frame in rest.lines() {
            let frame: Value = serde_json::from_str(frame).unwrap_or_else(|e| panic!("{case}: {e}: {frame}"));
            assert_eq!(frame["id"], json!(7), "{case}: {frame}");
        }
        if sigterm {
            assert!(took < Duration::from_secs(3), "{case}: SIGTERM did not stop the call ({took:?})");
        }
        let text = std::fs::read_to_string(&audit).unwrap_or_default();
        let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        let line = lines
            .iter()
            .find(|l| l["tool"] == "statuspage_create_incident")
            .unwrap_or_else(|| panic!("{case}: no audit line for the call in flight:\n{text}\n{stderr}"));
        assert_eq!(
            (line["outcome"].as_str(), line["request_id"].as_i64()),
            (Some("cancelled"), Some(7)),
            "{line}"
        );
        let id = line["provider_request_id"].as_str().expect("the request id");
        let posts: Vec<_> = sent(&server).into_iter().filter(|r| r.method == "POST").collect();
        assert_eq!(posts.len(), 1, "{case}: {:?}", changes(&server));
        assert!(posts[0].body.contains(id), "{case}: the POST carries {id}: {}", posts[0].body);
        server.control().clear_faults();
    }
}

/// `statusctl mcp` reads no `./.env` (clients start servers in whatever workspace is open):
/// only `--env-file FILE`, named `.env` or not.
#[test]
fn dotenv_is_read_only_through_env_file() {
    let server = sandbox();
    let w = World::with(&["statuspage"]).env("STATUSPAGE_API_URL", &api_url(&server));
    let dotenv = format!("STATUSPAGE_TOKEN={DEMO_TOKEN}\nSTATUSPAGE_PAGE_ID={DEMO_PAGE_ID}\n");
    let in_cwd = w.write("cwd/.env", &dotenv);
    let elsewhere = w.write("creds.env", &dotenv);
    let s = session(&w, "modern", &[], &[], json!([call("statuspage_list_components", json!({}))]));
    let err = tool_error(s.result(0));
    assert_ne!(err["exit_code"], json!(0), "{err}");
    assert!(sent(&server).is_empty(), "./.env was read: {:?}", sent(&server).len());
    for (mode, file) in [("legacy", &in_cwd), ("modern", &elsewhere)] {
        let s = session(
            &w,
            mode,
            &[],
            &["--env-file", file.to_str().unwrap()],
            json!([call("statuspage_list_components", json!({}))]),
        );
        let listed = success(s.result(0));
        assert!(listed["items"].as_array().is_some_and(|i| !i.is_empty()), "{mode}: {listed}");
    }
    let missing = w.run(&["mcp", "--env-file", w.path("missing.env").to_str().unwrap()]);
    assert!(missing.code != 0 && missing.stderr.contains("missing.env"), "{missing:?}");
}
