//! Nobl9 emulator: issues (`POST …/issues`), external issues
//! (`POST …/issues/external`), the issue list (`GET …/issues`), the summary
//! (`GET …/issues/summary`), the active window and auto-detection.

use serde_json::{Value, json};
use statusctl_sandbox::nobl9::{
    API_EU_COMPONENT_ID, API_US_COMPONENT_ID, AUTO_DETECTION_USER, CACHE_COMPONENT_IDS,
    DATABASE_COMPONENT_ID, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_ORG, DEMO_USER, FRONTEND_COMPONENT_ID,
    Nobl9Options, OTHER_CLIENT_ID, OTHER_CLIENT_SECRET, PLATFORM_COMPONENT_ID, WEB_COMPONENT_ID,
};

use crate::nobl9_support::{
    API, Answer, Nobl9, answer, basic, error_body, is_utc_time, millis_between, options,
};

fn ids(list: &Value) -> Vec<String> {
    list.as_array().expect("a list").iter().map(|item| item["id"].as_str().expect("id").to_owned()).collect()
}

async fn active_ids(api: &Nobl9) -> Vec<String> {
    ids(&api.get("/issues?active=true").await.body["issues"])
}

/// How many status changes a component has had.
async fn history_len(api: &Nobl9, id: &str) -> usize {
    let history = api.get(&format!("/components/{id}/status-changes")).await.body;
    history["history"].as_array().expect("history").len()
}

/// `POST …/issues/external` with Basic client credentials.
async fn external(api: &Nobl9, body: Value) -> Answer {
    answer(
        api.raw("POST", &format!("{API}/issues/external"))
            .header("Authorization", basic(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET))
            .header("organization", DEMO_ORG)
            .header("Content-Type", "application/json")
            .body(body.to_string()),
    )
    .await
}

#[tokio::test]
async fn creating_an_issue_answers_201_with_the_issue() {
    let api = Nobl9::start().await;
    let created = api
        .post(
            "/issues",
            json!({"componentId": API_EU_COMPONENT_ID, "occurredAt": "2026-02-05T10:30:00.123456Z", "comment": "Users report 502s"}),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let issue = created.body;
    assert!(is_utc_time(&issue["createdAt"]));
    assert!(millis_between(&json!(api.control().clock().now_rfc3339()), &issue["createdAt"]).abs() < 5_000);
    assert_eq!(
        issue,
        json!({
            "id": issue["id"],
            "componentId": API_EU_COMPONENT_ID,
            "componentName": "API EU",
            "source": "user",
            "occurredAt": "2026-02-05T10:30:00.123456Z",
            "comment": "Users report 502s",
            "createdAt": issue["createdAt"],
            "createdBy": DEMO_USER,
        })
    );
    assert_eq!(issue["id"].as_str().map(str::len), Some(36));

    let offset = api
        .post(
            "/issues",
            json!({"componentId": DATABASE_COMPONENT_ID, "occurredAt": "2026-02-05T11:30:00+01:00"}),
        )
        .await;
    assert_eq!(offset.status, 201);
    assert_eq!(offset.body["occurredAt"], "2026-02-05T10:30:00Z");
    assert!(offset.body.get("comment").is_none());
}

#[tokio::test]
async fn creating_an_issue_validates_the_body() {
    let api = Nobl9::start().await;
    let now = api.clock_plus(0);
    let property = |title: &str, name: &str, value: Option<&str>| {
        let mut source = json!({"propertyName": name});
        if let Some(value) = value {
            source["propertyValue"] = json!(value);
        }
        json!({"errors": [{"title": title, "code": "validation_error", "source": source}]})
    };
    let cases = [
        (json!({"occurredAt": now}), property("componentId is required", "componentId", None)),
        (json!({"componentId": API_EU_COMPONENT_ID}), property("occurredAt is required", "occurredAt", None)),
        (
            json!({"componentId": 7, "occurredAt": now}),
            property("componentId must be a string", "componentId", Some("7")),
        ),
        (
            json!({"componentId": API_EU_COMPONENT_ID, "occurredAt": "yesterday"}),
            property(
                "occurredAt must be an RFC 3339 date-time, e.g. 2026-02-05T10:30:00Z",
                "occurredAt",
                Some("yesterday"),
            ),
        ),
    ];
    for (body, expected) in cases {
        let refused = api.post("/issues", body.clone()).await;
        assert_eq!((refused.status, &refused.body), (400, &expected), "{body}");
    }
    for raw in ["", "[]", "{\"componentId\""] {
        let refused =
            answer(api.request("POST", "/issues").header("Content-Type", "application/json").body(raw)).await;
        assert_eq!(refused.status, 400, "{raw:?}");
        assert_eq!(refused.body["errors"][0]["code"], "invalid_request", "{raw:?}");
    }
    let unknown = api.post("/issues", json!({"componentId": "nope", "occurredAt": now})).await;
    assert_eq!(
        (unknown.status, &unknown.body),
        (404, &error_body("Not Found", "not_found", "Component nope not found."))
    );
    assert_eq!(api.get("/issues").await.body["total"], 0);
}

#[tokio::test]
async fn the_issue_list_filters_sorts_and_pages() {
    let api = Nobl9::start().await;
    let eu = api.create_issue(API_EU_COMPONENT_ID, &api.clock_plus(-600)).await;
    let old = api.create_issue(API_US_COMPONENT_ID, &api.clock_plus(-25 * 3600)).await;
    let reported = external(
        &api,
        json!({"componentName": "Cache", "occurredAt": api.clock_plus(-60), "requestedBy": "prometheus"}),
    )
    .await;
    assert_eq!(reported.status, 200);
    let cache = ids(&reported.body["reports"]);
    let us = api.create_issue(API_US_COMPONENT_ID, &api.clock_plus(-300)).await;
    let id = |issue: &Value| issue["id"].as_str().expect("id").to_owned();

    let all = api.get("/issues").await;
    assert_eq!(all.status, 200);
    assert_eq!(
        (&all.body["total"], &all.body["limit"], &all.body["offset"]),
        (&json!(5), &json!(50), &json!(0))
    );
    // Newest occurredAt first; the two Cache reports share theirs (later reported first).
    assert_eq!(ids(&all.body["issues"]), [cache[1].clone(), cache[0].clone(), id(&us), id(&eu), id(&old)]);
    assert_eq!(all.body["issues"][0]["source"], "external");
    assert_eq!(all.body["issues"][0]["createdBy"], "prometheus");
    assert_eq!(all.body["issues"][2], us);

    let query = |query: &'static str| {
        let api = &api;
        async move {
            let answer = api.get(&format!("/issues?{query}")).await;
            assert_eq!(answer.status, 200, "{query}: {:?}", answer.body);
            answer.body
        }
    };
    assert_eq!(
        ids(&query("componentId=9e48d1e0-84c0-4215-a7fb-a99200b689d8").await["issues"]),
        [id(&us), id(&old)]
    );
    assert_eq!(ids(&query("source=external").await["issues"]), [cache[1].clone(), cache[0].clone()]);
    assert_eq!(query("source=internal").await["total"], 0);
    assert_eq!(query("active=true").await["total"], 4);
    assert_eq!(ids(&query("active=false").await["issues"]), [id(&old)]);
    assert_eq!(ids(&query("source=user&active=true").await["issues"]), [id(&us), id(&eu)]);
    let page = query("limit=2&offset=1").await;
    assert_eq!((&page["total"], &page["limit"], &page["offset"]), (&json!(5), &json!(2), &json!(1)));
    assert_eq!(ids(&page["issues"]), [cache[0].clone(), id(&us)]);
    assert_eq!(query("offset=10").await["issues"], json!([]));
    assert_eq!(query("limit=500").await["limit"], 200);
    for bad in ["source=slo", "active=1", "limit=0", "limit=x", "offset=-2"] {
        assert_eq!(api.get(&format!("/issues?{bad}")).await.status, 400, "{bad}");
    }
}

#[tokio::test]
async fn issues_stay_active_for_24_hours_after_they_occurred() {
    let api = Nobl9::start().await;
    let issue = api.create_issue(FRONTEND_COMPONENT_ID, &api.clock_plus(0)).await;
    api.advance(86_398);
    assert_eq!(active_ids(&api).await, [issue["id"].as_str().expect("id")]);
    assert_eq!(
        api.get("/issues/summary").await.body["components"][0]["activeCounts"],
        json!({"activeTotal": 1})
    );
    api.advance(3);
    assert_eq!(active_ids(&api).await, Vec::<String>::new());
    assert_eq!(api.get("/issues/summary").await.body["components"], json!([]));
}

#[tokio::test]
async fn the_summary_counts_by_source_and_age() {
    let api = Nobl9::start().await;
    api.create_issue(API_EU_COMPONENT_ID, &api.clock_plus(-30 * 60)).await;
    api.create_issue(API_EU_COMPONENT_ID, &api.clock_plus(-2 * 3600)).await;
    api.create_issue(DATABASE_COMPONENT_ID, &api.clock_plus(-10 * 86_400)).await;
    let reported =
        external(&api, json!({"componentName": "Frontend", "occurredAt": api.clock_plus(-2 * 86_400)})).await;
    assert_eq!(reported.status, 200);
    external(&api, json!({"componentName": "Frontend", "occurredAt": api.clock_plus(-10)})).await;

    let summary = api.get("/issues/summary").await;
    assert_eq!(summary.status, 200);
    assert_eq!(
        summary.body,
        json!({
            "totalCounts": {
                "total": 5, "userCount": 3, "externalCount": 2, "internalCount": 0,
                "lastHour": 2, "last24h": 3, "last7d": 4,
            },
            "components": [
                {
                    "componentId": API_EU_COMPONENT_ID,
                    "componentName": "API EU",
                    "counts": {"total": 2, "userCount": 2, "externalCount": 0, "internalCount": 0},
                    "activeCounts": {"activeTotal": 2},
                },
                {
                    "componentId": FRONTEND_COMPONENT_ID,
                    "componentName": "Frontend",
                    "counts": {"total": 2, "userCount": 0, "externalCount": 2, "internalCount": 0},
                    "activeCounts": {"activeTotal": 1},
                },
            ],
        })
    );
}

#[tokio::test]
async fn an_external_issue_reports_every_component_with_the_exact_name() {
    let api = Nobl9::start().await;
    let occurred_at = "2026-02-05T10:30:00.123456Z";
    let reported = external(
        &api,
        json!({"componentName": "Cache", "occurredAt": occurred_at, "comment": "Redis latency", "requestedBy": "prometheus"}),
    )
    .await;
    assert_eq!(reported.status, 200, "{:?}", reported.body);
    let reports = reported.body["reports"].as_array().expect("reports");
    assert_eq!(
        reported.body,
        json!({"reports": [
            {"id": reports[0]["id"], "componentId": CACHE_COMPONENT_IDS[0], "componentName": "Cache"},
            {"id": reports[1]["id"], "componentId": CACHE_COMPONENT_IDS[1], "componentName": "Cache"},
        ]})
    );
    let listed = api.get("/issues?source=external").await.body;
    for issue in listed["issues"].as_array().expect("issues") {
        assert_eq!(
            (&issue["occurredAt"], &issue["comment"], &issue["createdBy"]),
            (&json!(occurred_at), &json!("Redis latency"), &json!("prometheus"))
        );
    }

    // Bearer works too; without requestedBy the caller's user reports.
    let by_token =
        api.post("/issues/external", json!({"componentName": "Frontend", "occurredAt": occurred_at})).await;
    assert_eq!(by_token.status, 200);
    assert_eq!(by_token.body["reports"][0]["componentId"], FRONTEND_COMPONENT_ID);
    assert_eq!(
        api.get(&format!("/issues?componentId={FRONTEND_COMPONENT_ID}")).await.body["issues"][0]["createdBy"],
        DEMO_USER
    );

    let case_sensitive = external(&api, json!({"componentName": "cache", "occurredAt": occurred_at})).await;
    assert_eq!(
        (case_sensitive.status, &case_sensitive.body),
        (404, &error_body("Not Found", "not_found", "No component named \"cache\"."))
    );
    let missing = external(&api, json!({"occurredAt": occurred_at})).await;
    assert_eq!(missing.status, 400);
    assert_eq!(missing.body["errors"][0]["title"], "componentName is required");

    let wrong_secret = answer(
        api.raw("POST", &format!("{API}/issues/external"))
            .header("Authorization", basic(DEMO_CLIENT_ID, "wrong"))
            .header("Organization", DEMO_ORG)
            .body(json!({"componentName": "Cache", "occurredAt": occurred_at}).to_string()),
    )
    .await;
    assert_eq!(
        (wrong_secret.status, &wrong_secret.body),
        (401, &error_body("Unauthorized", "unauthorized", "Invalid client credentials."))
    );
    let other_client = answer(
        api.raw("POST", &format!("{API}/issues/external"))
            .header("Authorization", basic(OTHER_CLIENT_ID, OTHER_CLIENT_SECRET))
            .header("Organization", DEMO_ORG)
            .body(json!({"componentName": "Cache", "occurredAt": occurred_at}).to_string()),
    )
    .await;
    assert_eq!(other_client.status, 401);
    assert_eq!(api.get("/issues").await.body["total"], 3);
}

#[tokio::test]
async fn an_external_status_change_applies_to_every_match() {
    let api = Nobl9::start().await;
    let reported = external(
        &api,
        json!({
            "componentName": "Cache",
            "occurredAt": api.clock_plus(0),
            "comment": "critical alert",
            "requestedBy": "datadog",
            "statusChange": {"status": "majorOutage", "propagateUp": true},
        }),
    )
    .await;
    assert_eq!(reported.status, 200, "{:?}", reported.body);
    let changed =
        json!({"componentName": "Cache", "previousStatus": "operational", "newStatus": "majorOutage"});
    assert_eq!(reported.body["statusChanges"], json!([changed, changed]));
    assert_eq!(reported.body["reports"].as_array().map(Vec::len), Some(2));

    let history = api.get(&format!("/components/{PLATFORM_COMPONENT_ID}/status-changes")).await.body;
    let entry = &history["history"][0];
    assert_eq!(
        (&entry["newStatus"], &entry["propagatedFrom"], &entry["changedBy"], &entry["comment"]),
        (&json!("majorOutage"), &json!(CACHE_COMPONENT_IDS[0]), &json!("datadog"), &json!("critical alert"))
    );
    let web = api.get(&format!("/components/{WEB_COMPONENT_ID}/status-changes")).await.body;
    assert_eq!(web["history"][0]["propagatedFrom"], CACHE_COMPONENT_IDS[1]);
    let incidents = api.incidents("?ongoing=true").await;
    let mut counts: Vec<(String, i64)> = incidents["days"][0]["incidents"]
        .as_array()
        .expect("incidents")
        .iter()
        .map(|incident| {
            (
                incident["componentId"].as_str().expect("id").to_owned(),
                incident["issueCount"].as_i64().expect("count"),
            )
        })
        .collect();
    counts.sort();
    let mut expected = vec![
        (CACHE_COMPONENT_IDS[0].to_owned(), 1),
        (CACHE_COMPONENT_IDS[1].to_owned(), 1),
        (PLATFORM_COMPONENT_ID.to_owned(), 0),
        (WEB_COMPONENT_ID.to_owned(), 0),
    ];
    expected.sort();
    assert_eq!(counts, expected, "the issues count toward the incidents their change opened");

    // Without propagateUp only the matches change; the roots keep their own status.
    let recovered = external(
        &api,
        json!({"componentName": "Cache", "occurredAt": api.clock_plus(0), "statusChange": {"status": "operational"}}),
    )
    .await;
    let back = json!({"componentName": "Cache", "previousStatus": "majorOutage", "newStatus": "operational"});
    assert_eq!(recovered.body["statusChanges"], json!([back, back]));
    let tree = api.get("/components").await.body;
    assert_eq!(tree["components"][0]["status"], "majorOutage");
    assert_eq!(tree["components"][0]["children"][2]["status"], "operational");

    let invalid = external(
        &api,
        json!({"componentName": "Cache", "occurredAt": api.clock_plus(0), "statusChange": {"status": "partialOutage"}}),
    )
    .await;
    assert_eq!(invalid.status, 400);
    assert_eq!(
        invalid.body["errors"][0]["source"],
        json!({"propertyName": "statusChange.status", "propertyValue": "partialOutage"})
    );
    assert_eq!(api.get("/issues").await.body["total"], 4, "a refused report creates nothing");
}

#[tokio::test]
async fn auto_detection_degrades_after_five_issues_in_five_minutes() {
    let api = Nobl9::with(Nobl9Options { auto_detection: true, ..options() }).await;
    for _ in 0..4 {
        api.create_issue(API_EU_COMPONENT_ID, &api.clock_plus(0)).await;
    }
    assert_eq!(history_len(&api, API_EU_COMPONENT_ID).await, 0);
    api.create_issue(API_EU_COMPONENT_ID, &api.clock_plus(0)).await;
    let history = api.get(&format!("/components/{API_EU_COMPONENT_ID}/status-changes")).await.body;
    let change = &history["history"][0];
    assert_eq!(
        (&change["previousStatus"], &change["newStatus"], &change["changedBy"], &change["comment"]),
        (
            &json!("operational"),
            &json!("degradedPerformance"),
            &json!(AUTO_DETECTION_USER),
            &json!("Automatically detected: 5 issues reported within 5 minutes.")
        )
    );
    let incident = &api.incidents("?ongoing=true").await["days"][0]["incidents"][0];
    assert_eq!((&incident["componentId"], &incident["issueCount"]), (&json!(API_EU_COMPONENT_ID), &json!(5)));
    api.create_issue(API_EU_COMPONENT_ID, &api.clock_plus(0)).await;
    assert_eq!(api.incidents("?ongoing=true").await["days"][0]["incidents"][0]["issueCount"], 6);
    assert_eq!(history_len(&api, API_EU_COMPONENT_ID).await, 1, "no second change while degraded");

    // Only issues within the last 5 minutes count.
    for _ in 0..4 {
        api.create_issue(DATABASE_COMPONENT_ID, &api.clock_plus(0)).await;
    }
    api.advance(301);
    api.create_issue(DATABASE_COMPONENT_ID, &api.clock_plus(0)).await;
    assert_eq!(history_len(&api, DATABASE_COMPONENT_ID).await, 0);
    for _ in 0..3 {
        api.create_issue(DATABASE_COMPONENT_ID, &api.clock_plus(0)).await;
    }
    assert_eq!(history_len(&api, DATABASE_COMPONENT_ID).await, 0);
    // External reports count too.
    external(&api, json!({"componentName": "Database", "occurredAt": api.clock_plus(0)})).await;
    assert_eq!(history_len(&api, DATABASE_COMPONENT_ID).await, 1);

    // A major outage is never lowered by the rule.
    api.change_status(API_US_COMPONENT_ID, "majorOutage", false, "down").await;
    for _ in 0..5 {
        api.create_issue(API_US_COMPONENT_ID, &api.clock_plus(0)).await;
    }
    assert_eq!(history_len(&api, API_US_COMPONENT_ID).await, 1);
}

#[tokio::test]
async fn auto_detection_is_off_by_default() {
    let api = Nobl9::start().await;
    for _ in 0..6 {
        api.create_issue(API_EU_COMPONENT_ID, &api.clock_plus(0)).await;
    }
    assert_eq!(api.incidents("").await, json!({"days": []}));
    assert_eq!(api.get("/components").await.body["components"][0]["status"], "operational");
}
