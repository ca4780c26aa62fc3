//! `statusctl serve check --online` (issue 9): component names are checked against the
//! provider with its read-only `list_components`; unknown names are exit 4, each with the
//! rule's line:col; nothing is written.

use crate::serve_check::{ROUTES, fixture};
use crate::serve_receiver::{sandbox, world};

#[test]
fn online_check_reports_unknown_components() {
    let server = sandbox();
    let w = world(&server);
    let payload = fixture("alertmanager-firing.json").display().to_string();
    let good = w.write("good.toml", ROUTES).display().to_string();
    w.run(&["serve", "check", "--routes", &good, "--payload", &payload, "--online"])
        .ok()
        .stdout_has("1 call(s)")
        .stdout_has("online: statuspage: ");
    let json = w.run(&["serve", "check", "--routes", &good, "--online", "-f", "json"]).ok().json();
    assert!(json["online"][0]["components"].as_u64().unwrap() > 0, "{json}");

    let bad = w.write("bad.toml", &ROUTES.replace("[\"API\"]", "[\"API\", \"Flux Capacitor\"]"));
    w.run(&["serve", "check", "--routes", &bad.display().to_string(), "--online"])
        .code(4)
        .stderr_has("bad.toml:3:8: rule `api`: component `Flux Capacitor` is not on statuspage");
    // Offline, the same file is fine: names are only known to the provider.
    w.run(&["serve", "check", "--routes", &bad.display().to_string()]).ok();
    assert_eq!(server.control().counters().writes(), 0);
}
