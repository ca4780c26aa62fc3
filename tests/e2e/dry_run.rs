//! `--dry-run`: changes are shown, secrets masked, and never sent; reads still go out.

use serde_json::json;
use statusctl_sandbox::BackgroundSandbox;

use crate::harness::*;

const TOKEN: &str = "tok-DRYRUN-987654";
const BODY: &str = r#"{"title":"Database down","password":"hunter2-pass","nested":{"password":"x"},"n":1}"#;

fn world() -> World {
    World::with(&["testkit"]).env("STATUSCTL_TIME_SCALE", "0.01")
}

fn url(server: &BackgroundSandbox) -> String {
    format!("{}/echo/x", server.base_url())
}

#[test]
fn a_post_is_shown_with_secrets_masked_and_not_sent() {
    let server = echo_server();
    let w = world();
    let u = url(&server);
    let run = w.run(&[
        "testkit:http",
        "--dry-run",
        "--method",
        "POST",
        "--url",
        &u,
        "--token",
        TOKEN,
        "--body",
        BODY,
    ]);
    run.ok().stderr_lines(0).never_shows(TOKEN).never_shows("hunter2-pass");
    run.stdout_is(&format!(
        r#"dry run: nothing was sent; this is what would be:

POST {u}
Authorization: Bearer ***
Content-Type: application/json

{{
  "title": "Database down",
  "password": "***",
  "nested": {{
    "password": "***"
  }},
  "n": 1
}}
"#
    ));
    assert!(server.control().requests().is_empty(), "{:?}", server.control().requests());

    // -v shows no attempt either: nothing was tried.
    let run = w.run(&["-v", "--dry-run", "testkit:http", "--method", "POST", "--url", &u, "--token", TOKEN]);
    run.ok().stderr_lacks("debug: POST").never_shows(TOKEN);
    // No body: no blank line, no body.
    assert!(run.stdout.ends_with(&format!("\n\nPOST {u}\nAuthorization: Bearer ***\n")), "{}", run.stdout);
    assert!(server.control().requests().is_empty());
}

#[test]
fn the_plan_as_json() {
    let server = echo_server();
    let w = world();
    let u = url(&server);
    let run = w.run(&[
        "-f",
        "json",
        "--dry-run",
        "testkit:http",
        "--method",
        "PATCH",
        "--url",
        &u,
        "--token",
        TOKEN,
        "--body",
        BODY,
    ]);
    run.ok().never_shows(TOKEN).never_shows("hunter2-pass");
    assert_eq!(
        run.json(),
        json!([{
            "method": "PATCH",
            "url": u,
            "headers": {"Authorization": "Bearer ***", "Content-Type": "application/json"},
            "body": {"title": "Database down", "password": "***", "nested": {"password": "***"}, "n": 1}
        }])
    );
    // Key order as documented: method, url, headers, body.
    assert!(run.stdout.starts_with("[\n  {\n    \"method\": \"PATCH\",\n    \"url\": "), "{}", run.stdout);
    assert!(server.control().requests().is_empty());
}

#[test]
fn reads_are_sent_under_dry_run() {
    let server = echo_server();
    let w = world();
    let run = w.run(&["--dry-run", "testkit:http", "--url", &url(&server)]);
    run.ok().stdout_has("HTTP 200 after 1 attempt(s)\n").stdout_lacks("dry run");
    let reqs = server.control().requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].method, "GET");
}

#[test]
fn a_post_marked_safe_is_sent_under_dry_run() {
    let server = echo_server();
    let w = world();
    let run = w.run(&[
        "--dry-run",
        "testkit:http",
        "--method",
        "POST",
        "--url",
        &url(&server),
        "--safe",
        "--body",
        "{}",
    ]);
    run.ok().stdout_has("HTTP 200 after 1 attempt(s)\n").stdout_lacks("dry run");
    let reqs = server.control().requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!((reqs[0].method.as_str(), reqs[0].body.as_str()), ("POST", "{}"));
}

#[test]
fn secret_query_parameters_are_masked_in_the_plan() {
    let server = echo_server();
    let w = world();
    let u = format!("{}?api_key=qk-SECRET-4455&page=2", url(&server));
    let run =
        w.run(&["--dry-run", "testkit:http", "--method", "DELETE", "--url", &u, "--secret-query", "api_key"]);
    run.ok().never_shows("qk-SECRET-4455");
    run.stdout_is(&format!(
        "dry run: nothing was sent; this is what would be:\n\nDELETE {}?api_key=***&page=2\n",
        url(&server)
    ));
    assert!(server.control().requests().is_empty());
    // Without the declaration the query is shown as it is.
    let run = w.run(&["--dry-run", "testkit:http", "--method", "DELETE", "--url", &u]);
    run.ok().stdout_has(&format!("DELETE {u}\n"));
}
