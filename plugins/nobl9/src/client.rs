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
    RetryPolicy {
        statuses: vec![502, 503],
        rate_limited_statuses: vec![429],
        max_attempts: 4,
        backoff_base_ms: 1000,
        backoff_cap_ms: 32_000,
        retry_non_idempotent: true,
    }
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

    pub fn get(&self, path: &str, query: &[(&str, String)], endpoint: Endpoint) -> Result<Value, Error> {
        let path = format!("{path}{}", query_string(query));
        self.send(&self.request("GET", &path)?, endpoint)
    }

    pub fn post(&self, path: &str, body: &Value, endpoint: Endpoint) -> Result<Value, Error> {
        self.send(&self.request("POST", path)?.json(body), endpoint)
    }
}

/// `?a=1&b=x%20y`, or nothing.
fn query_string(query: &[(&str, String)]) -> String {
    let pairs: Vec<String> = query.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect();
    if pairs.is_empty() { String::new() } else { format!("?{}", pairs.join("&")) }
}

/// Percent-encoding for a query value or a path segment.
pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_encoded() {
        assert_eq!(query_string(&[]), "");
        assert_eq!(query_string(&[("a", "1".into()), ("b", "x y&z".into())]), "?a=1&b=x%20y%26z");
    }
}
