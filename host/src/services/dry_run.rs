//! Requests `--dry-run` held back, and how they are shown.

use serde::Serialize;
use serde_json::Value;
use statusctl_plugin_api::HttpRequest;

use super::redact::{self, Redactor};
use crate::output::{one_line, terminal_text};

/// A request that would have been sent, secrets masked.
#[derive(Debug, Clone, Serialize)]
pub struct PlannedRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
}

impl PlannedRequest {
    pub fn new(req: &HttpRequest, redactor: &Redactor) -> Self {
        redact::remember_url_password(&req.url, redactor);
        Self {
            method: req.method.clone(),
            url: redact::url(&req.url, &req.secret_query, redactor),
            headers: redact::headers(&req.headers, &req.secret_headers, redactor),
            body: req.body.as_deref().map(|b| redact::body(b, &req.secret_fields, redactor)),
        }
    }
}

/// Whether `--dry-run` lets this request through: reads, and what the plugin marked safe.
/// The text form: each request as method and URL, headers, a blank line and the body, with
/// control characters shown rather than acted on (a header value stays on its line).
pub fn render_text(planned: &[PlannedRequest]) -> String {
    let mut out = String::from("dry run: nothing was sent; this is what would be:\n");
    for req in planned {
        out.push('\n');
        out.push_str(&format!("{} {}\n", one_line(&req.method), one_line(&req.url)));
        for (name, value) in &req.headers {
            out.push_str(&format!("{}: {}\n", one_line(name), one_line(value)));
        }
        if let Some(body) = &req.body {
            out.push('\n');
            match body {
                Value::String(text) => out.push_str(&terminal_text(text)),
                json => out.push_str(&serde_json::to_string_pretty(json).unwrap_or_default()),
            }
            out.push('\n');
        }
    }
    out
}

/// The JSON form: an array of `{method, url, headers, body}` with headers as an object.
pub fn render_json(planned: &[PlannedRequest]) -> Value {
    Value::Array(
        planned
            .iter()
            .map(|req| {
                let headers: serde_json::Map<String, Value> =
                    req.headers.iter().map(|(n, v)| (n.clone(), Value::String(v.clone()))).collect();
                let mut obj = serde_json::json!({"method": req.method, "url": req.url, "headers": headers});
                if let Some(body) = &req.body {
                    obj["body"] = body.clone();
                }
                obj
            })
            .collect(),
    )
}
