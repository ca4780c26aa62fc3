//! A Statuspage sandbox plus a small JSON client for the statuspage tests.

use std::time::Duration;

use serde_json::Value;
use statusctl_sandbox::statuspage::{DEMO_PAGE_ID, DEMO_TOKEN, RateLimitMode, StatuspageOptions};
use statusctl_sandbox::{Control, RunningSandbox, SandboxBuilder};

use crate::support::client;

/// An answer: status, JSON body (`Null` when empty) and `Retry-After`.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
    pub retry_after: Option<String>,
}

pub struct Api {
    pub sandbox: RunningSandbox,
    client: reqwest::Client,
    pub token: String,
}

impl Api {
    /// Default options but no rate limit, so that tests can make as many
    /// requests as they need.
    pub async fn start() -> Self {
        Self::with(StatuspageOptions { rate_limit: RateLimitMode::Off, ..StatuspageOptions::default() }).await
    }

    pub async fn with(options: StatuspageOptions) -> Self {
        Self::from_builder(SandboxBuilder::new().statuspage(options)).await
    }

    pub async fn from_builder(builder: SandboxBuilder) -> Self {
        let sandbox = builder.serve().await.expect("sandbox starts");
        Self { sandbox, client: client(), token: DEMO_TOKEN.to_owned() }
    }

    pub fn control(&self) -> Control {
        self.sandbox.control()
    }

    /// `/v1` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}/v1{path}", self.sandbox.base_url())
    }

    /// `/pages/{DEMO_PAGE_ID}` + `rest`.
    pub fn page(rest: &str) -> String {
        format!("/pages/{DEMO_PAGE_ID}{rest}")
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send("GET", path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.send("POST", path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Answer {
        self.send("PATCH", path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Answer {
        self.send("PUT", path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Answer {
        self.send("DELETE", path, None).await
    }

    /// With `Authorization: OAuth <token>` and a JSON body.
    pub async fn send(&self, method: &str, path: &str, body: Option<Value>) -> Answer {
        let mut request = self
            .client
            .request(method.parse().expect("method"), self.url(path))
            .header("Authorization", format!("OAuth {}", self.token));
        if let Some(body) = body {
            request = request.header("Content-Type", "application/json").body(body.to_string());
        }
        answer(request).await
    }

    /// A request built by the caller (other headers, raw bodies).
    pub fn raw(&self, method: &str, path: &str) -> reqwest::RequestBuilder {
        self.client.request(method.parse().expect("method"), self.url(path))
    }

    /// Creates an incident on the demo page; panics unless 201.
    pub async fn create_incident(&self, incident: Value) -> Value {
        let answer = self.post(&Self::page("/incidents"), serde_json::json!({ "incident": incident })).await;
        assert_eq!(answer.status, 201, "{:?}", answer.body);
        answer.body
    }

    pub async fn component(&self, id: &str) -> Value {
        let answer = self.get(&Self::page(&format!("/components/{id}"))).await;
        assert_eq!(answer.status, 200, "{:?}", answer.body);
        answer.body
    }

    /// `GET /_sandbox/counters` as JSON.
    pub async fn get_raw_counters(&self) -> Value {
        let url = format!("{}/_sandbox/counters", self.sandbox.base_url());
        answer(self.client.get(url)).await.body
    }

    pub async fn advance(&self, seconds: u64) {
        self.control().advance_clock(Duration::from_secs(seconds));
    }
}

pub async fn answer(request: reqwest::RequestBuilder) -> Answer {
    let response = request.send().await.expect("an HTTP answer");
    let status = response.status().as_u16();
    let retry_after =
        response.headers().get("retry-after").map(|value| value.to_str().expect("ASCII").to_owned());
    let text = response.text().await.expect("body");
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|error| panic!("{error}: {text}"))
    };
    Answer { status, body, retry_after }
}

/// The `id`s of a JSON array, in order.
pub fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("an array")
        .iter()
        .map(|item| item["id"].as_str().expect("an id").to_owned())
        .collect()
}

/// `2024-05-01T12:00:00.123Z`: RFC 3339, UTC, exactly three fraction digits.
pub fn is_statuspage_time(value: &Value) -> bool {
    let Some(text) = value.as_str() else { return false };
    let bytes = text.as_bytes();
    text.len() == 24
        && bytes[10] == b'T'
        && bytes[19] == b'.'
        && text.ends_with('Z')
        && text[..4].bytes().all(|b| b.is_ascii_digit())
        && text[20..23].bytes().all(|b| b.is_ascii_digit())
}

pub fn is_statuspage_id(value: &Value) -> bool {
    value
        .as_str()
        .is_some_and(|id| id.len() == 12 && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
}

/// The sandbox clock plus `seconds`, formatted like the API.
pub fn clock_plus(control: &Control, seconds: i64) -> String {
    let now = jiff::Timestamp::try_from(control.clock().now()).expect("in range");
    let at = now + jiff::SignedDuration::from_secs(seconds);
    let at = jiff::Timestamp::from_millisecond(at.as_millisecond()).expect("in range");
    at.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// Milliseconds between two API timestamps (`b - a`).
pub fn millis_between(a: &Value, b: &Value) -> i64 {
    let parse =
        |value: &Value| -> jiff::Timestamp { value.as_str().expect("a time").parse().expect("RFC 3339") };
    parse(b).as_millisecond() - parse(a).as_millisecond()
}
