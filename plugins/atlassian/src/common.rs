//! What every command shares: the Conan common flags, and turning them into a client.

use statusctl_plugin_api::{ArgDecl, Call, Error, SecretRequest};

use crate::client::Client;

pub const DEFAULT_API_URL: &str = "https://api.statuspage.io/v1";

/// `-tk -p -g -ku -ks` as in Conan, plus `--api-url`.
pub fn args() -> Vec<ArgDecl> {
    vec![
        ArgDecl::value("token")
            .dash_alias("tk")
            .secret()
            .help("API token [else env STATUSPAGE_TOKEN, profile key token, then the keyring]"),
        ArgDecl::value("page").short('p').env("STATUSPAGE_PAGE_ID").from_profile().help("Page id"),
        ArgDecl::flag("ignore_ssl").short('g').help("Do not verify the server's TLS certificate"),
        ArgDecl::value("keychain_user").dash_alias("ku").help("Keyring user [default: your login name]"),
        ArgDecl::value("keychain_service")
            .dash_alias("ks")
            .default_value("statuspage-token")
            .help("Keyring service holding the token"),
        ArgDecl::value("api_url")
            .env("STATUSPAGE_API_URL")
            .from_profile()
            .default_value(DEFAULT_API_URL)
            .help("API base URL, /v1 included"),
    ]
}

/// The token (checked first, as Conan did), then the page: both are configuration (exit 4).
pub fn connect<'a, 'h>(call: &'a Call<'h>) -> Result<(Client<'a, 'h>, String), Error> {
    let client = client(call)?;
    let page = call
        .args
        .str("page")
        .filter(|p| !p.is_empty())
        .ok_or_else(|| Error::config("Status Page ID is required."))?
        .to_string();
    Ok((client, page))
}

/// A client without a page (for `list_pages`).
pub fn client<'a, 'h>(call: &'a Call<'h>) -> Result<Client<'a, 'h>, Error> {
    let user = call
        .args
        .str("keychain_user")
        .map(str::to_string)
        .or_else(|| call.host.env("USER"))
        .or_else(|| call.host.env("USERNAME"))
        .unwrap_or_default();
    let service = call.args.str("keychain_service").unwrap_or("statuspage-token");
    let token = call
        .host
        .secret(
            &SecretRequest::new("Statuspage API token")
                .arg("token")
                .env("STATUSPAGE_TOKEN")
                .profile_key("token")
                .keyring(service, &user),
        )?
        .ok_or_else(|| Error::config("Status Page API token is required."))?;
    let base = call.args.str("api_url").unwrap_or(DEFAULT_API_URL).trim_end_matches('/').to_string();
    Ok(Client::new(&call.host, base, token.value, call.args.flag("ignore_ssl")))
}

/// The message: `--message`, or `--message-file FILE` (`-` = stdin).
pub fn message(call: &Call<'_>) -> Result<Option<String>, Error> {
    if let Some(path) = call.args.str("message_file") {
        let text = if path == "-" {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
                .map_err(|e| Error::usage(format!("cannot read the message from stdin: {e}")))?;
            text
        } else {
            std::fs::read_to_string(path)
                .map_err(|e| Error::usage(format!("cannot read --message-file {path}: {e}")))?
        };
        let text = text.trim_end_matches(['\n', '\r']).to_string();
        return check_message(text).map(Some);
    }
    call.args.str("message").map(|m| check_message(m.to_string())).transpose()
}

fn check_message(text: String) -> Result<String, Error> {
    let chars = text.chars().count();
    if chars > 25_000 {
        return Err(Error::usage(format!(
            "the message is {chars} characters long; Statuspage allows 25,000"
        )));
    }
    Ok(text)
}

/// A title: present (unless `optional`), not blank, at most 255 characters.
pub fn title(call: &Call<'_>, optional: bool) -> Result<Option<String>, Error> {
    match call.args.str("title") {
        None if optional => Ok(None),
        None => Err(Error::usage("Incident title is required.")),
        Some(t) if t.trim().is_empty() => Err(Error::usage("the title is empty")),
        Some(t) if t.chars().count() > 255 => Err(Error::usage(format!(
            "the title is {} characters long; Statuspage allows 255",
            t.chars().count()
        ))),
        Some(t) => Ok(Some(t.to_string())),
    }
}

pub fn incident_id(call: &Call<'_>) -> Result<String, Error> {
    call.args
        .str("incident")
        .filter(|i| !i.is_empty())
        .map(str::to_string)
        .ok_or_else(|| Error::usage("Incident ID is required."))
}

pub fn message_args() -> Vec<ArgDecl> {
    vec![
        ArgDecl::value("message")
            .short('m')
            .conflicts_with("message_file")
            .help("Message (an incident update)"),
        ArgDecl::value("message_file")
            .path()
            .value_name("FILE")
            .help("Read the message from FILE (- for stdin)"),
    ]
}

pub const COMPONENT_STATUSES: [&str; 4] =
    ["operational", "degraded_performance", "partial_outage", "major_outage"];
