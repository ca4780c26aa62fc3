//! Requests and responses independent of HTTP libraries, the mapping of
//! paths to routes, and query parameters.

use serde_json::Value;

use super::errors::{ApiError, ApiResult};

/// Prefix of the status-page API.
pub(crate) const API_PREFIX: &str = "/api/dashboards/v1/status-page";

/// Default and maximum `limit` of the paged lists.
pub(crate) const DEFAULT_LIMIT: usize = 50;
pub(crate) const MAX_LIMIT: usize = 200;

/// What the emulator needs from an HTTP request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ApiRequest<'a> {
    pub(crate) method: &'a str,
    pub(crate) path: &'a str,
    pub(crate) query: Option<&'a str>,
    pub(crate) authorization: Option<&'a str>,
    /// The `Organization` header (any case of the name).
    pub(crate) organization: Option<&'a str>,
    /// The `Host` header: the tokens' `m2mProfile.environment`.
    pub(crate) host: Option<&'a str>,
    pub(crate) body: &'a [u8],
}

/// A successful answer, always with a JSON body.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ApiResponse {
    pub(crate) status: u16,
    pub(crate) body: Value,
}

impl ApiResponse {
    pub(crate) fn ok(body: Value) -> Self {
        Self { status: 200, body }
    }

    pub(crate) fn created(body: Value) -> Self {
        Self { status: 201, body }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    /// `POST /api/accessToken`
    AccessToken,
    /// `POST /oauth2/{server}/v1/token`
    OktaToken(String),
    /// `GET …/components`
    Components,
    /// `POST …/issues` (create) and `GET …/issues` (list)
    Issues,
    /// `POST …/issues/external`
    ExternalIssues,
    /// `GET …/issues/summary`
    IssueSummary,
    /// `POST …/components/{id}/change-status`
    ChangeStatus(String),
    /// `GET …/components/{id}/status-changes`
    StatusChanges(String),
    /// `GET …/incidents`
    Incidents,
    /// `GET …/status`
    Status,
    /// `GET …/disruptions` (nobl9-go)
    Disruptions,
}

impl Route {
    /// Maps a request path; `None` for paths the emulator does not serve.
    pub(crate) fn parse(path: &str) -> Option<Self> {
        if path == "/api/accessToken" {
            return Some(Self::AccessToken);
        }
        if let Some(rest) = path.strip_prefix("/oauth2/") {
            let server = rest.strip_suffix("/v1/token")?;
            return (!server.is_empty() && !server.contains('/')).then(|| Self::OktaToken(server.to_owned()));
        }
        let rest = path.strip_prefix(API_PREFIX)?.strip_prefix('/')?;
        let segments: Vec<&str> = rest.split('/').collect();
        let route = match segments.as_slice() {
            ["components"] => Self::Components,
            ["issues"] => Self::Issues,
            ["issues", "external"] => Self::ExternalIssues,
            ["issues", "summary"] => Self::IssueSummary,
            ["components", id, "change-status"] if !id.is_empty() => Self::ChangeStatus((*id).to_owned()),
            ["components", id, "status-changes"] if !id.is_empty() => Self::StatusChanges((*id).to_owned()),
            ["incidents"] => Self::Incidents,
            ["status"] => Self::Status,
            ["disruptions"] => Self::Disruptions,
            _ => return None,
        };
        Some(route)
    }

    /// Whether `method` is served on the route.
    pub(crate) fn allows(&self, method: &str) -> bool {
        match self {
            Self::AccessToken | Self::OktaToken(_) | Self::ExternalIssues | Self::ChangeStatus(_) => {
                method == "POST"
            }
            Self::Issues => method == "GET" || method == "POST",
            Self::Components
            | Self::IssueSummary
            | Self::StatusChanges(_)
            | Self::Incidents
            | Self::Status
            | Self::Disruptions => method == "GET",
        }
    }

    /// The v1.0 endpoints newer instances no longer route: `change-status`,
    /// `status-changes` and `incidents`.
    pub(crate) fn is_v1_only(&self) -> bool {
        matches!(self, Self::ChangeStatus(_) | Self::StatusChanges(_) | Self::Incidents)
    }
}

/// Decoded query string.
#[derive(Debug, Clone, Default)]
pub(crate) struct Query {
    pairs: Vec<(String, String)>,
}

/// `limit` and `offset` of a paged list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Paging {
    pub(crate) limit: usize,
    pub(crate) offset: usize,
}

impl Paging {
    pub(crate) fn apply<T>(self, items: Vec<T>) -> Vec<T> {
        items.into_iter().skip(self.offset).take(self.limit).collect()
    }
}

impl Query {
    pub(crate) fn parse(query: Option<&str>) -> Self {
        let pairs = query
            .map(|query| form_urlencoded::parse(query.as_bytes()).into_owned().collect())
            .unwrap_or_default();
        Self { pairs }
    }

    /// The first value of `name`; an empty value counts as absent.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .filter(|v| !v.is_empty())
    }

    /// `true` or `false`; anything else is a 400.
    pub(crate) fn bool(&self, name: &str) -> ApiResult<Option<bool>> {
        match self.get(name) {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(other) => {
                Err(ApiError::invalid_property(name, Some(other), format!("{name} must be true or false")))
            }
        }
    }

    /// `limit` (1 or more, default 50, capped at 200) and `offset` (0 or
    /// more, default 0).
    pub(crate) fn paging(&self) -> ApiResult<Paging> {
        let number = |name: &str, min: usize| -> ApiResult<Option<usize>> {
            match self.get(name) {
                None => Ok(None),
                Some(text) => match text.parse::<usize>() {
                    Ok(value) if value >= min => Ok(Some(value)),
                    _ => Err(ApiError::invalid_property(
                        name,
                        Some(text),
                        format!("{name} must be an integer of at least {min}"),
                    )),
                },
            }
        };
        let limit = number("limit", 1)?.unwrap_or(DEFAULT_LIMIT).min(MAX_LIMIT);
        let offset = number("offset", 0)?.unwrap_or(0);
        Ok(Paging { limit, offset })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_the_documented_paths() {
        let api = |rest: &str| format!("{API_PREFIX}{rest}");
        assert_eq!(Route::parse("/api/accessToken"), Some(Route::AccessToken));
        assert_eq!(Route::parse("/oauth2/abc/v1/token"), Some(Route::OktaToken("abc".to_owned())));
        assert_eq!(Route::parse("/oauth2//v1/token"), None);
        assert_eq!(Route::parse(&api("/components")), Some(Route::Components));
        assert_eq!(Route::parse(&api("/issues/external")), Some(Route::ExternalIssues));
        assert_eq!(
            Route::parse(&api("/components/x/change-status")),
            Some(Route::ChangeStatus("x".to_owned()))
        );
        assert_eq!(Route::parse(&api("/components//change-status")), None);
        assert_eq!(
            Route::parse(&api("/components/x/status-changes")),
            Some(Route::StatusChanges("x".to_owned()))
        );
        assert_eq!(Route::parse(&api("/status/")), None);
        assert_eq!(Route::parse(&api("")), None);
        assert_eq!(Route::parse("/api/dashboards/v2/status-page/status"), None);
        assert!(Route::Issues.allows("GET") && Route::Issues.allows("POST") && !Route::Status.allows("POST"));
    }

    #[test]
    fn paging_defaults_caps_and_rejects() {
        assert_eq!(Query::parse(None).paging(), Ok(Paging { limit: 50, offset: 0 }));
        assert_eq!(Query::parse(Some("limit=500&offset=3")).paging(), Ok(Paging { limit: 200, offset: 3 }));
        assert_eq!(Query::parse(Some("limit=0")).paging().map_err(|error| error.status), Err(400));
        assert_eq!(Query::parse(Some("offset=-1")).paging().map_err(|error| error.status), Err(400));
        assert_eq!(Query::parse(Some("active=yes")).bool("active").map_err(|error| error.status), Err(400));
        assert_eq!(Paging { limit: 2, offset: 1 }.apply(vec![1, 2, 3, 4]), vec![2, 3]);
    }
}
