//! Fixtures for the unit tests, on the SDK's test kit (`statusctl_plugin_api::testing`): the
//! scripts' environment, the URLs of the fake instance, a sample component tree, and a client
//! configured as the scripts' environment configures it.

use statusctl_plugin_api::serde_json::{Value, json};
use statusctl_plugin_api::testing::{Reply, TestHost};

use crate::client::Client;
use crate::config::{Config, Origin, TokenSource};
use crate::token::TokenCache;

/// The pre-generated token of [`scripted`] (the test kit masks it in what it records).
pub const TOKEN: &str = "n9-api-token";
pub const API_ID: &str = "4c91326b-81f3-47aa-b2b7-da2d1da3e298";
pub const DB_ID: &str = "0a1b2c3d-0000-4000-8000-00000000000d";
pub const PLATFORM_ID: &str = "11111111-1111-4111-8111-111111111111";

/// The scripts' configuration with a pre-generated token (no token exchange), on `http://n9`.
pub fn scripted() -> TestHost {
    TestHost::new().env("NOBL9_API_TOKEN", TOKEN).env("NOBL9_ORG", "acme").env("NOBL9_BASE_URL", "http://n9")
}

/// The scripts' configuration with client credentials `cid` / `csecret`, on `http://n9`.
pub fn with_client_credentials() -> TestHost {
    TestHost::new()
        .env("NOBL9_CLIENT_ID", "cid")
        .env("NOBL9_CLIENT_SECRET", "csecret")
        .env("NOBL9_ORG", "acme")
        .env("NOBL9_BASE_URL", "http://n9")
}

/// The URL of an API path on the fake instance.
pub fn api(path: &str) -> String {
    format!("http://n9/api/dashboards/v1{path}")
}

/// `METHOD` and the URL of an API path, as [`TestHost::lines`] shows a request.
pub fn line(method: &str, path: &str) -> String {
    format!("{method} {}", api(path))
}

/// A 200 answer with a JSON body.
pub fn ok(body: Value) -> Reply {
    Reply::json(200, &body)
}

/// A tree with a parent, two children and a name used twice.
pub fn sample_tree() -> Value {
    json!({"components": [
        {"id": PLATFORM_ID, "name": "Platform", "description": "All of it",
         "status": "degradedPerformance", "children": [
            {"id": API_ID, "name": "API Service", "description": "Public API", "status": "degradedPerformance", "children": []},
            {"id": DB_ID, "name": "Database", "status": "operational"},
            {"id": "22222222-2222-4222-8222-222222222222", "name": "Cache", "status": "operational"}
        ]},
        {"id": "33333333-3333-4333-8333-333333333333", "name": "Cache", "status": "operational", "children": []}
    ]})
}

/// Runs `f` with a client configured as [`scripted`] configures one: token [`TOKEN`],
/// organization `acme`, API `http://n9/api`.
pub fn env_client<R>(host: &TestHost, f: impl FnOnce(&Client<'_, '_>) -> R) -> R {
    let config = Config {
        origin: Origin::Environment,
        api_root: Some("http://n9/api".into()),
        org: Some("acme".into()),
        client: None,
        token: TokenSource::Static(TOKEN.into()),
        timeout_secs: None,
    };
    let tokens = TokenCache::default();
    host.with_host(|h| f(&Client::new(h, &tokens, config)))
}
