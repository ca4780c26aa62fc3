//! Requests to the Statuspage API through the host: OAuth header, the token's rate-limit
//! budget, and one clear line for every error status.

use statusctl_plugin_api::{Error, Host, HttpRequest, HttpResponse, RateLimit, serde_json::Value};

pub struct Client<'a, 'h> {
    host: &'a Host<'h>,
    base: String,
    token: String,
    insecure: bool,
}

impl<'a, 'h> Client<'a, 'h> {
    pub fn new(host: &'a Host<'h>, base: String, token: String, insecure: bool) -> Self {
        Self { host, base, token, insecure }
    }

    /// A request to `base + path` (appended as text: the base includes `/v1`).
    pub fn request(&self, method: &str, path: &str) -> HttpRequest {
        HttpRequest::new(method, format!("{}{path}", self.base))
            .secret_header("Authorization", format!("OAuth {}", self.token))
            .rate_limit(budget())
            .secret_query("api_key")
            .insecure_tls(self.insecure)
    }

    pub fn host_warn(&self, message: &str) {
        self.host.warn(message);
    }

    pub fn send(&self, req: &HttpRequest) -> Result<HttpResponse, Error> {
        self.host.http(req)
    }

    /// Sends and returns the JSON of a 2xx answer; any other status is an error.
    pub fn json(&self, req: &HttpRequest) -> Result<Value, Error> {
        let resp = self.send(req)?;
        checked(req, resp)?.json()
    }

    pub fn get(&self, path: &str) -> Result<Value, Error> {
        self.json(&self.request("GET", path))
    }

    /// Every item of a paged list (`page` from 1, `per_page` 100) until a short page, or
    /// until `limit` items.
    pub fn get_all(&self, path: &str, extra_query: &str, limit: Option<usize>) -> Result<Vec<Value>, Error> {
        let mut items = Vec::new();
        for page in 1.. {
            let sep = if path.contains('?') { '&' } else { '?' };
            let value = self.get(&format!("{path}{sep}page={page}&per_page=100{extra_query}"))?;
            let batch = value
                .as_array()
                .cloned()
                .ok_or_else(|| Error::failed(format!("GET {path}: expected a list")))?;
            let short = batch.len() < 100;
            items.extend(batch);
            if short || limit.is_some_and(|l| items.len() >= l) {
                break;
            }
        }
        if let Some(limit) = limit {
            items.truncate(limit);
        }
        Ok(items)
    }
}

/// The API allows 60 requests per token in any rolling 60 s; the host's pacing counts the
/// same way, so commands of a few requests never wait and long jobs never hit the limit.
pub fn budget() -> RateLimit {
    RateLimit::new("statuspage", 60, 60.0)
}

/// A 2xx answer, or one line: method, path, status, the API's message and what to check.
pub fn checked(req: &HttpRequest, resp: HttpResponse) -> Result<HttpResponse, Error> {
    if resp.is_success() {
        return Ok(resp);
    }
    let api_message = api_message(&resp.body);
    let path = req.url.split_once("/v1").map_or(req.url.as_str(), |(_, p)| p);
    let path = path.split('?').next().unwrap_or(path);
    let mut line = format!("{} {path}: {} {}", req.method, resp.status, reason(resp.status));
    if !api_message.is_empty() {
        line.push_str(&format!(": {api_message}"));
    }
    let hint = match resp.status {
        401 => " (check the token, and that it belongs to this page)",
        403 => " (the token may not do this)",
        404 => " (check the page and incident or component ids)",
        420 | 429 => " (rate limited: 60 requests a minute per token)",
        _ => "",
    };
    line.push_str(hint);
    let err = match resp.status {
        401 | 403 => Error::config(line),
        420 | 429 | 500..=599 => Error::unavailable(line),
        _ => Error::failed(line),
    };
    Err(err.with_status(resp.status))
}

/// `{"error": "..."}` (observed), `{"message": "..."}` (documented), or a list of errors.
fn api_message(body: &str) -> String {
    let Ok(value) = statusctl_plugin_api::serde_json::from_str::<Value>(body) else {
        return body.trim().chars().take(200).collect();
    };
    let field = value.get("error").or_else(|| value.get("message")).or_else(|| value.get("errors"));
    match field {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
            .collect::<Vec<_>>()
            .join("; "),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        420 => "Enhance Your Calm",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(status: u16, body: &str) -> HttpResponse {
        HttpResponse::new(status, body)
    }

    #[test]
    fn errors_are_one_line_with_the_api_message() {
        let req = HttpRequest::post("http://h/v1/pages/p/incidents?api_key=x");
        let err = checked(&req, resp(401, r#"{"error":"Invalid authentication token."}"#)).unwrap_err();
        assert_eq!(
            err.message,
            "POST /pages/p/incidents: 401 Unauthorized: Invalid authentication token. (check the token, and that it belongs to this page)"
        );
        assert_eq!(err.kind, statusctl_plugin_api::ErrorKind::Config);
        let err = checked(&req, resp(422, r#"{"error":["name can't be blank","x"]}"#)).unwrap_err();
        assert!(err.message.ends_with("422 Unprocessable Entity: name can't be blank; x"), "{}", err.message);
        let err = checked(&req, resp(503, "upstream down")).unwrap_err();
        assert_eq!(err.kind, statusctl_plugin_api::ErrorKind::Unavailable);
        assert_eq!(err.http_status, Some(503));
    }
}
