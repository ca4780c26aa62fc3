//! Statuspage emulator: components, pagination and component groups.

use serde_json::{Value, json};
use statusctl_sandbox::statuspage::{
    API_COMPONENT_ID, BACKEND_GROUP_ID, CACHE_COMPONENT_IDS, DATABASE_COMPONENT_ID, DEMO_PAGE_ID,
    PAYMENTS_COMPONENT_ID, WEBSITE_COMPONENT_ID,
};

use crate::statuspage_support::{Api, ids, is_statuspage_id, is_statuspage_time};

const COMPONENT_FIELDS: [&str; 14] = [
    "id",
    "page_id",
    "group_id",
    "created_at",
    "updated_at",
    "group",
    "name",
    "description",
    "position",
    "status",
    "showcase",
    "only_show_if_degraded",
    "automation_email",
    "start_date",
];

fn keys(value: &Value) -> Vec<&str> {
    value.as_object().expect("an object").keys().map(String::as_str).collect()
}

#[tokio::test]
async fn lists_the_seed_with_groups_flagged_and_members_pointing_at_them() {
    let api = Api::start().await;
    let list = api.get(&Api::page("/components")).await;
    assert_eq!(list.status, 200);
    let items = list.body.as_array().expect("a bare array");
    assert_eq!(
        ids(&list.body),
        [
            BACKEND_GROUP_ID,
            API_COMPONENT_ID,
            DATABASE_COMPONENT_ID,
            WEBSITE_COMPONENT_ID,
            PAYMENTS_COMPONENT_ID,
            CACHE_COMPONENT_IDS[0],
            CACHE_COMPONENT_IDS[1],
        ]
    );
    let names: Vec<&str> = items.iter().map(|item| item["name"].as_str().expect("name")).collect();
    assert_eq!(names, ["Backend", "API", "Database", "Website", "Payments", "Cache", "Cache"]);
    for item in items {
        assert_eq!(keys(item), COMPONENT_FIELDS);
        assert_eq!(item["page_id"], DEMO_PAGE_ID);
        assert_eq!(item["status"], "operational");
    }
    assert_eq!(items[0]["group"], true);
    assert_eq!(items[0]["group_id"], Value::Null);
    assert_eq!(items[1]["group"], false);
    assert_eq!(items[1]["group_id"], BACKEND_GROUP_ID);
    assert_eq!(items[2]["group_id"], BACKEND_GROUP_ID);
    assert_eq!(items[3]["group_id"], Value::Null);
    let positions: Vec<i64> = items.iter().map(|item| item["position"].as_i64().expect("int")).collect();
    assert_eq!(positions, [1, 2, 3, 4, 5, 6, 7]);
}

#[tokio::test]
async fn pages_through_more_than_100_components_and_caps_per_page() {
    let api = Api::start().await;
    for n in 0..101 {
        let created = api
            .post(&Api::page("/components"), json!({"component": {"name": format!("Extra {n:03}")}}))
            .await;
        assert_eq!(created.status, 201);
    }
    // 7 seeded + 101 created.
    let first = api.get(&Api::page("/components")).await.body;
    assert_eq!(first.as_array().map(Vec::len), Some(100));
    assert_eq!(first[0]["id"], BACKEND_GROUP_ID);
    let second = api.get(&Api::page("/components?page=2")).await.body;
    assert_eq!(second.as_array().map(Vec::len), Some(8));
    assert_eq!(second[7]["name"], "Extra 100");
    let third = api.get(&Api::page("/components?page=3")).await.body;
    assert_eq!(third, json!([]));

    let capped = api.get(&Api::page("/components?per_page=500")).await.body;
    assert_eq!(capped.as_array().map(Vec::len), Some(100));
    let small = api.get(&Api::page("/components?per_page=50&page=3")).await.body;
    assert_eq!(small.as_array().map(Vec::len), Some(8));
    assert_eq!(small[0]["name"], "Extra 093");

    let mut all = Vec::new();
    for page in 1.. {
        let chunk = api.get(&Api::page(&format!("/components?page={page}&per_page=30"))).await.body;
        let chunk = chunk.as_array().expect("array").clone();
        let done = chunk.len() < 30;
        all.extend(chunk);
        if done {
            break;
        }
    }
    assert_eq!(all.len(), 108);

    for bad in ["per_page=0", "page=0", "page=two", "per_page=-1"] {
        let answer = api.get(&Api::page(&format!("/components?{bad}"))).await;
        assert_eq!(answer.status, 400, "{bad}");
        assert!(answer.body["error"].is_string());
    }
}

#[tokio::test]
async fn component_crud() {
    let api = Api::start().await;
    let created = api
        .post(
            &Api::page("/components"),
            json!({"component": {"name": "Search", "description": "Full-text search",
                                 "status": "degraded_performance", "start_date": "2024-03-01"}}),
        )
        .await;
    assert_eq!(created.status, 201);
    let component = created.body;
    assert_eq!(keys(&component), COMPONENT_FIELDS);
    assert!(is_statuspage_id(&component["id"]));
    assert!(is_statuspage_time(&component["created_at"]));
    assert_eq!(component["name"], "Search");
    assert_eq!(component["description"], "Full-text search");
    assert_eq!(component["status"], "degraded_performance");
    assert_eq!(component["group"], false);
    assert_eq!(component["group_id"], Value::Null);
    assert_eq!(component["position"], 8);
    assert_eq!(component["showcase"], true);
    assert_eq!(component["only_show_if_degraded"], false);
    assert_eq!(component["start_date"], "2024-03-01");
    let id = component["id"].as_str().expect("id").to_owned();
    assert_eq!(component["automation_email"], format!("component+{id}@notifications.statuspage.io"));
    let path = Api::page(&format!("/components/{id}"));

    assert_eq!(api.get(&path).await.body, component);

    let patched =
        api.patch(&path, json!({"component": {"status": "major_outage", "name": "Search v2"}})).await;
    assert_eq!(patched.status, 200);
    assert_eq!(patched.body["status"], "major_outage");
    assert_eq!(patched.body["name"], "Search v2");
    assert_eq!(patched.body["description"], "Full-text search");

    let put = api.put(&path, json!({"component": {"description": null, "showcase": false}})).await;
    assert_eq!(put.status, 200);
    assert_eq!(put.body["description"], Value::Null);
    assert_eq!(put.body["showcase"], false);
    assert_eq!(put.body["status"], "major_outage");

    let deleted = api.delete(&path).await;
    assert_eq!(deleted.status, 204);
    assert_eq!(deleted.body, Value::Null);
    assert_eq!(api.get(&path).await.status, 404);
    assert_eq!(api.get(&Api::page("/components")).await.body.as_array().map(Vec::len), Some(7));
}

#[tokio::test]
async fn component_input_is_validated() {
    let api = Api::start().await;
    let path = Api::page("/components");
    let cases = [
        (json!({"component": {"description": "no name"}}), 422, "Name can't be blank"),
        (json!({"component": {"name": "  "}}), 422, "Name can't be blank"),
        (json!({"component": {"name": "X", "status": "on_fire"}}), 422, "on_fire"),
        (json!({"component": {"name": "X", "start_date": "March"}}), 422, "March"),
        (json!({"component": {"name": "X", "group_id": "zzzzzzzzzzzz"}}), 422, "zzzzzzzzzzzz"),
        (json!({"component": {"name": "X", "group_id": API_COMPONENT_ID}}), 422, API_COMPONENT_ID),
        (json!({"component": {"name": "X", "showcase": "sometimes"}}), 422, "showcase"),
        (json!({"name": "X"}), 400, "param is missing or the value is empty: component"),
    ];
    for (body, status, needle) in cases {
        let answer = api.post(&path, body.clone()).await;
        assert_eq!(answer.status, status, "{body}");
        let message = answer.body["error"].as_str().expect("message");
        assert!(message.contains(needle), "{body}: {message}");
    }
    let patch = api
        .patch(
            &Api::page(&format!("/components/{API_COMPONENT_ID}")),
            json!({"component": {"status": "bad"}}),
        )
        .await;
    assert_eq!(patch.status, 422);
    // A group is changed through /component-groups, not /components.
    let group = api
        .patch(&Api::page(&format!("/components/{BACKEND_GROUP_ID}")), json!({"component": {"name": "B"}}))
        .await;
    assert_eq!(group.status, 422);
    assert_eq!(api.component(API_COMPONENT_ID).await["status"], "operational");
}

#[tokio::test]
async fn group_id_null_removes_a_component_from_its_group() {
    let api = Api::start().await;
    let path = Api::page(&format!("/components/{API_COMPONENT_ID}"));
    let group_path = Api::page(&format!("/component-groups/{BACKEND_GROUP_ID}"));

    let removed = api.patch(&path, json!({"component": {"group_id": "null"}})).await;
    assert_eq!(removed.status, 200);
    assert_eq!(removed.body["group_id"], Value::Null);
    assert_eq!(api.get(&group_path).await.body["components"], json!([DATABASE_COMPONENT_ID]));

    let back = api.patch(&path, json!({"component": {"group_id": BACKEND_GROUP_ID}})).await;
    assert_eq!(back.body["group_id"], BACKEND_GROUP_ID);
    assert_eq!(
        api.get(&group_path).await.body["components"],
        json!([API_COMPONENT_ID, DATABASE_COMPONENT_ID])
    );

    let json_null = api.patch(&path, json!({"component": {"group_id": null}})).await;
    assert_eq!(json_null.body["group_id"], Value::Null);
}

#[tokio::test]
async fn a_group_shows_its_worst_member_status() {
    let api = Api::start().await;
    api.patch(
        &Api::page(&format!("/components/{DATABASE_COMPONENT_ID}")),
        json!({"component": {"status": "partial_outage"}}),
    )
    .await;
    api.patch(
        &Api::page(&format!("/components/{API_COMPONENT_ID}")),
        json!({"component": {"status": "degraded_performance"}}),
    )
    .await;
    assert_eq!(api.component(BACKEND_GROUP_ID).await["status"], "partial_outage");
}

#[tokio::test]
async fn component_group_crud() {
    let api = Api::start().await;
    let groups = api.get(&Api::page("/component-groups")).await;
    assert_eq!(groups.status, 200);
    assert_eq!(ids(&groups.body), [BACKEND_GROUP_ID]);
    let backend = &groups.body[0];
    let group_fields =
        ["id", "page_id", "name", "description", "components", "position", "created_at", "updated_at"];
    assert_eq!(keys(backend), group_fields);
    assert_eq!(backend["components"], json!([API_COMPONENT_ID, DATABASE_COMPONENT_ID]));

    let created = api
        .post(
            &Api::page("/component-groups"),
            json!({"description": "Edge services",
                   "component_group": {"name": "Edge", "components": [WEBSITE_COMPONENT_ID, CACHE_COMPONENT_IDS[0]]}}),
        )
        .await;
    assert_eq!(created.status, 201);
    let group = created.body;
    assert_eq!(keys(&group), group_fields);
    assert!(is_statuspage_id(&group["id"]));
    assert_eq!(group["name"], "Edge");
    assert_eq!(group["description"], "Edge services");
    assert_eq!(group["page_id"], DEMO_PAGE_ID);
    assert_eq!(group["components"], json!([WEBSITE_COMPONENT_ID, CACHE_COMPONENT_IDS[0]]));
    let id = group["id"].as_str().expect("id").to_owned();
    let path = Api::page(&format!("/component-groups/{id}"));
    assert_eq!(api.component(WEBSITE_COMPONENT_ID).await["group_id"], id.as_str());
    // The group also shows in the components list.
    let listed = api.component(&id).await;
    assert_eq!(listed["group"], true);
    assert_eq!(listed["name"], "Edge");

    assert_eq!(api.get(&path).await.body, group);
    let patched = api
        .patch(&path, json!({"component_group": {"name": "Edge+", "components": [CACHE_COMPONENT_IDS[1]]}}))
        .await;
    assert_eq!(patched.status, 200);
    assert_eq!(patched.body["name"], "Edge+");
    assert_eq!(patched.body["description"], "Edge services");
    assert_eq!(patched.body["components"], json!([CACHE_COMPONENT_IDS[1]]));
    assert_eq!(api.component(WEBSITE_COMPONENT_ID).await["group_id"], Value::Null);

    let put = api.put(&path, json!({"description": "Moved", "component_group": {"name": "Edge"}})).await;
    assert_eq!(put.status, 200);
    assert_eq!(put.body["description"], "Moved");
    assert_eq!(put.body["components"], json!([CACHE_COMPONENT_IDS[1]]));

    let deleted = api.delete(&path).await;
    assert_eq!(deleted.status, 200);
    assert_eq!(deleted.body["id"], id.as_str());
    assert_eq!(deleted.body["components"], json!([CACHE_COMPONENT_IDS[1]]));
    assert_eq!(api.get(&path).await.status, 404);
    // Members survive, ungrouped.
    assert_eq!(api.component(CACHE_COMPONENT_IDS[1]).await["group_id"], Value::Null);
    assert_eq!(ids(&api.get(&Api::page("/component-groups")).await.body), [BACKEND_GROUP_ID]);
}

#[tokio::test]
async fn component_group_input_is_validated() {
    let api = Api::start().await;
    let path = Api::page("/component-groups");
    let cases = [
        (json!({"component_group": {"components": [WEBSITE_COMPONENT_ID]}}), 422, "Name"),
        (json!({"component_group": {"name": "G"}}), 422, "at least one component"),
        (json!({"component_group": {"name": "G", "components": []}}), 422, "at least one component"),
        (json!({"component_group": {"name": "G", "components": ["zzzzzzzzzzzz"]}}), 422, "zzzzzzzzzzzz"),
        (json!({"component_group": {"name": "G", "components": [BACKEND_GROUP_ID]}}), 422, "nested"),
        (json!({"name": "G"}), 400, "component_group"),
    ];
    for (body, status, needle) in cases {
        let answer = api.post(&path, body.clone()).await;
        assert_eq!(answer.status, status, "{body}");
        let message = answer.body["error"].as_str().expect("message");
        assert!(message.contains(needle), "{body}: {message}");
    }
    assert_eq!(ids(&api.get(&path).await.body), [BACKEND_GROUP_ID]);
}
