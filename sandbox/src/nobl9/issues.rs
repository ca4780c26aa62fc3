//! Issues: `POST …/issues`, `POST …/issues/external`, `GET …/issues` and
//! `GET …/issues/summary`, plus the rules that
//! tie them to incidents: an issue counts toward the incident ongoing for
//! its component when it is reported, is active for 24 hours after
//! `occurredAt`, and — with auto-detection on — the fifth user/external
//! issue of an operational component within 5 minutes switches it to
//! `degradedPerformance`.

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::auth::Caller;
use super::body::Fields;
use super::errors::{ApiError, ApiResult};
use super::ids::new_id;
use super::model::{ChangeSource, ComponentStatus, Issue, IssueSource, Organization};
use super::routes::Query;
use super::status_changes::{self, ChangeRequest, component_not_found};
use super::timestamp::{MICROS_PER_DAY, MICROS_PER_HOUR, MICROS_PER_MINUTE, Ts};

/// How long an issue stays active after `occurredAt`.
pub(crate) const ACTIVE_MICROS: i64 = MICROS_PER_DAY;
/// Auto-detection: this many user/external issues ...
pub(crate) const AUTO_DETECTION_ISSUES: usize = 5;
/// ... reported within this window.
pub(crate) const AUTO_DETECTION_WINDOW_MICROS: i64 = 5 * MICROS_PER_MINUTE;
/// `changedBy` of the changes auto-detection makes.
pub const AUTO_DETECTION_USER: &str = "nobl9-auto-detection";
/// `comment` of the changes auto-detection makes.
pub(crate) const AUTO_DETECTION_COMMENT: &str = "Automatically detected: 5 issues reported within 5 minutes.";

/// Issue settings of the options.
#[derive(Debug, Clone, Copy)]
pub(crate) struct IssueRules {
    pub(crate) auto_detection: bool,
    /// Whether external issues may carry `statusChange` (v1.0 instances).
    pub(crate) status_change: bool,
}

fn is_active(issue: &Issue, now: Ts) -> bool {
    now < issue.occurred_at.plus_micros(ACTIVE_MICROS)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct IssueView<'a> {
    id: &'a str,
    component_id: &'a str,
    component_name: String,
    source: IssueSource,
    occurred_at: Ts,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<&'a str>,
    created_at: Ts,
    created_by: &'a str,
}

fn view(organization: &Organization, issue: &Issue) -> Value {
    serde_json::to_value(IssueView {
        id: &issue.id,
        component_id: &issue.component_id,
        component_name: organization.component_name(&issue.component_id),
        source: issue.source,
        occurred_at: issue.occurred_at,
        comment: issue.comment.as_deref(),
        created_at: issue.created_at,
        created_by: &issue.created_by,
    })
    .unwrap_or_default()
}

/// Stores an issue and counts it toward the component's ongoing incident.
fn report(organization: &mut Organization, issue: Issue) -> usize {
    if let Some(incident) = organization.ongoing_incident_mut(&issue.component_id) {
        incident.issue_count += 1;
    }
    organization.issues.push(issue);
    organization.issues.len() - 1
}

/// The auto-detection rule, run after an issue of `component_id` was
/// reported: an operational component with at least 5 user/external issues
/// reported in the last 5 minutes goes to `degradedPerformance` (never
/// further: `majorOutage` is only set by hand); the incident this opens
/// counts those issues.
fn auto_detect(organization: &mut Organization, component_id: &str, now: Ts) {
    let operational = organization
        .component(component_id)
        .is_some_and(|component| component.status == ComponentStatus::Operational);
    if !operational {
        return;
    }
    let since = now.minus_micros(AUTO_DETECTION_WINDOW_MICROS);
    let recent = organization
        .issues
        .iter()
        .filter(|issue| {
            issue.component_id == component_id
                && matches!(issue.source, IssueSource::User | IssueSource::External)
                && issue.created_at >= since
        })
        .count();
    if recent < AUTO_DETECTION_ISSUES {
        return;
    }
    let change = ChangeRequest {
        status: ComponentStatus::DegradedPerformance,
        propagate_up: false,
        comment: Some(AUTO_DETECTION_COMMENT),
        changed_by: AUTO_DETECTION_USER,
        source: ChangeSource::AutoDetection,
    };
    status_changes::apply(organization, component_id, &change, now);
    if let Some(incident) = organization.ongoing_incident_mut(component_id) {
        incident.issue_count = u32::try_from(recent).unwrap_or(u32::MAX);
    }
}

/// `POST …/issues`: `{componentId*, occurredAt*, comment?}` → 201 with the issue; 404 for
/// an unknown component.
pub(crate) fn create(
    organization: &mut Organization,
    body: &Map<String, Value>,
    caller: &Caller,
    rules: IssueRules,
    now: Ts,
) -> ApiResult<Value> {
    let fields = Fields::new(body);
    let component_id = fields.required_string("componentId")?;
    let occurred_at = fields.required_timestamp("occurredAt")?;
    let comment = fields.optional_string("comment")?;
    if organization.component(&component_id).is_none() {
        return Err(component_not_found(&component_id));
    }
    let issue = Issue {
        id: new_id(),
        component_id: component_id.clone(),
        source: IssueSource::User,
        occurred_at,
        comment,
        created_at: now,
        created_by: caller.user.clone(),
    };
    let index = report(organization, issue);
    if rules.auto_detection {
        auto_detect(organization, &component_id, now);
    }
    Ok(view(organization, &organization.issues[index]))
}

/// `POST …/issues/external`: `{componentName*, occurredAt*, comment?,
/// requestedBy?, statusChange?: {status*, propagateUp?}}`. Every component named exactly
/// `componentName` gets an issue (and, first, the status change, so that
/// the issue counts toward the incident it opens). 404 when no component
/// has the name; without v1 endpoints a `statusChange` gets the bare 404
/// of an unrouted path.
pub(crate) fn create_external(
    organization: &mut Organization,
    body: &Map<String, Value>,
    caller: &Caller,
    rules: IssueRules,
    now: Ts,
) -> ApiResult<Value> {
    let fields = Fields::new(body);
    let status_change = fields.object("statusChange")?;
    if status_change.is_some() && !rules.status_change {
        return Err(ApiError::route_not_found());
    }
    let name = fields.required_string("componentName")?;
    let occurred_at = fields.required_timestamp("occurredAt")?;
    let comment = fields.optional_string("comment")?;
    let requested_by = fields.optional_string("requestedBy")?.filter(|by| !by.is_empty());
    let change = match &status_change {
        Some(change) => {
            Some((change.status("status")?, change.optional_bool("propagateUp")?.unwrap_or(false)))
        }
        None => None,
    };
    let matches: Vec<String> = organization
        .components
        .iter()
        .filter(|component| component.name == name)
        .map(|component| component.id.clone())
        .collect();
    if matches.is_empty() {
        return Err(ApiError::not_found(format!("No component named {name:?}.")));
    }
    let created_by = requested_by.unwrap_or_else(|| caller.user.clone());

    let mut status_changes = Vec::new();
    if let Some((status, propagate_up)) = change {
        let request = ChangeRequest {
            status,
            propagate_up,
            comment: comment.as_deref(),
            changed_by: &created_by,
            source: ChangeSource::External,
        };
        for id in &matches {
            let applied = status_changes::apply(organization, id, &request, now);
            if let Some(made) = organization.status_change(&applied.change_id) {
                status_changes.push(json!({
                    "componentName": name,
                    "previousStatus": made.previous_status,
                    "newStatus": made.new_status,
                }));
            }
        }
    }
    let mut reports = Vec::new();
    for id in &matches {
        let issue = Issue {
            id: new_id(),
            component_id: id.clone(),
            source: IssueSource::External,
            occurred_at,
            comment: comment.clone(),
            created_at: now,
            created_by: created_by.clone(),
        };
        reports.push(json!({"id": issue.id, "componentId": id, "componentName": name}));
        report(organization, issue);
        if rules.auto_detection {
            auto_detect(organization, id, now);
        }
    }
    let mut answer = json!({ "reports": reports });
    if change.is_some() {
        answer["statusChanges"] = Value::Array(status_changes);
    }
    Ok(answer)
}

/// `GET …/issues`: `componentId?`, `source?` (user|external|internal), `active?`
/// (true|false), `limit?` (default 50, max 200), `offset?` →
/// `{issues, total, limit, offset}`, newest `occurredAt` first.
pub(crate) fn list(organization: &Organization, query: &Query, now: Ts) -> ApiResult<Value> {
    let component_id = query.get("componentId");
    let source = match query.get("source") {
        None => None,
        Some(text) => Some(IssueSource::parse(text).ok_or_else(|| {
            ApiError::invalid_property(
                "source",
                Some(text),
                "source must be one of: user, external, internal",
            )
        })?),
    };
    let active = query.bool("active")?;
    let paging = query.paging()?;
    let mut selected: Vec<(usize, &Issue)> = organization
        .issues
        .iter()
        .enumerate()
        .filter(|(_, issue)| component_id.is_none_or(|id| issue.component_id == id))
        .filter(|(_, issue)| source.is_none_or(|source| issue.source == source))
        .filter(|(_, issue)| active.is_none_or(|active| is_active(issue, now) == active))
        .collect();
    selected
        .sort_by(|(a_index, a), (b_index, b)| b.occurred_at.cmp(&a.occurred_at).then(b_index.cmp(a_index)));
    let total = selected.len();
    let issues: Vec<Value> =
        paging.apply(selected).into_iter().map(|(_, issue)| view(organization, issue)).collect();
    Ok(json!({"issues": issues, "total": total, "limit": paging.limit, "offset": paging.offset}))
}

#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct Counts {
    total: usize,
    user_count: usize,
    external_count: usize,
    internal_count: usize,
}

impl Counts {
    fn add(&mut self, source: IssueSource) {
        self.total += 1;
        match source {
            IssueSource::User => self.user_count += 1,
            IssueSource::External => self.external_count += 1,
            IssueSource::Internal => self.internal_count += 1,
        }
    }
}

/// `GET …/issues/summary`: counts of every issue (by source, and by `occurredAt` within the
/// last hour, 24 hours and 7 days), and per component — only those with
/// active issues, in tree order — its counts and active total.
pub(crate) fn summary(organization: &Organization, now: Ts) -> Value {
    let mut totals = Counts::default();
    let within = |issue: &Issue, micros: i64| issue.occurred_at > now.minus_micros(micros);
    let (mut last_hour, mut last_24h, mut last_7d) = (0, 0, 0);
    for issue in &organization.issues {
        totals.add(issue.source);
        last_hour += usize::from(within(issue, MICROS_PER_HOUR));
        last_24h += usize::from(within(issue, MICROS_PER_DAY));
        last_7d += usize::from(within(issue, 7 * MICROS_PER_DAY));
    }
    let mut components = Vec::new();
    for component in organization.tree_order() {
        let mut counts = Counts::default();
        let mut active = 0;
        for issue in organization.issues.iter().filter(|issue| issue.component_id == component.id) {
            counts.add(issue.source);
            active += usize::from(is_active(issue, now));
        }
        if active > 0 {
            components.push(json!({
                "componentId": component.id,
                "componentName": component.name,
                "counts": counts,
                "activeCounts": {"activeTotal": active},
            }));
        }
    }
    json!({
        "totalCounts": {
            "total": totals.total,
            "userCount": totals.user_count,
            "externalCount": totals.external_count,
            "internalCount": totals.internal_count,
            "lastHour": last_hour,
            "last24h": last_24h,
            "last7d": last_7d,
        },
        "components": components,
    })
}
