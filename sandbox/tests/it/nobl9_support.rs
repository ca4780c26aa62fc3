//! A Nobl9 sandbox plus a small client for the nobl9 tests.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};
use statusctl_sandbox::nobl9::{DEMO_API_TOKEN, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_ORG, Nobl9Options};
use statusctl_sandbox::{Control, RunningSandbox, SandboxBuilder};

use crate::support::client;

pub const API: &str = "/api/dashboards/v1/status-page";

/// An answer: status, body (JSON; a plain-text body as a JSON string; `Null`
/// when empty) and the headers the tests look at.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
    pub content_type: Option<String>,
    pub retry_after: Option<String>,
    pub trace_id: Option<String>,
}

pub struct Nobl9 {
    pub sandbox: RunningSandbox,
    client: reqwest::Client,
    /// Sent as `Authorization: Bearer` by [`Nobl9::get`] and [`Nobl9::post`].
    pub token: String,
    /// Sent as `Organization` by [`Nobl9::get`] and [`Nobl9::post`].
    pub organization: String,
}

/// Default options without the token rate limit, so that tests can get as
/// many tokens as they need.
pub fn options() -> Nobl9Options {
    Nobl9Options { token_rate_limit: false, ..Nobl9Options::default() }
}

impl Nobl9 {
    pub async fn start() -> Self {
        Self::with(options()).await
    }

    pub async fn with(options: Nobl9Options) -> Self {
        Self::from_builder(SandboxBuilder::new().nobl9(options)).await
    }

    pub async fn from_builder(builder: SandboxBuilder) -> Self {
        let sandbox = builder.serve().await.expect("sandbox starts");
        Self {
            sandbox,
            client: client(),
            token: DEMO_API_TOKEN.to_owned(),
            organization: DEMO_ORG.to_owned(),
        }
    }

    pub fn control(&self) -> Control {
        self.sandbox.control()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.base_url())
    }

    /// A request to `path` (from the root) without any header.
    pub fn raw(&self, method: &str, path: &str) -> reqwest::RequestBuilder {
        self.client.request(method.parse().expect("method"), self.url(path))
    }

    /// A request to the status-page API (`API` + `rest`) with the token and
    /// the organization.
    pub fn request(&self, method: &str, rest: &str) -> reqwest::RequestBuilder {
        self.raw(method, &format!("{API}{rest}"))
            .header("Authorization", format!("Bearer {}", self.token))
            .header("Organization", &self.organization)
    }

    pub async fn get(&self, rest: &str) -> Answer {
        answer(self.request("GET", rest)).await
    }

    pub async fn post(&self, rest: &str, body: Value) -> Answer {
        answer(self.request("POST", rest).header("Content-Type", "application/json").body(body.to_string()))
            .await
    }

    /// `POST /api/accessToken` with Basic `id:secret` and `Organization`.
    pub async fn access_token_for(&self, id: &str, secret: &str, organization: &str) -> Answer {
        answer(
            self.raw("POST", "/api/accessToken")
                .header("Authorization", basic(id, secret))
                .header("Organization", organization)
                .header("Accept", "application/json; version=v1alpha"),
        )
        .await
    }

    /// A fresh token of the demo client; panics unless 200.
    pub async fn access_token(&self) -> String {
        let answer = self.access_token_for(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_ORG).await;
        assert_eq!(answer.status, 200, "{:?}", answer.body);
        answer.body["access_token"].as_str().expect("a token").to_owned()
    }

    /// `POST …/components/{id}/change-status`; panics unless 200.
    pub async fn change_status(&self, id: &str, status: &str, propagate_up: bool, comment: &str) -> Value {
        let body = json!({"status": status, "propagateUp": propagate_up, "comment": comment});
        let answer = self.post(&format!("/components/{id}/change-status"), body).await;
        assert_eq!(answer.status, 200, "{:?}", answer.body);
        answer.body
    }

    /// `POST …/issues`; panics unless 201.
    pub async fn create_issue(&self, component_id: &str, occurred_at: &str) -> Value {
        let body = json!({"componentId": component_id, "occurredAt": occurred_at});
        let answer = self.post("/issues", body).await;
        assert_eq!(answer.status, 201, "{:?}", answer.body);
        answer.body
    }

    /// `GET …/incidents` with an optional `ongoing`; panics unless 200.
    pub async fn incidents(&self, query: &str) -> Value {
        let answer = self.get(&format!("/incidents{query}")).await;
        assert_eq!(answer.status, 200, "{:?}", answer.body);
        answer.body
    }

    pub fn advance(&self, seconds: u64) {
        self.control().advance_clock(Duration::from_secs(seconds));
    }

    /// The sandbox clock plus `seconds`, RFC 3339 with microseconds.
    pub fn clock_plus(&self, seconds: i64) -> String {
        let now = jiff::Timestamp::try_from(self.control().clock().now()).expect("in range");
        let at = now + jiff::SignedDuration::from_secs(seconds);
        let at = jiff::Timestamp::from_microsecond(at.as_microsecond()).expect("in range");
        at.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
    }
}

pub fn basic(id: &str, secret: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")))
}

pub async fn answer(request: reqwest::RequestBuilder) -> Answer {
    let response = request.send().await.expect("an HTTP answer");
    let status = response.status().as_u16();
    let header =
        |name: &str| response.headers().get(name).map(|value| value.to_str().expect("ASCII").to_owned());
    let (content_type, retry_after, trace_id) =
        (header("content-type"), header("retry-after"), header("trace-id"));
    let text = response.text().await.expect("body");
    let body = if text.is_empty() {
        Value::Null
    } else if content_type.as_deref() == Some("application/json") {
        serde_json::from_str(&text).unwrap_or_else(|error| panic!("{error}: {text}"))
    } else {
        Value::String(text)
    };
    Answer { status, body, content_type, retry_after, trace_id }
}

/// The payload of a JWT.
pub fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("a JWT");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url")).expect("JSON")
}

/// `{"errors": [{"title", "code", "detail"}]}`, the Nobl9 error body.
pub fn error_body(title: &str, code: &str, detail: &str) -> Value {
    json!({"errors": [{"title": title, "code": code, "detail": detail}]})
}

/// Milliseconds between two API timestamps (`b - a`).
pub fn millis_between(a: &Value, b: &Value) -> i64 {
    let parse =
        |value: &Value| -> jiff::Timestamp { value.as_str().expect("a time").parse().expect("RFC 3339") };
    parse(b).as_millisecond() - parse(a).as_millisecond()
}

/// RFC 3339 in UTC with `Z`.
pub fn is_utc_time(value: &Value) -> bool {
    value.as_str().is_some_and(|text| text.ends_with('Z') && text.parse::<jiff::Timestamp>().is_ok())
}

/// The UTC date of an API timestamp.
pub fn date_of(value: &Value) -> String {
    value.as_str().expect("a time")[..10].to_owned()
}

/// A `Trace-Id` of 32 hex digits.
pub fn is_trace_id(value: Option<&str>) -> bool {
    value.is_some_and(|id| id.len() == 32 && id.bytes().all(|byte| byte.is_ascii_hexdigit()))
}
