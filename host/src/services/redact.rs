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

/// A URL with declared secret query parameters masked.
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
    redactor.scrub(&shown).into_owned()
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
        let b = body(r#"{"a":{"client_secret":"x"},"b":[1]}"#, &["client_secret".into()], &r);
        assert_eq!(b, serde_json::json!({"a":{"client_secret":"***"},"b":[1]}));
    }
}
