//! The host's HTTP service against the echo server: what is sent, retries and backoff,
//! `Retry-After`, `--max-wait`, connection faults, timeouts, pacing and TLS options.
//!
//! Waits run at `STATUSCTL_TIME_SCALE=0.01`: logs show the unscaled durations, the server's
//! `received_ms` shows the real (scaled) spacing.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use statusctl_sandbox::{BackgroundSandbox, Fault, FaultAction, FaultMatch, RecordedRequest};

use crate::harness::*;

fn world() -> World {
    World::with(&["testkit"]).env("STATUSCTL_TIME_SCALE", "0.01")
}

fn url(server: &BackgroundSandbox) -> String {
    format!("{}/echo/x", server.base_url())
}

fn fault(server: &BackgroundSandbox, method: &str, action: FaultAction, times: u32) {
    server
        .control()
        .add_fault(Fault::new(FaultMatch::any().method(method).path("/echo/x"), action).times(times));
}

/// `127.0.0.1:PORT`, as the wait lines name the server.
fn host(server: &BackgroundSandbox) -> String {
    server.addr().to_string()
}

/// The `-v` line of each attempt, its latency replaced by `_`.
fn attempt_lines(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter(|l| l.starts_with("debug: GET ") || l.starts_with("debug: POST "))
        .map(|l| {
            let open = l.rfind(" (").expect("latency in parentheses");
            let ms = l[open..].find(" ms,").expect("latency in ms") + open;
            format!("{} (_{}", &l[..open], &l[ms..])
        })
        .collect()
}

/// The duration shown in a wait line, in seconds.
fn shown_secs(line: &str) -> f64 {
    let word = line.strip_prefix("waiting ").and_then(|l| l.split(' ').next()).expect("waiting <d>");
    word.strip_suffix('s').and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("not seconds: {line}"))
}

/// The one `error: ` line a failed run prints (waits of more than a second are logged too).
#[track_caller]
fn error_line(run: &Run) -> String {
    let errors: Vec<&str> = run.stderr.lines().filter(|l| l.starts_with("error: ")).collect();
    assert_eq!(errors.len(), 1, "one error line expected\n{}", run.stderr);
    assert_eq!(run.stderr.lines().last(), Some(errors[0]), "the error comes last\n{}", run.stderr);
    errors[0].to_string()
}

fn gaps(requests: &[RecordedRequest]) -> Vec<u64> {
    requests.windows(2).map(|w| w[1].received_ms - w[0].received_ms).collect()
}

fn methods(requests: &[RecordedRequest]) -> Vec<String> {
    requests.iter().map(|r| r.method.clone()).collect()
}

/// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), as `Retry-After` may carry.
fn http_date(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).unwrap().as_secs();
    let days = (secs / 86_400) as i64;
    let (hh, mm, ss) = (secs % 86_400 / 3600, secs % 3600 / 60, secs % 60);
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][(days % 7) as usize];
    let (year, month, day) = civil_from_days(days);
    let name = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        [(month - 1) as usize];
    format!("{weekday}, {day:02} {name} {year} {hh:02}:{mm:02}:{ss:02} GMT")
}

#[test]
fn http_date_helper_formats_imf_fixdate() {
    assert_eq!(http_date(UNIX_EPOCH + Duration::from_secs(784_111_777)), "Sun, 06 Nov 1994 08:49:37 GMT");
    assert_eq!(http_date(UNIX_EPOCH + Duration::from_secs(951_782_400)), "Tue, 29 Feb 2000 00:00:00 GMT");
}

#[test]
fn one_get_sends_one_request_with_user_agent_and_token() {
    let server = echo_server();
    let w = world();
    let run = w.run(&["testkit:http", "--url", &url(&server), "--token", "tok-abc-123456"]);
    run.ok().stdout_has("HTTP 200 after 1 attempt(s)\n").stderr_lines(0);
    let reqs = server.control().requests();
    assert_eq!(reqs.len(), 1, "{reqs:?}");
    assert_eq!(reqs[0].method, "GET");
    assert_eq!(reqs[0].path, "/echo/x");
    assert_eq!(reqs[0].header("user-agent"), Some(concat!("statusctl/", env!("CARGO_PKG_VERSION"))));
    assert_eq!(reqs[0].header("authorization"), Some("Bearer tok-abc-123456"));

    server.control().clear_requests();
    w.run(&["testkit:http", "--url", &url(&server)]).ok();
    let reqs = server.control().requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].header("authorization"), None, "no token, no Authorization header");
}

#[test]
fn gateway_errors_on_get_are_retried_until_success() {
    let server = echo_server();
    let w = world();
    for (status, faults) in [(502u16, 1u32), (503, 2), (504, 3)] {
        server.control().clear_requests();
        fault(&server, "GET", FaultAction::status(status), faults);
        let run = w.run(&["-v", "testkit:http", "--url", &url(&server)]);
        run.ok().stdout_has(&format!("HTTP 200 after {} attempt(s)\n", faults + 1));
        let reqs = server.control().requests();
        assert_eq!(reqs.len() as u32, faults + 1, "{status}: {reqs:?}");
        let mut expected: Vec<String> = (1..=faults)
            .map(|a| format!("debug: GET {} → {status} (_ ms, attempt {a}/4)", url(&server)))
            .collect();
        expected.push(format!("debug: GET {} → 200 (_ ms, attempt {}/4)", url(&server), faults + 1));
        assert_eq!(attempt_lines(&run.stderr), expected, "{}", run.stderr);
        // One backoff wait before each retry, naming the status and the retry number.
        let waits = wait_lines(&run.stderr);
        assert_eq!(waits.len() as u32, faults, "{}", run.stderr);
        for (i, line) in waits.iter().enumerate() {
            let tail = format!("s ({} answered {status}, retry {}/4)", host(&server), i + 2);
            assert!(line.ends_with(&tail), "{line:?} should end with {tail:?}");
            // Exponential backoff from 1 s with jitter in the upper half: [0.5, 1], [1, 2], [2, 4].
            let full = f64::from(1u32 << i);
            let secs = shown_secs(line);
            assert!(secs >= full / 2.0 - 0.05 && secs <= full + 0.05, "{line}");
        }
    }
}

#[test]
fn gateway_errors_exhaust_after_four_attempts_with_exit_5() {
    let server = echo_server();
    let w = world();
    fault(&server, "GET", FaultAction::status(503), 10);
    let run = w.run(&["-v", "testkit:http", "--url", &url(&server)]);
    run.code(5).stderr_has(r#"error: the server answered 503: {"error":"injected fault"}"#);
    assert_eq!(server.control().requests().len(), 4);
    let expected: Vec<String> =
        (1..=4).map(|a| format!("debug: GET {} → 503 (_ ms, attempt {a}/4)", url(&server))).collect();
    assert_eq!(attempt_lines(&run.stderr), expected, "{}", run.stderr);
    assert_eq!(wait_lines(&run.stderr).len(), 3, "no wait after the last attempt\n{}", run.stderr);

    server.control().clear_requests();
    let err = w.run(&["-f", "json", "testkit:http", "--url", &url(&server), "--max-attempts", "2"]);
    err.code(5).stderr_lines(1);
    let err = err.json();
    assert_eq!(err["error"]["kind"], "unavailable");
    assert_eq!(err["error"]["exit_code"], 5);
    assert_eq!(err["error"]["http_status"], 503);
    assert_eq!(server.control().requests().len(), 2, "--max-attempts 2");
}

#[test]
fn post_is_not_retried_on_503_unless_allowed() {
    let server = echo_server();
    let w = world();
    let base = ["-v", "testkit:http", "--method", "POST", "--body", "{}"];
    fault(&server, "POST", FaultAction::status(503), 1);
    let run = w.run(&[&base[..], &["--url", &url(&server)]].concat());
    run.code(5).stderr_has("error: the server answered 503");
    assert_eq!(
        attempt_lines(&run.stderr),
        [format!("debug: POST {} → 503 (_ ms, attempt 1/4)", url(&server))]
    );
    assert_eq!(methods(&server.control().requests()), ["POST"]);

    for extra in [&["--retry-non-idempotent"][..], &["--idempotent", "yes"][..]] {
        server.control().clear_requests();
        fault(&server, "POST", FaultAction::status(503), 2);
        let run = w.run(&[&base[..], &["--url", &url(&server)], extra].concat());
        run.ok().stdout_has("HTTP 200 after 3 attempt(s)\n");
        assert_eq!(methods(&server.control().requests()), ["POST", "POST", "POST"], "{extra:?}");
    }
}

#[test]
fn rate_limited_post_is_retried_after_retry_after_seconds() {
    let server = echo_server();
    let w = world();
    for status in [420u16, 429] {
        server.control().clear_requests();
        fault(&server, "POST", FaultAction::status(status).with_retry_after("5"), 1);
        let run = w.run(&["testkit:http", "--method", "POST", "--url", &url(&server)]);
        run.ok().stdout_has("HTTP 200 after 2 attempt(s)\n");
        // More than a second: an info line, without a prefix.
        assert_eq!(
            run.stderr,
            format!("waiting 5s ({} answered {status} with Retry-After, retry 2/4)\n", host(&server))
        );
        let reqs = server.control().requests();
        assert_eq!(methods(&reqs), ["POST", "POST"]);
        assert!(gaps(&reqs)[0] >= 50, "5 s at scale 0.01 is at least 50 ms: {:?}", gaps(&reqs));
    }
}

#[test]
fn retry_after_as_an_http_date_is_honoured() {
    let server = echo_server();
    let w = world();
    let when = http_date(SystemTime::now() + Duration::from_secs(7));
    fault(&server, "POST", FaultAction::status(429).with_retry_after(&when), 1);
    let run = w.run(&["testkit:http", "--method", "POST", "--url", &url(&server)]);
    run.ok().stdout_has("HTTP 200 after 2 attempt(s)\n");
    let waits = wait_lines(&run.stderr);
    assert_eq!(waits.len(), 1, "{}", run.stderr);
    assert!(waits[0].ends_with(&format!("({} answered 429 with Retry-After, retry 2/4)", host(&server))));
    // The date has whole seconds: 6 to 7 s from when it was made, a little less when read.
    let secs = shown_secs(&waits[0]);
    assert!((5.0..=7.0).contains(&secs), "{}", waits[0]);
    let reqs = server.control().requests();
    assert!(gaps(&reqs)[0] >= 50, "{:?}", gaps(&reqs));
}

#[test]
fn max_wait_gives_up_at_once_when_retry_after_is_too_long() {
    let server = echo_server();
    let w = world();
    fault(&server, "POST", FaultAction::status(429).with_retry_after("300"), 1);
    let started = Instant::now();
    let run = w.run(&["testkit:http", "--method", "POST", "--url", &url(&server), "--max-wait", "10"]);
    run.code(5);
    assert_eq!(
        run.stderr,
        format!(
            "error: gave up on POST {}: {} answered 429 with Retry-After; \
             waiting 5m 0s more would pass --max-wait 10s\n",
            url(&server),
            host(&server)
        )
    );
    // 300 s at scale 0.01 would still be 3 s of real time: it did not wait.
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    assert_eq!(server.control().requests().len(), 1);

    fault(&server, "POST", FaultAction::status(429).with_retry_after("300"), 1);
    let json = w.run(&[
        "-f",
        "json",
        "testkit:http",
        "--method",
        "POST",
        "--url",
        &url(&server),
        "--max-wait",
        "10",
    ]);
    let err = json.code(5).json();
    assert_eq!(err["error"]["http_status"], 429);
    assert_eq!(err["error"]["kind"], "unavailable");
}

#[test]
fn a_dropped_get_is_retried() {
    let server = echo_server();
    let w = world();
    for action in [FaultAction::drop_before(), FaultAction::drop_after()] {
        server.control().clear_requests();
        fault(&server, "GET", action, 1);
        w.run(&["testkit:http", "--url", &url(&server)]).ok().stdout_has("HTTP 200 after 2 attempt(s)\n");
        assert_eq!(methods(&server.control().requests()), ["GET", "GET"]);
    }
}

#[test]
fn a_dropped_post_has_an_unknown_outcome_and_is_sent_once() {
    let server = echo_server();
    let w = world();
    // Once the request is written, the client cannot tell a drop before from one after.
    for action in [FaultAction::drop_before(), FaultAction::drop_after()] {
        server.control().clear_requests();
        fault(&server, "POST", action.clone(), 1);
        let run = w.run(&[
            "testkit:http",
            "--method",
            "POST",
            "--body",
            "{}",
            "--url",
            &url(&server),
            "--request-id",
            "req-7781",
        ]);
        run.code(5)
            .stderr_lines(1)
            .stderr_has(&format!("error: the outcome of POST {} is unknown (", url(&server)))
            .stderr_has("it may have been applied")
            .stderr_has("req-7781");
        assert_eq!(methods(&server.control().requests()), ["POST"], "{action:?}");
        fault(&server, "POST", action, 1);
        let json = w.run(&["-f", "json", "testkit:http", "--method", "POST", "--url", &url(&server)]);
        assert_eq!(json.code(5).json()["error"]["kind"], "outcome_unknown");
    }
}

#[test]
fn a_refused_connection_was_not_sent_and_is_retried_for_post_too() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let closed = format!("http://127.0.0.1:{port}/echo/x");
    let w = world();
    let run = w.run(&["-v", "testkit:http", "--method", "POST", "--url", &closed]);
    run.code(5).stderr_lacks("unknown");
    assert!(error_line(&run).starts_with(&format!("error: cannot reach {closed}: ")), "{}", run.stderr);
    let attempts: Vec<&str> = run.stderr.lines().filter(|l| l.starts_with("debug: POST ")).collect();
    assert_eq!(attempts.len(), 4, "{}", run.stderr);
    for (i, line) in attempts.iter().enumerate() {
        assert!(line.ends_with(&format!("attempt {}/4)", i + 1)), "{line}");
    }
    assert_eq!(wait_lines(&run.stderr).len(), 3, "{}", run.stderr);
}

#[test]
fn a_slow_answer_times_out_retried_for_get_unknown_for_post() {
    let server = echo_server();
    let w = world();
    // `--timeout 10` is 100 ms at scale 0.01; the server holds these requests 1.5 s.
    let slow = || FaultAction::delay(1500);
    fault(&server, "GET", slow(), 1);
    let run = w.run(&["testkit:http", "--url", &url(&server), "--timeout", "10"]);
    run.ok().stdout_has("HTTP 200 after 2 attempt(s)\n");
    assert_eq!(server.control().requests().len(), 2);

    server.control().clear_requests();
    fault(&server, "GET", slow(), 4);
    let run = w.run(&["testkit:http", "--url", &url(&server), "--timeout", "10"]);
    run.code(5);
    let line = error_line(&run);
    assert!(line.starts_with(&format!("error: no answer from {} after 4 attempts: timed out", url(&server))));
    assert_eq!(server.control().requests().len(), 4);

    server.control().clear_requests();
    fault(&server, "POST", slow(), 1);
    let run = w.run(&["testkit:http", "--method", "POST", "--url", &url(&server), "--timeout", "10"]);
    run.code(5)
        .stderr_lines(1)
        .stderr_has(&format!("error: the outcome of POST {} is unknown (timed out", url(&server)));
    assert_eq!(methods(&server.control().requests()), ["POST"]);
}

#[test]
fn pacing_spreads_requests_beyond_the_budget() {
    let server = echo_server();
    let w = world();
    // 2 requests per rolling 20 s: two at once, the 3rd and 4th when the first two leave
    // the window (20 s, 200 ms at scale 0.01), the 5th 20 s after those.
    let run = w.run(&[
        "testkit:http",
        "--url",
        &url(&server),
        "--rate-limit",
        "2",
        "--rate-window",
        "20",
        "--repeat",
        "5",
    ]);
    run.ok();
    let waits = wait_lines(&run.stderr);
    assert_eq!(waits.len(), 2, "{}", run.stderr);
    for line in &waits {
        assert!(line.ends_with(" (rate limit `testkit`)"), "{line}");
        let secs = shown_secs(line);
        // Up to a whole window (and the pacer's arrival guard of 5 % of it), less the time
        // the earlier requests took.
        assert!(secs > 0.0 && secs <= 21.0, "{line}");
    }
    let reqs = server.control().requests();
    assert_eq!(reqs.len(), 5);
    let at: Vec<u64> = reqs.iter().map(|r| r.received_ms).collect();
    // No rolling 20 s (200 ms real) ever holds a 3rd request.
    for i in 0..3 {
        assert!(at[i + 2] - at[i] >= 180, "{at:?}");
    }
}

#[test]
fn a_few_requests_within_the_budget_never_wait() {
    let server = echo_server();
    let w = world();
    let run = w.run(&["-v", "testkit:http", "--url", &url(&server), "--rate-limit", "60", "--repeat", "3"]);
    run.ok().stderr_lacks("waiting");
    assert_eq!(attempt_lines(&run.stderr).len(), 3, "{}", run.stderr);
    assert_eq!(server.control().requests().len(), 3);
}

#[test]
fn a_rate_limited_answer_holds_back_later_requests_under_the_same_key() {
    let server = echo_server();
    let w = world();
    // A budget of 3 per 30 s: on its own, the 2 requests (and 1 retry) below pass at once.
    let args = ["-v", "testkit:http", "--rate-limit", "3", "--rate-window", "30", "--repeat", "2", "--url"];
    let run = w.run(&[&args[..], &[&url(&server)]].concat());
    run.ok();
    assert_eq!(wait_lines(&run.stderr), Vec::<String>::new(), "{}", run.stderr);
    assert_eq!(server.control().requests().len(), 2);

    // A 429 with `Retry-After: 1` fills the window until then; from then on its slots come
    // free one at a time at the budget's pace: the retry takes the first, the next request
    // waits for the second (10 s later, 100 ms real).
    server.control().clear_requests();
    fault(&server, "GET", FaultAction::status(429).with_retry_after("1"), 1);
    let run = w.run(&[&args[..], &[&url(&server)]].concat());
    run.ok();
    let waits = wait_lines(&run.stderr);
    assert_eq!(waits.len(), 2, "{}", run.stderr);
    assert_eq!(waits[0], format!("waiting 1s ({} answered 429 with Retry-After, retry 2/4)", host(&server)));
    assert!(waits[1].ends_with(" (rate limit `testkit`)"), "{}", waits[1]);
    assert!(shown_secs(&waits[1]) > 0.0, "{}", waits[1]);
    let reqs = server.control().requests();
    assert_eq!(reqs.len(), 3);
    assert!(gaps(&reqs)[1] >= 70, "{:?}", gaps(&reqs));
}

#[test]
fn ignore_ssl_changes_nothing_for_plain_http() {
    let server = echo_server();
    let w = world();
    w.run(&["testkit:http", "--url", &url(&server), "--ignore-ssl"])
        .ok()
        .stderr_lines(0)
        .stdout_has("HTTP 200 after 1 attempt(s)\n");
    assert_eq!(server.control().requests().len(), 1);
}

#[test]
fn https_to_a_closed_port_is_a_clean_exit_5() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let closed = format!("https://127.0.0.1:{port}/x");
    let w = world();
    let run = w.run(&["testkit:http", "--url", &closed]);
    run.code(5).stderr_lacks("warning");
    assert!(error_line(&run).starts_with(&format!("error: cannot reach {closed}: ")), "{}", run.stderr);
    let run = w.run(&["testkit:http", "--url", &closed, "--ignore-ssl"]);
    run.code(5).stderr_has(&format!(
        "warning: TLS certificate verification is off for 127.0.0.1:{port} (--ignore-ssl)\n"
    ));
    assert!(error_line(&run).starts_with(&format!("error: cannot reach {closed}: ")), "{}", run.stderr);
}

#[test]
fn a_bad_ca_file_is_one_config_error_without_retries() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let https = format!("https://127.0.0.1:{port}/x");
    let w = world();
    let ca = w.write("not-a-cert.pem", "this is not a certificate\n").display().to_string();
    let run = w.run(&["-v", "--ca-file", &ca, "testkit:http", "--url", &https]);
    run.code(4);
    // Not one attempt, not one wait.
    assert_eq!(
        run.stderr,
        format!("debug: testkit token: not found\nerror: bad CA file {ca}: no PEM certificate in it\n")
    );
    let missing = w.path("missing.pem").display().to_string();
    let run = w.run(&["--ca-file", &missing, "testkit:http", "--url", &https]);
    run.code(4).stderr_lines(1).stderr_has(&format!("error: cannot read CA file {missing}: "));
    // Only https needs it: a plain http request does not read the file.
    let server = echo_server();
    w.run(&["--ca-file", &missing, "testkit:http", "--url", &url(&server)]).ok().stderr_lines(0);
}

#[cfg(unix)]
#[test]
fn ctrl_c_during_a_create_says_its_outcome_is_unknown() {
    use statusctl_sandbox::{Fault, FaultAction, FaultMatch};
    let server = echo_server();
    server.control().add_fault(Fault::new(FaultMatch::any().method("POST"), FaultAction::delay(5000)));
    let w = World::with(&["testkit"]);
    let url = format!("{}/echo/slow", server.base_url());
    let child = w
        .command(&["testkit:http", "--url", &url, "--method", "POST", "--request-id", "req-42"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the request reached the server, then press Ctrl-C.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while server.control().requests().is_empty() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // SAFETY: kill(2) with a valid pid and signal has no memory-safety preconditions.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains(&format!("interrupted: the outcome of POST {url} is unknown (request id req-42)")),
        "{stderr}"
    );
}

#[test]
fn a_huge_retry_after_gives_up_cleanly() {
    let server = echo_server();
    fault(&server, "GET", FaultAction::status(429).with_retry_after("1e30"), 1);
    let run = world().run(&["testkit:http", "--url", &url(&server)]);
    run.code(5).stderr_has("--max-wait").stderr_lacks("panicked");
    assert_eq!(server.control().requests().len(), 1);
}

#[test]
fn a_secret_query_value_never_shows_in_transport_errors() {
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let target = format!("http://127.0.0.1:{closed}/x?api_key=SUPERSECRETKEY123&a=1");
    for args in [vec![], vec!["-vv"], vec!["-f", "json"]] {
        let mut argv = args.clone();
        argv.extend(["testkit:http", "--url", &target, "--secret-query", "api_key", "--max-attempts", "1"]);
        world().run(&argv).code(5).never_shows("SUPERSECRETKEY123");
    }
}
