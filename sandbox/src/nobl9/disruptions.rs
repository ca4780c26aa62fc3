//! `GET …/status-page/disruptions?state=impacting|cleared&limit=&offset=`
//! (nobl9-go): the incidents in the newer vocabulary. A disruption is an
//! incident; its origin is the component the opening change was made on
//! (the `propagatedFrom` of a propagated one), its affected component the
//! incident's, its history the incident's status changes, oldest first.

use serde_json::{Value, json};

use super::errors::{ApiError, ApiResult};
use super::model::{ChangeSource, Incident, Organization};
use super::routes::Query;

fn reference(organization: &Organization, id: &str) -> Value {
    json!({"id": id, "name": organization.component_name(id)})
}

fn source_name(source: ChangeSource) -> Value {
    serde_json::to_value(source).unwrap_or_default()
}

fn view(organization: &Organization, incident: &Incident) -> Value {
    let changes: Vec<_> =
        incident.change_ids.iter().filter_map(|id| organization.status_change(id)).collect();
    let opening = changes.first();
    let origin =
        opening.and_then(|change| change.propagated_from.as_deref()).unwrap_or(&incident.component_id);
    let history: Vec<Value> = changes
        .iter()
        .map(|change| {
            let mut entry = json!({
                "id": change.id,
                "previousStatus": change.previous_status,
                "newStatus": change.new_status,
                "changedBy": change.changed_by,
                "changedAt": change.changed_at,
            });
            if let Some(comment) = &change.comment {
                entry["comment"] = json!(comment);
            }
            entry["source"] = source_name(change.source);
            entry
        })
        .collect();
    let mut shown = json!({"id": incident.id});
    if let Some(title) = &incident.start_comment {
        shown["title"] = json!(title);
    }
    shown["severity"] = json!(incident.severity);
    shown["source"] = opening.map_or(Value::Null, |change| source_name(change.source));
    shown["isCleared"] = json!(incident.ended_at.is_some());
    shown["originComponent"] = reference(organization, origin);
    shown["affectedComponents"] = json!([reference(organization, &incident.component_id)]);
    shown["startTime"] = json!(incident.started_at);
    if let Some(ended_at) = incident.ended_at {
        shown["endTime"] = json!(ended_at);
    }
    shown["createdBy"] = json!(opening.map(|change| change.changed_by.as_str()).unwrap_or_default());
    shown["createdAt"] = json!(incident.started_at);
    shown["history"] = Value::Array(history);
    shown
}

/// `{disruptions, total, limit, offset}`, newest `startTime` first.
pub(crate) fn list(organization: &Organization, query: &Query) -> ApiResult<Value> {
    let cleared = match query.get("state") {
        None => None,
        Some("impacting") => Some(false),
        Some("cleared") => Some(true),
        Some(other) => {
            return Err(ApiError::invalid_property(
                "state",
                Some(other),
                "state must be one of: impacting, cleared",
            ));
        }
    };
    let paging = query.paging()?;
    let mut selected: Vec<(usize, &Incident)> = organization
        .incidents
        .iter()
        .enumerate()
        .filter(|(_, incident)| cleared.is_none_or(|cleared| incident.ended_at.is_some() == cleared))
        .collect();
    selected.sort_by(|(a_index, a), (b_index, b)| b.started_at.cmp(&a.started_at).then(b_index.cmp(a_index)));
    let total = selected.len();
    let disruptions: Vec<Value> =
        paging.apply(selected).into_iter().map(|(_, incident)| view(organization, incident)).collect();
    Ok(json!({"disruptions": disruptions, "total": total, "limit": paging.limit, "offset": paging.offset}))
}
