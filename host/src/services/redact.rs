//! Keeping secrets out of everything the host prints.
//!
//! Two layers: by structure (the Authorization header, and headers, query parameters and
//! JSON fields declared secret are always masked) and by value (known secrets of 8 or more
//! characters are scrubbed from any text; shorter ones would blank out innocent words).

use std::borrow::Cow;
use std::sync::{Arc, RwLock};

use serde_json::Value;

pub const MASK: &str = "***";
const MIN_SCRUB_LEN: usize = 8;

/// Known secret values, shared by the log writer and every printer.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    secrets: Arc<RwLock<Vec<String>>>,
}

impl Redactor {
    /// Remembers a secret, with the forms it takes once printed inside JSON or a URL.
    pub fn add(&self, secret: &str) {
        let secret = secret.trim();
        if secret.chars().count() < MIN_SCRUB_LEN {
            return;
        }
        let json = serde_json::to_string(secret).unwrap_or_default();
        let forms = [secret.to_owned(), json.trim_matches('"').to_owned(), percent_encoded(secret)];
        let mut secrets = self.secrets.write().unwrap_or_else(|e| e.into_inner());
        for form in forms {
            if !secrets.contains(&form) {
                secrets.push(form);
            }
        }
        // Longest first, so a secret containing another is masked whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }

    pub fn scrub<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let secrets = self.secrets.read().unwrap_or_else(|e| e.into_inner());
        let mut out = Cow::Borrowed(text);
        for secret in secrets.iter() {
            if out.contains(secret.as_str()) {
                out = Cow::Owned(out.replace(secret.as_str(), MASK));
            }
        }
        out
    }
}

/// How a value looks in a query string.
fn percent_encoded(value: &str) -> String {
    let mut url = reqwest::Url::parse("x:").expect("a valid URL");
    url.query_pairs_mut().append_pair("", value);
    url.query().unwrap_or_default().trim_start_matches('=').to_owned()
}

/// Whether a header's value is secret by nature or by declaration.
pub fn is_secret_header(name: &str, declared: &[String]) -> bool {
    const ALWAYS: [&str; 4] = ["authorization", "proxy-authorization", "cookie", "x-api-key"];
    ALWAYS.iter().any(|h| h.eq_ignore_ascii_case(name))
        || declared.iter().any(|d| d.eq_ignore_ascii_case(name))
}

/// Headers with secret values masked (the scheme word of Authorization is kept: `OAuth ***`).
pub fn headers(
    headers: &[(String, String)],
    declared: &[String],
    redactor: &Redactor,
) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            let shown = if is_secret_header(name, declared) {
                match value.split_once(' ') {
                    Some((scheme, _)) if name.eq_ignore_ascii_case("authorization") => {
                        format!("{scheme} {MASK}")
                    }
                    _ => MASK.to_string(),
                }
            } else {
                redactor.scrub(value).into_owned()
            };
            (name.clone(), shown)
        })
        .collect()
}

/// A URL with the password of its userinfo (`https://user:secret@host/`) and its declared
/// secret query parameters masked, and known secrets scrubbed. Works on text that is not a
/// valid URL too (the userinfo is found by hand), for messages about a bad one.
pub fn url(raw: &str, secret_query: &[String], redactor: &Redactor) -> String {
    let shown = match reqwest::Url::parse(raw) {
        Ok(mut parsed) if parsed.query().is_some() && !secret_query.is_empty() => {
            let pairs: Vec<(String, String)> = parsed
                .query_pairs()
                .map(|(k, v)| {
                    let v =
                        if secret_query.iter().any(|s| *s == k) { MASK.to_string() } else { v.into_owned() };
                    (k.into_owned(), v)
                })
                .collect();
            parsed.query_pairs_mut().clear().extend_pairs(pairs);
            parsed.to_string().replace("%2A%2A%2A", MASK)
        }
        _ => raw.to_string(),
    };
    let shown = mask_userinfo(&shown);
    redactor.scrub(&shown).into_owned()
}

/// The userinfo's password replaced by [`MASK`] (the user name is kept: it says which
/// account without being the secret).
fn mask_userinfo(url: &str) -> Cow<'_, str> {
    let Some(start) = url.find("://").map(|i| i + 3) else { return Cow::Borrowed(url) };
    let rest = &url[start..];
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let Some(at) = authority.rfind('@') else { return Cow::Borrowed(url) };
    let Some(colon) = authority[..at].find(':') else { return Cow::Borrowed(url) };
    Cow::Owned(format!("{}{MASK}{}", &url[..start + colon + 1], &url[start + at..]))
}

/// Remembers the password of `raw`'s userinfo as a secret (as written, decoded, and as the
/// `Basic` credential the client makes of it), so that it is scrubbed wherever else it
/// shows up (a server echoing the request, say).
pub fn remember_url_password(raw: &str, redactor: &Redactor) {
    if let Ok(parsed) = reqwest::Url::parse(raw)
        && let Some(password) = parsed.password()
    {
        let decoded = percent_decoded(password);
        redactor.add(password);
        redactor.add(&decoded);
        let basic = format!("{}:{decoded}", percent_decoded(parsed.username()));
        redactor.add(&base64(basic.as_bytes()));
    }
}

/// Standard base64 with padding, as HTTP Basic credentials are written.
fn base64(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for group in bytes.chunks(3) {
        let n = group.iter().enumerate().fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= group.len() {
                out.push(char::from(DIGITS[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A request body for display: JSON with declared fields masked at any depth, or scrubbed text.
pub fn body(raw: &str, secret_fields: &[String], redactor: &Redactor) -> Value {
    match serde_json::from_str::<Value>(raw) {
        Ok(mut value) => {
            mask_fields(&mut value, secret_fields, redactor);
            value
        }
        Err(_) => Value::String(redactor.scrub(raw).into_owned()),
    }
}

fn mask_fields(value: &mut Value, fields: &[String], redactor: &Redactor) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if fields.iter().any(|f| f == key) {
                    *v = Value::String(MASK.into());
                } else {
                    mask_fields(v, fields, redactor);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| mask_fields(v, fields, redactor)),
        Value::String(s) => {
            if let Cow::Owned(scrubbed) = redactor.scrub(s) {
                *s = scrubbed;
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_secrets_are_not_scrubbed_from_text() {
        let r = Redactor::default();
        r.add("T");
        r.add("s3cr3t-token-value");
        assert_eq!(r.scrub("Title: s3cr3t-token-value"), "Title: ***");
    }

    #[test]
    fn escaped_and_encoded_forms_are_scrubbed_too() {
        let r = Redactor::default();
        r.add(r#"abc"def\ghi jkl"#);
        assert_eq!(r.scrub(r#"{"t":"abc\"def\\ghi jkl"}"#), r#"{"t":"***"}"#);
        assert_eq!(r.scrub("?k=abc%22def%5Cghi+jkl"), "?k=***");
    }

    #[test]
    fn structure_is_masked() {
        let r = Redactor::default();
        let h = headers(
            &[
                ("Authorization".into(), "OAuth abc".into()),
                ("X-Key".into(), "k".into()),
                ("A".into(), "b".into()),
            ],
            &["x-key".into()],
            &r,
        );
        assert_eq!(h[0].1, "OAuth ***");
        assert_eq!(h[1].1, "***");
        assert_eq!(h[2].1, "b");
        assert_eq!(url("http://h/p?api_key=abc&x=1", &["api_key".into()], &r), "http://h/p?api_key=***&x=1");
        assert_eq!(url("https://u:pw@h:8/p?q=1", &[], &r), "https://u:***@h:8/p?q=1");
        assert_eq!(url("https://u:p@w@h/p?k=v", &["k".into()], &r), "https://u:***@h/p?k=***");
        assert_eq!(url("http://u:pw@bad host/p@x", &[], &r), "http://u:***@bad host/p@x");
        assert_eq!(url("https://user@h/p", &[], &r), "https://user@h/p");
        assert_eq!(url("https://h/p?u=a:b@c", &[], &r), "https://h/p?u=a:b@c");
        remember_url_password("https://u:long%2Fpassword@h/", &r);
        assert_eq!(r.scrub("echo long/password and long%2Fpassword"), "echo *** and ***");
        // The Basic credential of `u:long/password`.
        assert_eq!(r.scrub("Basic dTpsb25nL3Bhc3N3b3Jk"), "Basic ***");
        assert_eq!([base64(b"a"), base64(b"ab"), base64(b"abc")], ["YQ==", "YWI=", "YWJj"]);
        let b = body(r#"{"a":{"client_secret":"x"},"b":[1]}"#, &["client_secret".into()], &r);
        assert_eq!(b, serde_json::json!({"a":{"client_secret":"***"},"b":[1]}));
    }
}
