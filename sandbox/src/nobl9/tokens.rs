//! The two ways to get an access token for client credentials:
//! `POST /api/accessToken` (what the scripts use) and Okta's
//! `POST /oauth2/{server}/v1/token` (what sloctl and the Go SDK use).

use serde_json::{Value, json};

use super::auth::{Credentials, credentials, organization_header};
use super::errors::{ApiError, ApiResult};
use super::jwt::{self, Claims};
use super::model::{Client, Store};
use super::rate_limit::TokenRateLimiter;
use super::seed::OKTA_AUTH_SERVER;
use super::timestamp::Ts;

/// The token settings of the options.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TokenPolicy {
    /// Seconds, at least 1.
    pub(crate) lifetime: i64,
    pub(crate) rate_limit: bool,
}

/// What a token request carries.
pub(crate) struct TokenRequest<'a> {
    pub(crate) authorization: Option<&'a str>,
    pub(crate) organization: Option<&'a str>,
    /// The `Host` the client called: the token's `environment`.
    pub(crate) host: &'a str,
    pub(crate) body: &'a [u8],
}

/// `Organization` header (400), Basic client credentials of that
/// organization (401), rate limit (429), then `{"access_token": JWT}`.
pub(crate) fn access_token(
    store: &Store,
    limiter: &mut TokenRateLimiter,
    policy: TokenPolicy,
    request: &TokenRequest<'_>,
    now: Ts,
) -> ApiResult<Value> {
    let organization = organization_header(request.organization)?;
    let Some(Credentials::Basic { id, secret }) = credentials(request.authorization) else {
        return Err(ApiError::unauthorized(
            "Send the client credentials as Authorization: Basic base64(clientId:clientSecret).",
        ));
    };
    let (owner, client) =
        store.client(&id, &secret).filter(|(owner, _)| owner.name == organization).ok_or_else(|| {
            ApiError::unauthorized(format!("Invalid client credentials for organization {organization:?}."))
        })?;
    if policy.rate_limit {
        limiter.check(&owner.name, now).map_err(ApiError::rate_limited)?;
        limiter.record(&owner.name, now);
    }
    let token = jwt::issue(&claims(&owner.name, client, request.host, policy, now));
    Ok(json!({ "access_token": token }))
}

/// Okta's client-credentials grant: known authorization server (404),
/// Basic client credentials (401 `invalid_client`), form body
/// `grant_type=client_credentials&scope=m2m` (400 `unsupported_grant_type`
/// / `invalid_scope`). Not rate limited.
pub(crate) fn okta_token(
    store: &Store,
    policy: TokenPolicy,
    server: &str,
    request: &TokenRequest<'_>,
    now: Ts,
) -> ApiResult<Value> {
    if server != OKTA_AUTH_SERVER {
        return Err(ApiError::oauth(404, "not_found", format!("Authorization server {server:?} not found.")));
    }
    let invalid_client = || ApiError::oauth(401, "invalid_client", "The client credentials are invalid.");
    let Some(Credentials::Basic { id, secret }) = credentials(request.authorization) else {
        return Err(invalid_client());
    };
    let (owner, client) = store.client(&id, &secret).ok_or_else(invalid_client)?;
    let form: Vec<(String, String)> = form_urlencoded::parse(request.body).into_owned().collect();
    let field = |name: &str| form.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str());
    if field("grant_type") != Some("client_credentials") {
        return Err(ApiError::oauth(
            400,
            "unsupported_grant_type",
            "The authorization grant type is not supported by the authorization server. Configured grant types: [client_credentials].",
        ));
    }
    if !field("scope").is_some_and(|scope| scope.split(' ').any(|scope| scope == "m2m")) {
        return Err(ApiError::oauth(
            400,
            "invalid_scope",
            "One or more scopes are not configured for the authorization server resource.",
        ));
    }
    let token = jwt::issue(&claims(&owner.name, client, request.host, policy, now));
    Ok(json!({
        "token_type": "Bearer",
        "expires_in": policy.lifetime,
        "access_token": token,
        "scope": "m2m",
    }))
}

fn claims(organization: &str, client: &Client, host: &str, policy: TokenPolicy, now: Ts) -> Claims {
    Claims {
        issuer: format!("http://{host}/oauth2/{OKTA_AUTH_SERVER}"),
        client_id: client.id.clone(),
        expires_at: now.seconds() + policy.lifetime,
        issued_at: now.seconds(),
        user: client.user.clone(),
        organization: organization.to_owned(),
        environment: host.to_owned(),
    }
}
