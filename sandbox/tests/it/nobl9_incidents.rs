//! Nobl9 emulator: incidents derived from status changes (`GET …/incidents`), their
//! durations on the sandbox clock, day grouping, issue counts, and the
//! disruptions list.

use serde_json::{Value, json};
use statusctl_sandbox::nobl9::{
    API_COMPONENT_ID, API_EU_COMPONENT_ID, API_US_COMPONENT_ID, DATABASE_COMPONENT_ID, DEMO_USER,
    FRONTEND_COMPONENT_ID, PLATFORM_COMPONENT_ID, WEB_COMPONENT_ID,
};

use crate::nobl9_support::{Nobl9, date_of};

/// Every incident of a `GET …/incidents` answer, in order, checking the day grouping on
/// the way: each day holds incidents started on it, `count` matches, days
/// are newest first.
fn flatten(answer: &Value) -> Vec<Value> {
    let mut incidents = Vec::new();
    let mut previous_date: Option<String> = None;
    for day in answer["days"].as_array().expect("days") {
        let date = day["date"].as_str().expect("a date").to_owned();
        if let Some(previous) = &previous_date {
            assert!(date < *previous, "days newest first: {answer}");
        }
        let list = day["incidents"].as_array().expect("incidents");
        assert_eq!(day["count"], list.len(), "{day}");
        for incident in list {
            assert_eq!(date_of(&incident["startedAt"]), date, "{day}");
            incidents.push(incident.clone());
        }
        previous_date = Some(date);
    }
    incidents
}

#[tokio::test]
async fn an_incident_opens_escalates_and_resolves_with_the_status() {
    let api = Nobl9::start().await;
    let opened = api.change_status(API_US_COMPONENT_ID, "degradedPerformance", false, "US slow").await;
    let id = opened["incidentId"].clone();
    let started_at = opened["changedAt"].clone();
    let expected = |severity: &str, duration: i64| {
        json!({
            "id": id,
            "componentId": API_US_COMPONENT_ID,
            "componentName": "API US",
            "severity": severity,
            "status": "ongoing",
            "startedAt": started_at,
            "duration": duration,
            "startComment": "US slow",
            "issueCount": 0,
        })
    };
    assert_eq!(
        api.incidents("").await,
        json!({"days": [{"date": date_of(&started_at), "count": 1, "incidents": [expected("degradedPerformance", 0)]}]})
    );

    api.advance(300);
    let escalated = api.change_status(API_US_COMPONENT_ID, "majorOutage", false, "US down").await;
    assert_eq!(escalated["incidentId"], id);
    assert_eq!(flatten(&api.incidents("?ongoing=true").await), [expected("majorOutage", 300)]);

    api.advance(300);
    // Back to degraded: the severity stays the worst seen.
    api.change_status(API_US_COMPONENT_ID, "degradedPerformance", false, "recovering").await;
    assert_eq!(flatten(&api.incidents("").await), [expected("majorOutage", 600)]);

    api.advance(60);
    let resolved = api.change_status(API_US_COMPONENT_ID, "operational", false, "US fixed").await;
    assert_eq!(resolved["incidentId"], id);
    api.advance(1000);
    let mut done = expected("majorOutage", 660);
    done["status"] = json!("resolved");
    done["endedAt"] = resolved["changedAt"].clone();
    done["endComment"] = json!("US fixed");
    let all = api.incidents("").await;
    assert_eq!(flatten(&all), [done.clone()]);
    assert_eq!(api.incidents("?ongoing=false").await, all);
    assert_eq!(api.incidents("?ongoing=true").await, json!({"days": []}));

    // Operational again without an incident changes nothing; the next
    // outage opens a new incident.
    let noop = api.change_status(API_US_COMPONENT_ID, "operational", false, "still fine").await;
    assert!(noop.get("incidentId").is_none());
    let again = api.change_status(API_US_COMPONENT_ID, "degradedPerformance", false, "again").await;
    assert_ne!(again["incidentId"], id);
    let ongoing = flatten(&api.incidents("?ongoing=true").await);
    assert_eq!(ongoing.len(), 1);
    assert_eq!(ongoing[0]["id"], again["incidentId"]);
    assert_eq!(flatten(&api.incidents("").await).len(), 2);

    let invalid = api.get("/incidents?ongoing=maybe").await;
    assert_eq!(invalid.status, 400);
    assert_eq!(
        invalid.body,
        json!({"errors": [{
            "title": "ongoing must be true or false",
            "code": "validation_error",
            "source": {"propertyName": "ongoing", "propertyValue": "maybe"},
        }]})
    );
}

#[tokio::test]
async fn incidents_are_grouped_by_utc_day_newest_first() {
    let api = Nobl9::start().await;
    let first = api.change_status(API_EU_COMPONENT_ID, "majorOutage", false, "a").await;
    let second = api.change_status(DATABASE_COMPONENT_ID, "degradedPerformance", false, "b").await;
    api.advance(86_400);
    let third = api.change_status(FRONTEND_COMPONENT_ID, "degradedPerformance", false, "c").await;

    let answer = api.incidents("").await;
    let order: Vec<Value> = flatten(&answer).iter().map(|incident| incident["id"].clone()).collect();
    assert_eq!(
        order,
        [third["incidentId"].clone(), second["incidentId"].clone(), first["incidentId"].clone()]
    );
    let days = answer["days"].as_array().expect("days");
    assert!(days.len() >= 2, "{answer}");
    assert_eq!(days[0]["date"], date_of(&third["changedAt"]));
    assert_eq!(days[0]["count"], 1);
    assert_eq!(days.last().expect("a day")["date"], date_of(&first["changedAt"]));
    assert_ne!(date_of(&first["changedAt"]), date_of(&third["changedAt"]));
}

#[tokio::test]
async fn propagated_changes_open_incidents_on_the_ancestors_too() {
    let api = Nobl9::start().await;
    let change = api.change_status(API_EU_COMPONENT_ID, "majorOutage", true, "EU down").await;
    let incidents = flatten(&api.incidents("?ongoing=true").await);
    let mut components: Vec<&str> =
        incidents.iter().map(|incident| incident["componentName"].as_str().expect("name")).collect();
    components.sort_unstable();
    assert_eq!(components, ["API", "API EU", "Platform"]);
    let on_api = incidents.iter().find(|incident| incident["componentId"] == API_COMPONENT_ID).expect("API");
    assert_eq!(on_api["id"], change["propagated"][0]["incidentId"]);
    assert_eq!(on_api["severity"], "majorOutage");
    assert_eq!(on_api["startComment"], "EU down");

    // Resolving only the child leaves the ancestors' incidents ongoing.
    api.change_status(API_EU_COMPONENT_ID, "operational", false, "EU back").await;
    let ongoing = flatten(&api.incidents("?ongoing=true").await);
    let mut names: Vec<&str> =
        ongoing.iter().map(|incident| incident["componentName"].as_str().expect("name")).collect();
    names.sort_unstable();
    assert_eq!(names, ["API", "Platform"]);
}

#[tokio::test]
async fn issues_count_toward_the_ongoing_incident_of_their_component() {
    let api = Nobl9::start().await;
    // Before any incident: counted nowhere.
    api.create_issue(API_EU_COMPONENT_ID, &api.clock_plus(0)).await;
    api.change_status(API_EU_COMPONENT_ID, "degradedPerformance", false, "slow").await;
    for _ in 0..2 {
        api.create_issue(API_EU_COMPONENT_ID, &api.clock_plus(0)).await;
    }
    // Another component's issue, and the parent's incident, do not count.
    api.create_issue(API_US_COMPONENT_ID, &api.clock_plus(0)).await;
    api.change_status(API_COMPONENT_ID, "degradedPerformance", false, "parent").await;
    let counts = |incidents: Vec<Value>| -> Vec<(String, Value)> {
        let mut counts: Vec<(String, Value)> = incidents
            .iter()
            .map(|incident| {
                (incident["componentName"].as_str().expect("name").to_owned(), incident["issueCount"].clone())
            })
            .collect();
        counts.sort_by(|a, b| a.0.cmp(&b.0));
        counts
    };
    assert_eq!(
        counts(flatten(&api.incidents("").await)),
        [("API".to_owned(), json!(0)), ("API EU".to_owned(), json!(2))]
    );
    api.change_status(API_EU_COMPONENT_ID, "operational", false, "ok").await;
    api.create_issue(API_EU_COMPONENT_ID, &api.clock_plus(0)).await;
    assert_eq!(
        counts(flatten(&api.incidents("").await)),
        [("API".to_owned(), json!(0)), ("API EU".to_owned(), json!(2))]
    );
}

#[tokio::test]
async fn disruptions_are_the_incidents_in_the_newer_shape() {
    let api = Nobl9::start().await;
    let slow = api.change_status(API_EU_COMPONENT_ID, "degradedPerformance", false, "EU slow").await;
    api.advance(60);
    let down = api.change_status(API_EU_COMPONENT_ID, "majorOutage", false, "EU down").await;
    api.advance(60);
    let fixed = api
        .post(
            &format!("/components/{API_EU_COMPONENT_ID}/change-status"),
            json!({"status": "operational", "propagateUp": false}),
        )
        .await
        .body;
    api.advance(60);
    let frontend = api.change_status(FRONTEND_COMPONENT_ID, "degradedPerformance", true, "FE slow").await;

    let all = api.get("/disruptions").await;
    assert_eq!(all.status, 200);
    assert_eq!(
        (&all.body["total"], &all.body["limit"], &all.body["offset"]),
        (&json!(3), &json!(50), &json!(0))
    );
    let disruptions = all.body["disruptions"].as_array().expect("disruptions");
    let history_entry = |change: &Value| {
        let mut entry = json!({
            "id": change["id"],
            "previousStatus": change["previousStatus"],
            "newStatus": change["newStatus"],
            "changedBy": DEMO_USER,
            "changedAt": change["changedAt"],
        });
        if let Some(comment) = change.get("comment") {
            entry["comment"] = comment.clone();
        }
        entry["source"] = json!("user");
        entry
    };
    let cleared = json!({
        "id": slow["incidentId"],
        "title": "EU slow",
        "severity": "majorOutage",
        "source": "user",
        "isCleared": true,
        "originComponent": {"id": API_EU_COMPONENT_ID, "name": "API EU"},
        "affectedComponents": [{"id": API_EU_COMPONENT_ID, "name": "API EU"}],
        "startTime": slow["changedAt"],
        "endTime": fixed["changedAt"],
        "createdBy": DEMO_USER,
        "createdAt": slow["changedAt"],
        "history": [history_entry(&slow), history_entry(&down), history_entry(&fixed)],
    });
    // Newest first: the two started together by the propagated change, then the cleared one.
    assert_eq!(disruptions[2], cleared);
    let web = disruptions
        .iter()
        .find(|disruption| disruption["affectedComponents"][0]["id"] == WEB_COMPONENT_ID)
        .expect("the propagated one");
    assert_eq!(web["originComponent"], json!({"id": FRONTEND_COMPONENT_ID, "name": "Frontend"}));
    assert_eq!(web["isCleared"], false);
    assert!(web.get("endTime").is_none());
    assert_eq!(web["id"], frontend["propagated"][0]["incidentId"]);

    let impacting = api.get("/disruptions?state=impacting").await.body;
    assert_eq!(impacting["total"], 2);
    let cleared_only = api.get("/disruptions?state=cleared").await.body;
    assert_eq!(cleared_only["disruptions"], json!([cleared]));
    let page = api.get("/disruptions?limit=1&offset=1").await.body;
    assert_eq!((&page["total"], &page["limit"], &page["offset"]), (&json!(3), &json!(1), &json!(1)));
    assert_eq!(page["disruptions"], json!([disruptions[1]]));
    assert_eq!(api.get("/disruptions?limit=999").await.body["limit"], 200);
    let invalid = api.get("/disruptions?state=open").await;
    assert_eq!(invalid.status, 400);
    assert_eq!(
        invalid.body["errors"][0]["source"],
        json!({"propertyName": "state", "propertyValue": "open"})
    );
    assert_eq!(api.get("/disruptions?limit=0").await.status, 400);
}

#[tokio::test]
async fn a_root_incident_is_its_own_origin() {
    let api = Nobl9::start().await;
    api.change_status(PLATFORM_COMPONENT_ID, "majorOutage", false, "everything").await;
    let disruptions = api.get("/disruptions").await.body;
    assert_eq!(
        disruptions["disruptions"][0]["originComponent"],
        json!({"id": PLATFORM_COMPONENT_ID, "name": "Platform"})
    );
}
