//! `nobl9:apply_incident`'s ownership, kept in the status history itself (Nobl9 has no
//! metadata): every status change statusctl makes for an alert key ends its comment with a
//! marker, `[statusctl key=<16 hex of sha256(key)> state=firing|resolved status=<s>]`.
//!
//! Per component, reading its history newest first:
//! - the *owned* keys are those whose latest marker since the component was last set
//!   operational says `firing` (with the status that key wants there);
//! - the component is *held by a person* when its latest change has no marker (a person's
//!   change, one propagated from a child, or statusctl's `--release` hand-over note): it is
//!   never changed on behalf of a key, raised or lowered, until it is set operational;
//! - the status to show is the worst status over the owned firing keys, operational when
//!   none is left.
//!
//! Everything here is pure: the history in, the decision out.

use jiff::Timestamp;
use statusctl_plugin_api::apply::{Action, AlertState};
use statusctl_plugin_api::serde_json::Value;

use crate::status::{DEGRADED, MAJOR_OUTAGE, OPERATIONAL};

/// The first 16 hex digits of the SHA-256 of the key: the marker names the key without
/// showing it on the public page.
pub fn key_hash(key: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, key.as_bytes());
    digest.as_ref()[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// A wanted status as Nobl9 spells it: Statuspage's spellings are accepted, and both of
/// Statuspage's outages are Nobl9's one outage. `None`: not a status Nobl9 can show.
pub fn map_status(value: &str) -> Option<&'static str> {
    match value.trim() {
        "operational" => Some(OPERATIONAL),
        "degraded_performance" | "degradedPerformance" => Some(DEGRADED),
        "partial_outage" | "major_outage" | "majorOutage" => Some(MAJOR_OUTAGE),
        _ => None,
    }
}

fn rank(status: &str) -> u8 {
    match status {
        MAJOR_OUTAGE => 2,
        DEGRADED => 1,
        _ => 0,
    }
}

/// The worst of `statuses`, operational for none.
fn worst<'s>(statuses: impl IntoIterator<Item = &'s str>) -> &'static str {
    match statuses.into_iter().map(rank).max().unwrap_or(0) {
        2 => MAJOR_OUTAGE,
        1 => DEGRADED,
        _ => OPERATIONAL,
    }
}

fn state_word(state: AlertState) -> &'static str {
    match state {
        AlertState::Firing => "firing",
        AlertState::Resolved => "resolved",
    }
}

/// `[statusctl key=… state=… status=…]`.
pub fn marker(hash: &str, state: AlertState, status: &str) -> String {
    format!("[statusctl key={hash} state={} status={status}]", state_word(state))
}

/// The note `--release` ends its change with: not a marker, so the component is held by a
/// person from then on.
pub fn release_note(hash: &str) -> String {
    format!("[statusctl released key={hash}]")
}

/// A marker read back from a comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker {
    pub key: String,
    pub state: AlertState,
    pub status: String,
}

/// The marker a comment ends with, if any.
pub fn parse_marker(comment: &str) -> Option<Marker> {
    let comment = comment.trim_end();
    let start = comment.rfind("[statusctl ")?;
    let inner = comment[start..].strip_prefix("[statusctl ")?.strip_suffix(']')?;
    let (mut key, mut state, mut status) = (None, None, None);
    for part in inner.split(' ') {
        match part.split_once('=') {
            Some(("key", v)) if v.len() == 16 && v.bytes().all(|b| b.is_ascii_hexdigit()) => key = Some(v),
            Some(("state", "firing")) => state = Some(AlertState::Firing),
            Some(("state", "resolved")) => state = Some(AlertState::Resolved),
            Some(("status", v)) if !v.is_empty() => status = Some(v),
            _ => return None,
        }
    }
    Some(Marker { key: key?.to_string(), state: state?, status: status?.to_string() })
}

/// The comment of a change: title, message, then the marker (or note).
pub fn comment(title: Option<&str>, message: Option<&str>, suffix: &str) -> String {
    let text: Vec<&str> =
        [title, message].into_iter().flatten().map(str::trim).filter(|t| !t.is_empty()).collect();
    if text.is_empty() { suffix.to_string() } else { format!("{} {suffix}", text.join(" — ")) }
}

/// What a component's history says, for one key.
#[derive(Debug, Clone, PartialEq)]
pub struct View {
    /// The component's own status: its newest change's (operational without one).
    pub current: String,
    /// The newest change has no marker.
    pub held: bool,
    /// Owned firing keys and the status each wants, newest first (operational ones left out).
    pub owned: Vec<(String, String)>,
    /// The newest change is this key's `--release` note.
    pub released: bool,
    /// When this key's newest marker said `resolved`, if its newest one does.
    pub last_resolved_at: Option<Timestamp>,
}

impl View {
    /// Reads `{"history": [...]}` (newest first) for the key `hash`.
    pub fn read(history: &Value, hash: &str) -> View {
        let entries: &[Value] = history["history"].as_array().map_or(&[], Vec::as_slice);
        let own_marker = |entry: &Value| {
            let propagated = entry["propagatedFrom"].as_str().is_some_and(|p| !p.is_empty());
            if propagated { None } else { entry["comment"].as_str().and_then(parse_marker) }
        };
        let new_status = |entry: &Value| entry["newStatus"].as_str().unwrap_or(OPERATIONAL).to_string();
        let current = entries.first().map_or(OPERATIONAL.to_string(), new_status);
        let held = entries.first().is_some_and(|e| own_marker(e).is_none()) && current != OPERATIONAL;
        let released = entries
            .first()
            .and_then(|e| e["comment"].as_str())
            .is_some_and(|c| c.trim_end().ends_with(&release_note(hash)));
        let mut seen: Vec<String> = Vec::new();
        let mut owned = Vec::new();
        for entry in entries.iter().take_while(|e| new_status(e) != OPERATIONAL) {
            let Some(m) = own_marker(entry) else { continue };
            if seen.contains(&m.key) {
                continue;
            }
            seen.push(m.key.clone());
            if m.state == AlertState::Firing && map_status(&m.status).is_some_and(|s| s != OPERATIONAL) {
                owned.push((m.key, map_status(&m.status).unwrap_or(OPERATIONAL).to_string()));
            }
        }
        let last_resolved_at = entries
            .iter()
            .find_map(|e| own_marker(e).filter(|m| m.key == hash).map(|m| (m, e)))
            .filter(|(m, _)| m.state == AlertState::Resolved)
            .and_then(|(_, e)| e["changedAt"].as_str()?.parse().ok());
        View { current, held, owned, released, last_resolved_at }
    }

    fn wants(&self, hash: &str) -> Option<&str> {
        self.owned.iter().find(|(k, _)| k == hash).map(|(_, s)| s.as_str())
    }

    fn others(&self, hash: &str) -> impl Iterator<Item = &str> {
        self.owned.iter().filter(move |(k, _)| k != hash).map(|(_, s)| s.as_str())
    }
}

/// A change to write: the status and what ends its comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Write {
    pub status: &'static str,
    pub suffix: String,
}

/// What to do on one component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub action: Action,
    pub write: Option<Write>,
    /// The status the component shows after it.
    pub shows: String,
    pub reason: Option<String>,
}

impl Decision {
    fn nothing(action: Action, view: &View, reason: Option<&str>) -> Self {
        Decision { action, write: None, shows: view.current.clone(), reason: reason.map(str::to_string) }
    }
}

pub const HELD: &str = "held by a person";
pub const STALE: &str = "stale: the key's alerts started before it was last resolved";

/// The key fires and wants `wanted` (Nobl9's spelling) on the component.
pub fn firing(view: &View, hash: &str, wanted: &'static str, started_at: Option<Timestamp>) -> Decision {
    if view.held {
        return Decision::nothing(Action::Skipped, view, Some(HELD));
    }
    let owned_now = view.wants(hash).unwrap_or(OPERATIONAL);
    if owned_now == OPERATIONAL
        && wanted != OPERATIONAL
        && let (Some(started), Some(resolved)) = (started_at, view.last_resolved_at)
        && started < resolved
    {
        return Decision::nothing(Action::Skipped, view, Some(STALE));
    }
    let target = worst(view.others(hash).chain([wanted]));
    if owned_now == wanted && target == view.current {
        return Decision::nothing(Action::Unchanged, view, None);
    }
    if owned_now == OPERATIONAL && wanted == OPERATIONAL {
        // Not owned, and wanting nothing: nothing to own.
        return Decision::nothing(Action::Unchanged, view, None);
    }
    let action = if view.current == OPERATIONAL { Action::Created } else { Action::Updated };
    let write = Write { status: target, suffix: marker(hash, AlertState::Firing, wanted) };
    Decision { action, write: Some(write), shows: target.to_string(), reason: None }
}

/// The key resolved: its marker says so, and the component shows the worst of the other owned
/// keys (operational when none is left).
pub fn resolved(view: &View, hash: &str) -> Decision {
    if view.wants(hash).is_none() {
        return Decision::nothing(Action::Unchanged, view, None);
    }
    if view.held {
        return Decision::nothing(Action::Skipped, view, Some(HELD));
    }
    let target = worst(view.others(hash));
    let write = Write { status: target, suffix: marker(hash, AlertState::Resolved, target) };
    Decision { action: Action::Resolved, write: Some(write), shows: target.to_string(), reason: None }
}

/// `--release`: the component keeps its status, with a change whose comment hands it over to
/// people (no marker: held by a person from then on, so no key lowers it).
pub fn release(view: &View, hash: &str) -> Decision {
    if view.released {
        return Decision::nothing(Action::Released, view, None);
    }
    if view.wants(hash).is_none() {
        return Decision::nothing(Action::Unchanged, view, None);
    }
    let status = map_status(&view.current).unwrap_or(OPERATIONAL);
    let write = Write { status, suffix: release_note(hash) };
    Decision { action: Action::Released, write: Some(write), shows: status.to_string(), reason: None }
}

#[cfg(test)]
mod tests {
    use statusctl_plugin_api::serde_json::json;

    use super::*;

    const K1: &str = "deploy-42";

    fn h(key: &str) -> String {
        key_hash(key)
    }

    /// A history, newest first, from `(newStatus, comment)` pairs.
    fn view(entries: &[(&str, &str)], key: &str) -> View {
        let entries: Vec<Value> = entries
            .iter()
            .enumerate()
            .map(|(i, (status, comment))| {
                let mut e =
                    json!({"newStatus": status, "changedAt": format!("2026-02-05T10:{:02}:00Z", 59 - i)});
                if !comment.is_empty() {
                    e["comment"] = json!(comment);
                }
                e
            })
            .collect();
        View::read(&json!({"history": entries}), &h(key))
    }

    fn fired(key: &str, status: &str) -> String {
        comment(Some("Down"), None, &marker(&h(key), AlertState::Firing, status))
    }

    #[test]
    fn the_key_hash_is_16_hex_digits_of_sha256() {
        // sha256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
        assert_eq!(key_hash("abc"), "ba7816bf8f01cfea");
        assert_eq!(key_hash(K1).len(), 16);
    }

    #[test]
    fn markers_round_trip_and_only_a_whole_suffix_counts() {
        let m = marker("ba7816bf8f01cfea", AlertState::Firing, "majorOutage");
        assert_eq!(m, "[statusctl key=ba7816bf8f01cfea state=firing status=majorOutage]");
        let text = comment(Some("Deploy failing"), Some("on eu"), &m);
        assert_eq!(text, format!("Deploy failing — on eu {m}"));
        let parsed = parse_marker(&format!("{text}  ")).unwrap();
        assert_eq!(
            (parsed.key.as_str(), parsed.state, parsed.status.as_str()),
            ("ba7816bf8f01cfea", AlertState::Firing, "majorOutage")
        );
        for not in [
            format!("{m} and more"),
            "[statusctl key=abc state=firing status=majorOutage]".into(),
            "[statusctl key=ba7816bf8f01cfea state=open status=majorOutage]".into(),
            "[statusctl key=ba7816bf8f01cfea status=majorOutage]".into(),
            release_note("ba7816bf8f01cfea"),
            "fixed by hand".into(),
        ] {
            assert_eq!(parse_marker(&not), None, "{not}");
        }
        assert_eq!(comment(None, Some(" "), "[x]"), "[x]");
    }

    #[test]
    fn statuses_map_to_nobl9s_three() {
        assert_eq!(map_status("partial_outage"), Some(MAJOR_OUTAGE));
        assert_eq!(map_status("major_outage"), Some(MAJOR_OUTAGE));
        assert_eq!(map_status("majorOutage"), Some(MAJOR_OUTAGE));
        assert_eq!(map_status("degraded_performance"), Some(DEGRADED));
        assert_eq!(map_status("operational"), Some(OPERATIONAL));
        for unknown in ["under_maintenance", "partialOutage", "critical", ""] {
            assert_eq!(map_status(unknown), None, "{unknown}");
        }
    }

    #[test]
    fn owned_keys_are_the_firing_ones_since_the_last_operational() {
        let k2 = "k2";
        let v = view(
            &[
                ("majorOutage", &fired(k2, "degradedPerformance")),
                ("majorOutage", &fired(K1, "majorOutage")),
                ("operational", "fixed by hand"),
                ("majorOutage", &fired("old", "majorOutage")),
            ],
            K1,
        );
        assert_eq!(v.owned, [(h(k2), DEGRADED.to_string()), (h(K1), MAJOR_OUTAGE.to_string())]);
        assert!(!v.held && !v.released);
        assert_eq!(v.current, MAJOR_OUTAGE);
        // A key's newest marker wins: resolved drops it.
        let resolved = comment(None, None, &marker(&h(K1), AlertState::Resolved, "degradedPerformance"));
        let v = view(&[("degradedPerformance", &resolved), ("majorOutage", &fired(K1, "majorOutage"))], K1);
        assert!(v.owned.is_empty());
        assert_eq!(v.last_resolved_at, Some("2026-02-05T10:59:00Z".parse().unwrap()));
        // A person's newest change holds the component; operational does not.
        assert!(
            view(&[("degradedPerformance", "looking"), ("majorOutage", &fired(K1, "majorOutage"))], K1).held
        );
        assert!(!view(&[("operational", "all good")], K1).held);
        assert!(!view(&[], K1).held);
    }

    #[test]
    fn a_propagated_change_is_not_ours_even_with_a_marker() {
        let history = json!({"history": [
            {"newStatus": "majorOutage", "comment": fired(K1, "majorOutage"), "propagatedFrom": "child"}
        ]});
        let v = View::read(&history, &h(K1));
        assert!(v.held && v.owned.is_empty());
    }

    #[test]
    fn firing_creates_repeats_cost_nothing_and_a_lower_second_key_does_not_lower() {
        let k1 = h(K1);
        let d = firing(&view(&[], K1), &k1, MAJOR_OUTAGE, None);
        assert_eq!(d.action, Action::Created);
        assert_eq!(
            d.write,
            Some(Write { status: MAJOR_OUTAGE, suffix: marker(&k1, AlertState::Firing, MAJOR_OUTAGE) })
        );
        let after = [("majorOutage", fired(K1, "majorOutage"))];
        let after: Vec<(&str, &str)> = after.iter().map(|(s, c)| (*s, c.as_str())).collect();
        let d = firing(&view(&after, K1), &k1, MAJOR_OUTAGE, None);
        assert_eq!((d.action, d.write, d.shows.as_str()), (Action::Unchanged, None, MAJOR_OUTAGE));
        // A second key at a lower severity: recorded with the same status, not lowered.
        let d = firing(&view(&after, "k2"), &h("k2"), DEGRADED, None);
        assert_eq!(d.action, Action::Updated);
        assert_eq!(d.write.unwrap().status, MAJOR_OUTAGE);
        // The same key at a lower severity lowers its own outage.
        let d = firing(&view(&after, K1), &k1, DEGRADED, None);
        assert_eq!((d.action, d.write.unwrap().status), (Action::Updated, DEGRADED));
        // Wanting operational without owning anything: nothing.
        let d = firing(&view(&[], K1), &k1, OPERATIONAL, None);
        assert_eq!((d.action, d.write), (Action::Unchanged, None));
    }

    #[test]
    fn resolving_steps_down_to_the_other_keys_then_to_operational() {
        let (k1, k2) = (h(K1), h("k2"));
        let both = [fired("k2", "degradedPerformance"), fired(K1, "majorOutage")];
        let entries = [("majorOutage", both[0].as_str()), ("majorOutage", both[1].as_str())];
        let d = resolved(&view(&entries, K1), &k1);
        assert_eq!(d.action, Action::Resolved);
        assert_eq!(
            d.write,
            Some(Write { status: DEGRADED, suffix: marker(&k1, AlertState::Resolved, DEGRADED) })
        );
        let step = comment(None, None, &d.write.unwrap().suffix);
        let entries = [("degradedPerformance", step.as_str()), entries[0], entries[1]];
        // Again: nothing owned by this key any more.
        assert_eq!(resolved(&view(&entries, K1), &k1).action, Action::Unchanged);
        let d = resolved(&view(&entries, "k2"), &k2);
        assert_eq!(d.write.unwrap().status, OPERATIONAL);
        // Never owned: nothing written.
        assert_eq!(resolved(&view(&[("majorOutage", "by hand")], K1), &k1).write, None);
    }

    #[test]
    fn a_component_held_by_a_person_is_never_changed() {
        let k1 = h(K1);
        let fire = fired(K1, "majorOutage");
        let entries = [("degradedPerformance", "we are on it"), ("majorOutage", fire.as_str())];
        let v = view(&entries, K1);
        for d in [resolved(&v, &k1), firing(&v, &k1, MAJOR_OUTAGE, None)] {
            assert_eq!((d.action, d.write, d.reason.as_deref()), (Action::Skipped, None, Some(HELD)));
            assert_eq!(d.shows, DEGRADED);
        }
    }

    #[test]
    fn a_firing_older_than_the_keys_last_resolve_is_stale() {
        let k1 = h(K1);
        let done = comment(None, None, &marker(&k1, AlertState::Resolved, OPERATIONAL));
        let v = view(&[("operational", done.as_str())], K1);
        let before: Timestamp = "2026-02-05T10:00:00Z".parse().unwrap();
        let after: Timestamp = "2026-02-05T11:00:00Z".parse().unwrap();
        let d = firing(&v, &k1, MAJOR_OUTAGE, Some(before));
        assert_eq!((d.action, d.reason.as_deref()), (Action::Skipped, Some(STALE)));
        assert_eq!(firing(&v, &k1, MAJOR_OUTAGE, Some(after)).action, Action::Created);
        assert_eq!(firing(&v, &k1, MAJOR_OUTAGE, None).action, Action::Created);
    }

    #[test]
    fn release_hands_the_component_over_once() {
        let k1 = h(K1);
        let fire = fired(K1, "majorOutage");
        let v = view(&[("majorOutage", fire.as_str())], K1);
        let d = release(&v, &k1);
        assert_eq!(d.action, Action::Released);
        assert_eq!(d.write, Some(Write { status: MAJOR_OUTAGE, suffix: release_note(&k1) }));
        let note = comment(None, None, &release_note(&k1));
        let v = view(&[("majorOutage", note.as_str()), ("majorOutage", fire.as_str())], K1);
        assert!(v.held && v.released);
        assert_eq!((release(&v, &k1).action, release(&v, &k1).write), (Action::Released, None));
        // Held now: the key's resolve leaves it as it is.
        assert_eq!(resolved(&v, &k1).action, Action::Skipped);
        assert_eq!(release(&view(&[], K1), &k1).action, Action::Unchanged);
    }
}
