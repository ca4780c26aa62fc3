//! The emulator proper: state plus request handling, without any HTTP
//! library, so that it can be driven directly in unit tests.

use super::auth::authenticate;
use super::components::{self, Detail};
use super::errors::{ApiError, ApiResult};
use super::issues::{self, IssueRules};
use super::model::Store;
use super::rate_limit::TokenRateLimiter;
use super::routes::{ApiRequest, ApiResponse, Query, Route};
use super::status_changes;
use super::timestamp::Ts;
use super::tokens::{self, TokenPolicy, TokenRequest};
use super::{Nobl9Options, PROVIDER, body, disruptions, incidents, seed};
use crate::persisted_emulator::PersistedState;

/// The options that shape answers (the state file is the service's).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Behaviour {
    pub(crate) tokens: TokenPolicy,
    pub(crate) auto_detection: bool,
    pub(crate) admin: bool,
    pub(crate) v1_endpoints: bool,
}

impl Behaviour {
    pub(crate) fn of(options: &Nobl9Options) -> Self {
        let lifetime = i64::try_from(options.token_lifetime.as_secs()).unwrap_or(i64::MAX / 2).max(1);
        Self {
            tokens: TokenPolicy { lifetime, rate_limit: options.token_rate_limit },
            auto_detection: options.auto_detection,
            admin: options.admin,
            v1_endpoints: options.v1_endpoints,
        }
    }
}

pub(crate) struct Emulator {
    store: Store,
    limiter: TokenRateLimiter,
    behaviour: Behaviour,
    /// Set by every change; the caller persists and clears it.
    dirty: bool,
}

impl PersistedState for Emulator {
    type Store = Store;
    const PROVIDER: &'static str = PROVIDER;

    fn store(&self) -> &Store {
        &self.store
    }

    /// Back to the seeded demo data, with a fresh token rate limit.
    fn reset(&mut self) {
        self.store = seed::store();
        self.limiter.clear();
        self.dirty = true;
    }

    fn take_dirty(&mut self) -> bool {
        std::mem::take(&mut self.dirty)
    }
}

impl Emulator {
    pub(crate) fn new(store: Store, behaviour: Behaviour) -> Self {
        Self { store, limiter: TokenRateLimiter::default(), behaviour, dirty: false }
    }

    /// Order of checks: route (bare 404; also v1 endpoints when turned
    /// off), method (405), then the token endpoints' or the API's own:
    /// `Organization` header (400), credentials (401), role (403), ids
    /// (404), body and query (400).
    pub(crate) fn handle(&mut self, request: &ApiRequest<'_>, now: Ts) -> ApiResult<ApiResponse> {
        let route = Route::parse(request.path).ok_or_else(ApiError::route_not_found)?;
        if route.is_v1_only() && !self.behaviour.v1_endpoints {
            return Err(ApiError::route_not_found());
        }
        if !route.allows(request.method) {
            return Err(ApiError::method_not_allowed());
        }
        let token_request = TokenRequest {
            authorization: request.authorization,
            organization: request.organization,
            host: request.host.unwrap_or("127.0.0.1"),
            body: request.body,
        };
        let policy = self.behaviour.tokens;
        match &route {
            Route::AccessToken => {
                let token =
                    tokens::access_token(&self.store, &mut self.limiter, policy, &token_request, now)?;
                return Ok(ApiResponse::ok(token));
            }
            Route::OktaToken(server) => {
                return Ok(ApiResponse::ok(tokens::okta_token(
                    &self.store,
                    policy,
                    server,
                    &token_request,
                    now,
                )?));
            }
            _ => {}
        }
        let basic_allowed = route == Route::ExternalIssues;
        let caller =
            authenticate(&self.store, request.authorization, request.organization, basic_allowed, now)?;
        let writes = request.method == "POST";
        let body = || body::decode(request.body);
        let query = Query::parse(request.query);
        let behaviour = self.behaviour;
        let rules =
            IssueRules { auto_detection: behaviour.auto_detection, status_change: behaviour.v1_endpoints };
        let organization = self
            .store
            .organization_mut(&caller.organization)
            .ok_or_else(|| ApiError::unauthorized("The access token is not valid."))?;
        let response = match route {
            Route::Components => ApiResponse::ok(components::tree(organization, Detail::Components, now)),
            Route::Status => ApiResponse::ok(components::tree(organization, Detail::Status, now)),
            Route::Issues if writes => {
                ApiResponse::created(issues::create(organization, &body()?, &caller, rules, now)?)
            }
            Route::Issues => ApiResponse::ok(issues::list(organization, &query, now)?),
            Route::ExternalIssues => {
                ApiResponse::ok(issues::create_external(organization, &body()?, &caller, rules, now)?)
            }
            Route::IssueSummary => ApiResponse::ok(issues::summary(organization, now)),
            Route::ChangeStatus(id) => ApiResponse::ok(status_changes::change_status(
                organization,
                &id,
                request.body,
                &caller,
                behaviour.admin,
                now,
            )?),
            Route::StatusChanges(id) => ApiResponse::ok(status_changes::history(organization, &id)?),
            Route::Incidents => ApiResponse::ok(incidents::list(organization, &query, now)?),
            Route::Disruptions => ApiResponse::ok(disruptions::list(organization, &query)?),
            Route::AccessToken | Route::OktaToken(_) => return Err(ApiError::route_not_found()),
        };
        if writes {
            self.dirty = true;
        }
        Ok(response)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::nobl9::{API_EU_COMPONENT_ID, DATABASE_COMPONENT_ID, DEMO_API_TOKEN, DEMO_ORG, Nobl9Options};

    fn at(text: &str) -> Ts {
        Ts::parse_input(text).expect("a time")
    }

    fn call(
        emulator: &mut Emulator,
        method: &str,
        path: &str,
        body: &Value,
        now: Ts,
    ) -> ApiResult<ApiResponse> {
        let authorization = format!("Bearer {DEMO_API_TOKEN}");
        let body = if body.is_null() { String::new() } else { body.to_string() };
        let (path, query) = match path.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (path, None),
        };
        let path = format!("/api/dashboards/v1/status-page{path}");
        let request = ApiRequest {
            method,
            path: &path,
            query,
            authorization: Some(&authorization),
            organization: Some(DEMO_ORG),
            host: Some("127.0.0.1:9"),
            body: body.as_bytes(),
        };
        emulator.handle(&request, now)
    }

    fn change(emulator: &mut Emulator, id: &str, status: &str, now: Ts) -> Value {
        let path = format!("/components/{id}/change-status");
        let body = json!({"status": status, "propagateUp": false});
        call(emulator, "POST", &path, &body, now).expect("changed").body
    }

    #[test]
    fn incidents_group_by_utc_day_across_midnight_with_exact_durations() {
        let mut emulator = Emulator::new(seed::store(), Behaviour::of(&Nobl9Options::default()));
        let eu =
            change(&mut emulator, API_EU_COMPONENT_ID, "degradedPerformance", at("2026-02-05T23:59:00.5Z"));
        let db = change(&mut emulator, DATABASE_COMPONENT_ID, "majorOutage", at("2026-02-06T00:01:00Z"));
        change(&mut emulator, DATABASE_COMPONENT_ID, "operational", at("2026-02-06T00:04:30.999Z"));
        let listed = call(&mut emulator, "GET", "/incidents", &Value::Null, at("2026-02-06T00:09:00Z"))
            .expect("listed")
            .body;
        assert_eq!(
            listed,
            json!({"days": [
                {"date": "2026-02-06", "count": 1, "incidents": [{
                    "id": db["incidentId"], "componentId": DATABASE_COMPONENT_ID, "componentName": "Database",
                    "severity": "majorOutage", "status": "resolved", "startedAt": "2026-02-06T00:01:00Z",
                    "endedAt": "2026-02-06T00:04:30.999Z", "duration": 210, "issueCount": 0,
                }]},
                {"date": "2026-02-05", "count": 1, "incidents": [{
                    "id": eu["incidentId"], "componentId": API_EU_COMPONENT_ID, "componentName": "API EU",
                    "severity": "degradedPerformance", "status": "ongoing", "startedAt": "2026-02-05T23:59:00.5Z",
                    "duration": 599, "issueCount": 0,
                }]},
            ]})
        );
    }

    #[test]
    fn only_successful_writes_mark_the_state_dirty() {
        let mut emulator = Emulator::new(seed::store(), Behaviour::of(&Nobl9Options::default()));
        let now = at("2026-02-05T10:00:00Z");
        call(&mut emulator, "GET", "/status", &Value::Null, now).expect("read");
        assert!(!emulator.take_dirty());
        let refused = call(&mut emulator, "POST", "/issues", &json!({"componentId": "x"}), now);
        assert_eq!(refused.map_err(|error| error.status), Err(400));
        assert!(!emulator.take_dirty());
        let body = json!({"componentId": API_EU_COMPONENT_ID, "occurredAt": "2026-02-05T09:59:00Z"});
        let created = call(&mut emulator, "POST", "/issues", &body, now).expect("created");
        assert_eq!((created.status, &created.body["createdAt"]), (201, &json!("2026-02-05T10:00:00Z")));
        assert!(emulator.take_dirty());
        emulator.reset();
        assert!(emulator.take_dirty());
        assert_eq!(emulator.store(), &seed::store());
    }

    #[test]
    fn a_saved_store_loads_back_equal() {
        crate::state_file::assert_section_round_trips(PROVIDER, &seed::store());
    }
}
