//! `statusctl serve check` (issue 9): a routes file is checked offline — line:col errors and
//! exit 4, a rule whose namespace's plugin lacks `apply_incident/1` refused — and a payload
//! shows the calls it would make.

use serde_json::json;

use crate::harness::*;

pub fn fixture(name: &str) -> std::path::PathBuf {
    repo_root().join("serve/tests/fixtures").join(name)
}

pub const ROUTES: &str = r#"
[[rule]]
name = "api"
namespace = "statuspage"
components = ["API"]
status = { critical = "major_outage", error = "partial_outage", warning = "degraded_performance" }
title = "{{ group.commonAnnotations.summary }}"
"#;

fn check(w: &World, routes: &str, extra: &[&str]) -> Run {
    let path = w.write("routes.toml", routes);
    let path = path.display().to_string();
    let mut args = vec!["serve", "check", "--routes", path.as_str()];
    args.extend_from_slice(extra);
    w.run(&args)
}

#[test]
fn a_payload_shows_its_calls() {
    let w = World::with(&["statuspage"]);
    let payload = fixture("alertmanager-firing.json").display().to_string();
    let run = check(&w, ROUTES, &["--payload", &payload]);
    run.ok()
        .stdout_has("1 rule(s), ok")
        .stdout_has("alertmanager notification, group {}:{alertname=\"ApiDown\"} (firing): 1 call(s)")
        .stdout_has("statuspage:apply-incident --key 'api:{}:{alertname=\"ApiDown\"}' --state firing --set API=major_outage --title 'API is down'");
    let json = check(&w, ROUTES, &["--payload", &payload, "-f", "json"]).ok().json();
    let call = &json["calls"][0];
    assert_eq!(call["command"], "statuspage:apply_incident");
    assert_eq!(call["args"]["set"], json!(["API=major_outage"]));
    assert_eq!(call["args"]["started_at"], "2026-11-30T10:00:00Z");
    // Datadog and generic payloads are recognised too.
    for (file, key) in
        [("datadog-firing.json", "api:1234:7081502735476254101"), ("generic-resolved.json", "api:deploy-42")]
    {
        let payload = fixture(file).display().to_string();
        let json = check(&w, ROUTES, &["--payload", &payload, "-f", "json"]).ok().json();
        assert_eq!(json["calls"][0]["args"]["key"], key, "{json}");
    }
    // An unknown severity: no call, and why.
    let run = check(&w, &ROUTES.replace("critical", "page"), &["--payload", &payload]);
    run.ok().stdout_has("0 call(s)").stdout_has("unknown severity critical: no change");
}

#[test]
fn errors_are_exit_4_with_line_and_column() {
    let w = World::with(&["statuspage"]);
    let bad = "[[rule]]\nname = \"a\"\nnamespace = \"statuspage\"\nmatch_re = { service = \"(\" }\nstatus = { critical = \"down\" }\n";
    let run = check(&w, bad, &[]);
    run.code(4)
        .stderr_has("routes.toml:4:24: not a valid regex")
        .stderr_has("routes.toml:5:23: unknown status `down`");
    check(&w, "[[rule]]\nname = \"a\"\n", &[]).code(4).stderr_has("routes.toml:1:1").stderr_has("namespace");
    check(&w, "[auth]\nbearer = \"in-clear\"\n[[rule]]\nname = \"a\"\nnamespace = \"statuspage\"\n", &[])
        .code(4)
        .stderr_has("never written in the routes file")
        .never_shows("in-clear");
}

#[test]
fn a_namespace_without_apply_incident_is_refused() {
    let w = World::with(&["statuspage", "testkit"]);
    let routes = format!("{ROUTES}\n[[rule]]\nname = \"t\"\nnamespace = \"testkit\"\n");
    check(&w, &routes, &[])
        .code(4)
        .stderr_has("rule `t`: plugin `testkit` lacks the apply_incident/1 capability");
    check(&w, "[[rule]]\nname = \"x\"\nnamespace = \"nowhere\"\n", &[])
        .code(4)
        .stderr_has("routes.toml:2:8: rule `x`: no plugin serves the namespace `nowhere`");
}
