//! `statusctl serve` end to end (issue 9), more paths against the sandbox: Datadog (firing,
//! then Recovered), the generic JSON (fire, resolve), Grafana with `PUT`; an unknown severity
//! changes nothing; Nobl9 as the target; two serve processes fed the same payload at once
//! make one incident, notified once. A rule's `extra_args = { race_settle_ms = … }` passes
//! the statuspage plugin's settle delay through, to keep the file fast.

use serde_json::{Value, json};
use statusctl_sandbox::BackgroundSandbox;

use crate::nobl9_commands::{API_US, own_status};
use crate::serve_receiver::{Answer, Serve, owned, read, sandbox, send, world};

/// The receiver tests' rule with a short settle delay.
const FAST: &str = r#"
# Grafana's alerts here carry no severity: their folder says how bad it is.
[[rule]]
name = "grafana"
match = { grafana_folder = "prod" }
namespace = "statuspage"
components = ["API"]
severity_label = "grafana_folder"
status = { prod = "major_outage" }
extra_args = { race_settle_ms = 150 }

[[rule]]
name = "api"
namespace = "statuspage"
components = ["API"]
status = { critical = "major_outage", error = "partial_outage", warning = "degraded_performance" }
title = "{{ group.commonAnnotations.summary }}"
extra_args = { race_settle_ms = 150 }
"#;

#[track_caller]
fn action(answer: &Answer) -> String {
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.json()["results"][0]["action"].as_str().unwrap_or_else(|| panic!("{}", answer.body)).to_string()
}

fn incident(server: &BackgroundSandbox, key: &str) -> Value {
    let found: Vec<Value> = owned(server)
        .into_iter()
        .filter(|i| i.pointer("/metadata/statusctl/key") == Some(&json!(key)))
        .collect();
    assert_eq!(found.len(), 1, "{key}: {found:?}");
    found.into_iter().next().unwrap()
}

fn component_status(incident: &Value, name: &str) -> Option<String> {
    incident["components"]
        .as_array()?
        .iter()
        .find(|c| c["name"] == name)
        .and_then(|c| c["status"].as_str())
        .map(str::to_string)
}

#[test]
fn datadog_generic_grafana_and_an_unknown_severity() {
    let server = sandbox();
    let w = world(&server);
    let serve = Serve::start(&w, FAST, &[]);
    let put =
        |path: &str, body: &str| send(serve.addr, "PUT", path, &[("Content-Type", "application/json")], body);

    // Datadog: Triggered (alert_type error) → partial outage; Recovered → resolved.
    assert_eq!(action(&serve.post("/datadog", &read("datadog-firing.json"))), "created");
    let key = "api:1234:7081502735476254101";
    let fired = incident(&server, key);
    assert_eq!(fired["status"], "investigating");
    assert_eq!(component_status(&fired, "API").as_deref(), Some("partial_outage"));
    assert_eq!(action(&serve.post("/datadog", &read("datadog-firing.json"))), "unchanged");
    assert_eq!(action(&serve.post("/datadog", &read("datadog-resolved.json"))), "resolved");
    assert_eq!(incident(&server, key)["status"], "resolved");

    // The generic format: fire, resolve.
    assert_eq!(action(&serve.post("/generic", &read("generic-firing.json"))), "created");
    let generic = incident(&server, "api:deploy-42");
    assert_eq!(generic["name"], "Deploys failing");
    assert_eq!(action(&serve.post("/generic", &read("generic-resolved.json"))), "resolved");
    assert_eq!(incident(&server, "api:deploy-42")["status"], "resolved");

    // Grafana sends with PUT when its contact point says so.
    assert_eq!(action(&put("/alertmanager", &read("grafana-firing.json"))), "created");
    let grafana_key = "grafana:{}:{alertname=\"ApiDown\"}";
    assert_eq!(incident(&server, grafana_key)["name"], "API is down");
    assert_eq!(action(&put("/grafana", &read("grafana-resolved.json"))), "resolved");
    assert_eq!(incident(&server, grafana_key)["status"], "resolved");

    // An unknown severity changes nothing: not a new incident, nor an open one.
    let unknown = |key: &str| {
        json!({"key": key, "state": "firing", "title": "Odd", "severity": "info", "components": ["API"]})
            .to_string()
    };
    let writes = server.control().counters().writes();
    let answer = serve.post("/generic", &unknown("odd-1"));
    assert_eq!((answer.status, &answer.json()["results"]), (200, &json!([])), "{}", answer.body);
    assert_eq!(server.control().counters().writes(), writes);
    assert!(owned(&server).iter().all(|i| i.pointer("/metadata/statusctl/key") != Some(&json!("api:odd-1"))));
    let open = json!({"key": "odd-2", "state": "firing", "title": "Odd", "severity": "critical", "components": ["API"]});
    assert_eq!(action(&serve.post("/generic", &open.to_string())), "created");
    let writes = server.control().counters().writes();
    let answer = serve.post("/generic", &unknown("odd-2"));
    assert_eq!((answer.status, &answer.json()["results"]), (200, &json!([])), "{}", answer.body);
    assert_eq!(server.control().counters().writes(), writes);
    let still = incident(&server, "api:odd-2");
    assert_eq!(
        (still["status"].as_str(), component_status(&still, "API").as_deref()),
        (Some("investigating"), Some("major_outage"))
    );
    let decisions = serve.decisions();
    let last = &decisions.last().unwrap()["decisions"][0];
    assert_eq!(
        (&last["action"], &last["reason"]),
        (&json!("skipped"), &json!("unknown severity info: no change"))
    );
    // The settle delay comes from the rule: the calls carry it.
    let routes = w.path("routes.toml").display().to_string();
    let payload = crate::serve_check::fixture("generic-firing.json").display().to_string();
    let check =
        w.run(&["serve", "check", "--routes", &routes, "--payload", &payload, "-f", "json"]).ok().json();
    assert_eq!(check["calls"][0]["args"]["race_settle_ms"], 150, "{check}");
}

#[test]
fn nobl9_as_a_target() {
    let server = crate::nobl9_commands::sandbox();
    let w = crate::nobl9_commands::world(&server);
    let routes = r#"
[[rule]]
name = "n9"
namespace = "nobl9"
components = ["API US"]
status = { critical = "major_outage", warning = "degraded_performance" }
"#;
    let serve = Serve::start(&w, routes, &[]);
    let fired = serve.post("/generic", &read("generic-firing.json"));
    assert_eq!(action(&fired), "created");
    assert_eq!(fired.json()["results"][0]["namespace"], "nobl9");
    assert_eq!(own_status(&server, API_US), "majorOutage");
    assert_eq!(action(&serve.post("/generic", &read("generic-firing.json"))), "unchanged");
    assert_eq!(action(&serve.post("/generic", &read("generic-resolved.json"))), "resolved");
    assert_eq!(own_status(&server, API_US), "operational");
}

#[test]
fn two_serve_processes_make_one_incident_notified_once() {
    let server = sandbox();
    let w = world(&server);
    let routes = FAST.replace("= 150", "= 200");
    let a = Serve::start_named(&w, "-a", &routes, &[]);
    let b = Serve::start_named(&w, "-b", &routes, &[]);
    let body = read("generic-firing.json");
    // All ten sends leave at once.
    let start = std::sync::Arc::new(std::sync::Barrier::new(10));
    let rounds: Vec<_> = [a.addr, b.addr]
        .into_iter()
        .map(|addr| {
            let body = body.clone();
            let start = start.clone();
            std::thread::spawn(move || {
                let rounds: Vec<_> = (0..5)
                    .map(|_| {
                        let body = body.clone();
                        let start = start.clone();
                        std::thread::spawn(move || {
                            start.wait();
                            send(addr, "POST", "/generic", &[("Content-Type", "application/json")], &body)
                        })
                    })
                    .collect();
                rounds.into_iter().map(|t| t.join().unwrap()).collect::<Vec<_>>()
            })
        })
        .collect();
    let answers: Vec<Answer> = rounds.into_iter().flat_map(|t| t.join().unwrap()).collect();
    for answer in &answers {
        assert_eq!(answer.status, 200, "{}", answer.body);
    }
    let open: Vec<Value> = owned(&server).into_iter().filter(|i| i["status"] != "resolved").collect();
    assert_eq!(open.len(), 1, "{open:?}");
    let id = open[0]["id"].as_str().unwrap();
    let counters = server.control().counters();
    assert_eq!(counters.notifications(id), 1, "{counters:?}");
    assert_eq!(counters.notifications_total(), 1, "{counters:?}");
    // Both processes answer the same afterwards: nothing to do.
    assert_eq!(action(&a.post("/generic", &body)), "unchanged");
    assert_eq!(action(&b.post("/generic", &body)), "unchanged");
}
