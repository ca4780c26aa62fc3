//! `statusctl serve` (issue 9) against the sandbox's Statuspage: fire → one incident, a repeat
//! writes nothing, resolved → resolved; the answers a sender acts on (400, 401, 403, 413, 415,
//! 422, 503 + Retry-After); shadow mode; SIGTERM exits 0.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Stdio};
use std::time::Duration;

use serde_json::Value;
use statusctl_sandbox::statuspage::{DEMO_PAGE_ID, DEMO_TOKEN, RateLimitMode, StatuspageOptions};
use statusctl_sandbox::{BackgroundSandbox, Fault, FaultAction, FaultMatch};

use crate::harness::*;
use crate::serve_check::{ROUTES, fixture};
use crate::statuspage_parity::{all_incidents, api_url, sandbox_with};

/// A running `statusctl serve`, stopped (SIGTERM) when dropped.
pub(crate) struct Serve {
    child: Option<Child>,
    pub addr: SocketAddr,
    pub log: std::path::PathBuf,
}

impl Serve {
    pub fn start(w: &World, routes: &str, extra: &[&str]) -> Serve {
        Self::start_named(w, "", routes, extra)
    }

    /// Another serve in the same world: its routes file and decision log carry `name`.
    pub fn start_named(w: &World, name: &str, routes: &str, extra: &[&str]) -> Serve {
        Self::start_full(w, name, routes, extra, &[])
    }

    /// `extra`: global flags (before `serve`); `serve_args`: serve's own (after it).
    pub fn start_full(w: &World, name: &str, routes: &str, extra: &[&str], serve_args: &[&str]) -> Serve {
        let path = w.write(&format!("routes{name}.toml"), routes).display().to_string();
        let log = w.path(&format!("decisions{name}.jsonl"));
        let log_arg = log.display().to_string();
        let mut args = vec!["--max-wait", "2"];
        args.extend_from_slice(extra);
        args.extend_from_slice(&[
            "serve",
            "--routes",
            &path,
            "--listen",
            "127.0.0.1:0",
            "--decision-log",
            &log_arg,
        ]);
        args.extend_from_slice(serve_args);
        let mut child = w.command(&args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
        let addr = first
            .split("://")
            .nth(1)
            .and_then(|rest| rest.split([' ', ':']).take(2).collect::<Vec<_>>().join(":").parse().ok())
            .unwrap_or_else(|| {
                let mut err = String::new();
                child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
                panic!("serve did not start: {first:?} {err}")
            });
        Serve { child: Some(child), addr, log }
    }

    /// Sends SIGTERM and waits: the exit code.
    pub fn stop(mut self) -> i32 {
        let mut child = self.child.take().unwrap();
        terminate(&child);
        child.wait().unwrap().code().unwrap_or(-1)
    }

    /// Sends a signal (`HUP`, `TERM`) to serve.
    pub fn signal(&self, name: &str) {
        let id = self.child.as_ref().unwrap().id().to_string();
        let _ = std::process::Command::new("kill").arg(format!("-{name}")).arg(id).status();
    }

    /// Sends SIGTERM and waits: the exit code and what serve wrote on stderr.
    pub fn stop_with_stderr(mut self) -> (i32, String) {
        let mut child = self.child.take().unwrap();
        terminate(&child);
        let mut err = String::new();
        child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
        (child.wait().unwrap().code().unwrap_or(-1), err)
    }

    pub fn get(&self, path: &str, headers: &[(&str, &str)]) -> Answer {
        send(self.addr, "GET", path, headers, "")
    }

    pub fn decisions(&self) -> Vec<Value> {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        text.lines().map(|l| serde_json::from_str(l).expect("a JSON decision line")).collect()
    }

    pub fn post(&self, path: &str, body: &str) -> Answer {
        send(self.addr, "POST", path, &[("Content-Type", "application/json")], body)
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            terminate(&child);
            let _ = child.wait();
        }
    }
}

pub(crate) fn terminate(child: &Child) {
    let _ = std::process::Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
}

pub(crate) struct Answer {
    pub status: u16,
    pub head: String,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
    pub fn header(&self, name: &str) -> Option<String> {
        let name = format!("{}:", name.to_ascii_lowercase());
        self.head
            .lines()
            .find_map(|l| l.to_ascii_lowercase().strip_prefix(&name).map(|v| v.trim().to_string()))
    }
}

/// One request written by hand: the `Host` is the address unless `headers` names one; a
/// `Content-Length` header in `headers` replaces the body's.
pub(crate) fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Answer {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
        head.push_str(&format!("Host: {addr}\r\n"));
    }
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    let declared = headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("content-length"));
    if !declared {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    let _ = stream.write_all(body.as_bytes());
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").expect("an HTTP answer");
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("a status line");
    Answer { status, head: head.to_string(), body: body.to_string() }
}

pub(crate) fn sandbox() -> BackgroundSandbox {
    sandbox_with(StatuspageOptions { rate_limit: RateLimitMode::Off, ..StatuspageOptions::default() })
}

pub(crate) fn world(server: &BackgroundSandbox) -> World {
    World::with(&["statuspage"])
        .env("STATUSPAGE_API_URL", &api_url(server))
        .env("STATUSPAGE_TOKEN", DEMO_TOKEN)
        .env("STATUSPAGE_PAGE_ID", DEMO_PAGE_ID)
}

pub(crate) fn read(name: &str) -> String {
    std::fs::read_to_string(fixture(name)).unwrap()
}

pub(crate) fn owned(server: &BackgroundSandbox) -> Vec<Value> {
    all_incidents(server).into_iter().filter(|i| i.pointer("/metadata/statusctl/key").is_some()).collect()
}

#[test]
fn alertmanager_fire_repeat_resolve() {
    let server = sandbox();
    let w = world(&server);
    let serve = Serve::start(&w, ROUTES, &[]);
    let fired = serve.post("/alertmanager", &read("alertmanager-firing.json"));
    assert_eq!(fired.status, 200, "{}", fired.body);
    assert_eq!(fired.json()["results"][0]["action"], "created", "{}", fired.body);
    let incidents = owned(&server);
    assert_eq!(incidents.len(), 1, "{incidents:?}");
    assert_eq!(incidents[0]["name"], "API is down");
    let key = incidents[0].pointer("/metadata/statusctl/key").unwrap().as_str().unwrap().to_string();
    assert_eq!(key, "api:{}:{alertname=\"ApiDown\"}");

    // A repeat (Alertmanager's repeat_interval, an HA peer) writes nothing.
    let writes = server.control().counters().writes();
    let again = serve.post("/alertmanager", &read("alertmanager-firing.json"));
    assert_eq!(
        (again.status, again.json()["results"][0]["action"].as_str()),
        (200, Some("unchanged")),
        "{}",
        again.body
    );
    assert_eq!(server.control().counters().writes(), writes);

    let resolved = serve.post("/alertmanager", &read("alertmanager-resolved.json"));
    assert_eq!(
        (resolved.status, resolved.json()["results"][0]["action"].as_str()),
        (200, Some("resolved")),
        "{}",
        resolved.body
    );
    let incidents = owned(&server);
    assert_eq!((incidents.len(), incidents[0]["status"].as_str()), (1, Some("resolved")));

    // One decision line per notification, no secret in any.
    let decisions = serve.decisions();
    let actions: Vec<&str> =
        decisions.iter().map(|d| d["decisions"][0]["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["created", "unchanged", "resolved"]);
    assert_eq!(decisions[0]["source"], "alertmanager");
    assert_eq!(decisions[0]["decisions"][0]["namespace"], "statuspage");
    assert!(decisions[0]["decisions"][0]["incident_ids"][0].is_string());
    assert!(!std::fs::read_to_string(&serve.log).unwrap().contains(DEMO_TOKEN));
    assert_eq!(serve.stop(), 0, "SIGTERM ends serve with exit 0");
}

#[test]
fn concurrent_repeats_of_one_key_make_one_incident() {
    let server = sandbox();
    let w = world(&server);
    let serve = Serve::start(&w, ROUTES, &[]);
    let addr = serve.addr;
    let body = read("generic-firing.json");
    let threads: Vec<_> = (0..3)
        .map(|_| {
            let body = body.clone();
            std::thread::spawn(move || {
                send(addr, "POST", "/generic", &[("Content-Type", "application/json")], &body)
            })
        })
        .collect();
    let answers: Vec<Answer> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let mut actions: Vec<String> = answers
        .iter()
        .map(|a| {
            assert_eq!(a.status, 200, "{}", a.body);
            a.json()["results"][0]["action"].as_str().unwrap().to_string()
        })
        .collect();
    actions.sort();
    assert_eq!(actions, ["created", "unchanged", "unchanged"]);
    assert_eq!(owned(&server).len(), 1);
}

#[test]
fn refusals_each_with_its_answer() {
    let server = sandbox();
    let w = world(&server);
    let serve = Serve::start(&w, ROUTES, &[]);
    let json = [("Content-Type", "application/json")];
    assert_eq!(serve.post("/alertmanager", "{not json").status, 400);
    assert_eq!(serve.post("/generic", r#"{"key":"k","state":"open"}"#).status, 400);
    assert_eq!(serve.post("/datadog", &read("alertmanager-firing.json")).status, 400);
    let text =
        send(serve.addr, "POST", "/generic", &[("Content-Type", "text/plain")], &read("generic-firing.json"));
    assert_eq!(text.status, 415, "{}", text.body);
    let form = send(serve.addr, "POST", "/generic", &[], &read("generic-firing.json"));
    assert_eq!(form.status, 415);
    // Without auth, only this server's address or a loopback name (DNS rebinding).
    let foreign = send(
        serve.addr,
        "POST",
        "/generic",
        &[("Host", "evil.example:9095"), json[0]],
        &read("generic-firing.json"),
    );
    assert_eq!(foreign.status, 403, "{}", foreign.body);
    let localhost = format!("localhost:{}", serve.addr.port());
    let shadowless = send(serve.addr, "GET", "/readyz", &[("Host", localhost.as_str())], "");
    assert_eq!(shadowless.status, 200);
    // Over 16 MiB, refused on the declared length before anything is read.
    let big = send(serve.addr, "POST", "/generic", &[json[0], ("Content-Length", "16777217")], "");
    assert_eq!(big.status, 413, "{}", big.body);
    assert_eq!(send(serve.addr, "GET", "/healthz", &[], "").status, 200);
    let ready = send(serve.addr, "GET", "/readyz", &[], "");
    assert_eq!((ready.status, &ready.json()["plugins"]), (200, &serde_json::json!(["statuspage"])));
    assert_eq!(send(serve.addr, "POST", "/pagerduty", &json, "{}").status, 404);
    assert_eq!(server.control().counters().writes(), 0, "nothing refused reached the provider");
}

#[test]
fn auth_is_required_when_configured() {
    let server = sandbox();
    let w = world(&server).env("SERVE_TOKEN", "tok-e2e-1");
    let routes = format!("[auth]\nbearer = {{ env = \"SERVE_TOKEN\" }}\n{ROUTES}");
    let serve = Serve::start(&w, &routes, &["--dry-run"]);
    let body = read("generic-firing.json");
    let ct = ("Content-Type", "application/json");
    let none = send(serve.addr, "POST", "/generic", &[ct], &body);
    assert_eq!((none.status, none.header("www-authenticate").as_deref()), (401, Some("bearer")));
    let wrong = send(serve.addr, "POST", "/generic", &[ct, ("Authorization", "Bearer tok-e2e-2")], &body);
    assert_eq!(wrong.status, 401);
    // With auth, another Host is fine (a proxy, a real name).
    let right = send(
        serve.addr,
        "POST",
        "/generic",
        &[ct, ("Authorization", "Bearer tok-e2e-1"), ("Host", "status-bridge.internal")],
        &body,
    );
    assert_eq!(right.status, 200, "{}", right.body);
    // Shadow mode: planned, nothing written.
    assert_eq!(right.json()["results"][0]["action"], "planned");
    assert_eq!(server.control().counters().writes(), 0);
    let decisions = serve.decisions();
    assert_eq!(decisions.len(), 1);
    assert_eq!(decisions[0]["dry_run"], true);
    assert!(!std::fs::read_to_string(&serve.log).unwrap().contains("tok-e2e"));
}

#[test]
fn provider_refusal_is_422_and_provider_down_is_503_then_converges() {
    let server = sandbox();
    let w = world(&server);
    let routes = format!("[sources.generic]\ndeadline = \"8s\"\n{ROUTES}");
    let serve = Serve::start(&w, &routes, &[]);
    let body = read("generic-firing.json");
    let incidents = FaultMatch::any().method("POST").path("/v1/pages/*");
    server.control().add_fault(Fault::new(incidents.clone(), FaultAction::status(422)).times(1000));
    let refused = serve.post("/generic", &body);
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(refused.json()["results"][0]["error"], "refused");
    // The decision log says what the provider answered, and which request it was.
    let logged = serve.decisions().last().unwrap()["decisions"][0].clone();
    assert_eq!(logged["provider_status"], 422, "{logged}");
    assert!(logged["request_ids"][0].as_str().is_some_and(|id| !id.is_empty()), "{logged}");
    server.control().clear_faults();
    server.control().add_fault(Fault::new(incidents, FaultAction::status(503)).times(1000));
    let down = serve.post("/generic", &body);
    assert_eq!(down.status, 503, "{}", down.body);
    let retry: u64 = down.header("retry-after").expect("Retry-After").parse().unwrap();
    assert!(retry > 0);
    server.control().clear_faults();
    let later = serve.post("/generic", &body);
    assert_eq!(later.status, 200, "{}", later.body);
    assert_eq!(owned(&server).len(), 1, "the redelivery converges on one incident");
}

#[test]
fn a_420_with_a_long_retry_after_is_backpressure_passed_on_as_503_with_that_retry_after() {
    let server = sandbox();
    let w = world(&server);
    let routes = format!("[sources.generic]\ndeadline = \"8s\"\n{ROUTES}");
    let serve = Serve::start(&w, &routes, &[]);
    let body = read("generic-firing.json");
    // Statuspage's rate limit: 420 with a Retry-After far past serve's --max-wait (2 s).
    let every = FaultMatch::any().path("/v1/pages/*");
    server
        .control()
        .add_fault(Fault::new(every, FaultAction::status(420).with_retry_after("600")).times(1000));
    let limited = serve.post("/generic", &body);
    assert_eq!(limited.status, 503, "backpressure, never a failure: {}", limited.body);
    assert_eq!(limited.json()["results"][0]["error"], "unavailable");
    assert_eq!(limited.header("retry-after").as_deref(), Some("600"), "the provider's wait, passed on");
    assert_eq!(server.control().counters().writes(), 0);
    let decisions = serve.decisions();
    assert_eq!(decisions.last().unwrap()["decisions"][0]["error"], "unavailable");
    assert_eq!(decisions.last().unwrap()["decisions"][0]["provider_status"], 420);
    // The provider's word stands for every call of that credential: the next delivery is
    // answered at once, without a request spent on a window known to be full.
    server.control().clear_faults();
    let seen = server.control().counters().total;
    let again = serve.post("/generic", &body);
    assert_eq!(again.status, 503, "{}", again.body);
    let retry: u64 = again.header("retry-after").unwrap().parse().unwrap();
    assert!((590..=600).contains(&retry), "{retry}");
    assert_eq!(server.control().counters().total, seen, "nothing sent while the provider asked to wait");
}

#[test]
fn serve_reads_variables_from_the_env_file_it_is_given_and_never_from_dot_env() {
    let server = sandbox();
    let w = World::with(&["statuspage"])
        .env("STATUSPAGE_API_URL", &api_url(&server))
        .env("STATUSPAGE_PAGE_ID", DEMO_PAGE_ID);
    let body = read("generic-firing.json");
    // The directory serve starts in has a .env with the token: it is not read.
    w.write("cwd/.env", &format!("STATUSPAGE_TOKEN={DEMO_TOKEN}\n"));
    let serve = Serve::start(&w, ROUTES, &[]);
    let refused = serve.post("/generic", &body);
    assert_eq!(refused.status, 500, "no credential without --env-file: {}", refused.body);
    assert_eq!(refused.json()["results"][0]["error"], "config");
    assert_eq!(server.control().counters().total, 0, "nothing sent without a credential");
    drop(serve);
    // Named with --env-file, a file anywhere is read.
    let file = w.write("secrets/serve.env", &format!("STATUSPAGE_TOKEN={DEMO_TOKEN}\n"));
    let file = file.display().to_string();
    let serve = Serve::start_full(&w, "-2", ROUTES, &[], &["--env-file", &file]);
    let fired = serve.post("/generic", &body);
    assert_eq!(fired.status, 200, "{}", fired.body);
    assert_eq!(owned(&server).len(), 1);
    // A named file that is missing stops serve at start, with one line.
    let routes = w.write("routes-3.toml", ROUTES).display().to_string();
    let missing =
        w.run(&["serve", "--routes", &routes, "--listen", "127.0.0.1:0", "--env-file", "/nonexistent/x.env"]);
    assert_eq!(missing.code, 4, "{missing:?}");
    assert!(missing.stderr.contains("/nonexistent/x.env"), "{}", missing.stderr);
}

#[test]
fn a_repeat_within_5s_of_an_unchanged_answer_costs_no_request_and_a_write_ends_that() {
    let server = sandbox();
    let w = world(&server);
    let serve = Serve::start(&w, ROUTES, &[]);
    let body = read("generic-firing.json");
    let action = |a: &Answer| a.json()["results"][0]["action"].as_str().unwrap().to_string();
    assert_eq!(action(&serve.post("/generic", &body)), "created");
    // A write's decision names the request id it carried (the marker's request_id).
    let created = serve.decisions()[0]["decisions"][0].clone();
    let id = created["request_ids"][0].as_str().unwrap_or_else(|| panic!("{created}")).to_string();
    assert_eq!(owned(&server)[0]["metadata"]["statusctl"]["request_id"], id.as_str());
    // The create was a write: the first repeat asks the provider.
    let before = server.control().counters().total;
    assert_eq!(action(&serve.post("/generic", &body)), "unchanged");
    assert!(server.control().counters().total > before, "the first repeat reads the page");
    // The next ones, the very same call, are answered from what the provider just said.
    let before = server.control().counters().total;
    for _ in 0..5 {
        let again = serve.post("/generic", &body);
        assert_eq!(action(&again), "unchanged", "{}", again.body);
        assert!(again.json()["results"][0]["reason"].as_str().unwrap().contains("ms ago"), "{}", again.body);
    }
    assert_eq!(server.control().counters().total, before, "repeats cost no request");
    let metrics = serve.get("/metrics", &[]).body;
    assert!(metrics.contains("statusctl_serve_cache_hits_total{namespace=\"statuspage\"} 5"), "{metrics}");
    // Another payload (here: the message) is another call: it goes to the provider.
    let other = body.replace("rolling back", "rolled back");
    assert_eq!(action(&serve.post("/generic", &other)), "unchanged");
    assert!(server.control().counters().total > before);
    // A resolve is never answered from the cache; after its write, firing again is real work.
    let resolved = body.replace("\"firing\"", "\"resolved\"");
    assert_eq!(action(&serve.post("/generic", &resolved)), "resolved");
    let before = server.control().counters().total;
    let again = serve.post("/generic", &body);
    assert_ne!(action(&again), "unchanged", "{}", again.body);
    assert!(server.control().counters().total > before);
}

#[test]
fn a_page_that_drops_metadata_makes_serve_not_ready_until_a_write_keeps_it() {
    let server = sandbox();
    let w = world(&server);
    let serve = Serve::start(&w, ROUTES, &[]);
    assert_eq!(serve.get("/readyz", &[]).status, 200);
    let answer = serde_json::json!({"id": "nometa000001", "name": "Deploys failing", "status": "investigating",
        "created_at": "2030-01-01T00:00:00.000Z", "metadata": {}, "components": []});
    let incidents = FaultMatch::any().method("POST").path(crate::statuspage_parity::INCIDENTS_PATH);
    server
        .control()
        .add_fault(Fault::new(incidents, FaultAction::status(201).with_body(&answer.to_string())));
    let fired = serve.post("/generic", &read("generic-firing.json"));
    assert_eq!(fired.status, 500, "a configuration problem toward the provider: {}", fired.body);
    assert!(fired.body.contains("does not keep metadata"), "{}", fired.body);
    let ready = serve.get("/readyz", &[]);
    assert_eq!(ready.status, 503, "{}", ready.body);
    assert_eq!(ready.json()["metadata"][0]["namespace"], "statuspage", "{}", ready.body);
    // The page keeps metadata again (the fault was one answer): the next write succeeds
    // and serve is ready.
    let again = serve.post("/generic", &read("generic-firing.json"));
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(serve.get("/readyz", &[]).status, 200);
}

#[test]
fn a_plugin_panic_is_500_and_serve_keeps_running() {
    let w = World::with(&["panicky"]);
    let routes = "[[rule]]\nname = \"p\"\nnamespace = \"boom\"\ncomponents = [\"API\"]\n\
                  status = { critical = \"major_outage\" }\n";
    let serve = Serve::start(&w, routes, &[]);
    let body = |key: &str| {
        format!(
            r#"{{"key": "{key}", "state": "firing", "title": "T", "severity": "critical", "components": ["API"]}}"#
        )
    };
    let boom = serve.post("/generic", &body("boom"));
    assert_eq!(boom.status, 500, "{}", boom.body);
    assert_eq!(boom.json()["results"][0]["error"], "internal", "{}", boom.body);
    assert!(boom.body.contains("panicked"), "{}", boom.body);
    // The same process answers the next notification.
    let fine = serve.post("/generic", &body("calm"));
    assert_eq!(fine.status, 200, "{}", fine.body);
    assert_eq!(fine.json()["results"][0]["action"], "unchanged");
    assert_eq!(serve.get("/healthz", &[]).status, 200);
    let decisions = serve.decisions();
    assert_eq!(decisions[0]["decisions"][0]["action"], "failed");
    assert_eq!(decisions[1]["decisions"][0]["action"], "unchanged");
}
