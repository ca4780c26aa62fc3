//! Access tokens: exchanged from client credentials, kept for the process, refreshed two
//! minutes before they expire, and fetched no faster than the token endpoint allows.

use std::collections::HashMap;
use std::sync::Mutex;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use statusctl_plugin_api::serde_json::Value;
use statusctl_plugin_api::{Error, Host, HttpRequest, HttpResponse, RateLimit, RetryPolicy, excerpt};

use crate::api_error;
use crate::config::{self, ClientCredentials, Config, DEFAULT_BASE_URL, Exchange, NO_ORG, TokenSource};
use crate::jwt::Claims;

/// Refresh this long before `exp` (nobl9-go's margin).
const REFRESH_MARGIN_SECS: i64 = 120;
/// A token without `exp` is trusted for its documented lifetime.
const DOCUMENTED_LIFETIME_SECS: i64 = 3600;

/// What every API call needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Auth {
    pub bearer: Option<String>,
    pub org: String,
    pub api_root: String,
}

/// Tokens by exchange URL, client and organization, for the life of the process.
#[derive(Default)]
pub struct TokenCache {
    tokens: Mutex<HashMap<String, Token>>,
}

#[derive(Clone)]
struct Token {
    value: String,
    claims: Claims,
    refresh_after: i64,
}

impl Token {
    fn new(value: String, now: i64) -> Self {
        let claims = Claims::of(&value);
        let refresh_after =
            claims.expires_at.unwrap_or(now + DOCUMENTED_LIFETIME_SECS).saturating_sub(REFRESH_MARGIN_SECS);
        Token { value, claims, refresh_after }
    }
    fn fresh(&self, now: i64) -> bool {
        now < self.refresh_after
    }
}

/// The bearer token (fetched if needed), the organization and the API root. A token exchange
/// is sent with `retry`, the caller's policy for the plugin's requests.
pub fn authenticate(
    host: &Host<'_>,
    cache: &TokenCache,
    config: &Config,
    retry: &RetryPolicy,
) -> Result<Auth, Error> {
    let (bearer, claims) = match &config.token {
        TokenSource::None => (None, Claims::default()),
        TokenSource::Static(token) => (Some(token.clone()), Claims::of(token)),
        TokenSource::Exchange { exchange, seed } => {
            let token = cache.token(host, config, exchange, seed.as_deref(), retry)?;
            (Some(token.value), token.claims)
        }
    };
    let org = config.org.clone().or(claims.organization.clone()).ok_or_else(|| Error::config(NO_ORG))?;
    let api_root = config
        .api_root
        .clone()
        .or_else(|| claims.api_root())
        .unwrap_or_else(|| config::api_root_of(DEFAULT_BASE_URL));
    Ok(Auth { bearer, org, api_root })
}

fn cache_key(config: &Config, exchange: &Exchange, client_id: &str) -> String {
    format!("{}\n{}\n{}", exchange.url(), client_id, config.org.as_deref().unwrap_or(""))
}

impl TokenCache {
    /// Drops the exchanged token `config` uses; false when its token is not exchanged (a
    /// static token cannot be renewed).
    pub fn forget(&self, config: &Config) -> bool {
        let (TokenSource::Exchange { exchange, .. }, Some(client)) = (&config.token, &config.client) else {
            return false;
        };
        let mut tokens = self.tokens.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        tokens.remove(&cache_key(config, exchange, &client.id)).is_some()
    }

    fn token(
        &self,
        host: &Host<'_>,
        config: &Config,
        exchange: &Exchange,
        seed: Option<&str>,
        retry: &RetryPolicy,
    ) -> Result<Token, Error> {
        let client = config.client.as_ref().ok_or_else(|| Error::config(config::NO_CREDENTIALS))?;
        let key = cache_key(config, exchange, &client.id);
        let now = jiff::Timestamp::now().as_second();
        // Held across the fetch, so that two threads never both spend the token budget.
        let mut tokens = self.tokens.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(token) = tokens.get(&key).filter(|t| t.fresh(now)) {
            return Ok(token.clone());
        }
        let seeded = seed.map(|s| Token::new(s.to_string(), now)).filter(|t| t.fresh(now));
        let token = match seeded {
            Some(token) => token,
            None => {
                let value = fetch(host, config, exchange, client, retry)?;
                Token::new(value, jiff::Timestamp::now().as_second())
            }
        };
        tokens.insert(key, token.clone());
        Ok(token)
    }
}

fn fetch(
    host: &Host<'_>,
    config: &Config,
    exchange: &Exchange,
    client: &ClientCredentials,
    retry: &RetryPolicy,
) -> Result<String, Error> {
    let basic = STANDARD.encode(format!("{}:{}", client.id, client.secret));
    // 1 request / 3 s per organization (documented); before the organization is known, per client.
    let budget = config.org.as_deref().unwrap_or(&client.id);
    let mut req = HttpRequest::post(exchange.url()).secret_header("Authorization", format!("Basic {basic}"));
    req = match exchange {
        Exchange::AccessToken(_) => {
            let org = config.org.as_deref().ok_or_else(|| Error::config(NO_ORG))?;
            req.header("Organization", org)
        }
        Exchange::Okta(_) => req
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials&scope=m2m"),
    };
    req = req
        .header("Accept", "application/json")
        .retry(retry.clone())
        // A second exchange is harmless, and it only reads: safe to resend and to send in a dry run.
        .idempotent(true)
        .dry_run_safe()
        .rate_limit(RateLimit::new(format!("nobl9-token:{budget}"), 1, 3.0));
    if let Some(secs) = config.timeout_secs {
        req = req.timeout_secs(secs);
    }
    let resp = host.http(&req)?;
    if !resp.is_success() {
        return Err(refused(exchange, &resp, &[client.secret.clone(), basic]));
    }
    let body: Value = if resp.body.trim().is_empty() { Value::Null } else { resp.json()? };
    body.get("access_token").and_then(Value::as_str).filter(|t| !t.is_empty()).map(str::to_string).ok_or_else(
        || Error::failed(format!("the token endpoint {} answered without an access_token", exchange.url())),
    )
}

/// The scripts' messages for a refused exchange; `secrets` are scrubbed from the body's excerpt.
fn refused(exchange: &Exchange, resp: &HttpResponse, secrets: &[String]) -> Error {
    let message = match (exchange, resp.status) {
        (Exchange::AccessToken(_), 401) => {
            "Failed to authenticate. Check your NOBL9_CLIENT_ID, NOBL9_CLIENT_SECRET, and NOBL9_ORG."
                .to_string()
        }
        (Exchange::Okta(url), 401) => {
            format!("Failed to authenticate with Okta ({url}). Check the sloctl clientId and clientSecret.")
        }
        (_, status) => {
            let body = excerpt(&resp.body, secrets, api_error::EXCERPT_CHARS);
            format!("Token generation failed (HTTP {status}): {body}")
        }
    };
    let err = match resp.status {
        400 | 401 | 403 => Error::config(message),
        429 | 500..=599 => Error::unavailable(message),
        _ => Error::failed(message),
    };
    err.with_status(resp.status)
}

#[cfg(test)]
mod tests {
    use statusctl_plugin_api::ErrorKind;
    use statusctl_plugin_api::serde_json::json;
    use statusctl_plugin_api::testing::{Reply, TestHost};

    use super::*;
    use crate::client::standard_retry;
    use crate::jwt;
    use crate::test_fixtures::ok;

    /// As [`crate::client::Client`] calls it: with the plugin's standard retry policy.
    fn authenticate_as_the_client(h: &Host<'_>, cache: &TokenCache, config: &Config) -> Result<Auth, Error> {
        authenticate(h, cache, config, &standard_retry())
    }

    fn env_config(org: Option<&str>) -> Config {
        Config {
            origin: config::Origin::Environment,
            api_root: Some("http://n9/api".into()),
            org: org.map(str::to_string),
            client: Some(ClientCredentials { id: "cid".into(), secret: "csecret".into() }),
            token: TokenSource::Exchange {
                exchange: Exchange::AccessToken("http://n9/api/accessToken".into()),
                seed: None,
            },
            timeout_secs: None,
        }
    }

    fn token_expiring_in(secs: i64) -> String {
        let exp = jiff::Timestamp::now().as_second() + secs;
        jwt::make(
            &json!({"exp": exp, "m2mProfile": {"organization": "claimed-org", "environment": "n9.example"}}),
        )
    }

    #[test]
    fn the_access_token_exchange_as_the_scripts_send_it() {
        let token = token_expiring_in(3600);
        let host = TestHost::new().reply(ok(json!({"access_token": token})));
        let cache = TokenCache::default();
        let auth =
            host.with_host(|h| authenticate_as_the_client(h, &cache, &env_config(Some("acme")))).unwrap();
        assert_eq!(auth, Auth { bearer: Some(token), org: "acme".into(), api_root: "http://n9/api".into() });
        let req = &host.requests()[0];
        assert_eq!(req.line(), "POST http://n9/api/accessToken");
        assert_eq!(
            req.headers,
            [
                ("Authorization".to_string(), "Basic ***".to_string()),
                ("Organization".to_string(), "acme".to_string()),
                ("Accept".to_string(), "application/json".to_string()),
            ]
        );
        let basic = format!("Basic {}", STANDARD.encode("cid:csecret"));
        assert_eq!(req.unmasked.headers[0], ("Authorization".to_string(), basic));
        assert_eq!(req.body, None);
        assert!(req.dry_run_safe && req.idempotent);
        assert_eq!(req.rate_limit, Some(RateLimit::new("nobl9-token:acme", 1, 3.0)));
        assert_eq!(req.retry, standard_retry());
    }

    #[test]
    fn a_token_is_reused_until_two_minutes_before_it_expires() {
        let long = token_expiring_in(3600);
        let short = token_expiring_in(100);
        let host = TestHost::new()
            .reply(ok(json!({"access_token": short})))
            .reply(ok(json!({"access_token": long})));
        let cache = TokenCache::default();
        let config = env_config(Some("acme"));
        let first = host.with_host(|h| authenticate_as_the_client(h, &cache, &config)).unwrap();
        assert_eq!(first.bearer.as_deref(), Some(short.as_str()));
        // Expires in 100 s, under the 2-minute margin: refreshed.
        let second = host.with_host(|h| authenticate_as_the_client(h, &cache, &config)).unwrap();
        assert_eq!(second.bearer.as_deref(), Some(long.as_str()));
        // An hour left: reused, no request.
        let third = host.with_host(|h| authenticate_as_the_client(h, &cache, &config)).unwrap();
        assert_eq!(third.bearer.as_deref(), Some(long.as_str()));
        assert_eq!(host.requests().len(), 2);
    }

    #[test]
    fn okta_with_claims_for_organization_and_api() {
        let token = token_expiring_in(3600);
        let host = TestHost::new().reply(ok(json!({"access_token": token, "token_type": "Bearer"})));
        let config = Config {
            origin: config::Origin::Sloctl { context: "default".into(), file: None },
            api_root: None,
            org: None,
            token: TokenSource::Exchange {
                exchange: Exchange::Okta("http://okta/oauth2/srv/v1/token".into()),
                seed: None,
            },
            ..env_config(None)
        };
        let auth =
            host.with_host(|h| authenticate_as_the_client(h, &TokenCache::default(), &config)).unwrap();
        assert_eq!((auth.org.as_str(), auth.api_root.as_str()), ("claimed-org", "https://n9.example/api"));
        let req = &host.requests()[0];
        assert_eq!(req.url, "http://okta/oauth2/srv/v1/token");
        assert_eq!(req.body.as_deref(), Some("grant_type=client_credentials&scope=m2m"));
        assert_eq!(
            req.headers[1],
            ("Content-Type".to_string(), "application/x-www-form-urlencoded".to_string())
        );
        assert_eq!(req.rate_limit, Some(RateLimit::new("nobl9-token:cid", 1, 3.0)));
    }

    #[test]
    fn a_fresh_seed_token_saves_the_exchange_and_a_stale_one_does_not() {
        let config = |seed: String| Config {
            token: TokenSource::Exchange {
                exchange: Exchange::AccessToken("http://n9/api/accessToken".into()),
                seed: Some(seed),
            },
            ..env_config(Some("acme"))
        };
        let host = TestHost::new();
        let fresh = token_expiring_in(3600);
        let auth = host
            .with_host(|h| authenticate_as_the_client(h, &TokenCache::default(), &config(fresh.clone())))
            .unwrap();
        assert_eq!(auth.bearer, Some(fresh));
        assert!(host.requests().is_empty());
        let new = token_expiring_in(3600);
        let host = TestHost::new().reply(ok(json!({"access_token": new})));
        let auth = host
            .with_host(|h| {
                authenticate_as_the_client(h, &TokenCache::default(), &config(token_expiring_in(-10)))
            })
            .unwrap();
        assert_eq!(auth.bearer, Some(new));
    }

    #[test]
    fn refusals_use_the_scripts_messages() {
        let cases = [
            (
                401,
                "Failed to authenticate. Check your NOBL9_CLIENT_ID, NOBL9_CLIENT_SECRET, and NOBL9_ORG.",
                ErrorKind::Config,
            ),
            (400, "Token generation failed (HTTP 400): missing Organization header", ErrorKind::Config),
            (429, "Token generation failed (HTTP 429): missing Organization header", ErrorKind::Unavailable),
            (418, "Token generation failed (HTTP 418): missing Organization header", ErrorKind::Failed),
        ];
        for (status, message, kind) in cases {
            let host = TestHost::new().reply(Reply::status(status, "missing Organization header"));
            let err = host
                .with_host(|h| {
                    authenticate_as_the_client(h, &TokenCache::default(), &env_config(Some("acme")))
                })
                .unwrap_err();
            assert_eq!((err.message.as_str(), err.kind, err.http_status), (message, kind, Some(status)));
        }
        let host = TestHost::new();
        let err = host
            .with_host(|h| authenticate_as_the_client(h, &TokenCache::default(), &env_config(None)))
            .unwrap_err();
        assert_eq!(err.message, NO_ORG);
    }

    #[test]
    fn static_tokens_are_never_exchanged() {
        let host = TestHost::new();
        let config =
            Config { token: TokenSource::Static("opaque".into()), client: None, ..env_config(Some("acme")) };
        let auth =
            host.with_host(|h| authenticate_as_the_client(h, &TokenCache::default(), &config)).unwrap();
        assert_eq!(auth.bearer.as_deref(), Some("opaque"));
        let config = Config { token: TokenSource::None, ..config };
        assert_eq!(
            host.with_host(|h| authenticate_as_the_client(h, &TokenCache::default(), &config))
                .unwrap()
                .bearer,
            None
        );
        assert!(host.requests().is_empty());
    }
}
