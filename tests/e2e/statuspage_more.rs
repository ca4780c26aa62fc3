//! The `statuspage` plugin beyond request parity: where the token, page and API URL come
//! from, missing and bad input (one line, the right exit code, nothing sent), components by
//! name, the extra commands, dry runs, API errors, and secrets kept out of every output.

use std::path::PathBuf;

use serde_json::{Value, json};
use statusctl_sandbox::BackgroundSandbox;
use statusctl_sandbox::statuspage::{
    CACHE_COMPONENT_IDS, DEMO_PAGE_ID, DEMO_TOKEN, OTHER_PAGE_ID, OTHER_TOKEN, RateLimitMode,
    StatuspageOptions,
};

use crate::harness::*;
use crate::statuspage_parity::{
    API, INCIDENTS_PATH, WEB, api, api_url, lines, new_incident, new_maintenance, sandbox, sandbox_with, sp,
    sp_with_stdin, stored, world,
};

const CONFIG: &str = "config/statusctl/config.toml";

/// A config file (mode 600) whose default profile `p` has these statuspage settings.
fn write_profile(w: &World, settings: &str) -> PathBuf {
    let path = w.write(CONFIG, &format!("default_profile = \"p\"\n[profiles.p.statuspage]\n{settings}\n"));
    set_mode(&path, 0o600);
    path
}

fn keyring_set(w: &World, service: &str, user: &str, secret: &str) {
    w.run_with_stdin(&["secrets", "set", service, "--user", user], &format!("{secret}\n"))
        .ok()
        .never_shows(secret);
}

/// The Authorization header of each request statusctl made.
fn authorizations(server: &BackgroundSandbox) -> Vec<String> {
    sent(server).iter().map(|r| r.header("authorization").unwrap_or("-").to_string()).collect()
}

/// A usage or configuration error: the exit code, exactly `message` on stderr (one line),
/// nothing on stdout.
#[track_caller]
fn fails(run: &Run, code: i32, message: &str) {
    run.code(code).stdout_is("");
    assert_eq!(run.stderr, format!("error: {message}\n"), "{run:?}");
}

// ---------------------------------------------------------------------------------------
// Where values come from
// ---------------------------------------------------------------------------------------

#[test]
fn the_token_comes_from_flag_env_dotenv_profile_or_keyring() {
    let server = sandbox();
    let pages_of = |w: &World| {
        server.control().clear_requests();
        let run = w.run(&["statuspage:list-pages", "-f", "json"]);
        run.ok().stderr_lines(0);
        let ids: Vec<String> =
            run.json().as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap().into()).collect();
        (authorizations(&server), ids)
    };
    let demo = (vec![format!("OAuth {DEMO_TOKEN}")], vec![DEMO_PAGE_ID.to_string()]);
    let other = (vec![format!("OAuth {OTHER_TOKEN}")], vec![OTHER_PAGE_ID.to_string()]);

    // Flag, both spellings.
    let w = world(&server);
    let with = |w: &World, args: &[&str]| {
        server.control().clear_requests();
        let mut argv = vec!["statuspage:list-pages", "-f", "json"];
        argv.extend_from_slice(args);
        w.run(&argv).ok();
        authorizations(&server)
    };
    assert_eq!(with(&w, &["--token", DEMO_TOKEN]), demo.0);
    assert_eq!(with(&w, &["-tk", OTHER_TOKEN]), other.0);
    assert_eq!(with(&w, &["-tk=sandbox-other-token"]), other.0);

    // Environment; the flag wins.
    let w = world(&server).env("STATUSPAGE_TOKEN", DEMO_TOKEN);
    assert_eq!(pages_of(&w), demo);
    assert_eq!(with(&w, &["-tk", OTHER_TOKEN]), other.0);

    // ./.env; the real environment wins over it.
    let w = world(&server);
    w.write("cwd/.env", &format!("STATUSPAGE_TOKEN={OTHER_TOKEN}\n"));
    assert_eq!(pages_of(&w), other);
    let w = w.env("STATUSPAGE_TOKEN", DEMO_TOKEN);
    assert_eq!(pages_of(&w), demo);

    // Profile (default profile, then named with --profile); the environment wins over it.
    let w = world(&server);
    write_profile(&w, &format!("token = \"{OTHER_TOKEN}\""));
    assert_eq!(pages_of(&w), other);
    w.write(
        CONFIG,
        &format!(
            "[profiles.team.statuspage]\ntoken = \"{DEMO_TOKEN}\"\n[profiles.p.statuspage]\ntoken = \"x\"\n"
        ),
    );
    set_mode(&w.path(CONFIG), 0o600);
    assert_eq!(with(&w, &["--profile", "team"]), demo.0);
    let w = w.env("STATUSPAGE_TOKEN", OTHER_TOKEN);
    assert_eq!(with(&w, &["--profile", "team"]), other.0);

    // Keyring: service statuspage-token, user = the login name (USER=tester in the world).
    let w = world(&server);
    keyring_set(&w, "statuspage-token", "tester", DEMO_TOKEN);
    assert_eq!(pages_of(&w), demo);
    // -ks / -ku pick another entry; the profile wins over the keyring.
    keyring_set(&w, "other-service", "someone", OTHER_TOKEN);
    assert_eq!(with(&w, &["-ks", "other-service", "-ku", "someone"]), other.0);
    assert_eq!(with(&w, &["--keychain-service", "other-service", "--keychain-user", "someone"]), other.0);
    write_profile(&w, &format!("token = \"{OTHER_TOKEN}\""));
    assert_eq!(pages_of(&w), other);

    // -vv says where the token came from, never what it is.
    let run = w.run(&["-vv", "statuspage:list-pages", "-ks", "other-service", "-ku", "someone"]);
    run.ok().never_shows(OTHER_TOKEN).stderr_has("debug: Statuspage API token: from ");
}

#[test]
fn a_token_stored_by_secrets_set_is_found_when_only_logname_names_the_user() {
    // Issue 7: the plugin computed the user from USER/USERNAME only, so with only LOGNAME
    // set `secrets set` stored the token where the plugin never looked.
    let server = sandbox();
    let w = world(&server).env("USER", "").env("LOGNAME", "only-logname");
    w.run_with_stdin(&["secrets", "set", "statuspage-token"], &format!("{DEMO_TOKEN}\n")).ok();
    server.control().clear_requests();
    w.run(&["statuspage:list-pages"]).ok().never_shows(DEMO_TOKEN);
    assert_eq!(authorizations(&server), [format!("OAuth {DEMO_TOKEN}")]);
    // The same entry as naming the user with -ku.
    server.control().clear_requests();
    w.run(&["statuspage:list-pages", "-ku", "only-logname"]).ok();
    assert_eq!(authorizations(&server), [format!("OAuth {DEMO_TOKEN}")]);
}

#[test]
fn the_page_and_the_api_url_come_from_flag_env_or_profile() {
    let server = sandbox();
    let components = format!("GET /v1/pages/{DEMO_PAGE_ID}/components?page=1&per_page=100");
    let run_in = |w: &World, args: &[&str]| {
        server.control().clear_requests();
        let mut argv = vec!["statuspage:list-components", "-tk", DEMO_TOKEN];
        argv.extend_from_slice(args);
        let run = w.run(&argv);
        (run, lines(&server))
    };
    // Page: -p / --page, env, profile; an unknown page where a lower source would have said
    // otherwise shows which one was used (the demo token gets 401 elsewhere).
    let w = world(&server).env("STATUSPAGE_PAGE_ID", "nosuchpage01");
    let (run, sent) = run_in(&w, &["-p", DEMO_PAGE_ID]);
    run.ok();
    assert_eq!(sent, [components.as_str()]);
    run_in(&w, &["--page", DEMO_PAGE_ID]).0.ok();
    let (run, sent) = run_in(&w, &[]);
    run.code(4);
    assert_eq!(sent, ["GET /v1/pages/nosuchpage01/components?page=1&per_page=100"]);
    let w = world(&server);
    write_profile(&w, &format!("page = \"{DEMO_PAGE_ID}\""));
    let (run, sent) = run_in(&w, &[]);
    run.ok();
    assert_eq!(sent, [components.as_str()]);
    let w = w.env("STATUSPAGE_PAGE_ID", "nosuchpage01");
    run_in(&w, &[]).0.code(4);

    // API URL: --api-url, env, profile (the world has no STATUSPAGE_API_URL here).
    let w = World::with(&["statuspage"]);
    let wrong = format!("{}/elsewhere/v1", server.base_url());
    let (run, sent) = run_in(&w, &["-p", DEMO_PAGE_ID, "--api-url", &api_url(&server)]);
    run.ok();
    assert_eq!(sent, [components.as_str()]);
    // A trailing slash is fine.
    run_in(&w, &["-p", DEMO_PAGE_ID, "--api-url", &format!("{}/", api_url(&server))]).0.ok();
    write_profile(&w, &format!("api_url = \"{wrong}\"\npage = \"{DEMO_PAGE_ID}\""));
    let (run, sent) = run_in(&w, &[]);
    run.code(1);
    assert_eq!(sent, [format!("GET /elsewhere/v1/pages/{DEMO_PAGE_ID}/components?page=1&per_page=100")]);
    let w = w.env("STATUSPAGE_API_URL", &api_url(&server));
    let (run, sent) = run_in(&w, &[]);
    run.ok();
    assert_eq!(sent, [components.as_str()]);
    let (run, sent) = run_in(&w, &["--api-url", &wrong]);
    run.code(1);
    assert_eq!(sent.len(), 1);
    assert!(sent[0].starts_with("GET /elsewhere/v1/"), "{sent:?}");
}

#[test]
fn the_builtin_sandbox_profile_points_at_port_8787() {
    let w = World::with(&["statuspage"]);
    let run = w.run(&["config", "show", "--profile", "sandbox"]);
    run.ok()
        .never_shows(DEMO_TOKEN)
        .stdout_has("profile: sandbox (from --profile)\n")
        .stdout_has("statuspage:\n  api_url = http://127.0.0.1:8787/v1  (profile sandbox, key api_url)\n")
        .stdout_has(&format!("  page = {DEMO_PAGE_ID}  (profile sandbox, key page)\n"))
        .stdout_has("  token = ***  (profile sandbox, key token)\n");
    let run = w.run(&["config", "show", "--profile", "sandbox", "-f", "json"]);
    run.ok().never_shows(DEMO_TOKEN);
    assert_eq!(
        run.json()["settings"]["statuspage"],
        json!({
            "api_url": {"value": "http://127.0.0.1:8787/v1", "source": "profile sandbox, key api_url"},
            "page": {"value": DEMO_PAGE_ID, "source": "profile sandbox, key page"},
            "token": {"value": "***", "source": "profile sandbox, key token"},
        })
    );
}

// ---------------------------------------------------------------------------------------
// Missing and bad input
// ---------------------------------------------------------------------------------------

#[test]
fn missing_values_are_reported_in_conan_order_and_nothing_is_sent() {
    let server = sandbox();
    let w = world(&server);
    for command in [
        "create-incident",
        "update-incident",
        "schedule-maintenance",
        "resolve-incident",
        "list-incidents",
        "get-incident",
        "delete-incident",
        "list-components",
        "test-connection",
        "list-pages",
    ] {
        fails(&w.run(&[&format!("statuspage:{command}")]), 4, "Status Page API token is required.");
        // An empty token is no token.
        fails(
            &w.run(&[&format!("statuspage:{command}"), "-tk", ""]),
            4,
            "Status Page API token is required.",
        );
    }
    fails(
        &w.run(&["statuspage:change-status", "-c", API, "-cs", "operational"]),
        4,
        "Status Page API token is required.",
    );

    let with_token = |command: &str, args: &[&str]| {
        let mut argv = vec![command, "-tk", DEMO_TOKEN];
        argv.extend_from_slice(args);
        w.run(&argv)
    };
    for command in ["statuspage:create-incident", "statuspage:update-incident", "statuspage:resolve-incident"]
    {
        fails(&with_token(command, &[]), 4, "Status Page ID is required.");
        fails(&with_token(command, &["-p", ""]), 4, "Status Page ID is required.");
    }
    // Then title (create, schedule), incident (update, resolve), event (resolve).
    fails(&sp(&w, "create-incident", &[]), 2, "Incident title is required.");
    fails(&sp(&w, "schedule-maintenance", &["-c", API]), 2, "Incident title is required.");
    fails(&sp(&w, "update-incident", &["-s", "identified"]), 2, "Incident ID is required.");
    fails(&sp(&w, "update-incident", &["-ic", ""]), 2, "Incident ID is required.");
    fails(&sp(&w, "resolve-incident", &["-e", "incident"]), 2, "Incident ID is required.");
    fails(&sp(&w, "resolve-incident", &["-ic", "abcdefghijkl"]), 2, "Event type is required.");
    fails(&sp(&w, "get-incident", &[]), 2, "Incident ID is required.");
    fails(&sp(&w, "delete-incident", &[]), 2, "Incident ID is required.");
    // The token is checked before the page, the page before the title.
    fails(
        &w.run(&["statuspage:create-incident", "-p", DEMO_PAGE_ID]),
        4,
        "Status Page API token is required.",
    );
    assert_eq!(lines(&server), Vec::<String>::new());
}

#[test]
fn bad_values_are_one_line_errors_and_nothing_is_sent() {
    let server = sandbox();
    let w = world(&server);
    let long_title = "t".repeat(256);
    let long_message = "m".repeat(25_001);
    w.write("cwd/long.txt", &format!("{long_message}\n"));
    let cases: Vec<(&str, Vec<&str>, &str)> = vec![
        (
            "create-incident",
            vec!["-t", "x", "-s", "bogus"],
            "invalid value 'bogus' for '--status <STATUS>' [possible values: investigating, identified, monitoring, resolved]",
        ),
        (
            "update-incident",
            vec!["-ic", "abcdefghijkl", "-i", "huge"],
            "invalid value 'huge' for '--impact <IMPACT>' [possible values: none, maintenance, minor, major, critical]",
        ),
        (
            "create-incident",
            vec!["-t", "x", "-c", API, "-cs", "broken"],
            "invalid value 'broken' for '--component-status <COMPONENT_STATUS>' \
             [possible values: operational, degraded_performance, partial_outage, major_outage]",
        ),
        (
            "resolve-incident",
            vec!["-ic", "abcdefghijkl", "-e", "other"],
            "invalid value 'other' for '--event <EVENT>' [possible values: maintenance, incident]",
        ),
        (
            "create-incident",
            vec!["-t", "x", "-f", "xml"],
            "invalid value 'xml' for '--format <FORMAT>' [possible values: text, json]",
        ),
        (
            "schedule-maintenance",
            vec!["-t", "x", "-s", "2030-01-01T10:00:00Z", "--until", "2030-01-01T09:59:59Z"],
            "--until 2030-01-01T09:59:59Z is not after the start of the maintenance",
        ),
        (
            "schedule-maintenance",
            vec!["-t", "x", "-s", "2030-01-01T10:00:00Z", "--until", "2030-01-01T10:00:00Z"],
            "--until 2030-01-01T10:00:00Z is not after the start of the maintenance",
        ),
        ("create-incident", vec!["-t", ""], "the title is empty"),
        ("update-incident", vec!["-ic", "abcdefghijkl", "-t", "  "], "the title is empty"),
        (
            "schedule-maintenance",
            vec!["-t", &long_title],
            "the title is 256 characters long; Statuspage allows 255",
        ),
        (
            "create-incident",
            vec!["-t", &long_title],
            "the title is 256 characters long; Statuspage allows 255",
        ),
        (
            "create-incident",
            vec!["-t", "x", "-m", &long_message],
            "the message is 25001 characters long; Statuspage allows 25,000",
        ),
        (
            "update-incident",
            vec!["-ic", "abcdefghijkl", "--message-file", "long.txt"],
            "the message is 25001 characters long; Statuspage allows 25,000",
        ),
        (
            "create-incident",
            vec!["-t", "x", "-cs", "major_outage"],
            "--component-status (-cs) needs the components it applies to: add -c COMPONENT...",
        ),
        (
            "update-incident",
            vec!["-ic", "abcdefghijkl", "-cs", "major_outage"],
            "--component-status (-cs) needs the components it applies to: add -c COMPONENT...",
        ),
        (
            "create-incident",
            vec!["-t", "x", "-m", "a", "--message-file", "long.txt"],
            "the argument '--message <MESSAGE>' cannot be used with '--message-file <FILE>'",
        ),
        ("list-incidents", vec!["--limit", "0"], "--limit must be at least 1"),
        (
            "change-status",
            vec!["-c", API, "-cs", "operational", "-m", "why"],
            "--message needs --incident: a component has no message of its own",
        ),
    ];
    for (command, args, message) in &cases {
        let run = sp(&w, command, args);
        run.code(2).stdout_is("").stderr_lines(1);
        // clap adds usage hints after the first line on some errors: compare the line.
        assert!(run.stderr.starts_with(&format!("error: {message}")), "{command} {args:?}: {}", run.stderr);
    }
    // Times that are not `now` nor RFC 3339.
    for (flag, value) in [("-s", "yesterday"), ("--scheduled", "2030-01-01"), ("--until", "tomorrow")] {
        let run = sp(&w, "schedule-maintenance", &["-t", "x", flag, value]);
        run.code(2).stdout_is("").stderr_lines(1);
        let name = if flag == "--until" { "--until" } else { "--scheduled" };
        assert!(
            run.stderr.starts_with(&format!(
                "error: invalid {name} `{value}`: expected `now` or an RFC 3339 time such as 2030-01-01T10:00:00Z ("
            )),
            "{}",
            run.stderr
        );
    }
    let run = sp(&w, "create-incident", &["-t", "x", "--message-file", "missing.txt"]);
    run.code(2).stdout_is("").stderr_lines(1).stderr_has("error: cannot read --message-file missing.txt: ");
    assert_eq!(lines(&server), Vec::<String>::new(), "bad input must send nothing");

    // The limits themselves pass: 255 characters of title, 25,000 of message.
    let title = "t".repeat(255);
    let message = "m".repeat(25_000);
    let run = sp(&w, "create-incident", &["-t", &title, "-m", &message, "--no-request-id"]);
    run.ok();
    let created = stored(&server, run.stdout.lines().nth(1).unwrap().trim_start_matches("Incident ID: "));
    assert_eq!(created["name"], title.as_str());
    assert_eq!(created["incident_updates"][0]["body"], message.as_str());
}

#[test]
fn unknown_and_ambiguous_component_names_fail_after_one_lookup() {
    let server = sandbox();
    let w = world(&server);
    let lookup = format!("GET /v1/pages/{DEMO_PAGE_ID}/components?page=1&per_page=100");
    let run = sp(&w, "create-incident", &["-t", "x", "-c", "Nope", "-cs", "major_outage"]);
    fails(
        &run,
        2,
        "no component named `Nope` on page sandboxpage1; components: API, Database, Website, Payments, Cache, Cache",
    );
    assert_eq!(lines(&server), [lookup.as_str()]);

    server.control().clear_requests();
    let run = sp(&w, "resolve-incident", &["-ic", "abcdefghijkl", "-e", "incident", "-c", "API", "Cache"]);
    fails(
        &run,
        2,
        &format!(
            "the component name `Cache` is ambiguous on page sandboxpage1: {}, {}; pass one of these ids",
            CACHE_COMPONENT_IDS[0], CACHE_COMPONENT_IDS[1]
        ),
    );
    assert_eq!(lines(&server), [lookup.as_str()]);

    // A group is not a component of an incident.
    server.control().clear_requests();
    let run = sp(&w, "schedule-maintenance", &["-t", "x", "-c", "Backend"]);
    run.code(2).stderr_has("error: no component named `Backend` on page sandboxpage1");
    assert_eq!(lines(&server), [lookup]);
    assert_eq!(crate::statuspage_parity::all_incidents(&server).len(), 0);
}

#[test]
fn components_by_name_are_looked_up_once_and_ids_never() {
    let server = sandbox();
    let w = world(&server);
    let run = sp(&w, "create-incident", &["-t", "x", "-c", "API", "Website", "-cs", "partial_outage"]);
    run.ok();
    let sent = sent(&server);
    assert_eq!(
        lines(&server),
        [
            format!("GET /v1/pages/{DEMO_PAGE_ID}/components?page=1&per_page=100"),
            format!("POST {INCIDENTS_PATH}")
        ]
    );
    let body: Value = serde_json::from_str(&sent[1].body).unwrap();
    assert_eq!(body["incident"]["components"], json!({API: "partial_outage", WEB: "partial_outage"}));
    assert_eq!(body["incident"]["component_ids"], json!([API, WEB]));
    assert_eq!(sent[0].header("authorization"), Some(&*format!("OAuth {DEMO_TOKEN}")));

    // Mixed: one lookup, ids kept in their place.
    server.control().clear_requests();
    sp(&w, "schedule-maintenance", &["-t", "x", "-c", WEB, "Database", CACHE_COMPONENT_IDS[1]]).ok();
    let sent_now = crate::harness::sent(&server);
    assert_eq!(sent_now.len(), 2);
    let body: Value = serde_json::from_str(&sent_now[1].body).unwrap();
    assert_eq!(body["incident"]["component_ids"], json!([WEB, "dbcomponent1", CACHE_COMPONENT_IDS[1]]));

    // Ids only: no lookup at all.
    server.control().clear_requests();
    sp(&w, "create-incident", &["-t", "x", "-c", API, WEB, "-cs", "operational"]).ok();
    assert_eq!(lines(&server), [format!("POST {INCIDENTS_PATH}")]);
}

// ---------------------------------------------------------------------------------------
// The extra commands
// ---------------------------------------------------------------------------------------

fn incident_table(items: &[Value]) -> String {
    let s = |v: &Value, k: &str| v[k].as_str().unwrap_or("").to_string();
    let mut out =
        format!("{:<12}  {:<17}  {:<11}  {:<24}  {}\n", "ID", "STATUS", "IMPACT", "CREATED", "NAME");
    for i in items {
        out.push_str(&format!(
            "{:<12}  {:<17}  {:<11}  {:<24}  {}\n",
            s(i, "id"),
            s(i, "status"),
            s(i, "impact"),
            s(i, "created_at"),
            s(i, "name")
        ));
    }
    out
}

#[test]
fn list_incidents_follows_every_page() {
    let server = sandbox_with(StatuspageOptions { rate_limit: RateLimitMode::Off, ..Default::default() });
    let w = world(&server);
    for n in 1..=105 {
        new_incident(&server, &format!("Incident {n}"));
    }
    let newest_first: Vec<Value> = {
        let (_, first) = api(&server, "GET", &format!("{INCIDENTS_PATH}?page=1&limit=100"), None);
        let (_, second) = api(&server, "GET", &format!("{INCIDENTS_PATH}?page=2&limit=100"), None);
        first.as_array().unwrap().iter().chain(second.as_array().unwrap()).cloned().collect()
    };
    assert_eq!(newest_first.len(), 105);
    assert_eq!(newest_first[0]["name"], "Incident 105");
    server.control().clear_requests();

    let run = sp(&w, "list-incidents", &[]);
    run.ok().stderr_lines(0).stdout_is(&incident_table(&newest_first));
    assert_eq!(
        lines(&server),
        [format!("GET {INCIDENTS_PATH}?page=1&limit=100"), format!("GET {INCIDENTS_PATH}?page=2&limit=100")]
    );

    server.control().clear_requests();
    let run = sp(&w, "list-incidents", &["-f", "json"]);
    assert_eq!(run.json(), Value::Array(newest_first.clone()));

    server.control().clear_requests();
    sp(&w, "list-incidents", &["--limit", "3"]).ok().stdout_is(&incident_table(&newest_first[..3]));
    assert_eq!(lines(&server), [format!("GET {INCIDENTS_PATH}?page=1&limit=3")]);

    server.control().clear_requests();
    let run = sp(&w, "list-incidents", &["--unresolved"]);
    run.ok().stdout_is(&incident_table(&newest_first));
    assert_eq!(
        lines(&server),
        [
            format!("GET {INCIDENTS_PATH}/unresolved?page=1&per_page=100"),
            format!("GET {INCIDENTS_PATH}/unresolved?page=2&per_page=100")
        ]
    );

    // --query is the API's q (encoded); "Incident 10" matches 10 and 100..105.
    server.control().clear_requests();
    let run = sp(&w, "list-incidents", &["--query", "Incident 10"]);
    let expected: Vec<Value> = newest_first
        .iter()
        .filter(|i| i["name"].as_str().unwrap().starts_with("Incident 10"))
        .cloned()
        .collect();
    assert_eq!(expected.len(), 7);
    run.ok().stdout_is(&incident_table(&expected));
    assert_eq!(lines(&server), [format!("GET {INCIDENTS_PATH}?page=1&limit=100&q=Incident%2010")]);
}

#[test]
fn list_incidents_views_and_the_other_read_commands() {
    let server = sandbox();
    let w = world(&server);
    let upcoming = new_maintenance(&server, "Later", "2030-01-01T10:00:00Z", "2030-01-01T12:00:00Z");
    let running = new_maintenance(&server, "Now", "2020-01-01T10:00:00Z", "2039-01-01T12:00:00Z");
    let incident = new_incident(&server, "Broken");
    let view = |flag: &str| {
        server.control().clear_requests();
        let run = sp(&w, "list-incidents", &[flag, "-f", "json"]);
        run.ok();
        let ids: Vec<String> =
            run.json().as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().into()).collect();
        (ids, lines(&server))
    };
    let path = |list: &str| vec![format!("GET {INCIDENTS_PATH}/{list}?page=1&per_page=100")];
    assert_eq!(view("--unresolved"), (vec![incident.clone()], path("unresolved")));
    assert_eq!(view("--scheduled"), (vec![upcoming.clone()], path("scheduled")));
    assert_eq!(view("--upcoming"), (vec![upcoming.clone()], path("upcoming")));
    assert_eq!(view("--active-maintenance"), (vec![running.clone()], path("active_maintenance")));
    let run = sp(&w, "list-incidents", &["--unresolved", "--scheduled"]);
    run.code(2).stderr_has("error: the argument '--unresolved' cannot be used with '--scheduled'");
    sp(&w, "list-incidents", &["--scheduled"]).ok().stdout_is(&incident_table(&[stored(&server, &upcoming)]));

    // get_incident: the record with its components and updates.
    sp(
        &w,
        "update-incident",
        &["-ic", &incident, "-s", "identified", "-m", "Found it", "-cs", "major_outage", "-c", API],
    )
    .ok();
    let i = stored(&server, &incident);
    let update = |n: usize, k: &str| i["incident_updates"][n][k].as_str().unwrap().to_string();
    let expected = format!(
        "Broken ({incident})\nStatus: identified  Impact: critical\nCreated at: {}  Updated at: {}\nURL: {}\n\
         Components:\n  API ({API}): major_outage\nUpdates:\n  {} identified: Found it\n  {} investigating: \n",
        i["created_at"].as_str().unwrap(),
        i["updated_at"].as_str().unwrap(),
        i["shortlink"].as_str().unwrap(),
        update(0, "created_at"),
        update(1, "created_at"),
    );
    server.control().clear_requests();
    sp(&w, "get-incident", &["-ic", &incident]).ok().stderr_lines(0).stdout_is(&expected);
    assert_eq!(lines(&server), [format!("GET {INCIDENTS_PATH}/{incident}")]);
    assert_eq!(sp(&w, "get-incident", &["--incident", &incident, "-f", "json"]).json(), i);
    let m = stored(&server, &upcoming);
    sp(&w, "get-incident", &["-ic", &upcoming]).ok().stdout_has(&format!(
        "Scheduled: {} to {}\n",
        m["scheduled_for"].as_str().unwrap(),
        m["scheduled_until"].as_str().unwrap()
    ));

    // list_components: groups with their members indented under them, then the rest.
    server.control().clear_requests();
    let run = sp(&w, "list-components", &[]);
    run.ok().stderr_lines(0).stdout_is(
        "ID            STATUS                NAME\n\
         backendgroup  major_outage          Backend (group)\n\
         apicomponent  major_outage            API\n\
         dbcomponent1  operational             Database\n\
         webcomponent  operational           Website\n\
         paycomponent  operational           Payments\n\
         cachecompo01  operational           Cache\n\
         cachecompo02  operational           Cache\n",
    );
    assert_eq!(lines(&server), [format!("GET /v1/pages/{DEMO_PAGE_ID}/components?page=1&per_page=100")]);
    let run = sp(&w, "list-components", &["-f", "json"]);
    assert_eq!(run.json().as_array().unwrap().len(), 7);
    assert_eq!(run.json()[0]["group"], true);

    // test_connection and list_pages.
    server.control().clear_requests();
    sp(&w, "test-connection", &[]).ok().stderr_lines(0).stdout_is(&format!(
        "API: {}\nPage: Sandbox Demo ({DEMO_PAGE_ID})\nURL: https://sandbox-demo.example.com\nComponents: 6\nToken: accepted\n",
        api_url(&server)
    ));
    assert_eq!(
        lines(&server),
        [
            format!("GET /v1/pages/{DEMO_PAGE_ID}"),
            format!("GET /v1/pages/{DEMO_PAGE_ID}/components?page=1&per_page=100")
        ]
    );
    let header = format!("{:<12}  {:<30}  {}\n", "ID", "NAME", "URL");
    w.run(&["statuspage:list-pages", "-tk", DEMO_TOKEN]).ok().stdout_is(&format!(
        "{header}{:<12}  {:<30}  {}\n",
        DEMO_PAGE_ID, "Sandbox Demo", "https://sandbox-demo.example.com"
    ));
    w.run(&["statuspage:list-pages", "-tk", OTHER_TOKEN]).ok().stdout_is(&format!(
        "{header}{:<12}  {:<30}  {}\n",
        OTHER_PAGE_ID, "Other Team", "https://other-team.example.com"
    ));
}

#[test]
fn change_status_delete_and_their_requests() {
    let server = sandbox();
    let w = world(&server);
    // Directly: one PATCH per component.
    let run = sp(&w, "change-status", &["-c", "API", "Website", "-cs", "degraded_performance"]);
    run.ok()
        .stderr_lines(0)
        .stdout_is(&format!("{API}  degraded_performance  API\n{WEB}  degraded_performance  Website\n"));
    assert_eq!(
        lines(&server),
        [
            format!("GET /v1/pages/{DEMO_PAGE_ID}/components?page=1&per_page=100"),
            format!("PATCH /v1/pages/{DEMO_PAGE_ID}/components/{API}"),
            format!("PATCH /v1/pages/{DEMO_PAGE_ID}/components/{WEB}"),
        ]
    );
    for r in &sent(&server)[1..] {
        assert_eq!(
            serde_json::from_str::<Value>(&r.body).unwrap(),
            json!({"component": {"status": "degraded_performance"}})
        );
        assert_eq!(r.header("content-type"), Some("application/json"));
    }
    let (_, component) = api(&server, "GET", &format!("/v1/pages/{DEMO_PAGE_ID}/components/{WEB}"), None);
    assert_eq!(component["status"], "degraded_performance");

    // Through an incident.
    let id = new_incident(&server, "Outage");
    server.control().clear_requests();
    let run = sp(&w, "change-status", &["-c", API, "-cs", "major_outage", "--incident", &id, "-m", "Worse"]);
    run.ok().stdout_is(&format!("set 1 component(s) to major_outage through incident {id}\n"));
    assert_eq!(lines(&server), [format!("PATCH {INCIDENTS_PATH}/{id}")]);
    let body: Value = serde_json::from_str(&sent(&server)[0].body).unwrap();
    assert_eq!(
        body,
        json!({"incident": {"components": {API: "major_outage"}, "component_ids": [API], "body": "Worse"}})
    );
    assert_eq!(stored(&server, &id)["impact"], "critical");

    // Delete.
    server.control().clear_requests();
    sp(&w, "delete-incident", &["-ic", &id])
        .ok()
        .stderr_lines(0)
        .stdout_is(&format!("Deleted incident {id} (Outage)\n"));
    assert_eq!(lines(&server), [format!("DELETE {INCIDENTS_PATH}/{id}")]);
    assert_eq!(api(&server, "GET", &format!("{INCIDENTS_PATH}/{id}"), None).0, 404);
}

// ---------------------------------------------------------------------------------------
// Dry runs and API errors
// ---------------------------------------------------------------------------------------

#[test]
fn dry_runs_send_no_change_and_print_the_plan() {
    let server = sandbox();
    let w = world(&server);
    let id = new_incident(&server, "x");
    let maintenance = new_maintenance(&server, "m", "2030-01-01T10:00:00Z", "2030-01-01T12:00:00Z");
    let base = server.base_url();
    let cases: Vec<(&str, Vec<&str>, Vec<String>)> = vec![
        (
            "create-incident",
            vec!["-t", "T", "-c", "API", "-cs", "major_outage"],
            vec![format!("POST {base}{INCIDENTS_PATH}")],
        ),
        (
            "update-incident",
            vec!["-ic", &id, "-s", "identified"],
            vec![format!("PATCH {base}{INCIDENTS_PATH}/{id}")],
        ),
        (
            "schedule-maintenance",
            vec!["-t", "M", "-c", "Database"],
            vec![format!("POST {base}{INCIDENTS_PATH}")],
        ),
        (
            "resolve-incident",
            vec!["-ic", &maintenance, "-e", "maintenance"],
            vec![format!("PATCH {base}{INCIDENTS_PATH}/{maintenance}")],
        ),
        ("delete-incident", vec!["-ic", &id], vec![format!("DELETE {base}{INCIDENTS_PATH}/{id}")]),
        (
            "change-status",
            vec!["-c", "API", "Website", "-cs", "major_outage"],
            vec![
                format!("PATCH {base}/v1/pages/{DEMO_PAGE_ID}/components/{API}"),
                format!("PATCH {base}/v1/pages/{DEMO_PAGE_ID}/components/{WEB}"),
            ],
        ),
        (
            "change-status",
            vec!["-c", API, "-cs", "major_outage", "-ic", &id],
            vec![format!("PATCH {base}{INCIDENTS_PATH}/{id}")],
        ),
    ];
    let before = crate::statuspage_parity::all_incidents(&server);
    for (command, args, planned) in &cases {
        server.control().clear_requests();
        let mut argv = vec!["--dry-run"];
        argv.extend_from_slice(args);
        let run = sp(&w, command, &argv);
        run.ok().stderr_lines(0).never_shows(DEMO_TOKEN);
        assert!(
            run.stdout.starts_with("dry run: nothing was sent; this is what would be:\n\n"),
            "{}",
            run.stdout
        );
        let shown: Vec<&str> = run.stdout.lines().filter(|l| l.contains(&base)).collect();
        assert_eq!(shown, *planned, "{command}");
        // Only lookups reach the server.
        assert!(sent(&server).iter().all(|r| r.method == "GET"), "{command}: {:?}", lines(&server));

        let run = sp(&w, command, &[&argv[..], &["-f", "json"]].concat());
        run.ok();
        let plan = run.json();
        let methods_urls: Vec<String> = plan
            .as_array()
            .unwrap()
            .iter()
            .map(|p| format!("{} {}", p["method"].as_str().unwrap(), p["url"].as_str().unwrap()))
            .collect();
        assert_eq!(methods_urls, *planned, "{command} -f json");
        assert_eq!(plan[0]["headers"]["Authorization"], "OAuth ***");
    }
    assert_eq!(crate::statuspage_parity::all_incidents(&server), before, "a dry run changed the page");

    // The exact text of one plan.
    let run = sp(&w, "update-incident", &["--dry-run", "-ic", &id, "-s", "identified"]);
    run.stdout_is(&format!(
        "dry run: nothing was sent; this is what would be:\n\n\
         PATCH {base}{INCIDENTS_PATH}/{id}\nAuthorization: OAuth ***\nContent-Type: application/json\n\n\
         {{\n  \"incident\": {{\n    \"status\": \"identified\"\n  }}\n}}\n"
    ));
    let run = sp(&w, "create-incident", &["--dry-run", "-t", "T", "-f", "json"]);
    let plan = run.json();
    assert_eq!(plan[0]["headers"], json!({"Authorization": "OAuth ***", "Content-Type": "application/json"}));
    crate::statuspage_parity::request_id_of(&plan[0]["body"]);
    assert_eq!(plan[0]["body"]["incident"]["name"], "T");
}

#[test]
fn api_errors_are_one_line_with_the_right_exit_code() {
    let server = sandbox();
    let w = world(&server);
    // A valid token that does not own the page: 401 → configuration, exit 4.
    let run = w.run(&["statuspage:create-incident", "-tk", OTHER_TOKEN, "-p", DEMO_PAGE_ID, "-t", "x"]);
    fails(
        &run,
        4,
        "POST /v1/pages/sandboxpage1/incidents: 401 Unauthorized: Invalid authentication token. \
         (check the credential from --token, and that it belongs to this page)",
    );
    run.never_shows(OTHER_TOKEN);
    assert_eq!(crate::statuspage_parity::all_incidents(&server).len(), 0);
    let run = w.run(&[
        "statuspage:create-incident",
        "-tk",
        OTHER_TOKEN,
        "-p",
        DEMO_PAGE_ID,
        "-t",
        "x",
        "-f",
        "json",
    ]);
    run.code(4);
    assert_eq!(run.json()["error"]["http_status"], 401);
    assert_eq!(run.json()["error"]["exit_code"], 4);
    let run = w.run(&["statuspage:list-components", "-tk", "not-a-token", "-p", DEMO_PAGE_ID]);
    run.code(4)
        .stderr_lines(1)
        .stderr_has("401 Unauthorized: Invalid authentication token.")
        .never_shows("not-a-token");

    // Unknown incident: 404 → exit 1.
    for (command, args) in [
        ("update-incident", vec!["-ic", "abcdefghijkl", "-s", "identified"]),
        ("resolve-incident", vec!["-ic", "abcdefghijkl", "-e", "incident"]),
        ("get-incident", vec!["-ic", "abcdefghijkl"]),
        ("delete-incident", vec!["-ic", "abcdefghijkl"]),
    ] {
        let run = sp(&w, command, &args);
        let method = match command {
            "get-incident" => "GET",
            "delete-incident" => "DELETE",
            _ => "PATCH",
        };
        fails(
            &run,
            1,
            &format!(
                "{method} /v1/pages/sandboxpage1/incidents/abcdefghijkl: 404 Not Found: \
                 The requested resource could not be found. (check the page and incident or component ids)"
            ),
        );
    }
    // The API's 422 (a realtime status on a maintenance), one line, exit 1.
    let maintenance = new_maintenance(&server, "m", "2030-01-01T10:00:00Z", "2030-01-01T12:00:00Z");
    let run = sp(&w, "resolve-incident", &["-ic", &maintenance, "-e", "incident"]);
    run.code(1).stdout_is("").stderr_lines(1).stderr_has(&format!(
        "error: PATCH /v1/pages/sandboxpage1/incidents/{maintenance}: 422 Unprocessable Entity: "
    ));
}

// ---------------------------------------------------------------------------------------
// Secrets
// ---------------------------------------------------------------------------------------

#[test]
fn tokens_never_reach_any_output_even_at_vv() {
    let server = sandbox();
    let id = new_incident(&server, "x");
    for source in ["flag", "env", "dotenv", "profile", "keyring"] {
        for token in [DEMO_TOKEN, OTHER_TOKEN] {
            let mut w = world(&server);
            let mut flag: Vec<&str> = vec![];
            match source {
                "flag" => flag = vec!["--token", token],
                "env" => w = w.env("STATUSPAGE_TOKEN", token),
                "dotenv" => {
                    w.write("cwd/.env", &format!("STATUSPAGE_TOKEN={token}\n"));
                }
                "profile" => {
                    write_profile(&w, &format!("token = \"{token}\""));
                }
                _ => keyring_set(&w, "statuspage-token", "tester", token),
            }
            let run_with = |args: &[&str]| {
                let mut argv = vec!["-vv"];
                argv.extend_from_slice(args);
                argv.extend(["-p", DEMO_PAGE_ID]);
                argv.extend_from_slice(&flag);
                w.run(&argv)
            };
            let runs = [
                run_with(&["statuspage:create-incident", "-t", "x", "-c", "API", "-cs", "major_outage"]),
                run_with(&["statuspage:update-incident", "-ic", &id, "-m", "m"]),
                run_with(&["--dry-run", "statuspage:create-incident", "-t", "x"]),
                run_with(&["--dry-run", "-f", "json", "statuspage:delete-incident", "-ic", &id]),
                run_with(&["statuspage:resolve-incident", "-ic", "abcdefghijkl", "-e", "incident"]),
            ];
            let expected = if token == DEMO_TOKEN { [0, 0, 0, 0, 1] } else { [4, 4, 0, 0, 4] };
            for (run, code) in runs.iter().zip(expected) {
                run.code(code).never_shows(token).stderr_has("debug: ");
            }
        }
    }
    // Whatever the source, the server did get the token.
    assert!(
        sent(&server)
            .iter()
            .all(|r| r.header("authorization").is_some_and(|a| a.starts_with("OAuth sandbox-")))
    );
}

#[test]
fn message_file_from_stdin_and_a_file_reach_the_update() {
    let server = sandbox();
    let w = world(&server);
    let id = new_incident(&server, "x");
    sp_with_stdin(&w, "update-incident", &["-ic", &id, "--message-file", "-"], "über\nline two\n").ok();
    assert_eq!(stored(&server, &id)["incident_updates"][0]["body"], "über\nline two");
}

#[test]
fn a_query_on_a_view_is_applied_before_the_limit() {
    let server = sandbox();
    let w = world(&server);
    let db = new_incident(&server, "db slow");
    new_incident(&server, "other1");
    new_incident(&server, "other2");
    let found = sp(&w, "list-incidents", &["--unresolved", "--query", "db", "--limit", "1", "-f", "json"])
        .ok()
        .json();
    let ids: Vec<&str> = found.as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [db.as_str()]);
}
