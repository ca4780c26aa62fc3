//! Where credentials may go. A `./.env` lies in whatever directory the user stands in (a
//! cloned repository, a pull-request checkout): it may hold a credential, but it may not
//! choose where a credential from anywhere else is sent, or what is trusted.
//!
//! The rules, each applied before anything is sent:
//! - a value that decides where requests go or what is trusted (an argument or variable
//!   declared `endpoint` or `trust`, `SSL_CERT_FILE`, the profile variable) and comes from
//!   `./.env` is allowed only with a credential from that same file;
//! - as a backstop for plugins that declare nothing, a credential is never attached to a
//!   request whose origin appears only in `./.env` values, unless it came from that file;
//! - credentials never travel over plain `http://` to a host other than loopback unless the
//!   user allowed it (`--allow-http`, or `allow_http = true` in the plugin's profile table).

use std::path::{Path, PathBuf};

use statusctl_plugin_api::resolve::Source;

/// A value `./.env` supplied that decides where credentials go or what is trusted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DotenvChoice {
    pub var: String,
    pub file: PathBuf,
}

/// Whether a credential from `credential` may be used after `choices` were made: only when
/// it came from the very file that made them.
pub fn check_credential(choices: &[DotenvChoice], credential: &Source) -> Result<(), String> {
    let from = credential.dotenv_file();
    match choices.iter().find(|c| from != Some(&c.file)) {
        None => Ok(()),
        Some(choice) => Err(refusal(choice, &credential.to_string())),
    }
}

/// The one line for a refused `./.env` value.
pub fn refusal(choice: &DotenvChoice, credential: &str) -> String {
    format!(
        "{var} in {file} decides where credentials go or what is trusted, but the credential comes from \
         {credential}: a ./.env file may not choose where a credential from elsewhere is sent. Set {var} with \
         a flag, in the real environment or in the config file (or keep the credential in {file} too)",
        var = choice.var,
        file = choice.file.display()
    )
}

/// `scheme://host:port` of a URL, lower-cased, with the scheme's default port made explicit.
pub fn origin(url: &str) -> Option<String> {
    let parsed = reqwest::Url::parse(url.trim()).ok()?;
    let host = parsed.host_str()?.to_ascii_lowercase();
    let port = parsed.port_or_known_default()?;
    Some(format!("{}://{host}:{port}", parsed.scheme()))
}

/// Whether a URL's host is this machine: `localhost`, 127.0.0.0/8 or `::1`.
pub fn is_loopback(url: &str) -> bool {
    let Ok(parsed) = reqwest::Url::parse(url) else { return false };
    let Some(host) = parsed.host_str() else { return false };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The origins named by values of `./.env` (each value that is a URL).
pub fn origins_in<'a>(values: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut all: Vec<String> = values.into_iter().filter_map(origin).collect();
    all.sort();
    all.dedup();
    all
}

/// Whether `credential` is a file's secret from `file` (or read through a path from it).
pub fn from_file(credential: &Source, file: &Path) -> bool {
    credential.dotenv_file().is_some_and(|f| f == file)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dotenv(var: &str) -> Source {
        Source::Env { var: var.into(), file: Some(PathBuf::from("/w/.env")) }
    }

    #[test]
    fn a_dotenv_choice_needs_a_credential_from_the_same_file() {
        let choices = [DotenvChoice { var: "API_URL".into(), file: PathBuf::from("/w/.env") }];
        assert_eq!(check_credential(&choices, &dotenv("TOKEN")), Ok(()));
        let keyring = Source::Keyring { service: "s".into(), user: "me".into() };
        let err = check_credential(&choices, &keyring).unwrap_err();
        assert!(err.starts_with("API_URL in /w/.env decides where credentials go"), "{err}");
        assert!(err.contains("the credential comes from keyring (s, user me)"), "{err}");
        let file = Source::File { path: "/t".into(), via: Box::new(dotenv("TOKEN_FILE")) };
        assert_eq!(check_credential(&choices, &file), Ok(()));
        assert_eq!(check_credential(&[], &keyring), Ok(()));
    }

    #[test]
    fn origins_and_loopback() {
        assert_eq!(origin("https://API.test/v1?x=1").as_deref(), Some("https://api.test:443"));
        assert_eq!(origin("http://10.0.0.1:8080/x").as_deref(), Some("http://10.0.0.1:8080"));
        assert_eq!(origin("not a url"), None);
        assert!(
            is_loopback("http://127.0.0.2:1/x")
                && is_loopback("http://localhost/")
                && is_loopback("http://[::1]/")
        );
        assert!(!is_loopback("http://attacker.test/") && !is_loopback("http://10.0.0.1/"));
        assert_eq!(origins_in(["http://a.test/x", "zzz", "http://a.test/y"]), ["http://a.test:80"]);
    }
}
