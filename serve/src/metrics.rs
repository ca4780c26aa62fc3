//! `GET /metrics`: what the receiver did, as Prometheus scrapes it (the OpenMetrics text
//! format, which Prometheus asks for and reads; `prometheus-client`, the Prometheus
//! project's own Rust client).
//!
//! | metric | labels |
//! |---|---|
//! | `statusctl_serve_notifications_total` | `source`, `code` (the answer) |
//! | `statusctl_serve_applies_total` | `action` (`created` … `planned`, `failed`), `namespace` |
//! | `statusctl_serve_apply_duration_seconds` (histogram) | `namespace` |
//! | `statusctl_serve_held_total` | `namespace` (an apply held: maintenance, a person's incident) |
//! | `statusctl_serve_skipped_total` | `stage` (`plan`: unknown severity, No Data; `provider`) |
//! | `statusctl_serve_cache_hits_total` | `namespace` (a repeat answered `unchanged` from the 5 s cache) |
//! | `statusctl_serve_in_flight` | notifications being worked on |
//! | `statusctl_serve_reloads_total` | `result` (`ok`, `error`) |

use std::sync::atomic::AtomicI64;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// The content type of the answer.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Received {
    source: String,
    code: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Apply {
    action: String,
    namespace: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Namespace {
    namespace: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Stage {
    stage: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Outcome {
    result: String,
}

type Histograms = Family<Namespace, Histogram, fn() -> Histogram>;

fn duration_histogram() -> Histogram {
    // 5 ms … about 82 s.
    Histogram::new(exponential_buckets(0.005, 2.0, 15))
}

/// The receiver's metrics.
pub struct Metrics {
    registry: Registry,
    received: Family<Received, Counter>,
    applies: Family<Apply, Counter>,
    durations: Histograms,
    held: Family<Namespace, Counter>,
    skipped: Family<Stage, Counter>,
    cache_hits: Family<Namespace, Counter>,
    in_flight: Gauge<i64, AtomicI64>,
    reloads: Family<Outcome, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("statusctl_serve");
        let received = Family::<Received, Counter>::default();
        let applies = Family::<Apply, Counter>::default();
        let durations: Histograms = Family::new_with_constructor(duration_histogram);
        let held = Family::<Namespace, Counter>::default();
        let skipped = Family::<Stage, Counter>::default();
        let cache_hits = Family::<Namespace, Counter>::default();
        let in_flight = Gauge::<i64, AtomicI64>::default();
        let reloads = Family::<Outcome, Counter>::default();
        registry.register(
            "notifications",
            "Notifications received, by source and answer code",
            received.clone(),
        );
        registry.register("applies", "apply_incident calls, by action and namespace", applies.clone());
        registry.register(
            "apply_duration_seconds",
            "Time of one apply_incident call, by namespace",
            durations.clone(),
        );
        registry.register(
            "held",
            "Applies held (a component under maintenance, or named by an incident statusctl does not own)",
            held.clone(),
        );
        registry.register(
            "skipped",
            "Calls skipped: by the plan (unknown severity, No Data) or by the provider",
            skipped.clone(),
        );
        registry.register(
            "cache_hits",
            "Repeats answered unchanged from the 5 s cache, without a request to the provider",
            cache_hits.clone(),
        );
        registry.register("in_flight", "Notifications being worked on", in_flight.clone());
        registry.register("reloads", "Reloads of the routes file, by result", reloads.clone());
        Self { registry, received, applies, durations, held, skipped, cache_hits, in_flight, reloads }
    }

    pub fn received(&self, source: &str, code: u16) {
        self.received.get_or_create(&Received { source: source.into(), code: code.to_string() }).inc();
    }

    /// One apply: its action (`failed` for an error), namespace, time and reason.
    pub fn applied(&self, action: &str, namespace: &str, took: Duration, reason: Option<&str>) {
        self.applies.get_or_create(&Apply { action: action.into(), namespace: namespace.into() }).inc();
        self.durations.get_or_create(&Namespace { namespace: namespace.into() }).observe(took.as_secs_f64());
        if reason.is_some_and(|r| r.starts_with("held")) {
            self.held.get_or_create(&Namespace { namespace: namespace.into() }).inc();
        }
        if action == "skipped" {
            self.skipped.get_or_create(&Stage { stage: "provider".into() }).inc();
        }
    }

    pub fn skipped_by_plan(&self, n: usize) {
        if n > 0 {
            self.skipped.get_or_create(&Stage { stage: "plan".into() }).inc_by(n as u64);
        }
    }

    pub fn cache_hit(&self, namespace: &str) {
        self.cache_hits.get_or_create(&Namespace { namespace: namespace.into() }).inc();
    }

    pub fn in_flight(&self, delta: i64) {
        self.in_flight.inc_by(delta);
    }

    pub fn reloaded(&self, ok: bool) {
        self.reloads.get_or_create(&Outcome { result: if ok { "ok" } else { "error" }.into() }).inc();
    }

    /// The exposition text.
    pub fn encode(&self) -> String {
        let mut text = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposition() {
        let m = Metrics::new();
        m.received("alertmanager", 200);
        m.applied("created", "statuspage", Duration::from_millis(30), None);
        m.applied("skipped", "statuspage", Duration::from_millis(3), Some("held: API under maintenance"));
        m.skipped_by_plan(2);
        m.in_flight(1);
        m.cache_hit("statuspage");
        let text = m.encode();
        for want in [
            "statusctl_serve_notifications_total{source=\"alertmanager\",code=\"200\"} 1",
            "statusctl_serve_applies_total{action=\"created\",namespace=\"statuspage\"} 1",
            "statusctl_serve_apply_duration_seconds_count{namespace=\"statuspage\"} 2",
            "statusctl_serve_held_total{namespace=\"statuspage\"} 1",
            "statusctl_serve_skipped_total{stage=\"plan\"} 2",
            "statusctl_serve_skipped_total{stage=\"provider\"} 1",
            "statusctl_serve_in_flight 1",
            "statusctl_serve_cache_hits_total{namespace=\"statuspage\"} 1",
            "# EOF",
        ] {
            assert!(text.contains(want), "{want}\n{text}");
        }
    }
}
