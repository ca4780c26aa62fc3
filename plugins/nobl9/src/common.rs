//! What every command shares: the connection flags, and turning them into a client.

use statusctl_plugin_api::{ArgDecl, Call, Error};

use crate::client::Client;
use crate::config;
use crate::token::TokenCache;

/// `--base-url --org --client-id` (the scripts' variables, or profile keys) and the sloctl
/// selectors `--context --nobl9-config`. Secrets have no flag: environment, profile or keyring.
pub fn args() -> Vec<ArgDecl> {
    vec![
        ArgDecl::value("base_url")
            .env("NOBL9_BASE_URL")
            .from_profile()
            .value_name("URL")
            .help("Nobl9 instance, without /api [default: https://app.nobl9.com]"),
        ArgDecl::value("org").env("NOBL9_ORG").from_profile().help("Organization id"),
        ArgDecl::value("client_id")
            .env("NOBL9_CLIENT_ID")
            .from_profile()
            .help("Client id [secret: env NOBL9_CLIENT_SECRET, profile key client_secret, keyring nobl9-client-secret]"),
        ArgDecl::value("context").value_name("NAME").help("Use this sloctl context [default: its defaultContext]"),
        ArgDecl::value("nobl9_config")
            .path()
            .value_name("FILE")
            .help("sloctl configuration file [default: ~/.config/nobl9/config.toml]"),
    ]
}

pub fn connect<'a, 'h>(call: &'a Call<'h>, tokens: &'a TokenCache) -> Result<Client<'a, 'h>, Error> {
    Ok(Client::new(&call.host, tokens, config::resolve(call)?))
}

/// A positional or value argument the command needs (the host enforces `required` ones;
/// this covers values made empty).
pub fn required(call: &Call<'_>, id: &str, what: &str) -> Result<String, Error> {
    config::arg(call, id).ok_or_else(|| Error::usage(format!("{what} is required")))
}

pub fn comment_arg() -> ArgDecl {
    ArgDecl::value("comment").value_name("TEXT").help("Comment describing the change")
}

pub fn propagate_arg() -> ArgDecl {
    ArgDecl::flag("propagate").help("Propagate the status change to parent components")
}

/// `-c COMPONENT` of the shared incident vocabulary (Nobl9 keys incidents by component).
pub fn component_arg() -> ArgDecl {
    ArgDecl::value("component")
        .short('c')
        .required()
        .value_name("COMPONENT")
        .help("Component id or exact name")
}

/// `--severity`, also spelled as Statuspage's `-cs` / `--component-status`.
pub fn severity_arg() -> ArgDecl {
    ArgDecl::value("severity")
        .dash_alias("cs")
        .long_alias("component-status")
        .value_name("SEVERITY")
        .help("degradedPerformance or majorOutage (degraded_performance, major_outage accepted)")
}

pub fn message_arg() -> ArgDecl {
    ArgDecl::value("message").short('m').value_name("TEXT").help("Comment recorded with the status change")
}
