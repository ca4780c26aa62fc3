//! Issue 8, the provider plugins' part: hostile servers and hostile input against the real
//! binary. A loopback server that ignores `page` (or never ends its list), a create answered
//! 2xx with something that is not an incident, control characters and NUL in arguments, a
//! `--message-file` that never ends, and impossible maintenance windows.
//!
//! Runs that could grow without bound run under an address-space limit and a deadline, so a
//! regression fails fast instead of exhausting the machine.

use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::fake_api::{FakeApi, Received};
use crate::harness::*;

const TOKEN: &str = "hostile-test-token-1";
const PAGE: &str = "page1";
/// The address-space limit of a bounded run, in KiB (`ulimit -v`).
const ADDRESS_SPACE_KIB: u64 = 2_000_000;
/// The longest a bounded run may take.
const DEADLINE: Duration = Duration::from_secs(60);

/// A world whose `statuspage` plugin talks to `api`.
fn statuspage_world(api: &FakeApi) -> World {
    World::with(&["statuspage"])
        .env("STATUSPAGE_API_URL", &format!("{}/v1", api.base_url()))
        .env("STATUSCTL_TIME_SCALE", "0.01")
}

/// `statuspage:COMMAND -tk TOKEN -p PAGE ARGS...`.
fn sp_args<'a>(command: &'a str, args: &[&'a str]) -> Vec<&'a str> {
    let mut argv = vec![command, "-tk", TOKEN, "-p", PAGE];
    argv.extend_from_slice(args);
    argv
}

/// Runs statusctl under `ulimit -v` with a deadline (killed and failed past it).
fn bounded(w: &World, args: &[&str]) -> Run {
    let inner = w.command(args);
    let mut cmd = Command::new("/bin/sh");
    cmd.arg("-c")
        .arg(format!("ulimit -v {ADDRESS_SPACE_KIB} || exit 99; exec \"$0\" \"$@\""))
        .arg(inner.get_program())
        .args(inner.get_args())
        .env_clear()
        .envs(inner.get_envs().filter_map(|(k, v)| Some((k, v?))))
        .current_dir(inner.get_current_dir().unwrap())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("start statusctl under sh");
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let stdout = std::thread::spawn(move || {
        let mut text = Vec::new();
        std::io::Read::read_to_end(&mut out, &mut text).unwrap();
        text
    });
    let stderr = std::thread::spawn(move || {
        let mut text = Vec::new();
        std::io::Read::read_to_end(&mut err, &mut text).unwrap();
        text
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > DEADLINE {
            child.kill().ok();
            child.wait().ok();
            panic!("statusctl {} ran past {DEADLINE:?}", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let code = status.code().unwrap_or(-1);
    assert_ne!(code, 99, "ulimit -v failed");
    let text = |v: Vec<u8>| String::from_utf8_lossy(&v).into_owned();
    let run = Run {
        args: args.iter().map(|s| s.to_string()).collect(),
        code,
        stdout: text(stdout.join().unwrap()),
        stderr: text(stderr.join().unwrap()),
    };
    assert!(code >= 0, "statusctl was killed by a signal (address-space limit?): {run:?}");
    run
}

/// 100 components numbered from `from`.
fn components(from: usize) -> Value {
    Value::Array(
        (from..from + 100)
            .map(|i| {
                json!({"id": format!("cmp{i:09}"), "page_id": PAGE, "group_id": null, "group": false,
                    "name": format!("Component {i}"), "status": "operational", "position": i})
            })
            .collect(),
    )
}

fn incidents(from: usize) -> Value {
    Value::Array(
        (from..from + 100)
            .map(|i| {
                json!({"id": format!("inc{i:09}"), "name": format!("Incident {i}"), "status": "investigating",
                    "impact": "minor", "created_at": "2026-01-01T00:00:00.000Z", "metadata": {}})
            })
            .collect(),
    )
}

/// The `page` query value of a request (1 if absent).
fn page_of(r: &Received) -> usize {
    r.target
        .split_once('?')
        .and_then(|(_, q)| q.split('&').find_map(|kv| kv.strip_prefix("page=")))
        .and_then(|n| n.parse().ok())
        .unwrap_or(1)
}

fn methods(api: &FakeApi, method: &str) -> usize {
    api.received().iter().filter(|r| r.method == method).count()
}

// ---------------------------------------------------------------------------------------
// Listings end
// ---------------------------------------------------------------------------------------

/// A server that ignores `page` and always answers the same full page of 100.
fn same_page_server() -> FakeApi {
    FakeApi::start(|r| {
        let path = r.target.split('?').next().unwrap_or("");
        if path.ends_with("/components") {
            (200, components(0).to_string())
        } else if path.contains("/incidents") && r.method == "GET" {
            (200, incidents(0).to_string())
        } else {
            (201, json!({"id": "inc999999999", "name": "x"}).to_string())
        }
    })
}

#[test]
fn statuspage_lists_stop_at_a_page_that_repeats_with_a_warning() {
    let api = same_page_server();
    let w = statuspage_world(&api);
    let run = bounded(&w, &sp_args("statuspage:list-components", &[]));
    run.ok()
        .stderr_has("answered page 2 with the items of page 1 (the server ignores `page`)")
        .stderr_has("showing the 100 items before it");
    // The header and the 100 components, once each.
    assert_eq!(run.stdout.lines().count(), 101, "{run:?}");
    assert_eq!(api.received().len(), 2);

    for view in [&[][..], &["--unresolved"][..], &["--query", "Incident"][..]] {
        let before = api.received().len();
        let mut args = vec!["-f", "json"];
        args.extend_from_slice(view);
        let run = bounded(&w, &sp_args("statuspage:list-incidents", &args));
        run.ok().stderr_has("(the server ignores `page`)");
        assert_eq!(run.json().as_array().map(Vec::len), Some(100), "{view:?}");
        assert_eq!(api.received().len() - before, 2, "{view:?}");
    }
}

#[test]
fn statuspage_lists_stop_at_the_cap_and_limit_reads_what_it_asks_for() {
    // A list that never ends: every page is new.
    let api = FakeApi::start(|r| (200, components(page_of(r) * 100).to_string()));
    let w = statuspage_world(&api);
    let run = bounded(&w, &sp_args("statuspage:list-components", &["-f", "json"]));
    run.ok().stderr_has("stopped at 10000 items, the most a listing reads without --limit");
    assert_eq!(run.json().as_array().map(Vec::len), Some(10_000));
    // 100 pages, and one more to know the list goes on.
    assert_eq!(api.received().len(), 101);

    let before = api.received().len();
    let run = bounded(&w, &sp_args("statuspage:list-components", &["-f", "json", "--limit", "150"]));
    run.ok().stderr_lacks("warning");
    assert_eq!(run.json().as_array().map(Vec::len), Some(150));
    assert_eq!(api.received().len() - before, 2);
}

#[test]
fn statuspage_create_incident_by_a_name_on_a_server_repeating_its_page_sends_no_post() {
    let api = same_page_server();
    let w = statuspage_world(&api);
    let run = bounded(&w, &sp_args("statuspage:create-incident", &["-t", "API down", "-c", "Absent"]));
    run.code(5).stderr_has("(the server ignores `page`); nothing was decided on part of the list");
    assert_eq!(methods(&api, "POST"), 0);
    assert_eq!(api.received().len(), 2);
    // A name that is on the (repeated) first page is refused as well: the list is not whole.
    let run = bounded(&w, &sp_args("statuspage:create-incident", &["-t", "API down", "-c", "Component 7"]));
    run.code(5);
    assert_eq!(methods(&api, "POST"), 0);
}

#[test]
fn statuspage_a_lost_create_answer_is_not_looked_up_forever() {
    // The create's answer is a 503; the lookup's listing repeats its page.
    let api = FakeApi::start(|r| match r.method.as_str() {
        "POST" => (503, r#"{"error": "down"}"#.into()),
        _ => (200, incidents(0).to_string()),
    });
    let w = statuspage_world(&api);
    let run = bounded(&w, &sp_args("statuspage:create-incident", &["-t", "API down"]));
    run.code(5).stderr_has("is unknown and looking it up failed").stderr_has("the server ignores `page`");
    let posted: Value = serde_json::from_str(&api.received()[0].body).unwrap();
    let id = posted["incident"]["metadata"]["statusctl"]["request_id"].as_str().unwrap().to_string();
    run.stderr_has(&id);
    assert_eq!(methods(&api, "POST"), 1);
}

// ---------------------------------------------------------------------------------------
// A create's 2xx must be a created incident
// ---------------------------------------------------------------------------------------

/// A server answering POSTs with `status` and `body`; its lookups list what `listed`
/// returns for the request id the POST carried.
fn odd_create_server(
    status: u16,
    body: &'static str,
    listed: fn(&str) -> Value,
) -> (FakeApi, Arc<Mutex<Option<String>>>) {
    let request_id = Arc::new(Mutex::new(None::<String>));
    let seen = Arc::clone(&request_id);
    let api = FakeApi::start(move |r| {
        if r.method == "POST" {
            let posted: Value = serde_json::from_str(&r.body).unwrap_or_default();
            let id = posted["incident"]["metadata"]["statusctl"]["request_id"].as_str().map(str::to_string);
            *seen.lock().unwrap() = id;
            return (status, body.to_string());
        }
        let id = seen.lock().unwrap().clone().unwrap_or_default();
        (200, listed(&id).to_string())
    });
    (api, request_id)
}

#[test]
fn statuspage_a_create_answered_2xx_without_an_incident_is_an_unknown_outcome_with_the_request_id() {
    for body in ["", "{}", "[]", "null", "<html>ok</html>"] {
        let (api, request_id) = odd_create_server(201, body, |_| json!([]));
        let w = statuspage_world(&api);
        let run = bounded(&w, &sp_args("statuspage:create-incident", &["-t", "API down"]));
        let id = request_id.lock().unwrap().clone().expect("a request id was sent");
        run.code(5)
            .stderr_has("answered 201 with")
            .stderr_has(&format!("no incident with request id {id} was found"))
            .stdout_lacks("None")
            .stdout_lacks("Created incident");
        // One POST (never sent again: the server said it took it), then the lookup.
        let lines: Vec<String> =
            api.received().iter().map(|r| format!("{} {}", r.method, r.target)).collect();
        assert_eq!(
            lines,
            [
                format!("POST /v1/pages/{PAGE}/incidents"),
                format!("GET /v1/pages/{PAGE}/incidents/unresolved?page=1&per_page=100")
            ],
            "{body:?}"
        );
    }
    // Same for a maintenance.
    let (api, request_id) = odd_create_server(201, "", |_| json!([]));
    let w = statuspage_world(&api);
    let args = ["-t", "DB upgrade", "-s", "2030-01-01T10:00:00Z"];
    let run = bounded(&w, &sp_args("statuspage:schedule-maintenance", &args));
    let id = request_id.lock().unwrap().clone().unwrap();
    run.code(5).stderr_has(&format!("request id {id}")).stdout_lacks("Maintenance ID");
    assert_eq!(methods(&api, "POST"), 1);
}

#[test]
fn statuspage_a_create_answered_2xx_empty_that_the_lookup_finds_is_the_created_incident() {
    let (api, _) = odd_create_server(201, "", |id| {
        json!([{"id": "inc000000042", "name": "API down", "status": "investigating", "impact": "none",
            "created_at": "2026-01-01T00:00:00.000Z", "shortlink": "https://stspg.io/x",
            "metadata": {"statusctl": {"request_id": id}}}])
    });
    let w = statuspage_world(&api);
    let run = bounded(&w, &sp_args("statuspage:create-incident", &["-t", "API down"]));
    run.ok()
        .stdout_has("Created incident:\nIncident ID: inc000000042\n")
        .stderr_has("found it: an earlier attempt created inc000000042");
    assert_eq!(methods(&api, "POST"), 1);
}

// ---------------------------------------------------------------------------------------
// Hostile input
// ---------------------------------------------------------------------------------------

/// A server that must not be reached.
fn untouched() -> FakeApi {
    FakeApi::start(|_| (500, "{}".into()))
}

#[test]
fn control_characters_in_titles_and_nul_anywhere_are_refused_before_anything_is_sent() {
    let api = untouched();
    let w = statuspage_world(&api);
    for title in ["API\x1b[2J\x1b[Hdown", "API\rerror: forged", "two\nlines", "bell\x07"] {
        for command in ["statuspage:create-incident", "statuspage:schedule-maintenance"] {
            w.run(&sp_args(command, &["-t", title]))
                .code(2)
                .stderr_has("the title contains a control character");
        }
        w.run(&sp_args("statuspage:update-incident", &["-ic", "inc000000001", "-t", title])).code(2);
    }
    // NUL cannot be in argv; it comes from a file or a profile.
    let file = w.write("cwd/nul.txt", "first line\n\tsecond\0line\n");
    w.run(&sp_args("statuspage:create-incident", &["-t", "x", "--message-file", file.to_str().unwrap()]))
        .code(2)
        .stderr_has("the message contains a NUL character");
    let config = w.write(
        "config/statusctl/config.toml",
        "default_profile = \"a\"\n[profiles.a.statuspage]\npage = \"page\\u0000one\"\n",
    );
    set_mode(&config, 0o600);
    w.run(&["statuspage:list-components", "-tk", TOKEN])
        .code(2)
        .stderr_has("--page contains a NUL character");
    assert!(api.received().is_empty(), "{:?}", api.received());

    // Nobl9: the same rules (its server is the same untouched one).
    let nobl9 = World::with(&["nobl9"])
        .env("NOBL9_BASE_URL", &api.base_url())
        .env("NOBL9_ORG", "org1")
        .env("NOBL9_CLIENT_ID", "client1")
        .env("NOBL9_CLIENT_SECRET", "secret1");
    nobl9
        .run(&["nobl9:create-incident", "-c", "API", "-cs", "major_outage", "-t", "x\x1b]0;pwned\x07"])
        .code(2)
        .stderr_has("the title contains a control character");
    let nobl9 = World::with(&["nobl9"])
        .env("NOBL9_BASE_URL", &api.base_url())
        .env("NOBL9_CLIENT_ID", "client1")
        .env("NOBL9_CLIENT_SECRET", "secret1");
    let config = nobl9.write("config/statusctl/config.toml", "[profiles.a.nobl9]\norg = \"org\\u0000one\"\n");
    set_mode(&config, 0o600);
    nobl9
        .run(&["--profile", "a", "nobl9:list-components"])
        .code(2)
        .stderr_has("--org contains a NUL character");
    assert!(api.received().is_empty(), "{:?}", api.received());
}

#[test]
fn newlines_and_tabs_in_a_message_are_sent() {
    let api = FakeApi::start(|r| match r.method.as_str() {
        "POST" => (201, json!({"id": "inc000000001", "name": "x"}).to_string()),
        _ => (200, "[]".into()),
    });
    let w = statuspage_world(&api);
    let file = w.write("cwd/message.txt", "first line\n\tsecond line\n");
    w.run(&sp_args("statuspage:create-incident", &["-t", "x", "--message-file", file.to_str().unwrap()]))
        .ok();
    let posted: Value = serde_json::from_str(&api.received()[0].body).unwrap();
    assert_eq!(posted["incident"]["body"], "first line\n\tsecond line");
}

#[test]
fn a_message_file_that_never_ends_is_too_long_at_once() {
    let api = untouched();
    let w = statuspage_world(&api);
    let started = Instant::now();
    for command in ["statuspage:create-incident", "statuspage:schedule-maintenance"] {
        bounded(&w, &sp_args(command, &["-t", "x", "--message-file", "/dev/zero"]))
            .code(2)
            .stderr_has("the message is more than 25000 characters long");
    }
    assert!(started.elapsed() < Duration::from_secs(20), "took {:?}", started.elapsed());
    // Exactly the limit is fine; one character more is not.
    let ok = w.write("cwd/max.txt", &"é".repeat(25_000));
    let long = w.write("cwd/long.txt", &"é".repeat(25_001));
    let api = FakeApi::start(|_| (201, json!({"id": "inc000000001", "name": "x"}).to_string()));
    let w = statuspage_world(&api);
    w.run(&sp_args("statuspage:create-incident", &["-t", "x", "--message-file", ok.to_str().unwrap()])).ok();
    w.run(&sp_args("statuspage:create-incident", &["-t", "x", "--message-file", long.to_str().unwrap()]))
        .code(2)
        .stderr_has("the message is 25001 characters long");
    assert_eq!(api.received().len(), 1);
}

#[test]
fn an_empty_or_year_0000_maintenance_window_is_a_usage_error() {
    let api = untouched();
    let w = statuspage_world(&api);
    for args in [
        &["-s", ""][..],
        &["-s", "0000-01-01T00:00:00Z"][..],
        &["-s", "2030-01-01T10:00:00Z", "--until", "0000-01-01T00:00:00Z"][..],
    ] {
        let mut all = vec!["-t", "DB upgrade"];
        all.extend_from_slice(args);
        w.run(&sp_args("statuspage:schedule-maintenance", &all)).code(2);
    }
    assert!(api.received().is_empty(), "{:?}", api.received());
}
