//! Nobl9 emulator: access tokens (`/api/accessToken` and Okta), their rate
//! limit and expiry, and the Bearer + `Organization` checks of API calls.

use serde_json::{Value, json};
use statusctl_sandbox::nobl9::{
    DEMO_API_TOKEN, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_ORG, DEMO_USER, Nobl9Options, OKTA_AUTH_SERVER,
    OTHER_CLIENT_ID, OTHER_CLIENT_SECRET, OTHER_COMPONENT_ID, OTHER_ORG, OTHER_USER,
};

use crate::nobl9_support::{API, Nobl9, answer, basic, claims, error_body, is_trace_id, options};
use crate::support::raw_exchange;

fn unauthorized(detail: &str) -> Value {
    error_body("Unauthorized", "unauthorized", detail)
}

#[tokio::test]
async fn issues_a_jwt_for_client_credentials_and_the_organization() {
    let api = Nobl9::start().await;
    let answer = api.access_token_for(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_ORG).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(answer.content_type.as_deref(), Some("application/json"));
    assert!(is_trace_id(answer.trace_id.as_deref()), "{:?}", answer.trace_id);
    let object = answer.body.as_object().expect("an object");
    assert_eq!(object.keys().collect::<Vec<_>>(), ["access_token"]);
    let token = answer.body["access_token"].as_str().expect("a token");

    let header = token.split('.').next().expect("a header");
    assert_eq!(claims(&format!("x.{header}.y")), json!({"alg": "HS256", "typ": "JWT"}));
    let payload = claims(token);
    let host = api.sandbox.addr().to_string();
    assert_eq!(payload["iss"], format!("http://{host}/oauth2/{OKTA_AUTH_SERVER}"));
    assert_eq!(payload["cid"], DEMO_CLIENT_ID);
    assert_eq!(
        payload["m2mProfile"],
        json!({"user": DEMO_USER, "organization": DEMO_ORG, "environment": host})
    );
    let (iat, exp) = (payload["iat"].as_i64().expect("iat"), payload["exp"].as_i64().expect("exp"));
    assert_eq!(exp - iat, 3600);
    let now = jiff::Timestamp::try_from(api.control().clock().now()).expect("in range").as_second();
    assert!((now - 5..=now).contains(&iat), "iat {iat}, now {now}");

    let mut caller = api;
    caller.token = token.to_owned();
    assert_eq!(caller.get("/status").await.status, 200);
}

#[tokio::test]
async fn token_requests_need_the_organization_and_valid_basic_credentials() {
    let api = Nobl9::start().await;
    let without_organization = answer(
        api.raw("POST", "/api/accessToken")
            .header("Authorization", basic(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)),
    )
    .await;
    assert_eq!(without_organization.status, 400);
    assert_eq!(
        without_organization.body,
        error_body(
            "Missing Organization header",
            "missing_header",
            "Send the organization ID in the Organization header."
        )
    );
    assert!(is_trace_id(without_organization.trace_id.as_deref()));

    let invalid = unauthorized("Invalid client credentials for organization \"sandbox-org\".");
    for (id, secret, organization) in [
        (DEMO_CLIENT_ID, "wrong-secret", DEMO_ORG),
        ("nobody", DEMO_CLIENT_SECRET, DEMO_ORG),
        // A valid client, but of another organization.
        (OTHER_CLIENT_ID, OTHER_CLIENT_SECRET, DEMO_ORG),
    ] {
        let refused = api.access_token_for(id, secret, organization).await;
        assert_eq!((refused.status, &refused.body), (401, &invalid), "{id}:{secret}");
    }
    let not_basic =
        unauthorized("Send the client credentials as Authorization: Basic base64(clientId:clientSecret).");
    for authorization in [None, Some(format!("Bearer {DEMO_API_TOKEN}")), Some("Basic !!!".to_owned())] {
        let mut request = api.raw("POST", "/api/accessToken").header("Organization", DEMO_ORG);
        if let Some(authorization) = &authorization {
            request = request.header("Authorization", authorization);
        }
        let refused = answer(request).await;
        assert_eq!((refused.status, &refused.body), (401, &not_basic), "{authorization:?}");
    }

    let wrong_method = answer(api.raw("GET", "/api/accessToken")).await;
    assert_eq!(wrong_method.status, 405);
    assert_eq!(wrong_method.body, json!("Method Not Allowed\n"));
}

#[tokio::test]
async fn one_token_per_organization_every_three_seconds() {
    let api = Nobl9::with(Nobl9Options::default()).await;
    assert_eq!(api.access_token_for(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_ORG).await.status, 200);

    let limited = api.access_token_for(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_ORG).await;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.retry_after.as_deref(), Some("3"));
    assert_eq!(
        limited.body,
        error_body(
            "Too Many Requests",
            "rate_limited",
            "Access tokens can be requested at most once every 3 seconds per organization."
        )
    );
    // Credentials are checked first; refused requests do not count.
    assert_eq!(api.access_token_for(DEMO_CLIENT_ID, "wrong", DEMO_ORG).await.status, 401);
    // Another organization has a budget of its own.
    assert_eq!(api.access_token_for(OTHER_CLIENT_ID, OTHER_CLIENT_SECRET, OTHER_ORG).await.status, 200);
    // The Okta path is not limited.
    let okta = answer(
        api.raw("POST", &format!("/oauth2/{OKTA_AUTH_SERVER}/v1/token"))
            .header("Authorization", basic(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials&scope=m2m"),
    )
    .await;
    assert_eq!(okta.status, 200);

    api.advance(2);
    let still = api.access_token_for(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_ORG).await;
    assert_eq!((still.status, still.retry_after.as_deref()), (429, Some("1")));
    api.advance(1);
    assert_eq!(api.access_token_for(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_ORG).await.status, 200);
    assert_eq!(api.access_token_for(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_ORG).await.status, 429);

    // A reset forgets the window.
    api.control().reset();
    assert_eq!(api.access_token_for(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_ORG).await.status, 200);
}

#[tokio::test]
async fn without_the_rate_limit_tokens_come_back_to_back() {
    let api = Nobl9::with(options()).await;
    for _ in 0..3 {
        assert_eq!(api.access_token_for(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_ORG).await.status, 200);
    }
}

#[tokio::test]
async fn tokens_expire_on_the_sandbox_clock() {
    let mut api =
        Nobl9::with(Nobl9Options { token_lifetime: std::time::Duration::from_secs(60), ..options() }).await;
    let token = api.access_token().await;
    let payload = claims(&token);
    assert_eq!(payload["exp"].as_i64().expect("exp") - payload["iat"].as_i64().expect("iat"), 60);
    api.token = token;
    assert_eq!(api.get("/status").await.status, 200);
    api.advance(58);
    assert_eq!(api.get("/status").await.status, 200);
    api.advance(2);
    let expired = api.get("/status").await;
    assert_eq!((expired.status, &expired.body), (401, &unauthorized("The access token has expired.")));
    assert!(is_trace_id(expired.trace_id.as_deref()));

    api.token = api.access_token().await;
    assert_eq!(api.get("/status").await.status, 200);
    api.token = DEMO_API_TOKEN.to_owned();
    assert_eq!(api.get("/status").await.status, 200);
}

#[tokio::test]
async fn the_okta_client_credentials_flow() {
    let api = Nobl9::start().await;
    let path = format!("/oauth2/{OKTA_AUTH_SERVER}/v1/token");
    let request = |authorization: String, form: &'static str| {
        api.raw("POST", &path)
            .header("Authorization", authorization)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Accept", "application/json")
            .body(form)
    };
    let granted = answer(request(
        basic(OTHER_CLIENT_ID, OTHER_CLIENT_SECRET),
        "grant_type=client_credentials&scope=m2m",
    ))
    .await;
    assert_eq!(granted.status, 200, "{:?}", granted.body);
    let token = granted.body["access_token"].as_str().expect("a token").to_owned();
    assert_eq!(
        granted.body,
        json!({"token_type": "Bearer", "expires_in": 3600, "access_token": token, "scope": "m2m"})
    );
    let payload = claims(&token);
    assert_eq!(payload["cid"], OTHER_CLIENT_ID);
    assert_eq!(payload["m2mProfile"]["organization"], OTHER_ORG);
    assert_eq!(payload["m2mProfile"]["user"], OTHER_USER);
    assert_eq!(payload["iss"], format!("http://{}/oauth2/{OKTA_AUTH_SERVER}", api.sandbox.addr()));

    let components = answer(
        api.raw("GET", &format!("{API}/components"))
            .header("Authorization", format!("Bearer {token}"))
            .header("Organization", OTHER_ORG),
    )
    .await;
    assert_eq!(components.status, 200);
    assert_eq!(components.body["components"][0]["id"], OTHER_COMPONENT_ID);

    let cases = [
        (
            basic(DEMO_CLIENT_ID, "wrong"),
            "grant_type=client_credentials&scope=m2m",
            401,
            json!({"error": "invalid_client", "error_description": "The client credentials are invalid."}),
        ),
        (
            basic(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
            "grant_type=password&scope=m2m",
            400,
            json!({"error": "unsupported_grant_type", "error_description": "The authorization grant type is not supported by the authorization server. Configured grant types: [client_credentials]."}),
        ),
        (
            basic(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
            "grant_type=client_credentials&scope=openid",
            400,
            json!({"error": "invalid_scope", "error_description": "One or more scopes are not configured for the authorization server resource."}),
        ),
    ];
    for (authorization, form, status, body) in cases {
        let refused = answer(request(authorization, form)).await;
        assert_eq!((refused.status, &refused.body), (status, &body), "{form}");
    }
    let unknown_server = answer(
        api.raw("POST", "/oauth2/ausaew9480S3Sn89f5d7/v1/token")
            .header("Authorization", basic(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET))
            .body("grant_type=client_credentials&scope=m2m"),
    )
    .await;
    assert_eq!(unknown_server.status, 404);
    assert_eq!(unknown_server.body["error"], "not_found");
}

#[tokio::test]
async fn api_calls_need_a_bearer_token_of_the_organization_named_in_the_header() {
    let api = Nobl9::start().await;
    let status = format!("{API}/status");
    assert_eq!(api.get("/status").await.status, 200);

    let without_organization =
        answer(api.raw("GET", &status).header("Authorization", format!("Bearer {DEMO_API_TOKEN}"))).await;
    assert_eq!(without_organization.status, 400);
    assert_eq!(without_organization.body["errors"][0]["code"], "missing_header");

    let other_token = {
        let granted = api.access_token_for(OTHER_CLIENT_ID, OTHER_CLIENT_SECRET, OTHER_ORG).await;
        granted.body["access_token"].as_str().expect("a token").to_owned()
    };
    let mut payload = DEMO_API_TOKEN.split('.').map(str::to_owned).collect::<Vec<_>>();
    payload[1] = other_token.split('.').nth(1).expect("payload").to_owned();
    let tampered = payload.join(".");
    let cases = [
        (
            None,
            unauthorized(
                "Missing or malformed Authorization header: send Authorization: Bearer <access token>.",
            ),
        ),
        (Some("Bearer not-a-token".to_owned()), unauthorized("The access token is not valid.")),
        (Some(format!("Bearer {tampered}")), unauthorized("The access token is not valid.")),
        (
            Some(format!("Bearer {other_token}")),
            unauthorized("The credentials belong to organization \"other-org\", not \"sandbox-org\"."),
        ),
        (
            Some(basic(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)),
            unauthorized("This endpoint takes Authorization: Bearer <access token>."),
        ),
    ];
    for (authorization, expected) in cases {
        let mut request = api.raw("GET", &status).header("Organization", DEMO_ORG);
        if let Some(authorization) = &authorization {
            request = request.header("Authorization", authorization);
        }
        let refused = answer(request).await;
        assert_eq!((refused.status, &refused.body), (401, &expected), "{authorization:?}");
        assert!(is_trace_id(refused.trace_id.as_deref()));
    }

    // Header names in any case, as the scripts send `organization`.
    let request = format!(
        "GET {status} HTTP/1.1\r\nHost: localhost\r\nORGANIZATION: {DEMO_ORG}\r\n\
         authorization: bearer {DEMO_API_TOKEN}\r\nConnection: close\r\n\r\n"
    );
    let raw = String::from_utf8(raw_exchange(api.sandbox.addr(), &request).await).expect("UTF-8");
    assert!(raw.starts_with("HTTP/1.1 200 OK\r\n"), "{raw}");
    let recorded = api.control().requests();
    assert_eq!(recorded.last().and_then(|request| request.header("organization")), Some(DEMO_ORG));
}

#[tokio::test]
async fn each_organization_has_its_own_status_page() {
    let mut api = Nobl9::start().await;
    let granted = api.access_token_for(OTHER_CLIENT_ID, OTHER_CLIENT_SECRET, OTHER_ORG).await;
    api.token = granted.body["access_token"].as_str().expect("a token").to_owned();
    api.organization = OTHER_ORG.to_owned();
    let tree = api.get("/components").await.body;
    assert_eq!(
        tree,
        json!({"components": [{
            "id": OTHER_COMPONENT_ID,
            "name": "Other Service",
            "description": "The other organization's service",
            "status": "operational",
            "noSignal": false,
            "children": [],
        }]})
    );
    let changed = api.change_status(OTHER_COMPONENT_ID, "majorOutage", false, "down").await;
    assert_eq!(changed["changedBy"], OTHER_USER);

    api.token = DEMO_API_TOKEN.to_owned();
    api.organization = DEMO_ORG.to_owned();
    let demo_tree = api.get("/components").await.body;
    let statuses: Vec<&Value> =
        demo_tree["components"].as_array().expect("roots").iter().map(|root| &root["status"]).collect();
    assert_eq!(statuses, [&json!("operational"), &json!("operational")]);
    assert_eq!(api.incidents("").await, json!({"days": []}));
    // Ids of the other organization do not exist here.
    assert_eq!(api.get(&format!("/components/{OTHER_COMPONENT_ID}/status-changes")).await.status, 404);
}
