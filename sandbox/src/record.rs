//! What the sandbox remembers about each request it received.

use axum::http::request::Parts;
use serde::{Deserialize, Serialize};

/// One request as the sandbox received it, before any fault was applied.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct RecordedRequest {
    /// Position among recorded requests, starting at 1.
    pub seq: u64,
    pub method: String,
    pub path: String,
    /// Raw query string, without the `?`.
    pub query: Option<String>,
    /// Header names are lowercase; repeated headers appear once per value.
    pub headers: Vec<(String, String)>,
    /// Body decoded as lossy UTF-8.
    pub body: String,
    /// Milliseconds since the sandbox started (monotonic clock).
    pub received_ms: u64,
    /// Short text of the fault applied to the request, e.g. `"status 503"`.
    pub fault: Option<String>,
}

impl RecordedRequest {
    /// The value of the first header called `name` (lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(header, _)| header == name).map(|(_, value)| value.as_str())
    }
}

/// Recorded requests plus the counter that numbers them. Clearing keeps the
/// numbering going so a test can tell old from new requests; only a full
/// reset starts again at 1, like a fresh sandbox.
#[derive(Debug, Default)]
pub(crate) struct RequestLog {
    requests: Vec<RecordedRequest>,
    last_seq: u64,
}

impl RequestLog {
    pub(crate) fn record(&mut self, parts: &Parts, body: &[u8], received_ms: u64, fault: Option<String>) {
        self.last_seq += 1;
        let headers = parts
            .headers
            .iter()
            .map(|(name, value)| {
                let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
                (name.as_str().to_owned(), value)
            })
            .collect();
        self.requests.push(RecordedRequest {
            seq: self.last_seq,
            method: parts.method.as_str().to_owned(),
            path: parts.uri.path().to_owned(),
            query: parts.uri.query().map(str::to_owned),
            headers,
            body: String::from_utf8_lossy(body).into_owned(),
            received_ms,
            fault,
        });
    }

    pub(crate) fn all(&self) -> Vec<RecordedRequest> {
        self.requests.clone()
    }

    pub(crate) fn len(&self) -> usize {
        self.requests.len()
    }

    pub(crate) fn clear(&mut self) {
        self.requests.clear();
    }

    pub(crate) fn reset(&mut self) {
        *self = Self::default();
    }
}
