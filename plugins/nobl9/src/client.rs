//! Requests to `{api}/dashboards/v1/status-page/...` through the host: Bearer token,
//! `Organization` header, the scripts' retries and error messages.

use statusctl_plugin_api::serde_json::{Value, json};
use statusctl_plugin_api::{Error, Host, HttpRequest, RetryPolicy};

use crate::api_error::{self, Endpoint};
use crate::config::Config;
use crate::token::{self, Auth, TokenCache};

/// The scripts' retries: a 502/503 is retried up to 3 times (4 attempts), 1 s doubling to 32 s
/// apart, for every method (Nobl9 answers 502/503 only for calls it did not apply). A 429 waits
/// (Retry-After) and is retried too.
pub fn standard_retry() -> RetryPolicy {
    RetryPolicy { rate_limited_statuses: vec![429], ..RetryPolicy::unapplied(&[502, 503], 4, 1000, 32_000) }
}

pub struct Client<'a, 'h> {
    host: &'a Host<'h>,
    tokens: &'a TokenCache,
    pub config: Config,
}

impl<'a, 'h> Client<'a, 'h> {
    pub fn new(host: &'a Host<'h>, tokens: &'a TokenCache, config: Config) -> Self {
        Self { host, tokens, config }
    }

    pub fn host(&self) -> &Host<'h> {
        self.host
    }

    /// The token (fetched or refreshed when needed), organization and API root.
    pub fn auth(&self) -> Result<Auth, Error> {
        token::authenticate(self.host, self.tokens, &self.config, &standard_retry())
    }

    /// Organization and API root, fetching a token only when the claims must name them.
    pub fn auth_without_token(&self) -> Result<Auth, Error> {
        match (&self.config.org, &self.config.api_root) {
            (Some(org), Some(api_root)) => {
                Ok(Auth { bearer: None, org: org.clone(), api_root: api_root.clone() })
            }
            _ => self.auth().map(|auth| Auth { bearer: None, ..auth }),
        }
    }

    /// `METHOD {api}/dashboards/v1{path}` with the API headers.
    pub fn request(&self, method: &str, path: &str) -> Result<HttpRequest, Error> {
        Ok(self.request_with(&self.auth()?, method, path))
    }

    pub fn request_with(&self, auth: &Auth, method: &str, path: &str) -> HttpRequest {
        let mut req = HttpRequest::new(method, format!("{}/dashboards/v1{path}", auth.api_root));
        if let Some(token) = &auth.bearer {
            req = req.secret_header("Authorization", format!("Bearer {token}"));
        }
        req = req.header("Organization", auth.org.as_str()).retry(standard_retry());
        if let Some(secs) = self.config.timeout_secs {
            req = req.timeout_secs(secs);
        }
        req
    }

    /// Sends; a 2xx answer's JSON (an empty body is `{}`), else the scripts' error.
    pub fn send(&self, req: &HttpRequest, endpoint: Endpoint) -> Result<Value, Error> {
        let mut resp = self.host.http(req)?;
        let mut sent = req.clone();
        // A token refused before it expires by our clock (the server's runs ahead, or it was
        // revoked): one more try with a fresh one. A 401 means nothing was applied.
        if resp.status == 401
            && req.headers.iter().any(|(n, v)| n == "Authorization" && v.starts_with("Bearer "))
            && self.tokens.forget(&self.config)
        {
            if let Some(token) = self.auth()?.bearer {
                sent.headers.retain(|(n, _)| n != "Authorization");
                sent.headers.insert(0, ("Authorization".into(), format!("Bearer {token}")));
            }
            resp = self.host.http(&sent)?;
        }
        let resp = api_error::check(&sent, resp, endpoint)?;
        if resp.body.trim().is_empty() { Ok(json!({})) } else { resp.json() }
    }

    /// `GET` with a query (`&[("ongoing", "true")]`), percent-encoded.
    pub fn get(&self, path: &str, query: &[(&str, &str)], endpoint: Endpoint) -> Result<Value, Error> {
        let req = query.iter().fold(self.request("GET", path)?, |req, (name, value)| req.query(name, value));
        self.send(&req, endpoint)
    }

    pub fn post(&self, path: &str, body: &Value, endpoint: Endpoint) -> Result<Value, Error> {
        self.send(&self.request("POST", path)?.json(body), endpoint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_fixtures::{api, env_client, ok, scripted};

    #[test]
    fn queries_are_encoded() {
        let host = scripted().reply(ok(json!({}))).reply(ok(json!({})));
        env_client(&host, |client| {
            client.get("/status-page/issues", &[], Endpoint::Kept)?;
            client.get("/status-page/issues", &[("a", "1"), ("b", "x y&z")], Endpoint::Kept)
        })
        .unwrap();
        assert_eq!(
            host.lines(),
            [
                format!("GET {}", api("/status-page/issues")),
                format!("GET {}", api("/status-page/issues?a=1&b=x%20y%26z"))
            ]
        );
    }

    #[test]
    fn the_standard_policy_retries_what_nobl9_did_not_apply() {
        let policy = standard_retry();
        assert_eq!((policy.statuses, policy.rate_limited_statuses), (vec![502, 503], vec![429]));
        assert_eq!((policy.max_attempts, policy.backoff_base_ms, policy.backoff_cap_ms), (4, 1000, 32_000));
        assert!(policy.retry_non_idempotent);
    }
}
