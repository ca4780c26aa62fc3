//! How the `nobl9` plugin authenticates, against the sandbox's Nobl9 emulator: the scripts'
//! client credentials (`POST /api/accessToken`, one token per command), `NOBL9_API_TOKEN`,
//! `./.env` (the real environment wins), profile keys and the keyring, the built-in
//! `sandbox` profile, an existing sloctl configuration (Okta flow, organization and API from
//! the token's claims, `--context`, `--nobl9-config`, `NOBL9_SDK_*` / `SLOCTL_*`, never
//! written), token refresh, the token endpoint's rate limit, the scripts' validation
//! messages, `--dry-run`, and secrets kept out of every output at `-vv`.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Value, json};
use statusctl_sandbox::nobl9::{
    DEMO_API_TOKEN, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_ORG, DEMO_USER, Nobl9Options, OKTA_AUTH_SERVER,
};
use statusctl_sandbox::{BackgroundSandbox, Fault, FaultAction, FaultMatch};

use crate::harness::*;
use crate::nobl9_commands::{
    DATABASE, Req, b64, basic_demo, bearer, claims, exchange, fails, history, n9, req, requests, sandbox,
    sandbox_with, world,
};

const NO_CREDENTIALS: &str =
    "Either NOBL9_CLIENT_ID and NOBL9_CLIENT_SECRET, or NOBL9_API_TOKEN must be set.";
const NO_ORG: &str = "NOBL9_ORG environment variable is required.";
const BAD_CLIENT: &str =
    "Failed to authenticate. Check your NOBL9_CLIENT_ID, NOBL9_CLIENT_SECRET, and NOBL9_ORG.";

/// A world with the plugin and nothing else: no credentials anywhere.
fn bare() -> World {
    World::with(&["nobl9"])
}

/// The Okta token request of sloctl's flow, for the demo client.
fn okta() -> Req {
    req(
        &format!("POST /oauth2/{OKTA_AUTH_SERVER}/v1/token"),
        "Basic demo",
        json!("grant_type=client_credentials&scope=m2m"),
    )
}

/// The `Authorization` header values statusctl sent.
fn authorizations(server: &BackgroundSandbox) -> Vec<String> {
    sent(server).iter().map(|r| r.header("authorization").unwrap_or("-").to_string()).collect()
}

/// No secret of any kind in either stream: the client secret, its Basic form, the demo API
/// token, and no JWT at all (every issued token starts with `eyJ`).
#[track_caller]
fn no_secrets(run: &Run) {
    let basic = basic_demo();
    run.never_shows(DEMO_CLIENT_SECRET)
        .never_shows(basic.trim_start_matches("Basic "))
        .never_shows(DEMO_API_TOKEN)
        .never_shows("eyJ");
}

// ---------------------------------------------------------------------------------------
// The scripts' variables
// ---------------------------------------------------------------------------------------

#[test]
fn client_credentials_are_exchanged_once_for_every_call_of_a_command() {
    let server = sandbox();
    let w = world(&server);
    let run = n9(&w, "incident-workflow", &["Database", "majorOutage", "--pause", "0", "-vv"]);
    run.ok();
    no_secrets(&run);
    let sent = requests(&server);
    let calls: Vec<&str> = sent.iter().map(|r| r.call.as_str()).collect();
    let change = format!("POST /components/{DATABASE}/change-status");
    let history_call = format!("GET /components/{DATABASE}/status-changes");
    assert_eq!(
        calls,
        [
            "POST /api/accessToken",
            "GET /components",
            "POST /issues",
            change.as_str(),
            "GET /incidents?ongoing=true",
            "GET /issues/summary",
            change.as_str(),
            "GET /incidents?ongoing=true",
            history_call.as_str(),
        ]
    );
    // Basic for the exchange, then one and the same issued token on every call.
    let auth = authorizations(&server);
    assert_eq!(
        auth[0],
        format!("Basic {}", b64(format!("{DEMO_CLIENT_ID}:{DEMO_CLIENT_SECRET}").as_bytes()))
    );
    assert!(auth[1..].iter().all(|a| *a == auth[1]), "{auth:?}");
    assert!(sent[1..].iter().all(|r| r.auth == "Bearer issued"));
    let token = claims(auth[1].strip_prefix("Bearer ").unwrap()).unwrap();
    assert_eq!(token["exp"].as_i64().unwrap() - token["iat"].as_i64().unwrap(), 3600);
    assert_eq!(
        token["m2mProfile"],
        json!({"user": DEMO_USER, "organization": DEMO_ORG, "environment": server.addr().to_string()})
    );
    // Who changed the status: the token's user.
    assert_eq!(history(&server, DATABASE)[0]["changedBy"], DEMO_USER);
}

#[test]
fn an_api_token_is_used_as_is_and_wins_over_client_credentials() {
    let server = sandbox();
    let w = bare()
        .env("NOBL9_BASE_URL", &server.base_url())
        .env("NOBL9_ORG", DEMO_ORG)
        .env("NOBL9_API_TOKEN", DEMO_API_TOKEN);
    let run = n9(&w, "list-components", &["-vv"]);
    run.ok();
    no_secrets(&run);
    assert_eq!(requests(&server), [req("GET /components", "Bearer demo-token", Value::Null)]);
    // Without client credentials, the external endpoint gets the token too.
    server.control().clear_requests();
    let run = n9(&w, "create-external-issue", &["Database", "--occurred-at", "2026-02-05T10:30:00Z", "-vv"]);
    run.ok();
    no_secrets(&run);
    assert_eq!(
        requests(&server),
        [req(
            "POST /issues/external",
            "Bearer demo-token",
            json!({"componentName": "Database", "occurredAt": "2026-02-05T10:30:00Z", "requestedBy": "external-system"})
        )]
    );

    // With client credentials as well: still no exchange (as the scripts), but the external
    // endpoint gets Basic.
    let w = w.env("NOBL9_CLIENT_ID", DEMO_CLIENT_ID).env("NOBL9_CLIENT_SECRET", DEMO_CLIENT_SECRET);
    server.control().clear_requests();
    n9(&w, "change-status", &[DATABASE, "majorOutage"]).ok();
    n9(&w, "create-external-issue", &["Database", "--occurred-at", "2026-02-05T10:30:00Z"]).ok();
    let calls: Vec<(String, String)> = requests(&server).into_iter().map(|r| (r.call, r.auth)).collect();
    assert_eq!(
        calls,
        [
            (format!("POST /components/{DATABASE}/change-status"), "Bearer demo-token".to_string()),
            ("POST /issues/external".to_string(), "Basic demo".to_string()),
        ]
    );
}

#[test]
fn dotenv_in_the_working_directory_and_the_real_environment_wins() {
    let server = sandbox();
    let w = bare();
    let dotenv = |secret: &str| {
        format!(
            "NOBL9_BASE_URL={}\nNOBL9_ORG={DEMO_ORG}\nNOBL9_CLIENT_ID={DEMO_CLIENT_ID}\nNOBL9_CLIENT_SECRET={secret}\n",
            server.base_url()
        )
    };
    w.write("cwd/.env", &dotenv(DEMO_CLIENT_SECRET));
    let run = n9(&w, "list-components", &["-vv"]);
    run.ok();
    no_secrets(&run);
    assert_eq!(requests(&server), [exchange(), bearer("GET /components", Value::Null)]);

    // A wrong secret in the real environment beats the right one in .env (the base URL from
    // the real environment too: a .env may not send a credential from elsewhere to its
    // server) ...
    let wrong = "wrong-secret-0123456789";
    let w = w
        .env("NOBL9_CLIENT_SECRET", wrong)
        .env("NOBL9_BASE_URL", &server.base_url())
        .env("NOBL9_CLIENT_ID", DEMO_CLIENT_ID);
    server.control().clear_requests();
    let run = n9(&w, "list-components", &["-vv"]);
    run.never_shows(wrong);
    let lines: Vec<&str> = run.stderr.lines().filter(|l| l.starts_with("error: ")).collect();
    assert_eq!(lines, [format!("error: {BAD_CLIENT}")]);
    run.code(4).stdout_is("");
    assert_eq!(
        authorizations(&server),
        [format!("Basic {}", b64(format!("{DEMO_CLIENT_ID}:{wrong}").as_bytes()))]
    );

    // ... and the right one in the environment beats a wrong one in .env.
    w.write("cwd/.env", &dotenv(wrong));
    let w = w.env("NOBL9_CLIENT_SECRET", DEMO_CLIENT_SECRET);
    server.control().clear_requests();
    n9(&w, "list-components", &[]).ok();
    assert_eq!(requests(&server), [exchange(), bearer("GET /components", Value::Null)]);

    // A .env naming the server (or the client id, which picks the secret's keyring entry)
    // while the secret comes from the real environment: refused, nothing sent.
    let w = bare().env("NOBL9_CLIENT_SECRET", DEMO_CLIENT_SECRET);
    w.write("cwd/.env", &dotenv(wrong));
    server.control().clear_requests();
    let run = n9(&w, "list-components", &[]);
    run.code(4)
        .stdout_is("")
        .stderr_has("decides where credentials go")
        .stderr_has("env NOBL9_CLIENT_SECRET");
    assert!(requests(&server).is_empty());
}

#[test]
fn profile_keys_and_the_keyring_supply_the_connection() {
    let server = sandbox();
    let w = bare();
    let config = w.write(
        "config/statusctl/config.toml",
        &format!(
            "[profiles.p.nobl9]\nbase_url = \"{}\"\norg = \"{DEMO_ORG}\"\nclient_id = \"{DEMO_CLIENT_ID}\"\n\
             client_secret = \"{DEMO_CLIENT_SECRET}\"\n\n[profiles.k.nobl9]\nbase_url = \"{}\"\norg = \"{DEMO_ORG}\"\n\
             client_id = \"{DEMO_CLIENT_ID}\"\n",
            server.base_url(),
            server.base_url()
        ),
    );
    set_mode(&config, 0o600);
    let run = w.run(&["--profile", "p", "nobl9:list-components", "-vv"]);
    run.ok();
    no_secrets(&run);
    assert_eq!(requests(&server), [exchange(), bearer("GET /components", Value::Null)]);
    let run = w.run(&["config", "show", "--profile", "p"]);
    run.ok().stdout_has(&format!(
        "nobl9:\n  base_url = {}  (profile p, key base_url)\n  client_id = {DEMO_CLIENT_ID}  (profile p, key client_id)\n  \
         client_secret = ***  (profile p, key client_secret)\n  org = {DEMO_ORG}  (profile p, key org)\n",
        server.base_url()
    ));
    no_secrets(&run);

    // No secret in profile k: without the keyring the scripts' message, with it a token.
    server.control().clear_requests();
    fails(&w.run(&["--profile", "k", "nobl9:list-components"]), 4, NO_CREDENTIALS);
    assert_eq!(sent(&server).len(), 0);
    w.run_with_stdin(
        &["secrets", "set", "nobl9-client-secret", "--user", DEMO_CLIENT_ID],
        &format!("{DEMO_CLIENT_SECRET}\n"),
    )
    .ok()
    .never_shows(DEMO_CLIENT_SECRET);
    let run = w.run(&["--profile", "k", "nobl9:list-components", "-vv"]);
    run.ok();
    no_secrets(&run);
    assert_eq!(requests(&server), [exchange(), bearer("GET /components", Value::Null)]);
}

#[test]
fn the_builtin_sandbox_profile_names_the_default_sandbox_port() {
    let w = bare();
    let run = w.run(&["config", "show", "--profile", "sandbox"]);
    run.ok().stdout_has("profile: sandbox (from --profile)\n").stdout_has(&format!(
        "nobl9:\n  base_url = http://127.0.0.1:8787  (profile sandbox, key base_url)\n  client_id = {DEMO_CLIENT_ID}  \
         (profile sandbox, key client_id)\n  client_secret = ***  (profile sandbox, key client_secret)\n  \
         org = {DEMO_ORG}  (profile sandbox, key org)\n"
    ));
    no_secrets(&run);
    let run = w.run(&["config", "show", "--profile", "sandbox", "-f", "json"]);
    run.ok();
    no_secrets(&run);
    assert_eq!(
        run.json()["settings"]["nobl9"],
        json!({
            "base_url": {"value": "http://127.0.0.1:8787", "source": "profile sandbox, key base_url"},
            "client_id": {"value": DEMO_CLIENT_ID, "source": "profile sandbox, key client_id"},
            "client_secret": {"value": "***", "source": "profile sandbox, key client_secret"},
            "org": {"value": DEMO_ORG, "source": "profile sandbox, key org"},
        })
    );
}

// ---------------------------------------------------------------------------------------
// sloctl
// ---------------------------------------------------------------------------------------

/// A sloctl configuration with mixed-case keys, as real files have: `ci` (the default: Okta
/// at the sandbox, API URL given), `wrong` (a bad secret), `cached` (a bad secret but a
/// cached token) and `claims` (no API URL: the token's environment names it).
fn sloctl_file(w: &World, server: &BackgroundSandbox) -> PathBuf {
    let base = server.base_url();
    let text = format!(
        "DefaultContext = \"ci\"\n\n[sloctl]\n  filesPromptEnabled = true\n\n[Contexts]\n  [Contexts.ci]\n    \
         ClientId = \"{DEMO_CLIENT_ID}\"\n    ClientSecret = \"{DEMO_CLIENT_SECRET}\"\n    oktaOrgUrl = \"{base}\"\n    \
         OktaAuthServer = \"{OKTA_AUTH_SERVER}\"\n    URL = \"{base}/api\"\n    project = \"default\"\n    \
         timeout = \"5s\"\n  [Contexts.wrong]\n    clientId = \"{DEMO_CLIENT_ID}\"\n    clientSecret = \"not-the-secret\"\n    \
         oktaOrgURL = \"{base}\"\n    oktaAuthServer = \"{OKTA_AUTH_SERVER}\"\n    url = \"{base}/api\"\n  \
         [Contexts.cached]\n    clientId = \"{DEMO_CLIENT_ID}\"\n    clientSecret = \"not-the-secret\"\n    \
         accessToken = \"{DEMO_API_TOKEN}\"\n    oktaOrgURL = \"{base}\"\n    oktaAuthServer = \"{OKTA_AUTH_SERVER}\"\n    \
         url = \"{base}/api\"\n  [Contexts.claims]\n    clientId = \"{DEMO_CLIENT_ID}\"\n    \
         clientSecret = \"{DEMO_CLIENT_SECRET}\"\n    oktaOrgURL = \"{base}\"\n    oktaAuthServer = \"{OKTA_AUTH_SERVER}\"\n"
    );
    // The world's XDG_CONFIG_HOME is its config/ folder.
    w.write("config/nobl9/config.toml", &text)
}

/// The file's bytes and modification time.
fn snapshot(path: &PathBuf) -> (Vec<u8>, std::time::SystemTime) {
    (std::fs::read(path).unwrap(), std::fs::metadata(path).unwrap().modified().unwrap())
}

#[test]
fn a_sloctl_context_uses_okta_and_takes_the_organization_from_the_token() {
    let server = sandbox();
    let w = bare();
    let file = sloctl_file(&w, &server);
    let before = snapshot(&file);
    let base = server.base_url();
    let run = n9(&w, "test-connection", &["-vv"]);
    run.ok().stdout_is(&format!(
        "✅ Configuration loaded\n   Source: sloctl context 'ci' ({})\n✅ Authentication successful!\n   \
         Organization: {DEMO_ORG}\n   API: {base}/api\n   Components: 9\n",
        file.display()
    ));
    no_secrets(&run);
    // Okta's client-credentials grant, then the API with the token and the claims' organization.
    assert_eq!(requests(&server), [okta(), bearer("GET /status", Value::Null)]);

    // One token for every call of a command.
    server.control().clear_requests();
    n9(&w, "change-status", &["Database", "degradedPerformance", "--comment", "via sloctl"]).ok();
    assert_eq!(
        requests(&server),
        [
            okta(),
            bearer("GET /components", Value::Null),
            bearer(
                &format!("POST /components/{DATABASE}/change-status"),
                json!({"status": "degradedPerformance", "propagateUp": false, "comment": "via sloctl"})
            ),
        ]
    );

    // --context picks another context: its bad secret is refused by Okta.
    server.control().clear_requests();
    let run = n9(&w, "list-components", &["--context", "wrong"]);
    no_secrets(&run);
    fails(
        &run,
        4,
        &format!(
            "Failed to authenticate with Okta ({base}/oauth2/{OKTA_AUTH_SERVER}/v1/token). Check the sloctl clientId and clientSecret."
        ),
    );
    assert_eq!(
        authorizations(&server),
        [format!("Basic {}", b64(format!("{DEMO_CLIENT_ID}:not-the-secret").as_bytes()))]
    );
    fails(
        &n9(&w, "list-components", &["--context", "nope"]),
        4,
        &format!("Context 'nope' was not set in the '{}' configuration file.", file.display()),
    );

    // A cached token is used while fresh: no token request at all.
    server.control().clear_requests();
    let run = n9(&w, "list-components", &["--context", "cached", "-vv"]);
    run.ok();
    no_secrets(&run);
    assert_eq!(requests(&server), [req("GET /components", "Bearer demo-token", Value::Null)]);

    // Without `url`, the API is the one the token's environment names: https://127.0.0.1:PORT/api,
    // which this plain-HTTP sandbox cannot serve (tried 4 times, quickly here).
    server.control().clear_requests();
    let w = w.env("STATUSCTL_TIME_SCALE", "0.01");
    let run = n9(&w, "list-components", &["--context", "claims"]);
    run.code(5).stdout_is("");
    let last = run.stderr.lines().last().unwrap();
    assert!(
        last.starts_with(&format!(
            "error: cannot reach https://{}/api/dashboards/v1/status-page/components: ",
            server.addr()
        )),
        "{}",
        run.stderr
    );
    assert_eq!(requests(&server), [okta()]);

    // The file was never written (no token cached, nothing created).
    assert_eq!(snapshot(&file), before);
    let dir: Vec<_> =
        std::fs::read_dir(file.parent().unwrap()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(dir, ["config.toml"]);
}

#[test]
fn sloctl_variables_override_the_file_sdk_first_and_nobl9_config_names_another_file() {
    let server = sandbox();
    let w = bare();
    let file = sloctl_file(&w, &server);
    let before = snapshot(&file);
    let right = DEMO_CLIENT_SECRET;

    // SLOCTL_CLIENT_SECRET fixes the `wrong` context's secret ...
    let w = w.env("SLOCTL_CLIENT_SECRET", right);
    n9(&w, "list-components", &["--context", "wrong"]).ok();
    assert_eq!(requests(&server), [okta(), bearer("GET /components", Value::Null)]);
    // ... unless NOBL9_SDK_CLIENT_SECRET, which comes first, says otherwise.
    let w = w.env("NOBL9_SDK_CLIENT_SECRET", "sdk-wrong-secret");
    server.control().clear_requests();
    let run = n9(&w, "list-components", &["--context", "wrong", "-vv"]);
    run.code(4).never_shows("sdk-wrong-secret").never_shows(right);
    assert_eq!(
        authorizations(&server),
        [format!("Basic {}", b64(format!("{DEMO_CLIENT_ID}:sdk-wrong-secret").as_bytes()))]
    );

    // The default context from the environment (SDK first), and the organization variable.
    let w = w.env("NOBL9_SDK_CLIENT_SECRET", right).env("SLOCTL_DEFAULT_CONTEXT", "wrong");
    let w = w.env("NOBL9_SDK_DEFAULT_CONTEXT", "cached");
    server.control().clear_requests();
    n9(&w, "list-components", &[]).ok();
    assert_eq!(requests(&server), [req("GET /components", "Bearer demo-token", Value::Null)]);
    let w = w.env("SLOCTL_ORGANIZATION", "other-org");
    server.control().clear_requests();
    // The demo token is not the other organization's: the API refuses it.
    fails(
        &n9(&w, "list-components", &[]),
        4,
        "Authentication failed. Check your NOBL9_API_TOKEN and NOBL9_ORG.",
    );
    assert_eq!(sent(&server)[0].header("organization"), Some("other-org"));

    // --nobl9-config reads another file (lowercase keys, context `default`).
    let other = w.write(
        "cwd/sloctl.toml",
        &format!(
            "[contexts.default]\nclientId = \"{DEMO_CLIENT_ID}\"\nclientSecret = \"{right}\"\noktaOrgURL = \"{}\"\n\
             oktaAuthServer = \"{OKTA_AUTH_SERVER}\"\nurl = \"{}/api\"\n",
            server.base_url(),
            server.base_url()
        ),
    );
    let elsewhere = bare();
    server.control().clear_requests();
    let run = n9(&elsewhere, "test-connection", &["--nobl9-config", other.to_str().unwrap()]);
    run.ok().stdout_has(&format!("   Source: sloctl context 'default' ({})\n", other.display()));
    assert_eq!(requests(&server), [okta(), bearer("GET /status", Value::Null)]);
    assert_eq!(snapshot(&file), before);
}

#[test]
fn the_scripts_variables_come_before_sloctl_unless_a_context_is_asked_for() {
    let server = sandbox();
    let w = world(&server);
    sloctl_file(&w, &server);
    n9(&w, "list-components", &[]).ok();
    assert_eq!(requests(&server), [exchange(), bearer("GET /components", Value::Null)]);
    server.control().clear_requests();
    n9(&w, "list-components", &["--context", "ci"]).ok();
    assert_eq!(requests(&server), [okta(), bearer("GET /components", Value::Null)]);
}

// ---------------------------------------------------------------------------------------
// Token refresh and the token endpoint's limit
// ---------------------------------------------------------------------------------------

#[test]
fn a_token_expiring_within_two_minutes_is_refreshed_before_each_call() {
    // Tokens of 60 s are always inside the 2-minute refresh margin.
    let server = sandbox_with(Nobl9Options {
        token_lifetime: Duration::from_secs(60),
        token_rate_limit: false,
        ..Nobl9Options::default()
    });
    let w = world(&server).env("STATUSCTL_TIME_SCALE", "0.01");
    let run = n9(&w, "incident-workflow", &[DATABASE, "degradedPerformance", "--pause", "0", "-vv"]);
    run.ok();
    no_secrets(&run);
    let calls: Vec<String> =
        requests(&server).into_iter().map(|r| format!("{} {}", r.auth, r.call)).collect();
    let ex = "Basic demo POST /api/accessToken".to_string();
    let change = format!("Bearer issued POST /components/{DATABASE}/change-status");
    assert_eq!(
        calls,
        [
            ex.clone(),
            "Bearer issued POST /issues".into(),
            ex.clone(),
            change.clone(),
            ex.clone(),
            "Bearer issued GET /incidents?ongoing=true".into(),
            ex.clone(),
            "Bearer issued GET /issues/summary".into(),
            ex.clone(),
            change,
            ex.clone(),
            "Bearer issued GET /incidents?ongoing=true".into(),
            ex,
            format!("Bearer issued GET /components/{DATABASE}/status-changes"),
        ]
    );
    let token = authorizations(&server)[1].strip_prefix("Bearer ").unwrap().to_string();
    let c = claims(&token).unwrap();
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 60);
}

#[test]
fn the_token_endpoints_limit_is_waited_out_with_its_retry_after() {
    let server = sandbox_with(Nobl9Options::default());
    // 0.1: the 3 s wait is 300 ms of real time, ample for the test to move the sandbox clock.
    let w = world(&server).env("STATUSCTL_TIME_SCALE", "0.1");
    n9(&w, "list-components", &[]).ok();
    server.control().clear_requests();
    // The second command within 3 s is refused; it waits Retry-After (the test moves the
    // sandbox clock by the wait meanwhile, as real seconds would) and gets its token.
    let control = server.control();
    let run = w.run_watching(&["nobl9:list-components"], |line| {
        if line.starts_with("waiting ") {
            control.advance_clock(Duration::from_secs(3));
        }
    });
    run.ok();
    let waits = wait_lines(&run.stderr);
    assert_eq!(waits.len(), 1, "{}", run.stderr);
    // 3 s less the time since the first token, rounded up.
    let shown = format!("s ({} answered 429 with Retry-After, retry 2/4)", server.addr());
    let secs = waits[0].strip_prefix("waiting ").and_then(|w| w.strip_suffix(&shown));
    assert!(matches!(secs, Some("1" | "2" | "3")), "{}", waits[0]);
    assert_eq!(requests(&server), [exchange(), exchange(), bearer("GET /components", Value::Null)]);

    // Refused four times (the sandbox clock stands still): the scripts' message, exit 5.
    let w = w.env("STATUSCTL_TIME_SCALE", "0.01");
    server.control().clear_requests();
    let run = n9(&w, "list-components", &[]);
    run.code(5).stdout_is("");
    assert_eq!(wait_lines(&run.stderr).len(), 3, "{}", run.stderr);
    assert_eq!(
        run.stderr.lines().last().unwrap(),
        "error: Token generation failed (HTTP 429): {\"errors\":[{\"title\":\"Too Many Requests\",\"code\":\"rate_limited\",\
         \"detail\":\"Access tokens can be requested at most once every 3 seconds per organization.\"}]}"
    );
    assert_eq!(requests(&server), vec![exchange(); 4]);
}

#[test]
fn an_injected_429_on_the_token_endpoint_is_waited_out() {
    let server = sandbox();
    let w = world(&server).env("STATUSCTL_TIME_SCALE", "0.01");
    server.control().add_fault(Fault::new(
        FaultMatch::any().method("POST").path("/api/accessToken"),
        FaultAction::status(429).with_retry_after("2"),
    ));
    let run = n9(&w, "list-components", &[]);
    run.ok();
    assert_eq!(
        wait_lines(&run.stderr),
        [format!("waiting 2s ({} answered 429 with Retry-After, retry 2/4)", server.addr())]
    );
    assert_eq!(requests(&server), [exchange(), exchange(), bearer("GET /components", Value::Null)]);
}

// ---------------------------------------------------------------------------------------
// The scripts' validation messages, refused credentials
// ---------------------------------------------------------------------------------------

#[test]
fn missing_credentials_or_organization_are_the_scripts_messages_and_nothing_is_sent() {
    let server = sandbox();
    let base = server.base_url();
    // Nothing at all (no variables, no sloctl file).
    fails(&n9(&bare(), "list-components", &[]), 4, NO_CREDENTIALS);
    // A client id without its secret.
    let w =
        bare().env("NOBL9_BASE_URL", &base).env("NOBL9_ORG", DEMO_ORG).env("NOBL9_CLIENT_ID", DEMO_CLIENT_ID);
    fails(&n9(&w, "list-components", &[]), 4, NO_CREDENTIALS);
    fails(&n9(&w, "change-status", &[DATABASE, "majorOutage"]), 4, NO_CREDENTIALS);
    // Credentials without an organization.
    let w = bare()
        .env("NOBL9_BASE_URL", &base)
        .env("NOBL9_CLIENT_ID", DEMO_CLIENT_ID)
        .env("NOBL9_CLIENT_SECRET", DEMO_CLIENT_SECRET);
    fails(&n9(&w, "list-components", &[]), 4, NO_ORG);
    let w = bare().env("NOBL9_BASE_URL", &base).env("NOBL9_API_TOKEN", DEMO_API_TOKEN);
    let run = n9(&w, "test-connection", &["-vv"]);
    no_secrets(&run);
    let errors: Vec<&str> = run.stderr.lines().filter(|l| !l.starts_with("debug: ")).collect();
    assert_eq!(errors, [format!("error: {NO_ORG}")]);
    run.code(4).stdout_is("");
    assert_eq!(sent(&server).len(), 0);
}

#[test]
fn refused_credentials_are_configuration_errors() {
    let server = sandbox();
    let base = server.base_url();
    let creds = |org: &str, secret: &str| {
        bare()
            .env("NOBL9_BASE_URL", &base)
            .env("NOBL9_ORG", org)
            .env("NOBL9_CLIENT_ID", DEMO_CLIENT_ID)
            .env("NOBL9_CLIENT_SECRET", secret)
    };
    // A wrong secret, or the demo client for another organization: one exchange, refused.
    for (org, secret) in [(DEMO_ORG, "wrong-secret-0123456789"), ("other-org", DEMO_CLIENT_SECRET)] {
        server.control().clear_requests();
        let run = n9(&creds(org, secret), "create-issue", &[DATABASE]);
        fails(&run, 4, BAD_CLIENT);
        run.never_shows(secret);
        let sent = sent(&server);
        assert_eq!(sent.len(), 1);
        assert_eq!((sent[0].path.as_str(), sent[0].header("organization")), ("/api/accessToken", Some(org)));
    }
    // A token the API does not accept.
    let w = bare()
        .env("NOBL9_BASE_URL", &base)
        .env("NOBL9_ORG", DEMO_ORG)
        .env("NOBL9_API_TOKEN", "not-a-token-123");
    server.control().clear_requests();
    let run = n9(&w, "list-components", &[]);
    fails(&run, 4, "Authentication failed. Check your NOBL9_API_TOKEN and NOBL9_ORG.");
    run.never_shows("not-a-token-123");
    assert_eq!(authorizations(&server), ["Bearer not-a-token-123"]);
    assert_eq!(history(&server, DATABASE), Vec::<Value>::new());
}

// ---------------------------------------------------------------------------------------
// --dry-run
// ---------------------------------------------------------------------------------------

#[test]
fn a_dry_run_exchanges_the_token_and_reads_but_changes_nothing() {
    let server = sandbox();
    let w = world(&server);
    let base = server.base_url();
    let run =
        n9(&w, "change-status", &["Database", "majorOutage", "--comment", "planned", "--dry-run", "-vv"]);
    run.ok().stdout_is(&format!(
        "dry run: nothing was sent; this is what would be:\n\nPOST {base}/api/dashboards/v1/status-page/components/{DATABASE}/change-status\n\
         Authorization: Bearer ***\nOrganization: {DEMO_ORG}\nContent-Type: application/json\n\n{{\n  \"status\": \"majorOutage\",\n  \
         \"propagateUp\": false,\n  \"comment\": \"planned\"\n}}\n"
    ));
    no_secrets(&run);
    // The exchange (marked safe) and the name lookup went out; the change did not.
    assert_eq!(requests(&server), [exchange(), bearer("GET /components", Value::Null)]);
    assert_eq!(history(&server, DATABASE), Vec::<Value>::new());

    // The external endpoint (Basic, no exchange): nothing at all is sent.
    server.control().clear_requests();
    let run = n9(
        &w,
        "create-external-issue",
        &[
            "Database",
            "--status",
            "majorOutage",
            "--occurred-at",
            "2026-02-05T10:30:00Z",
            "--dry-run",
            "-f",
            "json",
            "-vv",
        ],
    );
    run.ok();
    no_secrets(&run);
    assert_eq!(
        run.json(),
        json!([{
            "method": "POST",
            "url": format!("{base}/api/dashboards/v1/status-page/issues/external"),
            "headers": {"Organization": DEMO_ORG, "Authorization": "Basic ***", "Content-Type": "application/json"},
            "body": {"componentName": "Database", "occurredAt": "2026-02-05T10:30:00Z", "requestedBy": "external-system",
                "statusChange": {"status": "majorOutage", "propagateUp": false}}
        }])
    );
    assert_eq!(sent(&server).len(), 0);
}

#[test]
fn a_token_refused_before_its_expiry_is_renewed_once_and_the_call_repeated() {
    let server = sandbox();
    let w = world(&server);
    let child = w
        .command(&[
            "nobl9:incident-workflow",
            statusctl_sandbox::nobl9::API_COMPONENT_ID,
            "majorOutage",
            "--pause",
            "0.3",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let exchanges = || server.control().requests().iter().filter(|r| r.path == "/api/accessToken").count();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while exchanges() == 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    // The server's clock jumps past the token's life; ours still thinks it is fresh.
    server.control().advance_clock(std::time::Duration::from_secs(7200));
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(exchanges(), 2, "one renewal after the 401");
}

#[test]
fn a_sloctl_timeout_of_zero_means_the_default_and_an_absurd_one_is_a_config_error() {
    let server = sandbox();
    let w = bare();
    let file = sloctl_file(&w, &server);
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replace("timeout = \"5s\"", "timeout = \"0s\"")).unwrap();
    n9(&w, "list-components", &[]).ok();
    std::fs::write(&file, text.replace("timeout = \"5s\"", "timeout = \"99999999999999999999999h\""))
        .unwrap();
    let run = n9(&w, "list-components", &[]);
    run.code(4).stderr_lacks("panicked").stderr_has("invalid timeout");
}
