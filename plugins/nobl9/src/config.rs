//! Where the credentials, the organization and the API come from.
//!
//! Order: the scripts' `NOBL9_*` variables (environment or `./.env`, real environment first,
//! or the matching flags and profile keys) when any credential among them is set; otherwise an
//! existing sloctl configuration ([`crate::sloctl`]). `--context` / `--nobl9-config` ask for
//! sloctl explicitly and win over `NOBL9_*`.

use statusctl_plugin_api::{Call, EnvVarDecl, Error, SecretRequest};

use crate::sloctl;

pub const DEFAULT_BASE_URL: &str = "https://app.nobl9.com";

/// The scripts' validation messages.
pub const NO_CREDENTIALS: &str =
    "Either NOBL9_CLIENT_ID and NOBL9_CLIENT_SECRET, or NOBL9_API_TOKEN must be set.";
pub const NO_ORG: &str = "NOBL9_ORG environment variable is required.";

/// The scripts' secret variables: read through the host's secret chain (which also reads a
/// file named by `VAR_FILE`), never by an argument.
const API_TOKEN_ENV: &str = "NOBL9_API_TOKEN";
const CLIENT_SECRET_ENV: &str = "NOBL9_CLIENT_SECRET";

/// The variables this module reads without an argument: the scripts' secrets and the files
/// that may hold them.
pub fn env_vars() -> Vec<EnvVarDecl> {
    vec![
        EnvVarDecl::new(API_TOKEN_ENV, "Nobl9 API token, used as is").secret(),
        EnvVarDecl::new("NOBL9_API_TOKEN_FILE", "A file holding the Nobl9 API token").path(),
        EnvVarDecl::new(CLIENT_SECRET_ENV, "Nobl9 client secret").secret(),
        EnvVarDecl::new("NOBL9_CLIENT_SECRET_FILE", "A file holding the Nobl9 client secret").path(),
    ]
}

/// Everything known before any request.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub origin: Origin,
    /// The API root, `/api` included; `None` until a token's claims name it (sloctl).
    pub api_root: Option<String>,
    /// `None` until a token's claims name it (sloctl).
    pub org: Option<String>,
    /// Client id and secret, when known (the external-issue endpoint takes them as Basic auth).
    pub client: Option<ClientCredentials>,
    pub token: TokenSource,
    /// Per-request timeout (sloctl `timeout`).
    pub timeout_secs: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    /// The scripts' `NOBL9_*` variables (or the matching flags and profile keys).
    Environment,
    /// A sloctl context, from the file and/or `NOBL9_SDK_*` / `SLOCTL_*` variables.
    Sloctl { context: String, file: Option<String> },
}

#[derive(Clone, PartialEq)]
pub struct ClientCredentials {
    pub id: String,
    pub secret: String,
}

impl std::fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ClientCredentials({}, ***)", self.id)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum TokenSource {
    /// A token used as is, never refreshed (`NOBL9_API_TOKEN`, or a sloctl `accessToken` alone).
    Static(String),
    /// The client credentials exchanged at `exchange`; `seed` is a token sloctl cached.
    Exchange { exchange: Exchange, seed: Option<String> },
    /// sloctl `disableOkta` without a token: requests go without Authorization.
    None,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Exchange {
    /// `POST {api}/accessToken` with the `Organization` header (the scripts' way).
    AccessToken(String),
    /// `POST {oktaOrgURL}/oauth2/{oktaAuthServer}/v1/token` (sloctl's way).
    Okta(String),
}

impl Exchange {
    pub fn url(&self) -> &str {
        match self {
            Exchange::AccessToken(url) | Exchange::Okta(url) => url,
        }
    }
}

pub fn resolve(call: &Call<'_>) -> Result<Config, Error> {
    let explicit_sloctl = arg(call, "context").is_some() || arg(call, "nobl9_config").is_some();
    if !explicit_sloctl && let Some(config) = from_nobl9_variables(call)? {
        return Ok(config);
    }
    from_sloctl(call, explicit_sloctl)
}

/// A non-empty argument value (flag, environment, profile, as the host resolved it).
pub fn arg(call: &Call<'_>, id: &str) -> Option<String> {
    call.args.str(id).map(str::trim).filter(|v| !v.is_empty()).map(str::to_string)
}

/// The API root for a `--base-url` / `NOBL9_BASE_URL` (the instance root, without `/api`).
pub fn api_root_of(base_url: &str) -> String {
    format!("{}/api", base_url.trim_end_matches('/'))
}

/// The scripts' configuration, or `None` when none of its credentials is set.
fn from_nobl9_variables(call: &Call<'_>) -> Result<Option<Config>, Error> {
    let client_id = arg(call, "client_id");
    let org = arg(call, "org");
    // Looked up through the host so that it learns the values and scrubs them everywhere. The
    // token's keyring entry is the login name's (what `statusctl secrets set` stores); the client
    // secret's is the client id's, so `--client-id` selects it.
    let token_request = SecretRequest::new("Nobl9 API token")
        .env(API_TOKEN_ENV)
        .profile_key("api_token")
        .keyring_for_login("nobl9-api-token");
    let api_token = call.host.secret(&token_request)?.map(|s| s.value);
    let mut secret_request =
        SecretRequest::new("Nobl9 client secret").env(CLIENT_SECRET_ENV).profile_key("client_secret");
    if let Some(id) = &client_id {
        secret_request = secret_request.keyring("nobl9-client-secret", id);
    }
    let client_secret = call.host.secret(&secret_request)?.map(|s| s.value);
    if client_id.is_none() && client_secret.is_none() && api_token.is_none() {
        return Ok(None);
    }
    let client = match (client_id, client_secret) {
        (Some(id), Some(secret)) => Some(ClientCredentials { id, secret }),
        _ => None,
    };
    if api_token.is_none() && client.is_none() {
        return Err(Error::config(NO_CREDENTIALS));
    }
    let org = org.ok_or_else(|| Error::config(NO_ORG))?;
    let api_root = api_root_of(&arg(call, "base_url").unwrap_or_else(|| DEFAULT_BASE_URL.into()));
    // As the scripts: a token given is used as is, even when client credentials exist too.
    let token = match api_token {
        Some(token) => TokenSource::Static(token),
        None => TokenSource::Exchange {
            exchange: Exchange::AccessToken(format!("{api_root}/accessToken")),
            seed: None,
        },
    };
    Ok(Some(Config {
        origin: Origin::Environment,
        api_root: Some(api_root),
        org: Some(org),
        client,
        token,
        timeout_secs: None,
    }))
}

/// An existing sloctl configuration: the context's credentials, organization and API, with
/// nobl9-go's choice of token exchange. `--org` and `--base-url` win over the context.
fn from_sloctl(call: &Call<'_>, explicit: bool) -> Result<Config, Error> {
    let selection = sloctl::Selection { context: arg(call, "context"), file: arg(call, "nobl9_config") };
    let context = sloctl::read(call, &selection)?;
    let client = match (context.client_id, context.client_secret) {
        (Some(id), Some(secret)) => Some(ClientCredentials { id, secret }),
        _ => None,
    };
    if client.is_none() && context.access_token.is_none() && !context.disable_okta {
        return Err(match (&context.file, explicit) {
            (Some(path), true) => Error::config(format!(
                "sloctl context '{}' in '{}' has no clientId and clientSecret (nor accessToken)",
                context.name,
                path.display()
            )),
            _ => Error::config(NO_CREDENTIALS),
        });
    }
    let org = arg(call, "org").or(context.organization);
    let mut api_root = arg(call, "base_url").map(|b| api_root_of(&b)).or(context.url);
    let token = match (&client, context.disable_okta) {
        (_, true) => {
            api_root.get_or_insert_with(|| api_root_of(DEFAULT_BASE_URL));
            context.access_token.map_or(TokenSource::None, TokenSource::Static)
        }
        (Some(_), false) => {
            // nobl9-go's rule: Okta, unless an API URL is set without an Okta URL.
            let exchange = match (&context.okta_org_url, &api_root) {
                (None, Some(root)) => Exchange::AccessToken(format!("{root}/accessToken")),
                (okta, _) => {
                    let server =
                        context.okta_auth_server.as_deref().unwrap_or(sloctl::DEFAULT_OKTA_AUTH_SERVER);
                    let okta = okta.as_deref().unwrap_or(sloctl::DEFAULT_OKTA_ORG_URL);
                    Exchange::Okta(format!("{okta}/oauth2/{server}/v1/token"))
                }
            };
            TokenSource::Exchange { exchange, seed: context.access_token }
        }
        (None, false) => TokenSource::Static(context.access_token.unwrap_or_default()),
    };
    Ok(Config {
        origin: Origin::Sloctl {
            context: context.name,
            file: context.file.map(|path| path.display().to_string()),
        },
        api_root,
        org,
        client,
        token,
        // `None` keeps the host's default.
        timeout_secs: context.timeout_secs,
    })
}

#[cfg(test)]
mod tests {
    use statusctl_plugin_api::ErrorKind;
    use statusctl_plugin_api::serde_json::{Value, json};
    use statusctl_plugin_api::testing::TestHost;

    use super::*;
    use crate::Nobl9;

    fn resolve_with(host: &TestHost, args: Value) -> Result<Config, Error> {
        host.with_call::<Nobl9, _>("list_components", args, resolve)
    }

    #[test]
    fn client_credentials_from_the_environment() {
        let host = TestHost::new()
            .env("NOBL9_CLIENT_ID", "cid")
            .env("NOBL9_CLIENT_SECRET", "csecret")
            .env("NOBL9_ORG", "acme");
        let config = resolve_with(&host, json!({})).unwrap();
        assert_eq!(config.origin, Origin::Environment);
        assert_eq!(config.api_root.as_deref(), Some("https://app.nobl9.com/api"));
        assert_eq!(config.org.as_deref(), Some("acme"));
        assert_eq!(config.client, Some(ClientCredentials { id: "cid".into(), secret: "csecret".into() }));
        assert_eq!(
            config.token,
            TokenSource::Exchange {
                exchange: Exchange::AccessToken("https://app.nobl9.com/api/accessToken".into()),
                seed: None
            }
        );
        // The secrets went through the host (so it scrubs them), the keyring keyed by client id.
        let asked = host.secret_requests();
        let labels: Vec<&str> = asked.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(labels, ["Nobl9 API token", "Nobl9 client secret"]);
        let keyring: Vec<(String, String)> = asked.iter().filter_map(|r| r.keyring.clone()).collect();
        assert_eq!(
            keyring,
            [("nobl9-api-token".into(), "".into()), ("nobl9-client-secret".into(), "cid".into())]
        );
    }

    #[test]
    fn the_api_token_in_the_keyring_is_the_login_names() {
        let host =
            TestHost::new().env("NOBL9_ORG", "acme").login_name("me").keyring("nobl9-api-token", "me", "kt");
        assert_eq!(resolve_with(&host, json!({})).unwrap().token, TokenSource::Static("kt".into()));
        let home = tempfile::tempdir().unwrap();
        let host = TestHost::new()
            .env("NOBL9_ORG", "acme")
            .env("HOME", home.path().to_str().unwrap())
            .keyring("nobl9-api-token", "acme", "kt");
        assert_eq!(resolve_with(&host, json!({})).unwrap_err().message, NO_CREDENTIALS);
    }

    #[test]
    fn an_api_token_is_used_as_is_and_the_base_url_flag_wins() {
        let host = TestHost::new()
            .env("NOBL9_API_TOKEN", "tok")
            .env("NOBL9_ORG", "acme")
            .env("NOBL9_BASE_URL", "http://from-env");
        let config = resolve_with(&host, json!({"base_url": "http://127.0.0.1:9/"})).unwrap();
        assert_eq!(config.token, TokenSource::Static("tok".into()));
        assert_eq!(config.api_root.as_deref(), Some("http://127.0.0.1:9/api"));
        assert_eq!(config.client, None);
        let config = resolve_with(&host, json!({})).unwrap();
        assert_eq!(config.api_root.as_deref(), Some("http://from-env/api"));
    }

    #[test]
    fn profile_keys_and_keyring_supply_values_too() {
        let host = TestHost::new().setting("client_id", "pid").setting("org", "porg").keyring(
            "nobl9-client-secret",
            "pid",
            "ksecret",
        );
        let config = resolve_with(&host, json!({})).unwrap();
        assert_eq!(config.client, Some(ClientCredentials { id: "pid".into(), secret: "ksecret".into() }));
        assert_eq!(config.org.as_deref(), Some("porg"));
        // A secret from the profile, and one from a file named by the profile.
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("token");
        std::fs::write(&file, "file-token\n").unwrap();
        let host = TestHost::new().setting("org", "porg").setting("api_token_file", file.to_str().unwrap());
        assert_eq!(resolve_with(&host, json!({})).unwrap().token, TokenSource::Static("file-token".into()));
    }

    #[test]
    fn a_secret_file_named_by_a_variable() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("secret");
        std::fs::write(&file, "from-file\n").unwrap();
        let host = TestHost::new()
            .env("NOBL9_CLIENT_ID", "cid")
            .env("NOBL9_CLIENT_SECRET_FILE", file.to_str().unwrap())
            .env("NOBL9_ORG", "acme");
        let config = resolve_with(&host, json!({})).unwrap();
        assert_eq!(config.client, Some(ClientCredentials { id: "cid".into(), secret: "from-file".into() }));
    }

    #[test]
    fn the_scripts_validation_messages() {
        let host = TestHost::new().env("NOBL9_CLIENT_ID", "cid").env("NOBL9_ORG", "acme");
        let err = resolve_with(&host, json!({})).unwrap_err();
        assert_eq!((err.kind, err.message.as_str()), (ErrorKind::Config, NO_CREDENTIALS));
        let host = TestHost::new().env("NOBL9_CLIENT_ID", "cid").env("NOBL9_CLIENT_SECRET", "s");
        let err = resolve_with(&host, json!({})).unwrap_err();
        assert_eq!((err.kind, err.message.as_str()), (ErrorKind::Config, NO_ORG));
        // Nothing at all, and no sloctl file: the scripts' message too.
        let home = tempfile::tempdir().unwrap();
        let host = TestHost::new().env("HOME", home.path().to_str().unwrap());
        let err = resolve_with(&host, json!({})).unwrap_err();
        assert_eq!(err.message, NO_CREDENTIALS);
    }
}
