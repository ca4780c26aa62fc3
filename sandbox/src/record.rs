//! What the sandbox remembers about each request it received: the most
//! recent ones in full (bodies cut), and counts of all of them.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};

use axum::http::request::Parts;
use serde::{Deserialize, Serialize};

/// How many requests the log keeps: the most recent ones.
pub const MAX_RECORDED_REQUESTS: usize = 1_000;
/// How much of a body the log keeps: 64 KiB (cut at a character boundary).
pub const MAX_RECORDED_BODY_BYTES: usize = 64 << 10;
/// Distinct keys the counters keep per map; requests with other keys still
/// count in [`RequestCounters::total`].
const MAX_COUNTER_KEYS: usize = 10_000;
/// Longer incident ids are no Statuspage ids: not counted per incident.
const MAX_INCIDENT_ID_LEN: usize = 64;

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
    /// Body decoded as lossy UTF-8, its first [`MAX_RECORDED_BODY_BYTES`]
    /// only.
    pub body: String,
    /// Whether `body` is only the start of what was received.
    #[serde(default)]
    pub body_truncated: bool,
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

/// Counts of every request recorded since the sandbox started, its request
/// log was last cleared or it was reset, including those the bounded log no
/// longer holds (see [`MAX_RECORDED_REQUESTS`]).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestCounters {
    pub total: u64,
    /// Method (as sent, e.g. `POST`) → requests.
    pub methods: BTreeMap<String, u64>,
    /// Statuspage incident id → method → requests to
    /// `/v1/pages/{page}/incidents/{id}` and the paths below it.
    pub incidents: BTreeMap<String, BTreeMap<String, u64>>,
    /// Statuspage incident id → notifying writes: creates and updates that
    /// added an incident update with `deliver_notifications` true (or absent,
    /// the API's default), as the emulator applied them. A write without an
    /// incident update (metadata only, say) notifies nobody and is not counted.
    #[serde(default)]
    pub notifications: BTreeMap<String, u64>,
}

impl RequestCounters {
    /// Requests with this method (uppercase).
    pub fn method(&self, method: &str) -> u64 {
        self.methods.get(method).copied().unwrap_or(0)
    }

    /// Requests other than `GET`, `HEAD` and `OPTIONS`.
    pub fn writes(&self) -> u64 {
        self.methods
            .iter()
            .filter(|(method, _)| !matches!(method.as_str(), "GET" | "HEAD" | "OPTIONS"))
            .map(|(_, count)| count)
            .sum()
    }

    /// Requests with this method to one Statuspage incident.
    pub fn incident(&self, id: &str, method: &str) -> u64 {
        self.incidents.get(id).and_then(|methods| methods.get(method)).copied().unwrap_or(0)
    }

    /// Notifying writes to one Statuspage incident.
    pub fn notifications(&self, id: &str) -> u64 {
        self.notifications.get(id).copied().unwrap_or(0)
    }

    /// Notifying writes to all Statuspage incidents.
    pub fn notifications_total(&self) -> u64 {
        self.notifications.values().sum()
    }

    fn count(&mut self, method: &str, path: &str) {
        self.total += 1;
        bump(&mut self.methods, method);
        if let Some(id) = incident_id(path) {
            if !self.incidents.contains_key(id) && self.incidents.len() >= MAX_COUNTER_KEYS {
                return;
            }
            bump(self.incidents.entry(id.to_owned()).or_default(), method);
        }
    }
}

fn bump(counts: &mut BTreeMap<String, u64>, key: &str) {
    if let Some(count) = counts.get_mut(key) {
        *count += 1;
    } else if counts.len() < MAX_COUNTER_KEYS {
        counts.insert(key.to_owned(), 1);
    }
}

/// The incident of a Statuspage incident path (`.json` suffix allowed), not
/// the fixed lists (`unresolved`, `scheduled`, ...).
fn incident_id(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("/v1/pages/")?;
    let mut segments = rest.split('/');
    let _page = segments.next().filter(|page| !page.is_empty())?;
    if segments.next()? != "incidents" {
        return None;
    }
    let id = segments.next()?;
    let id = id.strip_suffix(".json").unwrap_or(id);
    let list = matches!(id, "" | "unresolved" | "scheduled" | "upcoming" | "active_maintenance");
    (!list && id.len() <= MAX_INCIDENT_ID_LEN).then_some(id)
}

/// Notifying writes per incident, counted by an emulator (only it knows
/// which writes notify and which incident a create made), read with the
/// request counters and cleared with them. Cheap to clone.
#[derive(Clone, Debug, Default)]
pub(crate) struct NotificationLog(Arc<Mutex<BTreeMap<String, u64>>>);

impl NotificationLog {
    pub(crate) fn notified(&self, incident: &str) {
        let mut counts = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        bump(&mut counts, incident);
    }

    pub(crate) fn counts(&self) -> BTreeMap<String, u64> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    pub(crate) fn clear(&self) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).clear();
    }
}

/// The first [`MAX_RECORDED_BODY_BYTES`] of `body` as text, not splitting a
/// character, and whether anything was cut.
fn recorded_body(body: &[u8]) -> (String, bool) {
    if body.len() <= MAX_RECORDED_BODY_BYTES {
        return (String::from_utf8_lossy(body).into_owned(), false);
    }
    let mut cut = MAX_RECORDED_BODY_BYTES;
    // Back off over UTF-8 continuation bytes (at most 3) to a character start.
    while cut > MAX_RECORDED_BODY_BYTES - 3 && body[cut] & 0xC0 == 0x80 {
        cut -= 1;
    }
    (String::from_utf8_lossy(&body[..cut]).into_owned(), true)
}

/// The most recent recorded requests, the counts of all of them and the
/// counter that numbers them. Clearing keeps the numbering going so a test
/// can tell old from new requests; only a full reset starts again at 1, like
/// a fresh sandbox.
#[derive(Debug, Default)]
pub(crate) struct RequestLog {
    requests: VecDeque<RecordedRequest>,
    counters: RequestCounters,
    last_seq: u64,
}

impl RequestLog {
    pub(crate) fn record(&mut self, parts: &Parts, body: &[u8], received_ms: u64, fault: Option<String>) {
        self.last_seq += 1;
        let method = parts.method.as_str();
        let path = parts.uri.path();
        self.counters.count(method, path);
        let headers = parts
            .headers
            .iter()
            .map(|(name, value)| {
                let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
                (name.as_str().to_owned(), value)
            })
            .collect();
        let (body, body_truncated) = recorded_body(body);
        if self.requests.len() >= MAX_RECORDED_REQUESTS {
            self.requests.pop_front();
        }
        self.requests.push_back(RecordedRequest {
            seq: self.last_seq,
            method: method.to_owned(),
            path: path.to_owned(),
            query: parts.uri.query().map(str::to_owned),
            headers,
            body,
            body_truncated,
            received_ms,
            fault,
        });
    }

    pub(crate) fn all(&self) -> Vec<RecordedRequest> {
        self.requests.iter().cloned().collect()
    }

    pub(crate) fn counters(&self) -> RequestCounters {
        self.counters.clone()
    }

    pub(crate) fn len(&self) -> usize {
        self.requests.len()
    }

    pub(crate) fn clear(&mut self) {
        self.requests.clear();
        self.counters = RequestCounters::default();
    }

    pub(crate) fn reset(&mut self) {
        *self = Self::default();
    }
}

#[cfg(test)]
mod tests {
    use axum::http::Request;

    use super::*;

    fn parts(method: &str, path: &str) -> Parts {
        Request::builder().method(method).uri(path).body(()).expect("request").into_parts().0
    }

    #[test]
    fn keeps_the_most_recent_requests_and_counts_them_all() {
        let mut log = RequestLog::default();
        let total = MAX_RECORDED_REQUESTS + 5;
        for n in 0..total {
            let method = if n % 2 == 0 { "GET" } else { "PATCH" };
            log.record(&parts(method, "/v1/pages/p/incidents/abc.json"), b"{}", 0, None);
        }
        let kept = log.all();
        assert_eq!(kept.len(), MAX_RECORDED_REQUESTS);
        assert_eq!(kept[0].seq, 6);
        assert_eq!(kept.last().map(|request| request.seq), Some(total as u64));
        let counters = log.counters();
        assert_eq!(counters.total, total as u64);
        assert_eq!(counters.method("GET") + counters.method("PATCH"), total as u64);
        assert_eq!(counters.writes(), counters.method("PATCH"));
        assert_eq!(counters.incident("abc", "PATCH"), (total / 2) as u64);
        log.clear();
        assert_eq!(log.counters(), RequestCounters::default());
    }

    #[test]
    fn incident_ids_come_from_incident_paths_only() {
        assert_eq!(incident_id("/v1/pages/p/incidents/abc"), Some("abc"));
        assert_eq!(incident_id("/v1/pages/p/incidents/abc.json"), Some("abc"));
        assert_eq!(incident_id("/v1/pages/p/incidents/abc/incident_updates/u"), Some("abc"));
        assert_eq!(incident_id("/v1/pages/p/incidents"), None);
        assert_eq!(incident_id("/v1/pages/p/incidents/unresolved.json"), None);
        assert_eq!(incident_id("/v1/pages/p/components/abc"), None);
        assert_eq!(incident_id("/echo/v1/pages/p/incidents/abc"), None);
        assert_eq!(incident_id(&format!("/v1/pages/p/incidents/{}", "x".repeat(65))), None);
    }

    #[test]
    fn cuts_long_bodies_at_a_character_boundary() {
        let short = recorded_body("é".as_bytes());
        assert_eq!(short, ("é".to_owned(), false));
        let mut long = vec![b'a'; MAX_RECORDED_BODY_BYTES - 1];
        long.extend_from_slice("é and more".as_bytes());
        let (body, truncated) = recorded_body(&long);
        assert!(truncated);
        assert_eq!(body.len(), MAX_RECORDED_BODY_BYTES - 1);
        assert!(body.bytes().all(|b| b == b'a'));
    }
}
