//! The emulator proper: state plus request handling, without any HTTP
//! library, so that it can be driven directly in unit tests.

use serde_json::{Map, Value};

use super::auth::presented_key;
use super::errors::{ApiError, ApiResult};
use super::ids::fresh_id;
use super::model::{PageData, Store};
use super::rate_limit::RateLimiter;
use super::routes::{ApiRequest, ApiResponse, Query, Route};
use super::timestamp::Ts;
use super::{PROVIDER, RateLimitMode, body, components, groups, incidents, lifecycle, pages, seed};
use crate::persisted_emulator::PersistedState;

pub(crate) struct Emulator {
    store: Store,
    limiter: RateLimiter,
    rate_limit: RateLimitMode,
    rng: fastrand::Rng,
    /// Set by every change; the caller persists and clears it.
    dirty: bool,
}

enum Method {
    Get,
    Post,
    Update,
    Delete,
}

impl PersistedState for Emulator {
    type Store = Store;
    const PROVIDER: &'static str = PROVIDER;

    fn store(&self) -> &Store {
        &self.store
    }

    /// Back to the seeded demo data, with fresh rate-limit windows.
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
    pub(crate) fn new(store: Store, rate_limit: RateLimitMode) -> Self {
        Self { store, limiter: RateLimiter::default(), rate_limit, rng: fastrand::Rng::new(), dirty: false }
    }

    /// Order of checks: route, API key, rate limit, due maintenance
    /// transitions, page ownership, then the operation.
    pub(crate) fn handle(&mut self, request: &ApiRequest<'_>, now: Ts) -> ApiResult<ApiResponse> {
        let route = Route::parse(request.path).ok_or_else(ApiError::not_found)?;
        let method = match request.method {
            "GET" => Method::Get,
            "POST" => Method::Post,
            "PATCH" | "PUT" => Method::Update,
            "DELETE" => Method::Delete,
            _ => return Err(ApiError::method_not_allowed()),
        };
        let query = Query::parse(request.query);
        let key = presented_key(request.authorization, &query.pairs).ok_or_else(ApiError::unauthorized)?;
        if !self.store.pages.iter().any(|data| data.api_keys.contains(&key)) {
            return Err(ApiError::unauthorized());
        }
        if let Some(status) = self.rate_limit.status() {
            self.limiter
                .admit(&key, now)
                .map_err(|retry_after| ApiError::rate_limited(status, retry_after))?;
        }
        let rng = &mut self.rng;
        if lifecycle::tick(&mut self.store, now, &mut |store| fresh_id(rng, |id| store.id_taken(id))) {
            self.dirty = true;
        }

        if route == Route::Pages {
            return match method {
                Method::Get => Ok(ApiResponse::ok(pages::list(&self.store, &key))),
                _ => Err(ApiError::method_not_allowed()),
            };
        }
        let page_id = route.page_id().unwrap_or_default();
        // A page the key does not own, or no page at all: the API cannot
        // tell them apart and answers 401 to both.
        let page = self
            .store
            .page_mut(page_id)
            .filter(|data| data.api_keys.contains(&key))
            .ok_or_else(ApiError::unauthorized)?;
        let writes = !matches!(method, Method::Get);
        let body = if writes { body::decode(request.content_type, request.body)? } else { Map::new() };
        let response = dispatch(page, &route, &method, &query, &body, now, &mut self.rng)?;
        if writes {
            self.dirty = true;
        }
        Ok(response)
    }
}

fn dispatch(
    page: &mut PageData,
    route: &Route,
    method: &Method,
    query: &Query,
    body: &Map<String, Value>,
    now: Ts,
    rng: &mut fastrand::Rng,
) -> ApiResult<ApiResponse> {
    use Method::{Delete, Get, Post, Update};
    let response = match (route, method) {
        (Route::Page(_), Get) => ApiResponse::ok(pages::get(page)),

        (Route::Components(_), Get) => ApiResponse::ok(components::list(page, query)?),
        (Route::Components(_), Post) => ApiResponse::created(components::create(page, body, now, rng)?),
        (Route::Component(_, id), Get) => ApiResponse::ok(components::get(page, id)?),
        (Route::Component(_, id), Update) => ApiResponse::ok(components::update(page, id, body, now)?),
        (Route::Component(_, id), Delete) => {
            components::delete(page, id)?;
            ApiResponse::no_content()
        }

        (Route::Groups(_), Get) => ApiResponse::ok(groups::list(page, query)?),
        (Route::Groups(_), Post) => ApiResponse::created(groups::create(page, body, now, rng)?),
        (Route::Group(_, id), Get) => ApiResponse::ok(groups::get(page, id)?),
        (Route::Group(_, id), Update) => ApiResponse::ok(groups::update(page, id, body, now)?),
        (Route::Group(_, id), Delete) => ApiResponse::ok(groups::delete(page, id, now)?),

        (Route::Incidents(_), Get) => ApiResponse::ok(incidents::list(page, query)?),
        (Route::Incidents(_), Post) => {
            let created = incidents::create(page, body, now, rng)?;
            let notified =
                notifies(&created, 0).then(|| created["id"].as_str().unwrap_or_default().to_owned());
            ApiResponse { notified, ..ApiResponse::created(created) }
        }
        (Route::IncidentList(_, kind), Get) => {
            ApiResponse::ok(incidents::list_kind(page, *kind, query, now)?)
        }
        (Route::Incident(_, id), Get) => ApiResponse::ok(incidents::get(page, id)?),
        (Route::Incident(_, id), Update) => {
            let before = page.incidents.iter().find(|i| i.id == *id).map_or(0, |i| i.incident_updates.len());
            let updated = incidents::update(page, id, body, now, rng)?;
            let notified = notifies(&updated, before).then(|| id.clone());
            ApiResponse { notified, ..ApiResponse::ok(updated) }
        }
        (Route::Incident(_, id), Delete) => ApiResponse::ok(incidents::delete(page, id)?),
        (Route::IncidentUpdate(_, id, update), Update) => {
            ApiResponse::ok(incidents::edit_update(page, id, update, body, now)?)
        }
        _ => return Err(ApiError::method_not_allowed()),
    };
    Ok(response)
}

/// Whether `incident` (as shown) has more than `before` updates, the newest delivering
/// notifications: the write that made it notified subscribers.
fn notifies(incident: &Value, before: usize) -> bool {
    let updates = incident["incident_updates"].as_array().map_or(&[][..], Vec::as_slice);
    updates.len() > before && updates.first().is_some_and(|u| u["deliver_notifications"] == Value::Bool(true))
}

impl RateLimitMode {
    /// The status of a rate-limited answer; `None` when limiting is off.
    fn status(self) -> Option<u16> {
        match self {
            Self::Status420 => Some(420),
            Self::Status429 => Some(429),
            Self::Off => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::statuspage::{DEMO_PAGE_ID, DEMO_TOKEN, OTHER_PAGE_ID};

    const NOW: i64 = 1_717_200_000_000;

    fn request<'a>(method: &'a str, path: &'a str, body: &'a [u8]) -> ApiRequest<'a> {
        ApiRequest {
            method,
            path,
            query: None,
            authorization: Some("OAuth sandbox-statuspage-token"),
            content_type: Some("application/json"),
            body,
        }
    }

    #[test]
    fn creates_and_reads_an_incident_without_http() {
        let mut emulator = Emulator::new(seed::store(), RateLimitMode::Off);
        let path = format!("/v1/pages/{DEMO_PAGE_ID}/incidents");
        let body = json!({"incident": {"name": "Down", "components": {"apicomponent": "major_outage"}}});
        let body = body.to_string();
        let created =
            emulator.handle(&request("POST", &path, body.as_bytes()), Ts::from_millis(NOW)).expect("created");
        assert_eq!(created.status, 201);
        assert!(emulator.take_dirty());
        let incident = created.body.expect("a body");
        assert_eq!(incident["impact"], "critical");
        assert_eq!(incident["status"], "investigating");
        assert_eq!(incident["created_at"], "2024-06-01T00:00:00.000Z");

        let one = format!("{path}/{}", incident["id"].as_str().expect("id"));
        let read = emulator.handle(&request("GET", &one, b""), Ts::from_millis(NOW)).expect("read");
        assert_eq!(read.body, Some(incident));
        assert!(!emulator.take_dirty());
    }

    #[test]
    fn checks_keys_before_pages() {
        let mut emulator = Emulator::new(seed::store(), RateLimitMode::Off);
        let other = format!("/v1/pages/{OTHER_PAGE_ID}");
        let error =
            emulator.handle(&request("GET", &other, b""), Ts::from_millis(NOW)).expect_err("not owned");
        assert_eq!(error, ApiError::unauthorized());
        let mut anonymous = request("GET", "/v1/pages", b"");
        anonymous.authorization = None;
        assert_eq!(emulator.handle(&anonymous, Ts::from_millis(NOW)), Err(ApiError::unauthorized()));
        let listed = emulator.handle(&request("GET", "/v1/pages", b""), Ts::from_millis(NOW)).expect("pages");
        let listed = listed.body.expect("a body");
        assert_eq!(listed.as_array().map(Vec::len), Some(1));
        assert_eq!(listed[0]["id"], DEMO_PAGE_ID);
        assert_eq!(DEMO_TOKEN, "sandbox-statuspage-token");
    }

    #[test]
    fn a_saved_store_loads_back_equal() {
        crate::state_file::assert_section_round_trips(PROVIDER, &seed::store());
    }
}
