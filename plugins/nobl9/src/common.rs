//! What every command shares: the connection flags, and turning them into a client.

use statusctl_plugin_api::{ArgDecl, Call, Error};

use crate::Nobl9;
use crate::client::Client;
use crate::config;

/// `--base-url --org --client-id` (the scripts' variables, or profile keys) and the sloctl
/// selectors `--context --nobl9-config`. Secrets have no flag: environment, profile or keyring.
pub fn args() -> Vec<ArgDecl> {
    vec![
        ArgDecl::value("base_url")
            .endpoint()
            .env("NOBL9_BASE_URL")
            .from_profile()
            .value_name("URL")
            .help("Nobl9 instance, without /api [default: https://app.nobl9.com]"),
        ArgDecl::value("org").env("NOBL9_ORG").from_profile().help("Organization id"),
        // The client secret's keyring entry is the client id's: the id selects a credential.
        ArgDecl::value("client_id")
            .trust()
            .env("NOBL9_CLIENT_ID")
            .from_profile()
            .help("Client id [secret: env NOBL9_CLIENT_SECRET, profile key client_secret, keyring nobl9-client-secret]"),
        // Both pick the file and the context the credentials come from.
        ArgDecl::value("context")
            .trust()
            .value_name("NAME")
            .help("Use this sloctl context [default: its defaultContext]"),
        ArgDecl::value("nobl9_config")
            .trust()
            .path()
            .value_name("FILE")
            .help("sloctl configuration file [default: ~/.config/nobl9/config.toml]"),
    ]
}

/// A client for the call, with the plugin's token cache.
pub fn connect<'a, 'h>(call: &'a Call<'h>, plugin: &'a Nobl9) -> Result<Client<'a, 'h>, Error> {
    Ok(Client::new(&call.host, &plugin.tokens, config::resolve(call)?))
}

/// A value the command needs, trimmed (the host enforces `required` arguments; this covers
/// values given empty).
pub fn required(value: &str, what: &str) -> Result<String, Error> {
    Some(value.trim())
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .ok_or_else(|| Error::usage(format!("{what} is required")))
}

/// A title: one line of text, without control characters.
pub fn one_line(text: &str, what: &str) -> Result<(), Error> {
    match text.chars().find(|c| c.is_control()) {
        Some(c) => Err(Error::usage(format!(
            "{what} contains a control character (U+{:04X}); a title is one line of text",
            u32::from(c)
        ))),
        None => Ok(()),
    }
}

/// A pair of opposite flags as a query value: `true` for the first, `false` for the second,
/// nothing for neither; both are a usage error.
pub fn true_or_false(yes: (bool, &str), no: (bool, &str)) -> Result<Option<&'static str>, Error> {
    match (yes.0, no.0) {
        (true, true) => Err(Error::usage(format!("{} and {} cannot be used together", yes.1, no.1))),
        (true, false) => Ok(Some("true")),
        (false, true) => Ok(Some("false")),
        (false, false) => Ok(None),
    }
}

/// `COMPONENT`, the positional of the scripts' commands.
pub fn component_positional() -> ArgDecl {
    ArgDecl::positional("component").required().value_name("COMPONENT").help("Component id or exact name")
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
