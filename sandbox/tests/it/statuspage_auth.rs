//! Statuspage emulator: authentication, page ownership, 404s, the `.json`
//! suffix, rate limiting and the error body key.

use std::time::Duration;

use serde_json::{Value, json};
use statusctl_sandbox::statuspage::{
    DEMO_PAGE_ID, DEMO_TOKEN, ErrorKey, OTHER_PAGE_ID, OTHER_TOKEN, RateLimitMode, StatuspageOptions,
};

use crate::statuspage_support::{Api, answer, ids, is_statuspage_time};

const INVALID_TOKEN: &str = "Invalid authentication token.";
const NOT_FOUND: &str = "The requested resource could not be found.";

#[tokio::test]
async fn authenticates_with_the_oauth_header_or_the_api_key_query() {
    let api = Api::start().await;

    let by_header = api.get("/pages").await;
    assert_eq!(by_header.status, 200);
    assert_eq!(ids(&by_header.body), [DEMO_PAGE_ID]);

    let by_query = answer(api.raw("GET", &format!("/pages?api_key={DEMO_TOKEN}"))).await;
    assert_eq!(by_query.status, 200);
    assert_eq!(ids(&by_query.body), [DEMO_PAGE_ID]);

    let lowercase_scheme =
        answer(api.raw("GET", "/pages").header("Authorization", format!("oauth {DEMO_TOKEN}"))).await;
    assert_eq!(lowercase_scheme.status, 200);

    let other =
        answer(api.raw("GET", "/pages").header("Authorization", format!("OAuth {OTHER_TOKEN}"))).await;
    assert_eq!(ids(&other.body), [OTHER_PAGE_ID]);
}

#[tokio::test]
async fn rejects_missing_unknown_and_bearer_keys_with_401() {
    let api = Api::start().await;
    let cases = [
        api.raw("GET", "/pages"),
        api.raw("GET", "/pages").header("Authorization", "OAuth not-a-key"),
        api.raw("GET", "/pages?api_key=not-a-key"),
        api.raw("GET", "/pages").header("Authorization", format!("Bearer {DEMO_TOKEN}")),
        api.raw("GET", &Api::page("/incidents")),
    ];
    for request in cases {
        let answer = answer(request).await;
        assert_eq!(answer.status, 401);
        assert_eq!(answer.body, json!({"error": INVALID_TOKEN}));
    }
}

#[tokio::test]
async fn a_key_on_a_page_it_does_not_own_or_an_unknown_page_gets_401() {
    let mut api = Api::start().await;
    for path in [
        format!("/pages/{OTHER_PAGE_ID}"),
        format!("/pages/{OTHER_PAGE_ID}/components"),
        format!("/pages/{OTHER_PAGE_ID}/incidents/zzzzzzzzzzzz"),
        "/pages/nosuchpage00".to_owned(),
        "/pages/nosuchpage00/incidents".to_owned(),
    ] {
        let answer = api.get(&path).await;
        assert_eq!((answer.status, &answer.body), (401, &json!({"error": INVALID_TOKEN})), "{path}");
    }
    let write =
        api.post(&format!("/pages/{OTHER_PAGE_ID}/incidents"), json!({"incident": {"name": "x"}})).await;
    assert_eq!(write.status, 401);

    api.token = OTHER_TOKEN.to_owned();
    assert_eq!(api.get(&format!("/pages/{OTHER_PAGE_ID}/components")).await.status, 200);
    assert_eq!(api.get(&Api::page("")).await.status, 401);
}

#[tokio::test]
async fn unknown_ids_on_an_owned_page_get_404() {
    let api = Api::start().await;
    let missing = "zzzzzzzzzzzz";
    let answers = [
        api.get(&Api::page(&format!("/incidents/{missing}"))).await,
        api.patch(&Api::page(&format!("/incidents/{missing}")), json!({"incident": {"status": "resolved"}}))
            .await,
        api.delete(&Api::page(&format!("/incidents/{missing}"))).await,
        api.get(&Api::page(&format!("/components/{missing}"))).await,
        api.delete(&Api::page(&format!("/components/{missing}"))).await,
        api.get(&Api::page(&format!("/component-groups/{missing}"))).await,
        // A component id is not a group id.
        api.get(&Api::page("/component-groups/apicomponent")).await,
    ];
    for answer in answers {
        assert_eq!((answer.status, answer.body), (404, json!({"error": NOT_FOUND})));
    }
}

#[tokio::test]
async fn accepts_the_legacy_json_suffix() {
    let api = Api::start().await;
    assert_eq!(ids(&api.get("/pages.json").await.body), [DEMO_PAGE_ID]);
    assert_eq!(api.get(&format!("/pages/{DEMO_PAGE_ID}.json")).await.body["id"], DEMO_PAGE_ID);
    assert_eq!(api.get(&Api::page("/components.json")).await.body.as_array().map(Vec::len), Some(7));
    assert_eq!(api.get(&Api::page("/components/apicomponent.json")).await.body["name"], "API");

    let created = api.post(&Api::page("/incidents.json"), json!({"incident": {"name": "Suffixed"}})).await;
    assert_eq!(created.status, 201);
    let id = created.body["id"].as_str().expect("id").to_owned();
    let read = api.get(&Api::page(&format!("/incidents/{id}.json"))).await;
    assert_eq!(read.body["name"], "Suffixed");
    let listed = api.get(&Api::page("/incidents/unresolved.json")).await;
    assert_eq!(ids(&listed.body), [id.as_str()]);
    let patched = api
        .patch(&Api::page(&format!("/incidents/{id}.json")), json!({"incident": {"status": "resolved"}}))
        .await;
    assert_eq!(patched.body["status"], "resolved");
}

#[tokio::test]
async fn page_has_every_spec_field() {
    let api = Api::start().await;
    let page = api.get(&Api::page("")).await.body;
    let spec_fields = [
        "id",
        "created_at",
        "updated_at",
        "name",
        "page_description",
        "headline",
        "branding",
        "subdomain",
        "domain",
        "url",
        "support_url",
        "hidden_from_search",
        "allow_page_subscribers",
        "allow_incident_subscribers",
        "allow_email_subscribers",
        "allow_sms_subscribers",
        "allow_rss_atom_feeds",
        "allow_webhook_subscribers",
        "notifications_from_email",
        "notifications_email_footer",
        "activity_score",
        "twitter_username",
        "viewers_must_be_team_members",
        "ip_restrictions",
        "city",
        "state",
        "country",
        "time_zone",
        "css_body_background_color",
        "css_font_color",
        "css_light_font_color",
        "css_greens",
        "css_yellows",
        "css_oranges",
        "css_blues",
        "css_reds",
        "css_border_color",
        "css_graph_color",
        "css_link_color",
        "css_no_data",
        "favicon_logo",
        "transactional_logo",
        "hero_cover",
        "email_logo",
        "twitter_logo",
    ];
    let object = page.as_object().expect("an object");
    let keys: Vec<&str> = object.keys().map(String::as_str).collect();
    assert_eq!(keys, spec_fields);
    assert_eq!(page["id"], DEMO_PAGE_ID);
    assert_eq!(page["name"], "Sandbox Demo");
    assert_eq!(page["created_at"], "2024-01-01T00:00:00.000Z");
    assert!(is_statuspage_time(&page["updated_at"]));
}

/// 60 requests pass, the 61st gets 420 with `Retry-After`, other keys and
/// unauthenticated or control requests are not counted, and the window frees
/// after 60 s on the sandbox clock.
#[tokio::test]
async fn the_61st_request_in_a_minute_gets_420_with_retry_after() {
    let api = Api::with(StatuspageOptions::default()).await;
    let base = api.sandbox.base_url();
    for _ in 0..5 {
        // Neither unauthenticated requests nor the control API count.
        assert_eq!(answer(api.raw("GET", "/pages")).await.status, 401);
        assert_eq!(answer(crate::support::client().get(format!("{base}/_sandbox/health"))).await.status, 200);
    }
    for request in 1..=60 {
        assert_eq!(api.get("/pages").await.status, 200, "request {request}");
    }
    let limited = api.get(&Api::page("/incidents")).await;
    assert_eq!(limited.status, 420);
    let retry_after: u64 = limited.retry_after.as_deref().expect("Retry-After").parse().expect("seconds");
    assert!((55..=60).contains(&retry_after), "{retry_after}");
    assert_eq!(
        limited.body,
        json!({"error": "Rate limit exceeded: at most 60 requests per 60 seconds per API key."})
    );
    // Writes are limited too, and a rejected request uses up nothing.
    let write = api.post(&Api::page("/incidents"), json!({"incident": {"name": "x"}})).await;
    assert_eq!(write.status, 420);

    let other =
        answer(api.raw("GET", "/pages").header("Authorization", format!("OAuth {OTHER_TOKEN}"))).await;
    assert_eq!(other.status, 200);

    api.control().advance_clock(Duration::from_secs(59));
    let still = api.get("/pages").await;
    assert_eq!(still.status, 420);
    assert_eq!(still.retry_after.as_deref(), Some("1"));
    api.control().advance_clock(Duration::from_secs(1));
    assert_eq!(api.get("/pages").await.status, 200);
    assert!(api.get(&Api::page("/incidents")).await.body.as_array().is_some_and(Vec::is_empty));
}

#[tokio::test]
async fn rate_limit_can_answer_429() {
    let api =
        Api::with(StatuspageOptions { rate_limit: RateLimitMode::Status429, ..Default::default() }).await;
    for _ in 0..60 {
        assert_eq!(api.get("/pages").await.status, 200);
    }
    let limited = api.get("/pages").await;
    assert_eq!(limited.status, 429);
    assert!(limited.retry_after.is_some());
    assert!(limited.body["error"].is_string());
}

#[tokio::test]
async fn rate_limit_can_be_off() {
    let api = Api::with(StatuspageOptions { rate_limit: RateLimitMode::Off, ..Default::default() }).await;
    for request in 1..=120 {
        assert_eq!(api.get("/pages").await.status, 200, "request {request}");
    }
}

#[tokio::test]
async fn error_key_message_uses_the_spec_shape() {
    let api = Api::with(StatuspageOptions {
        rate_limit: RateLimitMode::Off,
        error_key: ErrorKey::Message,
        ..Default::default()
    })
    .await;
    let unauthorized = answer(api.raw("GET", "/pages")).await;
    assert_eq!((unauthorized.status, unauthorized.body), (401, json!({"message": INVALID_TOKEN})));
    let missing = api.get(&Api::page("/incidents/zzzzzzzzzzzz")).await;
    assert_eq!((missing.status, missing.body), (404, json!({"message": NOT_FOUND})));
    let invalid = api.post(&Api::page("/incidents"), json!({"incident": {"status": "resolved"}})).await;
    assert_eq!(invalid.status, 422);
    assert_eq!(invalid.body, json!({"message": "Name can't be blank"}));
    let object = invalid.body.as_object().expect("object");
    assert!(!object.contains_key("error"));
}

#[tokio::test]
async fn answers_carry_json_and_request_id_headers() {
    let api = Api::start().await;
    let response = api
        .raw("GET", "/pages")
        .header("Authorization", format!("OAuth {DEMO_TOKEN}"))
        .send()
        .await
        .expect("answer");
    assert_eq!(response.headers()["content-type"], "application/json; charset=utf-8");
    let request_id = response.headers()["x-request-id"].to_str().expect("ASCII").to_owned();
    assert_eq!(request_id.len(), 32);
    let unknown = api.get("/nothing/here").await;
    assert_eq!(unknown.status, 404);
    let wrong_method = api.send("DELETE", "/pages", None).await;
    assert_eq!(wrong_method.status, 405);
    assert!(matches!(wrong_method.body["error"], Value::String(_)));
}
