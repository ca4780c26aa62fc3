//! Nobl9 emulator: the component tree (`GET …/components`), the status tree
//! (`GET …/status`), status changes (`POST …/change-status`) with
//! propagation, parent statuses, and history (`GET …/status-changes`).

use serde_json::{Value, json};
use statusctl_sandbox::nobl9::{
    API_COMPONENT_ID, API_EU_COMPONENT_ID, API_US_COMPONENT_ID, CACHE_COMPONENT_IDS, DATABASE_COMPONENT_ID,
    DEMO_USER, FRONTEND_COMPONENT_ID, Nobl9Options, PLATFORM_COMPONENT_ID, WEB_COMPONENT_ID,
};

use crate::nobl9_support::{Nobl9, date_of, error_body, is_utc_time, options};

fn leaf(id: &str, name: &str, description: &str) -> Value {
    json!({"id": id, "name": name, "description": description, "status": "operational", "noSignal": false, "children": []})
}

fn with_slo(mut node: Value, region: &str) -> Value {
    node["slos"] = json!([{
        "project": "default",
        "name": format!("api-{region}-availability"),
        "displayName": format!("API {} availability", region.to_uppercase()),
    }]);
    node
}

fn parent(id: &str, name: &str, description: &str, children: Vec<Value>) -> Value {
    let mut node = leaf(id, name, description);
    node["children"] = Value::Array(children);
    node
}

fn seeded_tree() -> Value {
    json!({"components": [
        parent(PLATFORM_COMPONENT_ID, "Platform", "Core platform services", vec![
            parent(API_COMPONENT_ID, "API", "Public REST API", vec![
                with_slo(leaf(API_EU_COMPONENT_ID, "API EU", "API in eu-west-1"), "eu"),
                with_slo(leaf(API_US_COMPONENT_ID, "API US", "API in us-east-1"), "us"),
            ]),
            leaf(DATABASE_COMPONENT_ID, "Database", "Primary PostgreSQL cluster"),
            leaf(CACHE_COMPONENT_IDS[0], "Cache", "Redis cache of the platform"),
        ]),
        parent(WEB_COMPONENT_ID, "Web", "Public web properties", vec![
            leaf(FRONTEND_COMPONENT_ID, "Frontend", "Dashboard web app"),
            leaf(CACHE_COMPONENT_IDS[1], "Cache", "CDN edge cache"),
        ]),
    ]})
}

/// Component id → displayed status, over the whole tree.
fn statuses(tree: &Value) -> Vec<(String, String)> {
    fn visit(node: &Value, out: &mut Vec<(String, String)>) {
        out.push((
            node["name"].as_str().expect("name").to_owned(),
            node["status"].as_str().expect("status").to_owned(),
        ));
        for child in node["children"].as_array().expect("children") {
            visit(child, out);
        }
    }
    let mut out = Vec::new();
    for root in tree["components"].as_array().expect("roots") {
        visit(root, &mut out);
    }
    out
}

fn expect_statuses(tree: &Value, expected: [&str; 9]) {
    let names = ["Platform", "API", "API EU", "API US", "Database", "Cache", "Web", "Frontend", "Cache"];
    let actual = statuses(tree);
    let expected: Vec<(String, String)> =
        names.iter().zip(expected).map(|(name, status)| ((*name).to_owned(), status.to_owned())).collect();
    assert_eq!(actual, expected);
}

fn node<'a>(tree: &'a Value, path: &[usize]) -> &'a Value {
    let mut current = &tree["components"][path[0]];
    for &index in &path[1..] {
        current = &current["children"][index];
    }
    current
}

#[tokio::test]
async fn the_component_tree_is_seeded_with_uuid_ids_and_a_duplicate_name() {
    let api = Nobl9::start().await;
    let answer = api.get("/components").await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.content_type.as_deref(), Some("application/json"));
    assert_eq!(answer.body, seeded_tree());
}

#[tokio::test]
async fn the_status_tree_shows_impacting_disruptions_and_a_week_of_history() {
    let api = Nobl9::start().await;
    let seeded = api.get("/status").await.body;
    let eu = node(&seeded, &[0, 0, 0]);
    assert_eq!(eu["id"], API_EU_COMPONENT_ID);
    assert!(eu.get("impactingDisruption").is_none());
    let days = eu["disruptionHistory"]["days"].as_array().expect("days");
    assert_eq!(days.len(), 7);
    assert_eq!(
        days[0],
        json!({"date": days[0]["date"], "disruptions": 0, "degradedPerformanceCount": 0, "majorOutageCount": 0})
    );
    let dates: Vec<jiff::civil::Date> =
        days.iter().map(|day| day["date"].as_str().expect("date").parse().expect("a date")).collect();
    for pair in dates.windows(2) {
        assert_eq!(pair[0].tomorrow().expect("in range"), pair[1]);
    }
    assert_eq!(
        eu["disruptionHistory"]["summary"],
        json!({"total": 0, "avgPerDay": 0.0, "daysWithDisruptions": 0})
    );

    let changed = api.change_status(API_EU_COMPONENT_ID, "majorOutage", false, "EU down").await;
    api.create_issue(API_EU_COMPONENT_ID, &api.clock_plus(0)).await;
    api.advance(120);
    let status = api.get("/status").await.body;
    let eu = node(&status, &[0, 0, 0]);
    assert_eq!(eu["status"], "majorOutage");
    assert_eq!(
        eu["impactingDisruption"],
        json!({"startedAt": changed["changedAt"], "severity": "majorOutage", "issueCount": 1, "duration": 120})
    );
    let day = eu["disruptionHistory"]["days"]
        .as_array()
        .expect("days")
        .iter()
        .find(|day| day["date"] == date_of(&changed["changedAt"]).as_str())
        .expect("the day of the change is in the week");
    assert_eq!(day["disruptions"], 1);
    assert_eq!(day["majorOutageCount"], 1);
    assert_eq!(day["degradedPerformanceCount"], 0);
    assert_eq!(
        eu["disruptionHistory"]["summary"],
        json!({"total": 1, "avgPerDay": 0.14, "daysWithDisruptions": 1})
    );
    assert_eq!(eu["slos"][0]["name"], "api-eu-availability");
    // The parents show the status but have no disruption of their own.
    let api_node = node(&status, &[0, 0]);
    assert_eq!((&api_node["status"], api_node.get("impactingDisruption")), (&json!("majorOutage"), None));
    assert_eq!(api_node["disruptionHistory"]["summary"]["total"], 0);
    assert_eq!(node(&status, &[1])["status"], "operational");
}

#[tokio::test]
async fn propagate_up_sets_every_ancestor_and_records_the_origin() {
    let api = Nobl9::start().await;
    let change = api.change_status(API_EU_COMPONENT_ID, "degradedPerformance", true, "EU is slow").await;
    assert!(uuid_like(&change["id"]), "{change}");
    assert!(is_utc_time(&change["changedAt"]));
    let propagated = |index: usize, id: &str, name: &str| {
        json!({
            "id": change["propagated"][index]["id"],
            "componentId": id,
            "componentName": name,
            "previousStatus": "operational",
            "newStatus": "degradedPerformance",
            "changedBy": DEMO_USER,
            "changedAt": change["changedAt"],
            "comment": "EU is slow",
            "propagatedFrom": API_EU_COMPONENT_ID,
            "incidentId": change["propagated"][index]["incidentId"],
        })
    };
    assert_eq!(
        change,
        json!({
            "id": change["id"],
            "componentId": API_EU_COMPONENT_ID,
            "componentName": "API EU",
            "previousStatus": "operational",
            "newStatus": "degradedPerformance",
            "changedBy": DEMO_USER,
            "changedAt": change["changedAt"],
            "comment": "EU is slow",
            "incidentId": change["incidentId"],
            "propagated": [
                propagated(0, API_COMPONENT_ID, "API"),
                propagated(1, PLATFORM_COMPONENT_ID, "Platform"),
            ],
        })
    );
    for item in change["propagated"].as_array().expect("propagated") {
        assert!(uuid_like(&item["id"]) && uuid_like(&item["incidentId"]), "{item}");
    }
    expect_statuses(
        &api.get("/components").await.body,
        [
            "degradedPerformance",
            "degradedPerformance",
            "degradedPerformance",
            "operational",
            "operational",
            "operational",
            "operational",
            "operational",
            "operational",
        ],
    );
    let history = api.get(&format!("/components/{API_COMPONENT_ID}/status-changes")).await.body;
    assert_eq!(history["history"][0]["propagatedFrom"], API_EU_COMPONENT_ID);

    // Propagation sets the status as is, also on parents that were worse.
    api.change_status(PLATFORM_COMPONENT_ID, "majorOutage", false, "all down").await;
    let back = api.change_status(API_EU_COMPONENT_ID, "operational", true, "EU fine").await;
    let previous: Vec<&Value> =
        back["propagated"].as_array().expect("list").iter().map(|change| &change["previousStatus"]).collect();
    assert_eq!(previous, [&json!("degradedPerformance"), &json!("majorOutage")]);
    expect_statuses(&api.get("/components").await.body, ["operational"; 9]);

    // A root has nothing to propagate to.
    let root = api.change_status(WEB_COMPONENT_ID, "degradedPerformance", true, "web").await;
    assert_eq!(root["propagated"], json!([]));
    let unpropagated = api.change_status(FRONTEND_COMPONENT_ID, "degradedPerformance", false, "fe").await;
    assert!(unpropagated.get("propagated").is_none());
}

fn uuid_like(value: &Value) -> bool {
    value.as_str().is_some_and(|text| {
        text.len() == 36
            && text
                .bytes()
                .enumerate()
                .all(|(i, b)| if [8, 13, 18, 23].contains(&i) { b == b'-' } else { b.is_ascii_hexdigit() })
    })
}

#[tokio::test]
async fn a_parent_shows_the_most_critical_status_of_its_subtree() {
    let api = Nobl9::start().await;
    api.change_status(API_US_COMPONENT_ID, "majorOutage", false, "US down").await;
    api.change_status(API_EU_COMPONENT_ID, "degradedPerformance", false, "EU slow").await;
    expect_statuses(
        &api.get("/components").await.body,
        [
            "majorOutage",
            "majorOutage",
            "degradedPerformance",
            "majorOutage",
            "operational",
            "operational",
            "operational",
            "operational",
            "operational",
        ],
    );
    // The parents' own status did not change: they have no history.
    let history = api.get(&format!("/components/{API_COMPONENT_ID}/status-changes")).await.body;
    assert_eq!(history, json!({"componentId": API_COMPONENT_ID, "history": []}));

    api.change_status(API_US_COMPONENT_ID, "operational", false, "US back").await;
    let tree = api.get("/status").await.body;
    assert_eq!(node(&tree, &[0])["status"], "degradedPerformance");
    assert_eq!(node(&tree, &[0, 0])["status"], "degradedPerformance");

    // A parent's own status counts too.
    api.change_status(WEB_COMPONENT_ID, "majorOutage", false, "web down").await;
    api.change_status(FRONTEND_COMPONENT_ID, "degradedPerformance", false, "fe slow").await;
    let tree = api.get("/components").await.body;
    assert_eq!(node(&tree, &[1])["status"], "majorOutage");
    assert_eq!(node(&tree, &[1, 0])["status"], "degradedPerformance");
}

#[tokio::test]
async fn change_status_validates_its_body_and_the_component() {
    let api = Nobl9::start().await;
    let path = format!("/components/{API_EU_COMPONENT_ID}/change-status");
    let invalid_status = api.post(&path, json!({"status": "partialOutage", "propagateUp": false})).await;
    assert_eq!(invalid_status.status, 400);
    assert_eq!(
        invalid_status.body,
        json!({"errors": [{
            "title": "Invalid status: partialOutage",
            "code": "validation_error",
            "detail": "status must be one of: operational, degradedPerformance, majorOutage",
            "source": {"propertyName": "status", "propertyValue": "partialOutage"},
        }]})
    );
    assert!(invalid_status.trace_id.is_some());
    let cases = [
        (
            json!({"status": "majorOutage"}),
            json!({"title": "propagateUp is required", "code": "validation_error", "source": {"propertyName": "propagateUp"}}),
        ),
        (
            json!({"propagateUp": true}),
            json!({"title": "status is required", "code": "validation_error", "source": {"propertyName": "status"}}),
        ),
        (
            json!({"status": "majorOutage", "propagateUp": "yes"}),
            json!({"title": "propagateUp must be true or false", "code": "validation_error", "source": {"propertyName": "propagateUp", "propertyValue": "yes"}}),
        ),
        (
            json!({"status": "majorOutage", "propagateUp": false, "comment": 5}),
            json!({"title": "comment must be a string", "code": "validation_error", "source": {"propertyName": "comment", "propertyValue": "5"}}),
        ),
        (
            json!({"status": "underMaintenance", "propagateUp": false}),
            json!({
                "title": "Invalid status: underMaintenance",
                "code": "validation_error",
                "detail": "status must be one of: operational, degradedPerformance, majorOutage",
                "source": {"propertyName": "status", "propertyValue": "underMaintenance"},
            }),
        ),
    ];
    for (body, error) in cases {
        let refused = api.post(&path, body.clone()).await;
        assert_eq!((refused.status, &refused.body), (400, &json!({"errors": [error]})), "{body}");
    }
    let not_json = crate::nobl9_support::answer(
        api.request("POST", &path).header("Content-Type", "application/json").body("{status: major"),
    )
    .await;
    assert_eq!(not_json.status, 400);
    assert_eq!(not_json.body["errors"][0]["title"], "Invalid request body");
    assert_eq!(not_json.body["errors"][0]["code"], "invalid_request");

    let unknown = api
        .post("/components/no-such-id/change-status", json!({"status": "majorOutage", "propagateUp": false}))
        .await;
    assert_eq!(
        (unknown.status, &unknown.body),
        (404, &error_body("Not Found", "not_found", "Component no-such-id not found."))
    );

    // Nothing changed.
    assert_eq!(
        api.get(&format!("/components/{API_EU_COMPONENT_ID}/status-changes")).await.body["history"],
        json!([])
    );
    assert_eq!(api.incidents("").await, json!({"days": []}));
}

#[tokio::test]
async fn without_the_admin_role_change_status_is_forbidden() {
    let api = Nobl9::with(Nobl9Options { admin: false, ..options() }).await;
    let forbidden = api
        .post(
            &format!("/components/{API_EU_COMPONENT_ID}/change-status"),
            json!({"status": "majorOutage", "propagateUp": false}),
        )
        .await;
    assert_eq!(
        (forbidden.status, &forbidden.body),
        (
            403,
            &error_body(
                "Forbidden",
                "forbidden",
                "Changing a component's status requires the organization admin role."
            )
        )
    );
    // The role is checked before the id and the body.
    assert_eq!(api.post("/components/nope/change-status", json!({})).await.status, 403);
    // Reading and flagging issues stay allowed.
    api.create_issue(API_EU_COMPONENT_ID, &api.clock_plus(0)).await;
    expect_statuses(&api.get("/components").await.body, ["operational"; 9]);
}

#[tokio::test]
async fn the_status_history_is_newest_first() {
    let api = Nobl9::start().await;
    let first = api.change_status(API_EU_COMPONENT_ID, "degradedPerformance", false, "slow").await;
    api.advance(60);
    let second = api.change_status(API_EU_COMPONENT_ID, "majorOutage", false, "down").await;
    api.advance(60);
    let third = api
        .post(
            &format!("/components/{API_EU_COMPONENT_ID}/change-status"),
            json!({"status": "operational", "propagateUp": false}),
        )
        .await
        .body;
    let history = api.get(&format!("/components/{API_EU_COMPONENT_ID}/status-changes")).await;
    assert_eq!(history.status, 200);
    let without_propagated = |change: &Value| {
        let mut change = change.clone();
        change.as_object_mut().expect("object").remove("propagated");
        change
    };
    assert_eq!(
        history.body,
        json!({"componentId": API_EU_COMPONENT_ID, "history": [third, without_propagated(&second), without_propagated(&first)]})
    );
    assert!(third.get("comment").is_none());
    assert_eq!(
        [&first["previousStatus"], &second["previousStatus"], &third["previousStatus"]],
        [&json!("operational"), &json!("degradedPerformance"), &json!("majorOutage")]
    );
    // All three belong to the one incident they opened, escalated and resolved.
    assert_eq!(first["incidentId"], second["incidentId"]);
    assert_eq!(first["incidentId"], third["incidentId"]);

    let unknown = api.get("/components/no-such-id/status-changes").await;
    assert_eq!(
        (unknown.status, &unknown.body),
        (404, &error_body("Not Found", "not_found", "Component no-such-id not found."))
    );
}
