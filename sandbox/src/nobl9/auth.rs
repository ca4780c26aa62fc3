//! Who is calling: `Authorization: Basic base64(clientId:clientSecret)` or
//! `Authorization: Bearer <access token>`, plus the `Organization` header.

use base64::Engine;
use base64::engine::general_purpose::STANDARD_PAD_INDIFFERENT;

use super::errors::{ApiError, ApiResult};
use super::jwt;
use super::model::Store;
use super::timestamp::Ts;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Credentials {
    Basic { id: String, secret: String },
    Bearer(String),
}

/// The credentials of an `Authorization` header (scheme in any case);
/// `None` if absent or malformed.
pub(crate) fn credentials(authorization: Option<&str>) -> Option<Credentials> {
    let (scheme, value) = authorization?.trim().split_once(char::is_whitespace)?;
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    if scheme.eq_ignore_ascii_case("bearer") {
        return Some(Credentials::Bearer(value.to_owned()));
    }
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = String::from_utf8(STANDARD_PAD_INDIFFERENT.decode(value).ok()?).ok()?;
        let (id, secret) = decoded.split_once(':')?;
        return Some(Credentials::Basic { id: id.to_owned(), secret: secret.to_owned() });
    }
    None
}

/// The non-empty `Organization` header, or 400.
pub(crate) fn organization_header(organization: Option<&str>) -> ApiResult<&str> {
    organization
        .map(str::trim)
        .filter(|organization| !organization.is_empty())
        .ok_or_else(ApiError::missing_organization)
}

/// An authenticated caller of the status-page API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Caller {
    pub(crate) organization: String,
    /// `m2mProfile.user` of the token, or the client's user for Basic.
    pub(crate) user: String,
}

/// Checks the `Organization` header (400 when missing), then the
/// credentials: a valid, unexpired Bearer token of that organization, or —
/// where `basic_allowed` — the client id and secret of one of its clients.
pub(crate) fn authenticate(
    store: &Store,
    authorization: Option<&str>,
    organization: Option<&str>,
    basic_allowed: bool,
    now: Ts,
) -> ApiResult<Caller> {
    let organization = organization_header(organization)?;
    let wrong_organization = |owner: &str| {
        ApiError::unauthorized(format!(
            "The credentials belong to organization {owner:?}, not {organization:?}."
        ))
    };
    match credentials(authorization) {
        Some(Credentials::Bearer(token)) => {
            let claims = jwt::verify(&token, now).map_err(ApiError::unauthorized)?;
            if claims.organization != organization {
                return Err(wrong_organization(&claims.organization));
            }
            if store.organization(organization).is_none() {
                return Err(ApiError::unauthorized("The access token is not valid."));
            }
            Ok(Caller { organization: claims.organization, user: claims.user })
        }
        Some(Credentials::Basic { id, secret }) if basic_allowed => {
            let (owner, client) = store
                .client(&id, &secret)
                .ok_or_else(|| ApiError::unauthorized("Invalid client credentials."))?;
            if owner.name != organization {
                return Err(wrong_organization(&owner.name));
            }
            Ok(Caller { organization: owner.name.clone(), user: client.user.clone() })
        }
        Some(Credentials::Basic { .. }) => {
            Err(ApiError::unauthorized("This endpoint takes Authorization: Bearer <access token>."))
        }
        None => Err(ApiError::unauthorized(
            "Missing or malformed Authorization header: send Authorization: Bearer <access token>.",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_basic_and_bearer_in_any_case() {
        let basic = format!("basic {}", base64::engine::general_purpose::STANDARD.encode("id:se:cret"));
        assert_eq!(
            credentials(Some(&basic)),
            Some(Credentials::Basic { id: "id".to_owned(), secret: "se:cret".to_owned() })
        );
        assert_eq!(credentials(Some("BEARER  abc ")), Some(Credentials::Bearer("abc".to_owned())));
        assert_eq!(credentials(Some("Basic !!!")), None);
        assert_eq!(credentials(Some("Basic aWQ=")), None, "no colon");
        assert_eq!(credentials(Some("Bearer")), None);
        assert_eq!(credentials(Some("OAuth abc")), None);
        assert_eq!(credentials(None), None);
    }
}
