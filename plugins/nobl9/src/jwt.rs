//! The claims of a Nobl9 access token, read without verifying the signature: the token is
//! only ever sent back to the server that issued it, which verifies it.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD_INDIFFERENT;
use statusctl_plugin_api::serde_json::{self, Value};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Claims {
    /// `exp`, in seconds since the epoch.
    pub expires_at: Option<i64>,
    /// `m2mProfile.organization` (or `agentProfile.organization`).
    pub organization: Option<String>,
    /// `m2mProfile.environment`, the instance host (`app.nobl9.com`).
    pub environment: Option<String>,
}

impl Claims {
    /// The claims of `token`; empty when it is not a JWT.
    pub fn of(token: &str) -> Claims {
        let Some(payload) = token.split('.').nth(1) else {
            return Claims::default();
        };
        let Some(value) = URL_SAFE_NO_PAD_INDIFFERENT
            .decode(payload)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
        else {
            return Claims::default();
        };
        let profile =
            ["m2mProfile", "agentProfile"].iter().find_map(|k| value.get(*k).filter(|p| p.is_object()));
        let field = |name: &str| {
            profile
                .and_then(|p| p.get(name))
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        Claims {
            expires_at: value.get("exp").and_then(|e| e.as_i64().or_else(|| e.as_f64().map(|f| f as i64))),
            organization: field("organization"),
            environment: field("environment"),
        }
    }

    /// The API root the SDK derives from the claims: `https://{environment}/api`.
    pub fn api_root(&self) -> Option<String> {
        self.environment.as_ref().map(|env| format!("https://{env}/api"))
    }
}

#[cfg(test)]
pub fn make(payload: &Value) -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let part = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
    format!("{}.{}.sig", part(&serde_json::json!({"alg": "RS256", "typ": "JWT"})), part(payload))
}

#[cfg(test)]
mod tests {
    use super::*;
    use statusctl_plugin_api::serde_json::json;

    #[test]
    fn m2m_and_agent_profiles() {
        let token = make(
            &json!({"exp": 1900000000, "m2mProfile": {"user": "u", "organization": "acme", "environment": "app.nobl9.com"}}),
        );
        let claims = Claims::of(&token);
        assert_eq!(claims.expires_at, Some(1900000000));
        assert_eq!(claims.organization.as_deref(), Some("acme"));
        assert_eq!(claims.api_root().as_deref(), Some("https://app.nobl9.com/api"));
        let agent = make(&json!({"agentProfile": {"organization": "a2", "environment": ""}}));
        let claims = Claims::of(&agent);
        assert_eq!((claims.organization.as_deref(), claims.api_root()), (Some("a2"), None));
    }

    #[test]
    fn opaque_tokens_have_no_claims() {
        assert_eq!(Claims::of("not-a-jwt"), Claims::default());
        assert_eq!(Claims::of("a.%%%.c"), Claims::default());
    }
}
