//! `/pages/{page_id}/incidents`: realtime incidents and scheduled
//! maintenances, their lists, and edits of their updates.

use serde::Serialize;
use serde_json::{Map, Value};

use super::body::{Fields, Nullable};
use super::components;
use super::errors::{ApiError, ApiResult};
use super::ids::{fresh_id, random_string};
use super::lifecycle::{
    COMPONENT_STATUSES, IMPACTS, REALTIME_STATUSES, SCHEDULED_STATUSES, apply_status, is_scheduled_status,
    new_update, recompute_impact, set_component_statuses,
};
use super::model::{Incident, IncidentUpdate, PageData};
use super::routes::{IncidentList, Query};
use super::timestamp::Ts;

pub(crate) const MAX_NAME_CHARS: usize = 255;
pub(crate) const MAX_BODY_CHARS: usize = 25_000;
/// Default and maximum `limit` of the main list.
const MAX_LIMIT: usize = 100;
/// Default `per_page` of the filtered lists.
const DEFAULT_PER_PAGE: usize = 100;

/// `Incident` of the OpenAPI document as the API shows it.
#[derive(Serialize)]
struct IncidentView<'a> {
    id: &'a str,
    page_id: &'a str,
    name: &'a str,
    status: &'a str,
    impact: &'a str,
    impact_override: Option<&'a str>,
    created_at: Ts,
    updated_at: Ts,
    monitoring_at: Option<Ts>,
    resolved_at: Option<Ts>,
    started_at: Ts,
    shortlink: &'a str,
    metadata: &'a Map<String, Value>,
    components: Vec<Value>,
    incident_updates: &'a [IncidentUpdate],
    incident_impacts: [Value; 0],
    postmortem_body: Option<&'a str>,
    postmortem_body_last_updated_at: Option<Ts>,
    postmortem_ignored: bool,
    postmortem_notified_subscribers: bool,
    postmortem_notified_twitter: bool,
    postmortem_published_at: Option<Ts>,
    scheduled_for: Option<Ts>,
    scheduled_until: Option<Ts>,
    scheduled_remind_prior: bool,
    scheduled_reminded_at: Option<Ts>,
    scheduled_auto_in_progress: bool,
    scheduled_auto_completed: bool,
    auto_transition_to_maintenance_state: bool,
    auto_transition_to_operational_state: bool,
    auto_transition_deliver_notifications_at_start: bool,
    auto_transition_deliver_notifications_at_end: bool,
    reminder_intervals: Option<&'a str>,
}

/// The incident with the current state of its components (in page order).
pub(crate) fn view(page: &PageData, incident: &Incident) -> Value {
    let components = page
        .components
        .iter()
        .filter(|component| incident.component_ids.contains(&component.id))
        .map(|component| components::view(page, component))
        .collect();
    let view = IncidentView {
        id: &incident.id,
        page_id: &incident.page_id,
        name: &incident.name,
        status: &incident.status,
        impact: incident.impact_override.as_deref().unwrap_or(&incident.computed_impact),
        impact_override: incident.impact_override.as_deref(),
        created_at: incident.created_at,
        updated_at: incident.updated_at,
        monitoring_at: incident.monitoring_at,
        resolved_at: incident.resolved_at,
        started_at: incident.started_at,
        shortlink: &incident.shortlink,
        metadata: &incident.metadata,
        components,
        incident_updates: &incident.incident_updates,
        incident_impacts: [],
        postmortem_body: incident.postmortem_body.as_deref(),
        postmortem_body_last_updated_at: None,
        postmortem_ignored: false,
        postmortem_notified_subscribers: false,
        postmortem_notified_twitter: false,
        postmortem_published_at: None,
        scheduled_for: incident.scheduled_for,
        scheduled_until: incident.scheduled_until,
        scheduled_remind_prior: incident.scheduled_remind_prior,
        scheduled_reminded_at: None,
        scheduled_auto_in_progress: incident.scheduled_auto_in_progress,
        scheduled_auto_completed: incident.scheduled_auto_completed,
        auto_transition_to_maintenance_state: incident.auto_transition_to_maintenance_state,
        auto_transition_to_operational_state: incident.auto_transition_to_operational_state,
        auto_transition_deliver_notifications_at_start: incident
            .auto_transition_deliver_notifications_at_start,
        auto_transition_deliver_notifications_at_end: incident.auto_transition_deliver_notifications_at_end,
        reminder_intervals: incident.reminder_intervals.as_deref(),
    };
    serde_json::to_value(view).unwrap_or_default()
}

/// Boolean settings, each optional in a request.
#[derive(Default)]
struct Flags {
    scheduled_remind_prior: Option<bool>,
    scheduled_auto_in_progress: Option<bool>,
    scheduled_auto_completed: Option<bool>,
    auto_transition_to_maintenance_state: Option<bool>,
    auto_transition_to_operational_state: Option<bool>,
    auto_transition_deliver_notifications_at_start: Option<bool>,
    auto_transition_deliver_notifications_at_end: Option<bool>,
    auto_tweet_at_beginning: Option<bool>,
    auto_tweet_on_completion: Option<bool>,
    auto_tweet_on_creation: Option<bool>,
    auto_tweet_one_hour_before: Option<bool>,
}

impl Flags {
    fn read(fields: &Fields<'_>) -> ApiResult<Self> {
        // `scheduled_auto_transition` is documented as the same setting.
        let auto_in_progress = fields.bool("scheduled_auto_in_progress")?;
        let alias = fields.bool("scheduled_auto_transition")?;
        Ok(Self {
            scheduled_remind_prior: fields.bool("scheduled_remind_prior")?,
            scheduled_auto_in_progress: auto_in_progress.or(alias),
            scheduled_auto_completed: fields.bool("scheduled_auto_completed")?,
            auto_transition_to_maintenance_state: fields.bool("auto_transition_to_maintenance_state")?,
            auto_transition_to_operational_state: fields.bool("auto_transition_to_operational_state")?,
            auto_transition_deliver_notifications_at_start: fields
                .bool("auto_transition_deliver_notifications_at_start")?,
            auto_transition_deliver_notifications_at_end: fields
                .bool("auto_transition_deliver_notifications_at_end")?,
            auto_tweet_at_beginning: fields.bool("auto_tweet_at_beginning")?,
            auto_tweet_on_completion: fields.bool("auto_tweet_on_completion")?,
            auto_tweet_on_creation: fields.bool("auto_tweet_on_creation")?,
            auto_tweet_one_hour_before: fields.bool("auto_tweet_one_hour_before")?,
        })
    }

    fn apply(&self, incident: &mut Incident) {
        let pairs = [
            (self.scheduled_remind_prior, &mut incident.scheduled_remind_prior),
            (self.scheduled_auto_in_progress, &mut incident.scheduled_auto_in_progress),
            (self.scheduled_auto_completed, &mut incident.scheduled_auto_completed),
            (self.auto_transition_to_maintenance_state, &mut incident.auto_transition_to_maintenance_state),
            (self.auto_transition_to_operational_state, &mut incident.auto_transition_to_operational_state),
            (
                self.auto_transition_deliver_notifications_at_start,
                &mut incident.auto_transition_deliver_notifications_at_start,
            ),
            (
                self.auto_transition_deliver_notifications_at_end,
                &mut incident.auto_transition_deliver_notifications_at_end,
            ),
            (self.auto_tweet_at_beginning, &mut incident.auto_tweet_at_beginning),
            (self.auto_tweet_on_completion, &mut incident.auto_tweet_on_completion),
            (self.auto_tweet_on_creation, &mut incident.auto_tweet_on_creation),
            (self.auto_tweet_one_hour_before, &mut incident.auto_tweet_one_hour_before),
        ];
        for (value, slot) in pairs {
            if let Some(value) = value {
                *slot = value;
            }
        }
    }
}

/// The `incident` object of a create or update, checked field by field and
/// against the page's components.
struct IncidentInput {
    name: Option<String>,
    status: Option<String>,
    impact_override: Nullable<String>,
    body: Option<String>,
    /// `components` map entries that change a status.
    status_changes: Vec<(String, String)>,
    /// Components named by the `components` map (with or without a status).
    mapped_ids: Vec<String>,
    component_ids: Option<Vec<String>>,
    deliver_notifications: Option<bool>,
    metadata: Nullable<Map<String, Value>>,
    scheduled_for: Nullable<Ts>,
    scheduled_until: Nullable<Ts>,
    reminder_intervals: Nullable<String>,
    backfilled: Option<bool>,
    backfill_date: Nullable<Ts>,
    flags: Flags,
}

impl IncidentInput {
    fn read(fields: &Fields<'_>, page: &PageData) -> ApiResult<Self> {
        let name = match fields.string("name")? {
            None => None,
            Some(Some(name)) if !name.trim().is_empty() => {
                if name.chars().count() > MAX_NAME_CHARS {
                    return Err(ApiError::unprocessable(format!(
                        "Name is too long (maximum is {MAX_NAME_CHARS} characters)"
                    )));
                }
                Some(name)
            }
            Some(_) => return Err(ApiError::unprocessable("Name can't be blank")),
        };
        let status = fields.string("status")?.flatten().filter(|status| !status.is_empty());
        if let Some(status) = &status
            && !REALTIME_STATUSES.contains(&status.as_str())
            && !SCHEDULED_STATUSES.contains(&status.as_str())
        {
            return Err(ApiError::unprocessable(format!(
                "Status {status:?} is not one of: {}, {}",
                REALTIME_STATUSES.join(", "),
                SCHEDULED_STATUSES.join(", ")
            )));
        }
        let impact_override =
            fields.string("impact_override")?.map(|value| value.filter(|value| !value.is_empty()));
        if let Some(Some(impact)) = &impact_override
            && !IMPACTS.contains(&impact.as_str())
        {
            return Err(ApiError::unprocessable(format!(
                "Impact override {impact:?} is not one of: {}",
                IMPACTS.join(", ")
            )));
        }
        let body = fields.string("body")?.flatten();
        if body.as_ref().is_some_and(|body| body.chars().count() > MAX_BODY_CHARS) {
            return Err(ApiError::unprocessable(format!(
                "Body is too long (maximum is {MAX_BODY_CHARS} characters)"
            )));
        }
        let (status_changes, mapped_ids, listed_as_components) = read_component_map(fields, page)?;
        let mut component_ids = fields.string_list("component_ids")?;
        if let Some(listed) = listed_as_components {
            component_ids.get_or_insert_with(Vec::new).extend(listed);
        }
        for id in component_ids.iter().flatten() {
            check_component(page, id)?;
        }
        Ok(Self {
            name,
            status,
            impact_override,
            body,
            status_changes,
            mapped_ids,
            component_ids,
            deliver_notifications: fields.bool("deliver_notifications")?,
            metadata: read_metadata(fields)?,
            scheduled_for: fields.timestamp("scheduled_for")?,
            scheduled_until: fields.timestamp("scheduled_until")?,
            reminder_intervals: read_reminder_intervals(fields)?,
            backfilled: fields.bool("backfilled")?,
            backfill_date: fields.timestamp("backfill_date")?,
            flags: Flags::read(fields)?,
        })
    }

    fn names_components(&self) -> bool {
        !self.mapped_ids.is_empty() || self.component_ids.as_ref().is_some_and(|ids| !ids.is_empty())
    }

    /// Checks the statuses and maintenance fields against the kind of
    /// incident (realtime or scheduled).
    fn check_kind(&self, scheduled: bool) -> ApiResult<()> {
        if let Some(status) = &self.status
            && is_scheduled_status(status) != scheduled
        {
            return Err(ApiError::unprocessable(if scheduled {
                format!(
                    "Status {status:?} is for realtime incidents; a scheduled maintenance takes one of: {}",
                    SCHEDULED_STATUSES.join(", ")
                )
            } else {
                format!(
                    "Status {status:?} is for scheduled maintenances; a realtime incident takes one of: {}",
                    REALTIME_STATUSES.join(", ")
                )
            }));
        }
        if !scheduled
            && (matches!(self.scheduled_for, Some(Some(_))) || matches!(self.scheduled_until, Some(Some(_))))
        {
            return Err(ApiError::unprocessable(
                "scheduled_for and scheduled_until only apply to scheduled maintenances",
            ));
        }
        if scheduled && matches!(self.reminder_intervals, Some(Some(_))) {
            return Err(ApiError::unprocessable(
                "reminder_intervals does not apply to scheduled maintenances",
            ));
        }
        Ok(())
    }
}

fn check_component(page: &PageData, id: &str) -> ApiResult<()> {
    match page.component(id) {
        Some(component) if !component.group => Ok(()),
        Some(_) => Err(ApiError::unprocessable(format!(
            "Component {id} is a component group: name the components in it"
        ))),
        None => Err(ApiError::unprocessable(format!("Component {id} does not exist on this page"))),
    }
}

type ComponentMap = (Vec<(String, String)>, Vec<String>, Option<Vec<String>>);

/// `components`: a map id → status (`""` attaches without a change). The
/// docs' generic example also shows a plain list of ids, read like
/// `component_ids`.
fn read_component_map(fields: &Fields<'_>, page: &PageData) -> ApiResult<ComponentMap> {
    let mut changes = Vec::new();
    let mut mapped = Vec::new();
    match fields.raw("components") {
        None | Some(Value::Null) => Ok((changes, mapped, None)),
        Some(Value::Array(_)) => Ok((changes, mapped, fields.string_list("components")?)),
        Some(Value::Object(map)) => {
            for (id, status) in map {
                check_component(page, id)?;
                let status = status.as_str().unwrap_or("<not a string>");
                if !status.is_empty() && !COMPONENT_STATUSES.contains(&status) {
                    return Err(ApiError::unprocessable(format!(
                        "Component status {status:?} for {id} is not one of: {}",
                        COMPONENT_STATUSES.join(", ")
                    )));
                }
                mapped.push(id.clone());
                if !status.is_empty() {
                    changes.push((id.clone(), status.to_owned()));
                }
            }
            Ok((changes, mapped, None))
        }
        Some(_) => Err(ApiError::unprocessable("incident[components] must map component ids to statuses")),
    }
}

/// "All top-level values in the object must also be objects."
fn read_metadata(fields: &Fields<'_>) -> ApiResult<Nullable<Map<String, Value>>> {
    match fields.raw("metadata") {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::Object(map)) => {
            if let Some((key, _)) = map.iter().find(|(_, value)| !value.is_object()) {
                return Err(ApiError::unprocessable(format!(
                    "metadata[{key}] must be an object: all top-level metadata values must be objects"
                )));
            }
            Ok(Some(Some(map.clone())))
        }
        Some(_) => Err(ApiError::unprocessable("metadata must be an object")),
    }
}

/// null (default), `"[]"` (off), `"4"` (every 4 h) or `"[1, 5, 7, 10]"`
/// (strictly increasing hours, each 1–24).
fn read_reminder_intervals(fields: &Fields<'_>) -> ApiResult<Nullable<String>> {
    let text = match fields.raw("reminder_intervals") {
        None => return Ok(None),
        Some(Value::Null) => return Ok(Some(None)),
        Some(Value::String(text)) => text.trim().to_owned(),
        Some(Value::Number(number)) => number.to_string(),
        Some(Value::Array(_)) => {
            let value = fields.raw("reminder_intervals").cloned().unwrap_or_default();
            value.to_string().replace(',', ", ")
        }
        Some(_) => String::from("<invalid>"),
    };
    let hour = |part: &str| part.trim().parse::<u8>().ok().filter(|hour| (1..=24).contains(hour));
    let valid = match text.strip_prefix('[').and_then(|rest| rest.strip_suffix(']')) {
        Some(inner) if inner.trim().is_empty() => true,
        Some(inner) => {
            let hours: Option<Vec<u8>> = inner.split(',').map(hour).collect();
            hours.is_some_and(|hours| hours.windows(2).all(|pair| pair[0] < pair[1]))
        }
        None => hour(&text).is_some(),
    };
    if !valid {
        return Err(ApiError::unprocessable(format!(
            "reminder_intervals {text:?} must be null, \"[]\", an hour 1-24 like \"4\" or increasing hours like \"[1, 5, 7, 10]\""
        )));
    }
    Ok(Some(Some(text)))
}

/// Attached components after a change: `component_ids` replaces the set
/// (plus the `components` map's ids); without it, the map's ids are added.
fn attach(existing: &[String], input: &IncidentInput) -> Vec<String> {
    let mut attached: Vec<String> = match &input.component_ids {
        Some(ids) => ids.clone(),
        None => existing.to_vec(),
    };
    for id in &input.mapped_ids {
        attached.push(id.clone());
    }
    let mut seen = std::collections::HashSet::new();
    attached.retain(|id| seen.insert(id.clone()));
    attached
}

pub(crate) fn create(
    page: &mut PageData,
    body: &Map<String, Value>,
    now: Ts,
    rng: &mut fastrand::Rng,
) -> ApiResult<Value> {
    let fields = Fields::require(body, "incident")?;
    let input = IncidentInput::read(&fields, page)?;
    let name = input.name.clone().ok_or_else(|| ApiError::unprocessable("Name can't be blank"))?;
    // A scheduled maintenance is one with a start time or a maintenance status.
    let scheduled = matches!(input.scheduled_for, Some(Some(_)))
        || input.status.as_deref().is_some_and(is_scheduled_status);
    input.check_kind(scheduled)?;
    let backfilled = input.backfilled.unwrap_or(false);
    if backfilled && scheduled {
        return Err(ApiError::unprocessable("A scheduled maintenance cannot be backfilled"));
    }
    if backfilled && input.names_components() {
        return Err(ApiError::unprocessable("Components cannot be specified for a backfilled incident"));
    }
    let scheduled_for = scheduled.then(|| input.scheduled_for.flatten().unwrap_or(now));
    let scheduled_until = input.scheduled_until.flatten();
    check_window(scheduled_for, scheduled_until)?;

    let created_at = if backfilled { input.backfill_date.flatten().unwrap_or(now) } else { now };
    let status = match (&input.status, backfilled, scheduled) {
        (_, true, _) => "resolved".to_owned(),
        (Some(status), _, _) => status.clone(),
        (None, _, true) => "scheduled".to_owned(),
        (None, _, false) => "investigating".to_owned(),
    };
    let id = fresh_id(rng, |id| page.id_taken(id));
    let mut incident = Incident {
        id: id.clone(),
        page_id: page.page.id.clone(),
        scheduled,
        name,
        status: String::new(),
        computed_impact: "none".to_owned(),
        impact_override: input.impact_override.clone().flatten(),
        created_at,
        updated_at: created_at,
        monitoring_at: None,
        resolved_at: None,
        started_at: scheduled_for.unwrap_or(created_at),
        shortlink: format!("https://stspg.io/{}", random_string(rng, 6)),
        metadata: input.metadata.clone().flatten().unwrap_or_default(),
        component_ids: attach(&[], &input),
        incident_updates: Vec::new(),
        postmortem_body: None,
        scheduled_for,
        scheduled_until,
        scheduled_remind_prior: false,
        scheduled_auto_in_progress: false,
        scheduled_auto_completed: false,
        auto_transition_to_maintenance_state: false,
        auto_transition_to_operational_state: false,
        auto_transition_deliver_notifications_at_start: false,
        auto_transition_deliver_notifications_at_end: false,
        auto_tweet_at_beginning: false,
        auto_tweet_on_completion: false,
        auto_tweet_on_creation: false,
        auto_tweet_one_hour_before: false,
        reminder_intervals: input.reminder_intervals.clone().flatten(),
        backfilled,
    };
    input.flags.apply(&mut incident);
    apply_status(&mut incident, &status, created_at);
    let affected = set_component_statuses(page, &input.status_changes, now);
    recompute_impact(&mut incident, page);
    let update_id = fresh_id(rng, |candidate| candidate == id || page.id_taken(candidate));
    let update = new_update(
        update_id,
        &incident,
        input.body.clone().unwrap_or_default(),
        created_at,
        affected,
        input.deliver_notifications.unwrap_or(true),
    );
    incident.incident_updates.push(update);
    page.incidents.push(incident);
    let created = page.incidents.last().ok_or_else(|| ApiError::internal("incident vanished"))?;
    Ok(view(page, created))
}

fn check_window(scheduled_for: Option<Ts>, scheduled_until: Option<Ts>) -> ApiResult<()> {
    match (scheduled_for, scheduled_until) {
        (Some(start), Some(end)) if end <= start => {
            Err(ApiError::unprocessable("scheduled_until must be after scheduled_for"))
        }
        _ => Ok(()),
    }
}

fn index_of(page: &PageData, id: &str) -> ApiResult<usize> {
    page.incidents.iter().position(|incident| incident.id == id).ok_or_else(ApiError::not_found)
}

/// PATCH and PUT: a partial update; `status` and/or `body` append an update.
pub(crate) fn update(
    page: &mut PageData,
    id: &str,
    body: &Map<String, Value>,
    now: Ts,
    rng: &mut fastrand::Rng,
) -> ApiResult<Value> {
    let index = index_of(page, id)?;
    let fields = Fields::require(body, "incident")?;
    let input = IncidentInput::read(&fields, page)?;
    let mut incident = page.incidents[index].clone();
    input.check_kind(incident.scheduled)?;
    if incident.backfilled && input.names_components() {
        return Err(ApiError::unprocessable("Components cannot be specified for a backfilled incident"));
    }
    if incident.scheduled {
        let scheduled_for = match input.scheduled_for {
            Some(Some(start)) => Some(start),
            _ => incident.scheduled_for,
        };
        let scheduled_until = input.scheduled_until.unwrap_or(incident.scheduled_until);
        check_window(scheduled_for, scheduled_until)?;
        incident.scheduled_for = scheduled_for;
        incident.scheduled_until = scheduled_until;
        incident.started_at = scheduled_for.unwrap_or(incident.started_at);
    }

    if let Some(name) = &input.name {
        incident.name = name.clone();
    }
    if let Some(impact_override) = &input.impact_override {
        incident.impact_override = impact_override.clone();
    }
    if let Some(metadata) = &input.metadata {
        incident.metadata = metadata.clone().unwrap_or_default();
    }
    if let Some(reminder_intervals) = &input.reminder_intervals {
        incident.reminder_intervals = reminder_intervals.clone();
    }
    input.flags.apply(&mut incident);
    incident.component_ids = attach(&incident.component_ids, &input);
    if let Some(status) = &input.status {
        apply_status(&mut incident, status, now);
    }
    incident.updated_at = now;
    let affected = set_component_statuses(page, &input.status_changes, now);
    recompute_impact(&mut incident, page);
    if input.status.is_some() || input.body.is_some() {
        let update_id = fresh_id(rng, |candidate| page.id_taken(candidate));
        let update = new_update(
            update_id,
            &incident,
            input.body.clone().unwrap_or_default(),
            now,
            affected,
            input.deliver_notifications.unwrap_or(true),
        );
        incident.incident_updates.insert(0, update);
    }
    page.incidents[index] = incident;
    Ok(view(page, &page.incidents[index]))
}

/// Answers with the incident as it was; its components keep their status.
pub(crate) fn delete(page: &mut PageData, id: &str) -> ApiResult<Value> {
    let index = index_of(page, id)?;
    let shown = view(page, &page.incidents[index]);
    page.incidents.remove(index);
    Ok(shown)
}

pub(crate) fn get(page: &PageData, id: &str) -> ApiResult<Value> {
    let index = index_of(page, id)?;
    Ok(view(page, &page.incidents[index]))
}

/// `PATCH/PUT …/incidents/{id}/incident_updates/{update_id}`: body,
/// display_at, deliver_notifications, wants_twitter_update (not status).
pub(crate) fn edit_update(
    page: &mut PageData,
    incident_id: &str,
    update_id: &str,
    body: &Map<String, Value>,
    now: Ts,
) -> ApiResult<Value> {
    let index = index_of(page, incident_id)?;
    let update_index = page.incidents[index]
        .incident_updates
        .iter()
        .position(|update| update.id == update_id)
        .ok_or_else(ApiError::not_found)?;
    let fields = Fields::require(body, "incident_update")?;
    let text = fields.string("body")?.map(Option::unwrap_or_default);
    if text.as_ref().is_some_and(|text| text.chars().count() > MAX_BODY_CHARS) {
        return Err(ApiError::unprocessable(format!(
            "Body is too long (maximum is {MAX_BODY_CHARS} characters)"
        )));
    }
    let display_at = fields.timestamp("display_at")?.flatten();
    let deliver_notifications = fields.bool("deliver_notifications")?;
    let wants_twitter_update = fields.bool("wants_twitter_update")?;

    let incident = &mut page.incidents[index];
    let update = &mut incident.incident_updates[update_index];
    if let Some(text) = text {
        update.body = text;
    }
    if let Some(display_at) = display_at {
        update.display_at = display_at;
    }
    if let Some(deliver_notifications) = deliver_notifications {
        update.deliver_notifications = deliver_notifications;
    }
    if let Some(wants_twitter_update) = wants_twitter_update {
        update.wants_twitter_update = wants_twitter_update;
    }
    update.updated_at = now;
    let edited = serde_json::to_value(&*update).unwrap_or_default();
    incident.updated_at = now;
    Ok(edited)
}

/// Newest first (creation time, then creation order).
fn newest_first(page: &PageData) -> Vec<&Incident> {
    let mut incidents: Vec<(usize, &Incident)> = page.incidents.iter().enumerate().collect();
    incidents.sort_by(|(a_index, a), (b_index, b)| {
        b.created_at.cmp(&a.created_at).then_with(|| b_index.cmp(a_index))
    });
    incidents.into_iter().map(|(_, incident)| incident).collect()
}

/// `q` searches name, status, postmortem body and update bodies
/// (case-insensitive); `limit` defaults to and is capped at 100.
pub(crate) fn list(page: &PageData, query: &Query) -> ApiResult<Value> {
    let paging = query.paging("limit", MAX_LIMIT, Some(MAX_LIMIT))?;
    let needle = query.get("q").map(str::to_lowercase).filter(|q| !q.trim().is_empty());
    let matches = |incident: &&Incident| {
        let Some(needle) = &needle else { return true };
        let hit = |text: &str| text.to_lowercase().contains(needle.as_str());
        hit(&incident.name)
            || hit(&incident.status)
            || incident.postmortem_body.as_deref().is_some_and(hit)
            || incident.incident_updates.iter().any(|update| hit(&update.body))
    };
    let found: Vec<Value> =
        newest_first(page).into_iter().filter(matches).map(|incident| view(page, incident)).collect();
    Ok(Value::Array(paging.apply(found)))
}

/// The fixed-filter lists, paged with `page`/`per_page` (default 100).
pub(crate) fn list_kind(page: &PageData, kind: IncidentList, query: &Query, now: Ts) -> ApiResult<Value> {
    let paging = query.paging("per_page", DEFAULT_PER_PAGE, None)?;
    let selected = |incident: &&Incident| match kind {
        IncidentList::Unresolved => !incident.scheduled && incident.status != "resolved",
        IncidentList::Scheduled => incident.scheduled && incident.status == "scheduled",
        IncidentList::Upcoming => {
            incident.scheduled
                && incident.status == "scheduled"
                && incident.scheduled_for.is_some_and(|start| start > now)
        }
        IncidentList::ActiveMaintenance => {
            incident.scheduled && matches!(incident.status.as_str(), "in_progress" | "verifying")
        }
    };
    let found: Vec<Value> =
        newest_first(page).into_iter().filter(selected).map(|incident| view(page, incident)).collect();
    Ok(Value::Array(paging.apply(found)))
}
