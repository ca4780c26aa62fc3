//! What every command shares: the Conan common flags, and turning them into a client.

use std::io::Read;

use serde::Deserialize;
use statusctl_plugin_api::{ArgDecl, Call, Error, SecretRequest};

use crate::client::Client;

pub const DEFAULT_API_URL: &str = "https://api.statuspage.io/v1";
pub const TOKEN_ENV: &str = "STATUSPAGE_TOKEN";
pub const TOKEN_FILE_ENV: &str = "STATUSPAGE_TOKEN_FILE";
const DEFAULT_KEYRING_SERVICE: &str = "statuspage-token";

/// `-tk -p -g -ku -ks` as in Conan, plus `--api-url`.
pub fn args() -> Vec<ArgDecl> {
    vec![
        ArgDecl::value("token")
            .dash_alias("tk")
            .secret()
            .help("API token [else env STATUSPAGE_TOKEN, profile key token, then the keyring]"),
        ArgDecl::value("page").short('p').env("STATUSPAGE_PAGE_ID").from_profile().help("Page id"),
        ArgDecl::flag("ignore_ssl").short('g').trust().help("Do not verify the server's TLS certificate"),
        ArgDecl::value("keychain_user")
            .dash_alias("ku")
            .trust()
            .help("Keyring user [default: your login name]"),
        ArgDecl::value("keychain_service")
            .dash_alias("ks")
            .trust()
            .default_value(DEFAULT_KEYRING_SERVICE)
            .help("Keyring service holding the token"),
        ArgDecl::value("api_url")
            .env("STATUSPAGE_API_URL")
            .from_profile()
            .endpoint()
            .default_value(DEFAULT_API_URL)
            .help("API base URL, /v1 included"),
    ]
}

/// The common flags but the token, which only the secret chain reads.
#[derive(Deserialize)]
struct Connection {
    page: Option<String>,
    #[serde(default)]
    ignore_ssl: bool,
    keychain_user: Option<String>,
    keychain_service: Option<String>,
    api_url: Option<String>,
}

/// The token (checked first, as Conan did), then the page: both are configuration (exit 4).
pub fn connect<'a, 'h>(call: &'a Call<'h>) -> Result<(Client<'a, 'h>, String), Error> {
    let (client, connection) = open(call)?;
    let page = connection
        .page
        .filter(|p| !p.is_empty())
        .ok_or_else(|| Error::config("Status Page ID is required."))?;
    Ok((client, page))
}

/// A client without a page (for `list_pages`).
pub fn client<'a, 'h>(call: &'a Call<'h>) -> Result<Client<'a, 'h>, Error> {
    Ok(open(call)?.0)
}

fn open<'a, 'h>(call: &'a Call<'h>) -> Result<(Client<'a, 'h>, Connection), Error> {
    let mut connection: Connection = call.args.parse()?;
    let service = connection.keychain_service.as_deref().unwrap_or(DEFAULT_KEYRING_SERVICE);
    // No -ku: the host's login name (an empty user).
    let user = connection.keychain_user.as_deref().unwrap_or("");
    let token = call.host.require_secret(
        &SecretRequest::new("Statuspage API token")
            .arg("token")
            .env(TOKEN_ENV)
            .profile_key("token")
            .keyring(service, user),
        "Status Page API token is required.",
    )?;
    let base = connection.api_url.take().unwrap_or_else(|| DEFAULT_API_URL.into());
    let base = base.trim_end_matches('/').to_string();
    Ok((Client::new(&call.host, base, token.value, connection.ignore_ssl), connection))
}

/// `-m` or `--message-file FILE` (`-` = stdin).
#[derive(Deserialize)]
pub struct MessageArgs {
    message: Option<String>,
    message_file: Option<String>,
}

/// The longest message Statuspage takes, in characters.
pub const MAX_MESSAGE_CHARS: usize = 25_000;
/// The most a message file is read: enough bytes for one character more than allowed (a
/// character is at most 4 bytes), so `--message-file /dev/zero` ends at once as too long.
const MAX_MESSAGE_BYTES: u64 = 4 * (MAX_MESSAGE_CHARS as u64 + 1);

impl MessageArgs {
    /// The message, at most 25,000 characters, with no NUL (newlines and tabs are fine).
    pub fn read(&self) -> Result<Option<String>, Error> {
        if let Some(path) = &self.message_file {
            let read = if path == "-" {
                read_bounded(std::io::stdin().lock())
                    .map_err(|e| Error::usage(format!("cannot read the message from stdin: {e}")))?
            } else {
                std::fs::File::open(path)
                    .and_then(read_bounded)
                    .map_err(|e| Error::usage(format!("cannot read --message-file {path}: {e}")))?
            };
            let text = match read {
                Bounded::Whole(text) => text.trim_end_matches(['\n', '\r']).to_string(),
                Bounded::TooLong => {
                    return Err(Error::usage(format!(
                        "the message is more than {MAX_MESSAGE_CHARS} characters long; Statuspage allows 25,000"
                    )));
                }
            };
            return check_message(text).map(Some);
        }
        self.message.clone().map(check_message).transpose()
    }
}

enum Bounded {
    Whole(String),
    /// More bytes than [`MAX_MESSAGE_BYTES`]: more characters than allowed.
    TooLong,
}

/// Reads at most [`MAX_MESSAGE_BYTES`] (+1 to know there is more) as UTF-8.
fn read_bounded(from: impl Read) -> std::io::Result<Bounded> {
    let mut bytes = Vec::new();
    from.take(MAX_MESSAGE_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_MESSAGE_BYTES {
        return Ok(Bounded::TooLong);
    }
    String::from_utf8(bytes)
        .map(Bounded::Whole)
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "the text is not UTF-8"))
}

fn check_message(text: String) -> Result<String, Error> {
    let chars = text.chars().count();
    if chars > MAX_MESSAGE_CHARS {
        return Err(Error::usage(format!(
            "the message is {chars} characters long; Statuspage allows 25,000"
        )));
    }
    if text.contains('\0') {
        return Err(Error::usage("the message contains a NUL character (U+0000)"));
    }
    Ok(text)
}

/// A title: present (unless `optional`), not blank, one line of at most 255 characters
/// without control characters.
pub fn title(title: Option<&str>, optional: bool) -> Result<Option<String>, Error> {
    match title {
        None if optional => Ok(None),
        None => Err(Error::usage("Incident title is required.")),
        Some(t) if t.trim().is_empty() => Err(Error::usage("the title is empty")),
        Some(t) if t.chars().count() > 255 => Err(Error::usage(format!(
            "the title is {} characters long; Statuspage allows 255",
            t.chars().count()
        ))),
        Some(t) => match t.chars().find(|c| c.is_control()) {
            Some(c) => Err(Error::usage(format!(
                "the title contains a control character (U+{:04X}); a title is one line of text",
                u32::from(c)
            ))),
            None => Ok(Some(t.to_string())),
        },
    }
}

/// `-ic`, required (checked here, after the token and the page, as Conan did).
pub fn incident_id(incident: Option<&str>) -> Result<String, Error> {
    incident
        .filter(|i| !i.is_empty())
        .map(str::to_string)
        .ok_or_else(|| Error::usage("Incident ID is required."))
}

pub fn incident_arg(help: &str) -> ArgDecl {
    ArgDecl::value("incident").dash_alias("ic").help(help)
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

#[cfg(test)]
mod tests {
    use statusctl_plugin_api::serde_json::json;
    use statusctl_plugin_api::testing::{Reply, TestHost};

    use crate::Statuspage;

    #[test]
    fn the_keyring_user_is_the_hosts_login_name_unless_ku_names_one() {
        // The host decides the login name (here `ops`); the plugin asks with an empty user.
        let host = TestHost::new()
            .login_name("ops")
            .keyring("statuspage-token", "", "from-keyring-1")
            .reply(Reply::json(200, &json!([])))
            .reply(Reply::json(200, &json!({"name": "P"})))
            .reply(Reply::json(200, &json!([])));
        host.run::<Statuspage>("list_pages", &[]).unwrap();
        host.run::<Statuspage>("test_connection", &["-p", "page1"]).unwrap();
        assert!(host.requests().iter().all(|r| r.unmasked.headers[0].1 == "OAuth from-keyring-1"));
        let asked = host.secret_requests();
        assert_eq!(asked.len(), 2);
        assert_eq!(asked[0].keyring, Some(("statuspage-token".into(), String::new())));
        assert_eq!(asked[0].env, ["STATUSPAGE_TOKEN"]);

        let host = TestHost::new()
            .keyring("other-service", "someone", "from-keyring-2")
            .reply(Reply::json(200, &json!([])))
            .reply(Reply::json(200, &json!({"name": "P"})))
            .reply(Reply::json(200, &json!([])));
        let words = ["-ks", "other-service", "-ku", "someone"];
        host.run::<Statuspage>("list_pages", &words).unwrap();
        let mut all = vec!["-p", "page1"];
        all.extend_from_slice(&words);
        host.run::<Statuspage>("test_connection", &all).unwrap();
        assert!(host.requests().iter().all(|r| r.unmasked.headers[0].1 == "OAuth from-keyring-2"));
    }

    #[test]
    fn the_token_chain_reads_the_environment_and_a_token_file() {
        let dir = std::env::temp_dir().join(format!("statuspage-token-{}", std::process::id()));
        std::fs::write(&dir, "from-file-1\n").unwrap();
        let host = TestHost::new()
            .env("STATUSPAGE_TOKEN_FILE", dir.to_str().unwrap())
            .env("STATUSPAGE_PAGE_ID", "page1")
            .reply(Reply::json(200, &json!({"name": "P", "url": "https://status.example"})))
            .reply(Reply::json(200, &json!([{"id": "a", "group": false}, {"id": "g", "group": true}])));
        let out = host.run::<Statuspage>("test_connection", &[]).unwrap();
        std::fs::remove_file(&dir).ok();
        assert_eq!(host.requests()[0].unmasked.headers[0].1, "OAuth from-file-1");
        assert_eq!(
            out.text.as_deref(),
            Some(
                "API: https://api.statuspage.io/v1\nPage: P (page1)\nURL: https://status.example\nComponents: 1\n\
                 Token: accepted\n"
            )
        );
    }
}
