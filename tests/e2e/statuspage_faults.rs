//! The `statuspage` plugin when the API misbehaves: rate limits (injected, and the
//! emulator's own 60 requests per rolling minute), gateway errors, lost answers to creates
//! (looked up by request id before anything is sent again), timeouts, and pacing.
//!
//! Waits run at `STATUSCTL_TIME_SCALE` 0.01 or 0.02: logs show the unscaled durations, the
//! default 30 s timeout becomes 300 ms (600 ms) of real time.

use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;
use statusctl_sandbox::statuspage::{DEMO_PAGE_ID, DEMO_TOKEN, RateLimitMode, StatuspageOptions};
use statusctl_sandbox::{BackgroundSandbox, Fault, FaultAction, FaultMatch};

use crate::harness::*;
use crate::statuspage_parity::{
    API, INCIDENTS_PATH, Kind, all_incidents, conan_text, http, id_in, lines, request_id_of, sandbox,
    sandbox_with, sp, stored, world,
};

fn fast(server: &BackgroundSandbox) -> World {
    world(server).env("STATUSCTL_TIME_SCALE", "0.01")
}

fn fault(server: &BackgroundSandbox, method: &str, path: &str, action: FaultAction, times: u32) {
    server.control().add_fault(Fault::new(FaultMatch::any().method(method).path(path), action).times(times));
}

fn post() -> String {
    format!("POST {INCIDENTS_PATH}")
}

fn lookup(list: &str) -> String {
    format!("GET {INCIDENTS_PATH}/{list}?page=1&per_page=100")
}

/// The bodies statusctl sent with its POSTs.
fn posted_bodies(server: &BackgroundSandbox) -> Vec<Value> {
    sent(server)
        .iter()
        .filter(|r| r.method == "POST")
        .map(|r| serde_json::from_str(&r.body).unwrap())
        .collect()
}

// ---------------------------------------------------------------------------------------
// Rate limits
// ---------------------------------------------------------------------------------------

#[test]
fn injected_rate_limits_on_create_are_waited_out_and_create_once() {
    let server = sandbox();
    let w = fast(&server);
    for status in [420, 429] {
        server.control().clear_requests();
        let before = all_incidents(&server).len();
        fault(&server, "POST", INCIDENTS_PATH, FaultAction::status(status).with_retry_after("2"), 1);
        let run = sp(&w, "create-incident", &["-t", "Limited"]);
        run.ok();
        assert_eq!(
            wait_lines(&run.stderr),
            [format!("waiting 2s ({} answered {status} with Retry-After, retry 2/4)", server.addr())],
            "{}",
            run.stderr
        );
        assert_eq!(lines(&server), [post(), post()]);
        let bodies = posted_bodies(&server);
        assert_eq!(bodies[0], bodies[1], "the resend is the same request");
        assert_eq!(all_incidents(&server).len(), before + 1);
        run.stdout_is(&conan_text(Kind::Created, &stored(&server, &id_in(&run.stdout))));
    }
}

/// Fills the emulator's window for the demo token (60 requests in the last minute).
fn use_up_the_rate_limit(server: &BackgroundSandbox) {
    for _ in 0..60 {
        assert_eq!(http(server, "GET", "/v1/pages", Some(DEMO_TOKEN), None).0, 200);
    }
    let (status, _) = http(server, "GET", "/v1/pages", Some(DEMO_TOKEN), None);
    assert!(status == 420 || status == 429, "the 61st request in a minute is refused, got {status}");
}

#[test]
fn the_emulators_own_limit_is_honoured_with_its_retry_after() {
    for (mode, status) in [(RateLimitMode::Status420, 420), (RateLimitMode::Status429, 429)] {
        let server = sandbox_with(StatuspageOptions { rate_limit: mode, ..Default::default() });
        let w = fast(&server);
        use_up_the_rate_limit(&server);
        server.control().clear_requests();
        // The client waits what Retry-After says (about a minute, 0.6 s here); the test moves
        // the emulator's clock past the window meanwhile, as a real minute would.
        let clock = server.control();
        let mut advanced = false;
        let args = ["statuspage:create-incident", "-tk", DEMO_TOKEN, "-p", DEMO_PAGE_ID, "-t", "Later"];
        let run = w.run_watching(&args, |line| {
            if line.starts_with("waiting ") && !advanced {
                clock.advance_clock(Duration::from_secs(61));
                advanced = true;
            }
        });
        run.ok();
        let waits = wait_lines(&run.stderr);
        assert_eq!(waits.len(), 1, "{}", run.stderr);
        let shown = format!(" ({} answered {status} with Retry-After, retry 2/4)", server.addr());
        assert!(waits[0].ends_with(&shown), "{}", waits[0]);
        assert!(
            waits[0] == format!("waiting 1m 0s{shown}") || waits[0] == format!("waiting 59s{shown}"),
            "{}",
            waits[0]
        );
        assert_eq!(lines(&server), [post(), post()]);
        assert_eq!(all_incidents(&server).len(), 1);
        run.stdout_is(&conan_text(Kind::Created, &stored(&server, &id_in(&run.stdout))));
    }
}

/// Ids of the same component, `n` times: `change_status` then makes `n` PATCHes.
fn many(n: usize) -> Vec<&'static str> {
    vec![API; n]
}

#[test]
fn long_jobs_are_paced_to_sixty_requests_in_any_rolling_minute() {
    let server = sandbox_with(StatuspageOptions { rate_limit: RateLimitMode::Off, ..Default::default() });
    // One virtual second is 20 ms here.
    let w = world(&server).env("STATUSCTL_TIME_SCALE", "0.02");
    let mut args = vec![
        "-v",
        "statuspage:change-status",
        "-tk",
        DEMO_TOKEN,
        "-p",
        DEMO_PAGE_ID,
        "-cs",
        "major_outage",
        "-c",
    ];
    args.extend(many(80));
    let run = w.run(&args);
    run.ok().stderr_lacks("answered 420");
    let patches: Vec<u64> =
        sent(&server).iter().filter(|r| r.method == "PATCH").map(|r| r.received_ms).collect();
    assert_eq!(patches.len(), 80);
    // A burst first, then the client waits for its budget.
    let waits = wait_lines(&run.stderr);
    assert!(!waits.is_empty(), "no pacing at all:\n{}", run.stderr);
    assert!(waits.iter().all(|l| l.ends_with(" (rate limit `statuspage`)")), "{waits:?}");
    // No rolling minute (1200 ms real; 57 s to allow for scheduling jitter) holds more than 60.
    let window = 57 * 20;
    for (i, start) in patches.iter().enumerate() {
        let within = patches[i..].iter().take_while(|t| **t < start + window).count();
        assert!(within <= 60, "{within} requests within a minute from request {i}: {patches:?}");
    }
}

#[test]
fn a_long_job_that_hits_the_limit_recovers_through_retry_after() {
    // The emulator counts real time, the client's clock runs 100 times faster: its pacing
    // cannot keep the emulator's real-time window, so the 61st request gets a 420.
    let server = sandbox();
    let w = fast(&server);
    let clock = server.control();
    let mut advanced = 0;
    let mut args = vec![
        "statuspage:change-status",
        "-tk",
        DEMO_TOKEN,
        "-p",
        DEMO_PAGE_ID,
        "-cs",
        "partial_outage",
        "-c",
    ];
    args.extend(many(70));
    let run = w.run_watching(&args, |line| {
        if line.starts_with("waiting ") && line.contains("answered 420 with Retry-After") {
            clock.advance_clock(Duration::from_secs(61));
            advanced += 1;
        }
    });
    run.ok();
    assert_eq!(advanced, 1, "{}", run.stderr);
    assert_eq!(run.stdout.lines().count(), 70);
    let patches = sent(&server).iter().filter(|r| r.method == "PATCH").count();
    assert_eq!(patches, 71, "70 changes and the one refused");
}

// ---------------------------------------------------------------------------------------
// Gateway errors and lost answers
// ---------------------------------------------------------------------------------------

#[test]
fn gateway_errors_on_lists_are_retried() {
    let server = sandbox();
    let w = fast(&server);
    let list = format!("GET {INCIDENTS_PATH}?page=1&limit=100");
    for (status, times) in [(502u16, 1u32), (503, 2), (504, 3)] {
        server.control().clear_requests();
        fault(&server, "GET", INCIDENTS_PATH, FaultAction::status(status), times);
        let run = sp(&w, "list-incidents", &["-v"]);
        run.ok().stdout_is("no incidents\n");
        assert_eq!(lines(&server), vec![list.clone(); times as usize + 1], "{status}");
        assert_eq!(run.stderr.matches(&format!(" → {status} (")).count(), times as usize);
    }
    // Four in a row: the last answer stands, one line, exit 5.
    server.control().clear_requests();
    fault(&server, "GET", INCIDENTS_PATH, FaultAction::status(503), 4);
    let run = sp(&w, "list-incidents", &[]);
    run.code(5).stdout_is("");
    assert_eq!(
        run.stderr.lines().last(),
        Some("error: GET /v1/pages/sandboxpage1/incidents: 503 Service Unavailable: injected fault")
    );
    assert_eq!(lines(&server).len(), 4);
}

#[test]
fn a_503_on_create_is_looked_up_before_the_resend() {
    let server = sandbox();
    let w = fast(&server);
    fault(&server, "POST", INCIDENTS_PATH, FaultAction::status(503), 1);
    let run = sp(&w, "create-incident", &["-t", "Once"]);
    run.ok();
    assert_eq!(lines(&server), [post(), lookup("unresolved"), post()]);
    let bodies = posted_bodies(&server);
    assert_eq!(bodies[0], bodies[1], "the same request id both times");
    let request_id = request_id_of(&bodies[0]);
    assert_eq!(
        run.stderr,
        format!(
            "warning: statuspage: POST /v1/pages/sandboxpage1/incidents: 503 Service Unavailable: injected fault; \
             looking for request id {request_id} before sending again\n"
        )
    );
    assert_eq!(all_incidents(&server).len(), 1);
    run.stdout_is(&conan_text(Kind::Created, &stored(&server, &id_in(&run.stdout))));

    // Three 503s: three sends, each looked up, then the error (exit 5) and nothing created.
    server.control().clear_requests();
    fault(&server, "POST", INCIDENTS_PATH, FaultAction::status(503), 3);
    let run = sp(&w, "create-incident", &["-t", "Never"]);
    run.code(5).stdout_is("");
    assert_eq!(
        run.stderr.lines().last(),
        Some("error: POST /v1/pages/sandboxpage1/incidents: 503 Service Unavailable: injected fault")
    );
    let u = lookup("unresolved");
    assert_eq!(lines(&server), [post(), u.clone(), post(), u.clone(), post(), u]);
    assert_eq!(all_incidents(&server).len(), 1);
}

#[test]
fn a_create_whose_answer_is_lost_after_it_was_stored_is_found_not_resent() {
    let server = sandbox();
    let w = fast(&server);
    fault(&server, "POST", INCIDENTS_PATH, FaultAction::drop_after(), 1);
    let run = sp(&w, "create-incident", &["-t", "Stored", "-cs", "major_outage", "-c", API]);
    run.ok();
    assert_eq!(lines(&server), [post(), lookup("unresolved")]);
    let incidents = all_incidents(&server);
    assert_eq!(incidents.len(), 1);
    let id = incidents[0]["id"].as_str().unwrap();
    run.stdout_is(&conan_text(Kind::Created, &stored(&server, id)));
    let warnings: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(warnings.len(), 2, "{}", run.stderr);
    assert!(warnings[0].starts_with(&format!(
        "warning: statuspage: the outcome of POST {}/v1/pages/sandboxpage1/incidents is unknown (",
        server.base_url()
    )));
    assert_eq!(warnings[1], format!("warning: statuspage: found it: an earlier attempt created {id}"));
}

#[test]
fn a_create_lost_before_it_was_stored_is_sent_again_once() {
    let server = sandbox();
    let w = fast(&server);
    fault(&server, "POST", INCIDENTS_PATH, FaultAction::drop_before(), 1);
    let run = sp(&w, "create-incident", &["-t", "Again"]);
    run.ok().stderr_lacks("found it");
    assert_eq!(lines(&server), [post(), lookup("unresolved"), post()]);
    assert_eq!(all_incidents(&server).len(), 1);
    run.stdout_is(&conan_text(Kind::Created, &stored(&server, &id_in(&run.stdout))));
}

#[test]
fn a_create_past_the_timeout_is_looked_up_then_sent_again() {
    let server = sandbox();
    let w = fast(&server);
    // 1 s on the first POST; the client gives up at 300 ms (30 s scaled) and closes the
    // connection, and the sandbox drops the request with it: nothing was stored.
    fault(&server, "POST", INCIDENTS_PATH, FaultAction::delay(1000), 1);
    let started = Instant::now();
    let run = sp(&w, "create-incident", &["-v", "-t", "Slow"]);
    run.ok().stderr_has(" → timed out: ");
    assert_eq!(lines(&server), [post(), lookup("unresolved"), post()]);
    // Past the delay, still one incident.
    std::thread::sleep(Duration::from_millis(1200).saturating_sub(started.elapsed()));
    assert_eq!(all_incidents(&server).len(), 1);
    run.stdout_is(&conan_text(Kind::Created, &stored(&server, &id_in(&run.stdout))));
}

#[test]
fn a_slow_create_that_was_stored_meanwhile_is_found() {
    let server = sandbox();
    // The default 30 s timeout is 600 ms here.
    let w = world(&server).env("STATUSCTL_TIME_SCALE", "0.02");
    fault(&server, "POST", INCIDENTS_PATH, FaultAction::delay(1500), 1);
    // The server stores the create while its answer is slow: the test replays the recorded
    // request itself while statusctl waits.
    let control = server.control();
    let replayer = std::thread::spawn({
        let server_addr = server.addr();
        move || {
            let deadline = Instant::now() + Duration::from_secs(5);
            loop {
                let posted = control.requests().into_iter().find(|r| r.method == "POST");
                if let Some(request) = posted {
                    return (server_addr, request.body);
                }
                assert!(Instant::now() < deadline, "statusctl never posted");
                std::thread::sleep(Duration::from_millis(2));
            }
        }
    });
    let child = w
        .command(&[
            "statuspage:create-incident",
            "-tk",
            DEMO_TOKEN,
            "-p",
            DEMO_PAGE_ID,
            "-t",
            "Slow but stored",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (_, body) = replayer.join().unwrap();
    let (status, _) =
        http(&server, "POST", INCIDENTS_PATH, Some(DEMO_TOKEN), Some(&serde_json::from_str(&body).unwrap()));
    assert_eq!(status, 201);
    let started = Instant::now();
    let out = child.wait_with_output().unwrap();
    let run = Run {
        args: vec!["create-incident".into()],
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    run.ok();
    assert_eq!(lines(&server), [post(), lookup("unresolved")], "found: not sent again");
    let incidents = all_incidents(&server);
    assert_eq!(incidents.len(), 1);
    let id = incidents[0]["id"].as_str().unwrap();
    run.stderr_has(&format!("warning: statuspage: found it: an earlier attempt created {id}\n"));
    run.stdout_is(&conan_text(Kind::Created, &stored(&server, id)));
    // The slow request itself never lands (the client hung up on it).
    std::thread::sleep(Duration::from_millis(1600).saturating_sub(started.elapsed()));
    assert_eq!(all_incidents(&server).len(), 1);
}

#[test]
fn without_a_request_id_a_lost_create_is_an_unknown_outcome() {
    let server = sandbox();
    let w = fast(&server);
    let url = format!("{}/v1/pages/sandboxpage1/incidents", server.base_url());
    for (action, stored_count) in [(FaultAction::drop_after(), 1), (FaultAction::drop_before(), 1)] {
        server.control().clear_requests();
        fault(&server, "POST", INCIDENTS_PATH, action, 1);
        let run = sp(&w, "create-incident", &["-t", "Untagged", "--no-request-id"]);
        run.code(5).stdout_is("").stderr_lines(1);
        assert!(
            run.stderr.starts_with(&format!("error: the outcome of POST {url} is unknown (")),
            "{}",
            run.stderr
        );
        assert!(run.stderr.ends_with("): it may have been applied\n"), "{}", run.stderr);
        assert_eq!(lines(&server), [post()], "no lookup, no resend");
        assert_eq!(posted_bodies(&server)[0]["incident"].get("metadata"), None);
        // drop_after stored it, drop_before did not: one in all.
        assert_eq!(all_incidents(&server).len(), stored_count);
    }
}

#[test]
fn maintenance_creates_are_looked_up_among_maintenances() {
    let server = sandbox();
    let w = fast(&server);
    // Far ahead: the scheduled list.
    fault(&server, "POST", INCIDENTS_PATH, FaultAction::status(503), 1);
    let run = sp(&w, "schedule-maintenance", &["-t", "Later", "-s", "2030-01-01T10:00:00Z"]);
    run.ok();
    assert_eq!(lines(&server), [post(), lookup("scheduled"), post()]);
    run.stdout_is(&conan_text(Kind::Scheduled, &stored(&server, &id_in(&run.stdout))));

    // Starting now: it may already be in progress, so both lists.
    server.control().clear_requests();
    fault(&server, "POST", INCIDENTS_PATH, FaultAction::status(503), 1);
    sp(&w, "schedule-maintenance", &["-t", "Now"]).ok();
    assert_eq!(lines(&server), [post(), lookup("scheduled"), lookup("active_maintenance"), post()]);

    // Stored, answer lost: found in the scheduled list.
    server.control().clear_requests();
    fault(&server, "POST", INCIDENTS_PATH, FaultAction::drop_after(), 1);
    let run = sp(&w, "schedule-maintenance", &["-t", "Found", "-c", API]);
    run.ok().stderr_has("found it: an earlier attempt created ");
    assert_eq!(lines(&server), [post(), lookup("scheduled")]);
    // Already started (its start is past): found in progress.
    server.control().clear_requests();
    fault(&server, "POST", INCIDENTS_PATH, FaultAction::drop_after(), 1);
    let run = sp(
        &w,
        "schedule-maintenance",
        &["-t", "Started", "-s", "2020-01-01T00:00:00Z", "--until", "2039-01-01T00:00:00Z"],
    );
    run.ok().stderr_has("found it: an earlier attempt created ");
    assert_eq!(lines(&server), [post(), lookup("scheduled"), lookup("active_maintenance")]);
    assert_eq!(stored(&server, &id_in(&run.stdout))["status"], "in_progress");
    assert_eq!(all_incidents(&server).len(), 4);
}

#[test]
fn an_incident_created_resolved_is_looked_up_among_the_newest() {
    let server = sandbox();
    let w = fast(&server);
    fault(&server, "POST", INCIDENTS_PATH, FaultAction::drop_after(), 1);
    let run = sp(&w, "create-incident", &["-t", "Already over", "-s", "resolved"]);
    run.ok().stderr_has("found it: an earlier attempt created ");
    assert_eq!(lines(&server), [post(), format!("GET {INCIDENTS_PATH}?page=1&limit=100")]);
    let incidents = all_incidents(&server);
    assert_eq!(incidents.len(), 1, "not created twice");
    assert_eq!(incidents[0]["status"], "resolved");
    run.stdout_is(&conan_text(Kind::Created, &incidents[0]));
}

#[test]
fn a_delete_whose_answer_was_lost_is_done_not_failed() {
    let server = sandbox();
    let w = fast(&server);
    let id = id_in(&sp(&w, "create-incident", &["-t", "To delete"]).ok().stdout.clone());
    let path = format!("{INCIDENTS_PATH}/{id}");
    fault(&server, "DELETE", &path, FaultAction::drop_after(), 1);
    sp(&w, "delete-incident", &["-ic", &id])
        .ok()
        .stdout_is(&format!("Deleted incident {id} (an earlier attempt did it; its answer was lost)\n"));
    assert!(all_incidents(&server).is_empty());
}
