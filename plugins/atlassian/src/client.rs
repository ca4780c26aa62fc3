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

    /// `METHOD /v1/path` for messages (no scheme, host or query).
    pub fn what(&self, method: &str, path: &str) -> String {
        format!("{method} {}{path}", statusctl_plugin_api::url_path(&self.base).trim_end_matches('/'))
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

    /// The items of a paged list (`per_page` 100) until a short page, `limit` items, a page
    /// that repeats the one before it, or the cap ([`Pager`]); [`Listed::end`] says which.
    pub fn get_all(&self, path: &str, limit: Option<usize>) -> Result<Listed, Error> {
        let mut pager = Pager::new(PER_PAGE, limit);
        let mut items = Vec::new();
        while let Some(batch) = pager.next(|n| self.get_page(path, n))? {
            items.extend(batch);
        }
        Ok(pager.listed(self.what("GET", path), items))
    }
}

/// The most a page holds (`per_page` / `limit`).
pub const PER_PAGE: usize = 100;
/// A listing reads at most this many pages and items unless `--limit` asks for more: a server
/// that ignores `page` (or never ends its list) must not make statusctl run or grow forever.
pub const MAX_PAGES: usize = 100;
pub const MAX_ITEMS: usize = 10_000;

/// How a listing ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// A short (or empty) page: the whole list.
    Last,
    /// `--limit` items were collected.
    Limit,
    /// The cap ([`MAX_PAGES`], [`MAX_ITEMS`]) was reached and the list went on.
    Cap,
    /// A page repeated the one before it: the server ignores `page`.
    Repeated,
}

/// Pages through a list one page at a time, ending it at a short page, at `limit` items,
/// at a page that repeats the previous one, or at the cap.
pub struct Pager {
    per: usize,
    limit: Option<usize>,
    max_pages: usize,
    max_items: usize,
    page: usize,
    count: usize,
    previous: Option<Vec<Value>>,
    end: Option<End>,
}

impl Pager {
    /// Pages of `per` items; `limit` (a list command's `--limit`) may raise the cap.
    pub fn new(per: usize, limit: Option<usize>) -> Self {
        let max_items = limit.unwrap_or(MAX_ITEMS);
        let max_pages = MAX_PAGES.max(max_items.div_ceil(per.max(1)));
        Pager { per, limit, max_pages, max_items, page: 0, count: 0, previous: None, end: None }
    }

    /// The next page's items, read with `fetch(n)` (`n` from 1); `None` once the listing
    /// has ended ([`Pager::end`] says how).
    pub fn next(
        &mut self,
        fetch: impl FnOnce(usize) -> Result<Vec<Value>, Error>,
    ) -> Result<Option<Vec<Value>>, Error> {
        if self.end.is_some() {
            return Ok(None);
        }
        let capped = self.page >= self.max_pages || self.count >= self.max_items;
        let mut batch = fetch(self.page + 1)?;
        self.page += 1;
        if !batch.is_empty() && self.previous.as_ref().is_some_and(|p| same_items(p, &batch)) {
            self.end = Some(End::Repeated);
            return Ok(None);
        }
        if capped {
            // That one more page tells a list of exactly the cap from a longer one.
            self.end = Some(if batch.is_empty() { End::Last } else { End::Cap });
            return Ok(None);
        }
        if batch.len() < self.per {
            self.end = Some(End::Last);
        }
        self.count += batch.len();
        if self.count >= self.max_items && self.limit.is_some() {
            batch.truncate(batch.len() - (self.count - self.max_items));
            self.count = self.max_items;
            self.end = Some(End::Limit);
        } else if self.count > self.max_items {
            // A server that ignores `per_page` and sends huge pages.
            batch.truncate(batch.len() - (self.count - self.max_items));
            self.count = self.max_items;
            self.end = Some(End::Cap);
        }
        if self.end.is_none() {
            self.previous = Some(batch.clone());
        }
        Ok(Some(batch))
    }

    /// The collected `items` of the listing `what` (`GET /v1/…`), with how it ended.
    pub fn listed(&self, what: String, items: Vec<Value>) -> Listed {
        Listed { items, end: self.end.unwrap_or(End::Last), pages: self.page, what }
    }

    /// The error for a listing used to decide something that did not reach its end.
    pub fn unfinished(&self, what: &str) -> Option<Error> {
        cut_short(what, self.end?, self.page)
    }
}

/// Two pages with the same items (by id when they have one): the server ignored `page`.
fn same_items(a: &[Value], b: &[Value]) -> bool {
    let id = |v: &Value| v.get("id").and_then(Value::as_str).map(str::to_string);
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y || (id(x).is_some() && id(x) == id(y)))
}

fn cut_short(what: &str, end: End, pages: usize) -> Option<Error> {
    let why = match end {
        End::Last | End::Limit => return None,
        End::Cap => {
            format!("did not end within {MAX_PAGES} pages or {MAX_ITEMS} items (stopped at page {pages})")
        }
        End::Repeated => {
            format!("answered page {pages} with the items of page {} (the server ignores `page`)", pages - 1)
        }
    };
    Some(Error::unavailable(format!("{what} {why}; nothing was decided on part of the list")))
}

/// A whole listing, or as much of it as the cap allowed.
pub struct Listed {
    pub items: Vec<Value>,
    pub end: End,
    pub pages: usize,
    what: String,
}

impl Listed {
    /// For a list command: the items, with a warning when the listing was cut short.
    pub fn shown(self, host: &Host<'_>) -> Vec<Value> {
        let n = self.items.len();
        match self.end {
            End::Last | End::Limit => {}
            End::Cap => host.warn(format!(
                "{}: stopped at {n} items, the most a listing reads without --limit ({MAX_PAGES} pages, \
                 {MAX_ITEMS} items); the list may go on (--limit N reads up to N)",
                self.what
            )),
            End::Repeated => host.warn(format!(
                "{} answered page {} with the items of page {} (the server ignores `page`); showing the {n} items before it",
                self.what,
                self.pages,
                self.pages - 1
            )),
        }
        self.items
    }

    /// For a decision (a component by name, an ownership check): the whole list, or an
    /// `Unavailable` error when it did not end (never a partial answer).
    pub fn whole(self) -> Result<Vec<Value>, Error> {
        match cut_short(&self.what, self.end, self.pages) {
            Some(err) => Err(err),
            None => Ok(self.items),
        }
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

    fn page(from: usize, n: usize) -> Vec<Value> {
        (from..from + n).map(|i| json!({"id": format!("c{i}"), "name": format!("C{i}")})).collect()
    }

    /// Runs a pager over `pages` (page n is `pages(n)`); returns the items, the pages read
    /// and how it ended.
    fn run(per: usize, limit: Option<usize>, pages: impl Fn(usize) -> Vec<Value>) -> (usize, usize, End) {
        let mut pager = Pager::new(per, limit);
        let (mut items, mut read) = (0, 0);
        while let Some(batch) = pager
            .next(|n| {
                read = n;
                Ok(pages(n))
            })
            .unwrap()
        {
            items += batch.len();
        }
        (items, read, pager.end.unwrap())
    }

    #[test]
    fn a_listing_ends_at_a_short_page_a_repeated_page_the_limit_or_the_cap() {
        assert_eq!(run(100, None, |n| page(n * 100, if n < 3 { 100 } else { 7 })), (207, 3, End::Last));
        // A server that ignores `page`: the second page is the first again.
        assert_eq!(run(100, None, |_| page(0, 100)), (100, 2, End::Repeated));
        // Same ids, other fields changed: still a repeat.
        let changing = |n: usize| {
            page(0, 100).into_iter().map(move |mut c| {
                c["updated_at"] = json!(n);
                c
            })
        };
        assert_eq!(run(100, None, |n| changing(n).collect()), (100, 2, End::Repeated));
        // A list that never ends: 100 pages, 10,000 items, and one more page to know.
        assert_eq!(run(100, None, |n| page(n * 100, 100)), (MAX_ITEMS, MAX_PAGES + 1, End::Cap));
        // Exactly the cap: the extra page is empty, the list is whole.
        assert_eq!(
            run(100, None, |n| if n <= 100 { page(n * 100, 100) } else { vec![] }),
            (MAX_ITEMS, 101, End::Last)
        );
        // --limit stops early, or reads past the default cap.
        assert_eq!(run(100, Some(250), |n| page(n * 100, 100)), (250, 3, End::Limit));
        assert_eq!(run(100, Some(12_000), |n| page(n * 100, 100)), (12_000, 120, End::Limit));
        // Pages far larger than asked for: cut at the item cap.
        assert_eq!(run(100, None, |n| page(n * 100_000, 30_000)), (MAX_ITEMS, 1, End::Cap));
    }

    #[test]
    fn a_cut_listing_warns_for_a_list_and_is_an_error_for_a_decision() {
        let cut =
            |end| Listed { items: page(0, 100), end, pages: 2, what: "GET /v1/pages/p/components".into() };
        let err = cut(End::Repeated).whole().unwrap_err();
        assert_eq!(err.kind, ErrorKind::Unavailable);
        assert_eq!(
            err.message,
            "GET /v1/pages/p/components answered page 2 with the items of page 1 (the server ignores `page`); \
             nothing was decided on part of the list"
        );
        assert_eq!(cut(End::Cap).whole().unwrap_err().kind, ErrorKind::Unavailable);
        assert_eq!(cut(End::Last).whole().unwrap().len(), 100);
        let host = statusctl_plugin_api::testing::TestHost::new();
        let shown = host.with_host(|h| cut(End::Repeated).shown(h));
        assert_eq!(shown.len(), 100);
        assert_eq!(
            host.warnings(),
            [
                "GET /v1/pages/p/components answered page 2 with the items of page 1 (the server ignores `page`); \
                 showing the 100 items before it"
            ]
        );
    }
}
