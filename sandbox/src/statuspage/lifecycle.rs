//! Status vocabularies, impact computation, status side effects and the
//! clock-driven maintenance transitions.

use super::model::{AffectedComponent, Incident, IncidentUpdate, PageData, Store};
use super::timestamp::Ts;

/// Component statuses, best to worst (the OpenAPI document's enum also has `""`, which
/// the emulator reads as "leave unchanged").
pub(crate) const COMPONENT_STATUSES: [&str; 5] =
    ["operational", "under_maintenance", "degraded_performance", "partial_outage", "major_outage"];
pub(crate) const REALTIME_STATUSES: [&str; 4] = ["investigating", "identified", "monitoring", "resolved"];
pub(crate) const SCHEDULED_STATUSES: [&str; 4] = ["scheduled", "in_progress", "verifying", "completed"];
pub(crate) const IMPACTS: [&str; 5] = ["none", "maintenance", "minor", "major", "critical"];

const IN_PROGRESS_BODY: &str =
    "Scheduled maintenance is currently in progress. We will provide updates as necessary.";
const COMPLETED_BODY: &str = "The scheduled maintenance has been completed.";

pub(crate) fn is_scheduled_status(status: &str) -> bool {
    SCHEDULED_STATUSES.contains(&status)
}

fn severity(component_status: &str) -> usize {
    COMPONENT_STATUSES.iter().position(|status| *status == component_status).unwrap_or(0)
}

/// The worst of some component statuses (`operational` for none).
pub(crate) fn worst_status<'a>(statuses: impl IntoIterator<Item = &'a str>) -> &'static str {
    let worst = statuses.into_iter().map(severity).max().unwrap_or(0);
    COMPONENT_STATUSES[worst]
}

fn impact_rank(impact: &str) -> usize {
    IMPACTS.iter().position(|known| *known == impact).unwrap_or(0)
}

/// Maintenance for scheduled incidents; otherwise from the worst attached
/// component: major_outage → critical, partial_outage → major,
/// degraded_performance → minor, anything else → none.
fn impact_now(incident: &Incident, page: &PageData) -> &'static str {
    if incident.scheduled {
        return "maintenance";
    }
    let statuses = incident
        .component_ids
        .iter()
        .filter_map(|id| page.component(id))
        .map(|component| component.status.as_str());
    match worst_status(statuses) {
        "major_outage" => "critical",
        "partial_outage" => "major",
        "degraded_performance" => "minor",
        _ => "none",
    }
}

/// Recomputes the impact after a change; it never goes down (the page's
/// history keeps the worst impact an incident had).
pub(crate) fn recompute_impact(incident: &mut Incident, page: &PageData) {
    let now = impact_now(incident, page);
    if impact_rank(now) > impact_rank(&incident.computed_impact) || incident.scheduled {
        incident.computed_impact = now.to_owned();
    }
}

/// Timestamps that follow a status change: `monitoring_at`, `resolved_at`
/// (also for a completed maintenance), cleared again on reopening.
pub(crate) fn apply_status(incident: &mut Incident, status: &str, at: Ts) {
    if incident.status == status {
        return;
    }
    incident.status = status.to_owned();
    match status {
        "monitoring" => incident.monitoring_at = Some(at),
        "resolved" | "completed" => incident.resolved_at = Some(at),
        _ => {}
    }
    if !matches!(status, "resolved" | "completed") {
        incident.resolved_at = None;
    }
}

/// Sets component statuses on the page; returns one entry per component
/// with its old and new status.
pub(crate) fn set_component_statuses(
    page: &mut PageData,
    changes: &[(String, String)],
    at: Ts,
) -> Vec<AffectedComponent> {
    let mut affected = Vec::new();
    for (id, status) in changes {
        if let Some(component) = page.component_mut(id) {
            affected.push(AffectedComponent {
                code: component.id.clone(),
                name: component.name.clone(),
                old_status: component.status.clone(),
                new_status: status.clone(),
            });
            if component.status != *status {
                component.status = status.clone();
                component.updated_at = at;
            }
        }
    }
    affected
}

/// A new update carrying the incident's current status.
pub(crate) fn new_update(
    id: String,
    incident: &Incident,
    body: String,
    at: Ts,
    affected_components: Vec<AffectedComponent>,
    deliver_notifications: bool,
) -> IncidentUpdate {
    IncidentUpdate {
        id,
        incident_id: incident.id.clone(),
        status: incident.status.clone(),
        body,
        created_at: at,
        updated_at: at,
        display_at: at,
        affected_components,
        deliver_notifications,
        custom_tweet: None,
        tweet_id: None,
        twitter_updated_at: None,
        wants_twitter_update: false,
    }
}

/// Runs the maintenance auto-transitions that are due at `now`; returns
/// whether anything changed. `new_id` hands out ids for the updates.
pub(crate) fn tick(store: &mut Store, now: Ts, new_id: &mut dyn FnMut(&Store) -> String) -> bool {
    let mut changed = false;
    for page_index in 0..store.pages.len() {
        for incident_index in 0..store.pages[page_index].incidents.len() {
            let incident = &store.pages[page_index].incidents[incident_index];
            if !incident.scheduled {
                continue;
            }
            let start_due = incident.status == "scheduled"
                && incident.scheduled_auto_in_progress
                && incident.scheduled_for.is_some_and(|start| start <= now);
            if start_due {
                let at = incident.scheduled_for.unwrap_or(now);
                let id = new_id(store);
                transition(&mut store.pages[page_index], incident_index, Transition::Start, at, id);
                changed = true;
            }
            let incident = &store.pages[page_index].incidents[incident_index];
            let end_due = matches!(incident.status.as_str(), "scheduled" | "in_progress" | "verifying")
                && incident.scheduled_auto_completed
                && incident.scheduled_until.is_some_and(|end| end <= now);
            if end_due {
                let at = incident.scheduled_until.unwrap_or(now);
                let id = new_id(store);
                transition(&mut store.pages[page_index], incident_index, Transition::Complete, at, id);
                changed = true;
            }
        }
    }
    changed
}

#[derive(Clone, Copy)]
enum Transition {
    Start,
    Complete,
}

fn transition(page: &mut PageData, incident_index: usize, kind: Transition, at: Ts, update_id: String) {
    let incident = &page.incidents[incident_index];
    // Never stamp a transition before the incident's last change.
    let at = at.max(incident.updated_at);
    let (status, body, component_status, move_components, deliver) = match kind {
        Transition::Start => (
            "in_progress",
            IN_PROGRESS_BODY,
            "under_maintenance",
            incident.auto_transition_to_maintenance_state,
            incident.auto_transition_deliver_notifications_at_start,
        ),
        Transition::Complete => (
            "completed",
            COMPLETED_BODY,
            "operational",
            incident.auto_transition_to_operational_state,
            incident.auto_transition_deliver_notifications_at_end,
        ),
    };
    let changes: Vec<(String, String)> = if move_components {
        incident.component_ids.iter().map(|id| (id.clone(), component_status.to_owned())).collect()
    } else {
        Vec::new()
    };
    let affected = set_component_statuses(page, &changes, at);
    let incident = &mut page.incidents[incident_index];
    apply_status(incident, status, at);
    incident.updated_at = at;
    let update = new_update(update_id, incident, body.to_owned(), at, affected, deliver);
    incident.incident_updates.insert(0, update);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_status_orders_by_severity() {
        assert_eq!(worst_status(["operational", "partial_outage", "degraded_performance"]), "partial_outage");
        assert_eq!(worst_status([]), "operational");
        assert_eq!(worst_status(["under_maintenance", "operational"]), "under_maintenance");
    }
}
