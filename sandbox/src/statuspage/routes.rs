//! Requests and responses independent of HTTP libraries, and the mapping of
//! `/v1/...` paths (with or without the legacy `.json` suffix) to routes.

use serde_json::Value;

use super::errors::{ApiError, ApiResult};

/// What the emulator needs from an HTTP request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ApiRequest<'a> {
    pub(crate) method: &'a str,
    pub(crate) path: &'a str,
    pub(crate) query: Option<&'a str>,
    pub(crate) authorization: Option<&'a str>,
    pub(crate) content_type: Option<&'a str>,
    pub(crate) body: &'a [u8],
}

/// A successful answer; `body: None` is an empty body (204).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ApiResponse {
    pub(crate) status: u16,
    pub(crate) body: Option<Value>,
    /// The incident this write notified subscribers of (a new incident update with
    /// `deliver_notifications` true), for the control API's counters.
    pub(crate) notified: Option<String>,
}

impl ApiResponse {
    pub(crate) fn ok(body: Value) -> Self {
        Self { status: 200, body: Some(body), notified: None }
    }

    pub(crate) fn created(body: Value) -> Self {
        Self { status: 201, body: Some(body), notified: None }
    }

    pub(crate) fn no_content() -> Self {
        Self { status: 204, body: None, notified: None }
    }
}

/// The incident lists with fixed filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IncidentList {
    Unresolved,
    Scheduled,
    Upcoming,
    ActiveMaintenance,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    Pages,
    Page(String),
    Components(String),
    Component(String, String),
    Groups(String),
    Group(String, String),
    Incidents(String),
    IncidentList(String, IncidentList),
    Incident(String, String),
    IncidentUpdate(String, String, String),
}

impl Route {
    /// Maps a request path; `None` for paths the emulator does not serve.
    pub(crate) fn parse(path: &str) -> Option<Self> {
        let rest = path.strip_prefix("/v1/")?;
        let mut segments: Vec<&str> = rest.split('/').collect();
        if segments.last() == Some(&"") {
            segments.pop();
        }
        if let Some(last) = segments.last_mut() {
            *last = last.strip_suffix(".json").unwrap_or(last);
        }
        if segments.iter().any(|segment| segment.is_empty()) {
            return None;
        }
        let owned = |segment: &str| segment.to_owned();
        let route = match segments.as_slice() {
            ["pages"] => Self::Pages,
            ["pages", page] => Self::Page(owned(page)),
            ["pages", page, "components"] => Self::Components(owned(page)),
            ["pages", page, "components", id] => Self::Component(owned(page), owned(id)),
            ["pages", page, "component-groups"] => Self::Groups(owned(page)),
            ["pages", page, "component-groups", id] => Self::Group(owned(page), owned(id)),
            ["pages", page, "incidents"] => Self::Incidents(owned(page)),
            ["pages", page, "incidents", "unresolved"] => {
                Self::IncidentList(owned(page), IncidentList::Unresolved)
            }
            ["pages", page, "incidents", "scheduled"] => {
                Self::IncidentList(owned(page), IncidentList::Scheduled)
            }
            ["pages", page, "incidents", "upcoming"] => {
                Self::IncidentList(owned(page), IncidentList::Upcoming)
            }
            ["pages", page, "incidents", "active_maintenance"] => {
                Self::IncidentList(owned(page), IncidentList::ActiveMaintenance)
            }
            ["pages", page, "incidents", id] => Self::Incident(owned(page), owned(id)),
            ["pages", page, "incidents", id, "incident_updates", update] => {
                Self::IncidentUpdate(owned(page), owned(id), owned(update))
            }
            _ => return None,
        };
        Some(route)
    }

    pub(crate) fn page_id(&self) -> Option<&str> {
        match self {
            Self::Pages => None,
            Self::Page(page)
            | Self::Components(page)
            | Self::Component(page, _)
            | Self::Groups(page)
            | Self::Group(page, _)
            | Self::Incidents(page)
            | Self::IncidentList(page, _)
            | Self::Incident(page, _)
            | Self::IncidentUpdate(page, _, _) => Some(page),
        }
    }
}

/// Decoded query string.
#[derive(Debug, Clone, Default)]
pub(crate) struct Query {
    pub(crate) pairs: Vec<(String, String)>,
}

/// 1-based page number and page size of a paged list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Paging {
    pub(crate) page: usize,
    pub(crate) per_page: usize,
}

impl Paging {
    pub(crate) fn apply<T>(self, items: Vec<T>) -> Vec<T> {
        let skip = (self.page - 1).saturating_mul(self.per_page);
        items.into_iter().skip(skip).take(self.per_page).collect()
    }
}

impl Query {
    pub(crate) fn parse(query: Option<&str>) -> Self {
        let pairs = query
            .map(|query| form_urlencoded::parse(query.as_bytes()).into_owned().collect())
            .unwrap_or_default();
        Self { pairs }
    }

    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.pairs.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }

    /// A positive integer parameter; anything else is a 400.
    pub(crate) fn positive(&self, name: &str) -> ApiResult<Option<usize>> {
        match self.get(name) {
            None | Some("") => Ok(None),
            Some(text) => match text.parse::<usize>() {
                Ok(value) if value >= 1 => Ok(Some(value)),
                _ => Err(ApiError::bad_request(format!("{name} must be a positive integer, not {text:?}"))),
            },
        }
    }

    /// `page` (default 1) and the page size from `size_param` (`per_page`
    /// or `limit`), defaulting to `default` and capped at `max` if given.
    pub(crate) fn paging(&self, size_param: &str, default: usize, max: Option<usize>) -> ApiResult<Paging> {
        let page = self.positive("page")?.unwrap_or(1);
        let per_page = self.positive(size_param)?.unwrap_or(default);
        let per_page = max.map_or(per_page, |max| per_page.min(max));
        Ok(Paging { page, per_page })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_paths_with_and_without_json_suffix() {
        let page = || "p".to_owned();
        assert_eq!(Route::parse("/v1/pages"), Some(Route::Pages));
        assert_eq!(Route::parse("/v1/pages.json"), Some(Route::Pages));
        assert_eq!(Route::parse("/v1/pages/p.json"), Some(Route::Page(page())));
        assert_eq!(Route::parse("/v1/pages/p/incidents.json"), Some(Route::Incidents(page())));
        assert_eq!(
            Route::parse("/v1/pages/p/incidents/upcoming.json"),
            Some(Route::IncidentList(page(), IncidentList::Upcoming))
        );
        assert_eq!(
            Route::parse("/v1/pages/p/incidents/i/incident_updates/u.json"),
            Some(Route::IncidentUpdate(page(), "i".to_owned(), "u".to_owned()))
        );
        assert_eq!(Route::parse("/v1/pages/p/component-groups/"), Some(Route::Groups(page())));
        assert_eq!(Route::parse("/v1/pages/p/subscribers"), None);
        assert_eq!(Route::parse("/v1/pages//components"), None);
        assert_eq!(Route::parse("/v2/pages"), None);
    }

    #[test]
    fn paging_defaults_caps_and_rejects() {
        let query = Query::parse(Some("page=2&per_page=500&bad=0"));
        assert_eq!(query.paging("per_page", 100, Some(100)), Ok(Paging { page: 2, per_page: 100 }));
        assert_eq!(query.paging("limit", 100, Some(100)), Ok(Paging { page: 2, per_page: 100 }));
        assert_eq!(query.paging("per_page", 100, None), Ok(Paging { page: 2, per_page: 500 }));
        assert_eq!(query.positive("bad").map_err(|error| error.status), Err(400));
        assert_eq!(Paging { page: 2, per_page: 2 }.apply(vec![1, 2, 3, 4, 5]), vec![3, 4]);
        assert_eq!(Paging { page: 9, per_page: 2 }.apply(vec![1, 2, 3]), Vec::<i32>::new());
    }
}
