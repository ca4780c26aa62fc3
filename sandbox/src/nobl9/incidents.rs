//! Incidents (`GET …/incidents`), derived from status changes: a change
//! to `degradedPerformance` or `majorOutage` opens one for the component
//! unless one is ongoing, later non-operational changes raise its severity
//! to the worst seen, and a change to `operational` resolves it. At most one
//! is ongoing per component.

use serde::Serialize;
use serde_json::{Value, json};

use super::errors::ApiResult;
use super::ids::new_id;
use super::model::{ComponentStatus, Incident, Organization};
use super::routes::Query;
use super::timestamp::Ts;

/// Applies a status change of `component_id` to its incidents; returns the
/// incident the change belongs to, if any.
pub(crate) fn on_status_change(
    organization: &mut Organization,
    component_id: &str,
    change_id: &str,
    new_status: ComponentStatus,
    comment: Option<&str>,
    now: Ts,
) -> Option<String> {
    let ongoing = organization.ongoing_incident_mut(component_id);
    match (new_status, ongoing) {
        (ComponentStatus::Operational, None) => None,
        (ComponentStatus::Operational, Some(incident)) => {
            incident.ended_at = Some(now);
            incident.end_comment = comment.map(str::to_owned);
            incident.change_ids.push(change_id.to_owned());
            Some(incident.id.clone())
        }
        (severity, Some(incident)) => {
            incident.severity = incident.severity.max(severity);
            incident.change_ids.push(change_id.to_owned());
            Some(incident.id.clone())
        }
        (severity, None) => {
            let incident = Incident {
                id: new_id(),
                component_id: component_id.to_owned(),
                severity,
                started_at: now,
                ended_at: None,
                start_comment: comment.map(str::to_owned),
                end_comment: None,
                issue_count: 0,
                change_ids: vec![change_id.to_owned()],
            };
            let id = incident.id.clone();
            organization.incidents.push(incident);
            Some(id)
        }
    }
}

/// Whole seconds from start to end, or to `now` while ongoing.
pub(crate) fn duration(incident: &Incident, now: Ts) -> i64 {
    incident.started_at.whole_seconds_until(incident.ended_at.unwrap_or(now))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct IncidentView<'a> {
    id: &'a str,
    component_id: &'a str,
    component_name: String,
    severity: ComponentStatus,
    status: &'static str,
    started_at: Ts,
    #[serde(skip_serializing_if = "Option::is_none")]
    ended_at: Option<Ts>,
    duration: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_comment: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_comment: Option<&'a str>,
    issue_count: u32,
}

fn view(organization: &Organization, incident: &Incident, now: Ts) -> Value {
    serde_json::to_value(IncidentView {
        id: &incident.id,
        component_id: &incident.component_id,
        component_name: organization.component_name(&incident.component_id),
        severity: incident.severity,
        status: if incident.ended_at.is_some() { "resolved" } else { "ongoing" },
        started_at: incident.started_at,
        ended_at: incident.ended_at,
        duration: duration(incident, now),
        start_comment: incident.start_comment.as_deref(),
        end_comment: incident.end_comment.as_deref(),
        issue_count: incident.issue_count,
    })
    .unwrap_or_default()
}

/// `?ongoing=true|false` (omitted: all) → `{"days": [{date, count,
/// incidents}]}`, grouped by the UTC date of `startedAt`, newest day first
/// and newest incident first within a day.
pub(crate) fn list(organization: &Organization, query: &Query, now: Ts) -> ApiResult<Value> {
    let ongoing = query.bool("ongoing")?;
    let mut selected: Vec<(usize, &Incident)> = organization
        .incidents
        .iter()
        .enumerate()
        .filter(|(_, incident)| ongoing.is_none_or(|ongoing| incident.ended_at.is_none() == ongoing))
        .collect();
    selected.sort_by(|(a_index, a), (b_index, b)| b.started_at.cmp(&a.started_at).then(b_index.cmp(a_index)));
    let mut days: Vec<(String, Vec<Value>)> = Vec::new();
    for (_, incident) in selected {
        let date = incident.started_at.date();
        let shown = view(organization, incident, now);
        match days.last_mut() {
            Some((last, incidents)) if *last == date => incidents.push(shown),
            _ => days.push((date, vec![shown])),
        }
    }
    let days: Vec<Value> = days
        .into_iter()
        .map(|(date, incidents)| json!({"date": date, "count": incidents.len(), "incidents": incidents}))
        .collect();
    Ok(json!({ "days": days }))
}
