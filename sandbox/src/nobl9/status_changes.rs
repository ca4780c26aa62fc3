//! Status changes: `POST …/components/{id}/change-status`, the history
//! `GET …/components/{id}/status-changes`, and the change of an
//! external issue's `statusChange`. With `propagateUp` the status is also
//! set on every ancestor, whose history records `propagatedFrom`. Every
//! change, propagated or not, feeds the incidents (see `incidents`).

use serde::Serialize;
use serde_json::{Value, json};

use super::auth::Caller;
use super::body::{self, Fields};
use super::errors::{ApiError, ApiResult};
use super::ids::new_id;
use super::incidents;
use super::model::{ChangeSource, ComponentStatus, Organization, StatusChange};
use super::timestamp::Ts;

/// A change to make on a component.
pub(crate) struct ChangeRequest<'a> {
    pub(crate) status: ComponentStatus,
    pub(crate) propagate_up: bool,
    pub(crate) comment: Option<&'a str>,
    pub(crate) changed_by: &'a str,
    pub(crate) source: ChangeSource,
}

/// The change made on the component itself and those propagated to its
/// ancestors (parent first).
pub(crate) struct Applied {
    pub(crate) change_id: String,
    pub(crate) propagated: Vec<String>,
}

pub(crate) fn component_not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("Component {id} not found."))
}

/// Sets the status on a component known to exist (and on its ancestors
/// with `propagate_up`).
pub(crate) fn apply(
    organization: &mut Organization,
    component_id: &str,
    change: &ChangeRequest<'_>,
    now: Ts,
) -> Applied {
    let change_id = record(organization, component_id, change, None, now);
    let propagated = if change.propagate_up {
        organization
            .ancestors(component_id)
            .iter()
            .map(|ancestor| record(organization, ancestor, change, Some(component_id), now))
            .collect()
    } else {
        Vec::new()
    };
    Applied { change_id, propagated }
}

fn record(
    organization: &mut Organization,
    component_id: &str,
    change: &ChangeRequest<'_>,
    propagated_from: Option<&str>,
    now: Ts,
) -> String {
    let Some(component) = organization.component_mut(component_id) else {
        return String::new();
    };
    let previous_status = std::mem::replace(&mut component.status, change.status);
    let id = new_id();
    let incident_id =
        incidents::on_status_change(organization, component_id, &id, change.status, change.comment, now);
    organization.status_changes.push(StatusChange {
        id: id.clone(),
        component_id: component_id.to_owned(),
        previous_status,
        new_status: change.status,
        changed_by: change.changed_by.to_owned(),
        changed_at: now,
        comment: change.comment.map(str::to_owned),
        propagated_from: propagated_from.map(str::to_owned),
        incident_id,
        source: change.source,
    });
    id
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StatusChangeView<'a> {
    id: &'a str,
    component_id: &'a str,
    component_name: String,
    previous_status: ComponentStatus,
    new_status: ComponentStatus,
    changed_by: &'a str,
    changed_at: Ts,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    propagated_from: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    incident_id: Option<&'a str>,
}

/// A change as F and G show it.
pub(crate) fn view(organization: &Organization, change: &StatusChange) -> Value {
    serde_json::to_value(StatusChangeView {
        id: &change.id,
        component_id: &change.component_id,
        component_name: organization.component_name(&change.component_id),
        previous_status: change.previous_status,
        new_status: change.new_status,
        changed_by: &change.changed_by,
        changed_at: change.changed_at,
        comment: change.comment.as_deref(),
        propagated_from: change.propagated_from.as_deref(),
        incident_id: change.incident_id.as_deref(),
    })
    .unwrap_or_default()
}

fn view_by_id(organization: &Organization, id: &str) -> Value {
    organization.status_change(id).map(|change| view(organization, change)).unwrap_or_default()
}

/// `change-status`: 403 without the admin role, 404 for an unknown component, 400 for a
/// bad body or a missing or invalid `status` or `propagateUp`. Answers the change, with
/// `propagated` (ancestors' changes, parent first) when `propagateUp`.
pub(crate) fn change_status(
    organization: &mut Organization,
    id: &str,
    body: &[u8],
    caller: &Caller,
    admin: bool,
    now: Ts,
) -> ApiResult<Value> {
    if !admin {
        return Err(ApiError::forbidden(
            "Changing a component's status requires the organization admin role.",
        ));
    }
    if organization.component(id).is_none() {
        return Err(component_not_found(id));
    }
    let body = body::decode(body)?;
    let fields = Fields::new(&body);
    let status = fields.status("status")?;
    let propagate_up = fields.required_bool("propagateUp")?;
    let comment = fields.optional_string("comment")?;
    let request = ChangeRequest {
        status,
        propagate_up,
        comment: comment.as_deref(),
        changed_by: &caller.user,
        source: ChangeSource::User,
    };
    let applied = apply(organization, id, &request, now);
    let mut shown = view_by_id(organization, &applied.change_id);
    if propagate_up && let Value::Object(map) = &mut shown {
        let propagated: Vec<Value> =
            applied.propagated.iter().map(|change| view_by_id(organization, change)).collect();
        map.insert("propagated".to_owned(), Value::Array(propagated));
    }
    Ok(shown)
}

/// `status-changes`: `{componentId, history}`, newest first; 404 for an unknown component.
pub(crate) fn history(organization: &Organization, id: &str) -> ApiResult<Value> {
    if organization.component(id).is_none() {
        return Err(component_not_found(id));
    }
    let history: Vec<Value> = organization
        .status_changes
        .iter()
        .rev()
        .filter(|change| change.component_id == id)
        .map(|change| view(organization, change))
        .collect();
    Ok(json!({ "componentId": id, "history": history }))
}
