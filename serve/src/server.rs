//! The HTTP receiver: senders' requests in, one answer per notification that tells the
//! sender whether to send it again.
//!
//! Each request passes, in order: the `Host` check (without auth, only the listen address
//! or a loopback name: a web page must not be able to open a public incident through a
//! DNS-rebound name), auth (401), `Content-Type: application/json` (415), the body cap
//! (413), the parse (400). Then the calls of the plan run, one at a time per key (a
//! repeat waits for the call before it), within the source's answer deadline:
//!
//! | outcome | answer |
//! |---|---|
//! | every call did something (any action, shadow mode included) | 200 |
//! | a usage error or the provider refused the change | 422 |
//! | configuration or auth toward the provider, a plugin panic | 500 |
//! | unavailable, outcome unknown, the deadline passed | 503 + `Retry-After` |
//!
//! Work past the deadline goes on (bounded by the applier's own budget); the sender's
//! redelivery then finds it done. One JSON line per notification goes to the decision log.

use std::collections::HashMap;
use std::future::Future;

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;
use serde_json::{Value, json};

use crate::metrics::{self, Metrics};
use crate::plan::{self, Call};
use crate::routes::Routes;
use crate::sources::{self, Endpoint};

/// The default body cap: 16 MiB.
pub const MAX_BODY_BYTES: usize = 16 << 20;

/// `Retry-After` (seconds) when the provider named none.
pub const DEFAULT_RETRY_AFTER: u64 = 30;

/// What an apply did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Applied {
    /// `created`, `updated`, `unchanged`, `resolved`, `skipped`, `released`, or `planned`
    /// (shadow mode: nothing written).
    pub action: String,
    pub incident_ids: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The request ids the provider's writes carried (for the decision log: what to ask the
    /// provider about).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub request_ids: Vec<String>,
}

impl Applied {
    pub fn new(action: &str) -> Self {
        Self { action: action.into(), incident_ids: Vec::new(), reason: None, request_ids: Vec::new() }
    }
}

/// Why an apply failed, as the answer to the sender sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// A usage error, or the provider refused the change: sending again will not help (422).
    Refused,
    /// Configuration or credentials toward the provider (500, never 401: that would blame
    /// the sender's credentials).
    Config,
    /// The provider is unavailable, rate-limited, or the outcome is unknown (503).
    Unavailable,
    /// A bug: a plugin panic, a broken result (500).
    Internal,
}

/// A failed apply: why, and what the provider said.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub kind: FailureKind,
    pub message: String,
    /// With [`FailureKind::Unavailable`]: seconds the provider (or the pacing) asked for.
    pub retry_after: Option<u64>,
    /// The provider's HTTP status, when an answer caused the failure.
    pub provider_status: Option<u16>,
    /// The request id of a write whose outcome is unknown, or that the provider refused.
    pub request_id: Option<String>,
}

impl Failure {
    pub fn new(kind: FailureKind, message: impl Into<String>) -> Self {
        Self { kind, message: message.into(), retry_after: None, provider_status: None, request_id: None }
    }
    pub fn refused(message: impl Into<String>) -> Self {
        Self::new(FailureKind::Refused, message)
    }
    pub fn config(message: impl Into<String>) -> Self {
        Self::new(FailureKind::Config, message)
    }
    pub fn unavailable(message: impl Into<String>, retry_after: Option<u64>) -> Self {
        Self { retry_after, ..Self::new(FailureKind::Unavailable, message) }
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(FailureKind::Internal, message)
    }

    fn status(&self) -> StatusCode {
        match self.kind {
            FailureKind::Refused => StatusCode::UNPROCESSABLE_ENTITY,
            FailureKind::Config | FailureKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            FailureKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
    fn kind(&self) -> &'static str {
        match self.kind {
            FailureKind::Refused => "refused",
            FailureKind::Config => "config",
            FailureKind::Unavailable => "unavailable",
            FailureKind::Internal => "internal",
        }
    }
    fn message(&self) -> &str {
        &self.message
    }
}

/// A boxed future, as an [`Applier`] returns.
pub type ApplyFuture = Pin<Box<dyn Future<Output = Result<Applied, Failure>> + Send>>;

/// Runs one planned call (the host's engine, in the binary).
pub trait Applier: Send + Sync + 'static {
    fn apply(&self, call: Call, dry_run: bool) -> ApplyFuture;
}

/// The credential a sender must present, resolved from the routes file's reference.
#[derive(Clone)]
pub enum Auth {
    Bearer(String),
    Basic { username: String, password: String },
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Auth::Bearer(_) => f.write_str("Bearer(****)"),
            Auth::Basic { username, .. } => write!(f, "Basic({username}:****)"),
        }
    }
}

impl Auth {
    /// Whether an `Authorization` header carries this credential (compared in constant
    /// time; the scheme is case-insensitive).
    pub fn accepts(&self, header: Option<&HeaderValue>) -> bool {
        let Some(value) = header.and_then(|h| h.to_str().ok()) else { return false };
        let Some((scheme, rest)) = value.trim().split_once(' ') else { return false };
        let rest = rest.trim();
        match self {
            Auth::Bearer(token) => {
                scheme.eq_ignore_ascii_case("bearer") && constant_time_eq(rest.as_bytes(), token.as_bytes())
            }
            Auth::Basic { username, password } => {
                use base64::Engine as _;
                if !scheme.eq_ignore_ascii_case("basic") {
                    return false;
                }
                let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(rest) else {
                    return false;
                };
                let want = format!("{username}:{password}");
                constant_time_eq(&decoded, want.as_bytes())
            }
        }
    }
}

/// Compares in time that depends on the lengths only.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = (a.len() ^ b.len()) as u64;
    for i in 0..a.len().max(b.len()) {
        let x = a.get(i).copied().unwrap_or(0);
        let y = b.get(i).copied().unwrap_or(0);
        diff |= u64::from(x ^ y);
    }
    std::hint::black_box(diff) == 0
}

/// Where decision lines go.
/// The decision log: the JSON-lines event writer the MCP audit log shares.
pub type DecisionLog = Arc<statusctl_events::EventLog>;

/// Reads the routes file again and checks it as at start: the new routes and the auth
/// they name, or why they cannot be used (`FILE:LINE:COL: …` lines).
pub type Reloader = Box<dyn Fn() -> Result<(Routes, Option<Auth>), String> + Send + Sync>;

/// The receiver's settings.
pub struct Settings {
    /// The routes at start (a reload replaces them).
    pub routes: Arc<Routes>,
    /// The senders' credential at start (a reload replaces it with the new file's).
    pub auth: Option<Auth>,
    /// How `POST /-/reload` and SIGHUP read the routes again (none: reloading is refused).
    pub reloader: Option<Reloader>,
    /// The address it listens on (for the `Host` check).
    pub listen: SocketAddr,
    pub dry_run: bool,
    pub max_body: usize,
    pub decision_log: DecisionLog,
    /// Namespaces of the loaded plugins (for `/readyz`).
    pub plugins: Vec<String>,
    /// Serve over TLS with this certificate (read again on every reload).
    pub tls: Option<Arc<crate::tls::Certificate>>,
}

/// What a reload replaces.
pub struct Live {
    pub routes: Arc<Routes>,
    pub auth: Option<Auth>,
}

/// The receiver's shared state.
pub struct Server {
    settings: Settings,
    live: RwLock<Arc<Live>>,
    applier: Arc<dyn Applier>,
    locks: KeyLocks,
    in_flight: InFlight,
    stopping: AtomicBool,
    metrics: Metrics,
    /// One reload at a time.
    reloading: Mutex<()>,
    /// Calls the provider just answered "unavailable", by key: the same call within
    /// [`BACKOFF`] is answered 503 at once instead of spending the provider's rate budget.
    backing_off: Mutex<HashMap<String, Backoff>>,
    /// Firing calls the provider just found unchanged: their repeats are answered here.
    unchanged: crate::cache::Unchanged,
    /// Pages found not to keep the owner marker, by (namespace, profile): serve is not
    /// ready until a write there keeps it again.
    no_metadata: Mutex<HashMap<(String, Option<String>), String>>,
}

/// How long a call the provider found unavailable twice in a row is not tried again (HA
/// peers and sender retries come back within a second; each try of a create costs several
/// requests of the provider's rate budget).
const BACKOFF: Duration = Duration::from_secs(5);

/// A call the provider found unavailable: which, when last, how many times in a row.
struct Backoff {
    fingerprint: String,
    at: Instant,
    failures: u32,
}

impl Server {
    pub fn new(settings: Settings, applier: Arc<dyn Applier>) -> Arc<Self> {
        let live = Live { routes: settings.routes.clone(), auth: settings.auth.clone() };
        Arc::new(Self {
            settings,
            live: RwLock::new(Arc::new(live)),
            applier,
            locks: KeyLocks::default(),
            in_flight: InFlight::default(),
            stopping: AtomicBool::new(false),
            metrics: Metrics::new(),
            reloading: Mutex::new(()),
            backing_off: Mutex::new(HashMap::new()),
            unchanged: crate::cache::Unchanged::default(),
            no_metadata: Mutex::new(HashMap::new()),
        })
    }

    /// How long `fingerprint` (for `key`) is still backed off, if it is: after the second
    /// "unavailable" in a row (one failure may be a blip; a recovery is then tried at once).
    fn backing_off(&self, key: &str, fingerprint: &str) -> Option<Duration> {
        let mut map = self.backing_off.lock().unwrap_or_else(|e| e.into_inner());
        map.retain(|_, b| b.at.elapsed() < BACKOFF);
        map.get(key)
            .filter(|b| b.fingerprint == fingerprint && b.failures >= 2)
            .map(|b| BACKOFF.saturating_sub(b.at.elapsed()))
    }

    /// Counts "unavailable" in a row; anything else ends the backoff.
    fn note_outcome(&self, key: &str, fingerprint: &str, result: &Result<Applied, Failure>) {
        let mut map = self.backing_off.lock().unwrap_or_else(|e| e.into_inner());
        match result {
            Err(f) if f.kind == FailureKind::Unavailable => {
                let failures =
                    map.get(key).filter(|b| b.fingerprint == fingerprint).map_or(0, |b| b.failures) + 1;
                map.insert(
                    key.to_string(),
                    Backoff { fingerprint: fingerprint.to_string(), at: Instant::now(), failures },
                );
            }
            _ => {
                map.remove(key);
            }
        }
    }

    /// A page that dropped the owner marker makes serve not ready; a write there that
    /// kept it (created, updated, resolved) makes it ready again.
    fn note_metadata(&self, call: &Call, result: &Result<Applied, Failure>) {
        let target = (call.namespace.clone(), call.profile.clone());
        let mut broken = self.no_metadata.lock().unwrap_or_else(|e| e.into_inner());
        match result {
            Err(f)
                if f.kind == FailureKind::Config
                    && f.message.contains(statusctl_plugin_api::apply::NO_METADATA) =>
            {
                broken.insert(target, f.message.clone());
            }
            Ok(a) if matches!(a.action.as_str(), "created" | "updated" | "resolved") => {
                broken.remove(&target);
            }
            _ => {}
        }
    }

    /// The routes and auth in force.
    pub fn live(&self) -> Arc<Live> {
        self.live.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Reads the routes file again (`why`: `SIGHUP`, `POST /-/reload`). A file that cannot
    /// be used leaves the routes in force as they were; the error says why, line:col.
    pub fn reload(&self, why: &str) -> Result<usize, String> {
        let Some(reloader) = &self.settings.reloader else {
            return Err("this server cannot reload its routes".into());
        };
        let _one = self.reloading.lock().unwrap_or_else(|e| e.into_inner());
        // A renewed certificate is taken on the same signal; one that cannot be used
        // leaves the pair in force (and the routes are still reloaded).
        if let Some(tls) = &self.settings.tls {
            match tls.reload() {
                Ok(()) => tracing::info!("reloaded the TLS certificate ({why})"),
                Err(err) => {
                    tracing::warn!("TLS certificate not reloaded ({why}), the one in force stays: {err}")
                }
            }
        }
        match reloader() {
            Ok((routes, auth)) => {
                let rules = routes.rules.len();
                let path = routes.path.display().to_string();
                *self.live.write().unwrap_or_else(|e| e.into_inner()) =
                    Arc::new(Live { routes: Arc::new(routes), auth });
                self.metrics.reloaded(true);
                tracing::info!("reloaded {path} ({why}): {rules} rule(s)");
                Ok(rules)
            }
            Err(err) => {
                self.metrics.reloaded(false);
                tracing::warn!("reload ({why}) refused, the routes in force stay: {err}");
                Err(err)
            }
        }
    }

    /// The routes of the receiver.
    pub fn router(self: &Arc<Self>) -> Router {
        let source = |endpoint: Endpoint| {
            move |State(server): State<Arc<Server>>, headers: HeaderMap, body: Body| async move {
                server.receive(endpoint, headers, body).await
            }
        };
        Router::new()
            .route("/alertmanager", post(source(Endpoint::Alertmanager)).put(source(Endpoint::Alertmanager)))
            .route("/grafana", post(source(Endpoint::Alertmanager)).put(source(Endpoint::Alertmanager)))
            .route("/datadog", post(source(Endpoint::Datadog)))
            .route("/generic", post(source(Endpoint::Generic)))
            .route("/healthz", get(|| async { (StatusCode::OK, "ok\n") }))
            .route("/readyz", get(|State(server): State<Arc<Server>>| async move { server.ready() }))
            .route(
                "/metrics",
                get(|State(server): State<Arc<Server>>, headers: HeaderMap| async move {
                    server.metrics_answer(&headers)
                }),
            )
            .route(
                "/-/reload",
                post(|State(server): State<Arc<Server>>, headers: HeaderMap| async move {
                    server.reload_answer(&headers)
                }),
            )
            .fallback(|| async { answer(StatusCode::NOT_FOUND, json!({"error": "no such endpoint"})) })
            .with_state(self.clone())
    }

    /// Serves `listener` until `shutdown` completes, then lets the requests in flight and
    /// the work past their deadlines finish (at most `drain`).
    pub async fn run(
        self: &Arc<Self>,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
        drain: Duration,
    ) -> std::io::Result<()> {
        let me = self.clone();
        let signal = async move {
            shutdown.await;
            me.stopping.store(true, Ordering::SeqCst);
        };
        match &self.settings.tls {
            Some(certificate) => {
                let config = certificate.server_config().map_err(std::io::Error::other)?;
                crate::tls::serve(listener, config, self.router(), signal, drain).await;
            }
            None => axum::serve(listener, self.router()).with_graceful_shutdown(signal).await?,
        }
        if tokio::time::timeout(drain, self.in_flight.idle()).await.is_err() {
            tracing::warn!("stopped with work still in flight after {}s", drain.as_secs());
        }
        Ok(())
    }

    fn ready(&self) -> Response {
        let stopping = self.stopping.load(Ordering::SeqCst);
        let broken: Vec<Value> = {
            let broken = self.no_metadata.lock().unwrap_or_else(|e| e.into_inner());
            broken
                .iter()
                .map(|((namespace, profile), message)| {
                    json!({"namespace": namespace, "profile": profile, "error": message})
                })
                .collect()
        };
        let ready = !stopping && broken.is_empty();
        let mut body = json!({
            "ready": ready,
            "plugins": self.settings.plugins,
            "rules": self.live().routes.rules.len(),
            "dry_run": self.settings.dry_run,
        });
        if !broken.is_empty() {
            body["metadata"] = json!(broken);
        }
        answer(if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE }, body)
    }

    /// Whether `Host` names this server: its listen address or a loopback name.
    fn host_allowed(&self, headers: &HeaderMap) -> bool {
        let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else { return false };
        let host = host.trim();
        if host.eq_ignore_ascii_case(&self.settings.listen.to_string()) {
            return true;
        }
        statusctl_loopback::is_loopback_authority(host)
    }

    /// The `Host` check (without auth) or the auth check: the refusal, if any.
    fn gate(&self, live: &Live, headers: &HeaderMap) -> Option<Response> {
        match &live.auth {
            None if !self.host_allowed(headers) => Some(answer(
                StatusCode::FORBIDDEN,
                json!({"error": "the Host header names neither this server nor a loopback name (set up [auth] to accept other names)"}),
            )),
            Some(auth) if !auth.accepts(headers.get(header::AUTHORIZATION)) => {
                let scheme = match auth {
                    Auth::Bearer(_) => "Bearer",
                    Auth::Basic { .. } => "Basic realm=\"statusctl serve\"",
                };
                let mut response =
                    answer(StatusCode::UNAUTHORIZED, json!({"error": "missing or wrong credentials"}));
                response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(scheme));
                Some(response)
            }
            _ => None,
        }
    }

    fn metrics_answer(&self, headers: &HeaderMap) -> Response {
        let live = self.live();
        // `[metrics] auth = false` opens the metrics to anyone who reaches serve; without
        // `[auth]` the `Host` check applies all the same.
        if (live.routes.metrics_auth || live.auth.is_none())
            && let Some(refused) = self.gate(&live, headers)
        {
            return refused;
        }
        (StatusCode::OK, [(header::CONTENT_TYPE, metrics::CONTENT_TYPE)], self.metrics.encode())
            .into_response()
    }

    fn reload_answer(&self, headers: &HeaderMap) -> Response {
        if let Some(refused) = self.gate(&self.live(), headers) {
            return refused;
        }
        match self.reload("POST /-/reload") {
            Ok(rules) => answer(StatusCode::OK, json!({"reloaded": true, "rules": rules})),
            Err(err) => answer(StatusCode::BAD_REQUEST, json!({"reloaded": false, "error": err})),
        }
    }

    async fn receive(self: Arc<Self>, endpoint: Endpoint, headers: HeaderMap, body: Body) -> Response {
        let metrics_server = self.clone();
        let response = self.receive_counted(endpoint, headers, body).await;
        metrics_server.metrics.received(endpoint_path(endpoint), response.status().as_u16());
        response
    }

    async fn receive_counted(
        self: Arc<Self>,
        endpoint: Endpoint,
        headers: HeaderMap,
        body: Body,
    ) -> Response {
        let started = Instant::now();
        let live = self.live();
        if let Some(refused) = self.gate(&live, &headers) {
            return refused;
        }
        if !is_json(&headers) {
            return answer(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                json!({"error": "send Content-Type: application/json"}),
            );
        }
        let declared = headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > self.settings.max_body as u64) {
            return too_large(self.settings.max_body);
        }
        let bytes = match axum::body::to_bytes(body, self.settings.max_body).await {
            Ok(bytes) => bytes,
            Err(_) => return too_large(self.settings.max_body),
        };
        let notification = match sources::parse(endpoint, &bytes) {
            Ok(n) => n,
            Err(err) => {
                tracing::warn!("refused a payload on /{}: {err}", endpoint_path(endpoint));
                return answer(StatusCode::BAD_REQUEST, json!({"error": err.0}));
            }
        };
        let plan = plan::plan(&notification, &live.routes);
        for note in &plan.notes {
            tracing::info!("{}: {note}", notification.group_key);
        }
        self.metrics.skipped_by_plan(plan.skipped.len());
        let deadline = live.routes.deadline(endpoint);
        let guard = self.in_flight.enter();
        self.metrics.in_flight(1);
        let gauge = InFlightGauge(self.clone());
        let server = self.clone();
        let group_key = notification.group_key.clone();
        let source = notification.source.as_str();
        let truncated = notification.truncated_alerts;
        let work = tokio::spawn(async move {
            let _guard = guard;
            let _gauge = gauge;
            let mut handles = Vec::new();
            for call in plan.calls {
                let server = server.clone();
                handles.push(tokio::spawn(async move {
                    let arrived = Instant::now();
                    let fingerprint = serde_json::to_string(&call).unwrap_or_default();
                    let lock = server.locks.get(&call.key);
                    let mut last = lock.lock().await;
                    let call_started = Instant::now();
                    // Single flight: a delivery that waited behind an apply of the very same
                    // call (HA peers, sender retries) takes that apply's outcome instead of
                    // running its own — repeats cost the provider nothing, and a failure is
                    // not paid for once per queued duplicate.
                    let result = match &*last {
                        // This delivery wrote nothing itself: a write shared is `unchanged`.
                        Some(done) if done.fingerprint == fingerprint && done.finished > arrived => {
                            done.result.clone().map(|applied| match applied.action.as_str() {
                                "created" | "updated" | "resolved" | "released" => Applied {
                                    action: "unchanged".into(),
                                    reason: Some(format!(
                                        "the same call, made while this delivery waited, {}",
                                        applied.action
                                    )),
                                    ..applied
                                },
                                _ => applied,
                            })
                        }
                        _ if let Some(wait) = server.backing_off(&call.key, &fingerprint) => {
                            Err(Failure::unavailable(
                                "the provider was unavailable for this call a moment ago; not tried again yet",
                                Some(wait.as_secs().max(1)),
                            ))
                        }
                        _ if let Some(kept) = server.unchanged.get(&call, &fingerprint) => {
                            server.metrics.cache_hit(&call.namespace);
                            Ok(kept)
                        }
                        _ => {
                            let result = server.applier.apply(call.clone(), server.settings.dry_run).await;
                            server.note_outcome(&call.key, &fingerprint, &result);
                            server.unchanged.learn(&call, &fingerprint, &result);
                            server.note_metadata(&call, &result);
                            *last = Some(Outcome {
                                fingerprint,
                                finished: Instant::now(),
                                result: result.clone(),
                            });
                            result
                        }
                    };
                    drop(last);
                    server.locks.release(&call.key, lock);
                    let took = call_started.elapsed();
                    match &result {
                        Ok(a) => {
                            server.metrics.applied(&a.action, &call.namespace, took, a.reason.as_deref())
                        }
                        Err(_) => server.metrics.applied("failed", &call.namespace, took, None),
                    }
                    (call, result, call_started.elapsed())
                }));
            }
            let mut results = Vec::new();
            for handle in handles {
                match handle.await {
                    Ok(done) => results.push(done),
                    Err(err) => {
                        tracing::error!("an apply task failed: {err}");
                        results.push((
                            Call {
                                rule: String::new(),
                                namespace: String::new(),
                                profile: None,
                                key: String::new(),
                                args: Default::default(),
                            },
                            Err(Failure::internal("the apply task panicked")),
                            Duration::ZERO,
                        ));
                    }
                }
            }
            let late = started.elapsed() > deadline;
            server.log_decision(
                source,
                &group_key,
                truncated,
                &plan.skipped,
                &results,
                started.elapsed(),
                late,
            );
            results
        });
        let results = match tokio::time::timeout(deadline, work).await {
            Ok(Ok(results)) => results,
            Ok(Err(err)) => {
                tracing::error!("a notification task failed: {err}");
                return answer(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    json!({"error": "internal error (logged)"}),
                );
            }
            Err(_) => {
                let mut response = answer(
                    StatusCode::SERVICE_UNAVAILABLE,
                    json!({"error": format!("not applied within {}s; the work goes on, send it again", deadline.as_secs())}),
                );
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(DEFAULT_RETRY_AFTER));
                return response;
            }
        };
        self.respond(&results)
    }

    fn respond(&self, results: &[(Call, Result<Applied, Failure>, Duration)]) -> Response {
        let mut status = StatusCode::OK;
        let mut retry_after: Option<u64> = None;
        let rank = |s: StatusCode| match s.as_u16() {
            503 => 3,
            500 => 2,
            422 => 1,
            _ => 0,
        };
        let mut items = Vec::new();
        for (call, result, _) in results {
            match result {
                Ok(applied) => items.push(json!({"rule": call.rule, "key": call.key, "namespace": call.namespace,
                    "action": applied.action, "incident_ids": applied.incident_ids, "reason": applied.reason})),
                Err(failure) => {
                    if rank(failure.status()) > rank(status) {
                        status = failure.status();
                    }
                    if failure.kind == FailureKind::Unavailable {
                        let r = failure.retry_after.unwrap_or(DEFAULT_RETRY_AFTER);
                        retry_after = Some(retry_after.unwrap_or(0).max(r));
                    }
                    items.push(json!({"rule": call.rule, "key": call.key, "namespace": call.namespace,
                        "error": failure.kind(), "message": failure.message()}));
                }
            }
        }
        let mut response = answer(status, json!({"status": status.as_u16(), "results": items}));
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after.unwrap_or(DEFAULT_RETRY_AFTER)));
        }
        response
    }

    #[allow(clippy::too_many_arguments)]
    fn log_decision(
        &self,
        source: &str,
        group_key: &str,
        truncated: u64,
        skipped: &[plan::Skip],
        results: &[(Call, Result<Applied, Failure>, Duration)],
        took: Duration,
        late: bool,
    ) {
        let mut decisions: Vec<Value> = skipped
            .iter()
            .map(|s| json!({"rule": s.rule, "key": s.key, "action": "skipped", "reason": s.reason}))
            .collect();
        for (call, result, duration) in results {
            let mut d = json!({"rule": call.rule, "key": call.key, "namespace": call.namespace,
                "profile": call.profile, "duration_ms": duration.as_millis() as u64});
            match result {
                Ok(a) => {
                    d["action"] = json!(a.action);
                    d["incident_ids"] = json!(a.incident_ids);
                    if let Some(reason) = &a.reason {
                        d["reason"] = json!(reason);
                    }
                    if !a.request_ids.is_empty() {
                        d["request_ids"] = json!(a.request_ids);
                    }
                }
                Err(f) => {
                    d["action"] = json!("failed");
                    d["error"] = json!(f.kind());
                    d["message"] = json!(f.message());
                    if let Some(status) = f.provider_status {
                        d["provider_status"] = json!(status);
                    }
                    if let Some(id) = &f.request_id {
                        d["request_ids"] = json!([id]);
                    }
                }
            }
            decisions.push(d);
        }
        if decisions.is_empty() {
            decisions.push(json!({"action": "none", "reason": "no rule matched"}));
        }
        let mut line = json!({
            "source": source,
            "group_key": group_key,
            "dry_run": self.settings.dry_run,
            "duration_ms": took.as_millis() as u64,
            "decisions": decisions,
        });
        if truncated > 0 {
            line["truncated_alerts"] = json!(truncated);
        }
        if late {
            line["past_deadline"] = json!(true);
        }
        if let Value::Object(event) = line {
            self.settings.decision_log.write(event);
        }
    }
}

fn endpoint_path(endpoint: Endpoint) -> &'static str {
    match endpoint {
        Endpoint::Alertmanager => "alertmanager",
        Endpoint::Datadog => "datadog",
        Endpoint::Generic => "generic",
    }
}

fn answer(status: StatusCode, body: Value) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], format!("{body}\n")).into_response()
}

fn too_large(max: usize) -> Response {
    answer(StatusCode::PAYLOAD_TOO_LARGE, json!({"error": format!("the body is over {max} bytes")}))
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
}

/// The last apply made for a key, for deliveries that waited behind it.
struct Outcome {
    fingerprint: String,
    finished: Instant,
    result: Result<Applied, Failure>,
}

type KeyLock = Arc<tokio::sync::Mutex<Option<Outcome>>>;

/// One lock per key, so that the calls for one key run one after the other (a repeat
/// waits for the create before it) while other keys go on.
#[derive(Default)]
struct KeyLocks {
    map: Mutex<HashMap<String, KeyLock>>,
}

impl KeyLocks {
    fn get(&self, key: &str) -> KeyLock {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(key.to_string()).or_default().clone()
    }

    /// Forgets the key's lock when no one else holds or waits for it.
    fn release(&self, key: &str, lock: KeyLock) {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        // Ours and the map's: nobody else has it.
        if Arc::strong_count(&lock) == 2 {
            map.remove(key);
        }
    }
}

/// Takes one off the in-flight gauge when the work of a notification ends.
struct InFlightGauge(Arc<Server>);

impl Drop for InFlightGauge {
    fn drop(&mut self) {
        self.0.metrics.in_flight(-1);
    }
}

/// Counts notifications being worked on, to drain them at shutdown.
#[derive(Default, Clone)]
struct InFlight {
    inner: Arc<(AtomicUsize, tokio::sync::Notify)>,
}

struct InFlightGuard(Arc<(AtomicUsize, tokio::sync::Notify)>);

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        if self.0.0.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.1.notify_waiters();
        }
    }
}

impl InFlight {
    fn enter(&self) -> InFlightGuard {
        self.inner.0.fetch_add(1, Ordering::SeqCst);
        InFlightGuard(self.inner.clone())
    }

    async fn idle(&self) {
        loop {
            let notified = self.inner.1.notified();
            if self.inner.0.load(Ordering::SeqCst) == 0 {
                return;
            }
            notified.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_headers() {
        use base64::Engine as _;
        let bearer = Auth::Bearer("s3cret".into());
        let h = |s: &str| HeaderValue::from_str(s).unwrap();
        assert!(bearer.accepts(Some(&h("Bearer s3cret"))));
        assert!(bearer.accepts(Some(&h("bearer  s3cret"))));
        assert!(!bearer.accepts(Some(&h("Bearer s3cre"))));
        assert!(!bearer.accepts(Some(&h("Basic s3cret"))));
        assert!(!bearer.accepts(None));
        let basic = Auth::Basic { username: "am".into(), password: "pw".into() };
        let encoded = base64::engine::general_purpose::STANDARD.encode("am:pw");
        assert!(basic.accepts(Some(&h(&format!("Basic {encoded}")))));
        assert!(!basic.accepts(Some(&h("Basic YW06cHg="))));
        assert_eq!(format!("{bearer:?} {basic:?}"), "Bearer(****) Basic(am:****)");
    }
}
