//! The `statuspage` plugin against the sandbox's Statuspage emulator: the requests of the
//! four Conan commands (method, path, headers, body and its key order) and their output byte
//! for byte, the deliberate differences of the contract (request id metadata, `-c` without
//! `-cs`, repeated `-c`, RFC 3339 times, `--until`, `--no-notify`, `--message-file`), and the
//! long-flag abbreviations Conan's argparse accepted.
//!
//! Also the helpers the other `statuspage_*` files share: a sandbox, a world pointed at it,
//! raw calls to the emulator and the Conan text of an incident.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use statusctl_sandbox::statuspage::{
    API_COMPONENT_ID, DEMO_PAGE_ID, DEMO_TOKEN, StatuspageOptions, WEBSITE_COMPONENT_ID,
};
use statusctl_sandbox::{BackgroundSandbox, SandboxBuilder};

use crate::harness::*;

// ---------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------

pub const API: &str = API_COMPONENT_ID;
pub const WEB: &str = WEBSITE_COMPONENT_ID;
pub const INCIDENTS_PATH: &str = "/v1/pages/sandboxpage1/incidents";

/// The Statuspage emulator with its seed, on a free port.
pub fn sandbox() -> BackgroundSandbox {
    sandbox_with(StatuspageOptions::default())
}

pub fn sandbox_with(options: StatuspageOptions) -> BackgroundSandbox {
    SandboxBuilder::new().statuspage(options).start_background().expect("start the Statuspage sandbox")
}

pub fn api_url(server: &BackgroundSandbox) -> String {
    format!("{}/v1", server.base_url())
}

/// A world with the real `statuspage` plugin whose API URL (only) points at `server`; tests
/// give the token and the page themselves, as Conan users did.
pub fn world(server: &BackgroundSandbox) -> World {
    World::with(&["statuspage"]).env("STATUSPAGE_API_URL", &api_url(server))
}

/// `statuspage:COMMAND -tk DEMO_TOKEN -p DEMO_PAGE_ID ARGS...`.
pub fn sp(w: &World, command: &str, args: &[&str]) -> Run {
    sp_with_stdin(w, command, args, "")
}

pub fn sp_with_stdin(w: &World, command: &str, args: &[&str], stdin: &str) -> Run {
    let name = if command.contains(':') { command.to_string() } else { format!("statuspage:{command}") };
    let mut argv = vec![name.as_str(), "-tk", DEMO_TOKEN, "-p", DEMO_PAGE_ID];
    argv.extend_from_slice(args);
    w.run_with_stdin(&argv, stdin)
}

/// [`raw_http`] to the emulator, with `Authorization: OAuth TOKEN` if given: status and
/// body text.
pub fn http(
    server: &BackgroundSandbox,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> (u16, String) {
    http_at(server.addr(), method, path, token, body)
}

/// [`http`] to any address (a sandbox in another process).
pub fn http_at(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> (u16, String) {
    let authorization = token.map(|token| format!("OAuth {token}"));
    let headers: Vec<(&str, &str)> =
        authorization.iter().map(|value| ("Authorization", value.as_str())).collect();
    raw_http(addr, method, path, &headers, &body.map(Value::to_string).unwrap_or_default())
}

/// A JSON call to the emulator with the demo token.
#[track_caller]
pub fn api(server: &BackgroundSandbox, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
    let (status, text) = http(server, method, path, Some(DEMO_TOKEN), body);
    let value = if text.is_empty() { Value::Null } else { serde_json::from_str(&text).expect("JSON answer") };
    (status, value)
}

/// The incident as the emulator has it now.
#[track_caller]
pub fn stored(server: &BackgroundSandbox, id: &str) -> Value {
    let (status, incident) = api(server, "GET", &format!("{INCIDENTS_PATH}/{id}"), None);
    assert_eq!(status, 200, "GET incident {id}: {incident}");
    incident
}

/// Every incident of the demo page (up to 100), newest first.
#[track_caller]
pub fn all_incidents(server: &BackgroundSandbox) -> Vec<Value> {
    let (status, list) = api(server, "GET", INCIDENTS_PATH, None);
    assert_eq!(status, 200, "{list}");
    list.as_array().unwrap().clone()
}

/// Creates an incident through the API (not statusctl); returns its id.
#[track_caller]
pub fn new_incident(server: &BackgroundSandbox, name: &str) -> String {
    let (status, created) = api(server, "POST", INCIDENTS_PATH, Some(&json!({"incident": {"name": name}})));
    assert_eq!(status, 201, "{created}");
    created["id"].as_str().unwrap().to_string()
}

/// Creates a scheduled maintenance through the API; returns its id.
#[track_caller]
pub fn new_maintenance(server: &BackgroundSandbox, name: &str, start: &str, end: &str) -> String {
    let body = json!({"incident": {"name": name, "status": "scheduled", "scheduled_for": start,
        "scheduled_until": end, "scheduled_auto_in_progress": true}});
    let (status, created) = api(server, "POST", INCIDENTS_PATH, Some(&body));
    assert_eq!(status, 201, "{created}");
    created["id"].as_str().unwrap().to_string()
}

/// `METHOD path?query` of each request statusctl made.
pub fn lines(server: &BackgroundSandbox) -> Vec<String> {
    sent(server)
        .iter()
        .map(|r| match &r.query {
            Some(q) => format!("{} {}?{q}", r.method, r.path),
            None => format!("{} {}", r.method, r.path),
        })
        .collect()
}

/// The header of each of the Conan commands' outputs.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    Created,
    Updated,
    Resolved,
    Scheduled,
}

/// The Conan text of a response: the header, `Label: value` lines with Python's `str()` of
/// each value, and the extra empty line (spec §5), written out independently of the plugin.
pub fn conan_text(kind: Kind, incident: &Value) -> String {
    let updated: &[(&str, &str)] = &[
        ("Incident ID: ", "id"),
        ("Created at: ", "created_at"),
        ("Updated at: ", "updated_at"),
        ("Name: ", "name"),
        ("Status: ", "status"),
        ("Impact: ", "impact"),
        ("URL: ", "shortlink"),
    ];
    let (header, fields): (&str, &[(&str, &str)]) = match kind {
        Kind::Created => (
            "Created incident:",
            &[
                ("Incident ID: ", "id"),
                ("Created at: ", "created_at"),
                ("Name: ", "name"),
                ("Status: ", "status"),
                ("Impact: ", "impact"),
                ("URL: ", "shortlink"),
            ],
        ),
        Kind::Updated => ("Updated incident:", updated),
        Kind::Resolved => ("Resolved incident:", updated),
        Kind::Scheduled => (
            "Scheduled maintenance:",
            &[
                ("Maintenance ID: ", "id"),
                ("Created at: ", "created_at"),
                ("Name: ", "name"),
                ("Scheduled for (UTC) ", "scheduled_for"),
                ("Status: ", "status"),
                ("Impact: ", "impact"),
                ("URL: ", "shortlink"),
            ],
        ),
    };
    let py = |value: &Value| match value {
        Value::Null => "None".to_string(),
        Value::String(s) => s.clone(),
        Value::Bool(true) => "True".to_string(),
        Value::Bool(false) => "False".to_string(),
        other => other.to_string(),
    };
    let mut text = format!("{header}\n");
    for (label, key) in fields {
        assert!(incident.get(*key).is_some(), "the response lacks {key}: {incident}");
        text.push_str(&format!("{label}{}\n", py(&incident[*key])));
    }
    text.push('\n');
    text
}

/// The id on the second line of a Conan text (`Incident ID: X` / `Maintenance ID: X`).
#[track_caller]
pub fn id_in(stdout: &str) -> String {
    let line = stdout.lines().nth(1).unwrap_or_default();
    let id = line.strip_prefix("Incident ID: ").or_else(|| line.strip_prefix("Maintenance ID: "));
    id.unwrap_or_else(|| panic!("no id line in {stdout:?}")).to_string()
}

/// A lowercase RFC 4122 version 4 UUID.
pub fn is_uuid_v4(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    let hex = |s: &str| s.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c));
    groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
        && groups.iter().all(|g| hex(g))
        && groups[2].starts_with('4')
        && groups[3].starts_with(['8', '9', 'a', 'b'])
}

/// The request id a create carried.
#[track_caller]
pub fn request_id_of(body: &Value) -> String {
    let id = body.pointer("/incident/metadata/statusctl/request_id").and_then(Value::as_str);
    let id = id.unwrap_or_else(|| panic!("no metadata.statusctl.request_id in {body}")).to_string();
    assert!(is_uuid_v4(&id), "not a v4 UUID: {id}");
    id
}

// Civil dates, to check the times `schedule_maintenance` computes without a date crate.

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
}

/// Microseconds since the epoch of `YYYY-MM-DDTHH:MM:SS.ffffffZ` (exactly six digits).
#[track_caller]
fn conan_micros(text: &str) -> i64 {
    let b = text.as_bytes();
    assert!(text.len() == 27 && b[10] == b'T' && b[19] == b'.' && text.ends_with('Z'), "{text:?}");
    let n = |from: usize, to: usize| text[from..to].parse::<i64>().unwrap_or_else(|_| panic!("{text:?}"));
    let days = days_from_civil(n(0, 4), n(5, 7), n(8, 10));
    ((days * 86_400 + n(11, 13) * 3600 + n(14, 16) * 60 + n(17, 19)) * 1_000_000) + n(20, 26)
}

/// `%Y-%m-%dT%H:%M:%S.%fZ`, as Python formats it.
fn conan_time(micros: i64) -> String {
    let secs = micros.div_euclid(1_000_000);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    let frac = micros.rem_euclid(1_000_000);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{frac:06}Z", s / 3600, s % 3600 / 60, s % 60)
}

fn micros_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_micros() as i64
}

#[test]
fn helpers_round_trip_and_json_keeps_key_order() {
    // Key order checks below rely on serde_json's preserve_order (enabled workspace-wide).
    let keys: Vec<String> = json!({"b": 1, "a": 2}).as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys, ["b", "a"]);
    assert_eq!(conan_time(0), "1970-01-01T00:00:00.000000Z");
    let t = "2026-11-25T14:32:02.876554Z";
    assert_eq!(conan_time(conan_micros(t)), t);
    assert_eq!(
        conan_micros("2000-03-01T00:00:00.000000Z") - conan_micros("2000-02-28T00:00:00.000000Z"),
        2 * 86_400_000_000
    );
    assert!(is_uuid_v4("0f8fad5b-d9cb-469f-a165-70867728950e"));
    assert!(!is_uuid_v4("0f8fad5b-d9cb-169f-a165-70867728950e"));
    assert!(!is_uuid_v4("0F8FAD5B-D9CB-469F-A165-70867728950E"));
}

// ---------------------------------------------------------------------------------------
// Request parity
// ---------------------------------------------------------------------------------------

/// The one request a run made: its method and path, the two headers the Conan code set, no
/// query, and a JSON body.
#[track_caller]
fn the_change(server: &BackgroundSandbox, method: &str, path: &str) -> Value {
    let requests = sent(server);
    assert_eq!(requests.len(), 1, "one request expected: {:#?}", lines(server));
    let r = &requests[0];
    assert_eq!((r.method.as_str(), r.path.as_str(), r.query.as_deref()), (method, path, None));
    assert_eq!(r.header("authorization"), Some("OAuth sandbox-statuspage-token"));
    assert_eq!(r.header("content-type"), Some("application/json"));
    serde_json::from_str(&r.body).unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", r.body))
}

/// The body equals `expected` (`{"incident": {...}}`) as JSON, and its incident keys come in
/// the same order.
#[track_caller]
fn assert_body(body: &Value, expected: &Value, what: &str) {
    assert_eq!(body, expected, "{what}: body");
    let keys = |v: &Value| {
        v["incident"].as_object().expect("an incident object").keys().cloned().collect::<Vec<_>>()
    };
    assert_eq!(keys(body), keys(expected), "{what}: key order");
    assert_eq!(body.as_object().unwrap().len(), 1, "{what}: only the incident root key");
}

/// `expected` plus the request id the create carried, last (after Conan's keys).
#[track_caller]
fn tagged(expected: &Value, body: &Value) -> (Value, String) {
    let id = request_id_of(body);
    let mut expected = expected.clone();
    expected["incident"]["metadata"] = json!({"statusctl": {"request_id": id}});
    (expected, id)
}

struct Case<'a> {
    /// The command as typed (`create_incident` or `create-incident`).
    command: &'a str,
    args: Vec<&'a str>,
    stdin: &'a str,
    /// The incident object Conan sent, in its key order.
    incident: Value,
}

fn case<'a>(command: &'a str, args: &[&'a str], incident: Value) -> Case<'a> {
    Case { command, args: args.to_vec(), stdin: "", incident }
}

#[test]
fn create_incident_sends_what_conan_sent_plus_a_request_id() {
    let server = sandbox();
    let w = world(&server);
    w.write("cwd/message.txt", "Line one\nLine two\n");
    let components_eq = format!("--components={API}");
    let mut cases = vec![
        // §3 minimal.
        case("create_incident", &["-t", "Title"], json!({"name": "Title"})),
        // §3 example, every flag.
        case(
            "create-incident",
            &[
                "-t",
                "Title",
                "-m",
                "Message",
                "-s",
                "investigating",
                "-i",
                "major",
                "-cs",
                "major_outage",
                "-c",
                API,
                WEB,
            ],
            json!({"name": "Title", "status": "investigating", "body": "Message",
                "components": {API: "major_outage", WEB: "major_outage"}, "component_ids": [API, WEB],
                "impact_override": "major"}),
        ),
        // Long spellings, flags in another order.
        case(
            "create-incident",
            &[
                "--components",
                API,
                "--component-status",
                "partial_outage",
                "--impact",
                "minor",
                "--status",
                "identified",
                "--message",
                "Slow",
                "--title",
                "Long flags",
            ],
            json!({"name": "Long flags", "status": "identified", "body": "Slow",
                "components": {API: "partial_outage"}, "component_ids": [API], "impact_override": "minor"}),
        ),
        // -c without -cs: Conan dropped the components, statusctl links them.
        case(
            "create-incident",
            &["-t", "Linked", "-c", API, WEB],
            json!({"name": "Linked", "component_ids": [API, WEB]}),
        ),
        // --components=C1: one element.
        case(
            "create-incident",
            &["-t", "One", "-cs", "degraded_performance", &components_eq],
            json!({"name": "One", "components": {API: "degraded_performance"}, "component_ids": [API]}),
        ),
        // -c C1 -c C2: both (Conan kept the last only).
        case(
            "create-incident",
            &["-t", "Both", "-c", API, "-c", WEB, "-cs", "major_outage"],
            json!({"name": "Both", "components": {API: "major_outage", WEB: "major_outage"}, "component_ids": [API, WEB]}),
        ),
        // --no-notify, after Conan's keys; non-ASCII text.
        case(
            "create-incident",
            &["-t", "Ünïcode – ✓", "-s", "monitoring", "-i", "none", "--no-notify"],
            json!({"name": "Ünïcode – ✓", "status": "monitoring", "impact_override": "none", "deliver_notifications": false}),
        ),
        // --message-file FILE: the text without its final newline.
        case(
            "create-incident",
            &["-t", "From a file", "--message-file", "message.txt"],
            json!({"name": "From a file", "body": "Line one\nLine two"}),
        ),
    ];
    // --message-file -: stdin, without its final line ends.
    cases.push(Case {
        command: "create-incident",
        args: vec!["-t", "From stdin", "--message-file", "-", "-s", "investigating"],
        stdin: "Typed\r\nin\n\n",
        incident: json!({"name": "From stdin", "status": "investigating", "body": "Typed\r\nin"}),
    });
    let mut request_ids = HashSet::new();
    for c in &cases {
        server.control().clear_requests();
        let run = sp_with_stdin(&w, c.command, &c.args, c.stdin);
        run.ok().stderr_lines(0);
        let what = format!("{} {}", c.command, c.args.join(" "));
        let body = the_change(&server, "POST", INCIDENTS_PATH);
        let (expected, request_id) = tagged(&json!({"incident": c.incident}), &body);
        assert_body(&body, &expected, &what);
        assert!(request_ids.insert(request_id.clone()), "request id {request_id} used twice");
        let incident = stored(&server, &id_in(&run.stdout));
        assert_eq!(incident["metadata"]["statusctl"]["request_id"], request_id.as_str());
        run.stdout_is(&conan_text(Kind::Created, &incident));
    }
    assert_eq!(all_incidents(&server).len(), 9);
}

#[test]
fn no_request_id_sends_exactly_the_conan_body() {
    let server = sandbox();
    let w = world(&server);
    let run = sp(&w, "create-incident", &["-t", "Title", "-s", "investigating", "--no-request-id"]);
    run.ok();
    let body = the_change(&server, "POST", INCIDENTS_PATH);
    assert_body(&body, &json!({"incident": {"name": "Title", "status": "investigating"}}), "--no-request-id");
    let incident = stored(&server, &id_in(&run.stdout));
    assert_eq!(incident["metadata"], json!({}));
    run.stdout_is(&conan_text(Kind::Created, &incident));

    // The same on a maintenance.
    server.control().clear_requests();
    sp(&w, "schedule-maintenance", &["-t", "M", "-s", "2030-01-01T10:00:00Z", "--no-request-id"]).ok();
    assert_eq!(the_change(&server, "POST", INCIDENTS_PATH)["incident"].get("metadata"), None);
}

#[test]
fn json_format_prints_the_api_response() {
    let server = sandbox();
    let w = world(&server);
    let pretty = |v: &Value| format!("{}\n", serde_json::to_string_pretty(v).unwrap());

    let run = sp(&w, "create-incident", &["-t", "Title", "-cs", "major_outage", "-c", API, "-f", "json"]);
    run.ok().stderr_lines(0);
    let id = run.json()["id"].as_str().unwrap().to_string();
    // The emulator's own key order, as it answered.
    run.stdout_is(&pretty(&stored(&server, &id)));
    assert_eq!(run.json()["components"][0]["id"], API);

    let run = sp(&w, "update-incident", &["-ic", &id, "-s", "identified", "-m", "Found", "--format", "json"]);
    run.ok().stdout_is(&pretty(&stored(&server, &id)));
    let run = sp(&w, "resolve-incident", &["-f", "json", "-ic", &id, "-e", "incident", "-c", API]);
    run.ok().stdout_is(&pretty(&stored(&server, &id)));
    assert_eq!(run.json()["status"], "resolved");

    let run = sp(&w, "schedule-maintenance", &["-t", "M", "-s", "2030-01-01T10:00:00Z", "-f", "json"]);
    run.ok();
    run.stdout_is(&pretty(&stored(&server, run.json()["id"].as_str().unwrap())));
}

#[test]
fn update_incident_sends_what_conan_sent() {
    let server = sandbox();
    let w = world(&server);
    let id = new_incident(&server, "Broken");
    w.write("cwd/m.txt", "From the file\n");
    let cases = [
        // §3 example.
        case(
            "update_incident",
            &["-ic", &id, "-s", "identified", "-m", "Root cause found"],
            json!({"status": "identified", "body": "Root cause found"}),
        ),
        // Every flag.
        case(
            "update-incident",
            &[
                "-ic",
                &id,
                "-t",
                "New title",
                "-m",
                "Msg",
                "-s",
                "monitoring",
                "-i",
                "critical",
                "-cs",
                "degraded_performance",
                "-c",
                API,
                WEB,
                "--no-notify",
            ],
            json!({"name": "New title", "status": "monitoring", "body": "Msg",
                "components": {API: "degraded_performance", WEB: "degraded_performance"},
                "component_ids": [API, WEB], "impact_override": "critical", "deliver_notifications": false}),
        ),
        // -c without -cs; repeated -c.
        case(
            "update-incident",
            &["--incident", &id, "-c", WEB, "-c", API],
            json!({"component_ids": [WEB, API]}),
        ),
        case(
            "update-incident",
            &["-ic", &id, "--title", "Only the title"],
            json!({"name": "Only the title"}),
        ),
        case(
            "update-incident",
            &["-ic", &id, "-i", "minor", "--message-file", "m.txt"],
            json!({"body": "From the file", "impact_override": "minor"}),
        ),
    ];
    for c in &cases {
        server.control().clear_requests();
        let run = sp(&w, c.command, &c.args);
        run.ok().stderr_lines(0);
        let what = format!("{} {}", c.command, c.args.join(" "));
        let body = the_change(&server, "PATCH", &format!("{INCIDENTS_PATH}/{id}"));
        assert_body(&body, &json!({"incident": c.incident}), &what);
        run.stdout_is(&conan_text(Kind::Updated, &stored(&server, &id)));
    }
    let incident = stored(&server, &id);
    assert_eq!(incident["name"], "Only the title");
    assert_eq!(incident["impact"], "minor");
}

#[test]
fn update_without_options_sends_an_empty_incident_as_conan_did() {
    let server = sandbox();
    let w = world(&server);
    let id = new_incident(&server, "Broken");
    let run = sp(&w, "update-incident", &["-ic", &id]);
    // The API refuses an empty incident (Rails' `require`): one line, exit 1.
    run.code(1).stdout_is("");
    assert_eq!(
        run.stderr,
        format!(
            "error: PATCH /v1/pages/sandboxpage1/incidents/{id}: 400 Bad Request: \
             param is missing or the value is empty: incident\n"
        )
    );
    let body = the_change(&server, "PATCH", &format!("{INCIDENTS_PATH}/{id}"));
    assert_body(&body, &json!({"incident": {}}), "no options");
}

#[test]
fn schedule_maintenance_sends_what_conan_sent() {
    let server = sandbox();
    let w = world(&server);
    // Conan's fixed keys, in its order.
    let full = |name: &str, start: &str, until: &str, body: Value, notify: bool, components: &[&str]| {
        let mut incident = json!({
            "name": name, "impact_override": "maintenance", "status": "scheduled",
            "scheduled_for": start, "scheduled_until": until, "scheduled_remind_prior": true,
            "auto_transition_to_maintenance_state": true, "auto_transition_to_operational_state": true,
            "scheduled_auto_in_progress": true, "scheduled_auto_completed": false,
            "auto_transition_deliver_notifications_at_start": false,
            "auto_transition_deliver_notifications_at_end": true, "deliver_notifications": notify, "body": body,
        });
        if !components.is_empty() {
            let map: serde_json::Map<String, Value> =
                components.iter().map(|c| (c.to_string(), json!("under_maintenance"))).collect();
            incident["components"] = Value::Object(map);
            incident["component_ids"] = json!(components);
        }
        incident
    };
    let cases = [
        // Verbatim with milliseconds; the end has Conan's six digits.
        case(
            "schedule_maintenance",
            &[
                "-t",
                "DB upgrade",
                "-m",
                "Read only",
                "-c",
                API,
                WEB,
                "--scheduled",
                "2030-01-01T10:00:00.000Z",
            ],
            full(
                "DB upgrade",
                "2030-01-01T10:00:00.000Z",
                "2030-01-01T18:00:00.000000Z",
                json!("Read only"),
                true,
                &[API, WEB],
            ),
        ),
        case(
            "schedule-maintenance",
            &["-t", "Micro", "-c", API, "-s", "2030-01-01T10:00:00.123456Z"],
            full(
                "Micro",
                "2030-01-01T10:00:00.123456Z",
                "2030-01-01T18:00:00.123456Z",
                Value::Null,
                true,
                &[API],
            ),
        ),
        // RFC 3339 without a fraction (Conan crashed), and with an offset.
        case(
            "schedule-maintenance",
            &["-t", "Plain", "-c", API, "-s", "2030-01-01T10:00:00Z"],
            full("Plain", "2030-01-01T10:00:00Z", "2030-01-01T18:00:00.000000Z", Value::Null, true, &[API]),
        ),
        case(
            "schedule-maintenance",
            &["-t", "Offset", "-s", "2030-01-01T10:00:00+02:00"],
            full(
                "Offset",
                "2030-01-01T10:00:00+02:00",
                "2030-01-01T16:00:00.000000Z",
                Value::Null,
                true,
                &[],
            ),
        ),
        // --until, verbatim; --no-notify; no -c at all (Conan crashed): no component keys.
        case(
            "schedule-maintenance",
            &[
                "--title",
                "Window",
                "--scheduled",
                "2030-01-01T10:00:00Z",
                "--until",
                "2030-01-01T12:30:00Z",
                "--no-notify",
                "--message",
                "Short",
            ],
            full("Window", "2030-01-01T10:00:00Z", "2030-01-01T12:30:00Z", json!("Short"), false, &[]),
        ),
    ];
    for c in &cases {
        server.control().clear_requests();
        let run = sp(&w, c.command, &c.args);
        run.ok().stderr_lines(0);
        let what = format!("{} {}", c.command, c.args.join(" "));
        let body = the_change(&server, "POST", INCIDENTS_PATH);
        let (expected, _) = tagged(&json!({"incident": c.incident}), &body);
        assert_body(&body, &expected, &what);
        run.stdout_is(&conan_text(Kind::Scheduled, &stored(&server, &id_in(&run.stdout))));
    }
}

#[test]
fn schedule_maintenance_now_is_a_minute_ahead_in_conan_format() {
    let server = sandbox();
    let w = world(&server);
    // §3 example (scheduled now), and `-s now` spelled out.
    for extra in [&[][..], &["-s", "now"]] {
        server.control().clear_requests();
        let mut args = vec!["-t", "weekly maintenance", "-m", "Jenkins will be under maintenance", "-c", API];
        args.extend_from_slice(extra);
        let before = micros_now();
        let run = sp(&w, "schedule-maintenance", &args);
        let after = micros_now();
        run.ok().stderr_lines(0);
        let body = the_change(&server, "POST", INCIDENTS_PATH);
        let start = body["incident"]["scheduled_for"].as_str().unwrap().to_string();
        let at = conan_micros(&start);
        assert!(
            at >= before + 60_000_000 - 1 && at <= after + 60_000_000,
            "{start} not a minute after the run"
        );
        let until = conan_time(at + 8 * 3600 * 1_000_000);
        let expected = json!({"incident": {
            "name": "weekly maintenance", "impact_override": "maintenance", "status": "scheduled",
            "scheduled_for": start, "scheduled_until": until, "scheduled_remind_prior": true,
            "auto_transition_to_maintenance_state": true, "auto_transition_to_operational_state": true,
            "scheduled_auto_in_progress": true, "scheduled_auto_completed": false,
            "auto_transition_deliver_notifications_at_start": false,
            "auto_transition_deliver_notifications_at_end": true, "deliver_notifications": true,
            "body": "Jenkins will be under maintenance",
            "components": {API: "under_maintenance"}, "component_ids": [API],
        }});
        let (expected, _) = tagged(&expected, &body);
        assert_body(&body, &expected, "scheduled now");
        run.stdout_is(&conan_text(Kind::Scheduled, &stored(&server, &id_in(&run.stdout))));
    }
}

#[test]
fn resolve_incident_sends_what_conan_sent() {
    let server = sandbox();
    let w = world(&server);
    let incident = new_incident(&server, "Down");
    let maintenance = new_maintenance(&server, "Upgrade", "2030-01-01T10:00:00Z", "2030-01-01T12:00:00Z");
    let cases = [
        // §3: -c C1 C2 -m Fixed.
        case(
            "resolve_incident",
            &["-ic", &incident, "-e", "incident", "-c", API, WEB, "-m", "Fixed"],
            json!({"status": "resolved", "impact_override": "none",
                "components": {API: "operational", WEB: "operational"}, "component_ids": [API, WEB], "body": "Fixed"}),
        ),
        // §3: --event maintenance -c C1 ("Resolved incident:" all the same).
        case(
            "resolve-incident",
            &["-ic", &maintenance, "--event", "maintenance", "-c", API],
            json!({"status": "completed", "impact_override": "none", "components": {API: "operational"},
                "component_ids": [API]}),
        ),
        // The brief's invocation without -c (Conan crashed): no component keys.
        case(
            "resolve-incident",
            &["--incident", &incident, "-e", "incident"],
            json!({"status": "resolved", "impact_override": "none"}),
        ),
        // Repeated -c, --no-notify last.
        case(
            "resolve-incident",
            &["-ic", &incident, "-e", "incident", "-c", WEB, "-c", API, "--no-notify", "-m", "Again"],
            json!({"status": "resolved", "impact_override": "none",
                "components": {WEB: "operational", API: "operational"}, "component_ids": [WEB, API],
                "body": "Again", "deliver_notifications": false}),
        ),
    ];
    for c in &cases {
        server.control().clear_requests();
        let run = sp(&w, c.command, &c.args);
        run.ok().stderr_lines(0);
        let what = format!("{} {}", c.command, c.args.join(" "));
        let id = c.args[1];
        let body = the_change(&server, "PATCH", &format!("{INCIDENTS_PATH}/{id}"));
        assert_body(&body, &json!({"incident": c.incident}), &what);
        run.stdout_is(&conan_text(Kind::Resolved, &stored(&server, id)));
    }
    assert_eq!(stored(&server, &maintenance)["status"], "completed");
}

#[test]
fn dashed_and_underscored_names_run_the_same_command() {
    let server = sandbox();
    let w = world(&server);
    let id = new_incident(&server, "x");
    for (a, b, args) in [
        ("statuspage:create_incident", "statuspage:create-incident", vec!["-t", "T"]),
        ("statuspage:update_incident", "statuspage:update-incident", vec!["-ic", &id, "-s", "identified"]),
        ("statuspage:resolve_incident", "statuspage:resolve-incident", vec!["-ic", &id, "-e", "incident"]),
        (
            "statuspage:schedule_maintenance",
            "statuspage:schedule-maintenance",
            vec!["-t", "M", "-s", "2030-01-01T10:00:00Z"],
        ),
    ] {
        let mut bodies = Vec::new();
        for name in [a, b] {
            server.control().clear_requests();
            sp(&w, name, &args).ok().stderr_lines(0);
            let mut body: Value = serde_json::from_str(&sent(&server)[0].body).unwrap();
            if let Some(incident) = body["incident"].as_object_mut() {
                incident.remove("metadata");
            }
            bodies.push(body);
        }
        assert_eq!(bodies[0], bodies[1], "{a} and {b}");
    }
}

// ---------------------------------------------------------------------------------------
// Spellings
// ---------------------------------------------------------------------------------------

/// Long flags of each Conan command (spec §2 tables), and Conan's own options.
const CONAN_COMMON: [&str; 5] =
    ["--token", "--page", "--ignore-ssl", "--keychain-user", "--keychain-service"];
const CONAN_GLOBALS: [&str; 4] = ["--help", "--format", "--out-file", "--core-conf"];

fn conan_flags(command: &str) -> Vec<&'static str> {
    let own: &[&str] = match command {
        "create_incident" => {
            &["--title", "--message", "--status", "--impact", "--component-status", "--components"]
        }
        "update_incident" => &[
            "--incident",
            "--title",
            "--message",
            "--status",
            "--impact",
            "--component-status",
            "--components",
        ],
        "schedule_maintenance" => &["--title", "--message", "--components", "--scheduled"],
        "resolve_incident" => &["--incident", "--event", "--components", "--message"],
        _ => unreachable!(),
    };
    CONAN_COMMON.iter().chain(own).copied().collect()
}

/// What argparse makes of `--p…`: an exact flag, else the only flag it starts.
fn resolves_to<'a>(prefix: &str, flags: &[&'a str]) -> Option<&'a str> {
    if let Some(exact) = flags.iter().find(|f| **f == prefix) {
        return Some(exact);
    }
    let hits: Vec<&&str> = flags.iter().filter(|f| f.starts_with(prefix)).collect();
    (hits.len() == 1).then(|| *hits[0])
}

/// Every abbreviation Conan accepted for `flag` (shortest first, the flag itself last).
fn conan_abbreviations(flag: &'static str, all: &[&'static str]) -> Vec<String> {
    (3..=flag.len()).map(|n| flag[..n].to_string()).filter(|p| resolves_to(p, all) == Some(flag)).collect()
}

/// statusctl's long flags for each statuspage command (from the manifest) and the global ones
/// (from the root help).
fn statusctl_flags(w: &World) -> Vec<(String, Vec<String>)> {
    let help = w.run(&["--help"]);
    help.ok();
    let globals: Vec<String> = help
        .stdout
        .split("Global options")
        .nth(1)
        .unwrap()
        .lines()
        .filter_map(|l| l.split_whitespace().find(|t| t.starts_with("--")))
        .map(|t| t.trim_end_matches(',').to_string())
        .collect();
    let info = w.run(&["plugins", "info", "statuspage", "-f", "json"]);
    info.ok();
    let manifest = info.json()["manifest"].clone();
    manifest["commands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|cmd| {
            let mut flags = globals.clone();
            for arg in cmd["args"].as_array().unwrap() {
                let id = arg["id"].as_str().unwrap();
                flags.push(format!(
                    "--{}",
                    arg["long"].as_str().map_or_else(|| id.replace('_', "-"), String::from)
                ));
                for alias in arg["long_aliases"].as_array().into_iter().flatten() {
                    flags.push(format!("--{}", alias.as_str().unwrap()));
                }
            }
            (cmd["name"].as_str().unwrap().to_string(), flags)
        })
        .collect()
}

/// Conan abbreviations statusctl cannot take, each with the reason (the spellings above
/// still reach the flag: `--pa`, and `--message` in full).
const NOT_ACCEPTED: &[(&str, &str)] = &[
    // statusctl's global --profile and --plugin-dir: `--pa` is the shortest that works.
    ("--p", "--page"),
    // statusctl's global --max-wait, and the plugin's --message-file.
    ("--m", "--message"),
    // --message-file (reading the message from a file or stdin) starts with every shorter
    // spelling of --message; the full --message is exact, so it still works.
    ("--me", "--message"),
    ("--mes", "--message"),
    ("--mess", "--message"),
    ("--messa", "--message"),
    ("--messag", "--message"),
];

#[test]
fn every_conan_abbreviation_still_reaches_its_flag_but_the_listed_ones() {
    let server = sandbox();
    let w = world(&server);
    let ours = statusctl_flags(&w);
    let mut refused = Vec::new();
    for command in ["create_incident", "update_incident", "schedule_maintenance", "resolve_incident"] {
        let theirs: Vec<&'static str> = conan_flags(command).into_iter().chain(CONAN_GLOBALS).collect();
        let ours: Vec<&str> =
            ours.iter().find(|(name, _)| name == command).unwrap().1.iter().map(String::as_str).collect();
        // --help and Conan's --core-conf are not part of the contract.
        let checked = conan_flags(command).into_iter().chain(["--format", "--out-file"]);
        for flag in checked {
            for prefix in conan_abbreviations(flag, &theirs) {
                match resolves_to(&prefix, &ours) {
                    Some(f) if f == flag => {}
                    other => {
                        assert_eq!(
                            other, None,
                            "{command}: {prefix} means {other:?} in statusctl, {flag} in Conan"
                        );
                        refused.push((command, prefix, flag));
                    }
                }
            }
        }
    }
    let mut expected = Vec::new();
    for command in ["create_incident", "update_incident", "schedule_maintenance", "resolve_incident"] {
        for (prefix, flag) in NOT_ACCEPTED {
            expected.push((command, prefix.to_string(), *flag));
        }
    }
    refused.sort();
    expected.sort();
    assert_eq!(refused, expected, "Conan abbreviations statusctl refuses");

    // The real binary agrees: the listed ones are refused...
    for (command, prefix) in
        [("create-incident", "--p"), ("resolve-incident", "--m"), ("update-incident", "--messag")]
    {
        let run = w.run(&[&format!("statuspage:{command}"), prefix, "x"]);
        run.code(2)
            .stdout_is("")
            .stderr_lines(1)
            .stderr_has(&format!("error: unexpected argument '{prefix}' found"));
    }
    assert_eq!(sent(&server).len(), 0);
}

/// The shortest abbreviation Conan took for `flag`, or the shortest statusctl takes where the
/// two differ (NOT_ACCEPTED).
fn shortest(flag: &'static str, command: &str) -> String {
    let theirs: Vec<&'static str> = conan_flags(command).into_iter().chain(CONAN_GLOBALS).collect();
    let abbreviations = conan_abbreviations(flag, &theirs);
    abbreviations.into_iter().find(|p| !NOT_ACCEPTED.iter().any(|(n, _)| n == p)).unwrap()
}

#[test]
fn the_shortest_abbreviations_work_together() {
    let server = sandbox();
    let w = world(&server);
    let s = |flag: &'static str, command: &str| shortest(flag, command);
    assert_eq!(
        [
            "--token",
            "--page",
            "--title",
            "--status",
            "--impact",
            "--component-status",
            "--components",
            "--ignore-ssl"
        ]
        .map(|f| s(f, "create_incident")),
        ["--to", "--pa", "--ti", "--s", "--im", "--component-", "--components", "--ig"]
    );
    assert_eq!(s("--token", "resolve_incident"), "--t");
    assert_eq!(s("--components", "resolve_incident"), "--com");
    assert_eq!(s("--incident", "update_incident"), "--in");
    assert_eq!(s("--scheduled", "schedule_maintenance"), "--s");

    let plan = |command: &str, args: Vec<String>| -> Value {
        let file = w.path(&format!("cwd/plan-{command}.json"));
        let mut argv = vec!["--dry-run".to_string(), format!("statuspage:{}", command.replace('_', "-"))];
        argv.extend(args);
        argv.extend([
            s("--format", command),
            "json".into(),
            s("--out-file", command),
            file.display().to_string(),
        ]);
        let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
        w.run(&argv).ok().stdout_is("").stderr_lines(0);
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap()
    };
    let common = |command: &str| {
        vec![
            s("--token", command),
            DEMO_TOKEN.into(),
            s("--page", command),
            DEMO_PAGE_ID.into(),
            s("--ignore-ssl", command),
        ]
    };
    let v = |list: &[&str]| list.iter().map(|a| a.to_string()).collect::<Vec<_>>();

    let c = "create_incident";
    let mut args = common(c);
    args.extend(v(&[&s("--title", c), "T", &s("--message", c), "M", &s("--status", c), "identified"]));
    args.extend(v(&[
        &s("--impact", c),
        "minor",
        &s("--component-status", c),
        "partial_outage",
        &s("--components", c),
        API,
    ]));
    let p = plan(c, args);
    assert_eq!(p[0]["url"], format!("{}{INCIDENTS_PATH}", server.base_url()));
    let mut incident = p[0]["body"]["incident"].clone();
    incident.as_object_mut().unwrap().remove("metadata");
    assert_eq!(
        incident,
        json!({"name": "T", "status": "identified", "body": "M", "components": {API: "partial_outage"},
            "component_ids": [API], "impact_override": "minor"})
    );

    let c = "update_incident";
    let mut args = common(c);
    args.extend(v(&[
        &s("--incident", c),
        "inc000000001",
        &s("--title", c),
        "T",
        &s("--status", c),
        "monitoring",
    ]));
    args.extend(v(&[
        &s("--impact", c),
        "major",
        &s("--component-status", c),
        "major_outage",
        &s("--components", c),
        WEB,
    ]));
    args.extend(v(&[&s("--message", c), "M"]));
    let p = plan(c, args);
    assert_eq!(p[0]["method"], "PATCH");
    assert_eq!(p[0]["url"], format!("{}{INCIDENTS_PATH}/inc000000001", server.base_url()));
    assert_eq!(
        p[0]["body"],
        json!({"incident": {"name": "T", "status": "monitoring", "body": "M", "components": {WEB: "major_outage"},
            "component_ids": [WEB], "impact_override": "major"}})
    );

    let c = "schedule_maintenance";
    let mut args = common(c);
    args.extend(v(&[&s("--title", c), "T", &s("--message", c), "M", &s("--components", c), API]));
    args.extend(v(&[&s("--scheduled", c), "2030-01-01T10:00:00Z"]));
    let p = plan(c, args);
    let body = &p[0]["body"]["incident"];
    assert_eq!(
        (&body["name"], &body["body"], &body["scheduled_for"]),
        (&json!("T"), &json!("M"), &json!("2030-01-01T10:00:00Z"))
    );
    assert_eq!(body["component_ids"], json!([API]));

    let c = "resolve_incident";
    let mut args = common(c);
    args.extend(v(&[
        &s("--incident", c),
        "inc000000001",
        &s("--event", c),
        "maintenance",
        &s("--components", c),
        API,
    ]));
    args.extend(v(&[&s("--message", c), "Done"]));
    let p = plan(c, args);
    assert_eq!(
        p[0]["body"],
        json!({"incident": {"status": "completed", "impact_override": "none", "components": {API: "operational"},
            "component_ids": [API], "body": "Done"}})
    );

    // The keyring flags, with the token stored under that service and user.
    w.run_with_stdin(&["secrets", "set", "team-statuspage", "--user", "ops"], &format!("{DEMO_TOKEN}\n"))
        .ok();
    let c = "create_incident";
    let run = w.run(&[
        "--dry-run",
        "statuspage:create-incident",
        &s("--keychain-user", c),
        "ops",
        &s("--keychain-service", c),
        "team-statuspage",
        "--pa",
        DEMO_PAGE_ID,
        "--ti",
        "T",
    ]);
    run.ok().stdout_has("dry run: nothing was sent").never_shows(DEMO_TOKEN);
    assert_eq!(s("--keychain-user", c), "--keychain-u");
    assert_eq!(sent(&server).len(), 0, "dry runs with ids send nothing");
}

#[test]
fn long_flags_that_prefix_others_are_only_the_message_pair() {
    let w = World::with(&["statuspage"]);
    let clashes = crate::cli::long_flag_prefix_clashes(&w, "statuspage");
    // `--message` is a prefix of `--message-file`; clap takes the exact `--message`, and the
    // shorter spellings are listed in NOT_ACCEPTED above. Nothing else may shadow a flag.
    let mut allowed: Vec<String> =
        ["create_incident", "update_incident", "schedule_maintenance", "resolve_incident", "change_status"]
            .iter()
            .map(|c| format!("statuspage:{c}: --message is a prefix of --message-file"))
            .collect();
    // apply_incident/1's `--key` (and `list_incidents --owned --key`) against Conan's
    // `--keychain-*`: both are fixed by their contracts; the exact `--key` is taken as typed.
    for c in ["list_incidents", "apply_incident"] {
        for other in ["--keychain-user", "--keychain-service"] {
            allowed.push(format!("statuspage:{c}: --key is a prefix of {other}"));
        }
    }
    allowed.sort();
    let mut clashes = clashes;
    clashes.sort();
    assert_eq!(clashes, allowed);
}
