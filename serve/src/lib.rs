//! The receiver behind `statusctl serve`: monitoring alerts in (Alertmanager, Grafana,
//! Datadog, a generic JSON), `apply_incident/1` calls out.
//!
//! parse the source ([`sources`]) → route ([`routes`]) → plan the calls ([`plan`]) → run
//! them through an [`server::Applier`] (the host's engine, in the binary) → answer and log.
//! The crate knows nothing of the host: the binary hands it an applier, so an embedder
//! without `serve` builds none of this.

pub mod cache;
pub mod metrics;
pub mod plan;
pub mod render;
pub mod routes;
pub mod server;
pub mod sources;
pub mod tls;

/// The JSON-lines event writer of the decision log (shared with `mcp`'s audit log).
pub use statusctl_events::EventLog;
