//! A status change that is never resent blindly.
//!
//! When a change's answer is lost (the host reports an unknown outcome: sent, no answer),
//! the component's status history tells whether it was applied: an entry with the new
//! status and the same comment, not propagated from a child, changed at or after the moment
//! it was sent (less 30 s of clock skew). Found: that entry is the result. Not found: the
//! change was not applied and is sent again (three sends at most). The history cannot be
//! read: the outcome stays unknown (exit 5) and nothing more is sent.

use std::cell::Cell;

use jiff::{SignedDuration, Timestamp};
use statusctl_plugin_api::serde_json::{Map, Value, json};
use statusctl_plugin_api::{Error, ErrorKind, Lookup, encode, outcome_unknown, resend_unless_found};

use crate::api_error::Endpoint;
use crate::client::Client;

/// Sends at most this many change requests for one change (each after a lookup found nothing).
const MAX_SENDS: u32 = 3;
/// How far the server's clock may be behind ours.
const CLOCK_SKEW: SignedDuration = SignedDuration::from_secs(30);

#[derive(Debug, Clone, Copy)]
pub struct Change<'s> {
    pub component_id: &'s str,
    pub status: &'s str,
    pub comment: Option<&'s str>,
    pub propagate: bool,
}

/// `POST /status-page/components/{id}/change-status`: the StatusChange answered.
pub fn apply(client: &Client<'_, '_>, change: Change<'_>) -> Result<Value, Error> {
    let path = format!("/status-page/components/{}/change-status", encode(change.component_id));
    let mut body = json!({"status": change.status, "propagateUp": change.propagate});
    if let Some(comment) = change.comment {
        body["comment"] = json!(comment);
    }
    let host = client.host();
    let sent_at = Cell::new(Timestamp::now());
    let send = || {
        sent_at.set(Timestamp::now());
        client.post(&path, &body, Endpoint::V1Only)
    };
    let lookup = |unknown: &Error, again: bool| {
        host.warn(format!(
            "{}; looking for the change in the status history before sending it again",
            unknown.message
        ));
        match find_applied(client, change, sent_at.get()) {
            Ok(Some(entry)) => {
                host.warn("found it in the status history: the change was applied");
                Ok(Lookup::Found(entry))
            }
            Ok(None) => {
                if again {
                    host.warn("not in the status history: the change was not applied; sending it again");
                }
                Ok(Lookup::NotFound)
            }
            Err(lookup) => Err(Error::new(
                ErrorKind::OutcomeUnknown,
                format!(
                    "{}; reading the status history to check failed ({}): run nobl9:status-history {} before changing it again",
                    unknown.message, lookup.message, change.component_id
                ),
            )),
        }
    };
    resend_unless_found(MAX_SENDS, send, outcome_unknown, lookup)
}

/// `GET /status-page/components/{id}/status-changes`: the component's status changes, newest first.
pub fn history(client: &Client<'_, '_>, component_id: &str) -> Result<Value, Error> {
    let path = format!("/status-page/components/{}/status-changes", encode(component_id));
    client.get(&path, &[], Endpoint::V1Only)
}

/// The history entry `change` made after `sent_at`, with the component id added.
fn find_applied(
    client: &Client<'_, '_>,
    change: Change<'_>,
    sent_at: Timestamp,
) -> Result<Option<Value>, Error> {
    let history = history(client, change.component_id)?;
    let since = sent_at - CLOCK_SKEW;
    let entry = history["history"].as_array().into_iter().flatten().find(|entry| {
        let comment = entry["comment"].as_str().filter(|c| !c.is_empty());
        let changed_at = entry["changedAt"].as_str().and_then(|t| t.parse::<Timestamp>().ok());
        entry["newStatus"] == change.status
            && comment == change.comment.filter(|c| !c.is_empty())
            && entry["propagatedFrom"].as_str().is_none_or(str::is_empty)
            && changed_at.is_some_and(|at| at >= since)
    });
    Ok(entry.map(|entry| {
        let mut found = Map::new();
        found.insert("componentId".into(), json!(change.component_id));
        if let Some(fields) = entry.as_object() {
            found.extend(fields.clone());
        }
        Value::Object(found)
    }))
}

#[cfg(test)]
mod tests {
    use statusctl_plugin_api::testing::{Reply, TestHost};

    use super::*;
    use crate::test_fixtures::{API_ID, env_client, line, ok};

    fn change() -> Change<'static> {
        Change { component_id: API_ID, status: "majorOutage", comment: Some("down"), propagate: false }
    }

    fn history(entries: Value) -> Reply {
        ok(json!({"componentId": API_ID, "history": entries}))
    }

    fn change_status() -> String {
        line("POST", &format!("/status-page/components/{API_ID}/change-status"))
    }

    fn status_changes() -> String {
        line("GET", &format!("/status-page/components/{API_ID}/status-changes"))
    }

    #[test]
    fn a_change_is_sent_once_with_the_scripts_body() {
        let answer = json!({"id": "sc1", "previousStatus": "operational", "newStatus": "majorOutage"});
        let host = TestHost::new().reply(ok(answer.clone()));
        let result = env_client(&host, |client| apply(client, change())).unwrap();
        assert_eq!(result, answer);
        assert_eq!(host.lines(), [change_status()]);
        let sent = &host.requests()[0];
        assert_eq!(
            sent.body.as_deref(),
            Some(r#"{"status":"majorOutage","propagateUp":false,"comment":"down"}"#)
        );
        assert!(!sent.idempotent, "a change is never resent blindly by the host");
        assert!(host.warnings().is_empty());
    }

    #[test]
    fn a_lost_answer_found_in_the_history_is_not_sent_again() {
        let now = crate::times::now();
        let entries = json!([
            {"changedAt": now, "previousStatus": "operational", "newStatus": "majorOutage", "changedBy": "me", "comment": "down"},
            {"changedAt": "2020-01-01T00:00:00Z", "previousStatus": "majorOutage", "newStatus": "operational", "changedBy": "me"}
        ]);
        let host = TestHost::new().reply(Reply::Dropped).reply(history(entries.clone()));
        let result = env_client(&host, |client| apply(client, change())).unwrap();
        let mut expected = json!({"componentId": API_ID});
        expected.as_object_mut().unwrap().extend(entries[0].as_object().unwrap().clone());
        assert_eq!(result, expected);
        assert_eq!(host.lines(), [change_status(), status_changes()]);
        let warnings = host.warnings();
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(
            warnings[0].ends_with(
                "it may have been applied; looking for the change in the status history before sending it again"
            ),
            "{}",
            warnings[0]
        );
        assert_eq!(warnings[1], "found it in the status history: the change was applied");
    }

    #[test]
    fn a_lost_answer_not_in_the_history_is_sent_again() {
        // Old entries, another comment, and a propagated one: none of them is this change.
        let now = crate::times::now();
        let entries = json!([
            {"changedAt": now, "newStatus": "majorOutage", "comment": "other"},
            {"changedAt": now, "newStatus": "majorOutage", "comment": "down", "propagatedFrom": "child"},
            {"changedAt": "2020-01-01T00:00:00Z", "newStatus": "majorOutage", "comment": "down"}
        ]);
        let answer = json!({"id": "sc2", "newStatus": "majorOutage"});
        let host = TestHost::new().reply(Reply::Dropped).reply(history(entries)).reply(ok(answer.clone()));
        assert_eq!(env_client(&host, |client| apply(client, change())).unwrap(), answer);
        assert_eq!(host.lines(), [change_status(), status_changes(), change_status()]);
        assert_eq!(host.requests()[0].body, host.requests()[2].body);
        assert_eq!(
            host.warnings()[1],
            "not in the status history: the change was not applied; sending it again"
        );
    }

    #[test]
    fn after_three_lost_answers_the_outcome_stays_unknown() {
        let host = TestHost::new()
            .reply(Reply::Dropped)
            .reply(history(json!([])))
            .reply(Reply::Dropped)
            .reply(history(json!([])))
            .reply(Reply::Dropped)
            .reply(history(json!([])));
        let err = env_client(&host, |client| apply(client, change())).unwrap_err();
        assert_eq!(err.kind, ErrorKind::OutcomeUnknown);
        assert_eq!(host.requests().len(), 6);
        // Three lookups; "sending it again" after the first two only.
        let warnings = host.warnings();
        assert_eq!(warnings.len(), 5, "{warnings:?}");
        assert!(warnings.iter().filter(|w| w.contains("sending it again")).count() == 5);
        assert!(warnings.iter().filter(|w| w.starts_with("not in the status history")).count() == 2);
    }

    #[test]
    fn when_the_history_cannot_be_read_nothing_more_is_sent() {
        let host = TestHost::new().reply(Reply::Dropped).reply(Reply::status(404, "404 page not found"));
        let err = env_client(&host, |client| apply(client, change())).unwrap_err();
        assert_eq!(err.kind, ErrorKind::OutcomeUnknown);
        assert!(err.message.contains("reading the status history to check failed (Resource not found: endpoint not available on this Nobl9 instance"), "{}", err.message);
        assert!(
            err.message.ends_with(&format!("run nobl9:status-history {API_ID} before changing it again"))
        );
        assert_eq!(host.requests().len(), 2);
    }

    #[test]
    fn other_errors_are_returned_as_they_are() {
        let host = TestHost::new().reply(Reply::status(400, "bad status"));
        let err = env_client(&host, |client| apply(client, change())).unwrap_err();
        assert_eq!((err.kind, err.message.as_str()), (ErrorKind::Failed, "Validation error: bad status"));
        assert_eq!(host.requests().len(), 1);
    }

    #[test]
    fn a_dry_run_stop_is_not_an_unknown_outcome() {
        let host = TestHost::new().dry_run();
        let change = Change { component_id: API_ID, status: "operational", comment: None, propagate: false };
        let err = env_client(&host, |client| apply(client, change)).unwrap_err();
        assert_eq!(err.kind, ErrorKind::DryRun);
        assert_eq!(host.requests().len(), 1);
    }
}
