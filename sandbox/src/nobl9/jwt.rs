//! Access tokens: JWTs shaped like Nobl9's Okta tokens (`iss`, `cid`,
//! `exp`, `iat`, `m2mProfile {user, organization, environment}`), signed
//! HS256 with a key fixed in this file. A fixed key keeps tokens valid
//! across restarts and resets, and lets [`super::DEMO_API_TOKEN`] be a
//! constant.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::hmac;
use serde_json::{Value, json};

use super::timestamp::{MICROS_PER_SECOND, Ts};

const SIGNING_KEY: &[u8] = b"statusctl-sandbox-nobl9-hs256-key";

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Claims {
    pub(crate) issuer: String,
    pub(crate) client_id: String,
    /// Seconds since the epoch.
    pub(crate) expires_at: i64,
    pub(crate) issued_at: i64,
    pub(crate) user: String,
    pub(crate) organization: String,
    pub(crate) environment: String,
}

fn key() -> hmac::Key {
    hmac::Key::new(hmac::HMAC_SHA256, SIGNING_KEY)
}

/// `base64url(header).base64url(payload).base64url(HMAC-SHA256)`, without
/// padding.
pub(crate) fn issue(claims: &Claims) -> String {
    let header = json!({"alg": "HS256", "typ": "JWT"});
    let payload = json!({
        "iss": claims.issuer,
        "cid": claims.client_id,
        "exp": claims.expires_at,
        "iat": claims.issued_at,
        "m2mProfile": {
            "user": claims.user,
            "organization": claims.organization,
            "environment": claims.environment,
        },
    });
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(payload.to_string())
    );
    let signature = hmac::sign(&key(), signing_input.as_bytes());
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature.as_ref()))
}

/// The claims of a token this sandbox signed and that has not expired at
/// `now`; otherwise why not, for the 401's detail.
pub(crate) fn verify(token: &str, now: Ts) -> Result<Claims, &'static str> {
    const INVALID: &str = "The access token is not valid.";
    let mut parts = token.split('.');
    let (Some(header_part), Some(payload_part), Some(signature_part), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(INVALID);
    };
    let decode =
        |part: &str| -> Option<Value> { serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).ok()?).ok() };
    let header = decode(header_part).ok_or(INVALID)?;
    if header["alg"] != "HS256" {
        return Err(INVALID);
    }
    let signature = URL_SAFE_NO_PAD.decode(signature_part).map_err(|_| INVALID)?;
    let signing_input = format!("{header_part}.{payload_part}");
    hmac::verify(&key(), signing_input.as_bytes(), &signature).map_err(|_| INVALID)?;
    let payload = decode(payload_part).ok_or(INVALID)?;
    let text = |value: &Value| value.as_str().map(str::to_owned);
    let profile = &payload["m2mProfile"];
    let claims = Claims {
        issuer: text(&payload["iss"]).unwrap_or_default(),
        client_id: text(&payload["cid"]).ok_or(INVALID)?,
        expires_at: payload["exp"].as_i64().ok_or(INVALID)?,
        issued_at: payload["iat"].as_i64().unwrap_or_default(),
        user: text(&profile["user"]).unwrap_or_default(),
        organization: text(&profile["organization"]).ok_or(INVALID)?,
        environment: text(&profile["environment"]).unwrap_or_default(),
    };
    if now.micros() >= claims.expires_at.saturating_mul(MICROS_PER_SECOND) {
        return Err("The access token has expired.");
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nobl9::seed::{DEMO_API_TOKEN, DEMO_CLIENT_ID, DEMO_ORG, DEMO_USER, demo_api_token_claims};

    fn claims() -> Claims {
        Claims {
            issuer: "http://127.0.0.1:1/oauth2/x".to_owned(),
            client_id: "c".to_owned(),
            expires_at: 2_000,
            issued_at: 1_000,
            user: "u".to_owned(),
            organization: "o".to_owned(),
            environment: "127.0.0.1:1".to_owned(),
        }
    }

    #[test]
    fn issued_tokens_verify_until_they_expire() {
        let token = issue(&claims());
        assert_eq!(token.split('.').count(), 3);
        assert!(!token.contains('='));
        assert_eq!(verify(&token, Ts::from_micros(1_999_999_999)), Ok(claims()));
        assert_eq!(verify(&token, Ts::from_micros(2_000_000_000)), Err("The access token has expired."));
    }

    #[test]
    fn tampered_or_foreign_tokens_do_not_verify() {
        let token = issue(&claims());
        let now = Ts::from_micros(1_500_000_000);
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        let mut other = claims();
        other.organization = "someone-else".to_owned();
        parts[1] = issue(&other).split('.').nth(1).expect("payload").to_owned();
        assert!(verify(&parts.join("."), now).is_err());
        assert!(verify("not-a-jwt", now).is_err());
        assert!(verify(&format!("{token}.extra"), now).is_err());
        let unsigned = format!("{}.{}.", URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#), parts[1]);
        assert!(verify(&unsigned, now).is_err());
    }

    #[test]
    fn the_demo_api_token_is_this_signature_of_its_documented_claims() {
        let claims = demo_api_token_claims();
        assert_eq!(issue(&claims), DEMO_API_TOKEN);
        let verified =
            verify(DEMO_API_TOKEN, Ts::from_micros(4_102_444_799_000_000)).expect("valid until 2100");
        assert_eq!(verified.client_id, DEMO_CLIENT_ID);
        assert_eq!(verified.organization, DEMO_ORG);
        assert_eq!(verified.user, DEMO_USER);
        assert_eq!(verified.environment, "");
    }
}
