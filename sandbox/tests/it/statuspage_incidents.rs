//! Statuspage emulator: incidents, their updates, validation and lists.

use serde_json::{Value, json};
use statusctl_sandbox::statuspage::{
    API_COMPONENT_ID, DATABASE_COMPONENT_ID, DEMO_PAGE_ID, PAYMENTS_COMPONENT_ID, WEBSITE_COMPONENT_ID,
};

use crate::statuspage_support::{Api, clock_plus, ids, is_statuspage_id, is_statuspage_time};

const INCIDENT_FIELDS: [&str; 33] = [
    "id",
    "page_id",
    "name",
    "status",
    "impact",
    "impact_override",
    "created_at",
    "updated_at",
    "monitoring_at",
    "resolved_at",
    "started_at",
    "shortlink",
    "metadata",
    "components",
    "incident_updates",
    "incident_impacts",
    "postmortem_body",
    "postmortem_body_last_updated_at",
    "postmortem_ignored",
    "postmortem_notified_subscribers",
    "postmortem_notified_twitter",
    "postmortem_published_at",
    "scheduled_for",
    "scheduled_until",
    "scheduled_remind_prior",
    "scheduled_reminded_at",
    "scheduled_auto_in_progress",
    "scheduled_auto_completed",
    "auto_transition_to_maintenance_state",
    "auto_transition_to_operational_state",
    "auto_transition_deliver_notifications_at_start",
    "auto_transition_deliver_notifications_at_end",
    "reminder_intervals",
];

const UPDATE_FIELDS: [&str; 13] = [
    "id",
    "incident_id",
    "status",
    "body",
    "created_at",
    "updated_at",
    "display_at",
    "affected_components",
    "deliver_notifications",
    "custom_tweet",
    "tweet_id",
    "twitter_updated_at",
    "wants_twitter_update",
];

fn keys(value: &Value) -> Vec<&str> {
    value.as_object().expect("an object").keys().map(String::as_str).collect()
}

fn incident_path(incident: &Value) -> String {
    Api::page(&format!("/incidents/{}", incident["id"].as_str().expect("id")))
}

#[tokio::test]
async fn create_answers_201_with_the_full_incident() {
    let api = Api::start().await;
    let incident = api
        .create_incident(json!({
            "name": "Checkout errors",
            "body": "We are looking into failed payments.",
            "components": {PAYMENTS_COMPONENT_ID: "partial_outage"},
            "metadata": {"jira": {"issue_id": "OPS-1"}},
            "reminder_intervals": "[1, 5, 7, 10]",
            "deliver_notifications": false,
        }))
        .await;
    assert_eq!(keys(&incident), INCIDENT_FIELDS);
    assert!(is_statuspage_id(&incident["id"]));
    assert_eq!(incident["page_id"], DEMO_PAGE_ID);
    assert_eq!(incident["name"], "Checkout errors");
    assert_eq!(incident["status"], "investigating");
    assert_eq!(incident["impact"], "major");
    assert_eq!(incident["impact_override"], Value::Null);
    for field in ["created_at", "updated_at", "started_at"] {
        assert!(is_statuspage_time(&incident[field]), "{field}: {}", incident[field]);
    }
    assert_eq!(incident["updated_at"], incident["created_at"]);
    assert_eq!(incident["started_at"], incident["created_at"]);
    assert_eq!(incident["monitoring_at"], Value::Null);
    assert_eq!(incident["resolved_at"], Value::Null);
    let shortlink = incident["shortlink"].as_str().expect("shortlink");
    let code = shortlink.strip_prefix("https://stspg.io/").expect("stspg.io link");
    assert_eq!(code.len(), 6);
    assert_eq!(incident["metadata"], json!({"jira": {"issue_id": "OPS-1"}}));
    assert_eq!(incident["incident_impacts"], json!([]));
    assert_eq!(incident["reminder_intervals"], "[1, 5, 7, 10]");
    for field in ["postmortem_body", "postmortem_body_last_updated_at", "postmortem_published_at"] {
        assert_eq!(incident[field], Value::Null, "{field}");
    }
    for field in ["postmortem_ignored", "postmortem_notified_subscribers", "postmortem_notified_twitter"] {
        assert_eq!(incident[field], false, "{field}");
    }
    for field in ["scheduled_for", "scheduled_until", "scheduled_reminded_at"] {
        assert_eq!(incident[field], Value::Null, "{field}");
    }
    for field in &INCIDENT_FIELDS[24..32] {
        if *field != "scheduled_reminded_at" {
            assert_eq!(incident[field], false, "{field}");
        }
    }

    let components = incident["components"].as_array().expect("components");
    assert_eq!(components.len(), 1);
    assert_eq!(components[0]["id"], PAYMENTS_COMPONENT_ID);
    assert_eq!(components[0]["status"], "partial_outage");
    assert_eq!(components[0]["name"], "Payments");

    let updates = incident["incident_updates"].as_array().expect("updates");
    assert_eq!(updates.len(), 1);
    let update = &updates[0];
    assert_eq!(keys(update), UPDATE_FIELDS);
    assert!(is_statuspage_id(&update["id"]));
    assert_ne!(update["id"], incident["id"]);
    assert_eq!(update["incident_id"], incident["id"]);
    assert_eq!(update["status"], "investigating");
    assert_eq!(update["body"], "We are looking into failed payments.");
    assert_eq!(update["created_at"], incident["created_at"]);
    assert_eq!(update["display_at"], incident["created_at"]);
    assert_eq!(update["deliver_notifications"], false);
    assert_eq!(update["custom_tweet"], Value::Null);
    assert_eq!(update["tweet_id"], Value::Null);
    assert_eq!(update["twitter_updated_at"], Value::Null);
    assert_eq!(update["wants_twitter_update"], false);
    assert_eq!(
        update["affected_components"],
        json!([{"code": PAYMENTS_COMPONENT_ID, "name": "Payments",
                "old_status": "operational", "new_status": "partial_outage"}])
    );
    assert_eq!(api.component(PAYMENTS_COMPONENT_ID).await["status"], "partial_outage");
    assert_eq!(api.get(&incident_path(&incident)).await.body, incident);
}

#[tokio::test]
async fn deliver_notifications_defaults_to_true() {
    let api = Api::start().await;
    let incident = api.create_incident(json!({"name": "Quiet"})).await;
    assert_eq!(incident["incident_updates"][0]["deliver_notifications"], true);
    assert_eq!(incident["incident_updates"][0]["body"], "");
    assert_eq!(incident["impact"], "none");
    assert_eq!(incident["components"], json!([]));
}

#[tokio::test]
async fn notifying_writes_are_counted_per_incident_and_metadata_is_kept() {
    let api = Api::start().await;
    let marker =
        json!({"statusctl": {"key": "k1", "request_id": "r1", "components": "", "notified": "no", "v": "1"}});
    // A silent create, a metadata-only write (no update: nobody is notified), an update
    // stating true, one leaving it out (the default is true), one stating false.
    let incident =
        api.create_incident(json!({"name": "N", "deliver_notifications": false, "metadata": marker})).await;
    assert_eq!(incident["metadata"], marker);
    let path = incident_path(&incident);
    let id = incident["id"].as_str().expect("id").to_owned();
    let control = api.control();
    assert_eq!(control.counters().notifications(&id), 0);
    let only_metadata =
        api.patch(&path, json!({"incident": {"metadata": {"statusctl": {"key": "k1"}}}})).await;
    assert_eq!(only_metadata.body["metadata"], json!({"statusctl": {"key": "k1"}}));
    assert_eq!(api.get(&path).await.body["metadata"], json!({"statusctl": {"key": "k1"}}));
    assert_eq!(control.counters().notifications(&id), 0);
    api.patch(&path, json!({"incident": {"body": "Announce", "deliver_notifications": true}})).await;
    api.patch(&path, json!({"incident": {"status": "identified"}})).await;
    api.patch(&path, json!({"incident": {"status": "monitoring", "deliver_notifications": false}})).await;
    let loud = api.create_incident(json!({"name": "Loud"})).await;
    let counters = control.counters();
    assert_eq!(counters.notifications(&id), 2, "{counters:?}");
    assert_eq!(counters.notifications(loud["id"].as_str().expect("id")), 1);
    assert_eq!(counters.notifications_total(), 3);
    let served = api.get_raw_counters().await;
    assert_eq!(served["notifications"][&id], 2);
    // Deleting keeps the count; clearing the request log zeroes it.
    assert_eq!(api.delete(&path).await.status, 200);
    assert_eq!(api.get(&path).await.status, 404);
    assert_eq!(control.counters().notifications(&id), 2);
    control.clear_requests();
    assert_eq!(control.counters().notifications_total(), 0);
}

#[tokio::test]
async fn metadata_top_level_values_must_be_objects() {
    let api = Api::start().await;
    let path = Api::page("/incidents");
    for metadata in [json!({"jira": "OPS-1"}), json!({"a": {"ok": 1}, "b": [1]}), json!(["x"]), json!("x")] {
        let answer = api.post(&path, json!({"incident": {"name": "M", "metadata": metadata}})).await;
        assert_eq!(answer.status, 422, "{metadata}");
        assert!(answer.body["error"].as_str().expect("message").contains("metadata"));
    }
    let incident = api.create_incident(json!({"name": "M", "metadata": {"a": {"b": {"c": [1, 2]}}}})).await;
    assert_eq!(incident["metadata"], json!({"a": {"b": {"c": [1, 2]}}}));
    let patched = api.patch(&incident_path(&incident), json!({"incident": {"metadata": {"x": {}}}})).await;
    assert_eq!(patched.body["metadata"], json!({"x": {}}));
    assert_eq!(api.get(&path).await.body.as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn name_and_body_lengths_are_limited() {
    let api = Api::start().await;
    let path = Api::page("/incidents");
    let at_limit = api.create_incident(json!({"name": "n".repeat(255), "body": "b".repeat(25_000)})).await;
    assert_eq!(at_limit["name"].as_str().map(str::len), Some(255));
    // Characters, not bytes.
    api.create_incident(json!({"name": "é".repeat(255)})).await;

    let cases = [
        (json!({"name": "n".repeat(256)}), "Name is too long (maximum is 255 characters)"),
        (json!({"name": "n", "body": "b".repeat(25_001)}), "Body is too long (maximum is 25000 characters)"),
        (json!({"body": "no name"}), "Name can't be blank"),
        (json!({"name": "   "}), "Name can't be blank"),
        (json!({"name": null}), "Name can't be blank"),
        (json!({"name": 42}), "incident[name] must be a string"),
    ];
    for (incident, message) in cases {
        let answer = api.post(&path, json!({"incident": incident})).await;
        assert_eq!((answer.status, answer.body), (422, json!({"error": message})));
    }
    let too_long = api.patch(&incident_path(&at_limit), json!({"incident": {"name": "n".repeat(256)}})).await;
    assert_eq!(too_long.status, 422);
    assert_eq!(api.get(&path).await.body.as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn enums_and_component_ids_are_validated() {
    let api = Api::start().await;
    let path = Api::page("/incidents");
    let cases = [
        (json!({"name": "x", "status": "broken"}), "broken"),
        (json!({"name": "x", "impact_override": "huge"}), "huge"),
        (json!({"name": "x", "components": {API_COMPONENT_ID: "on_fire"}}), "on_fire"),
        (json!({"name": "x", "components": {"zzzzzzzzzzzz": "major_outage"}}), "zzzzzzzzzzzz"),
        (json!({"name": "x", "component_ids": ["yyyyyyyyyyyy"]}), "yyyyyyyyyyyy"),
        (json!({"name": "x", "components": "apicomponent"}), "components"),
        (json!({"name": "x", "reminder_intervals": "[5, 1]"}), "reminder_intervals"),
        (json!({"name": "x", "reminder_intervals": "25"}), "reminder_intervals"),
        (json!({"name": "x", "deliver_notifications": "maybe"}), "deliver_notifications"),
        (json!({"name": "x", "scheduled_for": "next tuesday"}), "scheduled_for"),
    ];
    for (incident, needle) in cases {
        let answer = api.post(&path, json!({"incident": incident})).await;
        assert_eq!(answer.status, 422, "{incident}");
        let message = answer.body["error"].as_str().expect("message");
        assert!(message.contains(needle), "{incident}: {message}");
    }
    assert_eq!(api.get(&path).await.body, json!([]));
    assert_eq!(api.component(API_COMPONENT_ID).await["status"], "operational");

    let missing_root = api.post(&path, json!({"name": "x"})).await;
    assert_eq!(
        (missing_root.status, missing_root.body),
        (400, json!({"error": "param is missing or the value is empty: incident"}))
    );
    for impact in ["none", "maintenance", "minor", "major", "critical"] {
        let incident = api.create_incident(json!({"name": "x", "impact_override": impact})).await;
        assert_eq!(incident["impact"], impact);
    }
}

#[tokio::test]
async fn realtime_and_scheduled_statuses_do_not_mix() {
    let api = Api::start().await;
    let path = Api::page("/incidents");
    let start = clock_plus(&api.control(), 3600);
    let mixed = api
        .post(&path, json!({"incident": {"name": "m", "scheduled_for": start, "status": "identified"}}))
        .await;
    assert_eq!(mixed.status, 422);
    assert!(mixed.body["error"].as_str().expect("message").contains("identified"));

    let realtime = api.create_incident(json!({"name": "r"})).await;
    for patch in [
        json!({"status": "in_progress"}),
        json!({"status": "completed"}),
        json!({"scheduled_for": start}),
        json!({"scheduled_until": start}),
    ] {
        let answer = api.patch(&incident_path(&realtime), json!({"incident": patch})).await;
        assert_eq!(answer.status, 422, "{patch}");
    }
    let maintenance = api.create_incident(json!({"name": "m", "scheduled_for": start})).await;
    assert_eq!(maintenance["status"], "scheduled");
    for status in ["investigating", "identified", "monitoring", "resolved"] {
        let answer = api.patch(&incident_path(&maintenance), json!({"incident": {"status": status}})).await;
        assert_eq!(answer.status, 422, "{status}");
    }
    let reminder =
        api.patch(&incident_path(&maintenance), json!({"incident": {"reminder_intervals": "4"}})).await;
    assert_eq!(reminder.status, 422);
    let backwards = api
        .patch(
            &incident_path(&maintenance),
            json!({"incident": {"scheduled_until": clock_plus(&api.control(), 60)}}),
        )
        .await;
    assert_eq!(backwards.status, 422);
    assert!(backwards.body["error"].as_str().expect("message").contains("scheduled_until"));

    // A maintenance status alone also makes a maintenance (starting now).
    let started = api.create_incident(json!({"name": "now", "status": "in_progress"})).await;
    assert_eq!(started["impact"], "maintenance");
    assert!(is_statuspage_time(&started["scheduled_for"]));
    let fine = api.patch(&incident_path(&started), json!({"incident": {"status": "verifying"}})).await;
    assert_eq!(fine.body["status"], "verifying");
}

#[tokio::test]
async fn components_map_sets_statuses_and_component_ids_only_attach() {
    let api = Api::start().await;
    let incident = api
        .create_incident(json!({
            "name": "Mixed",
            "components": {API_COMPONENT_ID: "degraded_performance"},
            "component_ids": [WEBSITE_COMPONENT_ID],
        }))
        .await;
    assert_eq!(api.component(API_COMPONENT_ID).await["status"], "degraded_performance");
    assert_eq!(api.component(WEBSITE_COMPONENT_ID).await["status"], "operational");
    assert_eq!(ids(&incident["components"]), [API_COMPONENT_ID, WEBSITE_COMPONENT_ID]);
    let affected = &incident["incident_updates"][0]["affected_components"];
    assert_eq!(
        affected,
        &json!([{"code": API_COMPONENT_ID, "name": "API",
                 "old_status": "operational", "new_status": "degraded_performance"}])
    );

    // Without component_ids, the map's components are added to the attached set.
    let path = incident_path(&incident);
    let more = api.patch(&path, json!({"incident": {"components": {DATABASE_COMPONENT_ID: ""}}})).await;
    assert_eq!(
        ids(&more.body["components"]),
        [API_COMPONENT_ID, DATABASE_COMPONENT_ID, WEBSITE_COMPONENT_ID]
    );
    assert_eq!(api.component(DATABASE_COMPONENT_ID).await["status"], "operational");
    // component_ids replaces the attached set, statuses stay.
    let replaced = api.patch(&path, json!({"incident": {"component_ids": [WEBSITE_COMPONENT_ID]}})).await;
    assert_eq!(ids(&replaced.body["components"]), [WEBSITE_COMPONENT_ID]);
    assert_eq!(api.component(API_COMPONENT_ID).await["status"], "degraded_performance");
    // The docs' list form of `components` attaches like component_ids.
    let listed = api.create_incident(json!({"name": "List", "components": [PAYMENTS_COMPONENT_ID]})).await;
    assert_eq!(ids(&listed["components"]), [PAYMENTS_COMPONENT_ID]);
    assert_eq!(listed["incident_updates"][0]["affected_components"], json!([]));
}

#[tokio::test]
async fn impact_follows_the_worst_component_unless_overridden() {
    let api = Api::start().await;
    let cases = [
        (json!({}), "none"),
        (json!({API_COMPONENT_ID: "operational"}), "none"),
        (json!({API_COMPONENT_ID: "under_maintenance"}), "none"),
        (json!({API_COMPONENT_ID: "degraded_performance"}), "minor"),
        (json!({API_COMPONENT_ID: "degraded_performance", WEBSITE_COMPONENT_ID: "partial_outage"}), "major"),
        (json!({API_COMPONENT_ID: "partial_outage", WEBSITE_COMPONENT_ID: "major_outage"}), "critical"),
    ];
    for (components, impact) in cases {
        api.control().reset();
        let incident = api.create_incident(json!({"name": "i", "components": components})).await;
        assert_eq!(incident["impact"], impact, "{components}");
    }
    // Already-degraded components attached by id count too.
    let by_id = api.create_incident(json!({"name": "i", "component_ids": [WEBSITE_COMPONENT_ID]})).await;
    assert_eq!(by_id["impact"], "critical");

    api.control().reset();
    let incident =
        api.create_incident(json!({"name": "i", "components": {API_COMPONENT_ID: "major_outage"}})).await;
    let path = incident_path(&incident);
    let overridden = api.patch(&path, json!({"incident": {"impact_override": "minor"}})).await;
    assert_eq!(
        (&overridden.body["impact"], &overridden.body["impact_override"]),
        (&json!("minor"), &json!("minor"))
    );
    // The computed impact is the worst seen: fixing the component keeps it.
    let fixed = api
        .patch(
            &path,
            json!({"incident": {"impact_override": null, "status": "resolved",
                                "components": {API_COMPONENT_ID: "operational"}}}),
        )
        .await;
    assert_eq!(fixed.body["impact"], "critical");
    assert_eq!(fixed.body["impact_override"], Value::Null);

    let maintenance = api
        .create_incident(json!({"name": "m", "scheduled_for": clock_plus(&api.control(), 60),
                                "components": {API_COMPONENT_ID: "major_outage"}}))
        .await;
    assert_eq!(maintenance["impact"], "maintenance");
}

#[tokio::test]
async fn updates_are_appended_newest_first_with_affected_components() {
    let api = Api::start().await;
    let incident = api.create_incident(json!({"name": "Slow API", "body": "Investigating."})).await;
    let path = incident_path(&incident);

    let identified = api
        .patch(
            &path,
            json!({"incident": {"status": "identified", "body": "Found it.",
                                "components": {API_COMPONENT_ID: "partial_outage"},
                                "deliver_notifications": false}}),
        )
        .await;
    assert_eq!(identified.status, 200);
    let body_only = api.put(&path, json!({"incident": {"body": "Still working."}})).await;
    assert_eq!(body_only.status, 200);
    let rename = api.patch(&path, json!({"incident": {"name": "Slow API (EU)"}})).await;
    assert_eq!(rename.body["name"], "Slow API (EU)");
    let fixed = api
        .patch(
            &path,
            json!({"incident": {"status": "resolved", "body": "Fixed.",
                                "components": {API_COMPONENT_ID: "operational"}}}),
        )
        .await;

    let updates = fixed.body["incident_updates"].as_array().expect("updates");
    let summary: Vec<(&str, &str)> = updates
        .iter()
        .map(|update| (update["status"].as_str().expect("status"), update["body"].as_str().expect("body")))
        .collect();
    assert_eq!(
        summary,
        [
            ("resolved", "Fixed."),
            ("identified", "Still working."),
            ("identified", "Found it."),
            ("investigating", "Investigating."),
        ]
    );
    assert_eq!(
        updates[0]["affected_components"],
        json!([{"code": API_COMPONENT_ID, "name": "API", "old_status": "partial_outage", "new_status": "operational"}])
    );
    assert_eq!(updates[1]["affected_components"], json!([]));
    assert_eq!(
        updates[2]["affected_components"],
        json!([{"code": API_COMPONENT_ID, "name": "API", "old_status": "operational", "new_status": "partial_outage"}])
    );
    assert_eq!(updates[2]["deliver_notifications"], false);
    assert_eq!(updates[0]["deliver_notifications"], true);
    let unique: std::collections::HashSet<&str> =
        updates.iter().map(|update| update["id"].as_str().expect("id")).collect();
    assert_eq!(unique.len(), 4);
}

#[tokio::test]
async fn status_timestamps_follow_the_status_and_resolving_keeps_component_statuses() {
    let api = Api::start().await;
    let incident = api
        .create_incident(json!({"name": "DB", "components": {DATABASE_COMPONENT_ID: "major_outage"}}))
        .await;
    let path = incident_path(&incident);

    api.advance(60).await;
    let monitoring = api.patch(&path, json!({"incident": {"status": "monitoring"}})).await.body;
    assert!(is_statuspage_time(&monitoring["monitoring_at"]));
    assert_eq!(monitoring["monitoring_at"], monitoring["updated_at"]);
    assert_eq!(monitoring["resolved_at"], Value::Null);
    assert_ne!(monitoring["updated_at"], incident["updated_at"]);

    api.advance(60).await;
    let resolved = api.patch(&path, json!({"incident": {"status": "resolved"}})).await.body;
    assert!(is_statuspage_time(&resolved["resolved_at"]));
    assert_eq!(resolved["resolved_at"], resolved["updated_at"]);
    assert_eq!(resolved["monitoring_at"], monitoring["monitoring_at"]);
    assert_eq!(api.component(DATABASE_COMPONENT_ID).await["status"], "major_outage");
    assert_eq!(resolved["components"][0]["status"], "major_outage");

    let reopened = api.patch(&path, json!({"incident": {"status": "investigating"}})).await.body;
    assert_eq!(reopened["resolved_at"], Value::Null);
}

#[tokio::test]
async fn delete_answers_with_the_incident_and_keeps_component_statuses() {
    let api = Api::start().await;
    let incident = api
        .create_incident(json!({"name": "Gone", "components": {WEBSITE_COMPONENT_ID: "major_outage"}}))
        .await;
    let path = incident_path(&incident);
    let deleted = api.delete(&path).await;
    assert_eq!(deleted.status, 200);
    assert_eq!(deleted.body, incident);
    assert_eq!(api.get(&path).await.status, 404);
    assert_eq!(api.get(&Api::page("/incidents")).await.body, json!([]));
    assert_eq!(api.component(WEBSITE_COMPONENT_ID).await["status"], "major_outage");
}

#[tokio::test]
async fn an_incident_update_can_be_edited() {
    let api = Api::start().await;
    let incident = api.create_incident(json!({"name": "Typo", "body": "We are investigatign."})).await;
    let update_id = incident["incident_updates"][0]["id"].as_str().expect("id").to_owned();
    let path = format!("{}/incident_updates/{update_id}", incident_path(&incident));
    api.advance(30).await;

    let edited = api
        .patch(
            &path,
            json!({"incident_update": {"body": "We are investigating.", "deliver_notifications": false,
                                       "wants_twitter_update": true, "display_at": "2024-05-01T10:00:00+02:00",
                                       "status": "resolved"}}),
        )
        .await;
    assert_eq!(edited.status, 200);
    assert_eq!(keys(&edited.body), UPDATE_FIELDS);
    assert_eq!(edited.body["id"], update_id.as_str());
    assert_eq!(edited.body["body"], "We are investigating.");
    assert_eq!(edited.body["deliver_notifications"], false);
    assert_eq!(edited.body["wants_twitter_update"], true);
    assert_eq!(edited.body["display_at"], "2024-05-01T08:00:00.000Z");
    assert_eq!(edited.body["status"], "investigating");
    assert_eq!(edited.body["created_at"], incident["created_at"]);
    assert_ne!(edited.body["updated_at"], incident["created_at"]);

    let put = api.put(&path, json!({"incident_update": {"body": "Put works too."}})).await;
    assert_eq!(put.body["body"], "Put works too.");
    let after = api.get(&incident_path(&incident)).await.body;
    assert_eq!(after["incident_updates"].as_array().map(Vec::len), Some(1));
    assert_eq!(after["incident_updates"][0]["body"], "Put works too.");
    assert_eq!(after["status"], "investigating");

    let missing = format!("{}/incident_updates/zzzzzzzzzzzz", incident_path(&incident));
    assert_eq!(api.patch(&missing, json!({"incident_update": {"body": "x"}})).await.status, 404);
    let too_long = api.patch(&path, json!({"incident_update": {"body": "b".repeat(25_001)}})).await;
    assert_eq!(too_long.status, 422);
}

#[tokio::test]
async fn the_list_is_newest_first_and_paged_with_limit() {
    let api = Api::start().await;
    let mut created = Vec::new();
    for n in 0..3 {
        created.push(api.create_incident(json!({"name": format!("Incident {n}")})).await["id"].clone());
        api.advance(1).await;
    }
    let all = api.get(&Api::page("/incidents")).await.body;
    assert_eq!(all.as_array().expect("array").iter().map(|i| i["id"].clone()).collect::<Vec<_>>(), {
        let mut newest_first = created.clone();
        newest_first.reverse();
        newest_first
    });
    let first = api.get(&Api::page("/incidents?limit=2")).await.body;
    assert_eq!(ids(&first).len(), 2);
    assert_eq!(first[0]["id"], created[2]);
    let second = api.get(&Api::page("/incidents?limit=2&page=2")).await.body;
    assert_eq!(ids(&second), [created[0].as_str().expect("id")]);
    let capped = api.get(&Api::page("/incidents?limit=1000")).await.body;
    assert_eq!(ids(&capped).len(), 3);
    assert_eq!(api.get(&Api::page("/incidents?limit=zero")).await.status, 400);
}

#[tokio::test]
async fn q_searches_names_statuses_and_update_bodies() {
    let api = Api::start().await;
    let database = api.create_incident(json!({"name": "Database latency", "body": "Replica lag."})).await;
    let login = api.create_incident(json!({"name": "Login failures", "body": "SSO provider is down."})).await;
    api.patch(
        &incident_path(&login),
        json!({"incident": {"status": "monitoring", "body": "Watching the REPLICA."}}),
    )
    .await;
    let quiet = api.create_incident(json!({"name": "Quiet one", "status": "identified"})).await;

    let search = |q: &str| {
        let api = &api;
        let q = q.to_owned();
        async move { ids(&api.get(&Api::page(&format!("/incidents?q={q}"))).await.body) }
    };
    let id = |incident: &Value| incident["id"].as_str().expect("id").to_owned();
    assert_eq!(search("database").await, [id(&database)]);
    assert_eq!(search("replica").await, [id(&login), id(&database)]);
    assert_eq!(search("sso%20PROVIDER").await, [id(&login)]);
    assert_eq!(search("monitoring").await, [id(&login)]);
    assert_eq!(search("identified").await, [id(&quiet)]);
    assert_eq!(search("nothing-matches").await, Vec::<String>::new());
    assert_eq!(search("").await.len(), 3);
    let limited = api.get(&Api::page("/incidents?q=replica&limit=1&page=2")).await.body;
    assert_eq!(ids(&limited), [id(&database)]);
}

#[tokio::test]
async fn filtered_lists_select_by_kind_and_status() {
    let api = Api::start().await;
    let control = api.control();
    let create = |incident: Value| {
        let api = &api;
        async move { api.create_incident(incident).await["id"].as_str().expect("id").to_owned() }
    };
    let open = create(json!({"name": "open"})).await;
    let monitoring = create(json!({"name": "monitoring", "status": "monitoring"})).await;
    let _resolved = create(json!({"name": "resolved", "status": "resolved"})).await;
    let future = create(json!({"name": "future", "scheduled_for": clock_plus(&control, 7200),
                               "scheduled_until": clock_plus(&control, 9000)}))
    .await;
    let overdue = create(json!({"name": "overdue", "scheduled_for": clock_plus(&control, -60)})).await;
    let running = create(json!({"name": "running", "status": "in_progress",
                                "scheduled_for": clock_plus(&control, -600)}))
    .await;
    let verifying = create(json!({"name": "verifying", "status": "verifying",
                                  "scheduled_for": clock_plus(&control, -900)}))
    .await;
    let _completed = create(json!({"name": "completed", "status": "completed",
                                   "scheduled_for": clock_plus(&control, -3600)}))
    .await;

    let list = |kind: &str| {
        let api = &api;
        let kind = kind.to_owned();
        async move {
            let answer = api.get(&Api::page(&format!("/incidents/{kind}"))).await;
            assert_eq!(answer.status, 200, "{kind}");
            ids(&answer.body)
        }
    };
    assert_eq!(list("unresolved").await, [monitoring.as_str(), open.as_str()]);
    assert_eq!(list("scheduled").await, [overdue.as_str(), future.as_str()]);
    assert_eq!(list("upcoming").await, [future.as_str()]);
    assert_eq!(list("active_maintenance").await, [verifying.as_str(), running.as_str()]);
    assert_eq!(ids(&api.get(&Api::page("/incidents")).await.body).len(), 8);

    let paged = api.get(&Api::page("/incidents/unresolved?per_page=1&page=2")).await.body;
    assert_eq!(ids(&paged), [open.as_str()]);
    let beyond = api.get(&Api::page("/incidents/scheduled?page=3&per_page=1")).await.body;
    assert_eq!(beyond, json!([]));
    assert_eq!(api.get(&Api::page("/incidents/upcoming?per_page=x")).await.status, 400);
    // The lists are read-only.
    assert_eq!(
        api.post(&Api::page("/incidents/unresolved"), json!({"incident": {"name": "x"}})).await.status,
        405
    );
}

#[tokio::test]
async fn backfilled_incidents_are_resolved_and_take_no_components() {
    let api = Api::start().await;
    let backfilled = api
        .create_incident(json!({"name": "Old outage", "backfilled": true, "backfill_date": "2023-06-01"}))
        .await;
    assert_eq!(backfilled["status"], "resolved");
    assert_eq!(backfilled["created_at"], "2023-06-01T00:00:00.000Z");
    assert_eq!(backfilled["resolved_at"], "2023-06-01T00:00:00.000Z");
    let with_components = api
        .post(
            &Api::page("/incidents"),
            json!({"incident": {"name": "x", "backfilled": true, "component_ids": [API_COMPONENT_ID]}}),
        )
        .await;
    assert_eq!(with_components.status, 422);
    // Oldest creation time: last in the list.
    api.create_incident(json!({"name": "New"})).await;
    let listed = api.get(&Api::page("/incidents")).await.body;
    assert_eq!(listed[1]["id"], backfilled["id"]);
}
