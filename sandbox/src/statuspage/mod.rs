//! A faithful local emulator of the Atlassian Statuspage REST API v1
//! (`https://api.statuspage.io/v1`), mounted with
//! [`SandboxBuilder::statuspage`](crate::SandboxBuilder::statuspage) under
//! `/v1`. The official OpenAPI document is kept in
//! `sandbox/specs/statuspage-openapi.json`; below, "the OpenAPI document".
//!
//! # Served
//! Every path also takes the legacy `.json` suffix (`/v1/pages/{id}/incidents.json`).
//! - `GET /pages`, `GET /pages/{page_id}`
//! - `/pages/{page_id}/components`: `GET` (paged: `page`, `per_page` default
//!   and max 100, bare array, groups included with `group: true`), `POST` → 201;
//!   `/components/{id}`: `GET`, `PATCH`/`PUT` → 200, `DELETE` → 204
//! - `/pages/{page_id}/component-groups`: `GET` (paged), `POST` → 201;
//!   `/component-groups/{id}`: `GET`, `PATCH`/`PUT` → 200, `DELETE` → 200 with the group
//! - `/pages/{page_id}/incidents`: `GET` (`q`, `limit` default and max 100,
//!   `page`), `POST` → 201; `/incidents/unresolved|scheduled|upcoming|active_maintenance`
//!   (`page`, `per_page` default 100); `/incidents/{id}`: `GET`, `PATCH`/`PUT`,
//!   `DELETE` → 200 with the incident;
//!   `PATCH`/`PUT /incidents/{id}/incident_updates/{update_id}` → 200
//!
//! # Rules
//! - Auth: `Authorization: OAuth KEY` or `?api_key=KEY`. No or an unknown key
//!   → 401 `{"error": "Invalid authentication token."}`; a key on a page it
//!   does not own, or on a page that does not exist, → the same 401 (as
//!   observed upstream). Unknown ids on an owned page → 404
//!   `{"error": "The requested resource could not be found."}`.
//! - Rate limit per key on the sandbox clock: 60 requests in any rolling 60 s;
//!   the next → 420 (or 429) with `Retry-After` in whole seconds until a slot
//!   frees (at least 1). Only requests with a known key count; rejected ones
//!   do not.
//! - Bodies: JSON or form-urlencoded with Rails-style keys
//!   (`incident[component_ids][]=x`), wrapped in the resource's root key. A
//!   missing root → 400 `param is missing or the value is empty: incident`;
//!   malformed JSON, a missing or unsupported Content-Type, or one that does
//!   not match the body → 400. Invalid values → 422 with a message naming
//!   the field or id. Unknown fields are ignored.
//! - Incidents: `name` required (≤ 255 chars), `body` ≤ 25,000 chars,
//!   `metadata` values must be objects, `impact_override` and status enums
//!   checked. An incident is a scheduled maintenance when created with
//!   `scheduled_for` or a maintenance status (`scheduled`, `in_progress`,
//!   `verifying`, `completed`); realtime statuses on a maintenance and the
//!   reverse → 422, as are `scheduled_*` times on realtime incidents and
//!   `reminder_intervals` on maintenances. `components` (id → status) sets
//!   statuses and attaches; `component_ids` attaches without a change (on
//!   update it replaces the attached set); unknown ids → 422. Each create, and
//!   each update carrying `status` and/or `body`, appends an incident update
//!   (newest first) with `affected_components` old/new statuses for the
//!   `components` map. `impact`: the override, else `maintenance` for
//!   maintenances, else from the worst attached component (major_outage →
//!   critical, partial_outage → major, degraded_performance → minor) — the
//!   worst seen so far, never lowered. `resolved`/`completed` set
//!   `resolved_at`, `monitoring` sets `monitoring_at`; resolving does not reset
//!   component statuses.
//! - Maintenance auto-transitions run lazily before each authenticated
//!   request: with `scheduled_auto_in_progress` (alias
//!   `scheduled_auto_transition`) at `scheduled_for` → `in_progress` (and
//!   components → `under_maintenance` with
//!   `auto_transition_to_maintenance_state`); with `scheduled_auto_completed`
//!   at `scheduled_until` → `completed` (components → `operational` with
//!   `auto_transition_to_operational_state`). Each appends an update stamped
//!   with the transition time.
//! - Component groups are components with `group: true` (status: worst
//!   member); members carry `group_id`. `group_id: null` or `"null"` removes a
//!   component from its group. Deleting a group keeps its members, ungrouped.
//! - Timestamps: RFC 3339, UTC, milliseconds, `Z`; input takes any offset.
//!   Ids: 12 lowercase alphanumerics.
//! - Notifications are not delivered, but counted: every create, and every
//!   update that appends an incident update, with `deliver_notifications`
//!   true or absent (the default is true) counts once for its incident in
//!   the control API's counters (`notifications`).
//! - `metadata` is kept as sent (a write carrying it replaces the whole
//!   object) and shown on every answer; `DELETE` removes the incident.
//! - Persistence (optional state file): loaded at start, rewritten atomically
//!   after every change (including auto-transitions and resets).
//!
//! # Not modelled
//! Page updates (`PATCH/PUT /pages/{id}`), subscribers and incident
//! subscribers, postmortems, incident templates, metrics and metrics
//! providers, page access users/groups, status embed config, organizations
//! users/permissions, component uptime, `incident_impacts` (always empty),
//! Twitter and notification delivery (flags are stored only), reminders
//! (`scheduled_remind_prior`, `reminder_intervals` are stored only),
//! `Etag`/`X-Runtime` headers, the 1-per-minute limit of unpaginated
//! component lists, and 403 answers (every key is a page owner). Unknown
//! paths under `/v1` answer 404.

mod auth;
mod body;
mod components;
mod errors;
mod form;
mod groups;
mod ids;
mod incidents;
mod lifecycle;
mod model;
mod pages;
mod rate_limit;
mod routes;
mod seed;
mod state;
mod timestamp;

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;

pub use seed::{
    API_COMPONENT_ID, BACKEND_GROUP_ID, CACHE_COMPONENT_IDS, DATABASE_COMPONENT_ID, DEMO_PAGE_ID, DEMO_TOKEN,
    OTHER_COMPONENT_ID, OTHER_PAGE_ID, OTHER_TOKEN, PAYMENTS_COMPONENT_ID, WEBSITE_COMPONENT_ID,
};

use self::errors::{ApiError, ApiResult};
use self::routes::{ApiRequest, ApiResponse};
use self::state::Emulator;
use self::timestamp::Ts;
use crate::error::SandboxError;
use crate::mount_context::MountContext;
use crate::persisted_emulator::PersistedEmulator;
use crate::record::NotificationLog;

/// Provider name, also the state file section.
pub(crate) const PROVIDER: &str = "statuspage";

/// How the emulator behaves where the real API is ambiguous or configurable.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StatuspageOptions {
    pub rate_limit: RateLimitMode,
    pub error_key: ErrorKey,
    /// Persist the emulator's state in this file (takes precedence over
    /// [`SandboxBuilder::state_file`](crate::SandboxBuilder::state_file)).
    pub state_file: Option<PathBuf>,
}

/// What happens to the 61st request of a key within 60 seconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RateLimitMode {
    /// 420, what the API still answers in practice.
    #[default]
    Status420,
    /// 429, the announced (and held back) replacement.
    Status429,
    /// No rate limiting.
    Off,
}

/// The key of error bodies.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ErrorKey {
    /// `{"error": "..."}`, as observed from the real API.
    #[default]
    Error,
    /// `{"message": "..."}`, the OpenAPI document's `ErrorEntity`.
    Message,
}

struct Service {
    emulator: Arc<PersistedEmulator<Emulator>>,
    error_key: ErrorKey,
    notifications: NotificationLog,
}

/// Builds the emulator's router at sandbox start (see [`PersistedEmulator::mount`]).
pub(crate) fn mount(options: StatuspageOptions, context: &mut MountContext) -> Result<Router, SandboxError> {
    let rate_limit = options.rate_limit;
    let emulator = PersistedEmulator::mount(context, options.state_file.as_deref(), seed::store, |store| {
        Emulator::new(store, rate_limit)
    })?;
    let notifications = context.notifications();
    let service = Arc::new(Service { emulator, error_key: options.error_key, notifications });
    Ok(Router::new().route("/v1/{*rest}", any(serve)).with_state(service))
}

async fn serve(State(service): State<Arc<Service>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    // The sandbox has already read the whole body; this cannot fail.
    let body = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    let header_text =
        |name: header::HeaderName| parts.headers.get(name).and_then(|value| value.to_str().ok());
    let request = ApiRequest {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query(),
        authorization: header_text(header::AUTHORIZATION),
        content_type: header_text(header::CONTENT_TYPE),
        body: &body,
    };
    let result = service
        .emulator
        .handle(|emulator, now| emulator.handle(&request, Ts::from_system(now)), ApiError::internal);
    if let Ok(ApiResponse { notified: Some(incident), .. }) = &result {
        service.notifications.notified(incident);
    }
    render(result, service.error_key)
}

fn render(result: ApiResult<ApiResponse>, error_key: ErrorKey) -> Response {
    let (status, body, retry_after) = match result {
        Ok(response) => (response.status, response.body, None),
        Err(error) => (error.status, Some(error.body(error_key)), error.retry_after),
    };
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = match body {
        Some(body) => {
            ([(header::CONTENT_TYPE, "application/json; charset=utf-8")], body.to_string()).into_response()
        }
        None => ().into_response(),
    };
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("max-age=0, private, must-revalidate"));
    if let Ok(request_id) = HeaderValue::from_str(&request_id()) {
        headers.insert("x-request-id", request_id);
    }
    if let Some(seconds) = retry_after {
        headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

fn request_id() -> String {
    format!("{:032x}", fastrand::u128(..))
}
