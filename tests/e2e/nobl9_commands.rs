//! The `nobl9` plugin against the sandbox's Nobl9 emulator: every command's requests
//! (method, path under `/api/dashboards/v1/status-page`, query, `Authorization`,
//! `Organization`, `Content-Type`, JSON body), its output (text and `-f json`), and the
//! emulator's state afterwards (statuses, histories, incidents, issues).
//!
//! Also the helpers the other `nobl9_*` files share: a sandbox, a world pointed at it, raw
//! calls to the emulator, and the requests statusctl made, checked and summarised.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use statusctl_sandbox::nobl9::{
    API_COMPONENT_ID, API_EU_COMPONENT_ID, API_US_COMPONENT_ID, CACHE_COMPONENT_IDS, DATABASE_COMPONENT_ID,
    DEMO_API_TOKEN, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_ORG, DEMO_USER, FRONTEND_COMPONENT_ID,
    Nobl9Options, PLATFORM_COMPONENT_ID, WEB_COMPONENT_ID,
};
use statusctl_sandbox::{BackgroundSandbox, Fault, FaultAction, FaultMatch, SandboxBuilder};

use crate::harness::*;

// ---------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------

pub const PLATFORM: &str = PLATFORM_COMPONENT_ID;
pub const API: &str = API_COMPONENT_ID;
pub const API_EU: &str = API_EU_COMPONENT_ID;
pub const API_US: &str = API_US_COMPONENT_ID;
pub const DATABASE: &str = DATABASE_COMPONENT_ID;
pub const WEB: &str = WEB_COMPONENT_ID;
pub const FRONTEND: &str = FRONTEND_COMPONENT_ID;
pub const CACHES: [&str; 2] = CACHE_COMPONENT_IDS;

/// Every status-page path starts with this.
pub const PREFIX: &str = "/api/dashboards/v1/status-page";

/// The emulator with its seed on a free port; the token endpoint's 1-per-3-s limit is off
/// (it runs on the sandbox clock, which `STATUSCTL_TIME_SCALE` does not move).
pub fn sandbox() -> BackgroundSandbox {
    sandbox_with(Nobl9Options { token_rate_limit: false, ..Nobl9Options::default() })
}

pub fn sandbox_with(options: Nobl9Options) -> BackgroundSandbox {
    SandboxBuilder::new().nobl9(options).start_background().expect("start the Nobl9 sandbox")
}

/// A world with the real `nobl9` plugin and the scripts' variables for the demo client.
pub fn world(server: &BackgroundSandbox) -> World {
    World::with(&["nobl9"])
        .env("NOBL9_BASE_URL", &server.base_url())
        .env("NOBL9_ORG", DEMO_ORG)
        .env("NOBL9_CLIENT_ID", DEMO_CLIENT_ID)
        .env("NOBL9_CLIENT_SECRET", DEMO_CLIENT_SECRET)
}

/// `statusctl nobl9:COMMAND ARGS...`.
pub fn n9(w: &World, command: &str, args: &[&str]) -> Run {
    let name = format!("nobl9:{command}");
    let mut argv = vec![name.as_str()];
    argv.extend_from_slice(args);
    w.run(&argv)
}

/// A usage, configuration or API error: the exit code, exactly `message` on stderr (one
/// line), nothing on stdout.
#[track_caller]
pub fn fails(run: &Run, code: i32, message: &str) {
    run.code(code).stdout_is("");
    assert_eq!(run.stderr, format!("error: {message}\n"), "{run:?}");
}

/// Standard base64 with padding.
pub fn b64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Base64url without padding (JWT parts) → bytes.
fn b64url_decode(text: &str) -> Option<Vec<u8>> {
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::new();
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(v);
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
        }
    }
    Some(out)
}

/// The claims of a JWT (not verified).
pub fn claims(token: &str) -> Option<Value> {
    let payload = token.split('.').nth(1)?;
    serde_json::from_slice(&b64url_decode(payload)?).ok()
}

/// `Basic base64(id:secret)` of the demo client.
pub fn basic_demo() -> String {
    format!("Basic {}", b64(format!("{DEMO_CLIENT_ID}:{DEMO_CLIENT_SECRET}").as_bytes()))
}

/// RFC 3339 in UTC, whole seconds (`2026-02-05T10:30:00Z`).
pub fn rfc3339(at: SystemTime) -> String {
    let secs = at.duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", rest / 3600, rest % 3600 / 60, rest % 60)
}

/// RFC 3339 of `secs` seconds ago.
pub fn ago(secs: u64) -> String {
    rfc3339(SystemTime::now() - Duration::from_secs(secs))
}

/// `occurredAt` as the scripts send it for "now" (`2026-02-05T10:30:00.123456Z`), between
/// `before` and `after` (to the second).
#[track_caller]
pub fn assert_script_now(value: &Value, before: &str, after: &str) {
    let text = value.as_str().unwrap_or_else(|| panic!("not a time: {value}"));
    let shaped = text.len() == 27
        && text.ends_with('Z')
        && text.as_bytes()[19] == b'.'
        && text[20..26].bytes().all(|b| b.is_ascii_digit());
    assert!(shaped, "not the scripts' time format: {text}");
    assert!(before[..19] <= text[..19] && text[..19] <= after[..19], "{before} <= {text} <= {after}");
}

/// A status-page call (`rel` under [`PREFIX`]) with the demo organization's long-lived token.
#[track_caller]
pub fn api(server: &BackgroundSandbox, method: &str, rel: &str, body: Option<&Value>) -> (u16, Value) {
    let bearer = format!("Bearer {DEMO_API_TOKEN}");
    let headers = [("Authorization", bearer.as_str()), ("Organization", DEMO_ORG)];
    let body = body.map(Value::to_string).unwrap_or_default();
    let (status, text) = raw_http(server.addr(), method, &format!("{PREFIX}{rel}"), &headers, &body);
    let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, value)
}

/// A successful GET of `rel`.
#[track_caller]
pub fn get(server: &BackgroundSandbox, rel: &str) -> Value {
    let (status, value) = api(server, "GET", rel, None);
    assert_eq!(status, 200, "GET {rel}: {value}");
    value
}

/// A successful POST of `rel`.
#[track_caller]
pub fn post(server: &BackgroundSandbox, rel: &str, body: Value) -> Value {
    let (status, value) = api(server, "POST", rel, Some(&body));
    assert!(status == 200 || status == 201, "POST {rel}: {status} {value}");
    value
}

/// Every component of the tree, parents first.
pub fn flat_components(server: &BackgroundSandbox) -> Vec<Value> {
    fn walk(nodes: &Value, out: &mut Vec<Value>) {
        for node in nodes.as_array().into_iter().flatten() {
            out.push(node.clone());
            walk(&node["children"], out);
        }
    }
    let mut out = Vec::new();
    walk(&get(server, "/components")["components"], &mut out);
    out
}

/// The status the tree shows for `id` (the worst of its own and its descendants').
pub fn shown_status(server: &BackgroundSandbox, id: &str) -> String {
    let all = flat_components(server);
    let node = all.iter().find(|c| c["id"] == id).unwrap_or_else(|| panic!("no component {id}"));
    node["status"].as_str().unwrap().to_string()
}

/// A component's status history, newest first.
pub fn history(server: &BackgroundSandbox, id: &str) -> Vec<Value> {
    get(server, &format!("/components/{id}/status-changes"))["history"].as_array().unwrap().clone()
}

/// A component's own status: the newest entry of its history (operational without one).
pub fn own_status(server: &BackgroundSandbox, id: &str) -> String {
    history(server, id).first().map_or("operational".into(), |c| c["newStatus"].as_str().unwrap().into())
}

/// Every incident (`ongoing` = None: all), newest first, out of the day groups.
pub fn incidents(server: &BackgroundSandbox, ongoing: Option<bool>) -> Vec<Value> {
    let query = ongoing.map_or(String::new(), |o| format!("?ongoing={o}"));
    let days = get(server, &format!("/incidents{query}"));
    days["days"].as_array().unwrap().iter().flat_map(|d| d["incidents"].as_array().unwrap().clone()).collect()
}

/// Every issue, newest `occurredAt` first.
pub fn all_issues(server: &BackgroundSandbox) -> Vec<Value> {
    get(server, "/issues?limit=200")["issues"].as_array().unwrap().clone()
}

/// Changes a status through the API (test set-up).
pub fn set_status(server: &BackgroundSandbox, id: &str, status: &str, comment: Option<&str>, up: bool) {
    let mut body = json!({"status": status, "propagateUp": up});
    if let Some(comment) = comment {
        body["comment"] = json!(comment);
    }
    post(server, &format!("/components/{id}/change-status"), body);
}

/// A request statusctl made: `METHOD path?query` (status-page paths without [`PREFIX`]), its
/// authorization (see [`auth_label`]) and its JSON body (`null` without one; the Okta form
/// as a string).
#[derive(Debug, Clone, PartialEq)]
pub struct Req {
    pub call: String,
    pub auth: String,
    pub body: Value,
}

pub fn req(call: &str, auth: &str, body: Value) -> Req {
    Req { call: call.into(), auth: auth.into(), body }
}

/// The scripts' token exchange for the demo client.
pub fn exchange() -> Req {
    req("POST /api/accessToken", "Basic demo", Value::Null)
}

/// A status-page call with the token the exchange issued.
pub fn bearer(call: &str, body: Value) -> Req {
    req(call, "Bearer issued", body)
}

/// `Basic demo` (the demo client's id and secret), `Bearer demo-token` ([`DEMO_API_TOKEN`]),
/// `Bearer issued` (a token this sandbox issued to the demo client), `none`, or the value.
pub fn auth_label(value: Option<&str>) -> String {
    let Some(value) = value else { return "none".into() };
    if value == basic_demo() {
        return "Basic demo".into();
    }
    if let Some(token) = value.strip_prefix("Bearer ") {
        if token == DEMO_API_TOKEN {
            return "Bearer demo-token".into();
        }
        if let Some(c) = claims(token)
            && c["cid"] == DEMO_CLIENT_ID
            && c["m2mProfile"]["organization"] == DEMO_ORG
            && c["m2mProfile"]["user"] == DEMO_USER
        {
            return "Bearer issued".into();
        }
    }
    value.into()
}

/// The requests statusctl made, after checking the headers every one of them must carry:
/// status-page calls under [`PREFIX`] with `Organization: sandbox-org` and a JSON
/// `Content-Type` exactly when they have a body; the scripts' token exchange with the
/// organization, `Accept: application/json` and no body; the Okta token request with its
/// form and no organization.
#[track_caller]
pub fn requests(server: &BackgroundSandbox) -> Vec<Req> {
    sent(server)
        .iter()
        .map(|r| {
            let ct = r.header("content-type");
            let org = r.header("organization");
            let query = r.query.as_ref().map_or(String::new(), |q| format!("?{q}"));
            let (path, body) = if r.path == "/api/accessToken" {
                assert_eq!((org, ct, r.body.as_str()), (Some(DEMO_ORG), None, ""), "{r:?}");
                assert_eq!(r.header("accept"), Some("application/json"), "{r:?}");
                (r.path.clone(), Value::Null)
            } else if r.path.starts_with("/oauth2/") {
                assert_eq!((org, ct), (None, Some("application/x-www-form-urlencoded")), "{r:?}");
                assert_eq!(r.header("accept"), Some("application/json"), "{r:?}");
                (r.path.clone(), Value::String(r.body.clone()))
            } else {
                let rel = r.path.strip_prefix(PREFIX).unwrap_or_else(|| panic!("not under {PREFIX}: {r:?}"));
                assert_eq!(org, Some(DEMO_ORG), "{r:?}");
                if r.body.is_empty() {
                    assert_eq!(ct, None, "{r:?}");
                    (rel.to_string(), Value::Null)
                } else {
                    assert_eq!(ct, Some("application/json"), "{r:?}");
                    (rel.to_string(), serde_json::from_str(&r.body).expect("a JSON body"))
                }
            };
            Req {
                call: format!("{} {path}{query}", r.method),
                auth: auth_label(r.header("authorization")),
                body,
            }
        })
        .collect()
}

/// 80 dashes, the scripts' separator.
pub fn dashes() -> String {
    "-".repeat(80)
}

/// Replaces every `Duration: N seconds (ongoing)` count by `N` and returns the counts.
pub fn ongoing_durations(text: &str) -> (String, Vec<i64>) {
    let mut counts = Vec::new();
    let lines: Vec<String> = text
        .split_inclusive('\n')
        .map(|line| match line.trim_start().strip_prefix("Duration: ") {
            Some(rest) if rest.ends_with(" seconds (ongoing)\n") => {
                counts.push(rest.split(' ').next().unwrap().parse().unwrap());
                line.replace(rest, "N seconds (ongoing)\n")
            }
            _ => line.to_string(),
        })
        .collect();
    (lines.concat(), counts)
}

// ---------------------------------------------------------------------------------------
// test_connection, list_components
// ---------------------------------------------------------------------------------------

#[test]
fn test_connection_exchanges_the_credentials_then_reads_the_status() {
    let server = sandbox();
    let w = world(&server);
    let base = server.base_url();
    let run = n9(&w, "test-connection", &[]);
    run.ok().stderr_lines(0).stdout_is(&format!(
        "✅ Configuration loaded\n   Source: environment (NOBL9_*)\n✅ Authentication successful!\n   \
         Organization: {DEMO_ORG}\n   API: {base}/api\n   Components: 9\n"
    ));
    assert_eq!(requests(&server), [exchange(), bearer("GET /status", Value::Null)]);

    let run = n9(&w, "test-connection", &["-f", "json"]);
    run.ok();
    assert_eq!(
        run.json(),
        json!({
            "configuration": {"source": "environment (NOBL9_*)", "organization": DEMO_ORG, "api": format!("{base}/api")},
            "authenticated": true,
            "status": get(&server, "/status"),
        })
    );
}

#[test]
fn list_components_shows_the_tree_indented_and_json_is_the_answer() {
    let server = sandbox();
    let w = world(&server);
    set_status(&server, API_EU, "majorOutage", None, false);
    set_status(&server, FRONTEND, "degradedPerformance", None, false);
    server.control().clear_requests();
    let run = n9(&w, "list-components", &[]);
    run.ok().stderr_lines(0).stdout_is(&format!(
        "- Platform: majorOutage ({PLATFORM})\n  - API: majorOutage ({API})\n    - API EU: majorOutage ({API_EU})\n    \
         - API US: operational ({API_US})\n  - Database: operational ({DATABASE})\n  - Cache: operational ({})\n\
         - Web: degradedPerformance ({WEB})\n  - Frontend: degradedPerformance ({FRONTEND})\n  \
         - Cache: operational ({})\n",
        CACHES[0], CACHES[1]
    ));
    assert_eq!(requests(&server), [exchange(), bearer("GET /components", Value::Null)]);
    let run = n9(&w, "list-components", &["-f", "json"]);
    assert_eq!(run.ok().json(), get(&server, "/components"));
}

// ---------------------------------------------------------------------------------------
// list_incidents
// ---------------------------------------------------------------------------------------

#[test]
fn list_incidents_all_ongoing_and_resolved_with_the_scripts_summary() {
    let server = sandbox();
    let w = world(&server);
    n9(&w, "list-incidents", &[]).ok().stdout_is("No incidents found.\n");
    assert_eq!(requests(&server), [exchange(), bearer("GET /incidents", Value::Null)]);

    // API EU: degraded then back (resolved); Database: down (ongoing) with one issue.
    set_status(&server, API_EU, "degradedPerformance", Some("EU slow"), false);
    set_status(&server, API_EU, "operational", Some("EU fine"), false);
    set_status(&server, DATABASE, "majorOutage", Some("DB down"), false);
    post(&server, "/issues", json!({"componentId": DATABASE, "occurredAt": ago(60)}));
    let all = incidents(&server, None);
    let (db, eu) = (&all[0], &all[1]);
    assert_eq!((&db["componentName"], &eu["componentName"]), (&json!("Database"), &json!("API EU")));
    let today = &eu["startedAt"].as_str().unwrap()[..10];
    let database_text = format!(
        "\n  ❌ Database (majorOutage) - 🔴 ongoing\n     Started: {}\n     Duration: N seconds (ongoing)\n     \
         Comment: DB down\n     Issue reports: 1\n",
        db["startedAt"].as_str().unwrap()
    );
    let eu_text = format!(
        "\n  ⚠️ API EU (degradedPerformance) - ✅ resolved\n     Started: {}\n     Ended: {}\n     Duration: {} \
         seconds\n     Comment: EU slow\n",
        eu["startedAt"].as_str().unwrap(),
        eu["endedAt"].as_str().unwrap(),
        eu["duration"]
    );
    let header = |n: usize| {
        format!(
            "Total incidents: {n} across 1 days\n\nIncident Summary:\n{}\n\n📅 {today}: {n} incident(s)\n",
            dashes()
        )
    };
    let cases: [(&[&str], &str, String, usize); 3] = [
        (&[], "GET /incidents", format!("{}{database_text}{eu_text}", header(2)), 1),
        (&["--ongoing"], "GET /incidents?ongoing=true", format!("{}{database_text}", header(1)), 1),
        (&["--resolved"], "GET /incidents?ongoing=false", format!("{}{eu_text}", header(1)), 0),
    ];
    for (args, call, expected, ongoing) in cases {
        server.control().clear_requests();
        let before = incidents(&server, Some(true));
        let run = n9(&w, "list-incidents", args);
        let after = incidents(&server, Some(true));
        run.ok().stderr_lines(0);
        let (text, counts) = ongoing_durations(&run.stdout);
        assert_eq!(text, expected, "{args:?}");
        assert_eq!(counts.len(), ongoing);
        if ongoing == 1 {
            let range = before[0]["duration"].as_i64().unwrap()..=after[0]["duration"].as_i64().unwrap();
            assert!(range.contains(&counts[0]), "{range:?} {counts:?}");
        }
        assert_eq!(requests(&server), [exchange(), bearer(call, Value::Null)]);
    }

    // -f json is the answer (the ongoing duration aside, which grows).
    let mut shown = n9(&w, "list-incidents", &["--resolved", "-f", "json"]).ok().json();
    assert_eq!(shown, get(&server, "/incidents?ongoing=false"));
    shown = n9(&w, "list-incidents", &["-f", "json"]).ok().json();
    let mut expected = get(&server, "/incidents");
    for v in [&mut shown, &mut expected] {
        v["days"][0]["incidents"][0]["duration"] = json!("N");
    }
    assert_eq!(shown, expected);
}

// ---------------------------------------------------------------------------------------
// create_issue
// ---------------------------------------------------------------------------------------

#[test]
fn create_issue_by_id_with_comment_and_time() {
    let server = sandbox();
    let w = world(&server);
    let at = "2026-02-05T10:30:00.123456Z";
    let run = n9(&w, "create-issue", &[API_EU, "--comment", "Slow response times", "--occurred-at", at]);
    run.ok().stderr_lines(0);
    let issues = all_issues(&server);
    assert_eq!(issues.len(), 1);
    let issue = &issues[0];
    run.stdout_is(&format!(
        "✅ Issue report created successfully!\nIssue ID: {}\n",
        issue["id"].as_str().unwrap()
    ));
    assert_eq!(
        requests(&server),
        [
            exchange(),
            bearer(
                "POST /issues",
                json!({"componentId": API_EU, "occurredAt": at, "comment": "Slow response times"})
            )
        ]
    );
    assert_eq!(
        (&issue["componentId"], &issue["componentName"], &issue["source"], &issue["createdBy"]),
        (&json!(API_EU), &json!("API EU"), &json!("user"), &json!(DEMO_USER))
    );
    assert_eq!((&issue["occurredAt"], &issue["comment"]), (&json!(at), &json!("Slow response times")));
    // A user's issue changes no status.
    assert_eq!(history(&server, API_EU), Vec::<Value>::new());

    // -f json is the issue created.
    let run = n9(&w, "create-issue", &[DATABASE, "--occurred-at", "2026-02-05T11:30:00+01:00", "-f", "json"]);
    let shown = run.ok().json();
    assert_eq!(shown, all_issues(&server).into_iter().find(|i| i["id"] == shown["id"]).unwrap());
    assert_eq!(shown["occurredAt"], "2026-02-05T10:30:00Z");
}

#[test]
fn create_issue_by_name_looks_the_tree_up_and_defaults_to_now() {
    let server = sandbox();
    let w = world(&server);
    // An ongoing incident counts the issue.
    set_status(&server, DATABASE, "degradedPerformance", None, false);
    server.control().clear_requests();
    let before = server.control().clock().now_rfc3339();
    let run = n9(&w, "create-issue", &["Database"]);
    let after = server.control().clock().now_rfc3339();
    run.ok().stderr_lines(0);
    let issue = all_issues(&server).remove(0);
    run.stdout_is(&format!(
        "✅ Issue report created successfully!\nIssue ID: {}\n",
        issue["id"].as_str().unwrap()
    ));
    let mut sent = requests(&server);
    assert_script_now(&sent[2].body["occurredAt"], &before, &after);
    // The emulator renders times as Go does (RFC3339Nano: trailing zeros of the fraction
    // dropped); the same instant either way.
    let same_instant =
        |t: &Value| t.as_str().unwrap().trim_end_matches('Z').trim_end_matches('0').to_string();
    assert_eq!(same_instant(&sent[2].body["occurredAt"]), same_instant(&issue["occurredAt"]));
    sent[2].body["occurredAt"] = json!("now");
    assert_eq!(
        sent,
        [
            exchange(),
            bearer("GET /components", Value::Null),
            bearer("POST /issues", json!({"componentId": DATABASE, "occurredAt": "now"})),
        ]
    );
    assert_eq!(issue.get("comment"), None);
    assert_eq!(incidents(&server, Some(true))[0]["issueCount"], 1);
}

// ---------------------------------------------------------------------------------------
// create_external_issue
// ---------------------------------------------------------------------------------------

#[test]
fn create_external_issue_with_every_flag_sends_basic_auth_and_changes_statuses_up_the_tree() {
    let server = sandbox();
    let w = world(&server);
    let at = "2026-02-05T10:30:00.123456Z";
    let run = n9(
        &w,
        "create-external-issue",
        &[
            "Database",
            "--comment",
            "Replication lag",
            "--occurred-at",
            at,
            "--requested-by",
            "prometheus-alertmanager",
            "--status",
            "majorOutage",
            "--propagate",
            "--verify",
        ],
    );
    run.ok().stderr_lines(0);
    let issue = all_issues(&server).remove(0);
    run.stdout_is(&format!(
        "✅ Component found\n✅ Created 1 issue report(s)\n   - Issue ID: {}\n     Component: Database ({DATABASE})\n\n\
         ✅ Triggered 1 status change(s)\n   - Database: operational → majorOutage\n",
        issue["id"].as_str().unwrap()
    ));
    // --verify reads the tree with the token; the report itself goes with Basic client auth.
    assert_eq!(
        requests(&server),
        [
            exchange(),
            bearer("GET /components", Value::Null),
            req(
                "POST /issues/external",
                "Basic demo",
                json!({"componentName": "Database", "occurredAt": at, "comment": "Replication lag",
                    "requestedBy": "prometheus-alertmanager",
                    "statusChange": {"status": "majorOutage", "propagateUp": true}})
            ),
        ]
    );
    assert_eq!(
        (&issue["source"], &issue["createdBy"], &issue["comment"], &issue["occurredAt"]),
        (&json!("external"), &json!("prometheus-alertmanager"), &json!("Replication lag"), &json!(at))
    );
    // The database and, propagated, the platform; the issue counts toward the new incident.
    assert_eq!(own_status(&server, DATABASE), "majorOutage");
    let platform = history(&server, PLATFORM);
    assert_eq!(platform.len(), 1);
    assert_eq!(
        (&platform[0]["newStatus"], &platform[0]["propagatedFrom"], &platform[0]["changedBy"]),
        (&json!("majorOutage"), &json!(DATABASE), &json!("prometheus-alertmanager"))
    );
    assert_eq!(history(&server, API), Vec::<Value>::new());
    let ongoing = incidents(&server, Some(true));
    let database = ongoing.iter().find(|i| i["componentId"] == DATABASE).unwrap();
    assert_eq!((&database["issueCount"], &database["startComment"]), (&json!(1), &json!("Replication lag")));
}

#[test]
fn an_external_issue_for_the_duplicate_cache_name_gives_two_reports() {
    let server = sandbox();
    let w = world(&server);
    let before = server.control().clock().now_rfc3339();
    let run = n9(&w, "create-external-issue", &["Cache"]);
    let after = server.control().clock().now_rfc3339();
    run.ok().stderr_lines(0);
    let mut issues = all_issues(&server);
    assert_eq!(issues.len(), 2);
    // Same occurredAt: the newer first; the report lists them in tree order.
    issues.reverse();
    run.stdout_is(&format!(
        "✅ Created 2 issue report(s)\n   - Issue ID: {}\n     Component: Cache ({})\n   - Issue ID: {}\n     \
         Component: Cache ({})\n",
        issues[0]["id"].as_str().unwrap(),
        CACHES[0],
        issues[1]["id"].as_str().unwrap(),
        CACHES[1]
    ));
    let mut sent = requests(&server);
    assert_script_now(&sent[0].body["occurredAt"], &before, &after);
    sent[0].body["occurredAt"] = json!("now");
    // No token exchange at all: Basic auth, the default requester, no status change.
    assert_eq!(
        sent,
        [req(
            "POST /issues/external",
            "Basic demo",
            json!({"componentName": "Cache", "occurredAt": "now", "requestedBy": "external-system"})
        )]
    );
    for (issue, id) in issues.iter().zip(CACHES) {
        assert_eq!((&issue["componentId"], &issue["createdBy"]), (&json!(id), &json!("external-system")));
        assert_eq!(history(&server, id), Vec::<Value>::new());
    }

    // -f json is the answer: the reports (and no statusChanges without --status).
    let shown = n9(&w, "create-external-issue", &["Cache", "--status", "degraded_performance", "-f", "json"])
        .ok()
        .json();
    let newest: Vec<Value> = all_issues(&server).into_iter().take(2).rev().collect();
    assert_eq!(
        shown,
        json!({
            "reports": newest.iter().map(|i| json!({"id": i["id"], "componentId": i["componentId"], "componentName": "Cache"})).collect::<Vec<_>>(),
            "statusChanges": [
                {"componentName": "Cache", "previousStatus": "operational", "newStatus": "degradedPerformance"},
                {"componentName": "Cache", "previousStatus": "operational", "newStatus": "degradedPerformance"}
            ]
        })
    );
    for id in CACHES {
        assert_eq!(own_status(&server, id), "degradedPerformance");
    }
    assert_eq!(
        (own_status(&server, PLATFORM), own_status(&server, WEB)),
        ("operational".into(), "operational".into())
    );
}

#[test]
fn create_external_issue_list_components_and_verify() {
    let server = sandbox();
    let w = world(&server);
    let run = n9(&w, "create-external-issue", &["--list-components"]);
    run.ok().stderr_lines(0);
    let all = flat_components(&server);
    let mut expected = "Found 9 component(s):\n\n".to_string();
    for (i, c) in all.iter().enumerate() {
        expected.push_str(&format!(
            "{}. {}\n   ID:          {}\n   Description: {}\n   Status:      operational\n\n",
            i + 1,
            c["name"].as_str().unwrap(),
            c["id"].as_str().unwrap(),
            c["description"].as_str().unwrap()
        ));
    }
    run.stdout_is(&expected);
    assert!(expected.contains("6. Cache\n   ID:          15378946-7b44-4e89-89ac-0a72ebe7fa3f\n   Description: Redis cache of the platform\n"));
    assert_eq!(requests(&server), [exchange(), bearer("GET /components", Value::Null)]);
    let shown = n9(&w, "create-external-issue", &["--list-components", "-f", "json"]).ok().json();
    assert_eq!(shown, Value::Array(all));

    // --verify refuses a name no component has exactly (case-sensitive): nothing is reported.
    server.control().clear_requests();
    fails(
        &n9(&w, "create-external-issue", &["database", "--verify"]),
        2,
        "Component 'database' not found (names are case-sensitive); use --list-components to see all components",
    );
    assert_eq!(requests(&server), [exchange(), bearer("GET /components", Value::Null)]);
    assert_eq!(all_issues(&server), Vec::<Value>::new());
}

#[test]
fn create_external_issue_retry_retries_server_errors_but_not_404() {
    let server = sandbox();
    let w = world(&server).env("STATUSCTL_TIME_SCALE", "0.01");
    let external = format!("{PREFIX}/issues/external");
    let fault = |status: u16| {
        server.control().add_fault(Fault::new(
            FaultMatch::any().method("POST").path(&external),
            FaultAction::status(status).with_body("boom"),
        ))
    };
    // Without --retry a 500 is the scripts' message, after one attempt.
    fault(500);
    fails(&n9(&w, "create-external-issue", &["Database"]), 5, "Server error: boom");
    assert_eq!(sent(&server).len(), 1);
    assert_eq!(all_issues(&server), Vec::<Value>::new());

    // With --retry: again after 0.5-1 s (the first backoff), the same request.
    server.control().clear_requests();
    fault(500);
    let run = n9(
        &w,
        "create-external-issue",
        &["Database", "--retry", "-v", "--occurred-at", "2026-02-05T10:30:00Z"],
    );
    run.ok();
    let waits: Vec<&str> = run.stderr.lines().filter(|l| l.contains("waiting ")).collect();
    assert_eq!(waits.len(), 1, "{}", run.stderr);
    let shown = format!(" ({} answered 500, retry 2/12)", server.addr());
    let secs: f64 = waits[0]
        .strip_prefix("debug: waiting ")
        .and_then(|w| w.strip_suffix(&shown))
        .and_then(|w| w.strip_suffix('s'))
        .unwrap_or_else(|| panic!("{}", waits[0]))
        .parse()
        .unwrap();
    assert!((0.5..=1.0).contains(&secs), "{secs}");
    let posts = requests(&server);
    assert_eq!(posts.len(), 2);
    assert_eq!(posts[0], posts[1]);
    assert_eq!(all_issues(&server).len(), 1);

    // A name no component has: 404 is not retried.
    server.control().clear_requests();
    fails(
        &n9(&w, "create-external-issue", &["Nope", "--retry"]),
        1,
        "Resource not found: No component named \"Nope\".",
    );
    assert_eq!(sent(&server).len(), 1);
}

// ---------------------------------------------------------------------------------------
// list_issues, issue_summary
// ---------------------------------------------------------------------------------------

/// Four issues: API EU 5 min ago (user), Database 10 min ago (external, grafana), 2 h ago
/// (user, with a comment) and 2 days ago (user, no longer active).
fn seed_issues(server: &BackgroundSandbox) {
    post(server, "/issues", json!({"componentId": DATABASE, "occurredAt": ago(2 * 86_400)}));
    post(
        server,
        "/issues",
        json!({"componentId": DATABASE, "occurredAt": ago(7200), "comment": "slow queries"}),
    );
    post(
        server,
        "/issues/external",
        json!({"componentName": "Database", "occurredAt": ago(600), "requestedBy": "grafana", "comment": "p99 high"}),
    );
    post(server, "/issues", json!({"componentId": API_EU, "occurredAt": ago(300)}));
}

/// The plugin's list of issues.
fn issue_lines(issues: &[Value], total: usize) -> String {
    let mut out = format!("Found {} issue(s) (total {total}):\n", issues.len());
    for i in issues {
        out.push_str(&format!(
            "  - {} [{}] {} at {}\n",
            i["id"].as_str().unwrap(),
            i["source"].as_str().unwrap(),
            i["componentName"].as_str().unwrap(),
            i["occurredAt"].as_str().unwrap()
        ));
        if let Some(comment) = i["comment"].as_str() {
            out.push_str(&format!("    Comment: {comment}\n"));
        }
    }
    out
}

#[test]
fn list_issues_with_every_filter() {
    let server = sandbox();
    let w = world(&server);
    n9(&w, "list-issues", &[]).ok().stdout_is("No issues found.\n");
    seed_issues(&server);
    let all = all_issues(&server);
    assert_eq!(
        all.iter().map(|i| i["componentName"].as_str().unwrap()).collect::<Vec<_>>(),
        ["API EU", "Database", "Database", "Database"]
    );
    server.control().clear_requests();
    n9(&w, "list-issues", &[]).ok().stderr_lines(0).stdout_is(&issue_lines(&all, 4));
    assert_eq!(requests(&server), [exchange(), bearer("GET /issues", Value::Null)]);

    // By name (one tree read), source and activity.
    server.control().clear_requests();
    let run = n9(&w, "list-issues", &["--component", "Database", "--source", "user", "--active"]);
    run.ok().stdout_is(&issue_lines(&all[2..3], 1));
    assert_eq!(
        requests(&server),
        [
            exchange(),
            bearer("GET /components", Value::Null),
            bearer(&format!("GET /issues?componentId={DATABASE}&source=user&active=true"), Value::Null),
        ]
    );

    // By id (no tree read), inactive, paged.
    server.control().clear_requests();
    let run = n9(&w, "list-issues", &["--component", DATABASE, "--inactive", "--limit", "1", "--offset=0"]);
    run.ok().stdout_is(&issue_lines(&all[3..4], 1));
    assert_eq!(
        requests(&server),
        [
            exchange(),
            bearer(&format!("GET /issues?componentId={DATABASE}&active=false&limit=1&offset=0"), Value::Null)
        ]
    );

    n9(&w, "list-issues", &["--source", "internal"]).ok().stdout_is("No issues found.\n");
    let shown =
        n9(&w, "list-issues", &["--source", "external", "--limit", "2", "--offset", "0", "-f", "json"]);
    assert_eq!(shown.ok().json(), get(&server, "/issues?source=external&limit=2&offset=0"));
    assert_eq!(shown.json()["issues"][0]["createdBy"], "grafana");
    let shown = n9(&w, "list-issues", &["--limit", "2", "--offset", "1", "-f", "json"]).ok().json();
    assert_eq!(shown, json!({"issues": all[1..3], "total": 4, "limit": 2, "offset": 1}));
}

#[test]
fn issue_summary_counts_by_source_time_and_component() {
    let server = sandbox();
    let w = world(&server);
    let zeros = format!(
        "📊 Overall Issue Statistics:\n{}\nTotal issues: 0\n  User-reported: 0\n  External systems: 0\n  \
         Internal (Nobl9): 0\n\n⏰ Time-based Counts:\n  Last hour: 0\n  Last 24 hours: 0\n  Last 7 days: 0\n\n\
         ✅ No components with active issues.\n",
        dashes()
    );
    n9(&w, "issue-summary", &[]).ok().stderr_lines(0).stdout_is(&zeros);
    assert_eq!(requests(&server), [exchange(), bearer("GET /issues/summary", Value::Null)]);

    seed_issues(&server);
    let run = n9(&w, "issue-summary", &[]);
    run.ok().stdout_is(&format!(
        "📊 Overall Issue Statistics:\n{0}\nTotal issues: 4\n  User-reported: 3\n  External systems: 1\n  \
         Internal (Nobl9): 0\n\n⏰ Time-based Counts:\n  Last hour: 2\n  Last 24 hours: 3\n  Last 7 days: 4\n\n\
         🔧 Per-Component Breakdown (2 components with active issues):\n{0}\n\n  Component: API EU\n  ID: {API_EU}\n  \
         Total: 1\n    User: 1\n    External: 0\n    Internal: 0\n  Active: 1\n\n  Component: Database\n  ID: {DATABASE}\n  \
         Total: 3\n    User: 2\n    External: 1\n    Internal: 0\n  Active: 2\n",
        dashes()
    ));
    assert_eq!(n9(&w, "issue-summary", &["-f", "json"]).ok().json(), get(&server, "/issues/summary"));
}

// ---------------------------------------------------------------------------------------
// change_status, status_history
// ---------------------------------------------------------------------------------------

#[test]
fn change_status_with_propagate_changes_the_ancestors_too() {
    let server = sandbox();
    let w = world(&server);
    let run = n9(&w, "change-status", &[API_EU, "majorOutage", "--comment", "EU down", "--propagate"]);
    run.ok().stderr_lines(0).stdout_is(
        "✅ Status changed successfully!\n   API EU: operational → majorOutage\n   Propagated to 2 parent component(s)\n",
    );
    assert_eq!(
        requests(&server),
        [
            exchange(),
            bearer(
                &format!("POST /components/{API_EU}/change-status"),
                json!({"status": "majorOutage", "propagateUp": true, "comment": "EU down"})
            )
        ]
    );
    for id in [API_EU, API, PLATFORM] {
        let h = history(&server, id);
        assert_eq!(h.len(), 1, "{id}");
        assert_eq!(
            (&h[0]["newStatus"], &h[0]["comment"], &h[0]["changedBy"]),
            (&json!("majorOutage"), &json!("EU down"), &json!(DEMO_USER))
        );
        let from = if id == API_EU { Value::Null } else { json!(API_EU) };
        assert_eq!(h[0].get("propagatedFrom").cloned().unwrap_or(Value::Null), from, "{id}");
    }
    assert_eq!(own_status(&server, DATABASE), "operational");
    // Every change opens an incident on its component, propagated ones too.
    let mut open: Vec<String> = incidents(&server, Some(true))
        .iter()
        .map(|i| i["componentName"].as_str().unwrap().to_string())
        .collect();
    open.sort();
    assert_eq!(open, ["API", "API EU", "Platform"]);

    // By name, Statuspage's spelling, no comment, no propagation: the parents keep their own
    // status (and show the worst of their children's).
    server.control().clear_requests();
    let run = n9(&w, "change-status", &["API US", "degraded_performance"]);
    run.ok().stdout_is("✅ Status changed successfully!\n   API US: operational → degradedPerformance\n");
    assert_eq!(
        requests(&server),
        [
            exchange(),
            bearer("GET /components", Value::Null),
            bearer(
                &format!("POST /components/{API_US}/change-status"),
                json!({"status": "degradedPerformance", "propagateUp": false})
            )
        ]
    );
    assert_eq!(history(&server, API).len(), 1);
    assert_eq!(history(&server, API_US)[0].get("comment"), None);

    // -f json is the change made, with the propagated ones.
    let shown =
        n9(&w, "change-status", &["Frontend", "majorOutage", "--propagate", "-f", "json"]).ok().json();
    let mut expected = history(&server, FRONTEND).remove(0);
    expected["propagated"] = json!([history(&server, WEB).remove(0)]);
    assert_eq!(shown, expected);
    assert_eq!(shown["propagated"][0]["propagatedFrom"], FRONTEND);
}

#[test]
fn status_history_prints_the_timeline_newest_first() {
    let server = sandbox();
    let w = world(&server);
    n9(&w, "status-history", &[FRONTEND]).ok().stdout_is("No status changes found.\n");
    assert_eq!(
        requests(&server),
        [exchange(), bearer(&format!("GET /components/{FRONTEND}/status-changes"), Value::Null)]
    );
    set_status(&server, API_EU, "majorOutage", Some("EU down"), true);
    set_status(&server, API, "degradedPerformance", None, false);
    let h = history(&server, API);
    server.control().clear_requests();
    let run = n9(&w, "status-history", &["API"]);
    run.ok().stderr_lines(0).stdout_is(&format!(
        "Status Change Timeline:\n{}\n\n{}\n  ❌ majorOutage → ⚠️ degradedPerformance\n  Changed by: {DEMO_USER}\n\n{}\n  \
         ✅ operational → ❌ majorOutage\n  Changed by: {DEMO_USER}\n  Comment: EU down\n  ↳ Propagated from: {API_EU}\n",
        dashes(),
        h[0]["changedAt"].as_str().unwrap(),
        h[1]["changedAt"].as_str().unwrap()
    ));
    assert_eq!(
        requests(&server),
        [
            exchange(),
            bearer("GET /components", Value::Null),
            bearer(&format!("GET /components/{API}/status-changes"), Value::Null)
        ]
    );
    assert_eq!(
        n9(&w, "status-history", &[API, "-f", "json"]).ok().json(),
        get(&server, &format!("/components/{API}/status-changes"))
    );
}

// ---------------------------------------------------------------------------------------
// incident_workflow, monitoring_integration
// ---------------------------------------------------------------------------------------

#[test]
fn incident_workflow_makes_the_scripts_calls_in_order() {
    let server = sandbox();
    let w = world(&server);
    let before = server.control().clock().now_rfc3339();
    let run = n9(&w, "incident-workflow", &[DATABASE, "majorOutage", "--pause", "0"]);
    let after = server.control().clock().now_rfc3339();
    run.ok().stderr_lines(0);
    let change_status = format!("POST /components/{DATABASE}/change-status");
    let mut sent = requests(&server);
    assert_script_now(&sent[1].body["occurredAt"], &before, &after);
    sent[1].body["occurredAt"] = json!("now");
    // B → F → H → E → F → H → G, one token for all.
    assert_eq!(
        sent,
        [
            exchange(),
            bearer(
                "POST /issues",
                json!({"componentId": DATABASE, "occurredAt": "now", "comment": "Detected issue - triggering majorOutage incident"})
            ),
            bearer(
                &change_status,
                json!({"status": "majorOutage", "propagateUp": false, "comment": "Incident detected - investigating"})
            ),
            bearer("GET /incidents?ongoing=true", Value::Null),
            bearer("GET /issues/summary", Value::Null),
            bearer(
                &change_status,
                json!({"status": "operational", "propagateUp": false, "comment": "Issue resolved - service restored"})
            ),
            bearer("GET /incidents?ongoing=true", Value::Null),
            bearer(&format!("GET /components/{DATABASE}/status-changes"), Value::Null),
        ]
    );
    let issue = all_issues(&server).remove(0);
    let h = history(&server, DATABASE);
    assert_eq!(h.len(), 2);
    run.stdout_is(&format!(
        "Incident workflow for {DATABASE} (majorOutage)\n\
         \n[Step 1/8] Creating issue report...\n✅ Issue created: {}\n\
         \n[Step 2/8] Changing component status to majorOutage...\n✅ Status changed from operational to majorOutage\n\
         \n[Step 3/8] Checking ongoing incidents...\n✅ Found 1 ongoing incident(s)\n\
         \n[Step 4/8] Checking issue report summary...\n✅ Total active issues: 1\n\
         \n[Step 5/8] Adding investigation update (simulated)...\n   (In production, you might create additional issue reports here)\n\
         \n[Step 6/8] Resolving incident - returning to operational status...\n✅ Status changed from majorOutage to operational\n\
         \n[Step 7/8] Verifying incident resolution...\n✅ Remaining ongoing incidents: 0\n\
         \n[Step 8/8] Retrieving status history...\n✅ Status history contains 2 record(s)\n\nRecent status changes:\n\
         \x20 - {}: majorOutage → operational\n    Comment: Issue resolved - service restored\n\
         \x20 - {}: operational → majorOutage\n    Comment: Incident detected - investigating\n\
         \n✅ Incident workflow completed successfully\n",
        issue["id"].as_str().unwrap(),
        h[0]["changedAt"].as_str().unwrap(),
        h[1]["changedAt"].as_str().unwrap()
    ));
    // One resolved incident; the issue came before it, so it does not count.
    let all = incidents(&server, None);
    assert_eq!(all.len(), 1);
    assert_eq!(
        (&all[0]["status"], &all[0]["severity"], &all[0]["issueCount"]),
        (&json!("resolved"), &json!("majorOutage"), &json!(0))
    );
    assert_eq!(
        (&all[0]["startComment"], &all[0]["endComment"]),
        (&json!("Incident detected - investigating"), &json!("Issue resolved - service restored"))
    );
    assert_eq!(own_status(&server, DATABASE), "operational");

    // -f json: every step's answer.
    let data =
        n9(&w, "incident-workflow", &["Frontend", "degraded_performance", "--pause", "0", "-f", "json"])
            .ok()
            .json();
    let h = history(&server, FRONTEND);
    let issue = all_issues(&server).into_iter().find(|i| i["componentId"] == FRONTEND).unwrap();
    let incident = incidents(&server, None).into_iter().find(|i| i["componentId"] == FRONTEND).unwrap();
    assert_eq!(data["issue"], issue);
    assert_eq!((&data["statusChange"], &data["resolution"]), (&h[1], &h[0]));
    assert_eq!(data["statusHistory"], get(&server, &format!("/components/{FRONTEND}/status-changes")));
    let ongoing = &data["ongoingIncidents"]["days"][0]["incidents"][0];
    assert_eq!((&ongoing["id"], &ongoing["status"]), (&incident["id"], &json!("ongoing")));
    assert_eq!(data["remainingIncidents"], json!({"days": []}));
    assert_eq!(data["issueSummary"]["totalCounts"]["total"], 2);
}

#[test]
fn monitoring_integration_maps_alert_severities_to_statuses() {
    let server = sandbox();
    let w = world(&server);
    let prometheus = "[HighErrorRate] Error rate above 5%: The API service is experiencing high error rates";
    let datadog = "[metric alert] High CPU Usage: CPU usage exceeded 90% threshold";
    let cases = [
        (
            &["Database", "critical", "datadog"][..],
            "critical",
            "majorOutage",
            "datadog",
            datadog,
            true,
            "operational",
        ),
        (
            &["Database", "warning"][..],
            "warning",
            "degradedPerformance",
            "prometheus",
            prometheus,
            false,
            "majorOutage",
        ),
        (
            &["Database", "resolved", "prometheus"][..],
            "resolved",
            "operational",
            "prometheus",
            prometheus,
            false,
            "degradedPerformance",
        ),
    ];
    for (args, severity, status, system, comment, up, previous) in cases {
        server.control().clear_requests();
        let before = server.control().clock().now_rfc3339();
        let run = n9(&w, "monitoring-integration", args);
        let after = server.control().clock().now_rfc3339();
        run.ok().stderr_lines(0);
        let issue = all_issues(&server).into_iter().next().unwrap();
        run.stdout_is(&format!(
            "Alert severity: {severity} → Component status: {status}\n✅ Created 1 issue report(s)\n   - Issue ID: {}\n     \
             Component ID: {DATABASE}\n✅ Triggered 1 status change(s)\n   - Component: Database\n     Status: {previous} → {status}\n",
            issue["id"].as_str().unwrap()
        ));
        let mut sent = requests(&server);
        assert_script_now(&sent[0].body["occurredAt"], &before, &after);
        sent[0].body["occurredAt"] = json!("now");
        assert_eq!(
            sent,
            [req(
                "POST /issues/external",
                "Basic demo",
                json!({"componentName": "Database", "occurredAt": "now", "comment": comment, "requestedBy": system,
                    "statusChange": {"status": status, "propagateUp": up}})
            )],
            "{args:?}"
        );
        assert_eq!((&issue["createdBy"], &issue["comment"]), (&json!(system), &json!(comment)));
        assert_eq!(own_status(&server, DATABASE), status);
    }
    // Only the critical alert went up the tree: the platform is still down on its own.
    let platform = history(&server, PLATFORM);
    assert_eq!(platform.len(), 1);
    assert_eq!(
        (&platform[0]["newStatus"], &platform[0]["propagatedFrom"]),
        (&json!("majorOutage"), &json!(DATABASE))
    );
    let db_incident = incidents(&server, None).into_iter().find(|i| i["componentId"] == DATABASE).unwrap();
    assert_eq!((&db_incident["status"], &db_incident["issueCount"]), (&json!("resolved"), &json!(2)));

    // An unknown system is the default one, with a warning.
    server.control().clear_requests();
    let run = n9(&w, "monitoring-integration", &["API US", "WARNING", "nagios", "-f", "json"]);
    run.ok();
    assert_eq!(run.stderr, "warning: nobl9: Unknown monitoring system 'nagios', using 'prometheus'\n");
    let issue = all_issues(&server).into_iter().next().unwrap();
    assert_eq!(
        run.json(),
        json!({"reports": [{"id": issue["id"], "componentId": API_US, "componentName": "API US"}],
            "statusChanges": [{"componentName": "API US", "previousStatus": "operational", "newStatus": "degradedPerformance"}]})
    );
    assert_eq!(requests(&server)[0].body["requestedBy"], "prometheus");
}

// ---------------------------------------------------------------------------------------
// The shared incident vocabulary
// ---------------------------------------------------------------------------------------

#[test]
fn create_update_and_resolve_incident_change_the_components_status() {
    let server = sandbox();
    let w = world(&server);
    let change = format!("POST /components/{API_US}/change-status");
    // -c by name, Statuspage's -cs spelling.
    let run = n9(&w, "create-incident", &["-c", "API US", "-cs", "major_outage", "-m", "API down"]);
    run.ok().stderr_lines(0).stdout_is("✅ Incident created: API US is majorOutage (was operational)\n");
    assert_eq!(
        requests(&server),
        [
            exchange(),
            bearer("GET /components", Value::Null),
            bearer(&change, json!({"status": "majorOutage", "propagateUp": false, "comment": "API down"})),
        ]
    );
    let open = incidents(&server, Some(true));
    assert_eq!(open.len(), 1);
    assert_eq!(
        (&open[0]["componentId"], &open[0]["severity"], &open[0]["startComment"]),
        (&json!(API_US), &json!("majorOutage"), &json!("API down"))
    );

    // -c by id, a new severity: the incident keeps the worst one seen.
    server.control().clear_requests();
    let run =
        n9(&w, "update-incident", &["-c", API_US, "--severity", "degraded_performance", "-m", "Recovering"]);
    run.ok().stdout_is("✅ Incident updated: API US is degradedPerformance (was majorOutage)\n");
    assert_eq!(
        requests(&server),
        [
            exchange(),
            bearer(
                &change,
                json!({"status": "degradedPerformance", "propagateUp": false, "comment": "Recovering"})
            )
        ]
    );
    assert_eq!(incidents(&server, Some(true))[0]["severity"], "majorOutage");

    // Only a comment: the component's own status is read from its history and kept.
    server.control().clear_requests();
    let run = n9(&w, "update-incident", &["-c", "API US", "-m", "Still degraded"]);
    run.ok().stdout_is("✅ Incident updated: API US is degradedPerformance (was degradedPerformance)\n");
    assert_eq!(
        requests(&server),
        [
            exchange(),
            bearer("GET /components", Value::Null),
            bearer(&format!("GET /components/{API_US}/status-changes"), Value::Null),
            bearer(
                &change,
                json!({"status": "degradedPerformance", "propagateUp": false, "comment": "Still degraded"})
            ),
        ]
    );
    // API shows degradedPerformance (its child's) but has no incident of its own.
    assert_eq!(shown_status(&server, API), "degradedPerformance");
    server.control().clear_requests();
    fails(
        &n9(&w, "update-incident", &["-c", "API", "-m", "x"]),
        1,
        "no ongoing incident on `API`: it is operational; use nobl9:create-incident",
    );
    assert_eq!(
        requests(&server),
        [
            exchange(),
            bearer("GET /components", Value::Null),
            bearer(&format!("GET /components/{API}/status-changes"), Value::Null),
        ]
    );
    assert_eq!(history(&server, API), Vec::<Value>::new());

    // Resolve: back to operational, the incident ends with the message.
    server.control().clear_requests();
    let shown =
        n9(&w, "resolve-incident", &["-c", API_US, "-m", "Service restored", "-f", "json"]).ok().json();
    assert_eq!(shown, history(&server, API_US).remove(0));
    assert_eq!(
        requests(&server),
        [
            exchange(),
            bearer(
                &change,
                json!({"status": "operational", "propagateUp": false, "comment": "Service restored"})
            )
        ]
    );
    let run = n9(&w, "resolve-incident", &["-c", "API US"]);
    run.ok().stdout_is("✅ Incident resolved: API US is operational (was operational)\n");
    assert_eq!(incidents(&server, Some(true)), Vec::<Value>::new());
    let done = incidents(&server, Some(false));
    assert_eq!(
        (&done[0]["componentId"], &done[0]["endComment"]),
        (&json!(API_US), &json!("Service restored"))
    );

    // -t is the comment without -m; --propagate goes up the tree.
    server.control().clear_requests();
    let run = n9(
        &w,
        "create-incident",
        &["-c", FRONTEND, "-cs", "degradedPerformance", "-t", "Slow pages", "--propagate"],
    );
    run.ok().stdout_is("✅ Incident created: Frontend is degradedPerformance (was operational)\n");
    assert_eq!(
        requests(&server),
        [
            exchange(),
            bearer(
                &format!("POST /components/{FRONTEND}/change-status"),
                json!({"status": "degradedPerformance", "propagateUp": true, "comment": "Slow pages"})
            )
        ]
    );
    assert_eq!(history(&server, WEB)[0]["propagatedFrom"], FRONTEND);
    n9(&w, "resolve-incident", &["-c", "Frontend", "--propagate"]).ok();
    assert_eq!(
        (own_status(&server, FRONTEND), own_status(&server, WEB)),
        ("operational".into(), "operational".into())
    );
}

#[test]
fn there_is_no_maintenance_on_nobl9() {
    let server = sandbox();
    let w = world(&server);
    let run = w.run(&["plugins", "info", "nobl9"]);
    run.ok().stdout_has(
        "note: Nobl9 has no maintenance status (only operational, degradedPerformance, majorOutage), so there is no \
         nobl9:schedule_maintenance\n",
    );
    run.stdout_lacks("schedule_maintenance —");
    let run = n9(&w, "schedule-maintenance", &["-c", "API", "--start", "2026-02-05T10:00:00Z"]);
    run.code(2)
        .stdout_is("")
        .stderr_lines(1)
        .stderr_has("error: unrecognized command 'nobl9:schedule-maintenance'");
    assert_eq!(sent(&server).len(), 0);
}
