//! The host's HTTP client: one lazily built reqwest client per TLS need (none for plain
//! http, see [`tls`]), retries with backoff, `Retry-After`, pacing in rolling windows per
//! budget and credential (see [`super::pacing`]), and "outcome unknown" for requests that
//! must not be sent twice.
//!
//! What a server can do to the host is bounded: a body is read up to a limit (32 MiB unless
//! the request says otherwise) and never past it; redirects are followed for GET and HEAD
//! only (a 3xx to any other method is the answer, so a POST never turns into a GET), with
//! credentials dropped when the origin changes; and a header value that cannot be sent is
//! refused before anything goes out.

mod tls;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use statusctl_plugin_api::{Error, ErrorKind, HttpRequest, HttpResponse};

use super::clock::Clock;
use super::pacing::{Credential, Pacer};
use super::progress::{CallControl, Progress};
use super::redact::{self, Redactor};
use super::wait::human;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The largest response body read when the request does not say (`max_body_bytes`).
pub const DEFAULT_MAX_BODY_BYTES: u64 = 32 * 1024 * 1024;
/// Redirects followed in a row, at most.
const MAX_REDIRECTS: usize = 10;
/// The headers reqwest itself drops when a redirect leaves the origin.
const DROPPED_ACROSS_ORIGINS: [&str; 4] = ["authorization", "cookie", "cookie2", "proxy-authorization"];

/// Settings for the engine's life.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Extra CA certificates (PEM).
    pub ca_files: Vec<PathBuf>,
    pub user_agent: String,
}

/// The host's HTTP client, shared by every call of a long-lived host: clients, roots and
/// pacing windows are kept across calls, which may run concurrently.
pub struct HttpEngine {
    settings: HttpSettings,
    clock: Clock,
    clients: Mutex<HashMap<(bool, bool, Redirects), reqwest::Client>>,
    roots: tls::Roots,
    pacer: Mutex<Pacer>,
}

/// Which redirects a client follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Redirects {
    /// None: the 3xx is the answer. Every method but GET and HEAD: a POST answered with
    /// 303 is not turned into a GET, nor is anything re-sent somewhere else.
    Never,
    /// Up to [`MAX_REDIRECTS`], anywhere; Authorization, Cookie and Proxy-Authorization are
    /// dropped when the origin changes (reqwest's rule), and no Referer is sent.
    Follow,
    /// Up to [`MAX_REDIRECTS`] within the origin of the request: for a GET carrying a
    /// credential in a header reqwest would not drop (`X-Api-Key`, a declared secret header).
    SameOrigin,
}

impl Redirects {
    fn for_request(req: &HttpRequest) -> Self {
        if !matches!(req.method.as_str(), "GET" | "HEAD") {
            return Redirects::Never;
        }
        let kept_across_origins = req.headers.iter().any(|(name, _)| {
            redact::is_secret_header(name, &req.secret_headers)
                && !DROPPED_ACROSS_ORIGINS.iter().any(|d| d.eq_ignore_ascii_case(name))
        });
        if kept_across_origins { Redirects::SameOrigin } else { Redirects::Follow }
    }

    fn policy(self) -> reqwest::redirect::Policy {
        match self {
            Redirects::Never => reqwest::redirect::Policy::none(),
            Redirects::Follow => reqwest::redirect::Policy::limited(MAX_REDIRECTS),
            Redirects::SameOrigin => reqwest::redirect::Policy::custom(|attempt| {
                let first = attempt.previous().first().map(reqwest::Url::origin);
                if attempt.previous().len() > MAX_REDIRECTS {
                    attempt.error("too many redirects")
                } else if first == Some(attempt.url().origin()) {
                    attempt.follow()
                } else {
                    // The 3xx is the answer: the plugin sees where it pointed.
                    attempt.stop()
                }
            }),
        }
    }
}

/// Whether every header of `req` can be sent: a valid name, and a value without control
/// characters (a token pasted with its newline). The reason names the header, never its
/// value (it is often a credential).
pub fn check_headers(req: &HttpRequest) -> Result<(), String> {
    for (name, value) in &req.headers {
        if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
            return Err(format!("`{}` is not a valid header name", name.escape_debug()));
        }
        if reqwest::header::HeaderValue::from_str(value).is_err() {
            let what = if value.contains(['\n', '\r']) { "a line break" } else { "a control character" };
            return Err(format!(
                "the value of the `{name}` header contains {what}, which cannot be sent \
                 (check where it came from; a token copied with its newline?)"
            ));
        }
    }
    Ok(())
}

/// What one attempt gave.
enum Attempt {
    Answer(HttpResponse),
    /// The answer came but its body is longer than the request's limit: not read, and not
    /// worth asking again.
    TooLarge {
        status: u16,
        limit: u64,
    },
    /// Nothing was sent (the connection could not be made): always safe to retry.
    NotSent(String),
    /// The request may have reached the server.
    MaybeSent(String),
}

impl HttpEngine {
    pub fn new(settings: HttpSettings, clock: Clock) -> Self {
        Self {
            roots: tls::Roots::new(settings.ca_files.clone()),
            settings,
            clock,
            clients: Mutex::new(HashMap::new()),
            pacer: Mutex::new(Pacer::default()),
        }
    }

    /// Sends `req` with retries, within the call's deadline; a cancelled call sends nothing
    /// more and stops waiting at once.
    pub async fn send(
        &self,
        req: &HttpRequest,
        redactor: &Redactor,
        control: &CallControl,
    ) -> Result<HttpResponse, Error> {
        if control.cancel.is_cancelled() {
            return Err(Error::new(ErrorKind::Interrupted, "interrupted before the next request was sent"));
        }
        redact::remember_url_password(&req.url, redactor);
        if let Err(why) = check_headers(req) {
            let shown_url = redact::url(&req.url, &req.secret_query, redactor);
            return Err(Error::config(format!(
                "cannot send {} {shown_url}: {why}; nothing was sent",
                req.method
            )));
        }
        let deadline = async {
            match control.deadline {
                Some(at) => tokio::time::sleep_until(at.into()).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            result = self.send_with_retries(req, redactor, control) => result,
            _ = control.cancel.cancelled() => Err(interrupted(req, redactor)),
            _ = deadline => Err(past_deadline(req, redactor)),
        }
    }

    /// Waits `duration` (scaled by the clock), reporting progress; gives up at once when the
    /// wait would end after the deadline.
    async fn wait(&self, control: &CallControl, duration: Duration, reason: &str) -> Result<(), String> {
        if let Some(left) = control.time_left()
            && self.clock.real(duration) > left
        {
            return Err(format!("waiting {} more would pass the deadline", human(duration)));
        }
        if control.progress.is_none() {
            tracing::debug!("waiting {} ({reason})", human(duration));
            self.clock.sleep(duration).await;
            return Ok(());
        }
        let end = self.clock.now() + duration;
        let sleep = self.clock.sleep(duration);
        tokio::pin!(sleep);
        loop {
            let left = end.saturating_sub(self.clock.now());
            control.report(Progress::Waiting { total: duration, left, reason: reason.to_string() });
            tokio::select! {
                _ = &mut sleep => break,
                _ = tokio::time::sleep(Duration::from_millis(250)) => {}
            }
        }
        control.report(Progress::Waited);
        Ok(())
    }

    async fn send_with_retries(
        &self,
        req: &HttpRequest,
        redactor: &Redactor,
        control: &CallControl,
    ) -> Result<HttpResponse, Error> {
        let shown_url = redact::url(&req.url, &req.secret_query, redactor);
        // A client that cannot be built (a bad --ca-file) is a configuration problem that
        // no retry fixes.
        let client =
            self.client(&req.url, req.insecure_tls, Redirects::for_request(req)).map_err(Error::config)?;
        let policy = &req.retry;
        let idempotent = req.is_idempotent();
        let max_attempts = policy.max_attempts.max(1);
        let mut attempt = 0;
        let credential = req.rate_limit.as_ref().map(|_| self.credential(req));
        loop {
            attempt += 1;
            if let (Some(limit), Some(credential)) = (&req.rate_limit, credential) {
                let wait = {
                    let mut pacer = self.pacer();
                    let now = self.clock.now();
                    // A slot the call could not wait for is not taken: it would be lost to
                    // the calls behind it.
                    let next = pacer.next_wait(limit, credential, now);
                    if let Some(left) = control.time_left()
                        && self.clock.real(next) > left
                    {
                        return Err(Error::unavailable(format!(
                            "gave up on {} {shown_url}: the rate limit `{}` has a free slot in {}, after the call's deadline; nothing was sent",
                            req.method,
                            limit.key,
                            human(next)
                        ))
                        .with_retry_after(self.clock.real(next)));
                    }
                    pacer.reserve(limit, credential, now)
                };
                if !wait.is_zero() {
                    self.wait(control, wait, &format!("rate limit `{}`", limit.key)).await.map_err(
                        |why| {
                            Error::unavailable(format!("gave up on {} {shown_url}: {why}", req.method))
                                .with_retry_after(self.clock.real(wait))
                        },
                    )?;
                }
            }
            let started = Instant::now();
            let outcome = self.attempt(&client, req).await;
            let latency = started.elapsed().as_millis();
            let retry_in = match &outcome {
                Attempt::Answer(resp) => {
                    tracing::debug!(
                        "{} {} → {} ({latency} ms, attempt {attempt}/{max_attempts})",
                        req.method,
                        shown_url,
                        resp.status
                    );
                    let rate_limited = policy.rate_limited_statuses.contains(&resp.status);
                    let retryable =
                        policy.statuses.contains(&resp.status) && (idempotent || policy.retry_non_idempotent);
                    if (rate_limited || retryable) && attempt < max_attempts {
                        let retry_after = resp.header("retry-after").and_then(parse_retry_after);
                        if rate_limited
                            && let (Some(limit), Some(credential), Some(wait)) =
                                (&req.rate_limit, credential, retry_after)
                        {
                            self.pacer().penalize(limit, credential, wait, self.clock.now());
                        }
                        let why = match retry_after {
                            Some(_) => {
                                format!("{} answered {} with Retry-After", host_of(&req.url), resp.status)
                            }
                            None => format!("{} answered {}", host_of(&req.url), resp.status),
                        };
                        Some((
                            retry_after.unwrap_or_else(|| backoff(policy, attempt)),
                            why,
                            Some(resp.status),
                        ))
                    } else {
                        None
                    }
                }
                Attempt::TooLarge { status, .. } => {
                    tracing::debug!(
                        "{} {} → {status}, body over the limit ({latency} ms, attempt {attempt}/{max_attempts})",
                        req.method,
                        shown_url
                    );
                    None
                }
                Attempt::NotSent(why) | Attempt::MaybeSent(why) => {
                    tracing::debug!(
                        "{} {} → {why} ({latency} ms, attempt {attempt}/{max_attempts})",
                        req.method,
                        shown_url
                    );
                    let safe = matches!(outcome, Attempt::NotSent(_)) || idempotent;
                    (safe && attempt < max_attempts).then(|| (backoff(policy, attempt), why.clone(), None))
                }
            };
            let Some((wait, why, status)) = retry_in else {
                return finish(outcome, attempt, req, &shown_url);
            };
            let give_up = |because: String| {
                let mut err =
                    Error::unavailable(format!("gave up on {} {shown_url}: {why}; {because}", req.method))
                        .with_retry_after(self.clock.real(wait));
                err.http_status = status;
                err
            };
            // One budget for the whole call: the waits of its earlier requests count.
            if let Err(spent) = control.take_wait(wait) {
                let already = if spent.is_zero() {
                    String::new()
                } else {
                    format!(" ({} waited already)", human(spent))
                };
                return Err(give_up(format!(
                    "waiting {} more would pass --max-wait {}{already}",
                    human(wait),
                    human(control.max_wait)
                )));
            }
            let reason = format!("{why}, retry {}/{}", attempt + 1, max_attempts);
            self.wait(control, wait, &reason).await.map_err(give_up)?;
        }
    }

    async fn attempt(&self, client: &reqwest::Client, req: &HttpRequest) -> Attempt {
        let method = match reqwest::Method::from_bytes(req.method.as_bytes()) {
            Ok(m) => m,
            Err(_) => return Attempt::NotSent(format!("invalid method `{}`", req.method)),
        };
        // A plugin's timeout that is zero, negative, NaN or too large for a Duration means
        // the default rather than a panic or an instant failure.
        let timeout = req
            .timeout_secs
            .filter(|s| *s > 0.0)
            .and_then(|s| Duration::try_from_secs_f64(s).ok())
            .unwrap_or(DEFAULT_TIMEOUT);
        let mut builder = client.request(method, &req.url).timeout(self.clock.real(timeout));
        for (name, value) in &req.headers {
            builder = builder.header(name, value);
        }
        if let Some(body) = &req.body {
            builder = builder.body(body.clone());
        }
        let response = match builder.send().await {
            Ok(r) => r,
            Err(err) if err.is_connect() || err.is_builder() => return Attempt::NotSent(describe(err)),
            Err(err) => return Attempt::MaybeSent(describe(err)),
        };
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| (n.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        let limit = req.max_body_bytes.unwrap_or(DEFAULT_MAX_BODY_BYTES);
        let mut response = response;
        let announced = response.content_length().unwrap_or(0);
        if announced > limit {
            return Attempt::TooLarge { status, limit };
        }
        // Read as it comes and stop at the limit: a server's endless body costs the limit.
        let mut body = Vec::with_capacity(announced as usize);
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() as u64 + chunk.len() as u64 > limit {
                        return Attempt::TooLarge { status, limit };
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(err) => {
                    return Attempt::MaybeSent(format!("the answer ({status}) broke off: {}", describe(err)));
                }
            }
        }
        let body = match String::from_utf8(body) {
            Ok(text) => text,
            Err(err) => String::from_utf8_lossy(err.as_bytes()).into_owned(),
        };
        Attempt::Answer(HttpResponse { status, headers, body, attempts: 0, credential: None })
    }

    /// The fingerprint of the credential `req` carries, which its rate limit counts by: the
    /// values of `Authorization`, of the headers it declares secret and of its secret query
    /// parameters (what [`HttpRequest::carries`] looks in). Requests with none share one
    /// anonymous window per budget.
    fn credential(&self, req: &HttpRequest) -> Credential {
        let credential_header = |name: &str| {
            name.eq_ignore_ascii_case("authorization")
                || req.secret_headers.iter().any(|s| s.eq_ignore_ascii_case(name))
        };
        let mut parts: Vec<(String, String)> = req
            .headers
            .iter()
            .filter(|(name, _)| credential_header(name))
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect();
        if !req.secret_query.is_empty()
            && let Ok(url) = reqwest::Url::parse(&req.url)
        {
            // `?` keeps a query parameter apart from a header of the same name.
            parts.extend(
                url.query_pairs()
                    .filter(|(name, _)| req.secret_query.iter().any(|s| s == name))
                    .map(|(name, value)| (format!("?{name}"), value.into_owned())),
            );
        }
        self.pacer().credential(parts.iter().map(|(n, v)| (n.as_str(), v.as_str())))
    }

    /// One client per (https, verification off, redirects). A plain-http client reads no
    /// certificate.
    fn client(&self, url: &str, insecure: bool, redirects: Redirects) -> Result<reqwest::Client, String> {
        let https = url.starts_with("https:");
        let insecure = https && insecure;
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(client) = clients.get(&(https, insecure, redirects)) {
            return Ok(client.clone());
        }
        // reqwest is built without a default crypto provider (ring builds faster and needs
        // no C toolchain) and wants one even for plain http; installing twice is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        // No Referer: it would carry the last URL (its query may hold a secret) elsewhere.
        let builder = reqwest::Client::builder()
            .connect_timeout(self.clock.real(CONNECT_TIMEOUT))
            .user_agent(&self.settings.user_agent)
            .redirect(redirects.policy())
            .referer(false);
        if insecure {
            tracing::warn!("TLS certificate verification is off for {} (--ignore-ssl)", host_of(url));
        }
        let builder = self.roots.configure(builder, https, insecure)?;
        let client = builder.build().map_err(|e| format!("cannot build the HTTP client: {}", describe(e)))?;
        clients.insert((https, insecure, redirects), client.clone());
        Ok(client)
    }

    fn pacer(&self) -> std::sync::MutexGuard<'_, Pacer> {
        self.pacer.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn finish(
    outcome: Attempt,
    attempts: u32,
    req: &HttpRequest,
    shown_url: &str,
) -> Result<HttpResponse, Error> {
    match outcome {
        Attempt::Answer(mut resp) => {
            resp.attempts = attempts;
            Ok(resp)
        }
        Attempt::TooLarge { status, limit } => {
            let mut message = format!(
                "the answer to {} {shown_url} ({status}) is longer than the {} limit for a response \
                 body, so it was not read (a plugin can allow more for a request with \
                 HttpRequest::max_body_bytes)",
                req.method,
                size(limit)
            );
            if let Some(id) = req.request_id.as_ref().filter(|_| !req.is_idempotent()) {
                message.push_str(&format!(" (request id {id})"));
            }
            let mut err = Error::unavailable(message).with_status(status);
            err.request_id = req.request_id.clone();
            Err(err)
        }
        Attempt::NotSent(why) => Err(Error::unavailable(format!("cannot reach {shown_url}: {why}"))),
        Attempt::MaybeSent(why) if req.is_idempotent() => {
            Err(Error::unavailable(format!("no answer from {shown_url} after {attempts} attempts: {why}")))
        }
        Attempt::MaybeSent(why) => {
            let mut message = format!(
                "the outcome of {} {shown_url} is unknown ({why}): it may have been applied",
                req.method
            );
            if let Some(id) = &req.request_id {
                message.push_str(&format!(" (request id {id})"));
            }
            let mut err = Error::new(ErrorKind::OutcomeUnknown, message);
            err.request_id = req.request_id.clone();
            Err(err)
        }
    }
}

fn past_deadline(req: &HttpRequest, redactor: &Redactor) -> Error {
    let url = redact::url(&req.url, &req.secret_query, redactor);
    let (kind, mut message) = if req.is_idempotent() {
        (ErrorKind::Unavailable, format!("the deadline passed during {} {url}", req.method))
    } else {
        (
            ErrorKind::OutcomeUnknown,
            format!("the deadline passed: the outcome of {} {url} is unknown", req.method),
        )
    };
    if let Some(id) = &req.request_id {
        message.push_str(&format!(" (request id {id})"));
    }
    let mut err = Error::new(kind, message);
    err.request_id = req.request_id.clone();
    err
}

fn interrupted(req: &HttpRequest, redactor: &Redactor) -> Error {
    let url = redact::url(&req.url, &req.secret_query, redactor);
    let mut message = if req.is_idempotent() {
        format!("interrupted during {} {url}", req.method)
    } else {
        format!("interrupted: the outcome of {} {url} is unknown", req.method)
    };
    if let Some(id) = &req.request_id {
        message.push_str(&format!(" (request id {id})"));
    }
    let mut err = Error::new(ErrorKind::Interrupted, message);
    err.request_id = req.request_id.clone();
    err
}

/// A byte count for people: `32 MiB`, `1.5 KiB`, `100 bytes`.
fn size(bytes: u64) -> String {
    const UNITS: [(&str, u64); 3] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];
    for (unit, scale) in UNITS {
        if bytes >= scale {
            let value = bytes as f64 / scale as f64;
            return if bytes.is_multiple_of(scale) {
                format!("{} {unit}", bytes / scale)
            } else {
                format!("{value:.1} {unit}")
            };
        }
    }
    format!("{bytes} bytes")
}

/// Exponential backoff from the policy's base, capped, with jitter in the upper half so
/// that clients retrying together spread out.
fn backoff(policy: &statusctl_plugin_api::RetryPolicy, attempt: u32) -> Duration {
    let exp = policy.backoff_base_ms.saturating_mul(1u64 << (attempt - 1).min(20));
    let full = exp.min(policy.backoff_cap_ms.max(policy.backoff_base_ms));
    Duration::from_millis(full / 2 + fastrand::u64(0..=full / 2))
}

/// `Retry-After` as seconds or an HTTP date.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<f64>() {
        // A value too large for a Duration is still a valid answer: wait "forever", which
        // --max-wait turns into a clean give-up.
        return (secs >= 0.0).then(|| Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(std::time::SystemTime::now()).unwrap_or(Duration::ZERO))
}

fn host_of(url: &str) -> String {
    reqwest::Url::parse(url)
        .ok()
        .and_then(|u| {
            u.host_str().map(|h| match u.port() {
                Some(p) => format!("{h}:{p}"),
                None => h.to_owned(),
            })
        })
        .unwrap_or_else(|| "the server".into())
}

/// reqwest's error with its causes, on one line, without the URL (callers name the URL
/// with its secrets masked; reqwest's copy would show them).
fn describe(err: reqwest::Error) -> String {
    let err = err.without_url();
    let mut text = if err.is_timeout() { "timed out".to_string() } else { String::new() };
    let mut source: Option<&dyn std::error::Error> = Some(&err);
    while let Some(e) = source {
        let part = e.to_string();
        if !text.contains(&part) {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&part);
        }
        source = e.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use statusctl_plugin_api::RetryPolicy;

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("2"), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after(" 0.5 "), Some(Duration::from_millis(500)));
        assert_eq!(parse_retry_after("-1"), None);
        assert_eq!(parse_retry_after("1e30"), Some(Duration::MAX));
        assert_eq!(parse_retry_after("NaN"), None);
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), Some(Duration::ZERO));
        let later = std::time::SystemTime::now() + Duration::from_secs(30);
        let got = parse_retry_after(&httpdate::fmt_http_date(later)).unwrap();
        assert!(got > Duration::from_secs(27) && got <= Duration::from_secs(30), "{got:?}");
        assert_eq!(parse_retry_after("soon"), None);
    }

    fn engine(ca_files: Vec<PathBuf>) -> HttpEngine {
        HttpEngine::new(HttpSettings { ca_files, user_agent: "test/0".into() }, Clock::default())
    }

    /// Sends on a runtime of its own, as a plugin's call does.
    fn send(engine: &HttpEngine, req: &HttpRequest, redactor: &Redactor) -> Result<HttpResponse, Error> {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let control = CallControl { max_wait: Duration::ZERO, ..CallControl::default() };
        rt.block_on(engine.send(req, redactor, &control))
    }

    fn testdata(file: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/services/http/testdata").join(file)
    }

    /// An https server on loopback with a certificate from the test CA (`testdata/`), which
    /// answers `200 ok` to each of the next `connections` connections.
    fn tls_server(connections: usize) -> String {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        use std::io::{Read, Write};
        let certs =
            CertificateDer::pem_file_iter(testdata("server.pem")).unwrap().map(Result::unwrap).collect();
        let key = PrivateKeyDer::from_pem_file(testdata("server.key")).unwrap();
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .unwrap();
        let config = std::sync::Arc::new(config);
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("https://127.0.0.1:{}/x", listener.local_addr().unwrap().port());
        std::thread::spawn(move || {
            for stream in listener.incoming().take(connections) {
                let conn = rustls::ServerConnection::new(config.clone()).unwrap();
                let mut tls = rustls::StreamOwned::new(conn, stream.unwrap());
                let mut request = Vec::new();
                let mut buf = [0u8; 1024];
                // A client that refuses the certificate ends the handshake: next connection.
                while !request.ends_with(b"\r\n\r\n") {
                    match tls.read(&mut buf) {
                        Ok(n) if n > 0 => request.extend_from_slice(&buf[..n]),
                        _ => break,
                    }
                }
                if request.ends_with(b"\r\n\r\n") {
                    let _ =
                        tls.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok");
                    tls.conn.send_close_notify();
                    let _ = tls.flush();
                }
            }
        });
        url
    }

    #[test]
    fn https_is_verified_against_the_ca_files_and_the_system_roots() {
        let url = tls_server(3);
        let get = HttpRequest::get(&url).retry(RetryPolicy::none());
        let redactor = Redactor::default();
        // The test CA is in no system store: refused, and not retried.
        let err = send(&engine(Vec::new()), &get, &redactor).unwrap_err();
        assert!(err.message.contains("certificate"), "{}", err.message);
        // Trusted through --ca-file.
        let resp = send(&engine(vec![testdata("ca.pem")]), &get, &redactor).unwrap();
        assert_eq!((resp.status, resp.body.as_str()), (200, "ok"));
        // Not checked at all with --ignore-ssl.
        let resp = send(&engine(Vec::new()), &get.clone().insecure_tls(true), &redactor).unwrap();
        assert_eq!(resp.status, 200);
    }

    #[test]
    fn plain_http_reads_no_certificate() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/x", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            use std::io::{Read, Write};
            let (mut stream, _) = listener.accept().unwrap();
            let mut buf = [0u8; 1024];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
        });
        // Even a CA file that does not exist is never opened.
        let engine = engine(vec![testdata("missing.pem")]);
        let resp = send(&engine, &HttpRequest::get(&url), &Redactor::default()).unwrap();
        assert_eq!(resp.status, 200);
        assert!(!engine.roots.loaded());
        // https needs it, and says so before sending anything.
        let err =
            send(&engine, &HttpRequest::get("https://127.0.0.1:9/x"), &Redactor::default()).unwrap_err();
        assert!(err.message.starts_with("cannot read CA file "), "{}", err.message);
    }

    #[test]
    fn the_credential_is_the_secret_headers_and_query_parameters() {
        let engine = engine(Vec::new());
        let url = "https://api.example/v1/x?page=2&key=k1";
        let with = |token: &str, url: &str| {
            HttpRequest::get(url).header("Authorization", token).header("Accept", "application/json")
        };
        let a = engine.credential(&with("OAuth t1", url));
        // Other headers (a cookie too), and query parameters not declared secret, do not count.
        assert_eq!(a, engine.credential(&with("OAuth t1", url).header("Accept-Language", "fr")));
        assert_eq!(a, engine.credential(&with("OAuth t1", url).header("Cookie", "session=s1")));
        assert_eq!(a, engine.credential(&with("OAuth t1", "https://api.example/v1/x?page=3&key=k2")));
        assert_ne!(a, engine.credential(&with("OAuth t2", url)));
        // Declared secret: a header, a query parameter.
        let declared = |req: HttpRequest| req.secret_header("X-Team-Key", "team").secret_query("key");
        let b = engine.credential(&declared(with("OAuth t1", url)));
        assert_ne!(a, b);
        assert_eq!(b, engine.credential(&declared(with("OAuth t1", url))));
        let other_key = "https://api.example/v1/x?page=2&key=k2";
        assert_ne!(b, engine.credential(&declared(with("OAuth t1", other_key))));
    }

    #[test]
    fn headers_that_cannot_be_sent_are_named_never_shown() {
        let ok = HttpRequest::get("http://h/").header("Authorization", "Bearer abc").header("X-Ü", "é");
        assert!(check_headers(&HttpRequest::get("http://h/").header("Authorization", "Bearer abc")).is_ok());
        assert!(check_headers(&ok).unwrap_err().contains("`X-Ü` is not a valid header name"));
        let newline = HttpRequest::get("http://h/").header("Authorization", "Bearer abc-secret\nX-Evil: 1");
        let why = check_headers(&newline).unwrap_err();
        assert!(why.contains("`Authorization` header contains a line break"), "{why}");
        assert!(!why.contains("abc-secret"), "{why}");
        let bell = HttpRequest::get("http://h/").header("X-Key", "a\u{7}b");
        assert!(check_headers(&bell).unwrap_err().contains("a control character"));
    }

    #[test]
    fn redirects_are_followed_for_reads_only() {
        let get = HttpRequest::get("http://h/");
        assert_eq!(Redirects::for_request(&get), Redirects::Follow);
        assert_eq!(Redirects::for_request(&get.clone().header("Authorization", "t")), Redirects::Follow);
        assert_eq!(Redirects::for_request(&get.clone().header("X-Api-Key", "t")), Redirects::SameOrigin);
        assert_eq!(Redirects::for_request(&get.secret_header("X-Team", "t")), Redirects::SameOrigin);
        for method in ["POST", "PATCH", "PUT", "DELETE"] {
            assert_eq!(Redirects::for_request(&HttpRequest::new(method, "http://h/")), Redirects::Never);
        }
    }

    #[test]
    fn sizes_read_as_units() {
        assert_eq!(size(DEFAULT_MAX_BODY_BYTES), "32 MiB");
        assert_eq!(size(1536), "1.5 KiB");
        assert_eq!(size(100), "100 bytes");
    }

    #[test]
    fn backoff_doubles_with_jitter_and_caps() {
        let policy = RetryPolicy::default();
        for attempt in 1..10 {
            let full = (1000u64 << (attempt - 1)).min(8000);
            let got = backoff(&policy, attempt).as_millis() as u64;
            assert!(got >= full / 2 && got <= full, "attempt {attempt}: {got}");
        }
    }
}
