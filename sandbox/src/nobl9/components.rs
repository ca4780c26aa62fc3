//! The component tree: `GET …/components` and `GET …/status` (the
//! nobl9-go `StatusComponent` shape with `impactingDisruption` and
//! `disruptionHistory`). A component shows the most critical of its own
//! status and its descendants'.

use serde_json::{Map, Value, json};

use super::incidents::duration;
use super::model::{Component, ComponentStatus, Organization};
use super::timestamp::{MICROS_PER_DAY, Ts};

/// Days covered by `disruptionHistory`, today included.
pub(crate) const HISTORY_DAYS: i64 = 7;

/// What a tree node shows besides the component itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Detail {
    /// `GET …/components`: `id, name, description, status, noSignal, slos?,
    /// children`.
    Components,
    /// `GET …/status`: also `impactingDisruption?` and `disruptionHistory`.
    Status,
}

/// `{"components": [roots with their children]}`.
pub(crate) fn tree(organization: &Organization, detail: Detail, now: Ts) -> Value {
    let roots: Vec<Value> = organization.roots().map(|root| node(organization, root, detail, now)).collect();
    json!({ "components": roots })
}

fn node(organization: &Organization, component: &Component, detail: Detail, now: Ts) -> Value {
    let mut map = Map::new();
    map.insert("id".to_owned(), json!(component.id));
    map.insert("name".to_owned(), json!(component.name));
    if let Some(description) = &component.description {
        map.insert("description".to_owned(), json!(description));
    }
    map.insert("status".to_owned(), json!(organization.displayed_status(&component.id)));
    map.insert("noSignal".to_owned(), json!(false));
    if !component.slos.is_empty() {
        map.insert("slos".to_owned(), json!(component.slos));
    }
    if detail == Detail::Status {
        if let Some(incident) = organization.ongoing_incident(&component.id) {
            map.insert(
                "impactingDisruption".to_owned(),
                json!({
                    "startedAt": incident.started_at,
                    "severity": incident.severity,
                    "issueCount": incident.issue_count,
                    "duration": duration(incident, now),
                }),
            );
        }
        map.insert("disruptionHistory".to_owned(), disruption_history(organization, &component.id, now));
    }
    let children: Vec<Value> =
        organization.children(&component.id).map(|child| node(organization, child, detail, now)).collect();
    map.insert("children".to_owned(), Value::Array(children));
    Value::Object(map)
}

/// The component's own incidents by UTC day of `startedAt` over the last
/// [`HISTORY_DAYS`] days (oldest first, today last), counted by severity,
/// and a summary (`avgPerDay` rounded to 2 decimals).
fn disruption_history(organization: &Organization, component_id: &str, now: Ts) -> Value {
    let today = now.start_of_day();
    let mut days = Vec::new();
    let (mut total, mut days_with) = (0, 0);
    for back in (0..HISTORY_DAYS).rev() {
        let start = today.minus_micros(back * MICROS_PER_DAY);
        let end = start.plus_micros(MICROS_PER_DAY);
        let (mut degraded, mut major) = (0, 0);
        for incident in organization.incidents.iter().filter(|incident| {
            incident.component_id == component_id && incident.started_at >= start && incident.started_at < end
        }) {
            match incident.severity {
                ComponentStatus::MajorOutage => major += 1,
                _ => degraded += 1,
            }
        }
        total += degraded + major;
        days_with += usize::from(degraded + major > 0);
        days.push(json!({
            "date": start.date(),
            "disruptions": degraded + major,
            "degradedPerformanceCount": degraded,
            "majorOutageCount": major,
        }));
    }
    let average = (f64::from(total) * 100.0 / HISTORY_DAYS as f64).round() / 100.0;
    json!({
        "days": days,
        "summary": {"total": total, "avgPerDay": average, "daysWithDisruptions": days_with},
    })
}
