//! `statusctl serve` (issue 9) fed by a REAL Alertmanager — Debian's `prometheus-alertmanager`
//! 0.25, started here on loopback only — against the sandbox's Statuspage: fire → one
//! incident; Alertmanager's repeat → nothing written; a second alert in the group at a higher
//! severity → one update; one of two resolves → its component steps down and the incident
//! stays; all resolve → resolved, components restored. An HA pair of clustered peers, both
//! notifying serve → one incident, one notification. The provider answering 503 to writes for
//! longer than serve's answer deadline → serve answers 503 → Alertmanager redelivers after the
//! fault clears → one incident, one notification; the same through an HA pair, both peers
//! retrying (Alertmanager #4108), within a few group intervals of the recovery (see
//! `BACKLOG` for what this needs of serve).
//!
//! Alertmanager's binary is `/usr/bin/prometheus-alertmanager` (or `$STATUSCTL_ALERTMANAGER`);
//! without it these tests fail and say what to install (`.ci/run` installs it with apt).
//! Every wait polls with a bound; every Alertmanager started is killed when its test ends.

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use statusctl_sandbox::statuspage::{
    API_COMPONENT_ID, DEMO_PAGE_ID, DEMO_TOKEN, RateLimitMode, StatuspageOptions, WEBSITE_COMPONENT_ID,
};
use statusctl_sandbox::{BackgroundSandbox, Fault, FaultAction, FaultMatch};

use crate::harness::*;
use crate::statuspage_parity::{all_incidents, api, api_url, sandbox_with};

/// Debian's package puts Alertmanager here.
const ALERTMANAGER: &str = "/usr/bin/prometheus-alertmanager";
const INSTALL: &str = "install Debian's prometheus-alertmanager (apt-get install prometheus-alertmanager)";

/// Alertmanager's timers in these tests: its first notification 1 s after an alert arrives,
/// changes every 2 s.
const GROUP_WAIT: &str = "1s";
const GROUP_INTERVAL: Duration = Duration::from_secs(2);
/// How long a peer of the HA pair waits per position before it notifies.
const PEER_TIMEOUT: &str = "500ms";

/// The one rule: each alert names its component in a label; the group's summary is the title.
fn routes(deadline: Option<&str>) -> String {
    let source =
        deadline.map(|d| format!("[sources.alertmanager]\ndeadline = \"{d}\"\n")).unwrap_or_default();
    format!(
        r#"{source}
[[rule]]
name = "api"
namespace = "statuspage"
components = ["{{{{ alert.labels.component }}}}"]
status = {{ critical = "major_outage", error = "partial_outage", warning = "degraded_performance" }}
title = "{{{{ group.commonAnnotations.summary }}}}"
"#
    )
}

// ---------------------------------------------------------------------------------------
// Alertmanager
// ---------------------------------------------------------------------------------------

fn alertmanager_binary() -> PathBuf {
    let path = std::env::var_os("STATUSCTL_ALERTMANAGER")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(ALERTMANAGER));
    assert!(
        path.is_file(),
        "{} is missing: {INSTALL}, or point STATUSCTL_ALERTMANAGER at an Alertmanager 0.25 binary",
        path.display()
    );
    path
}

/// Alertmanager's configuration: one receiver, serve's `/alertmanager`.
fn am_config(w: &World, serve: &Serve, repeat_interval: &str) -> PathBuf {
    am_config_with(w, serve, repeat_interval, GROUP_INTERVAL)
}

/// [`am_config`] with another `group_interval`: it is also how long Alertmanager keeps
/// retrying one failed notification (its flush's deadline is the larger of it and 10 s).
fn am_config_with(w: &World, serve: &Serve, repeat_interval: &str, group_interval: Duration) -> PathBuf {
    let secs = group_interval.as_secs();
    let port = serve.addr.port();
    w.write(
        "alertmanager.yml",
        &format!(
            "route:\n  receiver: statusctl\n  group_by: [alertname]\n  group_wait: {GROUP_WAIT}\n  \
             group_interval: {secs}s\n  repeat_interval: {repeat_interval}\n\
             receivers:\n  - name: statusctl\n    webhook_configs:\n      \
             - url: http://127.0.0.1:{port}/alertmanager\n        send_resolved: true\n"
        ),
    )
}

/// How a peer takes part in a cluster.
enum Cluster {
    /// `--cluster.listen-address=` (empty): no HA.
    Off,
    /// Listens on this loopback port, joining these peers' ports.
    On { port: u16, peers: Vec<u16> },
}

/// A running Alertmanager, killed when dropped.
struct Alertmanager {
    child: Child,
    web: SocketAddr,
    log: PathBuf,
}

impl Alertmanager {
    /// Starts a peer named `name` (its own storage directory) and waits until it answers
    /// `/-/ready`. A port taken between choosing and binding it is retried with another.
    fn start(w: &World, name: &str, config: &Path, cluster: Cluster) -> Alertmanager {
        let binary = alertmanager_binary();
        let storage = w.path(&format!("{name}-data"));
        std::fs::create_dir_all(&storage).unwrap();
        for attempt in 1..=3 {
            let web = SocketAddr::from(([127, 0, 0, 1], free_port()));
            let log = w.path(&format!("{name}-{attempt}.log"));
            let mut command = Command::new(&binary);
            command
                .env_clear()
                .current_dir(&storage)
                .arg(format!("--config.file={}", config.display()))
                .arg(format!("--storage.path={}", storage.display()))
                .arg(format!("--web.listen-address={web}"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(&log).unwrap());
            match &cluster {
                Cluster::Off => {
                    command.arg("--cluster.listen-address=");
                }
                Cluster::On { port, peers } => {
                    command
                        .arg(format!("--cluster.listen-address=127.0.0.1:{port}"))
                        .arg(format!("--cluster.peer-timeout={PEER_TIMEOUT}"))
                        .arg("--cluster.gossip-interval=100ms")
                        .arg("--cluster.pushpull-interval=2s")
                        .arg("--cluster.settle-timeout=3s");
                    for peer in peers {
                        command.arg(format!("--cluster.peer=127.0.0.1:{peer}"));
                    }
                }
            }
            die_with_parent(&mut command);
            let child =
                command.spawn().unwrap_or_else(|e| panic!("start {}: {e}; {INSTALL}", binary.display()));
            let mut am = Alertmanager { child, web, log };
            let started = Instant::now();
            while started.elapsed() < Duration::from_secs(15) {
                if let Ok(Some(status)) = am.child.try_wait() {
                    let text = am.log_text();
                    if text.contains("address already in use") && attempt < 3 {
                        break;
                    }
                    panic!("Alertmanager {name} exited ({status}) before it was ready:\n{text}");
                }
                if am.get("/-/ready").is_some_and(|(status, _)| status == 200) {
                    return am;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            if am.child.try_wait().ok().flatten().is_none() {
                panic!("Alertmanager {name} not ready within 15 s:\n{}", am.log_text());
            }
        }
        panic!("Alertmanager {name}: no free port in 3 attempts");
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// `GET path` (None while it does not answer).
    fn get(&self, path: &str) -> Option<(u16, String)> {
        std::net::TcpStream::connect_timeout(&self.web, Duration::from_millis(200)).ok()?;
        Some(raw_http(self.web, "GET", path, &[], ""))
    }

    /// `POST /api/v2/alerts`, as Prometheus does (§1.8): 200 expected.
    fn post(&self, alerts: &[Value]) {
        let body = Value::Array(alerts.to_vec()).to_string();
        let (status, text) = raw_http(self.web, "POST", "/api/v2/alerts", &[], &body);
        assert_eq!(status, 200, "POST /api/v2/alerts {body}: {text}");
    }

    /// The cluster as this peer sees it: (status, peers).
    fn cluster(&self) -> (String, usize) {
        let (_, text) = self.get("/api/v2/status").unwrap_or_default();
        let status: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let cluster = &status["cluster"];
        (
            cluster["status"].as_str().unwrap_or("").to_string(),
            cluster["peers"].as_array().map_or(0, Vec::len),
        )
    }

    /// The sum of a webhook counter of this peer's `/metrics` (e.g.
    /// `alertmanager_notifications_total`: the notifications it sent, retries not counted).
    fn webhook_metric(&self, name: &str) -> f64 {
        let (_, text) = self.get("/metrics").unwrap_or_default();
        text.lines()
            .filter(|l| l.starts_with(&format!("{name}{{")) && l.contains("integration=\"webhook\""))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    }
}

impl Drop for Alertmanager {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The child dies with the test if the test process is killed (a timeout) before any drop.
fn die_with_parent(command: &mut Command) {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: prctl(2) with PR_SET_PDEATHSIG is async-signal-safe and touches no memory.
        unsafe {
            command.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = command;
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A port free for both TCP and UDP (memberlist uses both).
fn free_cluster_port() -> u16 {
    loop {
        let tcp = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = tcp.local_addr().unwrap().port();
        if UdpSocket::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

/// One alert as Prometheus posts it: alertname `ApiDown`, its component and severity in labels.
struct Alert {
    labels: Value,
    starts_at: String,
}

impl Alert {
    fn new(component: &str, severity: &str) -> Alert {
        Alert {
            labels: json!({"alertname": "ApiDown", "service": "api", "component": component,
                "severity": severity}),
            starts_at: rfc3339(SystemTime::now() - Duration::from_secs(60)),
        }
    }

    fn firing(&self) -> Value {
        json!({"labels": self.labels, "annotations": {"summary": "API is down"},
            "startsAt": self.starts_at, "generatorURL": "http://prometheus.invalid/graph?g0.expr=up%3D%3D0"})
    }

    /// The same alert ended now: Alertmanager reports it resolved at its next tick.
    fn resolved(&self) -> Value {
        let mut alert = self.firing();
        alert["endsAt"] = json!(rfc3339(SystemTime::now()));
        alert
    }
}

fn rfc3339(time: SystemTime) -> String {
    let secs = time.duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", s / 3600, s % 3600 / 60, s % 60)
}

// ---------------------------------------------------------------------------------------
// serve
// ---------------------------------------------------------------------------------------

/// A running `statusctl serve` with its decision log in a file, stopped (SIGTERM) when dropped.
struct Serve {
    child: Child,
    addr: SocketAddr,
    log: PathBuf,
    stderr: PathBuf,
}

impl Serve {
    /// `max_wait`: how long one call may wait on the provider (backoff, `Retry-After`).
    fn start(w: &World, routes: &str, max_wait: u64) -> Serve {
        let routes = w.write("routes.toml", routes).display().to_string();
        let log = w.path("decisions.jsonl");
        let stderr = w.path("serve.stderr");
        let log_arg = log.display().to_string();
        let max_wait = max_wait.to_string();
        let args = [
            "--max-wait",
            &max_wait,
            "serve",
            "--routes",
            &routes,
            "--listen",
            "127.0.0.1:0",
            "--decision-log",
            &log_arg,
        ];
        let mut child = w
            .command(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr).unwrap())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        stdout.read_line(&mut first).unwrap();
        // The rest of stdout is drained, so serve never writes to a closed pipe.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        let addr = first
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split([' ', ':']).take(2).collect::<Vec<_>>().join(":").parse().ok())
            .unwrap_or_else(|| {
                panic!(
                    "serve did not start: {first:?} {}",
                    std::fs::read_to_string(&stderr).unwrap_or_default()
                )
            });
        Serve { child, addr, log, stderr }
    }

    /// Each notification's decision line.
    fn decisions(&self) -> Vec<Value> {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        text.lines().map(|l| serde_json::from_str(l).expect("a JSON decision line")).collect()
    }

    /// The action of each notification's (one) call.
    fn actions(&self) -> Vec<String> {
        self.decisions()
            .iter()
            .map(|d| d["decisions"][0]["action"].as_str().unwrap_or("?").to_string())
            .collect()
    }

    /// Waits (at most `limit`) for a notification after the first `after` whose action is
    /// `action`; returns its position.
    #[track_caller]
    fn wait_for(&self, action: &str, after: usize, limit: Duration, ams: &[&Alertmanager]) -> usize {
        let started = Instant::now();
        loop {
            let actions = self.actions();
            if let Some(i) = actions.iter().skip(after).position(|a| a == action) {
                return after + i;
            }
            if started.elapsed() > limit {
                panic!(
                    "no `{action}` decision within {limit:?} (after {after}); actions: {actions:?}\n{}",
                    self.context(ams)
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn context(&self, ams: &[&Alertmanager]) -> String {
        let mut text = format!(
            "--- decisions:\n{}\n--- serve stderr:\n{}",
            std::fs::read_to_string(&self.log).unwrap_or_default(),
            std::fs::read_to_string(&self.stderr).unwrap_or_default()
        );
        for am in ams {
            text.push_str(&format!("--- alertmanager {}:\n{}", am.web, am.log_text()));
        }
        text
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------------------
// The sandbox
// ---------------------------------------------------------------------------------------

fn sandbox() -> BackgroundSandbox {
    sandbox_with(StatuspageOptions { rate_limit: RateLimitMode::Off, ..StatuspageOptions::default() })
}

fn world(server: &BackgroundSandbox) -> World {
    World::with(&["statuspage"])
        .env("STATUSPAGE_API_URL", &api_url(server))
        .env("STATUSPAGE_TOKEN", DEMO_TOKEN)
        .env("STATUSPAGE_PAGE_ID", DEMO_PAGE_ID)
}

/// The incidents statusctl owns.
fn owned(server: &BackgroundSandbox) -> Vec<Value> {
    all_incidents(server).into_iter().filter(|i| i.pointer("/metadata/statusctl/key").is_some()).collect()
}

/// The one owned incident (a second one is the bug these tests look for).
#[track_caller]
fn the_incident(server: &BackgroundSandbox) -> Value {
    let incidents = owned(server);
    assert_eq!(incidents.len(), 1, "exactly one owned incident: {incidents:#?}");
    incidents.into_iter().next().unwrap()
}

fn component(server: &BackgroundSandbox, id: &str) -> String {
    let (status, body) = api(server, "GET", &format!("/v1/pages/{DEMO_PAGE_ID}/components/{id}"), None);
    assert_eq!(status, 200, "{body}");
    body["status"].as_str().unwrap().to_string()
}

fn writes(server: &BackgroundSandbox) -> u64 {
    server.control().counters().writes()
}

fn notifications(server: &BackgroundSandbox, id: &str) -> u64 {
    server.control().counters().notifications(id)
}

/// Watches for `limit`: no second owned incident appears (late duplicates of an HA peer or a
/// redelivery). Returns early with the incidents if one does.
fn quiet(server: &BackgroundSandbox, limit: Duration) -> Vec<Value> {
    let started = Instant::now();
    loop {
        let incidents = owned(server);
        if incidents.len() > 1 || started.elapsed() > limit {
            return incidents;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Two clustered peers (`--cluster.peer`, a short `--cluster.peer-timeout`) on loopback, both
/// notifying serve, once each sees the cluster ready with both members.
fn ha_pair(w: &World, serve: &Serve, config: &Path) -> [Alertmanager; 2] {
    let (q1, q2) = (free_cluster_port(), free_cluster_port());
    let a = Alertmanager::start(w, "am1", config, Cluster::On { port: q1, peers: vec![] });
    let b = Alertmanager::start(w, "am2", config, Cluster::On { port: q2, peers: vec![q1] });
    let started = Instant::now();
    loop {
        let (sa, sb) = (a.cluster(), b.cluster());
        if sa == ("ready".to_string(), 2) && sb == ("ready".to_string(), 2) {
            return [a, b];
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "the pair did not form a cluster: {sa:?} {sb:?}\n{}",
            serve.context(&[&a, &b])
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

const STEP: Duration = Duration::from_secs(15);

/// How soon after the provider recovers serve must catch up: a few group intervals and
/// Alertmanager's backoff (single-peer runs take 1–3 s).
const RECOVERY: Duration = Duration::from_secs(20);

/// What the HA outage test guards: deliveries queued behind an identical apply take its
/// outcome, and a call the provider just found unavailable is answered 503 for a few seconds
/// without trying again — else failed applies (several requests each) spend the plugin's
/// 60-per-minute budget and the redeliveries of two peers outrun the recovery.
const BACKLOG: &str = "\n(serve must share one apply among identical queued deliveries and back off a call the \
     provider just found unavailable, or failed applies spend the plugin's rate budget)";

// ---------------------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------------------

#[test]
fn alertmanager_fire_repeat_escalate_partial_resolve_resolve() {
    alertmanager_binary();
    let server = sandbox();
    let w = world(&server);
    let serve = Serve::start(&w, &routes(None), 2);
    // A short repeat_interval, so that Alertmanager really re-sends the unchanged group.
    let config = am_config(&w, &serve, "3s");
    let am = Alertmanager::start(&w, "am", &config, Cluster::Off);
    let api_alert = Alert::new("API", "warning");
    let web_alert = Alert::new("Website", "critical");

    // Fire → one incident, announced once, its component degraded.
    am.post(&[api_alert.firing()]);
    let created = serve.wait_for("created", 0, STEP, &[&am]);
    let incident = the_incident(&server);
    let id = incident["id"].as_str().unwrap().to_string();
    assert_eq!(incident["name"], "API is down");
    assert_eq!(incident.pointer("/metadata/statusctl/key").unwrap(), "api:{}:{alertname=\"ApiDown\"}");
    assert_eq!(component(&server, API_COMPONENT_ID), "degraded_performance");
    assert_eq!(component(&server, WEBSITE_COMPONENT_ID), "operational");
    assert_eq!(notifications(&server, &id), 1, "subscribers notified once");

    // Alertmanager's repeat of the unchanged group → `unchanged`, nothing written.
    let before = writes(&server);
    serve.wait_for("unchanged", created + 1, STEP, &[&am]);
    assert_eq!(writes(&server), before, "a repeat writes nothing");

    // A second alert in the group at a higher severity → one update, notified.
    let seen = serve.actions().len();
    let before = writes(&server);
    am.post(&[api_alert.firing(), web_alert.firing()]);
    let escalated = serve.wait_for("updated", seen, STEP, &[&am]);
    assert_eq!(writes(&server) - before, 1, "one update: {:?}", lines_since(&server, before));
    assert_eq!(component(&server, API_COMPONENT_ID), "degraded_performance");
    assert_eq!(component(&server, WEBSITE_COMPONENT_ID), "major_outage");
    assert_eq!(notifications(&server, &id), 2);
    assert_eq!(the_incident(&server)["id"], id.as_str());

    // One of the two resolves → its component steps down, the incident stays open.
    let before = writes(&server);
    am.post(&[api_alert.firing(), web_alert.resolved()]);
    serve.wait_for("updated", escalated + 1, STEP, &[&am]);
    assert_eq!(writes(&server) - before, 1, "one update: {:?}", lines_since(&server, before));
    let incident = the_incident(&server);
    assert_ne!(incident["status"], "resolved", "{incident:#}");
    assert_eq!(notifications(&server, &id), 3, "a real update notifies");
    assert_eq!(component(&server, WEBSITE_COMPONENT_ID), "operational");
    assert_eq!(component(&server, API_COMPONENT_ID), "degraded_performance");
    let partly = serve.actions().len();

    // All resolve → resolved, every component restored.
    am.post(&[api_alert.resolved()]);
    serve.wait_for("resolved", partly, STEP, &[&am]);
    let incident = the_incident(&server);
    assert_eq!(incident["status"], "resolved", "{incident:#}");
    assert_eq!(notifications(&server, &id), 4, "the resolve notifies");
    assert_eq!(component(&server, API_COMPONENT_ID), "operational");
    assert_eq!(component(&server, WEBSITE_COMPONENT_ID), "operational");
    // Every notification was answered 200 (no failure logged), and nothing ever failed.
    let actions = serve.actions();
    eprintln!("lifecycle: serve decided {actions:?}");
    assert!(actions.iter().all(|a| a != "failed"), "{actions:?}");
    assert!(
        am.webhook_metric("alertmanager_notification_requests_failed_total") == 0.0,
        "{}",
        serve.context(&[&am])
    );
}

#[test]
fn alertmanager_ha_pair_makes_one_incident_and_one_notification() {
    alertmanager_binary();
    let server = sandbox();
    let w = world(&server);
    let serve = Serve::start(&w, &routes(None), 2);
    let config = am_config(&w, &serve, "1h");
    let [a, b] = ha_pair(&w, &serve, &config);

    // Prometheus posts every alert to every peer.
    let alert = Alert::new("API", "critical");
    a.post(&[alert.firing()]);
    b.post(&[alert.firing()]);
    serve.wait_for("created", 0, STEP, &[&a, &b]);
    // Past the second peer's wait and a group_interval: any duplicate has arrived by then.
    let incidents = quiet(&server, GROUP_INTERVAL * 2);
    assert_eq!(
        incidents.len(),
        1,
        "one incident for the HA pair: {incidents:#?}\n{}",
        serve.context(&[&a, &b])
    );
    let id = incidents[0]["id"].as_str().unwrap();
    assert_eq!(notifications(&server, id), 1, "subscribers notified once\n{}", serve.context(&[&a, &b]));
    assert_eq!(component(&server, API_COMPONENT_ID), "major_outage");
    // Both peers notified serve: the duplicate an HA pair sends was there, and cost nothing.
    // (The second peer waits PEER_TIMEOUT, less than the create's settle: it cannot yet
    // know the first peer's notification succeeded.)
    let actions = serve.actions();
    let sent = [&a, &b].map(|am| am.webhook_metric("alertmanager_notifications_total"));
    eprintln!("HA pair: peers sent {sent:?}; serve decided {actions:?}");
    assert!(
        sent.iter().all(|&n| n >= 1.0),
        "each peer notified serve: {sent:?}\n{}",
        serve.context(&[&a, &b])
    );
    assert!(actions.len() >= 2 && actions[1..].iter().all(|a| a == "unchanged"), "{actions:?}");
}

#[test]
fn alertmanager_redelivers_after_the_provider_503s_writes_past_the_answer_deadline() {
    provider_outage(None, false);
}

#[test]
fn alertmanager_redelivers_after_provider_writes_outlast_the_answer_deadline() {
    // Each write hangs past serve's deadline, then fails: serve answers 503 at the deadline
    // and the work goes on (past_deadline in the decision log).
    provider_outage(Some(Duration::from_millis(2_500)), false);
}

#[test]
fn alertmanager_ha_pair_retrying_through_a_provider_outage_makes_one_incident() {
    // Alertmanager #4108: after a failed notification both peers retry, and each delivers on
    // recovery.
    provider_outage(None, true);
}

/// The provider answers 503 to every write (after `slow`, if given) for longer than serve's
/// answer deadline (2 s), then recovers: serve answers 503, Alertmanager retries (both peers
/// of an HA pair with `ha`), and its redelivery after the fault clears makes one incident,
/// notified once.
fn provider_outage(slow: Option<Duration>, ha: bool) {
    alertmanager_binary();
    let server = sandbox();
    let w = world(&server);
    let deadline = Duration::from_secs(2);
    let serve = Serve::start(&w, &routes(Some("2s")), 2);
    // Alertmanager retries a failed notification with growing pauses until its flush's
    // deadline: 20 s leaves room for the outage (4 s), serve's 5 s backoff after two failures
    // and the create's settle delay, on a loaded machine too. With the default 10 s the
    // last retry could land just after the backoff and be cut off during the settle delay.
    let config = am_config_with(&w, &serve, "1h", Duration::from_secs(20));
    let peers: Vec<Alertmanager> = if ha {
        ha_pair(&w, &serve, &config).into()
    } else {
        vec![Alertmanager::start(&w, "am", &config, Cluster::Off)]
    };
    let peer_refs: Vec<&Alertmanager> = peers.iter().collect();
    let logs = || peers.iter().map(Alertmanager::log_text).collect::<String>();
    let metric = |name: &str| peers.iter().map(|am| am.webhook_metric(name)).sum::<f64>();

    for method in ["POST", "PATCH", "PUT", "DELETE"] {
        let writes = FaultMatch::any().method(method).path("/v1/pages/*");
        let mut action = FaultAction::status(503);
        if let Some(slow) = slow {
            action = action.with_delay(slow.as_millis() as u64);
        }
        server.control().add_fault(Fault::new(writes, action).times(1_000_000));
    }
    let alert = Alert::new("API", "critical");
    for am in &peers {
        am.post(&[alert.firing()]);
    }
    let started = Instant::now();
    let refused_at = loop {
        if server.control().requests().iter().any(|r| r.fault.is_some()) {
            break Instant::now();
        }
        assert!(started.elapsed() < STEP, "no write reached the sandbox\n{}", serve.context(&peer_refs));
        std::thread::sleep(Duration::from_millis(50));
    };
    // serve answers 503; Alertmanager logs it and will retry.
    let started = Instant::now();
    while !logs().contains("unexpected status code 503") {
        assert!(
            started.elapsed() < STEP,
            "Alertmanager never got a 503 from serve\n{}",
            serve.context(&peer_refs)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // The outage lasts longer than serve's answer deadline, then clears.
    let until = refused_at + deadline + Duration::from_secs(2);
    std::thread::sleep(until.saturating_duration_since(Instant::now()));
    assert_eq!(owned(&server).len(), 0, "nothing was created while every write failed");
    server.control().clear_faults();

    // Alertmanager redelivers → one incident, and a 200 that Alertmanager records (so it stops
    // sending), both within a few group intervals of the recovery.
    let cleared = Instant::now();
    while !serve.actions().iter().any(|a| a == "created") {
        assert!(
            cleared.elapsed() < RECOVERY,
            "no incident {RECOVERY:?} after the provider recovered: decisions {:?}{BACKLOG}\n{}",
            serve.actions(),
            serve.context(&peer_refs)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let created = cleared.elapsed();
    while !logs().contains("msg=\"Notify success\"") {
        assert!(
            cleared.elapsed() < created + RECOVERY,
            "the incident was created {created:?} after the provider recovered, but serve still \
             answers 503 {:?} later ({} decisions so far){}\n{}",
            cleared.elapsed() - created,
            serve.decisions().len(),
            BACKLOG,
            serve.context(&peer_refs)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let incidents = quiet(&server, GROUP_INTERVAL * 2);
    let context = serve.context(&peer_refs);
    assert_eq!(incidents.len(), 1, "one incident after the redelivery: {incidents:#?}\n{context}");
    let id = incidents[0]["id"].as_str().unwrap();
    assert_eq!(notifications(&server, id), 1, "subscribers notified once\n{context}");
    assert_eq!(component(&server, API_COMPONENT_ID), "major_outage");
    let failed_attempts = metric("alertmanager_notification_requests_failed_total");
    assert!(failed_attempts >= 1.0, "{context}");
    let succeeded = peers.iter().filter(|am| am.log_text().contains("msg=\"Notify success\"")).count();
    let decisions = serve.decisions();
    let failed: Vec<&Value> = decisions.iter().filter(|d| d["decisions"][0]["action"] == "failed").collect();
    assert!(failed.iter().all(|d| d["decisions"][0]["error"] == "unavailable"), "{context}");
    if slow.is_some() {
        // serve answered at its deadline and told the sender the work goes on; that work
        // finished late (the plugin's own resend found the provider back), the redeliveries
        // waited for it and found the incident.
        assert!(logs().contains("not applied within 2s; the work goes on"), "{context}");
        assert!(decisions.iter().any(|d| d["past_deadline"] == true), "{context}");
    } else {
        // The provider's 503 is passed on as it comes.
        assert!(!failed.is_empty(), "{context}");
        assert!(logs().contains("503 Service Unavailable: injected fault"), "{context}");
    }
    let actions = serve.actions();
    eprintln!(
        "provider outage (ha: {ha}): {failed_attempts} failed attempt(s), {succeeded} peer(s) delivered; \
         serve decided {actions:?}"
    );
    assert!(
        actions.iter().skip_while(|a| *a == "failed").all(|a| a == "created" || a == "unchanged"),
        "{actions:?}"
    );
}

/// `METHOD path` of the writes since the first `skip` writes (for messages).
fn lines_since(server: &BackgroundSandbox, skip: u64) -> Vec<String> {
    server
        .control()
        .requests()
        .iter()
        .filter(|r| !matches!(r.method.as_str(), "GET" | "HEAD" | "OPTIONS"))
        .skip(skip as usize)
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}
