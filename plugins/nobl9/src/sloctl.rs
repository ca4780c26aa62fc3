//! An existing sloctl / nobl9-go configuration, read-only: `~/.config/nobl9/config.toml`
//! contexts, overridden key by key by `NOBL9_SDK_*` then `SLOCTL_*` variables.
//!
//! Keys are matched case-insensitively, as the Go TOML decoder does (real files contain
//! `Contexts` and `oktaOrgUrl`); context names are matched exactly. The file is never
//! created or written, not even to cache a token.

use std::path::{Path, PathBuf};

use statusctl_plugin_api::{Call, EnvVarDecl, Error, SecretRequest};
use toml::{Table, Value};

use crate::go_duration;

/// nobl9-go's defaults for app.nobl9.com.
pub const DEFAULT_OKTA_ORG_URL: &str = "https://accounts.nobl9.com";
pub const DEFAULT_OKTA_AUTH_SERVER: &str = "auseg9kiegWKEtJZC416";

const PREFIXES: [&str; 2] = ["NOBL9_SDK_", "SLOCTL_"];

/// What a variable's value decides, for the manifest.
#[derive(Clone, Copy, PartialEq)]
enum Decides {
    /// A secret (read through the host's secret chain, so `{VAR}_FILE` works too).
    Secret,
    /// Where requests, and so the credentials, go.
    Endpoint,
    /// Which credentials are used.
    Trust,
    /// A file holding credentials: where they come from.
    CredentialFile,
    Nothing,
}

/// The nobl9-go variables read, each as `NOBL9_SDK_{name}` then `SLOCTL_{name}`.
const VARIABLES: [(&str, Decides, &str); 12] = [
    ("CLIENT_ID", Decides::Nothing, "sloctl client id"),
    ("CLIENT_SECRET", Decides::Secret, "sloctl client secret"),
    ("ACCESS_TOKEN", Decides::Secret, "sloctl access token"),
    ("ORGANIZATION", Decides::Nothing, "sloctl organization"),
    ("URL", Decides::Endpoint, "sloctl API URL (with /api)"),
    ("OKTA_ORG_URL", Decides::Endpoint, "sloctl Okta organization URL"),
    ("OKTA_AUTH_SERVER", Decides::Endpoint, "sloctl Okta authorization server"),
    ("DISABLE_OKTA", Decides::Trust, "sloctl: no token exchange when true"),
    ("TIMEOUT", Decides::Nothing, "sloctl request timeout (Go duration)"),
    ("DEFAULT_CONTEXT", Decides::Trust, "sloctl context to use"),
    ("CONFIG_FILE_PATH", Decides::CredentialFile, "sloctl configuration file"),
    ("NO_CONFIG_FILE", Decides::Trust, "sloctl: read no configuration file when true"),
];

/// The variables this module reads without an argument: the nobl9-go variables, and where the
/// default configuration file is looked for.
pub fn env_vars() -> Vec<EnvVarDecl> {
    let mut vars = Vec::new();
    for (name, decides, help) in VARIABLES {
        for prefix in PREFIXES {
            let var = EnvVarDecl::new(&format!("{prefix}{name}"), help);
            let var = match decides {
                Decides::Secret => var.secret(),
                Decides::Endpoint => var.endpoint(),
                Decides::Trust => var.trust(),
                Decides::CredentialFile => var.trust().path(),
                Decides::Nothing => var,
            };
            vars.push(var);
            if decides == Decides::Secret {
                let file = format!("{prefix}{name}_FILE");
                vars.push(EnvVarDecl::new(&file, &format!("A file holding the {help}")).path());
            }
        }
    }
    for (name, help) in [
        ("XDG_CONFIG_HOME", "Where the sloctl configuration file is looked for first"),
        ("HOME", "Where the sloctl configuration file is looked for (~/.config/nobl9)"),
    ] {
        vars.push(EnvVarDecl::new(name, help).trust().path());
    }
    vars
}

/// Which context of which file to read: the `--context` and `--nobl9-config` values.
#[derive(Debug, Default)]
pub struct Selection {
    pub context: Option<String>,
    pub file: Option<String>,
}

/// One sloctl context as nobl9-go sees it: the file's keys, each overridden by its
/// `NOBL9_SDK_*` / `SLOCTL_*` variable. Empty values are `None`. What they mean for the
/// requests (which token exchange, which API) is the caller's to decide.
#[derive(Debug, Default)]
pub struct Context {
    pub name: String,
    /// The configuration file read, if any.
    pub file: Option<PathBuf>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    /// A token sloctl cached, or one given alone.
    pub access_token: Option<String>,
    pub disable_okta: bool,
    pub organization: Option<String>,
    /// `url`, the API root (`/api` included), without a trailing slash.
    pub url: Option<String>,
    /// `oktaOrgURL`, without a trailing slash.
    pub okta_org_url: Option<String>,
    pub okta_auth_server: Option<String>,
    /// `timeout` in seconds; `None` when unset or zero (Go's "no timeout").
    pub timeout_secs: Option<f64>,
}

/// The selected context (else `$NOBL9_SDK_DEFAULT_CONTEXT`, the file's `defaultContext`,
/// `default`). Secrets go through the host, which scrubs them from every output.
pub fn read(call: &Call<'_>, selection: &Selection) -> Result<Context, Error> {
    let env = |name: &str| sdk_env(call, name);
    let file = read_file(call, selection.file.as_deref())?;
    let name = selection
        .context
        .clone()
        .or_else(|| env("DEFAULT_CONTEXT"))
        .or_else(|| file.as_ref().and_then(|(_, t)| string(t, "defaultContext")))
        .unwrap_or_else(|| "default".into());
    let table = match &file {
        Some((path, top)) => Some(context_table(top, &name).ok_or_else(|| missing_context(&name, path))?),
        None if selection.context.is_some() => {
            let path = default_paths(call).into_iter().next().unwrap_or_default();
            return Err(missing_context(&name, &path));
        }
        None => None,
    };
    let value = |key: &str, env_name: &str| env(env_name).or_else(|| table.and_then(|t| string(t, key)));
    let client_secret = secret(call, "sloctl client secret", "CLIENT_SECRET")?
        .or_else(|| table.and_then(|t| string(t, "clientSecret")));
    let access_token = secret(call, "sloctl access token", "ACCESS_TOKEN")?
        .or_else(|| table.and_then(|t| string(t, "accessToken")));
    // Secrets read from the file never went through the host's lookup: tell it about them.
    for secret in client_secret.iter().chain(access_token.iter()) {
        call.host.add_secret(secret);
    }
    // Go's zero timeout means "none".
    let timeout_secs = match value("timeout", "TIMEOUT") {
        Some(text) => match go_duration::seconds(&text) {
            Some(0.0) => None,
            Some(secs) if secs.is_finite() && secs > 0.0 && secs <= 86_400.0 => Some(secs),
            _ => {
                return Err(Error::config(format!(
                    "sloctl context '{name}': invalid timeout `{text}` (e.g. 10s, 1m30s; at most 24h)"
                )));
            }
        },
        None => None,
    };
    let without_trailing_slash = |u: String| u.trim_end_matches('/').to_string();
    Ok(Context {
        client_id: value("clientId", "CLIENT_ID"),
        client_secret,
        access_token,
        disable_okta: value("disableOkta", "DISABLE_OKTA").is_some_and(|v| v.eq_ignore_ascii_case("true")),
        organization: value("organization", "ORGANIZATION"),
        url: value("url", "URL").map(without_trailing_slash),
        okta_org_url: value("oktaOrgURL", "OKTA_ORG_URL").map(without_trailing_slash),
        okta_auth_server: value("oktaAuthServer", "OKTA_AUTH_SERVER"),
        timeout_secs,
        file: file.map(|(path, _)| path),
        name,
    })
}

/// Whether `name` is in [`VARIABLES`], as a secret or not: every variable read is declared.
fn declared(name: &str, secret: bool) -> bool {
    VARIABLES.iter().any(|(n, decides, _)| *n == name && (*decides == Decides::Secret) == secret)
}

/// `NOBL9_SDK_{name}`, else `SLOCTL_{name}`, when not empty.
fn sdk_env(call: &Call<'_>, name: &str) -> Option<String> {
    debug_assert!(declared(name, false), "{name} is not declared in VARIABLES");
    PREFIXES.iter().filter_map(|p| call.host.env(&format!("{p}{name}"))).find(|v| !v.trim().is_empty())
}

/// A secret variable, looked up through the host so that it learns and scrubs the value.
fn secret(call: &Call<'_>, label: &str, name: &str) -> Result<Option<String>, Error> {
    debug_assert!(declared(name, true), "{name} is not declared in VARIABLES as a secret");
    let mut request = SecretRequest::new(label);
    for prefix in PREFIXES {
        request = request.env(&format!("{prefix}{name}"));
    }
    Ok(call.host.secret(&request)?.map(|s| s.value))
}

/// The configuration file and its top-level table, if one is to be read and exists.
fn read_file(call: &Call<'_>, explicit: Option<&str>) -> Result<Option<(PathBuf, Table)>, Error> {
    let explicit = explicit.map(str::to_string).or_else(|| sdk_env(call, "CONFIG_FILE_PATH"));
    let disabled = sdk_env(call, "NO_CONFIG_FILE").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let path = match explicit {
        Some(path) => PathBuf::from(path),
        None if disabled => return Ok(None),
        None => match default_paths(call).into_iter().find(|p| p.is_file()) {
            Some(path) => path,
            None => return Ok(None),
        },
    };
    let text = std::fs::read_to_string(&path).map_err(|e| {
        Error::config(format!("cannot read the sloctl configuration file '{}': {e}", path.display()))
    })?;
    let table = text.parse::<Table>().map_err(|e| {
        let first_line = e.to_string().lines().next().unwrap_or_default().to_string();
        Error::config(format!(
            "the sloctl configuration file '{}' is not valid TOML: {first_line}",
            path.display()
        ))
    })?;
    Ok(Some((path, table)))
}

/// `$XDG_CONFIG_HOME/nobl9/config.toml`, then `$HOME/.config/nobl9/config.toml` (nobl9-go's).
fn default_paths(call: &Call<'_>) -> Vec<PathBuf> {
    let mut paths = Vec::new();
    if let Some(xdg) = call.host.env("XDG_CONFIG_HOME").filter(|v| !v.is_empty()) {
        paths.push(Path::new(&xdg).join("nobl9").join("config.toml"));
    }
    if let Some(home) = call.host.env("HOME").filter(|v| !v.is_empty()) {
        paths.push(Path::new(&home).join(".config").join("nobl9").join("config.toml"));
    }
    paths
}

fn missing_context(context: &str, path: &Path) -> Error {
    Error::config(format!("Context '{context}' was not set in the '{}' configuration file.", path.display()))
}

/// A key of `table`, matched case-insensitively.
fn get<'t>(table: &'t Table, key: &str) -> Option<&'t Value> {
    table.get(key).or_else(|| table.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v))
}

/// A value as text (booleans and numbers too), when not empty.
fn string(table: &Table, key: &str) -> Option<String> {
    let text = match get(table, key)? {
        Value::String(s) => s.trim().to_string(),
        Value::Boolean(b) => b.to_string(),
        Value::Integer(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        _ => return None,
    };
    (!text.is_empty()).then_some(text)
}

fn context_table<'t>(top: &'t Table, name: &str) -> Option<&'t Table> {
    get(top, "contexts")?.as_table()?.get(name)?.as_table()
}

#[cfg(test)]
mod tests {
    use statusctl_plugin_api::ErrorKind;
    use statusctl_plugin_api::serde_json::{Value as Json, json};
    use statusctl_plugin_api::testing::TestHost;

    use super::*;
    use crate::Nobl9;
    use crate::config::{self, ClientCredentials, Config, Exchange, NO_CREDENTIALS, Origin, TokenSource};

    const FILE: &str = r#"
DefaultContext = "work"
[Contexts]
  [Contexts.work]
    ClientID = "file-id"
    clientsecret = "file-secret"
    oktaOrgUrl = "http://127.0.0.1:1/okta"
    OKTAAUTHSERVER = "srv1"
    Timeout = "1m30s"
  [Contexts.local]
    clientId = "local-id"
    clientSecret = "local-secret"
    url = "http://127.0.0.1:2/api/"
    organization = "local-org"
  [Contexts.tokenonly]
    accessToken = "cached"
  [Contexts.offline]
    disableOkta = true
    organization = "o"
"#;

    fn home_with(text: &str) -> tempfile::TempDir {
        let home = tempfile::tempdir().unwrap();
        let dir = home.path().join(".config/nobl9");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("config.toml"), text).unwrap();
        home
    }

    fn resolve_with(host: &TestHost, args: Json) -> Result<Config, Error> {
        host.with_call::<Nobl9, _>("list_components", args, config::resolve)
    }

    fn home_host(home: &tempfile::TempDir) -> TestHost {
        TestHost::new().env("HOME", home.path().to_str().unwrap())
    }

    #[test]
    fn the_default_context_with_mixed_case_keys_uses_okta() {
        let home = home_with(FILE);
        let config = resolve_with(&home_host(&home), json!({})).unwrap();
        let path = home.path().join(".config/nobl9/config.toml").display().to_string();
        assert_eq!(config.origin, Origin::Sloctl { context: "work".into(), file: Some(path) });
        assert_eq!(
            config.client,
            Some(ClientCredentials { id: "file-id".into(), secret: "file-secret".into() })
        );
        assert_eq!(
            config.token,
            TokenSource::Exchange {
                exchange: Exchange::Okta("http://127.0.0.1:1/okta/oauth2/srv1/v1/token".into()),
                seed: None
            }
        );
        // Organization and API come from the token's claims later.
        assert_eq!((config.org, config.api_root), (None, None));
        assert_eq!(config.timeout_secs, Some(90.0));
    }

    #[test]
    fn the_context_flag_and_a_url_without_okta_use_the_access_token_endpoint() {
        let home = home_with(FILE);
        let config = resolve_with(&home_host(&home), json!({"context": "local"})).unwrap();
        assert_eq!(config.api_root.as_deref(), Some("http://127.0.0.1:2/api"));
        assert_eq!(config.org.as_deref(), Some("local-org"));
        assert_eq!(
            config.token,
            TokenSource::Exchange {
                exchange: Exchange::AccessToken("http://127.0.0.1:2/api/accessToken".into()),
                seed: None
            }
        );
    }

    #[test]
    fn sdk_variables_win_over_sloctl_variables_and_the_file() {
        let home = home_with(FILE);
        let host = home_host(&home)
            .env("NOBL9_SDK_DEFAULT_CONTEXT", "local")
            .env("SLOCTL_DEFAULT_CONTEXT", "work")
            .env("SLOCTL_CLIENT_ID", "sloctl-id")
            .env("NOBL9_SDK_CLIENT_SECRET", "sdk-secret")
            .env("SLOCTL_CLIENT_SECRET", "sloctl-secret")
            .env("SLOCTL_ORGANIZATION", "env-org");
        let config = resolve_with(&host, json!({})).unwrap();
        assert_eq!(config.origin, Origin::Sloctl { context: "local".into(), file: config_file(&home) });
        assert_eq!(
            config.client,
            Some(ClientCredentials { id: "sloctl-id".into(), secret: "sdk-secret".into() })
        );
        assert_eq!(config.org.as_deref(), Some("env-org"));
        let labels: Vec<String> = host.secret_requests().into_iter().map(|r| r.label).collect();
        assert_eq!(
            labels,
            ["Nobl9 API token", "Nobl9 client secret", "sloctl client secret", "sloctl access token"]
        );
    }

    fn config_file(home: &tempfile::TempDir) -> Option<String> {
        Some(home.path().join(".config/nobl9/config.toml").display().to_string())
    }

    #[test]
    fn variables_alone_work_without_a_file() {
        let host = TestHost::new()
            .env("SLOCTL_CLIENT_ID", "i")
            .env("SLOCTL_CLIENT_SECRET", "s")
            .env("SLOCTL_OKTA_ORG_URL", "http://okta/");
        let config = resolve_with(&host, json!({})).unwrap();
        assert_eq!(config.origin, Origin::Sloctl { context: "default".into(), file: None });
        assert_eq!(
            config.token,
            TokenSource::Exchange {
                exchange: Exchange::Okta(format!("http://okta/oauth2/{DEFAULT_OKTA_AUTH_SERVER}/v1/token")),
                seed: None
            }
        );
    }

    #[test]
    fn the_nobl9_config_flag_and_the_config_file_variable_name_the_file() {
        let home = home_with(FILE);
        let other = tempfile::tempdir().unwrap();
        let path = other.path().join("c.toml");
        std::fs::write(&path, "[contexts.default]\nclientId = \"x\"\nclientSecret = \"y\"\n").unwrap();
        let args = json!({"nobl9_config": path.to_str().unwrap()});
        let config = resolve_with(&home_host(&home), args).unwrap();
        assert_eq!(config.client.unwrap().id, "x");
        let host = home_host(&home).env("SLOCTL_CONFIG_FILE_PATH", path.to_str().unwrap());
        assert_eq!(resolve_with(&host, json!({})).unwrap().client.unwrap().id, "x");
        let err =
            resolve_with(&home_host(&home), json!({"nobl9_config": "/nonexistent/c.toml"})).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Config);
        assert!(err.message.starts_with("cannot read the sloctl configuration file '/nonexistent/c.toml'"));
    }

    #[test]
    fn the_context_flag_wins_over_nobl9_variables() {
        let home = home_with(FILE);
        let host = home_host(&home).env("NOBL9_API_TOKEN", "t").env("NOBL9_ORG", "o");
        assert_eq!(resolve_with(&host, json!({})).unwrap().origin, Origin::Environment);
        let config = resolve_with(&host, json!({"context": "local"})).unwrap();
        assert!(matches!(config.origin, Origin::Sloctl { .. }));
        // NOBL9_ORG (the --org argument) still names the organization.
        assert_eq!(config.org.as_deref(), Some("o"));
    }

    #[test]
    fn xdg_config_home_is_looked_at_first() {
        let home = home_with(FILE);
        let xdg = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(xdg.path().join("nobl9")).unwrap();
        std::fs::write(xdg.path().join("nobl9/config.toml"), "[contexts.default]\naccessToken = \"xdg\"\n")
            .unwrap();
        let host = home_host(&home).env("XDG_CONFIG_HOME", xdg.path().to_str().unwrap());
        assert_eq!(resolve_with(&host, json!({})).unwrap().token, TokenSource::Static("xdg".into()));
        // NO_CONFIG_FILE disables both.
        let host = host.env("SLOCTL_NO_CONFIG_FILE", "true");
        assert_eq!(resolve_with(&host, json!({})).unwrap_err().message, NO_CREDENTIALS);
    }

    #[test]
    fn token_only_and_disable_okta_contexts() {
        let home = home_with(FILE);
        let config = resolve_with(&home_host(&home), json!({"context": "tokenonly"})).unwrap();
        assert_eq!(config.token, TokenSource::Static("cached".into()));
        let config = resolve_with(&home_host(&home), json!({"context": "offline"})).unwrap();
        assert_eq!(config.token, TokenSource::None);
        assert_eq!(config.api_root.as_deref(), Some("https://app.nobl9.com/api"));
    }

    #[test]
    fn a_missing_context_is_the_sdk_error() {
        let home = home_with(FILE);
        let err = resolve_with(&home_host(&home), json!({"context": "nope"})).unwrap_err();
        let path = home.path().join(".config/nobl9/config.toml");
        assert_eq!(
            err.message,
            format!("Context 'nope' was not set in the '{}' configuration file.", path.display())
        );
        assert_eq!(err.kind, ErrorKind::Config);
        // Without any file, an explicit context fails the same way (naming the default path).
        let empty = tempfile::tempdir().unwrap();
        let host = TestHost::new().env("HOME", empty.path().to_str().unwrap());
        let err = resolve_with(&host, json!({"context": "x"})).unwrap_err();
        assert!(err.message.starts_with("Context 'x' was not set in the '"), "{}", err.message);
    }

    #[test]
    fn an_explicit_context_without_credentials_says_so() {
        let home = home_with("[contexts.empty]\nproject = \"p\"\n");
        let err = resolve_with(&home_host(&home), json!({"context": "empty"})).unwrap_err();
        assert!(err.message.starts_with("sloctl context 'empty' in '"), "{}", err.message);
        assert!(err.message.ends_with("has no clientId and clientSecret (nor accessToken)"));
    }

    #[test]
    fn bad_toml_and_bad_timeouts_are_configuration_errors() {
        let home = home_with("[contexts.default\n");
        let err = resolve_with(&home_host(&home), json!({})).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Config);
        assert!(err.message.contains("is not valid TOML"), "{}", err.message);
        let home = home_with("[contexts.default]\naccessToken = \"t\"\ntimeout = \"soon\"\n");
        let err = resolve_with(&home_host(&home), json!({})).unwrap_err();
        assert_eq!(
            err.message,
            "sloctl context 'default': invalid timeout `soon` (e.g. 10s, 1m30s; at most 24h)"
        );
    }
}
