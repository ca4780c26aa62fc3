//! A local emulator of the Nobl9 status page ("Organization status") API as
//! the v1.0 "Incident Creation Scripts" and the Go SDK use it, mounted with
//! [`SandboxBuilder::nobl9`](crate::SandboxBuilder::nobl9). Below: what it
//! serves, the rules it follows and what it leaves out.
//!
//! # Served
//! - `POST /api/accessToken`: `Authorization: Basic base64(id:secret)` and
//!   `Organization` → `{"access_token": JWT}`.
//! - `POST /oauth2/{OKTA_AUTH_SERVER}/v1/token` (Okta client credentials):
//!   Basic, form `grant_type=client_credentials&scope=m2m` →
//!   `{token_type: "Bearer", expires_in, access_token, scope: "m2m"}`.
//! - Under `/api/dashboards/v1/status-page`: `GET /components`,
//!   `POST /issues` → 201, `POST /issues/external`, `GET /issues`,
//!   `GET /issues/summary`, `POST /components/{id}/change-status`,
//!   `GET /components/{id}/status-changes`, `GET /incidents?ongoing=`,
//!   `GET /status`, `GET /disruptions?state=&limit=&offset=`. Below,
//!   `change-status`, `status-changes`, `external` etc. name these.
//!
//! # Rules
//! - Tokens: HS256 JWTs with `iss` `http://{Host}/oauth2/{OKTA_AUTH_SERVER}`,
//!   `cid`, `iat`, `exp` = now + [`Nobl9Options::token_lifetime`] and
//!   `m2mProfile {user, organization, environment}`, `environment` being the
//!   `Host` the client called (`127.0.0.1:PORT`). `/api/accessToken`: no
//!   `Organization` → 400; no/bad Basic or a client of another organization
//!   → 401; more than one token per organization within 3 s (sandbox clock;
//!   only issued tokens count) → 429 with `Retry-After` in whole seconds,
//!   unless [`Nobl9Options::token_rate_limit`] is off. The Okta path is not
//!   rate limited and answers OAuth errors (`invalid_client` 401,
//!   `unsupported_grant_type`/`invalid_scope` 400, unknown server 404).
//! - API calls: `Organization` header missing → 400; then
//!   `Authorization: Bearer` with a token this sandbox signed (or
//!   [`DEMO_API_TOKEN`]) → else 401 (also expired on the sandbox clock, or
//!   a token of another organization than the header's). `external` also
//!   takes Basic client credentials. [`Nobl9Options::admin`] off →
//!   `change-status` answers 403.
//! - Errors: `{"errors": [{"title", "code", "detail"?, "source"?:
//!   {"propertyName", "propertyValue"?}}]}` with a `Trace-Id` header (every
//!   answer has one). Bad JSON, missing required fields, wrong types, bad
//!   timestamps, statuses outside
//!   `operational|degradedPerformance|majorOutage` (e.g. `partialOutage`),
//!   bad query values → 400; unknown component ids (`POST /issues`,
//!   `change-status`, `status-changes`) or no component with `external`'s
//!   name → 404 with that body. Paths without a route → 404 with Go's plain
//!   `404 page not found`, as are `change-status`, `status-changes`,
//!   `incidents` and `external` with `statusChange` when
//!   [`Nobl9Options::v1_endpoints`] is off (newer instances). Wrong method →
//!   405 plain text.
//! - Status changes (`change-status`, `external`'s `statusChange`): set the
//!   component's own status; `propagateUp` sets the same status on every
//!   ancestor, whose changes carry `propagatedFrom` (`change-status` answers
//!   them under `propagated`, parent first). A component shows the most
//!   critical of its own and its descendants' statuses.
//!   `changedBy`/`createdBy`: the token's `m2mProfile.user`; for `external`
//!   its `requestedBy` if given.
//! - Incidents are derived from every change (propagated ones too): a
//!   non-operational status opens one for the component unless one is ongoing
//!   (`startComment` = the change's comment), further changes raise
//!   `severity` to the worst seen, `operational` resolves it (`endedAt`,
//!   `endComment`). `duration`: whole seconds to `endedAt` or to now.
//!   `GET /incidents` groups them by the UTC date of `startedAt`, newest
//!   first. Disruptions are the same incidents.
//! - Issues: one per exact (case-sensitive) name match for `external`, status
//!   change applied before the issues; an issue counts toward the incident
//!   ongoing for its component when reported; it is active for 24 h after
//!   `occurredAt`. `GET /issues`: newest `occurredAt` first; `limit` default
//!   50, capped at 200. With [`Nobl9Options::auto_detection`], the 5th
//!   user/external issue reported within 5 minutes on an operational
//!   component switches it to `degradedPerformance` (`changedBy`
//!   `nobl9-auto-detection`), and the incident it opens counts those issues.
//! - Timestamps: RFC 3339 UTC with `Z` and only the fraction digits needed
//!   (Go's `RFC3339Nano`), microsecond precision; input takes fractions and
//!   any offset. "Now" is the sandbox clock. New ids are v4 UUIDs.
//! - State: per organization; reset brings back the seed (and clears the
//!   token rate limit); with a state file (section `nobl9`) it is loaded at
//!   start and rewritten after every change.
//!
//! # Not modelled
//! Internal (SLO alert) issues and the "2 SLO alerts" auto-detection rule
//! (summaries count `internalCount` 0), `noSignal` (always false), component
//! or SLO management, deleting issues, the newer disruption endpoints
//! (`POST /disruptions`, `…/clear`, `…/change-severity`, timeline,
//! `GET /components/{id}`), the `Project` header (ignored), agent tokens
//! (`agentProfile`), RS256/Okta key sets, and rate limits of the API calls
//! themselves.

mod auth;
mod body;
mod components;
mod disruptions;
mod errors;
mod ids;
mod incidents;
mod issues;
mod jwt;
mod model;
mod rate_limit;
mod routes;
mod seed;
mod state;
mod status_changes;
mod timestamp;
mod tokens;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;

pub use seed::{
    API_COMPONENT_ID, API_EU_COMPONENT_ID, API_US_COMPONENT_ID, CACHE_COMPONENT_IDS, DATABASE_COMPONENT_ID,
    DEMO_API_TOKEN, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_ORG, DEMO_USER, FRONTEND_COMPONENT_ID,
    OKTA_AUTH_SERVER, OTHER_CLIENT_ID, OTHER_CLIENT_SECRET, OTHER_COMPONENT_ID, OTHER_ORG, OTHER_USER,
    PLATFORM_COMPONENT_ID, WEB_COMPONENT_ID,
};

use self::errors::{ApiError, ApiResult, ErrorBody};
pub use self::issues::AUTO_DETECTION_USER;
use self::routes::{ApiRequest, ApiResponse};
use self::state::{Behaviour, Emulator};
use self::timestamp::Ts;
use crate::error::SandboxError;
use crate::mount_context::MountContext;
use crate::persisted_emulator::PersistedEmulator;

/// Provider name, also the state file section.
pub(crate) const PROVIDER: &str = "nobl9";

/// How the emulator behaves where instances differ or tests need a knob.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Nobl9Options {
    /// Lifetime of issued tokens (`exp - iat`, whole seconds, at least 1);
    /// default one hour.
    pub token_lifetime: Duration,
    /// One `/api/accessToken` token per organization every 3 s (default on).
    pub token_rate_limit: bool,
    /// The 5-issues-in-5-minutes rule (default off, so that outputs stay
    /// deterministic).
    pub auto_detection: bool,
    /// Whether callers have the organization admin role; without it
    /// `change-status` answers 403 (default on).
    pub admin: bool,
    /// Persist the emulator's state in this file (takes precedence over
    /// [`SandboxBuilder::state_file`](crate::SandboxBuilder::state_file)).
    pub state_file: Option<PathBuf>,
    /// Serve the v1.0 endpoints newer instances dropped: change-status,
    /// status-changes, incidents and external issues with `statusChange`
    /// (default on; off → those answer a bare 404).
    pub v1_endpoints: bool,
}

impl Default for Nobl9Options {
    fn default() -> Self {
        Self {
            token_lifetime: Duration::from_secs(3600),
            token_rate_limit: true,
            auto_detection: false,
            admin: true,
            state_file: None,
            v1_endpoints: true,
        }
    }
}

type Service = PersistedEmulator<Emulator>;

/// Builds the emulator's router at sandbox start (see [`PersistedEmulator::mount`]).
pub(crate) fn mount(options: Nobl9Options, context: &mut MountContext) -> Result<Router, SandboxError> {
    let behaviour = Behaviour::of(&options);
    let service = Service::mount(context, options.state_file.as_deref(), seed::store, |store| {
        Emulator::new(store, behaviour)
    })?;
    Ok(Router::new()
        .route("/api/{*rest}", any(serve))
        .route("/oauth2/{*rest}", any(serve))
        .with_state(service))
}

async fn serve(State(service): State<Arc<Service>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    // The sandbox has already read the whole body; this cannot fail.
    let body = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    let header_text = |name: &str| parts.headers.get(name).and_then(|value| value.to_str().ok());
    let request = ApiRequest {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query(),
        authorization: header_text("authorization"),
        organization: header_text("organization"),
        host: header_text("host").or_else(|| parts.uri.authority().map(|authority| authority.as_str())),
        body: &body,
    };
    render(
        service.handle(|emulator, now| emulator.handle(&request, Ts::from_system(now)), ApiError::internal),
    )
}

fn render(result: ApiResult<ApiResponse>) -> Response {
    let mut response = match result {
        Ok(answer) => json_response(answer.status, &answer.body),
        Err(error) => {
            let mut response = match (&error.body, error.body.json()) {
                (_, Some(body)) => json_response(error.status, &body),
                (ErrorBody::Plain(text), None) => {
                    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], *text).into_response()
                }
                (_, None) => ().into_response(),
            };
            *response.status_mut() = status_code(error.status);
            if let Some(seconds) = error.retry_after {
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            }
            response
        }
    };
    if let Ok(trace_id) = HeaderValue::from_str(&format!("{:032x}", fastrand::u128(..))) {
        // Every answer carries a `Trace-Id`, like Nobl9's.
        response.headers_mut().insert("trace-id", trace_id);
    }
    response
}

fn json_response(status: u16, body: &serde_json::Value) -> Response {
    let mut response = ([(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response();
    *response.status_mut() = status_code(status);
    response
}

fn status_code(status: u16) -> StatusCode {
    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}
