//! The short read cache: repeats cost nothing.
//!
//! Alertmanager re-sends an unchanged group at every `repeat_interval`, both peers of an HA
//! pair send it, and a busy sender retries; each would otherwise cost a read of the page's
//! open incidents (every page of them). What the provider last answered `unchanged` for a
//! firing call is kept per (namespace, profile) — one page, one credential — for at most
//! [`TTL`], and the very same call (same fingerprint: key, state, components, statuses,
//! title, message) is answered from it.
//!
//! It never answers a create, an update or a resolve: only a firing call whose last apply
//! found nothing to change is kept; a resolved call always goes to the provider. Any write
//! this process makes to a (namespace, profile), and any failure there, drops everything
//! kept for it: what is known of that page may be out of date.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::plan::Call;
use crate::server::{Applied, Failure};

/// How long an `unchanged` answer stands in for the provider's.
pub const TTL: Duration = Duration::from_secs(5);

type Target = (String, Option<String>);

/// What was last found unchanged, per (namespace, profile), then per key.
#[derive(Default)]
pub struct Unchanged {
    targets: Mutex<HashMap<Target, HashMap<String, Kept>>>,
}

struct Kept {
    fingerprint: String,
    at: Instant,
    applied: Applied,
}

impl Unchanged {
    /// The answer for `call` (whose fingerprint is `fingerprint`), if the same call was
    /// found unchanged less than [`TTL`] ago and nothing was written to its page since.
    pub fn get(&self, call: &Call, fingerprint: &str) -> Option<Applied> {
        let targets = self.targets.lock().unwrap_or_else(|e| e.into_inner());
        let kept = targets.get(&target(call))?.get(&call.key)?;
        (kept.fingerprint == fingerprint && kept.at.elapsed() < TTL).then(|| Applied {
            reason: Some(match &kept.applied.reason {
                Some(reason) => format!("{reason} (the same call {} ms ago)", kept.at.elapsed().as_millis()),
                None => {
                    format!("the same call found nothing to change {} ms ago", kept.at.elapsed().as_millis())
                }
            }),
            ..kept.applied.clone()
        })
    }

    /// Learns from an apply's outcome: keeps an `unchanged` firing call, forgets the page
    /// on a write or a failure.
    pub fn learn(&self, call: &Call, fingerprint: &str, result: &Result<Applied, Failure>) {
        let mut targets = self.targets.lock().unwrap_or_else(|e| e.into_inner());
        match result {
            Ok(applied) if applied.action == "unchanged" && is_firing(call) => {
                let keys = targets.entry(target(call)).or_default();
                keys.retain(|_, k| k.at.elapsed() < TTL);
                keys.insert(
                    call.key.clone(),
                    Kept {
                        fingerprint: fingerprint.to_string(),
                        at: Instant::now(),
                        applied: applied.clone(),
                    },
                );
            }
            // Skipped (held, stale, a person's) and shadow-mode plans wrote nothing.
            Ok(applied) if matches!(applied.action.as_str(), "skipped" | "planned") => {}
            Ok(_) | Err(_) => {
                targets.remove(&target(call));
            }
        }
    }
}

fn target(call: &Call) -> Target {
    (call.namespace.clone(), call.profile.clone())
}

fn is_firing(call: &Call) -> bool {
    call.args.get("state").and_then(|s| s.as_str()) == Some("firing")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn call(key: &str, state: &str) -> Call {
        let args = json!({"key": key, "state": state}).as_object().unwrap().clone();
        Call { rule: "r".into(), namespace: "statuspage".into(), profile: None, key: key.into(), args }
    }

    fn applied(action: &str) -> Result<Applied, Failure> {
        Ok(Applied { incident_ids: vec!["i1".into()], ..Applied::new(action) })
    }

    #[test]
    fn only_the_same_firing_call_found_unchanged_is_answered() {
        let cache = Unchanged::default();
        let (a, b) = (call("a", "firing"), call("b", "firing"));
        cache.learn(&a, "fa", &applied("unchanged"));
        assert_eq!(cache.get(&a, "fa").unwrap().action, "unchanged");
        assert!(cache.get(&a, "fa-other-message").is_none(), "another payload goes to the provider");
        assert!(cache.get(&b, "fa").is_none());
        // A resolve is never answered from the cache, nor a create.
        let resolved = call("a", "resolved");
        cache.learn(&resolved, "fr", &applied("unchanged"));
        assert!(cache.get(&resolved, "fr").is_none());
        cache.learn(&b, "fb", &applied("created"));
        assert!(cache.get(&b, "fb").is_none());
    }

    #[test]
    fn any_write_or_failure_on_the_page_drops_what_was_kept() {
        let cache = Unchanged::default();
        let (a, b) = (call("a", "firing"), call("b", "firing"));
        cache.learn(&a, "fa", &applied("unchanged"));
        cache.learn(&b, "fb", &applied("skipped"));
        assert!(cache.get(&a, "fa").is_some(), "a skip writes nothing");
        cache.learn(&b, "fb", &applied("updated"));
        assert!(cache.get(&a, "fa").is_none(), "a write to the page drops every key's answer");
        cache.learn(&a, "fa", &applied("unchanged"));
        cache.learn(&b, "fb", &Err(Failure::unavailable("down", None)));
        assert!(cache.get(&a, "fa").is_none());
        // Another profile is another page.
        let mut other = call("a", "firing");
        other.profile = Some("eu".into());
        cache.learn(&other, "fa", &applied("unchanged"));
        cache.learn(&b, "fb", &applied("created"));
        assert!(cache.get(&other, "fa").is_some());
    }
}
