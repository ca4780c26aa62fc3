//! Requests to the Statuspage API through the host: OAuth header, the token's rate-limit
//! budget, and the SDK's one error line with Statuspage's hints.

use statusctl_plugin_api::serde_json::{Value, json};
use statusctl_plugin_api::{Error, Host, HttpRequest, HttpResponse, RateLimit};

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

    pub fn host(&self) -> &Host<'h> {
        self.host
    }

    pub fn send(&self, req: &HttpRequest) -> Result<HttpResponse, Error> {
        self.host.http(req)
    }

    /// Sends and returns the JSON of a 2xx answer; any other status is an error.
    pub fn json(&self, req: &HttpRequest) -> Result<Value, Error> {
        check(req, self.send(req)?)?.json()
    }

    /// PATCHes `{"incident": fields}` and returns the incident. Resent on failure: it sets
    /// the same state again (at worst Statuspage records the update message twice).
    pub fn patch_incident(&self, page: &str, incident: &str, fields: Value) -> Result<Value, Error> {
        let req = self
            .request("PATCH", &format!("/pages/{page}/incidents/{incident}"))
            .json(&json!({ "incident": fields }))
            .idempotent(true);
        self.json(&req)
    }

    pub fn get(&self, path: &str) -> Result<Value, Error> {
        self.json(&self.request("GET", path))
    }

    /// One page of a list (`page` from 1, `per_page` 100).
    pub fn get_page(&self, path: &str, page: usize) -> Result<Vec<Value>, Error> {
        let req = self.request("GET", path).query("page", page.to_string()).query("per_page", "100");
        list(&req, self.json(&req)?)
    }

    /// Every item of a paged list until a short page, or until `limit` items.
    pub fn get_all(&self, path: &str, limit: Option<usize>) -> Result<Vec<Value>, Error> {
        let mut items = Vec::new();
        for page in 1.. {
            let batch = self.get_page(path, page)?;
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

/// The items of a list answer.
pub fn list(req: &HttpRequest, value: Value) -> Result<Vec<Value>, Error> {
    match value {
        Value::Array(items) => Ok(items),
        _ => Err(Error::failed(format!(
            "{} {}: expected a list",
            req.method,
            statusctl_plugin_api::url_path(&req.url)
        ))),
    }
}

/// The API allows 60 requests per token in any rolling 60 s; the host's pacing counts the
/// same way, so commands of a few requests never wait and long jobs never hit the limit.
pub fn budget() -> RateLimit {
    RateLimit::new("statuspage", 60, 60.0)
}

/// A 2xx answer, or the SDK's error line (method, path, status, the API's message, the
/// credential's source for 401/403) with what to check on Statuspage.
pub fn check(req: &HttpRequest, mut resp: HttpResponse) -> Result<HttpResponse, Error> {
    if !resp.is_success() {
        resp.body = errors_listed(&resp.body).unwrap_or(resp.body);
    }
    resp.check(req).map_err(with_hint)
}

/// Statuspage lists validation errors as `{"error": ["…", "…"]}`; the SDK reads a list under
/// `errors`, so the messages are moved there (else the line would quote the raw body).
fn errors_listed(body: &str) -> Option<String> {
    let Value::Object(mut fields) = statusctl_plugin_api::serde_json::from_str(body).ok()? else {
        return None;
    };
    let listed @ Value::Array(_) = fields.remove("error")? else {
        return None;
    };
    fields.insert("errors".into(), listed);
    Some(Value::Object(fields).to_string())
}

fn with_hint(mut err: Error) -> Error {
    match err.http_status {
        // Statuspage answers 401 to a valid token of another page, too.
        Some(401) => match err.message.strip_suffix(')') {
            Some(line) => err.message = format!("{line}, and that it belongs to this page)"),
            None => err.message.push_str(" (check that the token belongs to this page)"),
        },
        Some(404) => err.message.push_str(" (check the page and incident or component ids)"),
        Some(420 | 429) => err.message.push_str(" (rate limited: 60 requests a minute per token)"),
        _ => {}
    }
    err
}

#[cfg(test)]
mod tests {
    use super::*;
    use statusctl_plugin_api::ErrorKind;

    fn resp(status: u16, body: &str) -> HttpResponse {
        HttpResponse::new(status, body)
    }

    #[test]
    fn errors_are_the_sdk_line_with_statuspage_hints() {
        let req = HttpRequest::post("http://h/v1/pages/p/incidents?api_key=x");
        let mut refused = resp(401, r#"{"error":"Invalid authentication token."}"#);
        refused.credential = Some("env STATUSPAGE_TOKEN".into());
        let err = check(&req, refused).unwrap_err();
        assert_eq!(
            err.message,
            "POST /v1/pages/p/incidents: 401 Unauthorized: Invalid authentication token. \
             (check the credential from env STATUSPAGE_TOKEN, and that it belongs to this page)"
        );
        assert_eq!(err.kind, ErrorKind::Config);
        let err = check(&req, resp(422, r#"{"error":["name can't be blank","x"]}"#)).unwrap_err();
        assert!(err.message.ends_with("422 Unprocessable Entity: name can't be blank; x"), "{}", err.message);
        let err = check(&req, resp(404, r#"{"message":"gone"}"#)).unwrap_err();
        assert_eq!(
            err.message,
            "POST /v1/pages/p/incidents: 404 Not Found: gone (check the page and incident or component ids)"
        );
        let err = check(&req, resp(429, "")).unwrap_err();
        assert!(
            err.message.ends_with("429 Too Many Requests (rate limited: 60 requests a minute per token)")
        );
        let err = check(&req, resp(503, "upstream down")).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Unavailable);
        assert_eq!(err.http_status, Some(503));
    }
}
