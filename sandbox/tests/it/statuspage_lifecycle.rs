//! Statuspage emulator: the sandbox clock and clock-driven maintenance
//! transitions.

use std::time::Duration;

use serde_json::{Value, json};
use statusctl_sandbox::statuspage::{API_COMPONENT_ID, DATABASE_COMPONENT_ID, WEBSITE_COMPONENT_ID};

use crate::statuspage_support::{Api, answer, clock_plus, ids, is_statuspage_time, millis_between};
use crate::support::client;

#[tokio::test]
async fn the_clock_control_api_reports_and_advances_time() {
    let api = Api::start().await;
    let url = format!("{}/_sandbox/clock", api.sandbox.base_url());
    let client = client();

    let before = answer(client.get(&url)).await;
    assert_eq!(before.status, 200);
    assert!(is_statuspage_time(&before.body["now"]), "{:?}", before.body);

    let advanced = answer(
        client.post(&url).header("Content-Type", "application/json").body(r#"{"advance_seconds": 3600}"#),
    )
    .await;
    assert_eq!(advanced.status, 200);
    let moved = millis_between(&before.body["now"], &advanced.body["now"]);
    assert!((3_600_000..3_610_000).contains(&moved), "{moved}");
    assert_eq!(api.control().clock().offset(), Duration::from_secs(3600));

    let fractional = answer(
        client.post(&url).header("Content-Type", "application/json").body(r#"{"advance_seconds": 0.5}"#),
    )
    .await;
    assert_eq!(fractional.status, 200);
    assert_eq!(api.control().clock().offset(), Duration::from_millis(3_600_500));

    for bad in [r#"{"advance_seconds": -1}"#, r#"{"seconds": 5}"#, "five", r#"{"advance_seconds": "5"}"#] {
        let refused = answer(client.post(&url).header("Content-Type", "application/json").body(bad)).await;
        assert_eq!(refused.status, 400, "{bad}");
        assert!(refused.body["error"].is_string());
    }
    assert_eq!(api.control().clock().offset(), Duration::from_millis(3_600_500));

    // A reset does not rewind the clock.
    api.control().reset();
    assert_eq!(api.control().clock().offset(), Duration::from_millis(3_600_500));
    // Timestamps the API hands out follow the sandbox clock.
    let incident = api.create_incident(json!({"name": "Later"})).await;
    let skew = millis_between(&api.control().clock().now_rfc3339().into(), &incident["created_at"]);
    assert!(skew.abs() < 10_000, "{skew}");
}

#[tokio::test]
async fn a_maintenance_starts_and_completes_as_the_clock_advances() {
    let api = Api::start().await;
    let control = api.control();
    let start = clock_plus(&control, 3600);
    let end = clock_plus(&control, 7200);
    let maintenance = api
        .create_incident(json!({
            "name": "DB upgrade",
            "body": "We will upgrade the database.",
            "scheduled_for": start,
            "scheduled_until": end,
            "scheduled_auto_in_progress": true,
            "scheduled_auto_completed": true,
            "auto_transition_to_maintenance_state": true,
            "auto_transition_to_operational_state": true,
            "auto_transition_deliver_notifications_at_start": true,
            "component_ids": [API_COMPONENT_ID, DATABASE_COMPONENT_ID],
        }))
        .await;
    assert_eq!(maintenance["status"], "scheduled");
    assert_eq!(maintenance["impact"], "maintenance");
    assert_eq!(maintenance["scheduled_for"], start.as_str());
    assert_eq!(maintenance["scheduled_until"], end.as_str());
    assert_eq!(maintenance["started_at"], start.as_str());
    for flag in [
        "scheduled_auto_in_progress",
        "scheduled_auto_completed",
        "auto_transition_to_maintenance_state",
        "auto_transition_to_operational_state",
        "auto_transition_deliver_notifications_at_start",
    ] {
        assert_eq!(maintenance[flag], true, "{flag}");
    }
    assert_eq!(maintenance["auto_transition_deliver_notifications_at_end"], false);
    let id = maintenance["id"].as_str().expect("id").to_owned();
    let path = Api::page(&format!("/incidents/{id}"));
    assert_eq!(ids(&api.get(&Api::page("/incidents/upcoming")).await.body), [id.as_str()]);

    // Not yet.
    api.advance(3599).await;
    assert_eq!(api.get(&path).await.body["status"], "scheduled");

    api.advance(2).await;
    let started = api.get(&path).await.body;
    assert_eq!(started["status"], "in_progress");
    assert_eq!(started["updated_at"], start.as_str());
    let update = &started["incident_updates"][0];
    assert_eq!(update["status"], "in_progress");
    assert_eq!(update["created_at"], start.as_str());
    assert_eq!(update["deliver_notifications"], true);
    assert_eq!(
        update["affected_components"],
        json!([
            {"code": API_COMPONENT_ID, "name": "API", "old_status": "operational", "new_status": "under_maintenance"},
            {"code": DATABASE_COMPONENT_ID, "name": "Database",
             "old_status": "operational", "new_status": "under_maintenance"},
        ])
    );
    assert_eq!(api.component(API_COMPONENT_ID).await["status"], "under_maintenance");
    assert_eq!(api.component(DATABASE_COMPONENT_ID).await["status"], "under_maintenance");
    assert_eq!(api.component(WEBSITE_COMPONENT_ID).await["status"], "operational");
    assert_eq!(ids(&api.get(&Api::page("/incidents/active_maintenance")).await.body), [id.as_str()]);
    assert_eq!(api.get(&Api::page("/incidents/upcoming")).await.body, json!([]));
    assert_eq!(api.get(&Api::page("/incidents/scheduled")).await.body, json!([]));

    api.advance(3600).await;
    let completed = api.get(&path).await.body;
    assert_eq!(completed["status"], "completed");
    assert_eq!(completed["resolved_at"], end.as_str());
    let statuses: Vec<&str> = completed["incident_updates"]
        .as_array()
        .expect("updates")
        .iter()
        .map(|update| update["status"].as_str().expect("status"))
        .collect();
    assert_eq!(statuses, ["completed", "in_progress", "scheduled"]);
    assert_eq!(completed["incident_updates"][0]["deliver_notifications"], false);
    assert_eq!(api.component(API_COMPONENT_ID).await["status"], "operational");
    assert_eq!(api.component(DATABASE_COMPONENT_ID).await["status"], "operational");
    assert_eq!(api.get(&Api::page("/incidents/active_maintenance")).await.body, json!([]));
}

#[tokio::test]
async fn a_jump_past_the_whole_window_runs_both_transitions() {
    let api = Api::start().await;
    let control = api.control();
    let maintenance = api
        .create_incident(json!({
            "name": "Short",
            "scheduled_for": clock_plus(&control, 60),
            "scheduled_until": clock_plus(&control, 120),
            // The documented alias of scheduled_auto_in_progress.
            "scheduled_auto_transition": true,
            "scheduled_auto_completed": true,
            "components": {WEBSITE_COMPONENT_ID: "degraded_performance"},
        }))
        .await;
    assert_eq!(maintenance["scheduled_auto_in_progress"], true);
    api.advance(3600).await;
    let done =
        api.get(&Api::page(&format!("/incidents/{}", maintenance["id"].as_str().expect("id")))).await.body;
    assert_eq!(done["status"], "completed");
    assert_eq!(done["incident_updates"].as_array().map(Vec::len), Some(3));
    // Without the auto_transition_to_* flags components keep their status.
    assert_eq!(api.component(WEBSITE_COMPONENT_ID).await["status"], "degraded_performance");
    assert_eq!(done["incident_updates"][0]["affected_components"], json!([]));
}

#[tokio::test]
async fn a_maintenance_without_auto_flags_waits_for_its_owner() {
    let api = Api::start().await;
    let control = api.control();
    let maintenance = api
        .create_incident(json!({
            "name": "Manual",
            "scheduled_for": clock_plus(&control, 60),
            "scheduled_until": clock_plus(&control, 120),
            "component_ids": [API_COMPONENT_ID],
            "auto_transition_to_maintenance_state": true,
        }))
        .await;
    let path = Api::page(&format!("/incidents/{}", maintenance["id"].as_str().expect("id")));
    api.advance(3600).await;
    let waiting = api.get(&path).await.body;
    assert_eq!(waiting["status"], "scheduled");
    assert_eq!(waiting["incident_updates"].as_array().map(Vec::len), Some(1));
    assert_eq!(api.component(API_COMPONENT_ID).await["status"], "operational");
    // Past its start it is scheduled but no longer upcoming.
    assert_eq!(api.get(&Api::page("/incidents/upcoming")).await.body, json!([]));
    assert_eq!(api.get(&Api::page("/incidents/scheduled")).await.body.as_array().map(Vec::len), Some(1));

    let started =
        api.patch(&path, json!({"incident": {"status": "in_progress", "body": "Started by hand."}})).await;
    assert_eq!(started.body["status"], "in_progress");
    assert_eq!(started.body["incident_updates"][0]["body"], "Started by hand.");
    let completed = api.patch(&path, json!({"incident": {"status": "completed"}})).await.body;
    assert!(is_statuspage_time(&completed["resolved_at"]));
    assert_eq!(completed["resolved_at"], completed["updated_at"]);
    assert_ne!(completed["resolved_at"], Value::Null);
}
