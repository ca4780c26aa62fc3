//! The `nobl9` plugin when the API misbehaves or the input is bad: 502/503 retried four times
//! for every method (the scripts' policy), 429 waited out, the scripts' messages for 400, 401,
//! 404 (a missing resource, or a v1.0 endpoint a newer instance no longer has), lost answers
//! (a status change is looked up in the history, never applied twice; an issue is never
//! resent), and bad input of every kind refused before anything is sent.
//!
//! Waits run at `STATUSCTL_TIME_SCALE` 0.01: logs show the unscaled durations.

use serde_json::{Value, json};
use statusctl_sandbox::nobl9::Nobl9Options;
use statusctl_sandbox::{BackgroundSandbox, Fault, FaultAction, FaultMatch};

use crate::harness::*;
use crate::nobl9_commands::{
    API_EU, CACHES, DATABASE, PREFIX, Req, all_issues, bearer, exchange, fails, history, incidents, n9, req,
    requests, sandbox, sandbox_with, world,
};

fn fast(server: &BackgroundSandbox) -> World {
    world(server).env("STATUSCTL_TIME_SCALE", "0.01")
}

/// `times` faults on `METHOD path` (`rel` under the status-page prefix unless absolute).
fn fault(server: &BackgroundSandbox, method: &str, rel: &str, action: FaultAction, times: u32) {
    let path = if rel.starts_with("/api/") { rel.to_string() } else { format!("{PREFIX}{rel}") };
    server.control().add_fault(Fault::new(FaultMatch::any().method(method).path(&path), action).times(times));
}

/// A failure after retries: the exit code, nothing on stdout, `error: message` as the last
/// line of stderr and only waits before it.
#[track_caller]
fn fails_after_waits(run: &Run, code: i32, message: &str) {
    run.code(code).stdout_is("");
    let lines: Vec<&str> = run.stderr.lines().collect();
    let (last, waits) = lines.split_last().unwrap();
    assert_eq!(*last, format!("error: {message}"), "{}", run.stderr);
    assert!(waits.iter().all(|l| l.starts_with("waiting ") || l.starts_with("debug: ")), "{}", run.stderr);
}

/// The retry waits announced for answers (not the token pacing): `(seconds, reason)`.
fn retry_waits(stderr: &str) -> Vec<(f64, String)> {
    stderr
        .lines()
        .map(|l| l.strip_prefix("debug: ").unwrap_or(l))
        .filter_map(|l| l.strip_prefix("waiting "))
        .filter(|l| l.contains(" answered "))
        .map(|l| {
            let (secs, reason) = l.split_once("s (").unwrap();
            (secs.parse().unwrap(), reason.trim_end_matches(')').to_string())
        })
        .collect()
}

/// The scripts' backoff, as the host logs it: 0.5-1 s, 1-2 s, 2-4 s (1 s doubling, jitter
/// in the upper half) before attempts 2, 3 and 4.
#[track_caller]
fn assert_backoff(stderr: &str, server: &BackgroundSandbox, status: u16, retries: usize) {
    let waits = retry_waits(stderr);
    assert_eq!(waits.len(), retries, "{stderr}");
    for (i, (secs, reason)) in waits.iter().enumerate() {
        let full = f64::from(1u32 << i);
        assert!((full / 2.0 - 0.05..=full + 0.05).contains(secs), "wait {i}: {secs} s\n{stderr}");
        assert_eq!(*reason, format!("{} answered {status}, retry {}/4", server.addr(), i + 2));
    }
}

// ---------------------------------------------------------------------------------------
// 502 / 503
// ---------------------------------------------------------------------------------------

#[test]
fn gateway_errors_are_retried_four_times_for_every_method() {
    let server = sandbox();
    let w = fast(&server);
    let at = "2026-02-05T10:30:00Z";
    let change = format!("/components/{DATABASE}/change-status");
    let issue = json!({"componentId": DATABASE, "occurredAt": at});
    let external = json!({"componentName": "Database", "occurredAt": at, "requestedBy": "external-system"});
    let cases: [(&[&str], &str, &str, u16, Req); 4] = [
        (&["list-components"], "GET", "/components", 503, bearer("GET /components", Value::Null)),
        (
            &["create-issue", DATABASE, "--occurred-at", at],
            "POST",
            "/issues",
            502,
            bearer("POST /issues", issue),
        ),
        (
            &["change-status", DATABASE, "majorOutage"],
            "POST",
            &change,
            503,
            bearer(&format!("POST {change}"), json!({"status": "majorOutage", "propagateUp": false})),
        ),
        (
            &["create-external-issue", "Database", "--occurred-at", at],
            "POST",
            "/issues/external",
            502,
            req("POST /issues/external", "Basic demo", external),
        ),
    ];
    for (args, method, rel, status, call) in cases {
        server.control().clear_requests();
        fault(&server, method, rel, FaultAction::status(status), 3);
        let mut argv = args.to_vec();
        argv.push("-v");
        let run = n9(&w, argv[0], &argv[1..]);
        run.ok();
        assert_backoff(&run.stderr, &server, status, 3);
        let mut expected = vec![call; 4];
        if call_needs_token(&expected[0]) {
            expected.insert(0, exchange());
        }
        assert_eq!(requests(&server), expected, "{args:?}");
    }
    // Each write was applied once.
    assert_eq!(all_issues(&server).len(), 2);
    assert_eq!(history(&server, DATABASE).len(), 1);
}

fn call_needs_token(call: &Req) -> bool {
    call.auth == "Bearer issued"
}

#[test]
fn after_four_gateway_errors_the_scripts_message_and_nothing_applied() {
    let server = sandbox();
    let w = fast(&server);
    let change = format!("/components/{DATABASE}/change-status");
    fault(&server, "POST", &change, FaultAction::status(503).with_body("upstream down"), 4);
    let run = n9(&w, "change-status", &[DATABASE, "majorOutage", "-v"]);
    assert_backoff(&run.stderr, &server, 503, 3);
    assert_eq!(
        run.stderr.lines().last().unwrap(),
        "error: Request failed after 4 attempts. Last error: Transient API error (HTTP 503): upstream down"
    );
    run.code(5).stdout_is("");
    let body = json!({"status": "majorOutage", "propagateUp": false});
    let mut expected = vec![bearer(&format!("POST {change}"), body); 4];
    expected.insert(0, exchange());
    assert_eq!(requests(&server), expected);
    assert_eq!(history(&server, DATABASE), Vec::<Value>::new());

    // Without a body: the scripts' default text.
    server.control().clear_requests();
    fault(&server, "GET", "/components", FaultAction::status(502).with_body(""), 4);
    fails_after_waits(
        &n9(&w, "list-components", &[]),
        5,
        "Request failed after 4 attempts. Last error: Transient API error (HTTP 502): Service temporarily unavailable",
    );
    assert_eq!(sent(&server).len(), 5);

    // The token exchange is retried the same way, then refused with the scripts' message.
    server.control().clear_requests();
    fault(&server, "POST", "/api/accessToken", FaultAction::status(503).with_body("busy"), 4);
    fails_after_waits(&n9(&w, "list-components", &[]), 5, "Token generation failed (HTTP 503): busy");
    assert_eq!(requests(&server), vec![exchange(); 4]);
    server.control().clear_requests();
    fault(&server, "POST", "/api/accessToken", FaultAction::status(503), 3);
    n9(&w, "list-components", &[]).ok();
    assert_eq!(requests(&server).len(), 5);

    // 500 is not retried.
    server.control().clear_requests();
    fault(&server, "GET", "/issues/summary", FaultAction::status(500).with_body("oops"), 1);
    fails(&n9(&w, "issue-summary", &[]), 5, "Server error: oops");
    assert_eq!(requests(&server), [exchange(), bearer("GET /issues/summary", Value::Null)]);

    // Nobody listening: every attempt fails to connect.
    let w = w.env("NOBL9_BASE_URL", "http://127.0.0.1:9");
    let run = n9(&w, "list-components", &[]);
    run.code(5).stdout_is("");
    assert!(
        run.stderr
            .lines()
            .last()
            .unwrap()
            .starts_with("error: cannot reach http://127.0.0.1:9/api/accessToken: "),
        "{}",
        run.stderr
    );
}

// ---------------------------------------------------------------------------------------
// 429
// ---------------------------------------------------------------------------------------

#[test]
fn a_429_on_an_api_call_waits_for_retry_after_and_applies_once() {
    let server = sandbox();
    let w = fast(&server);
    let change = format!("/components/{DATABASE}/change-status");
    fault(&server, "GET", "/components", FaultAction::status(429).with_retry_after("2"), 1);
    fault(&server, "POST", &change, FaultAction::status(429).with_retry_after("5"), 1);
    let run = n9(&w, "change-status", &["Database", "degradedPerformance"]);
    run.ok().stdout_is("✅ Status changed successfully!\n   Database: operational → degradedPerformance\n");
    let addr = server.addr();
    assert_eq!(
        run.stderr,
        format!(
            "waiting 2s ({addr} answered 429 with Retry-After, retry 2/4)\nwaiting 5s ({addr} answered 429 with \
             Retry-After, retry 2/4)\n"
        )
    );
    let post =
        bearer(&format!("POST {change}"), json!({"status": "degradedPerformance", "propagateUp": false}));
    let get = bearer("GET /components", Value::Null);
    assert_eq!(requests(&server), [exchange(), get.clone(), get, post.clone(), post]);
    assert_eq!(history(&server, DATABASE).len(), 1);

    // Without Retry-After: the backoff; four refusals: the scripts' message.
    server.control().clear_requests();
    fault(&server, "GET", "/issues", FaultAction::status(429), 4);
    let run = n9(&w, "list-issues", &["-v"]);
    assert_backoff(&run.stderr, &server, 429, 3);
    assert_eq!(run.stderr.lines().last().unwrap(), "error: Rate limit exceeded. Please retry later.");
    run.code(5).stdout_is("");
    assert_eq!(requests(&server).len(), 5);
}

// ---------------------------------------------------------------------------------------
// 400, 401, 403, 404
// ---------------------------------------------------------------------------------------

#[test]
fn client_errors_are_the_scripts_messages() {
    let server = sandbox();
    let w = fast(&server);
    let change = format!("/components/{DATABASE}/change-status");
    let refused = r#"{"errors":[{"title":"Invalid status","code":"validation_error"}]}"#;
    fault(&server, "POST", &change, FaultAction::status(400).with_body(refused), 1);
    fails(&n9(&w, "change-status", &[DATABASE, "majorOutage"]), 1, &format!("Validation error: {refused}"));
    fault(&server, "POST", "/issues", FaultAction::status(400).with_body(""), 1);
    fails(&n9(&w, "create-issue", &[DATABASE]), 1, "Validation error: Bad request - invalid parameters");
    // A 401 is tried once more with a fresh token; refused again, it is the scripts' error.
    fault(&server, "GET", "/incidents", FaultAction::status(401), 2);
    let run = n9(&w, "list-incidents", &[]);
    run.code(4).stdout_is("");
    assert!(
        run.stderr.ends_with("error: Authentication failed. Check your NOBL9_API_TOKEN and NOBL9_ORG.\n"),
        "{run:?}"
    );
    fault(&server, "GET", "/issues", FaultAction::status(409).with_body("conflict"), 1);
    fails(&n9(&w, "list-issues", &[]), 1, "Unexpected error (HTTP 409): conflict");
    // None of them was retried (but the 401, once, with a fresh token), none applied anything.
    let calls: Vec<String> =
        requests(&server).into_iter().filter(|r| r.auth != "Basic demo").map(|r| r.call).collect();
    assert_eq!(
        calls,
        [
            format!("POST {change}"),
            "POST /issues".into(),
            "GET /incidents".into(),
            "GET /incidents".into(),
            "GET /issues".into()
        ]
    );
    assert_eq!(history(&server, DATABASE), Vec::<Value>::new());
    assert_eq!(all_issues(&server), Vec::<Value>::new());

    // Without the admin role the emulator refuses status changes.
    let server =
        sandbox_with(Nobl9Options { admin: false, token_rate_limit: false, ..Nobl9Options::default() });
    let w = fast(&server);
    let run = n9(&w, "change-status", [DATABASE, "majorOutage"].as_slice());
    fails(
        &run,
        4,
        "Unexpected error (HTTP 403): {\"errors\":[{\"title\":\"Forbidden\",\"code\":\"forbidden\",\"detail\":\
         \"Changing a component's status requires the organization admin role.\"}]}",
    );
}

#[test]
fn an_unknown_component_id_is_a_missing_resource() {
    let server = sandbox();
    let w = fast(&server);
    let nobody = "00000000-0000-4000-8000-000000000000";
    let message = format!("Resource not found: Component {nobody} not found.");
    let cases: [(&[&str], String, Value); 4] = [
        (
            &["change-status", nobody, "majorOutage"],
            format!("POST /components/{nobody}/change-status"),
            json!({"status": "majorOutage", "propagateUp": false}),
        ),
        (&["status-history", nobody], format!("GET /components/{nobody}/status-changes"), Value::Null),
        (
            &["create-issue", nobody, "--occurred-at", "2026-02-05T10:30:00Z"],
            "POST /issues".into(),
            json!({"componentId": nobody, "occurredAt": "2026-02-05T10:30:00Z"}),
        ),
        (
            &["resolve-incident", "-c", nobody],
            format!("POST /components/{nobody}/change-status"),
            json!({"status": "operational", "propagateUp": false}),
        ),
    ];
    for (args, call, body) in cases {
        server.control().clear_requests();
        fails(&n9(&w, args[0], &args[1..]), 1, &message);
        assert_eq!(requests(&server), [exchange(), bearer(&call, body)], "{args:?}");
    }
    // No component with an external issue's name.
    server.control().clear_requests();
    fails(&n9(&w, "create-external-issue", &["Nope"]), 1, "Resource not found: No component named \"Nope\".");
    assert_eq!(sent(&server).len(), 1);
}

#[test]
fn instances_without_the_v1_endpoints_say_so() {
    let server = sandbox_with(Nobl9Options {
        v1_endpoints: false,
        token_rate_limit: false,
        ..Nobl9Options::default()
    });
    let w = fast(&server);
    let gone =
        |what: &str| format!("Resource not found: endpoint not available on this Nobl9 instance ({what})");
    let change = format!("/status-page/components/{DATABASE}/change-status");
    fails(&n9(&w, "change-status", &[DATABASE, "majorOutage"]), 1, &gone(&format!("POST {change}")));
    fails(
        &n9(&w, "status-history", &["Database"]),
        1,
        &gone(&format!("GET /status-page/components/{DATABASE}/status-changes")),
    );
    fails(&n9(&w, "list-incidents", &["--ongoing"]), 1, &gone("GET /status-page/incidents"));
    fails(
        &n9(&w, "create-external-issue", &["Database", "--status", "majorOutage"]),
        1,
        &gone("POST /status-page/issues/external"),
    );
    fails(
        &n9(&w, "monitoring-integration", &["Database", "critical"]),
        1,
        &gone("POST /status-page/issues/external"),
    );
    // Each was sent once (no retry of a 404).
    let calls: Vec<String> = requests(&server)
        .into_iter()
        .filter(|r| r.auth != "Basic demo" || r.call.contains("external"))
        .map(|r| r.call)
        .collect();
    assert_eq!(
        calls,
        [
            format!("POST /components/{DATABASE}/change-status"),
            "GET /components".into(),
            format!("GET /components/{DATABASE}/status-changes"),
            "GET /incidents?ongoing=true".into(),
            "POST /issues/external".into(),
            "POST /issues/external".into(),
        ]
    );
    // What these instances still serve works: issues, external ones without a status change.
    n9(&w, "create-external-issue", &["Database"]).ok();
    n9(&w, "create-issue", &["Database"]).ok();
    assert_eq!(all_issues(&server).len(), 2);
    // The workflow stops at its first status change, naming the step.
    fails(
        &n9(&w, "incident-workflow", &[DATABASE, "majorOutage", "--pause", "0"]),
        1,
        &format!(
            "incident workflow stopped at step 2/8 (Changing component status to majorOutage): {}",
            gone(&format!("POST {change}"))
        ),
    );
    assert_eq!(all_issues(&server).len(), 3);
}

// ---------------------------------------------------------------------------------------
// Lost answers
// ---------------------------------------------------------------------------------------

/// The warning of a change whose answer was lost, up to the host's reason.
fn lost(server: &BackgroundSandbox, stderr_line: &str) {
    let url = format!("{}{PREFIX}/components/{DATABASE}/change-status", server.base_url());
    let prefix = format!("warning: nobl9: the outcome of POST {url} is unknown (");
    let suffix =
        "): it may have been applied; looking for the change in the status history before sending it again";
    assert!(stderr_line.starts_with(&prefix) && stderr_line.ends_with(suffix), "{stderr_line}");
}

#[test]
fn a_status_change_whose_answer_is_lost_is_found_in_the_history_and_not_sent_again() {
    let server = sandbox();
    let w = fast(&server);
    let change = format!("/components/{DATABASE}/change-status");
    fault(&server, "POST", &change, FaultAction::drop_after(), 1);
    let run = n9(&w, "change-status", &["Database", "majorOutage", "--comment", "DB down"]);
    run.ok().stdout_is("✅ Status changed successfully!\n   Database: operational → majorOutage\n");
    let warnings: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(warnings.len(), 2, "{}", run.stderr);
    lost(&server, warnings[0]);
    assert_eq!(warnings[1], "warning: nobl9: found it in the status history: the change was applied");
    let body = json!({"status": "majorOutage", "propagateUp": false, "comment": "DB down"});
    assert_eq!(
        requests(&server),
        [
            exchange(),
            bearer("GET /components", Value::Null),
            bearer(&format!("POST {change}"), body),
            bearer(&format!("GET /components/{DATABASE}/status-changes"), Value::Null),
        ]
    );
    // Exactly one change, one incident.
    let h = history(&server, DATABASE);
    assert_eq!(h.len(), 1);
    assert_eq!((&h[0]["newStatus"], &h[0]["comment"]), (&json!("majorOutage"), &json!("DB down")));
    assert_eq!(incidents(&server, None).len(), 1);

    // -f json: the history entry found.
    fault(&server, "POST", &change, FaultAction::drop_after(), 1);
    let shown = n9(&w, "resolve-incident", &["-c", DATABASE, "-m", "fixed", "-f", "json"]).ok().json();
    let h = history(&server, DATABASE);
    assert_eq!(h.len(), 2);
    assert_eq!(shown, h[0]);
}

#[test]
fn a_status_change_lost_before_it_arrived_is_sent_again_once() {
    let server = sandbox();
    let w = fast(&server);
    let change = format!("/components/{DATABASE}/change-status");
    fault(&server, "POST", &change, FaultAction::drop_before(), 1);
    let run = n9(&w, "create-incident", &["-c", DATABASE, "-cs", "major_outage", "-m", "DB down"]);
    run.ok().stdout_is("✅ Incident created: Database is majorOutage (was operational)\n");
    let warnings: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(warnings.len(), 2, "{}", run.stderr);
    lost(&server, warnings[0]);
    assert_eq!(
        warnings[1],
        "warning: nobl9: not in the status history: the change was not applied; sending it again"
    );
    let post = bearer(
        &format!("POST {change}"),
        json!({"status": "majorOutage", "propagateUp": false, "comment": "DB down"}),
    );
    assert_eq!(
        requests(&server),
        [
            exchange(),
            post.clone(),
            bearer(&format!("GET /components/{DATABASE}/status-changes"), Value::Null),
            post
        ]
    );
    assert_eq!(history(&server, DATABASE).len(), 1);

    // Lost three times: the outcome stays unknown (exit 5) after three sends, none applied.
    server.control().clear_requests();
    fault(&server, "POST", &change, FaultAction::drop_before(), 3);
    let run = n9(&w, "resolve-incident", &["-c", DATABASE]);
    run.code(5).stdout_is("");
    let last = run.stderr.lines().last().unwrap();
    assert!(
        last.starts_with("error: the outcome of POST ") && last.ends_with("): it may have been applied"),
        "{last}"
    );
    let calls: Vec<String> = requests(&server).into_iter().map(|r| r.call).collect();
    let post = format!("POST {change}");
    let get = format!("GET /components/{DATABASE}/status-changes");
    assert_eq!(calls, ["POST /api/accessToken", &post, &get, &post, &get, &post, &get]);
    assert_eq!(history(&server, DATABASE).len(), 1);

    // The history cannot be read either: unknown, and nothing more is sent.
    server.control().clear_requests();
    fault(&server, "POST", &change, FaultAction::drop_after(), 1);
    fault(
        &server,
        "GET",
        &format!("/components/{DATABASE}/status-changes"),
        FaultAction::status(500).with_body("x"),
        1,
    );
    let run = n9(&w, "resolve-incident", &["-c", DATABASE]);
    run.code(5).stdout_is("");
    let last = run.stderr.lines().last().unwrap();
    assert!(
        last.ends_with(&format!(
            "; reading the status history to check failed (Server error: x): run nobl9:status-history {DATABASE} before changing it again"
        )),
        "{last}"
    );
    assert_eq!(requests(&server).len(), 3);
    assert_eq!(history(&server, DATABASE).len(), 2);
}

#[test]
fn an_issue_whose_answer_is_lost_is_never_sent_again() {
    let server = sandbox();
    let w = fast(&server);
    let at = "2026-02-05T10:30:00Z";
    for (action, created) in [(FaultAction::drop_after(), 1), (FaultAction::drop_before(), 0)] {
        server.control().reset();
        fault(&server, "POST", "/issues", action, 1);
        let run = n9(&w, "create-issue", &[DATABASE, "--occurred-at", at]);
        run.code(5).stdout_is("");
        let url = format!("{}{PREFIX}/issues", server.base_url());
        let last = run.stderr.lines().last().unwrap();
        assert!(
            last.starts_with(&format!("error: the outcome of POST {url} is unknown ("))
                && last.ends_with("): it may have been applied"),
            "{last}"
        );
        assert_eq!(
            requests(&server),
            [exchange(), bearer("POST /issues", json!({"componentId": DATABASE, "occurredAt": at}))]
        );
        assert_eq!(all_issues(&server).len(), created);
    }
    // An external issue, likewise.
    server.control().reset();
    fault(&server, "POST", "/issues/external", FaultAction::drop_after(), 1);
    n9(&w, "monitoring-integration", &["Database", "critical"]).code(5).stdout_is("");
    assert_eq!(sent(&server).len(), 1);
    assert_eq!(all_issues(&server).len(), 1);
}

// ---------------------------------------------------------------------------------------
// Bad input
// ---------------------------------------------------------------------------------------

#[test]
fn bad_input_is_refused_before_anything_is_sent() {
    let server = sandbox();
    let w = fast(&server);
    let status = "invalid status `partialOutage`: use operational, degradedPerformance or majorOutage \
                  (degraded_performance and major_outage are accepted too)";
    let severity = |s: &str| {
        format!(
            "invalid severity `{s}`: use degradedPerformance or majorOutage (degraded_performance and major_outage \
             are accepted too)"
        )
    };
    let time = "invalid --occurred-at `yesterday`: use an ISO 8601 time such as 2026-02-05T10:30:00Z";
    let cases: Vec<(Vec<&str>, String)> = vec![
        (vec!["change-status", DATABASE, "partialOutage"], status.into()),
        (
            vec!["change-status", "Database", "under_maintenance", "--propagate"],
            status.replace("partialOutage", "under_maintenance"),
        ),
        (vec!["create-external-issue", "Database", "--status", "partialOutage"], status.into()),
        (
            vec!["create-external-issue", "Database", "--propagate"],
            "--propagate requires --status to be specified".into(),
        ),
        (vec!["create-external-issue"], "COMPONENT_NAME is required (unless using --list-components)".into()),
        (vec!["create-external-issue", "Database", "--occurred-at", "yesterday"], time.into()),
        (vec!["create-issue", DATABASE, "--occurred-at", "yesterday"], time.into()),
        (
            vec!["create-issue", "Database", "--occurred-at", "2026-02-30T10:00:00Z"],
            time.replace("yesterday", "2026-02-30T10:00:00Z"),
        ),
        (
            vec!["monitoring-integration", "Database", "info"],
            "Alert severity must be 'warning', 'critical', or 'resolved'".into(),
        ),
        (
            vec!["list-issues", "--source", "bogus"],
            "invalid value 'bogus' for '--source <SOURCE>' [possible values: user, external, internal]"
                .into(),
        ),
        (vec!["list-issues", "--limit", "0"], "--limit must be between 1 and 200".into()),
        (vec!["list-issues", "--limit", "201"], "--limit must be between 1 and 200".into()),
        (
            vec!["list-issues", "--limit", "ten"],
            "invalid value 'ten' for '--limit <N>': invalid digit found in string".into(),
        ),
        (vec!["list-issues", "--offset=-1"], "--offset must not be negative".into()),
        (
            vec!["list-issues", "--active", "--inactive"],
            "the argument '--active' cannot be used with '--inactive'".into(),
        ),
        (
            vec!["list-incidents", "--ongoing", "--resolved"],
            "the argument '--ongoing' cannot be used with '--resolved'".into(),
        ),
        (vec!["incident-workflow", DATABASE, "operational", "--pause", "0"], severity("operational")),
        (
            vec!["incident-workflow", DATABASE, "majorOutage", "--pause", "soon"],
            "--pause must be a number of seconds (0 or more)".into(),
        ),
        (vec!["create-incident", "-c", DATABASE, "-cs", "partial_outage"], severity("partial_outage")),
        (
            vec!["create-incident", "-cs", "major_outage"],
            "the following required arguments were not provided: --component <COMPONENT>".into(),
        ),
        (vec!["update-incident", "-c", DATABASE, "-cs", "under_maintenance"], severity("under_maintenance")),
        (
            vec!["update-incident", "-c", DATABASE],
            "nothing to update: give --severity (-cs) and/or -m MESSAGE".into(),
        ),
        (
            vec!["change-status", DATABASE],
            "the following required arguments were not provided: <STATUS>".into(),
        ),
        (vec!["status-history"], "the following required arguments were not provided: <COMPONENT>".into()),
    ];
    for (args, message) in cases {
        fails(&n9(&w, args[0], &args[1..]), 2, &message);
    }
    assert_eq!(sent(&server).len(), 0);

    // Names are looked up (a token, one read of the tree) and nothing else is sent.
    let names =
        "no component named `database` (names are case-sensitive); components: Platform, API, API EU, \
                 API US, Database, Cache, Web, Frontend, Cache"
            .to_string();
    let ambiguous = format!(
        "the component name `Cache` is ambiguous: 2 components have it ({}, {}); pass the id of the one you mean",
        CACHES[0], CACHES[1]
    );
    let cases: [(&[&str], &String); 6] = [
        (&["create-issue", "database"], &names),
        (&["change-status", "Cache", "majorOutage"], &ambiguous),
        (&["status-history", "Cache"], &ambiguous),
        (&["list-issues", "--component", "database"], &names),
        (&["create-incident", "-c", "Cache", "-cs", "major_outage"], &ambiguous),
        (&["incident-workflow", "database", "majorOutage", "--pause", "0"], &names),
    ];
    for (args, message) in cases {
        server.control().clear_requests();
        fails(&n9(&w, args[0], &args[1..]), 2, message);
        assert_eq!(requests(&server), [exchange(), bearer("GET /components", Value::Null)], "{args:?}");
    }
    assert_eq!(all_issues(&server), Vec::<Value>::new());
    assert_eq!(history(&server, API_EU), Vec::<Value>::new());
    for id in CACHES {
        assert_eq!(history(&server, id), Vec::<Value>::new());
    }
}
