//! `statusctl sandbox`: the tour (`--demo`) through the real plugin, serving on a free port
//! (`--port 0`) with the address and the variables to use printed first, and `--state FILE`
//! keeping the emulator's data across processes; what a web page or a killed sandbox cannot do to it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, ChildStdout, Stdio};
use std::time::Duration;

use serde_json::Value;
use statusctl_sandbox::statuspage::{DEMO_PAGE_ID, DEMO_TOKEN};

use crate::harness::*;
use crate::statuspage_parity::http_at;

#[test]
fn the_demo_tours_the_real_commands_and_ends_with_done() {
    let w = World::with(&["statuspage"]);
    let run = w.run(&["sandbox", "--demo"]);
    run.ok().stdout_has("\n## Nobl9: skipped, the `nobl9` plugin is not loaded\n");
    let out = &run.stdout;
    assert!(out.starts_with("A tour of statusctl against local emulators at http://127.0.0.1:"), "{out}");
    let incident = out
        .lines()
        .find_map(|l| l.strip_prefix("Incident ID: "))
        .unwrap_or_else(|| panic!("no incident created:\n{out}"))
        .to_string();
    let steps = [
        "## Statuspage\n\n# 1. Check the token and the page\n$ statusctl statuspage:test-connection\nAPI: http://127.0.0.1:".to_string(),
        "Page: Sandbox Demo (sandboxpage1)\n".into(),
        "# 2. The page's components, groups first\n$ statusctl statuspage:list-components\n".into(),
        "backendgroup  operational           Backend (group)\n".into(),
        "# 3. Open an incident: Conan-style flags, components by name\n$ statusctl statuspage:create-incident \
         -t \"API latency\" -s investigating -i minor -cs degraded_performance -c API\nCreated incident:\n"
            .into(),
        format!("Incident ID: {incident}\n"),
        "Name: API latency\nStatus: investigating\nImpact: minor\n".into(),
        format!(
            "# 4. Update it\n$ statusctl statuspage:update-incident -ic {incident} -s identified \
             -m \"Cause found: a slow database query\"\nUpdated incident:\nIncident ID: {incident}\n"
        ),
        format!(
            "# 5. Resolve it, setting its components back to operational\n$ statusctl statuspage:resolve-incident \
             -ic {incident} -e incident -c API -m Fixed\nResolved incident:\nIncident ID: {incident}\n"
        ),
        "# 6. Schedule a maintenance\n$ statusctl statuspage:schedule-maintenance -t \"Database upgrade\" \
         -c Database -m \"Read-only for 10 minutes\" -s 2030-01-01T10:00:00Z\nScheduled maintenance:\n"
            .into(),
        "Scheduled for (UTC) 2030-01-01T10:00:00.000Z\nStatus: scheduled\nImpact: maintenance\n".into(),
        "# 7. Everything on the page\n$ statusctl statuspage:list-incidents\nID            STATUS".into(),
        "# 8. A dry run shows the request and sends nothing\n$ statusctl --dry-run statuspage:create-incident \
         -t \"Just looking\"\ndry run: nothing was sent; this is what would be:\n"
            .into(),
    ];
    let mut at = 0;
    for step in &steps {
        let found = out[at..]
            .find(step.as_str())
            .unwrap_or_else(|| panic!("missing or out of order: {step:?}\n{out}"));
        at += found + step.len();
    }
    assert!(
        out.ends_with("\nDone. `statusctl sandbox` serves the same emulators on port 8787 until Ctrl-C.\n"),
        "{out}"
    );
    // The tour's commands print Conan's text: each block ends with the extra empty line.
    assert_eq!(out.matches("\nURL: https://stspg.io/").count(), 4, "{out}");
    assert!(!run.stderr.contains("error"), "{}", run.stderr);
}

#[test]
fn the_demo_without_the_plugin_says_what_is_missing() {
    let w = World::new();
    let run = w.run(&["sandbox", "--demo"]);
    run.code(3).stdout_is("").stderr_lines(1).stderr_has("statuspage");
}

/// A `statusctl sandbox` process, killed when dropped.
struct Served {
    child: Child,
    stdout: BufReader<ChildStdout>,
    addr: SocketAddr,
    /// The variables of the printed `export` lines (Statuspage's, then Nobl9's).
    exports: Vec<(String, String)>,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Served {
    fn start(w: &World, extra: &[&str]) -> Served {
        let mut args = vec!["sandbox", "--port", "0"];
        args.extend_from_slice(extra);
        let mut child = w
            .command(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        stdout.read_line(&mut first).unwrap();
        let url = first
            .strip_prefix("statusctl sandbox listening on http://")
            .unwrap_or_else(|| panic!("first line: {first:?}"))
            .trim_end()
            .to_string();
        let addr: SocketAddr = url.parse().unwrap_or_else(|_| panic!("not an address: {url}"));
        assert_eq!(addr.ip().to_string(), "127.0.0.1");
        assert_ne!(addr.port(), 8787);
        let mut served = Served { child, stdout, addr, exports: Vec::new() };
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            assert_ne!(served.stdout.read_line(&mut line).unwrap(), 0, "ended early: {lines:?}");
            if let Some(vars) = line.trim().strip_prefix("export ") {
                served.exports.extend(
                    vars.split(' ').map(|kv| kv.split_once('=').unwrap()).map(|(k, v)| (k.into(), v.into())),
                );
            }
            let done = line.starts_with("Press Ctrl-C to stop.");
            lines.push(line);
            if done {
                break;
            }
        }
        assert_eq!(
            lines[1],
            format!(
                "Statuspage emulator (http://{addr}/v1), seeded with page {DEMO_PAGE_ID} and a demo token:\n"
            )
        );
        assert!(
            lines[3].contains("the built-in `sandbox` profile expects the default port 8787"),
            "{lines:?}"
        );
        served
    }

    /// A world whose environment is the printed `export` line.
    fn world_for(&self) -> World {
        let mut w = World::with(&["statuspage"]);
        for (k, v) in &self.exports {
            w = w.env(k, v);
        }
        w
    }
}

#[test]
fn sandbox_on_a_free_port_prints_how_to_use_it_and_serves() {
    let w = World::new();
    let served = Served::start(&w, &[]);
    let addr = served.addr;
    assert_eq!(
        served.exports,
        [
            ("STATUSPAGE_API_URL".to_string(), format!("http://{addr}/v1")),
            ("STATUSPAGE_PAGE_ID".into(), DEMO_PAGE_ID.into()),
            ("STATUSPAGE_TOKEN".into(), DEMO_TOKEN.into()),
            ("NOBL9_BASE_URL".into(), format!("http://{addr}")),
            ("NOBL9_ORG".into(), statusctl_sandbox::nobl9::DEMO_ORG.into()),
            ("NOBL9_CLIENT_ID".into(), statusctl_sandbox::nobl9::DEMO_CLIENT_ID.into()),
            ("NOBL9_CLIENT_SECRET".into(), statusctl_sandbox::nobl9::DEMO_CLIENT_SECRET.into()),
        ]
    );
    let (status, body) = http_at(addr, "GET", "/v1/pages", Some(DEMO_TOKEN), None);
    assert_eq!(status, 200, "{body}");
    let pages: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(pages[0]["id"], DEMO_PAGE_ID);
    assert_eq!(pages.as_array().unwrap().len(), 1);
    assert_eq!(http_at(addr, "GET", "/v1/pages", Some("wrong"), None).0, 401);
    // The echo provider and the control API are there too.
    assert_eq!(http_at(addr, "GET", "/echo/x", None, None).0, 200);
    assert_eq!(http_at(addr, "GET", "/_sandbox/health", None, None).0, 200);
    // And the printed variables are all statusctl needs.
    let run = served.world_for().run(&["statuspage:test-connection"]);
    run.ok().stdout_has(&format!("API: http://{addr}/v1\nPage: Sandbox Demo ({DEMO_PAGE_ID})\n"));
}

#[test]
fn state_keeps_incidents_across_sandbox_processes() {
    let w = World::new();
    let state = w.path("state.json");
    let state_arg = state.display().to_string();
    let first = Served::start(&w, &["--state", &state_arg]);
    let run = first.world_for().run(&[
        "statuspage:create-incident",
        "-t",
        "Survives",
        "-c",
        "API",
        "-cs",
        "major_outage",
    ]);
    run.ok();
    let id = run.stdout.lines().nth(1).unwrap().strip_prefix("Incident ID: ").unwrap().to_string();
    drop(first);
    assert!(state.exists(), "no state file");

    let second = Served::start(&w, &["--state", &state_arg]);
    let run = second.world_for().run(&["statuspage:get-incident", "-ic", &id, "-f", "json"]);
    run.ok();
    assert_eq!(run.json()["name"], "Survives");
    assert_eq!(run.json()["components"][0]["status"], "major_outage");
    // A sandbox without the file starts from the seed.
    drop(second);
    let fresh = Served::start(&w, &[]);
    fresh.world_for().run(&["statuspage:get-incident", "-ic", &id]).code(1);
}

#[test]
fn the_demo_tours_nobl9_too_when_its_plugin_is_there() {
    let w = World::with(&["statuspage", "nobl9"]);
    let run = w.run(&["sandbox", "--demo"]);
    run.ok().stdout_lacks("skipped");
    let nobl9 = &run.stdout[run.stdout.find("## Nobl9\n").expect("a Nobl9 part")..];
    let steps = [
        "# 9. Check the configuration and the credentials\n$ statusctl nobl9:test-connection\n✅ Configuration loaded\n",
        "✅ Authentication successful!\n",
        "# 10. The component tree\n$ statusctl nobl9:list-components\n- Platform: operational (",
        "# 11. The shared vocabulary: the same command as on Statuspage, Statuspage spellings accepted\n\
         $ statusctl nobl9:create-incident -c API -cs major_outage -m \"Error rate above 5%\"\n",
        "✅ Incident created: API is majorOutage (was operational)\n",
        "# 12. Ongoing incidents, per day\n$ statusctl nobl9:list-incidents --ongoing\n",
        "❌ API (majorOutage) - 🔴 ongoing\n",
        "# 13. Resolve it\n$ statusctl nobl9:resolve-incident -c API -m Recovered\n",
        "✅ Incident resolved: API is operational (was majorOutage)\n",
        "# 14. What a monitoring system would send\n$ statusctl nobl9:monitoring-integration \"API EU\" warning prometheus\n",
        "Status: operational → degradedPerformance\n",
        "# 15. The status history of a component\n$ statusctl nobl9:status-history API\n",
        "Comment: Recovered\n",
    ];
    let mut at = 0;
    for step in steps {
        let found =
            nobl9[at..].find(step).unwrap_or_else(|| panic!("missing or out of order: {step:?}\n{nobl9}"));
        at += found + step.len();
    }
    // The secret the profile holds is never printed.
    run.never_shows(statusctl_sandbox::nobl9::DEMO_CLIENT_SECRET);
}

/// Sends `head` (request line and headers, without the empty line) and `body` as they are.
fn raw_request(addr: SocketAddr, head: &str, body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).expect("connect to the sandbox");
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let length = if head.contains("Content-Length:") {
        String::new()
    } else {
        format!("\r\nContent-Length: {}", body.len())
    };
    let request = format!("{head}{length}\r\nConnection: close\r\n\r\n{body}");
    stream.write_all(request.as_bytes()).unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).expect("read the answer");
    let status = raw.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("a status line");
    (status, raw.split_once("\r\n\r\n").map(|(_, body)| body.to_string()).unwrap_or_default())
}

#[test]
fn the_served_sandbox_keeps_other_sites_out_of_its_log_and_its_faults() {
    let w = World::new();
    let served = Served::start(&w, &[]);
    let addr = served.addr;
    // statusctl's requests, with the token, are in the log.
    served.world_for().run(&["statuspage:test-connection"]).ok();
    let (status, log) = raw_request(addr, &format!("GET /_sandbox/requests HTTP/1.1\r\nHost: {addr}"), "");
    assert_eq!(status, 200, "{log}");
    assert!(log.contains(DEMO_TOKEN), "{log}");

    // DNS rebinding: the page's own name, now resolving to 127.0.0.1, in the Host header.
    for host in ["attacker.example".to_string(), format!("attacker.example:{}", addr.port())] {
        let (status, body) =
            raw_request(addr, &format!("GET /_sandbox/requests HTTP/1.1\r\nHost: {host}"), "");
        assert_eq!(status, 403, "{body}");
        assert!(!body.contains(DEMO_TOKEN), "{body}");
        assert!(serde_json::from_str::<Value>(&body).unwrap()["error"].is_string(), "{body}");
    }

    // A cross-origin `text/plain` POST (no preflight) adds no fault; nor does one without a type.
    let fault = r#"{"match": {"method": "POST"}, "action": {"drop": "after"}}"#;
    let post = format!("POST /_sandbox/faults HTTP/1.1\r\nHost: {addr}");
    for content_type in ["\r\nContent-Type: text/plain;charset=UTF-8", ""] {
        let (status, body) = raw_request(addr, &format!("{post}{content_type}"), fault);
        assert_eq!(status, 415, "{content_type:?}: {body}");
    }
    // Nor a bodiless reset from another site's page.
    let (status, _) = raw_request(
        addr,
        &format!("POST /_sandbox/reset HTTP/1.1\r\nHost: {addr}\r\nOrigin: https://attacker.example"),
        "",
    );
    assert_eq!(status, 403);
    let (_, faults) = raw_request(addr, &format!("GET /_sandbox/faults HTTP/1.1\r\nHost: {addr}"), "");
    assert_eq!(faults, "[]");
    // As the README's curl lines send it, it works.
    let (status, body) = raw_request(addr, &format!("{post}\r\nContent-Type: application/json"), fault);
    assert_eq!(status, 201, "{body}");

    // A body over 1 MiB is refused before it is read.
    let (status, _) = raw_request(
        addr,
        &format!(
            "POST /v1/pages/{DEMO_PAGE_ID}/incidents HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 1048577"
        ),
        "",
    );
    assert_eq!(status, 413);

    // The counters: statusctl's GETs, no write.
    let (status, body) = raw_request(addr, "GET /_sandbox/counters HTTP/1.1\r\nHost: localhost", "");
    assert_eq!(status, 200, "{body}");
    let counters: Value = serde_json::from_str(&body).unwrap();
    assert!(counters["methods"]["GET"].as_u64().is_some_and(|n| n >= 1), "{counters}");
    assert_eq!(counters["methods"].get("POST"), None, "{counters}");
}

#[test]
fn a_sandbox_with_state_removes_what_a_killed_one_left() {
    let w = World::new();
    let state = w.path("state.json");
    // A save interrupted by a kill: the temporary file of a process that is gone (no such pid),
    // beside one of a live process (this test's) and another file's.
    let stale = w.path(".state.json.4000000000.tmp");
    let live = w.path(&format!(".state.json.{}.tmp", std::process::id()));
    let other = w.path(".other.json.4000000000.tmp");
    for file in [&stale, &live, &other] {
        std::fs::write(file, "{\"format\": \"statusctl-sandbox-st").unwrap();
    }
    let served = Served::start(&w, &["--state", &state.display().to_string()]);
    assert!(!stale.exists(), "the stale temporary file is still there");
    assert!(live.exists() && other.exists());
    // And the sandbox saves as usual.
    served.world_for().run(&["statuspage:create-incident", "-t", "Saved"]).ok();
    assert!(std::fs::read_to_string(&state).unwrap().contains("Saved"));
}
