//! `statusctl serve` operations (issue 9): `GET /metrics` (Prometheus text: notifications by
//! source and answer, applies by action and namespace, the apply duration histogram, in
//! flight; behind the senders' auth when there is one) and reloading the routes file
//! (`POST /-/reload`, SIGHUP; a file with errors keeps the routes in force and says why).

use crate::serve_check::ROUTES;
use crate::serve_receiver::{Answer, Serve, read, sandbox, send, world};

const TOKEN: &str = "tok-ops-1";

fn routes_with_auth(rules: &str) -> String {
    format!("[auth]\nbearer = {{ env = \"SERVE_TOKEN\" }}\n{rules}")
}

fn metric(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.trim().parse().ok())
}

#[test]
fn metrics_count_what_serve_did() {
    let server = sandbox();
    let w = world(&server).env("SERVE_TOKEN", TOKEN);
    let serve = Serve::start(&w, &routes_with_auth(ROUTES), &[]);
    let bearer = format!("Bearer {TOKEN}");
    let auth = ("Authorization", bearer.as_str());
    let ct = ("Content-Type", "application/json");
    let post = |path: &str, body: &str| send(serve.addr, "POST", path, &[ct, auth], body);
    assert_eq!(post("/generic", &read("generic-firing.json")).status, 200);
    assert_eq!(post("/generic", &read("generic-firing.json")).status, 200);
    assert_eq!(post("/generic", "{oops").status, 400);
    assert_eq!(send(serve.addr, "POST", "/generic", &[ct], "{}").status, 401);

    // The senders' credential guards the metrics too.
    let refused = serve.get("/metrics", &[]);
    assert_eq!(refused.status, 401, "{}", refused.body);
    let scraped: Answer = serve.get("/metrics", &[auth]);
    assert_eq!(scraped.status, 200, "{}", scraped.body);
    assert!(scraped.header("content-type").unwrap().starts_with("application/openmetrics-text"));
    let text = &scraped.body;
    for (series, want) in [
        ("statusctl_serve_notifications_total{source=\"generic\",code=\"200\"}", 2.0),
        ("statusctl_serve_notifications_total{source=\"generic\",code=\"400\"}", 1.0),
        ("statusctl_serve_notifications_total{source=\"generic\",code=\"401\"}", 1.0),
        ("statusctl_serve_applies_total{action=\"created\",namespace=\"statuspage\"}", 1.0),
        ("statusctl_serve_applies_total{action=\"unchanged\",namespace=\"statuspage\"}", 1.0),
        ("statusctl_serve_apply_duration_seconds_count{namespace=\"statuspage\"}", 2.0),
        ("statusctl_serve_in_flight", 0.0),
    ] {
        assert_eq!(metric(text, series), Some(want), "{series}\n{text}");
    }
    assert!(
        metric(text, "statusctl_serve_apply_duration_seconds_sum{namespace=\"statuspage\"}").unwrap() > 0.0
    );
    assert!(text.contains("# TYPE statusctl_serve_apply_duration_seconds histogram"), "{text}");
    assert!(text.trim_end().ends_with("# EOF"));
}

#[test]
fn reload_keeps_the_old_routes_when_the_new_file_is_bad() {
    let server = sandbox();
    let w = world(&server).env("SERVE_TOKEN", TOKEN);
    let serve = Serve::start(&w, ROUTES, &[]);
    let rules = |serve: &Serve| serve.get("/readyz", &[]).json()["rules"].as_u64().unwrap();
    let reload = |serve: &Serve| send(serve.addr, "POST", "/-/reload", &[], "");
    assert_eq!(rules(&serve), 1);

    // A second rule: POST /-/reload takes it.
    let two = format!(
        "{ROUTES}\n[[rule]]\nname = \"db\"\nmatch = {{ service = \"db\" }}\nnamespace = \"statuspage\"\ncomponents = [\"Database\"]\n"
    );
    w.write("routes.toml", &two);
    let answer = reload(&serve);
    assert_eq!((answer.status, &answer.json()["rules"]), (200, &serde_json::json!(2)), "{}", answer.body);
    assert_eq!(rules(&serve), 2);

    // A broken file: 400 with line:col, the two rules stay and still apply.
    w.write("routes.toml", &format!("{two}match_re = {{ service = \"(\" }}\n"));
    let refused = reload(&serve);
    assert_eq!(refused.status, 400, "{}", refused.body);
    let error = refused.json()["error"].as_str().unwrap().to_string();
    assert!(error.contains("routes.toml:14:") && error.contains("not a valid regex"), "{error}");
    assert_eq!(rules(&serve), 2);
    let fired = serve.post("/generic", &read("generic-firing.json"));
    assert_eq!((fired.status, fired.json()["results"][0]["action"].as_str()), (200, Some("created")));

    // A rule whose namespace has no plugin is refused as at start.
    w.write("routes.toml", "[[rule]]\nname = \"x\"\nnamespace = \"nowhere\"\n");
    let refused = reload(&serve);
    assert!(refused.body.contains("routes.toml:2:8: rule `x`: no plugin serves"), "{}", refused.body);

    // SIGHUP: the same, logged.
    w.write("routes.toml", ROUTES);
    serve.signal("HUP");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while rules(&serve) != 1 {
        assert!(std::time::Instant::now() < deadline, "SIGHUP did not reload");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    w.write("routes.toml", "[[rule]]\nname = \"a\"\n");
    serve.signal("HUP");
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(rules(&serve), 1);
    // A web page cannot make serve reload (DNS rebinding): a foreign Host is refused.
    let foreign = send(serve.addr, "POST", "/-/reload", &[("Host", "evil.example")], "");
    assert_eq!(foreign.status, 403);

    // Auth added by a reload is in force at once.
    w.write("routes.toml", &routes_with_auth(ROUTES));
    assert_eq!(reload(&serve).status, 200);
    assert_eq!(serve.post("/generic", &read("generic-firing.json")).status, 401);
    let metrics = serve.get("/metrics", &[("Authorization", &format!("Bearer {TOKEN}"))]).body;
    assert_eq!(metric(&metrics, "statusctl_serve_reloads_total{result=\"ok\"}"), Some(3.0), "{metrics}");
    assert_eq!(metric(&metrics, "statusctl_serve_reloads_total{result=\"error\"}"), Some(3.0), "{metrics}");

    let (code, stderr) = serve.stop_with_stderr();
    assert_eq!(code, 0);
    assert!(stderr.contains("reload (SIGHUP) refused, the routes in force stay"), "{stderr}");
    assert!(stderr.contains("routes.toml:1:1"), "{stderr}");
}
